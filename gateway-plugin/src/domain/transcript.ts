import { createHash } from 'node:crypto';

/** Kinds of transcript entry. One table, shared by gateway, CLI and UI. */
export const TRANSCRIPT_KINDS = ['command', 'output', 'denied', 'error', 'system'] as const;
export type TranscriptKind = (typeof TRANSCRIPT_KINDS)[number];

/** How many transcript entries one read returns, unless the caller asks otherwise, and at most. */
export const TRANSCRIPT_PAGE = { default: 200, max: 1000 } as const;

/** Why a session ended. */
export const SESSION_END_REASONS = ['closed', 'revoked', 'expired', 'ended-by-admin', 'idle-timeout', 'interrupted', 'token-expired', 'relay-disconnected'] as const;
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

/**
 * A keyed message authentication code (HMAC-SHA256 under the gateway's record
 * key, in hex). The domain never holds the key: the store passes this in.
 */
export type Mac = (message: string) => string;

/**
 * The hash of an entry: covers its content and the previous entry's hash, so
 * any gap or edit shows. With `mac` (every session since the record key) it is
 * an HMAC, which nobody without the key can recompute; without it, the plain
 * SHA-256 of sessions written before the key existed ("legacy, unkeyed").
 */
export function entryHash(e: Omit<TranscriptEntry, 'hash'>, mac?: Mac): string {
  const canonical = JSON.stringify([e.sessionId, e.seq, e.at, e.kind, e.node, e.text, e.prevHash]);
  return mac ? mac(canonical) : createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** How a session's chain is protected: by the record key, or (sessions older than the key) by plain SHA-256. */
export type ChainProtection = 'keyed' | 'legacy-unkeyed';

export interface ChainCheck {
  valid: boolean;
  entries: number;
  /** The sequence number of the first entry that does not fit the chain (for a cut, the first one missing). */
  firstBadSeq: number | null;
  /** The first problem found, or null. */
  problem: string | null;
  /** Every problem found: the chain, the sealed head, the session record, the registry. */
  problems: string[];
  chain: ChainProtection;
  /** The entry count the session's sealed head records, or null when the session has no valid seal. */
  sealedEntries: number | null;
  /** Problems with the cluster's records around this session: sessions deleted, grants changed without the key. */
  clusterProblems: string[];
}

/** A session's head as sealed: how many entries it had and the hash of the last. */
export interface SealedHead {
  entries: number;
  lastHash: string;
}

/** What a session's transcript is checked against. */
export interface ChainExpectation {
  /** The key's MAC, for a keyed chain; absent for a legacy (unkeyed) one. */
  mac?: Mac;
  /** The sealed head, when the seal itself verified; null when there is none or it was forged. */
  head?: SealedHead | null;
  /** Problems already found with the session record (its seal, its registration). */
  recordProblems?: readonly string[];
}

/**
 * Verifies a session's entries, in order, from the first, against the chain
 * (keyed or legacy) and the sealed head: an entry edited, inserted, removed or
 * reordered breaks the chain; a cut of the tail, or a chain recomputed
 * without the key, no longer meets the sealed head.
 */
export function verifyChain(entries: readonly TranscriptEntry[], expect: ChainExpectation = {}): ChainCheck {
  const problems: string[] = [];
  let firstBadSeq: number | null = null;
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const problem =
      e.seq !== i + 1 ? `entry ${i + 1} is missing (found ${e.seq} in its place)`
      : e.prevHash !== prev ? `entry ${e.seq} does not follow the entry before it`
      : entryHash(e, expect.mac) !== e.hash ? `entry ${e.seq} was changed after it was written${expect.mac ? ' (its MAC does not match the record key)' : ''}`
      : null;
    if (problem !== null) {
      problems.push(problem);
      firstBadSeq = e.seq;
      break;
    }
    prev = e.hash;
  }
  const head = expect.head;
  if (head) {
    const last = entries.at(-1)?.hash ?? GENESIS_HASH;
    if (entries.length < head.entries) {
      problems.push(`the transcript was cut: ${entries.length} entries, the sealed head records ${head.entries}`);
      firstBadSeq ??= entries.length + 1;
    } else if (entries.length > head.entries) {
      problems.push(`${entries.length - head.entries} entries were added after the sealed head (${head.entries} entries)`);
      firstBadSeq ??= head.entries + 1;
    } else if (last !== head.lastHash) {
      problems.push('the last entry is not the one sealed: the chain was rewritten');
      firstBadSeq ??= entries.length;
    }
  }
  problems.push(...(expect.recordProblems ?? []));
  return {
    valid: problems.length === 0,
    entries: entries.length,
    firstBadSeq,
    problem: problems[0] ?? null,
    problems,
    chain: expect.mac ? 'keyed' : 'legacy-unkeyed',
    sealedEntries: head ? head.entries : null,
    clusterProblems: [],
  };
}
