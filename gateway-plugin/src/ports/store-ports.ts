import type { AccessLevel } from '../domain/access-level';
import type { ActorLike } from '../domain/actor';
import type { DenyList, DenyListChange, DenyRule } from '../domain/deny-rule';
import type { Grant, GrantRequest } from '../domain/grant';
import type { RepairApproval, RepairDecision } from '../domain/repair-approval';
import type { AdminSession } from '../domain/admin-sign-in';
import type { ListPage, PageKey } from '../domain/list-page';
import type { RecordRead, RecordReadAction } from '../domain/record-read';
import type { AccessRequest } from '../domain/access-request';
import type { ChainCheck, SessionEndReason, TranscriptEntry, TranscriptKind } from '../domain/transcript';
import { PURGE_BATCH_ROWS } from '../domain/retention';

/*
 * What the service, the support channel, the lifecycle jobs and the agent
 * deployer need from the store. The SQLite classes in store/ implement these;
 * nothing outside store/ and the composition root names them, so a second
 * store can come later without touching the layers above.
 */

/** The record of consent: grants, supersedes, revokes and expiries. */
export interface GrantStore {
  /** Records a new grant; an open grant of the cluster is superseded in the same transaction. */
  grant(cluster: string, request: GrantRequest, grantedBy: ActorLike): { grant: Grant; superseded: Grant | null };
  /** Ends the cluster's open grant, or returns null when there is none. */
  revoke(cluster: string, revokedBy: ActorLike): Grant | null;
  /** The cluster's grant in force now, or null. */
  active(cluster: string): Grant | null;
  /** A page of the active grant and, with `includeExpired`, the grants of the last 30 days, newest first. */
  list(cluster: string, includeExpired: boolean, page: { limit: number; after?: PageKey | null }): ListPage<Grant>;
  byId(id: string): Grant | null;
  /** The decrypted SAS credential a grant carries, or null. */
  sasCredentialOf(id: string): string | null;
  /** The cluster's grants changed without the record key (their MAC does not match), as problems. */
  verifyGrants(cluster: string): string[];
}

/** What the expiry timer and the retention janitor need of the grant store. */
export interface GrantExpiryStore {
  /** Ends every grant whose expiry has passed; returns them. */
  expireDue(): Grant[];
  /** The earliest expiry of an open grant, or null. */
  nextExpiry(): number | null;
  /** Deletes at most `maxRows` such grants in one short transaction. */
  purgeBatch(cutoff: number, maxRows: number): PurgeBatch;
  /** Called for each grant that expires; returns the function that stops listening. */
  onExpired(listener: (grant: Grant) => void): () => void;
  /** Called after any change to the grants; returns the function that stops listening. */
  onChange(listener: () => void): () => void;
}

/** What one batch of the retention purge removed, and whether nothing is left to remove. */
export interface PurgeBatch {
  sessions: number;
  entries: number;
  grants: number;
  /** Reads of the record (the audit of the audit), for the store that keeps them. */
  reads?: number;
  done: boolean;
}

/**
 * Runs a store's purge batch after batch until it is done, and adds them up:
 * the purge in one go (tests and tools; the gateway's janitor runs the same
 * batches in the background, yielding between them).
 */
export function purgeAll(store: { purgeBatch(cutoff: number, maxRows: number): PurgeBatch }, cutoff: number, maxRows = PURGE_BATCH_ROWS): PurgeBatch {
  const total: PurgeBatch = { sessions: 0, entries: 0, grants: 0, reads: 0, done: true };
  for (;;) {
    const batch = store.purgeBatch(cutoff, maxRows);
    total.sessions += batch.sessions;
    total.entries += batch.entries;
    total.grants += batch.grants;
    total.reads! += batch.reads ?? 0;
    if (batch.done) return total;
  }
}

/** An entry waiting to be written. */
export interface PendingEntry {
  sessionId: string;
  kind: TranscriptKind;
  node: string | null;
  text: string;
  /** Ends the session in the transaction that writes this entry (its last): why, and who ended it. */
  end?: { reason: SessionEndReason; by?: ActorLike | undefined };
}

export interface SearchHit {
  sessionId: string;
  seq: number;
  at: number;
  kind: TranscriptKind;
  node: string | null;
  engineer: string;
  /** The matching text with the words in [brackets]. */
  snippet: string;
}

/** A page of search hits, newest first, and the cursor of the next page (an entry id; null after the last page). */
export interface SearchPage {
  hits: SearchHit[];
  nextBefore: number | null;
}

