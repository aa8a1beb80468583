import { randomUUID } from 'node:crypto';
import { AccessLevel } from '../domain/access-level';
import { ActorLike, actorOf } from '../domain/actor';
import { Clock } from '../domain/clock';
import { expiryOf, Grant, GrantEndReason, GrantRequest } from '../domain/grant';
import { cappedCount, encodeCursor, LIST_COUNT_CAP, ListPage, PageKey } from '../domain/list-page';
import { expiredGrantCutoff } from '../domain/retention';
import { EventHub } from '../events/event-hub';
import type { GrantExpiryStore, GrantStore, PurgeBatch } from '../ports/store-ports';
import { Db, withoutFsync } from './database';
import { RecordSeal, SealedGrantRow } from './record-seal';
import { SecretBox } from './secret-box';

/** A grants row: the fields the record seal covers (narrowed to the domain's values), and the MAC itself. */
interface GrantRow extends SealedGrantRow {
  access_level: AccessLevel;
  end_reason: GrantEndReason | null;
  mac: string | null;
}

function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    cluster: row.cluster,
    accessLevel: row.access_level,
    expireInMinutes: row.expire_in_minutes,
    grantedAt: row.granted_at,
    expiresAt: row.expires_at,
    grantedBy: row.granted_by,
    grantedById: row.granted_by_id ?? null,
    termsVersion: row.terms_version,
    supportCaseNumber: row.support_case_number,
    sasCredentialProvided: row.sas_ciphertext !== null,
    endedAt: row.ended_at,
    endReason: row.end_reason,
    endedBy: row.ended_by,
    endedById: row.ended_by_id ?? null,
    expiryRecordedAt: row.expiry_recorded_at ?? null,
    repairApproval: row.repair_approval === 1,
  };
}

/** The grants of a cluster whose MAC does not match, as problems (the ledger's check, also run by the read workers). */
export function tamperedGrants(db: Db, seal: RecordSeal, cluster: string): string[] {
  const rows = db.prepare('SELECT * FROM grants WHERE cluster = ? ORDER BY granted_at, rowid').all(cluster) as GrantRow[];
  return rows.filter((r) => !seal.grantVerifies(r)).map(tamperedProblem);
}

/**
 * The record of consent: grants, supersedes, revokes and expiries, durable in
 * SQLite. Every change commits (with fsync) before the method returns, and is
 * then published as a live event. Every grant row carries an HMAC under the
 * record key over the fields that decide access; a row whose MAC does not
 * match is never used (it is no active grant) and is reported to
 * `onTampered` listeners each time it is met. Ending such a row does not
 * re-seal it: the evidence stays.
 */
export class ConsentLedger implements GrantStore, GrantExpiryStore {
  private readonly changeListeners = new Set<() => void>();
  private readonly expiredListeners = new Set<(grant: Grant) => void>();
  private readonly tamperedListeners = new Set<(problem: string) => void>();
  /** Tampered row states already reported. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly events: EventHub,
    private readonly seal: RecordSeal,
  ) {}

  /** Calls `listener` with a description each time a grant row whose MAC does not match is met. */
  onTampered(listener: (problem: string) => void): () => void {
    this.tamperedListeners.add(listener);
    return () => this.tamperedListeners.delete(listener);
  }

  /** The grants of a cluster whose MAC does not match (changed without the record key), as problems. */
  verifyGrants(cluster: string): string[] {
    return tamperedGrants(this.db, this.seal, cluster);
  }

  /** Whether a row's MAC matches; reports it when not, once per state of the row (not on every command checked against it). */
  private intact(row: GrantRow): boolean {
    if (this.seal.grantVerifies(row)) return true;
    const problem = tamperedProblem(row);
    const state = `${problem} ${row.mac} ${row.expires_at} ${row.ended_at} ${row.support_case_number}`;
    if (!this.reported.has(state)) {
      this.reported.add(state);
      for (const l of [...this.tamperedListeners]) l(problem);
    }
    return false;
  }

  /**
   * Ends a grant row, re-sealing it only when its MAC matched before; an
   * expiry also records when it was recorded. Call inside a transaction.
   */
  private endRow(row: GrantRow, endedAt: number, reason: GrantEndReason, endedBy: ActorLike, expiryRecordedAt: number | null = null): GrantRow {
    const by = actorOf(endedBy);
    const ended: GrantRow = { ...row, ended_at: endedAt, end_reason: reason, ended_by: by.name, ended_by_id: by.id, expiry_recorded_at: expiryRecordedAt };
    const mac = this.seal.grantVerifies(row) ? this.seal.grantMac(ended) : row.mac;
    this.db
      .prepare('UPDATE grants SET ended_at = ?, end_reason = ?, ended_by = ?, ended_by_id = ?, expiry_recorded_at = ?, mac = ? WHERE id = ?')
      .run(endedAt, reason, by.name, by.id, expiryRecordedAt, mac, row.id);
    return { ...ended, mac };
  }

