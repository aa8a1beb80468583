import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCESS_LEVELS } from '../../generated/api-contract';
import { extensionStrings } from '../core/strings';
import { denialInWords, readableText, readTranscript } from './transcript-reading';
import { TranscriptEntry } from '../core/api-models';

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

  describe('repairs waiting for approval, and the deny list', () => {
    const entry = (kind: TranscriptEntry['kind'], text: string, node: string | null = 'hci-n02'): TranscriptEntry => ({ seq: 1, at: '2026-11-25T12:00:00.000Z', kind, node, text, prevHash: '', hash: '' });
    const read = (kind: TranscriptEntry['kind'], text: string) => readTranscript([entry(kind, text)], 'DiagnosticsRepair', ['hci-n01', 'hci-n02'], strings)[0]!;

    it('reads a question without a reason as "none given", with the line as typed and the node in the prompt', () => {
      const r = read('system', 'Repair approval a-1 asked of the cluster administrator: Restart-Service -Name "Health Service"\n-> {"cmdlet":"Restart-Service","parameters":{"Name":"Health Service"}} on hci-n02 by local:admin; reason: (none given); answer due by 2026-11-25T12:05:00.000Z');
      expect(r.prompt).toBe('hci-n02 · Diagnostics and repair>');
      expect(r.command).toBe('Restart-Service -Name "Health Service"');
      expect(r.text).toBe('Waiting for the cluster administrator\'s approval: asked by local:admin; reason: none given; answer due by 2026-11-25 12:05 UTC');
    });

    it('reads a refusal without a reason, and a cancel for another cause', () => {
      const refused = read('denied', 'Restart-Service -Name ClusSvc\n-> denied (repair-refused): repair approval a-1 refused by Jane Admin (machine:CONTOSO\\jane) at 2026-11-25T12:02:00.000Z');
      expect(refused.denialDetail).toBe('Refused by Jane Admin at 2026-11-25 12:02 UTC');
      const cancelled = read('system', 'Repair approval a-1 cancelled at 2026-11-25T12:02:00.000Z: the gateway is stopping');
      expect(cancelled.text).toBe('The repair stopped waiting for approval at 2026-11-25 12:02 UTC: the gateway is stopping');
      expect(cancelled.command).toBeNull();
    });

    it('keeps a deny-list refusal it cannot take apart readable as the gateway wrote it', () => {
      const r = read('denied', "Restart-Service -Name ClusSvc\n-> denied (deny-list): The customer's deny list refuses Restart-Service (the cluster could not tell which roles hci-n02 owns: access denied): never restart ClusSvc next to SQL");
      expect(r.denial).toBe("Refused by the cluster's deny list");
      expect(r.denialDetail).toBe("The customer's deny list refuses Restart-Service (the cluster could not tell which roles hci-n02 owns: access denied): never restart ClusSvc next to SQL");
    });

    it('leaves other system entries as they were', () => {
      expect(read('system', 'Repair approvals are now required for this grant').text).toBe('Repair approvals are now required for this grant');
    });
  });
});
