import { actorOf, ActorLike } from '../domain/actor';
import type { Clock } from '../domain/clock';
import type { DenyList, DenyListChange, DenyRule } from '../domain/deny-rule';
import type { DenyListStore } from '../ports/store-ports';
import type { Db } from './database';
import type { RecordSeal } from './record-seal';

interface ListRow {
  cluster: string;
  rules: string;
  version: number;
  updated_at: number;
  updated_by: string;
  updated_by_id: string | null;
  mac: string;
}

interface ChangeRow {
  version: number;
  at: number;
  by_name: string;
  by_id: string | null;
  rules: string;
}

/** What a deny list's MAC covers: every field, under a tag of its own. */
function parts(r: Omit<ListRow, 'mac'>): unknown[] {
  return ['deny-list/1', r.cluster, r.rules, r.version, r.updated_at, r.updated_by, r.updated_by_id];
}

/**
 * The deny lists in SQLite: one row per cluster, sealed with the record key,
 * and one row per change with who saved it and when. A save commits before
 * the API answers.
 */
export class DenyListLedger implements DenyListStore {
  constructor(private readonly db: Db, private readonly clock: Clock, private readonly seal: RecordSeal) {}

  get(cluster: string): DenyList {
    const row = this.db.prepare('SELECT * FROM deny_lists WHERE cluster = ?').get(cluster) as ListRow | undefined;
    if (!row) return { rules: [], version: 0, updatedAt: null, updatedBy: null, updatedById: null, intact: true };
    const intact = this.seal.verifies(parts(row), row.mac);
    return {
      rules: intact ? (JSON.parse(row.rules) as DenyRule[]) : [],
      version: row.version,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
      updatedById: row.updated_by_id,
      intact,
    };
  }

  put(cluster: string, rules: readonly DenyRule[], by: ActorLike): DenyList {
    const who = actorOf(by);
    const now = this.clock.now();
    const text = JSON.stringify(rules);
    this.db.transaction(() => {
      const version = ((this.db.prepare('SELECT version FROM deny_lists WHERE cluster = ?').pluck().get(cluster) as number | undefined) ?? 0) + 1;
      const row = { cluster, rules: text, version, updated_at: now, updated_by: who.name, updated_by_id: who.id };
      this.db
        .prepare('INSERT OR REPLACE INTO deny_lists (cluster, rules, version, updated_at, updated_by, updated_by_id, mac) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(cluster, text, version, now, who.name, who.id, this.seal.macOf(parts(row)));
      this.db.prepare('INSERT INTO deny_list_changes (cluster, version, at, by_name, by_id, rules) VALUES (?, ?, ?, ?, ?, ?)').run(cluster, version, now, who.name, who.id, text);
    })();
    return this.get(cluster);
  }

  changes(cluster: string, limit: number): DenyListChange[] {
    const rows = this.db.prepare('SELECT * FROM deny_list_changes WHERE cluster = ? ORDER BY at DESC, id DESC LIMIT ?').all(cluster, limit) as ChangeRow[];
    return rows.map((r) => ({ version: r.version, at: r.at, by: r.by_name, byId: r.by_id, rules: JSON.parse(r.rules) as DenyRule[] }));
  }
}
