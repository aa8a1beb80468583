import { randomUUID } from 'node:crypto';
import { AccessLevel } from '../domain/access-level';
import { ActorLike, actorOf } from '../domain/actor';
import { Clock } from '../domain/clock';
import { cappedCount, encodeCursor, LIST_COUNT_CAP, ListPage, PageKey } from '../domain/list-page';
import { transcriptCutoff } from '../domain/retention';
import { ChainCheck, entryHash, GENESIS_HASH, SessionEndReason, TranscriptEntry, TranscriptKind, verifyChain } from '../domain/transcript';
import { EventHub } from '../events/event-hub';
import type { PendingEntry, PurgeBatch, SearchHit, SearchPage, SessionRecord, SessionStore } from '../ports/store-ports';
import { Db, withoutFsync } from './database';
import { RecordSeal, SealedSessionRow } from './record-seal';

export type { PendingEntry, PurgeBatch, SearchHit, SearchPage, SessionRecord } from '../ports/store-ports';

interface SessionRow {
  id: string;
  cluster: string;
  grant_id: string;
  engineer: string;
  support_case: string | null;
  access_level: AccessLevel;
  nodes: string;
  started_at: number;
  ended_at: number | null;
  end_reason: SessionEndReason | null;
  command_count: number;
  keyed: number;
  sealed_entries: number | null;
  sealed_hash: string | null;
  seal_mac: string | null;
  engineer_id: string | null;
  ended_by: string | null;
  ended_by_id: string | null;
}

interface EntryRow {
  session_id: string;
  seq: number;
  at: number;
  kind: TranscriptKind;
  node: string | null;
  text: string;
  prev_hash: string;
  hash: string;
}

interface RegistryRow {
  n: number;
  session_id: string;
  cluster: string;
  started_at: number;
  purged_at: number | null;
  mac: string;
}

function toSession(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    cluster: r.cluster,
    grantId: r.grant_id,
    engineer: r.engineer,
    engineerId: r.engineer_id ?? null,
    supportCase: r.support_case,
    accessLevel: r.access_level,
    nodes: JSON.parse(r.nodes) as string[],
    startedAt: r.started_at,
    endedAt: r.ended_at,
    endReason: r.end_reason,
    endedBy: r.ended_by ?? null,
    endedById: r.ended_by_id ?? null,
    commandCount: r.command_count,
  };
}

function toEntry(r: EntryRow): TranscriptEntry {
  return { sessionId: r.session_id, seq: r.seq, at: r.at, kind: r.kind, node: r.node, text: r.text, prevHash: r.prev_hash, hash: r.hash };
}

/**
 * Sessions and their hash-chained transcripts. Reads never return anything
 * past the 90-day window. Every change to a session re-seals it (an HMAC over
 * its fields and its head: entry count and last hash) in the same
 * transaction, so the seal is never behind an acknowledged entry, even after
 * a kill -9. A session whose seal no longer verifies is never re-sealed: the
 * evidence stays.
 */
export class SessionLedger implements SessionStore {
  private readonly lastEntry;
  private readonly insertEntry;
  private readonly countCommand;

  private readonly row;
  private readonly setSeal;
  private readonly searchRows;
  private readonly snippetOf;

  private readonly endStatement;
  private readonly purgeNext;
  private readonly purgeEntries;
  private readonly hasEntries;
  private readonly markPurged;
  private readonly deleteSession;