export interface SessionRecord {
  id: string;
  cluster: string;
  grantId: string;
  engineer: string;
  /** The engineer's stable id (`entra:<tid>/<oid>`); null on sessions recorded before ids were. */
  engineerId: string | null;
  supportCase: string | null;
  accessLevel: AccessLevel;
  nodes: string[];
  startedAt: number;
  endedAt: number | null;
  endReason: SessionEndReason | null;
  /** The admin who ended or revoked it (name and stable id); null when it ended otherwise. */
  endedBy: string | null;
  endedById: string | null;
  commandCount: number;
}

/** Sessions and their hash-chained transcripts. */
export interface SessionStore {
  open(input: { cluster: string; grantId: string; engineer: string; engineerId?: string | null; supportCase: string | null; accessLevel: AccessLevel; nodes: string[] }): SessionRecord;
  /** Ends an open session (by an admin, when `endedBy` is given); returns it, or null when it was not open. */
  end(sessionId: string, reason: SessionEndReason, endedBy?: ActorLike): SessionRecord | null;
  /** Moves an open session to a new grant (a supersede); false when the session is no longer open. */
  rebind(sessionId: string, grantId: string, accessLevel: AccessLevel): boolean;
  /** Ends every open session of a grant. */
  endForGrant(grantId: string, reason: SessionEndReason, endedBy?: ActorLike): SessionRecord[];
  /** Marks sessions a previous run left open as interrupted; returns how many. */
  interruptOpenSessions(): number;
  live(cluster: string): SessionRecord[];
  /** A page of the sessions started since `from`, newest first; `after` is where the previous page stopped. */
  history(cluster: string, from: number, page: { limit: number; after?: PageKey | null }): ListPage<SessionRecord>;
  get(cluster: string, id: string): SessionRecord | null;
  transcript(sessionId: string, offset: number, limit: number): { total: number; entries: TranscriptEntry[] };
  allEntries(sessionId: string): TranscriptEntry[];
  search(cluster: string, query: string, from: number, limit: number): SearchHit[];
  /** A page of search hits older than the entry `before` (null: the newest). */
  searchPage(cluster: string, query: string, from: number, limit: number, before: number | null): SearchPage;
  /** Deletes at most about `maxRows` rows of such sessions (entries and sessions) in one short transaction. */
  purgeBatch(cutoff: number, maxRows: number): PurgeBatch;
  /** Verifies a session's chain, sealed head, fields and registration. */
  verify(sessionId: string): ChainCheck;
  /** Sessions of the cluster deleted or forged, as problems (empty when none). */
  verifyRegistry(cluster: string): string[];
}

/**
 * The reads that can take long on a big record (full-text search, the
 * session history, verifying and exporting a session): answered off the event loop, each within a time
 * budget. Past it they fail with a catalog error (SearchTooBroad,
 * RecordReadTooLong) instead of holding up grants, revokes and expiries.
 * `now` is the clock's time of the request (retention is judged by it).
 */
export interface RecordReads {
  search(request: { cluster: string; query: string; from: number; limit: number; before: number | null; now: number }): Promise<SearchPage>;
  /** The session's check with the cluster's record problems (sessions deleted or forged, grants changed). */
  verify(request: { cluster: string; sessionId: string; now: number }): Promise<ChainCheck>;
  /** The session's export (see exportDocument in record-view) as the bytes of its file, JSON or text; `now` is also its exportedAt. */
  exportFile(request: { cluster: string; sessionId: string; format: 'json' | 'text'; now: number }): Promise<Buffer>;
  /** A page of the cluster's sessions that started at or after `from`, newest first (see SessionStore.history). */
  history(request: { cluster: string; from: number; limit: number; after: PageKey | null; now: number }): Promise<ListPage<SessionRecord>>;
}

/** Where a live session writes its transcript: resolves once the entry is durable. */
export interface TranscriptSink {
  write(sessionId: string, kind: TranscriptKind, node: string | null, text: string, end?: PendingEntry['end']): Promise<TranscriptEntry>;
}

export type AgentState = 'NotInstalled' | 'Installing' | 'Installed' | 'Removing' | 'Failed';
export type OperationKind = 'install' | 'remove';
export type OperationStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface NodeAgent {
  node: string;
  state: AgentState;
  version: string | null;
  detail: string | null;
  updatedAt: number | null;
}

export interface NodeProgress {
  node: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed';
  step: string | null;
  stepsDone: number;
  stepsTotal: number;
  error: string | null;
}

export interface AgentOperation {
  id: string;
  cluster: string;
  kind: OperationKind;
  status: OperationStatus;
  /** ISO 8601, like every time the API returns. */
  startedAt: string;
  finishedAt: string | null;
  startedBy: string;
  /** The starting admin's stable id; null on operations recorded before ids were. */
  startedById: string | null;
  nodes: NodeProgress[];
}

