import { createHash } from 'node:crypto';

/** Kinds of transcript entry. One table, shared by gateway, CLI and UI. */
export const TRANSCRIPT_KINDS = ['command', 'output', 'denied', 'error', 'system'] as const;
export type TranscriptKind = (typeof TRANSCRIPT_KINDS)[number];

/** How many transcript entries one read returns, unless the caller asks otherwise, and at most. */
export const TRANSCRIPT_PAGE = { default: 200, max: 1000 } as const;

/** Why a session ended. */
export const SESSION_END_REASONS = ['closed', 'revoked', 'expired', 'ended-by-admin', 'idle-timeout', 'interrupted', 'token-expired'] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

export interface TranscriptEntry {
  sessionId: string;
  seq: number;
  at: number;
  kind: TranscriptKind;
  node: string | null;
  text: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The hash of an entry: covers its content and the previous entry's hash, so any gap or edit shows. */
export function entryHash(e: Omit<TranscriptEntry, 'hash'>): string {
  const canonical = JSON.stringify([e.sessionId, e.seq, e.at, e.kind, e.node, e.text, e.prevHash]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export interface ChainCheck {
  valid: boolean;
  entries: number;
  /** The sequence number of the first entry that does not fit the chain. */
  firstBadSeq: number | null;
  problem: string | null;
}

/** Verifies a session's entries, in order, from the first. */
export function verifyChain(entries: readonly TranscriptEntry[]): ChainCheck {
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const bad = (problem: string): ChainCheck => ({ valid: false, entries: entries.length, firstBadSeq: e.seq, problem });
    if (e.seq !== i + 1) return bad(`entry ${i + 1} is missing (found ${e.seq} in its place)`);
    if (e.prevHash !== prev) return bad(`entry ${e.seq} does not follow the entry before it`);
    if (entryHash(e) !== e.hash) return bad(`entry ${e.seq} was changed after it was written`);
    prev = e.hash;
  }
  return { valid: true, entries: entries.length, firstBadSeq: null, problem: null };
}
