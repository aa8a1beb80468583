import { printable } from './printable';
import { ChainCheck } from './transcript';

/** The version tag every export carries. */
export const TRANSCRIPT_EXPORT_FORMAT = 'remote-support-transcript/1' as const;

/** What the text form of an export reads (the API's export, described in full by the contract, has more). */
export interface TranscriptExport {
  format: typeof TRANSCRIPT_EXPORT_FORMAT;
  exportedAt: string;
  session: {
    id: string;
    cluster: string;
    engineer: string;
    /** Absent in exports written before ids were recorded. */
    engineerId?: string | null;
    supportCase: string | null;
    accessLevel: string;
    nodes: string[];
    startedAt: string | null;
    endedAt: string | null;
    endReason: string | null;
  };
  verification: ChainCheck;
  entries: { seq: number; at: string | null; kind: string; node: string | null; text: string; prevHash: string; hash: string }[];
}

/**
 * The plain-text form of an export: a header, the integrity result, then each
 * entry as `#seq time kind [node]` with its text indented below. Hashes stay
 * in the JSON form, which is the one to verify against.
 */
export function transcriptText(e: TranscriptExport): string {
  const s = e.session;
  const lines = [
    `Remote support session ${s.id}`,
    `Cluster:      ${s.cluster}`,
    `Engineer:     ${s.engineer}${s.engineerId ? ` (${s.engineerId})` : ''}`,
    `Support case: ${s.supportCase ?? '-'}`,
    `Access level: ${s.accessLevel}`,
    `Nodes:        ${s.nodes.join(', ')}`,
    `Started:      ${s.startedAt ?? '-'}`,
    `Ended:        ${s.endedAt ?? '(live)'}${s.endReason ? ` (${s.endReason})` : ''}`,
    `Integrity:    ${integrity(e.verification)}`,
    `Exported:     ${e.exportedAt}`,
    '',
  ];
  for (const entry of e.entries) {
    lines.push(`#${entry.seq} ${entry.at} ${entry.kind}${entry.node ? ` [${entry.node}]` : ''}`);
    for (const line of printable(entry.text).replace(/\s+$/, '').split('\n')) lines.push(`    ${line}`);
  }
  return lines.join('\n') + '\n';
}

/** The integrity line: verified (keyed or legacy), or broken with every problem. */
function integrity(v: ChainCheck): string {
  if (!v.valid) return `BROKEN${v.firstBadSeq === null ? '' : ` at entry ${v.firstBadSeq}`}: ${v.problems.join('; ')}`;
  const legacy = v.chain === 'legacy-unkeyed' ? ' (legacy, unkeyed: written before the record key; head sealed at the upgrade)' : '';
  return `verified, ${v.entries} entries in an unbroken hash chain matching its sealed head${legacy}`;
}

/** The file name a download of a session's export is saved under. */
export function exportFileName(sessionId: string, format: 'json' | 'text'): string {
  return `transcript-${sessionId}.${format === 'json' ? 'json' : 'txt'}`;
}
