import { randomUUID } from 'node:crypto';
import type { AccessLevel } from '../domain/access-level';
import type { AccessRequest, RequestKind, RequestMessage, RequestState } from '../domain/access-request';
import type { Clock } from '../domain/clock';
import { cappedCount, encodeCursor, LIST_COUNT_CAP, ListPage, PageKey } from '../domain/list-page';
import type { EventHub } from '../events/event-hub';
import { presentRequest } from '../ports/record-view';
import type { PurgeBatch, RequestStore } from '../ports/store-ports';
import { Db, withoutFsync } from './database';
import type { RecordSeal } from './record-seal';

interface Row {
  id: string;
  cluster: string;
  kind: RequestKind;
  engineer: string;
  engineer_id: string | null;
  support_case: string;
  access_level: AccessLevel;
  expire_in_minutes: number;
  nodes: string | null;
  reason: string;
  grant_id: string | null;
  requested_at: number;
  expires_at: number;
  state: RequestState;
  answered_at: number | null;
  answered_by: string | null;
  answered_by_id: string | null;
  approved_level: AccessLevel | null;
  approved_minutes: number | null;
  start_at: number | null;
  approved_terms: string | null;
  denial: string | null;
  messages: string;
  mac: string;
}

const COLUMNS = ['id', 'cluster', 'kind', 'engineer', 'engineer_id', 'support_case', 'access_level', 'expire_in_minutes', 'nodes', 'reason', 'grant_id', 'requested_at',
  'expires_at', 'state', 'answered_at', 'answered_by', 'answered_by_id', 'approved_level', 'approved_minutes', 'start_at', 'approved_terms', 'denial', 'messages'] as const;

function toRow(r: AccessRequest): Omit<Row, 'mac'> {
  return {
    id: r.id, cluster: r.cluster, kind: r.kind, engineer: r.engineer, engineer_id: r.engineerId, support_case: r.supportCase, access_level: r.accessLevel,
    expire_in_minutes: r.expireInMinutes, nodes: r.nodes === null ? null : JSON.stringify(r.nodes), reason: r.reason, grant_id: r.grantId,
    requested_at: r.requestedAt, expires_at: r.expiresAt, state: r.state, answered_at: r.answeredAt, answered_by: r.answeredBy, answered_by_id: r.answeredById,
    approved_level: r.approved?.accessLevel ?? null, approved_minutes: r.approved?.expireInMinutes ?? null, start_at: r.approved?.startAt ?? null, approved_terms: r.approved?.termsVersion ?? null,
    denial: r.denial, messages: JSON.stringify(r.messages),
  };
}

function toRequest(r: Row): AccessRequest {
  return {
    id: r.id, cluster: r.cluster, kind: r.kind, engineer: r.engineer, engineerId: r.engineer_id, supportCase: r.support_case, accessLevel: r.access_level,
    expireInMinutes: r.expire_in_minutes, nodes: r.nodes === null ? null : (JSON.parse(r.nodes) as string[]), reason: r.reason, grantId: r.grant_id,
    requestedAt: r.requested_at, expiresAt: r.expires_at, state: r.state, answeredAt: r.answered_at, answeredBy: r.answered_by, answeredById: r.answered_by_id,
    approved: r.approved_level !== null && r.approved_minutes !== null && r.start_at !== null && r.approved_terms !== null
      ? { accessLevel: r.approved_level, expireInMinutes: r.approved_minutes, startAt: r.start_at, termsVersion: r.approved_terms }
      : null,
    denial: r.denial, messages: JSON.parse(r.messages) as RequestMessage[],
  };
}

/** Every column, in order, under a tag: what the row's MAC covers. */
const parts = (r: Omit<Row, 'mac'>) => ['request/1', ...COLUMNS.map((c) => r[c])];

/**
 * Access requests in the gateway's SQLite database. Each change is one
 * committed (fsync'd) write of the whole row with its record-key MAC, made
 * before the method returns; a row changed without the key reads as not
 * intact and can no longer be answered. Publishes request.created,
 * request.updated and request.expired on the event hub after each commit.
 */
