import { randomUUID } from 'node:crypto';
import { AccessLevel } from '../domain/access-level';
import { Clock } from '../domain/clock';
import { transcriptCutoff } from '../domain/retention';
import { entryHash, GENESIS_HASH, SessionEndReason, TranscriptEntry, TranscriptKind } from '../domain/transcript';
import { EventHub } from '../events/event-hub';
import type { PendingEntry, SearchHit, SessionRecord, SessionStore } from '../ports/store-ports';
import { Db } from './database';

export type { PendingEntry, SearchHit, SessionRecord } from '../ports/store-ports';

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

function toSession(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    cluster: r.cluster,
    grantId: r.grant_id,
    engineer: r.engineer,
    supportCase: r.support_case,
    accessLevel: r.access_level,
    nodes: JSON.parse(r.nodes) as string[],
    startedAt: r.started_at,
    endedAt: r.ended_at,
    endReason: r.end_reason,
    commandCount: r.command_count,
  };
}

function toEntry(r: EntryRow): TranscriptEntry {
  return { sessionId: r.session_id, seq: r.seq, at: r.at, kind: r.kind, node: r.node, text: r.text, prevHash: r.prev_hash, hash: r.hash };
}

/** Sessions and their hash-chained transcripts. Reads never return anything past the 90-day window. */
export class SessionLedger implements SessionStore {
  private readonly lastEntry;
  private readonly clusterOf;
  private readonly insertEntry;
  private readonly countCommand;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly events: EventHub) {
    this.lastEntry = db.prepare('SELECT seq, hash FROM transcript_entries WHERE session_id = ? ORDER BY seq DESC LIMIT 1');
    this.clusterOf = db.prepare('SELECT cluster FROM sessions WHERE id = ?').pluck();
    this.insertEntry = db.prepare('INSERT INTO transcript_entries (session_id, seq, at, kind, node, text, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.countCommand = db.prepare('UPDATE sessions SET command_count = command_count + 1 WHERE id = ?');
  }

  open(input: { cluster: string; grantId: string; engineer: string; supportCase: string | null; accessLevel: AccessLevel; nodes: string[] }): SessionRecord {
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO sessions (id, cluster, grant_id, engineer, support_case, access_level, nodes, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.cluster, input.grantId, input.engineer, input.supportCase, input.accessLevel, JSON.stringify(input.nodes), this.clock.now());
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
      const last = new Map<string, { seq: number; hash: string; cluster: string }>();
      const out: { entry: TranscriptEntry; cluster: string }[] = [];
      for (const item of items) {
        let head = last.get(item.sessionId);
        if (!head) {
          const row = this.lastEntry.get(item.sessionId) as { seq: number; hash: string } | undefined;
          const cluster = this.clusterOf.get(item.sessionId) as string | undefined;
          if (cluster === undefined) throw new Error(`No session ${item.sessionId} to append to`);
          head = { seq: row?.seq ?? 0, hash: row?.hash ?? GENESIS_HASH, cluster };
        }
        const base = { sessionId: item.sessionId, seq: head.seq + 1, at, kind: item.kind, node: item.node, text: item.text, prevHash: head.hash };
        const entry: TranscriptEntry = { ...base, hash: entryHash(base) };
        this.insertEntry.run(entry.sessionId, entry.seq, entry.at, entry.kind, entry.node, entry.text, entry.prevHash, entry.hash);
        if (entry.kind === 'command') this.countCommand.run(entry.sessionId);
        last.set(item.sessionId, { seq: entry.seq, hash: entry.hash, cluster: head.cluster });
        out.push({ entry, cluster: head.cluster });
      }
      return out;
    })();
    for (const { entry, cluster } of written) this.events.publish('transcript.entry', cluster, entry);
    return written.map((w) => w.entry);
  }

  /**
   * Full-text search over transcripts within retention (SQLite FTS5). Every
   * word of `query` must appear; words are matched as literal tokens, so FTS5
   * operators in the query are never interpreted.
   */
  search(cluster: string, query: string, from: number, limit: number): SearchHit[] {
    const words = query.match(/[\p{L}\p{N}_]+/gu) ?? [];
    if (words.length === 0) return [];
    const match = words.map((w) => `"${w}"`).join(' AND ');
    const rows = this.db
      .prepare(
        `SELECT e.session_id, e.seq, e.at, e.kind, e.node, s.engineer,
                snippet(transcript_search, 0, '[', ']', '…', 12) AS snippet
           FROM transcript_search
           JOIN transcript_entries e ON e.id = transcript_search.rowid
           JOIN sessions s ON s.id = e.session_id
          WHERE transcript_search MATCH ? AND s.cluster = ? AND s.started_at >= ?
            AND COALESCE(s.ended_at, ?) >= ?
          ORDER BY e.at DESC, e.seq DESC
          LIMIT ?`,
      )
      .all(match, cluster, from, Number.MAX_SAFE_INTEGER, transcriptCutoff(this.clock.now()), limit) as {
      session_id: string; seq: number; at: number; kind: TranscriptKind; node: string | null; engineer: string; snippet: string;
    }[];
    return rows.map((r) => ({ sessionId: r.session_id, seq: r.seq, at: r.at, kind: r.kind, node: r.node, engineer: r.engineer, snippet: r.snippet }));
  }

  end(sessionId: string, reason: SessionEndReason): SessionRecord | null {
    const changed = this.db
      .prepare('UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL')
      .run(this.clock.now(), reason, sessionId).changes;
    const session = this.byId(sessionId);
    if (changed && session) this.events.publish('session.ended', session.cluster, session);
    return session;
  }

  /** Moves a live session to the grant that superseded its own, at that grant's level. */
  rebind(sessionId: string, grantId: string, accessLevel: AccessLevel): boolean {
    return this.db.prepare('UPDATE sessions SET grant_id = ?, access_level = ? WHERE id = ? AND ended_at IS NULL').run(grantId, accessLevel, sessionId).changes === 1;
  }

  /** Ends every open session of a grant (revoke or expiry); returns the sessions ended. */
  endForGrant(grantId: string, reason: SessionEndReason): SessionRecord[] {
    const open = this.db.prepare('SELECT id FROM sessions WHERE grant_id = ? AND ended_at IS NULL').pluck().all(grantId) as string[];
    return open.map((id) => this.end(id, reason)).filter((s): s is SessionRecord => s !== null);
  }

  /** Marks sessions left open by a previous run (crash or restart) as interrupted. */
  interruptOpenSessions(): number {
    return this.db
      .prepare("UPDATE sessions SET ended_at = ?, end_reason = 'interrupted' WHERE ended_at IS NULL")
      .run(this.clock.now()).changes;
  }

  live(cluster: string): SessionRecord[] {
    const rows = this.db.prepare('SELECT * FROM sessions WHERE cluster = ? AND ended_at IS NULL ORDER BY started_at').all(cluster) as SessionRow[];
    return rows.map(toSession);
  }

  /** Sessions that started at or after `from` (and within retention), newest first. */
  history(cluster: string, from: number): SessionRecord[] {
    const floor = Math.max(from, 0);
    const rows = this.db
      .prepare(
        `SELECT * FROM sessions WHERE cluster = ? AND started_at >= ?
           AND COALESCE(ended_at, ?) >= ?
         ORDER BY started_at DESC`,
      )
      .all(cluster, floor, Number.MAX_SAFE_INTEGER, transcriptCutoff(this.clock.now())) as SessionRow[];
    return rows.map(toSession);
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

  purgeEndedBefore(cutoff: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ?').run(cutoff).changes;
  }

  private byId(id: string): SessionRecord | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? toSession(row) : null;
  }
}
