import { actorOf, ActorLike } from '../domain/actor';
import type { Clock } from '../domain/clock';
import { cappedCount, encodeCursor, LIST_COUNT_CAP, ListPage, PageKey } from '../domain/list-page';
import type { RecordRead, RecordReadAction } from '../domain/record-read';
import type { PurgeBatch, RecordReadStore } from '../ports/store-ports';
import type { Db } from './database';
import { withoutFsync } from './database';
import type { RecordSeal } from './record-seal';

interface Row {
  id: number;
  cluster: string;
  at: number;
  action: RecordReadAction;
  by_name: string;
  by_id: string | null;
  session_id: string | null;
  detail: string | null;
  mac: string;
}

/** What the MAC of a read covers: every field, under a tag of its own. */
function parts(r: Omit<Row, 'id' | 'mac'>): unknown[] {
  return ['read/1', r.cluster, r.at, r.action, r.by_name, r.by_id, r.session_id, r.detail];
}

/**
 * Who read the record (transcripts viewed, exported, verified; searches), in
 * the gateway's SQLite database. Each row is MAC'd with the record key, so an
 * edit made without it shows as not intact; rows go after 90 days, with the
 * transcripts they are about.
 */
export class RecordReadLedger implements RecordReadStore {
  private readonly insert;
  private readonly purge;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly seal: RecordSeal) {
    this.insert = db.prepare('INSERT INTO record_reads (cluster, at, action, by_name, by_id, session_id, detail, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.purge = db.prepare('DELETE FROM record_reads WHERE id IN (SELECT id FROM record_reads WHERE at < ? LIMIT ?)');
  }

  record(input: { cluster: string; action: RecordReadAction; by: ActorLike; sessionId: string | null; detail: string | null }): void {
    const by = actorOf(input.by);
    const row = { cluster: input.cluster, at: this.clock.now(), action: input.action, by_name: by.name, by_id: by.id, session_id: input.sessionId, detail: input.detail };
    this.insert.run(row.cluster, row.at, row.action, row.by_name, row.by_id, row.session_id, row.detail, this.seal.macOf(parts(row)));
  }

  list(cluster: string, sessionId: string | null, page: { limit: number; after?: PageKey | null }): ListPage<RecordRead> {
    const filter = `cluster = @cluster${sessionId === null ? '' : ' AND session_id = @sessionId'}`;
    const bound = { cluster, ...(sessionId === null ? {} : { sessionId }) };
    const after = page.after ? 'AND (at < @at OR (at = @at AND id < @row))' : '';
    const rows = this.db
      .prepare(`SELECT * FROM record_reads WHERE ${filter} ${after} ORDER BY at DESC, id DESC LIMIT @limit`)
      .all({ ...bound, ...(page.after ? { at: page.after.at, row: page.after.row } : {}), limit: page.limit + 1 }) as Row[];
    const total = page.after ? null : cappedCount(this.db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM record_reads WHERE ${filter} LIMIT ${LIST_COUNT_CAP + 1})`).pluck().get(bound) as number);
    const more = rows.length > page.limit;
    const items = more ? rows.slice(0, page.limit) : rows;
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({
        at: r.at, cluster: r.cluster, action: r.action, by: r.by_name, byId: r.by_id, sessionId: r.session_id, detail: r.detail,
        intact: this.seal.verifies(parts(r), r.mac),
      })),
      nextCursor: more && last ? encodeCursor({ at: last.at, row: last.id }) : null,
      total,
    };
  }

  /** Removes up to `maxRows` reads older than `cutoff`; like the other purges, its commit skips the fsync. */
  purgeBatch(cutoff: number, maxRows: number): PurgeBatch {
    const reads = withoutFsync(this.db, () => this.purge.run(cutoff, maxRows).changes);
    return { sessions: 0, entries: 0, grants: 0, reads, done: reads < maxRows };
  }
}
