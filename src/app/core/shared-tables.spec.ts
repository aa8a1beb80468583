/**
 * The extension keeps its own copies of the gateway's tables (it is built
 * apart from the gateway). These checks read the gateway's source so the
 * copies cannot drift: event types, transcript kinds, end reasons, access
 * levels and the duration rule.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { ACCESS_LEVELS, LIVE_EVENT_TYPES, SESSION_END_REASONS, TRANSCRIPT_KINDS } from './api-models';
import { EXPIRE_IN_MINUTES } from './duration';

const gatewaySrc = join(__dirname, '..', '..', '..', 'gateway-plugin', 'src');
const read = (file: string) => readFileSync(join(gatewaySrc, file), 'utf8');

/** The string literals of `export const NAME = [ ... ] as const` in a gateway source file. */
function constArray(file: string, name: string): string[] {
  const m = new RegExp(`export const ${name} = \\[([^\\]]*)\\]`).exec(read(file));
  if (!m) throw new Error(`${name} not found in ${file}`);
  return [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
}

describe('tables shared with the gateway', () => {
  it('has the same live event types', () => {
    expect([...LIVE_EVENT_TYPES]).toEqual(constArray('events/event-hub.ts', 'EVENT_TYPES'));
  });

  it('has the same transcript kinds and session end reasons', () => {
    expect([...TRANSCRIPT_KINDS]).toEqual(constArray('domain/transcript.ts', 'TRANSCRIPT_KINDS'));
    expect([...SESSION_END_REASONS]).toEqual(constArray('domain/transcript.ts', 'SESSION_END_REASONS'));
  });

  it('has the same access levels', () => {
    expect([...ACCESS_LEVELS]).toEqual(constArray('domain/access-level.ts', 'ACCESS_LEVELS'));
  });

  it('has the same duration rule', () => {
    const m = /EXPIRE_IN_MINUTES = \{ min: ([\d_]+), max: ([\d_]+), default: ([\d_]+) \}/.exec(read('domain/duration.ts'));
    expect(m).not.toBeNull();
    expect([m![1], m![2], m![3]].map((v) => Number(v!.replace(/_/g, '')))).toEqual([EXPIRE_IN_MINUTES.min, EXPIRE_IN_MINUTES.max, EXPIRE_IN_MINUTES.default]);
  });
});
