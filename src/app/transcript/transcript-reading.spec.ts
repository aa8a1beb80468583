import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCESS_LEVELS } from '../../generated/api-contract';
import { extensionStrings } from '../core/strings';
import { denialInWords, readableText } from './transcript-reading';

/**
 * Every reason the gateway refuses a line for: the command policy's reasons
 * (docs/command-policy.md lists them, and the gateway's tests keep that list
 * equal to DENIAL_REASONS), and the reasons the session itself refuses for.
 */
function denialReasons(): string[] {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'command-policy.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Denial reasons'), doc.indexOf('\n## ', doc.indexOf('## Denial reasons') + 1));
  const policy = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]!);
  // Refused by the live session (gateway-plugin/src/channel/live-session.ts), not by the command policy.
  const session = ['no-active-grant', 'support-case-changed', 'node-not-in-session', 'repair-needs-one-node', 'repair-refused', 'repair-approval-timed-out', 'deny-list'];
  return [...policy, ...session];
}

describe('a transcript in words', () => {
  const strings = extensionStrings();

  it('has words for every reason a line can be refused, and never shows the code alone', () => {
    const reasons = denialReasons();
    expect(reasons.length).toBeGreaterThan(40);
    for (const reason of reasons) {
      const words = denialInWords(reason, 'Diagnostics', strings);
      expect(words).not.toBe(strings.Transcript.deniedOther);
      expect(words).not.toBe(reason);
    }
    expect(denialInWords('level-too-low', 'Diagnostics', strings)).toBe('Not allowed at the Diagnostics level');
    expect(denialInWords('some-future-reason', 'Diagnostics', strings)).toBe('Not allowed by the command policy');
  });

  it('names levels, end reasons and times as the admin reads them', () => {
    for (const level of ACCESS_LEVELS) expect(readableText(`level ${level}.`, strings)).toBe(`level ${strings.Level[level]}.`);
    expect(readableText('Session ended: idle-timeout. No command for 30 minutes', strings)).toBe('Session ended: Idle too long. No command for 30 minutes');
    expect(readableText('expires 2026-11-25T19:50:00.000Z', strings)).toBe('expires 2026-11-25 19:50 UTC');
  });
});
