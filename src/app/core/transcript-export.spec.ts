import { entries, session } from '../testing/fixtures';
import { transcriptToJson, transcriptToText } from './transcript-export';

describe('transcript export', () => {
  const s = session({ endedAt: '2026-11-25T12:00:00.000Z', endReason: 'closed', durationSeconds: 600 });
  const list = entries(3);

  it('writes text with a header and one line per entry in order', () => {
    const text = transcriptToText(s, list, { valid: true, entries: 3, firstBadSeq: null, problem: null });
    expect(text).toContain(`Remote support session ${s.id}`);
    expect(text).toContain('Integrity: hash chain verified over 3 entries');
    const lines = text.split('\n').filter((l) => l.startsWith('['));
    expect(lines.map((l) => /#(\d+)/.exec(l)![1])).toEqual(['1', '2', '3']);
    expect(lines[0]).toContain('COMMAND @hci-n01: Get-ClusterNode -Name node0');
    // A multi-line output keeps its later lines, indented.
    expect(text).toContain('\n    node1 Up');
  });

  it('says when integrity was not checked or failed', () => {
    expect(transcriptToText(s, list, null)).toContain('Integrity: not checked');
    expect(transcriptToText(s, list, { valid: false, entries: 3, firstBadSeq: 2, problem: 'entry 2 was changed' })).toContain('FAILED at entry 2: entry 2 was changed');
  });

  it('writes JSON with the session, the verification and every entry with its hashes', () => {
    const json = JSON.parse(transcriptToJson(s, list, null));
    expect(json.session.id).toBe(s.id);
    expect(json.verification).toBeNull();
    expect(json.entries).toHaveLength(3);
    expect(json.entries[2]).toEqual(list[2]);
  });
});