/** The recorded agent state of each node, and the install and remove operations. */
export interface AgentStore {
  /** Marks operations a previous run left running as interrupted, and their nodes as failed; returns how many operations. */
  recoverAfterRestart(now: number): number;
  /** The recorded state of the cluster's nodes (nodes never touched have no record). */
  nodeStates(cluster: string): Map<string, Omit<NodeAgent, 'node'>>;
  /** Records a new running operation and marks its nodes busy, in one transaction. */
  beginOperation(op: { id: string; cluster: string; kind: OperationKind; startedAt: number; startedBy: string; startedById: string | null; nodes: NodeProgress[] }, busyState: AgentState): void;
  saveProgress(id: string, nodes: readonly NodeProgress[]): void;
  finishOperation(id: string, status: OperationStatus, finishedAt: number, nodes: readonly NodeProgress[]): void;
  setNode(cluster: string, node: string, state: AgentState, version: string | null, detail: string | null, at: number): void;
  operation(id: string): AgentOperation | null;
  /** The cluster's most recent operation, or null. */
  latest(cluster: string): AgentOperation | null;
}

/** Who read the record (the audit of the audit): transcripts viewed, exported, verified, and searches. */
export interface RecordReadStore {
  record(input: { cluster: string; action: RecordReadAction; by: ActorLike; sessionId: string | null; detail: string | null }): void;
  /** The cluster's reads, newest first, a page at a time; only one session's with `sessionId`. */
  list(cluster: string, sessionId: string | null, page: { limit: number; after?: PageKey | null }): ListPage<RecordRead>;
  purgeBatch(cutoff: number, maxRows: number): PurgeBatch;
}

/** Access requests: engineers ask, admins answer (see domain/access-request). */
export interface RequestStore {
  create(input: Omit<AccessRequest, 'id' | 'requestedAt' | 'state' | 'answeredAt' | 'answeredBy' | 'answeredById' | 'approved' | 'denial' | 'messages'>): AccessRequest;
  /** The request, and whether its row is as the gateway wrote it; null when the cluster has none by that id. */
  get(cluster: string, id: string): { request: AccessRequest; intact: boolean } | null;
  save(request: AccessRequest, topic?: 'request.updated' | 'request.expired'): AccessRequest;
  /** Newest first, a page at a time; only those still waiting for an answer or a start with `open`. */
  list(cluster: string, open: boolean, page: { limit: number; after?: PageKey | null }): ListPage<{ request: AccessRequest; intact: boolean }>;
  open(): AccessRequest[];
  purgeBatch(cutoff: number, maxRows: number): PurgeBatch;
}

/** The customer's deny list of each cluster, and every change to it. */
export interface DenyListStore {
  /** The cluster's list now (empty, version 0, before the first change). */
  get(cluster: string): DenyList;
  /** Replaces the cluster's rules (already checked) and records the change, in one transaction; returns the list as saved. */
  put(cluster: string, rules: readonly DenyRule[], by: ActorLike): DenyList;
  /** The cluster's changes, newest first, at most `limit`. */
  changes(cluster: string, limit: number): DenyListChange[];
}

/** The embedded default's signed-in browser sessions (admin-auth's store). */
export interface AdminSessionStore {
  /** Records a new session; `tokenHash` is the SHA-256 (hex) of the cookie's secret, never the secret. */
  create(session: AdminSession, tokenHash: string): void;
  /** The session whose cookie secret hashes to `tokenHash`, or null. */
  byTokenHash(tokenHash: string): AdminSession | null;
  byId(id: string): AdminSession | null;
  /** Sets the last-seen time. */
  touch(id: string, at: number): void;
  /** Marks one session revoked; false when it does not exist or was already revoked. */
  revoke(id: string, at: number): boolean;
  /** Marks every session made under another credential generation revoked; returns how many. */
  revokeOtherEpochs(epoch: string, at: number): number;
  /** Sessions whose absolute end is after `since`, newest first. */
  list(since: number): AdminSession[];
  /** Deletes sessions whose absolute end is before `cutoff`; returns how many. */
  purgeEndedBefore(cutoff: number): number;
}

/** The repairs waiting for the admin's answer (the support channel keeps them), as the admin API reaches them. */
export interface RepairApprovalControl {
  /** The cluster's questions still waiting, oldest first. */
  pending(cluster: string): RepairApproval[];
  /**
   * Answers a question of the cluster. Resolves once the answer is in the
   * session's transcript; ApprovalNotFound when the cluster has no such
   * question, ApprovalAlreadyDecided when it was answered, timed out or
   * cancelled.
   */
  decide(cluster: string, id: string, decision: RepairDecision, reason: string | null, by: ActorLike): Promise<RepairApproval>;
}