  /** Records a new grant; an open grant of the cluster is superseded in the same transaction. */
  grant(cluster: string, request: GrantRequest, grantedBy: ActorLike): { grant: Grant; superseded: Grant | null } {
    const now = this.clock.now();
    const by = actorOf(grantedBy);
    const id = randomUUID();
    const result = this.db.transaction(() => {
      const expired = this.closeExpired(now, cluster);
      const open = this.openRow(cluster);
      if (open) this.endRow(open, now, 'superseded', grantedBy);
      const row: GrantRow = {
        id,
        cluster,
        access_level: request.accessLevel,
        expire_in_minutes: request.expireInMinutes,
        granted_at: now,
        expires_at: expiryOf(now, request.expireInMinutes),
        granted_by: by.name,
        granted_by_id: by.id,
        terms_version: request.termsVersion,
        support_case_number: request.supportCaseNumber,
        sas_ciphertext: request.sasCredential === null ? null : this.secrets.seal(request.sasCredential),
        ended_at: null,
        end_reason: null,
        ended_by: null,
        ended_by_id: null,
        expiry_recorded_at: null,
        repair_approval: request.repairApproval === null || request.repairApproval === undefined ? null : request.repairApproval ? 1 : 0,
        mac: null,
      };
      this.db
        .prepare(
          `INSERT INTO grants (id, cluster, access_level, expire_in_minutes, granted_at, expires_at, granted_by, granted_by_id,
             terms_version, support_case_number, sas_ciphertext, repair_approval, mac)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(row.id, row.cluster, row.access_level, row.expire_in_minutes, row.granted_at, row.expires_at, row.granted_by, row.granted_by_id,
          row.terms_version, row.support_case_number, row.sas_ciphertext, row.repair_approval, this.seal.grantMac(row));
      return { expired, superseded: open ? this.byId(open.id) : null, grant: this.byId(id)! };
    })();
    this.announceExpired(result.expired);
    if (result.superseded) this.events.publish('grant.superseded', cluster, result.superseded);
    this.events.publish('grant.created', cluster, result.grant);
    this.changed();
    return { grant: result.grant, superseded: result.superseded };
  }

  /** Revokes the cluster's active grant, if any, and returns it as revoked. */
  revoke(cluster: string, revokedBy: ActorLike): Grant | null {
    const now = this.clock.now();
    const result = this.db.transaction(() => {
      const expired = this.closeExpired(now, cluster);
      const open = this.openRow(cluster);
      if (!open) return { expired, revoked: null };
      this.endRow(open, now, 'revoked', revokedBy);
      return { expired, revoked: this.byId(open.id) };
    })();
    this.announceExpired(result.expired);
    if (result.revoked) this.events.publish('grant.revoked', cluster, result.revoked);
    this.changed();
    return result.revoked;
  }

  /** The grant that gives access right now, or null. A grant whose MAC does not match gives no access. */
  active(cluster: string): Grant | null {
    const row = this.openRow(cluster);
    return row && row.expires_at > this.clock.now() && this.intact(row) ? toGrant(row) : null;
  }

  /**
   * A page of the active grant and, with `includeExpired`, the grants that
   * ended within the last 30 days (expired, revoked or superseded), newest
   * first by (granted_at, rowid); `after` is where the previous page stopped.
   * Grants whose MAC does not match are left out of the page (and reported
   * by verifyGrants), so a page may hold fewer than `limit`; `total` counts
   * the window's rows, on the first page.
   */
  list(cluster: string, includeExpired: boolean, page: { limit: number; after?: PageKey | null }): ListPage<Grant> {
    const now = this.clock.now();
    if (!includeExpired) {
      const active = this.active(cluster);
      return { items: active ? [active] : [], nextCursor: null, total: active ? 1 : 0 };
    }
    const window = `cluster = @cluster AND MIN(COALESCE(ended_at, expires_at), expires_at) >= @cutoff AND granted_at <= @now`;
    const bound = { cluster, cutoff: expiredGrantCutoff(now), now };
    const after = page.after ? 'AND (granted_at < @at OR (granted_at = @at AND rowid < @row))' : '';
    const rows = this.db
      .prepare(`SELECT rowid AS row_id, * FROM grants WHERE ${window} ${after} ORDER BY granted_at DESC, rowid DESC LIMIT @limit`)
      .all({ ...bound, ...(page.after ? { at: page.after.at, row: page.after.row } : {}), limit: page.limit + 1 }) as (GrantRow & { row_id: number })[];
    const total = page.after ? null : cappedCount(this.db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM grants WHERE ${window} LIMIT ${LIST_COUNT_CAP + 1})`).pluck().get(bound) as number);
    const more = rows.length > page.limit;
    const kept = more ? rows.slice(0, page.limit) : rows;
    const last = kept[kept.length - 1];
    // A row changed without the key is no grant: status and verification name it instead.
    return {
      items: kept.filter((r) => this.intact(r)).map(toGrant),
      nextCursor: more && last ? encodeCursor({ at: last.granted_at, row: last.row_id }) : null,
      total,
    };
  }

  byId(id: string): Grant | null {
    const row = this.db.prepare('SELECT * FROM grants WHERE id = ?').get(id) as GrantRow | undefined;
    return row ? toGrant(row) : null;
  }

  /** The SAS credential of a grant, decrypted, for the relay listener only. Never exposed by the API. */
  sasCredentialOf(id: string): string | null {
    const row = this.db.prepare('SELECT sas_ciphertext FROM grants WHERE id = ?').get(id) as
      | { sas_ciphertext: Buffer | null }
      | undefined;
    return row?.sas_ciphertext ? this.secrets.open(row.sas_ciphertext) : null;
  }

  /** Marks every grant whose time has come as expired; returns them. Publishes grant.expired. */
  expireDue(): Grant[] {
    const now = this.clock.now();
    const expired = this.db.transaction(() => this.closeExpired(now))();
    this.announceExpired(expired);
    if (expired.length) this.changed();
    return expired;
  }

  /** The earliest expiry of a grant still open, or null. */
  nextExpiry(): number | null {
    const row = this.db.prepare('SELECT MIN(expires_at) AS at FROM grants WHERE ended_at IS NULL').get() as {
      at: number | null;
    };
    return row.at;
  }

  /** Purges at most `maxRows` grants that ended before `cutoff` and have no session left, in one short transaction. */
  purgeBatch(cutoff: number, maxRows: number): PurgeBatch {
    const purge = this.db.prepare(
      `DELETE FROM grants WHERE id IN (
         SELECT id FROM grants WHERE ended_at IS NOT NULL AND ended_at < ?
            AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.grant_id = grants.id)
          LIMIT ?)`,
    );
    // Like the sessions' purge, its commit skips the fsync: a purge lost in a crash is redone.
    const grants = withoutFsync(this.db, () => purge.run(cutoff, maxRows).changes);
    return { sessions: 0, entries: 0, grants, done: grants < maxRows };
  }

  /**
   * Calls `listener` for every grant recorded as expired, whichever path
   * noticed it first (the scheduler's timer, or a grant or revoke that came
   * after the expiry time): the support channel ends the sessions there.
   */
  onExpired(listener: (grant: Grant) => void): () => void {
    this.expiredListeners.add(listener);
    return () => this.expiredListeners.delete(listener);
  }

  private announceExpired(expired: readonly Grant[]): void {
    for (const g of expired) {
      this.events.publish('grant.expired', g.cluster, g);
      for (const l of [...this.expiredListeners]) l(g);
    }
  }

  /** Calls `listener` after any change to open grants (used to re-arm the expiry timer). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  /** Asked on every command (through active()): prepared once, not per call. */
  private openRowQuery: ReturnType<Db['prepare']> | null = null;

  private openRow(cluster: string): GrantRow | undefined {
    this.openRowQuery ??= this.db.prepare('SELECT * FROM grants WHERE cluster = ? AND ended_at IS NULL');
    return this.openRowQuery.get(cluster) as GrantRow | undefined;
  }

  /**
   * Records expiry at the exact expiry time, and when it was recorded (now):
   * an expiry noticed late, by a timer that could not run or after a restart,
   * says so. Call inside a transaction.
   */
  private closeExpired(now: number, cluster?: string): Grant[] {
    const rows = (
      cluster === undefined
        ? this.db.prepare('SELECT * FROM grants WHERE ended_at IS NULL AND expires_at <= ?').all(now)
        : this.db.prepare('SELECT * FROM grants WHERE ended_at IS NULL AND expires_at <= ? AND cluster = ?').all(now, cluster)
    ) as GrantRow[];
    return rows.map((row) => toGrant(this.endRow(row, row.expires_at, 'expired', 'system', now)));
  }
}

function tamperedProblem(row: GrantRow): string {
  return `grant ${row.id} (${row.access_level}, case ${row.support_case_number ?? '-'}) was changed without the record key: its MAC does not match, so it gives no access`;
}
