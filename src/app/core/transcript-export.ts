import { ChainCheck, SessionView, TranscriptEntry } from './api-models';

/** A transcript as plain text: a header, then one line per entry (continuation lines indented). */
export function transcriptToText(session: SessionView, entries: readonly TranscriptEntry[], verification: ChainCheck | null): string {
  const head = [
    `Remote support session ${session.id}`,
    `Engineer: ${session.engineer}`,
    `Support case: ${session.supportCase ?? '-'}`,
    `Access level: ${session.accessLevel}`,
    `Nodes: ${session.nodes.join(', ')}`,
    `Started: ${session.startedAt}`,
    `Ended: ${session.endedAt ?? '(live)'}${session.endReason ? ` (${session.endReason})` : ''}`,
    `Entries: ${entries.length}`,
    verification
      ? `Integrity: ${verification.valid ? `hash chain verified over ${verification.entries} entries` : `FAILED at entry ${verification.firstBadSeq}: ${verification.problem}`}`
      : 'Integrity: not checked',
    '',
  ];
  const lines = entries.map((e) => {
    const prefix = `[${e.at}] #${e.seq} ${e.kind.toUpperCase()}${e.node ? ` @${e.node}` : ''}: `;
    return prefix + e.text.split('\n').join('\n' + ' '.repeat(4));
  });
  return [...head, ...lines, ''].join('\n');
}

/** A transcript as JSON: the session, every entry with its hashes, and the integrity result. */
export function transcriptToJson(session: SessionView, entries: readonly TranscriptEntry[], verification: ChainCheck | null): string {
  return JSON.stringify({ session, verification, entries }, null, 2) + '\n';
}

/** Offers text to the browser as a file download. */
export function downloadFile(name: string, type: string, content: string, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