export class RequestLedger implements RequestStore {
  private readonly insert;
  private readonly update;
  private readonly byIdQuery;
  private readonly purge;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly events: EventHub, private readonly seal: RecordSeal) {
    this.insert = db.prepare(`INSERT INTO access_requests (${COLUMNS.join(', ')}, mac) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')}, @mac)`);
    this.update = db.prepare(`UPDATE access_requests SET ${COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = @${c}`).join(', ')}, mac = @mac WHERE id = @id`);
    this.byIdQuery = db.prepare('SELECT * FROM access_requests WHERE id = ?');
    this.purge = db.prepare(
      "DELETE FROM access_requests WHERE id IN (SELECT id FROM access_requests WHERE state NOT IN ('pending', 'info-requested', 'scheduled') AND COALESCE(answered_at, expires_at) < ? LIMIT ?)",
    );
  }

  create(input: Omit<AccessRequest, 'id' | 'requestedAt' | 'state' | 'answeredAt' | 'answeredBy' | 'answeredById' | 'approved' | 'denial' | 'messages'>): AccessRequest {
    const request: AccessRequest = {
      ...input, id: randomUUID(), requestedAt: this.clock.now(), state: 'pending', answeredAt: null, answeredBy: null, answeredById: null, approved: null, denial: null, messages: [],
    };
    const row = toRow(request);
    this.insert.run({ ...row, mac: this.seal.macOf(parts(row)) });
    this.events.publish('request.created', request.cluster, presentRequest(request));
    return request;
  }

  get(cluster: string, id: string): { request: AccessRequest; intact: boolean } | null {
    const row = this.byIdQuery.get(id) as Row | undefined;
    if (!row || row.cluster !== cluster) return null;
    return { request: toRequest(row), intact: this.seal.verifies(parts(row), row.mac) };
  }

  /** Writes the request as given (its state, answer, messages) in one commit, and publishes it under `topic`. */
  save(request: AccessRequest, topic: 'request.updated' | 'request.expired' = 'request.updated'): AccessRequest {
    const row = toRow(request);
    this.update.run({ ...row, mac: this.seal.macOf(parts(row)) });
    this.events.publish(topic, request.cluster, presentRequest(request));
    return request;
  }

  list(cluster: string, open: boolean, page: { limit: number; after?: PageKey | null }): ListPage<{ request: AccessRequest; intact: boolean }> {
    const filter = `cluster = @cluster${open ? " AND state IN ('pending', 'info-requested', 'scheduled')" : ''}`;
    const after = page.after ? 'AND (requested_at < @at OR (requested_at = @at AND rowid < @row))' : '';
    const rows = this.db
      .prepare(`SELECT rowid AS row_id, * FROM access_requests WHERE ${filter} ${after} ORDER BY requested_at DESC, rowid DESC LIMIT @limit`)
      .all({ cluster, ...(page.after ? { at: page.after.at, row: page.after.row } : {}), limit: page.limit + 1 }) as (Row & { row_id: number })[];
    const total = page.after ? null : cappedCount(this.db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM access_requests WHERE ${filter} LIMIT ${LIST_COUNT_CAP + 1})`).pluck().get({ cluster }) as number);
    const more = rows.length > page.limit;
    const items = more ? rows.slice(0, page.limit) : rows;
    const last = items[items.length - 1];
    return {
      items: items.map(({ row_id: _row, ...r }) => ({ request: toRequest(r), intact: this.seal.verifies(parts(r), r.mac) })),
      nextCursor: more && last ? encodeCursor({ at: last.requested_at, row: last.row_id }) : null,
      total,
    };
  }

  /** Requests waiting for an answer or a start, of every cluster, for the scheduler. */
  open(): AccessRequest[] {
    return (this.db.prepare("SELECT * FROM access_requests WHERE state IN ('pending', 'info-requested', 'scheduled')").all() as Row[]).map(toRequest);
  }

  /** Removes requests answered or expired before `cutoff`; like the other purges, its commit skips the fsync. */
  purgeBatch(cutoff: number, maxRows: number): PurgeBatch {
    const reads = withoutFsync(this.db, () => this.purge.run(cutoff, maxRows).changes);
    return { sessions: 0, entries: 0, grants: 0, reads, done: reads < maxRows };
  }
}