  /** `checkpoint` runs at each candidate row of a search (a read worker's stopping point; see the search statement). */
  constructor(private readonly db: Db, private readonly clock: Clock, private readonly events: EventHub, private readonly seal: RecordSeal, checkpoint?: () => void) {
    this.lastEntry = db.prepare('SELECT seq, hash FROM transcript_entries WHERE session_id = ? ORDER BY seq DESC LIMIT 1');
    this.row = db.prepare('SELECT * FROM sessions WHERE id = ?');
    this.setSeal = db.prepare('UPDATE sessions SET sealed_entries = ?, sealed_hash = ?, seal_mac = ? WHERE id = ?');
    this.insertEntry = db.prepare('INSERT INTO transcript_entries (session_id, seq, at, kind, node, text, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.countCommand = db.prepare('UPDATE sessions SET command_count = command_count + 1 WHERE id = ?');
    this.endStatement = db.prepare('UPDATE sessions SET ended_at = ?, end_reason = ?, ended_by = ?, ended_by_id = ? WHERE id = ? AND ended_at IS NULL');
    // A call into JavaScript for each candidate row of a search: better-sqlite3 cannot interrupt SQLite, but a
    // worker thread's terminate() takes effect at the next call into JavaScript, so a search past its time
    // budget stops there instead of running to its end (see ReadPool).
    db.function('read_checkpoint', { deterministic: false, directOnly: true }, () => {
      checkpoint?.();
      return 1;
    });
    this.searchRows = db.prepare(
      `SELECT e.id, e.session_id, e.seq, e.at, e.kind, e.node, s.engineer
         FROM transcript_search
         JOIN transcript_entries e ON e.id = transcript_search.rowid
         JOIN sessions s ON s.id = e.session_id
        WHERE transcript_search MATCH ? AND transcript_search.rowid < ? AND read_checkpoint()
          AND s.cluster = ? AND s.started_at >= ? AND COALESCE(s.ended_at, ?) >= ?
        ORDER BY transcript_search.rowid DESC
        LIMIT ?`,
    );
    this.snippetOf = db.prepare("SELECT snippet(transcript_search, 0, '[', ']', '…', 12) FROM transcript_search WHERE transcript_search MATCH ? AND rowid = ?").pluck();
    // The purge's statements: each touches only what one batch removes, by index (migration 6).
    this.purgeNext = db.prepare(
      `SELECT r.n, s.id AS session_id, s.cluster, s.started_at FROM sessions s LEFT JOIN session_registry r ON r.session_id = s.id
        WHERE s.ended_at IS NOT NULL AND s.ended_at < ? ORDER BY s.ended_at LIMIT 1`,
    );
    this.purgeEntries = db.prepare('DELETE FROM transcript_entries WHERE id IN (SELECT id FROM transcript_entries WHERE session_id = ? ORDER BY seq LIMIT ?)');
    this.hasEntries = db.prepare('SELECT 1 FROM transcript_entries WHERE session_id = ? LIMIT 1');
    this.markPurged = db.prepare('UPDATE session_registry SET purged_at = ?, mac = ? WHERE n = ?');
    this.deleteSession = db.prepare('DELETE FROM sessions WHERE id = ?');
  }

  open(input: { cluster: string; grantId: string; engineer: string; engineerId?: string | null; supportCase: string | null; accessLevel: AccessLevel; nodes: string[] }): SessionRecord {
    const id = randomUUID();
    const startedAt = this.clock.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO sessions (id, cluster, grant_id, engineer, engineer_id, support_case, access_level, nodes, started_at, keyed)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
        )
        .run(id, input.cluster, input.grantId, input.engineer, input.engineerId ?? null, input.supportCase, input.accessLevel, JSON.stringify(input.nodes), startedAt);
      this.sealHead(this.row.get(id) as SessionRow, 0, GENESIS_HASH);
      this.register(id, input.cluster, startedAt);
    })();
    const session = this.byId(id)!;
    this.events.publish('session.started', session.cluster, session);
    return session;
  }

  /** Appends an entry to a session's transcript; durable when this returns. */
  append(sessionId: string, kind: TranscriptKind, node: string | null, text: string): TranscriptEntry {
    return this.appendBatch([{ sessionId, kind, node, text }])[0]!;
  }

  /**
   * Appends entries of one or more sessions in a single transaction (one
   * fsync): the group commit behind {@link TranscriptWriter}. Entries of one
   * session are chained in the order given. Publishes transcript.entry for
   * each after the commit.
   */
  appendBatch(items: readonly PendingEntry[]): TranscriptEntry[] {
    const at = this.clock.now();
    const written = this.db.transaction(() => {
      const last = new Map<string, { seq: number; hash: string; cluster: string; keyed: boolean; sealed: boolean }>();
      const out: { entry: TranscriptEntry; cluster: string }[] = [];
      for (const item of items) {
        let head = last.get(item.sessionId);
        if (!head) {
          const row = this.lastEntry.get(item.sessionId) as { seq: number; hash: string } | undefined;
          const session = this.row.get(item.sessionId) as SessionRow | undefined;
          if (session === undefined) throw new Error(`No session ${item.sessionId} to append to`);
          head = { seq: row?.seq ?? 0, hash: row?.hash ?? GENESIS_HASH, cluster: session.cluster, keyed: session.keyed === 1, sealed: this.seal.sessionVerifies(session) };
        }
        const base = { sessionId: item.sessionId, seq: head.seq + 1, at, kind: item.kind, node: item.node, text: item.text, prevHash: head.hash };
        const entry: TranscriptEntry = { ...base, hash: entryHash(base, head.keyed ? this.seal.mac : undefined) };
        this.insertEntry.run(entry.sessionId, entry.seq, entry.at, entry.kind, entry.node, entry.text, entry.prevHash, entry.hash);
        if (entry.kind === 'command') this.countCommand.run(entry.sessionId);
        last.set(item.sessionId, { ...head, seq: entry.seq, hash: entry.hash });
        out.push({ entry, cluster: head.cluster });
      }
      // The checkpoint: each session's seal moves to its new head in the transaction that wrote the entries.
      for (const [id, head] of last) if (head.sealed) this.sealHead(this.row.get(id) as SessionRow, head.seq, head.hash);
      // Sessions whose last entry this is end here too (a revoke's sessions: one commit for all of them).
      const ended = items.filter((i) => i.end !== undefined && this.endRow(i.sessionId, i.end.reason, i.end.by) > 0).map((i) => i.sessionId);
      return { out, ended };
    })();
    for (const { entry, cluster } of written.out) this.events.publish('transcript.entry', cluster, entry);
    for (const id of written.ended) {
      const session = this.byId(id);
      if (session) this.events.publish('session.ended', session.cluster, session);
    }
    return written.out.map((w) => w.entry);
  }

  /**
   * Full-text search over transcripts within retention (SQLite FTS5). Every
   * word of `query` must appear; words are matched as literal tokens, so FTS5
   * operators in the query are never interpreted.
   */
  search(cluster: string, query: string, from: number, limit: number): SearchHit[] {
    return this.searchPage(cluster, query, from, limit, null).hits;
  }

  /**
   * A page of {@link search}, newest first: hits whose entry id is below
   * `before` (null: from the newest). The order is the full-text index's own
   * (its rowid is the entry's id, which grows with time), so SQLite walks the
   * index backwards and stops at `limit` instead of sorting every match: the
   * first page of a common word is as fast as a rare one's. snippet() runs
   * only for the rows returned. `nextBefore` is the cursor of the next page,
   * or null when this one is the last.
   */
  searchPage(cluster: string, query: string, from: number, limit: number, before: number | null): SearchPage {
    const words = query.match(/[\p{L}\p{N}_]+/gu) ?? [];
    if (words.length === 0) return { hits: [], nextBefore: null };
    const match = words.map((w) => `"${w}"`).join(' AND ');
    const rows = this.searchRows.all(match, before ?? Number.MAX_SAFE_INTEGER, cluster, from, Number.MAX_SAFE_INTEGER, transcriptCutoff(this.clock.now()), limit + 1) as {
      id: number; session_id: string; seq: number; at: number; kind: TranscriptKind; node: string | null; engineer: string;
    }[];
    const page = rows.slice(0, limit);
    const hits = page.map((r) => ({
      sessionId: r.session_id, seq: r.seq, at: r.at, kind: r.kind, node: r.node, engineer: r.engineer,
      snippet: this.snippetOf.get(match, r.id) as string,
    }));
    return { hits, nextBefore: rows.length > limit ? page[page.length - 1]!.id : null };
  }

  end(sessionId: string, reason: SessionEndReason, endedBy?: ActorLike): SessionRecord | null {
    // Already ended (usually with its last entry, in the writer's commit): nothing to write, no fsync.
    const current = this.row.get(sessionId) as SessionRow | undefined;
    if (current === undefined || current.ended_at !== null) return current ? toSession(current) : null;
    const changed = this.endRow(sessionId, reason, endedBy);
    const session = this.byId(sessionId);
    if (changed && session) this.events.publish('session.ended', session.cluster, session);
    return session;
  }

  /** Moves a live session to the grant that superseded its own, at that grant's level. */
  rebind(sessionId: string, grantId: string, accessLevel: AccessLevel): boolean {
    return this.resealing(sessionId, () =>
      this.db.prepare('UPDATE sessions SET grant_id = ?, access_level = ? WHERE id = ? AND ended_at IS NULL').run(grantId, accessLevel, sessionId).changes === 1,
    );
  }

  /** Ends every open session of a grant (revoke or expiry); returns the sessions ended. */
  endForGrant(grantId: string, reason: SessionEndReason, endedBy?: ActorLike): SessionRecord[] {
    const open = this.db.prepare('SELECT id FROM sessions WHERE grant_id = ? AND ended_at IS NULL').pluck().all(grantId) as string[];
    return open.map((id) => this.end(id, reason, endedBy)).filter((s): s is SessionRecord => s !== null);
  }

  /** Marks sessions left open by a previous run (crash or restart) as interrupted. */
  interruptOpenSessions(): number {
    const open = this.db.prepare('SELECT id FROM sessions WHERE ended_at IS NULL').pluck().all() as string[];
    const now = this.clock.now();
    const interrupt = this.db.prepare("UPDATE sessions SET ended_at = ?, end_reason = 'interrupted' WHERE id = ? AND ended_at IS NULL");
    return open.filter((id) => this.resealing(id, () => interrupt.run(now, id).changes === 1)).length;
  }

  /** The cluster's open sessions, oldest first, each with how many of its lines were refused so far. */
  live(cluster: string): SessionRecord[] {
    // Only open sessions, each counted by the index on (session_id, seq): a few thousand rows at most.
    const rows = this.db
      .prepare("SELECT s.*, (SELECT COUNT(*) FROM transcript_entries e WHERE e.session_id = s.id AND e.kind = 'denied') AS denied_count FROM sessions s WHERE s.cluster = ? AND s.ended_at IS NULL ORDER BY s.started_at")
      .all(cluster) as (SessionRow & { denied_count: number })[];
    return rows.map(({ denied_count, ...r }) => ({ ...toSession(r), deniedCount: denied_count }));
  }

  /**
   * A page of the sessions that started at or after `from` (and within
   * retention), newest first: `after` is where the previous page stopped.
   * The order is (started_at, rowid), which the index on (cluster,
   * started_at) holds as it is, so a page costs the same at any depth; only
   * the first page counts the whole window (`total`).
   */
  history(cluster: string, from: number, page: { limit: number; after?: PageKey | null }): ListPage<SessionRecord> {
    const floor = Math.max(from, 0);
    const cutoff = transcriptCutoff(this.clock.now());
    // A session that started after the cutoff ended after it too (or is open): only an older floor needs the check,
    // and without it the count reads the index alone.
    const retained = floor < cutoff ? 'AND COALESCE(ended_at, 9007199254740991) >= @cutoff' : '';
    const window = `cluster = @cluster AND started_at >= @floor ${retained}`;
    const after = page.after ? 'AND (started_at < @at OR (started_at = @at AND rowid < @row))' : '';
    const bound = { cluster, floor, ...(retained ? { cutoff } : {}) };
    const rows = this.db
      .prepare(`SELECT rowid AS row_id, * FROM sessions WHERE ${window} ${after} ORDER BY started_at DESC, rowid DESC LIMIT @limit`)
      .all({ ...bound, ...(page.after ? { at: page.after.at, row: page.after.row } : {}), limit: page.limit + 1 }) as (SessionRow & { row_id: number })[];
    const total = page.after ? null : cappedCount(this.db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM sessions WHERE ${window} LIMIT ${LIST_COUNT_CAP + 1})`).pluck().get(bound) as number);
    const more = rows.length > page.limit;
    const items = more ? rows.slice(0, page.limit) : rows;
    const last = items[items.length - 1];
    return { items: items.map(toSession), nextCursor: more && last ? encodeCursor({ at: last.started_at, row: last.row_id }) : null, total };
  }

  /** One session within retention, or null. */
  get(cluster: string, id: string): SessionRecord | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ? AND cluster = ?').get(id, cluster) as SessionRow | undefined;
    if (!row) return null;
    if (row.ended_at !== null && row.ended_at < transcriptCutoff(this.clock.now())) return null;
    return toSession(row);
  }

  /** A page of a session's transcript, in order, with the total count. */
  transcript(sessionId: string, offset: number, limit: number): { total: number; entries: TranscriptEntry[] } {
    const total = this.db.prepare('SELECT COUNT(*) FROM transcript_entries WHERE session_id = ?').pluck().get(sessionId) as number;
    const rows = this.db
      .prepare('SELECT * FROM transcript_entries WHERE session_id = ? ORDER BY seq LIMIT ? OFFSET ?')
      .all(sessionId, limit, offset) as EntryRow[];
    return { total, entries: rows.map(toEntry) };
  }

  /** Every entry of a session, in order (for verification and export). */
  allEntries(sessionId: string): TranscriptEntry[] {
    return (this.db.prepare('SELECT * FROM transcript_entries WHERE session_id = ? ORDER BY seq').all(sessionId) as EntryRow[]).map(toEntry);
  }

  /**
   * Deletes, in one short transaction, at most about `maxRows` rows of
   * sessions that ended before `cutoff` (entries and session rows count
   * alike), oldest end first. The registry keeps each session, marked
   * purged, so the gap is explained. A session bigger than a batch loses its
   * entries over several batches and its row (with the registry's mark) with
   * the last of them: until then it is past retention, which every read
   * already hides, and the full-text index loses each entry with it (the
   * delete trigger), so the index never holds an entry that is gone. Its
   * commit skips the fsync (see withoutFsync): a purge lost in a crash is redone.
   */
  purgeBatch(cutoff: number, maxRows: number): PurgeBatch {
    const now = this.clock.now();
    return withoutFsync(this.db, this.db.transaction((): PurgeBatch => {
      let sessions = 0;
      let entries = 0;
      while (sessions + entries < maxRows) {
        const next = this.purgeNext.get(cutoff) as { n: number | null; session_id: string; cluster: string; started_at: number } | undefined;
        if (!next) return { sessions, entries, grants: 0, done: true };
        const room = maxRows - sessions - entries;
        const removed = this.purgeEntries.run(next.session_id, room).changes;
        entries += removed;
        if (removed === room && this.hasEntries.get(next.session_id) !== undefined) return { sessions, entries, grants: 0, done: false };
        if (next.n !== null) this.markPurged.run(now, this.seal.registryMac(next.n, next.session_id, next.cluster, next.started_at, now), next.n);
        this.deleteSession.run(next.session_id);
        sessions++;
      }
      return { sessions, entries, grants: 0, done: false };
    }));
  }

  /**
   * Verifies one session: its chain (keyed, or legacy SHA-256 for sessions
   * older than the record key), its sealed head (a cut tail or a recomputed
   * chain no longer meets it), its fields (the seal's MAC covers them) and
   * its registration.
   */
  verify(sessionId: string): ChainCheck {
    const row = this.row.get(sessionId) as SessionRow | undefined;
    if (!row) throw new Error(`No session ${sessionId}`);
    const recordProblems: string[] = [];
    const sealed = this.seal.sessionVerifies(row);
    if (!sealed) recordProblems.push("the session's record (engineer, level, nodes, times or sealed head) was changed: its seal does not match the record key");
    const reg = this.db.prepare('SELECT * FROM session_registry WHERE session_id = ?').get(sessionId) as RegistryRow | undefined;
    if (!reg) recordProblems.push('the session is not in the registry of sessions: it was not opened by this gateway');
    else if (!this.registryRowVerifies(reg) || reg.cluster !== row.cluster || reg.started_at !== row.started_at) recordProblems.push("the session's registration was changed");
    const keyed = row.keyed === 1;
    return verifyChain(this.allEntries(sessionId), {
      mac: keyed ? this.seal.mac : undefined,
      head: sealed && row.sealed_entries !== null && row.sealed_hash !== null ? { entries: row.sealed_entries, lastHash: row.sealed_hash } : null,
      recordProblems,
    });
  }

  /**
   * Checks the registry of sessions for a cluster: a session deleted (its
   * registration left behind, or the registration deleted too, which leaves a
   * gap in the numbering or a count short of the sealed head), a registration
   * forged, or a session that no registration vouches for. Returns the
   * problems, empty when none.
   */
  verifyRegistry(cluster: string): string[] {
    const problems: string[] = [];
    const rows = this.db.prepare('SELECT * FROM session_registry ORDER BY n').all() as RegistryRow[];
    const head = this.db.prepare("SELECT value, mac FROM record_heads WHERE name = 'registry'").get() as { value: number; mac: string } | undefined;
    if (!head || !this.seal.verifies(['head/1', 'registry', head.value], head.mac)) problems.push("the registry's sealed head is missing or was changed");
    const count = head?.value ?? 0;
    const clusterOf = this.db.prepare('SELECT cluster FROM sessions WHERE id = ?').pluck();
    let expected = 1;
    for (const r of rows) {
      for (; expected < r.n; expected++) problems.push(`registration ${expected} was deleted, with the session it named`);
      expected = r.n + 1;
      if (!this.registryRowVerifies(r)) {
        problems.push(`registration ${r.n} (session ${r.session_id}) was changed`);
        continue;
      }
      if (r.cluster !== cluster || r.purged_at !== null) continue;
      const session = clusterOf.get(r.session_id) as string | undefined;
      if (session === undefined) problems.push(`session ${r.session_id} was deleted`);
      else if (session !== cluster) problems.push(`session ${r.session_id} was moved to another cluster`);
    }
    for (; expected <= count; expected++) problems.push(`registration ${expected} was deleted, with the session it named`);
    const unregistered = this.db
      .prepare('SELECT id FROM sessions s WHERE cluster = ? AND NOT EXISTS (SELECT 1 FROM session_registry r WHERE r.session_id = s.id)')
      .pluck()
      .all(cluster) as string[];
    for (const id of unregistered) problems.push(`session ${id} is not in the registry: it was not opened by this gateway`);
    return problems;
  }

  private registryRowVerifies(r: RegistryRow): boolean {
    return r.mac === this.seal.registryMac(r.n, r.session_id, r.cluster, r.started_at, r.purged_at);
  }

  /** Registers a new session and moves the registry's sealed head. Call inside a transaction. */
  private register(id: string, cluster: string, startedAt: number): void {
    const n = Number(this.db.prepare('INSERT INTO session_registry (session_id, cluster, started_at, mac) VALUES (?, ?, ?, ?)').run(id, cluster, startedAt, '').lastInsertRowid);
    this.db.prepare('UPDATE session_registry SET mac = ? WHERE n = ?').run(this.seal.registryMac(n, id, cluster, startedAt, null), n);
    this.db.prepare('INSERT OR REPLACE INTO record_heads (name, value, mac) VALUES (?, ?, ?)').run('registry', n, this.seal.headMac('registry', n));
  }

  /** Seals a session at the head given. Call inside a transaction. */
  private sealHead(row: SessionRow, entries: number, lastHash: string): void {
    const sealed: SealedSessionRow = { ...row, sealed_entries: entries, sealed_hash: lastHash };
    this.setSeal.run(entries, lastHash, this.seal.sessionMac(sealed), row.id);
  }

  /** Runs a change to a session's fields and re-seals it, unless its seal was already broken. */
  /** Records a session's end (resealing its row); 0 when it had already ended. Inside a transaction or as its own. */
  private endRow(sessionId: string, reason: SessionEndReason, endedBy?: ActorLike): number {
    const by = endedBy === undefined ? { name: null, id: null } : actorOf(endedBy);
    return this.resealing(sessionId, () => this.endStatement.run(this.clock.now(), reason, by.name, by.id, sessionId).changes);
  }

  private resealing<T>(sessionId: string, change: () => T): T {
    return this.db.transaction(() => {
      const before = this.row.get(sessionId) as SessionRow | undefined;
      const intact = before !== undefined && this.seal.sessionVerifies(before);
      const result = change();
      if (intact) {
        const after = this.row.get(sessionId) as SessionRow;
        this.sealHead(after, after.sealed_entries ?? 0, after.sealed_hash ?? GENESIS_HASH);
      }
      return result;
    })();
  }

  private byId(id: string): SessionRecord | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? toSession(row) : null;
  }
}
