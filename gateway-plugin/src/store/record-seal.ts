import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mac } from '../domain/transcript';
import { Db } from './database';

/** The grant fields a grant's MAC covers: everything that decides access, and the SAS credential's ciphertext. */
export interface SealedGrantRow {
  id: string;
  cluster: string;
  access_level: string;
  expire_in_minutes: number;
  granted_at: number;
  expires_at: number;
  granted_by: string;
  terms_version: string;
  support_case_number: string | null;
  sas_ciphertext: Buffer | null;
  ended_at: number | null;
  end_reason: string | null;
  ended_by: string | null;
  /** Stable ids of who granted and who ended (migration 5); absent or null on older rows. */
  granted_by_id?: string | null;
  ended_by_id?: string | null;
  /** When the gateway recorded the grant's expiry (migration 6); absent or null on older rows and on grants not expired. */
  expiry_recorded_at?: number | null;
  /** Whether repairs wait for the admin's live yes (migration 10): 1 or 0 on DiagnosticsRepair grants since; absent or null before, and on Diagnostics grants. */
  repair_approval?: number | null;
}

/** The session fields a session's seal covers, with its sealed head. */
export interface SealedSessionRow {
  id: string;
  cluster: string;
  grant_id: string;
  engineer: string;
  support_case: string | null;
  access_level: string;
  nodes: string;
  started_at: number;
  ended_at: number | null;
  end_reason: string | null;
  command_count: number;
  keyed: number;
  sealed_entries: number | null;
  sealed_hash: string | null;
  /** The engineer's stable id, and who ended the session (migration 5); absent or null on older rows. */
  engineer_id?: string | null;
  ended_by?: string | null;
  ended_by_id?: string | null;
}

/**
 * The record key and the MACs made with it: transcript entries, sessions'
 * sealed heads, grants and the session registry. The key (32 random bytes)
 * lives in `dataDir/record.key`, mode 0600, next to the secret box's key;
 * someone who can write the database but not read this file cannot forge a
 * record that verifies.
 */
export class RecordSeal {
  private constructor(private readonly key: Buffer) {}

  /**
   * Loads the key, creating it on first use. When the key is created, rows
   * written before it existed (an upgraded database) are sealed as found, in
   * one transaction, before the key file takes its final name: a crash in
   * between redoes the sealing with the same key on the next start.
   */
  static open(dataDir: string, db: Db): RecordSeal {
    const path = join(dataDir, 'record.key');
    if (existsSync(path)) return new RecordSeal(readKey(path));
    const pending = `${path}.new`;
    if (!existsSync(pending)) writeFileSync(pending, randomBytes(32), { mode: 0o600, flag: 'wx' });
    const seal = new RecordSeal(readKey(pending));
    seal.sealLegacyRows(db);
    renameSync(pending, path);
    return seal;
  }

  /** Loads the key that {@link open} created, never creating one: for the read-only connections of the read workers. */
  static read(dataDir: string): RecordSeal {
    return new RecordSeal(readKey(join(dataDir, 'record.key')));
  }

  /** The MAC of a message (hex). */
  readonly mac: Mac = (message) => createHmac('sha256', this.key).update(message, 'utf8').digest('hex');

  /** The MAC of a list of values, in a canonical form. */
  macOf(parts: readonly unknown[]): string {
    return this.mac(JSON.stringify(parts));
  }

  /** Whether `mac` is the MAC of `parts` (compared in constant time). */
  verifies(parts: readonly unknown[], mac: string | null): boolean {
    if (mac === null) return false;
    const expected = Buffer.from(this.macOf(parts), 'hex');
    const given = Buffer.from(mac, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  grantMac(row: SealedGrantRow): string {
    return this.macOf(grantParts(row));
  }

  grantVerifies(row: SealedGrantRow & { mac: string | null }): boolean {
    return this.verifies(grantParts(row), row.mac);
  }

  sessionMac(row: SealedSessionRow): string {
    return this.macOf(sessionParts(row));
  }

  sessionVerifies(row: SealedSessionRow & { seal_mac: string | null }): boolean {
    return this.verifies(sessionParts(row), row.seal_mac);
  }

  registryMac(n: number, sessionId: string, cluster: string, startedAt: number, purgedAt: number | null): string {
    return this.macOf(['registry/1', n, sessionId, cluster, startedAt, purgedAt]);
  }

  headMac(name: string, value: number): string {
    return this.macOf(['head/1', name, value]);
  }

  /** Seals every grant and session the database held before the key existed. */
  private sealLegacyRows(db: Db): void {
    db.transaction(() => {
      const grants = db.prepare('SELECT * FROM grants WHERE mac IS NULL').all() as SealedGrantRow[];
      const setGrant = db.prepare('UPDATE grants SET mac = ? WHERE id = ?');
      for (const g of grants) setGrant.run(this.grantMac(g), g.id);
      const sessions = db.prepare('SELECT * FROM sessions ORDER BY started_at, rowid').all() as SealedSessionRow[];
      const headOf = db.prepare('SELECT COUNT(*) AS n, (SELECT hash FROM transcript_entries WHERE session_id = ? ORDER BY seq DESC LIMIT 1) AS last FROM transcript_entries WHERE session_id = ?');
      const setSession = db.prepare('UPDATE sessions SET sealed_entries = ?, sealed_hash = ?, seal_mac = ? WHERE id = ?');
      const register = db.prepare('INSERT OR IGNORE INTO session_registry (session_id, cluster, started_at, mac) VALUES (?, ?, ?, ?)');
      const setRegistryMac = db.prepare('UPDATE session_registry SET mac = ? WHERE n = ?');
      let n = (db.prepare('SELECT COALESCE(MAX(n), 0) FROM session_registry').pluck().get() as number);
      for (const s of sessions) {
        const head = headOf.get(s.id, s.id) as { n: number; last: string | null };
        const sealed = { ...s, sealed_entries: head.n, sealed_hash: head.last ?? '0'.repeat(64) };
        setSession.run(sealed.sealed_entries, sealed.sealed_hash, this.sessionMac(sealed), s.id);
        const row = register.run(s.id, s.cluster, s.started_at, '');
        if (row.changes) {
          n = Number(row.lastInsertRowid);
          setRegistryMac.run(this.registryMac(n, s.id, s.cluster, s.started_at, null), n);
        }
      }
      db.prepare('INSERT OR REPLACE INTO record_heads (name, value, mac) VALUES (?, ?, ?)').run('registry', n, this.headMac('registry', n));
    })();
  }
}

function readKey(path: string): Buffer {
  const key = readFileSync(path);
  if (key.length !== 32) throw new Error(`${path} must hold a 32-byte key; it holds ${key.length} bytes`);
  return key;
}

/*
 * A row with none of the later fields set is sealed in its first form, so rows
 * sealed before those fields existed still verify. A row with any of them set
 * is sealed in the second form, which covers them: clearing them to pass the
 * row off as an old one changes the form, and the MAC no longer matches.
 */

function grantParts(r: SealedGrantRow): unknown[] {
  const sas = r.sas_ciphertext === null ? null : createHash('sha256').update(r.sas_ciphertext).digest('hex');
  const fields = [r.id, r.cluster, r.access_level, r.expire_in_minutes, r.granted_at, r.expires_at, r.granted_by, r.terms_version,
    r.support_case_number, sas, r.ended_at, r.end_reason, r.ended_by];
  const ids = [r.granted_by_id ?? null, r.ended_by_id ?? null];
  const recordedAt = r.expiry_recorded_at ?? null;
  const repairApproval = r.repair_approval ?? null;
  // The fourth form, only when the option is set: rows without it keep verifying in their earlier forms.
  if (repairApproval !== null) return ['grant/4', ...fields, ...ids, recordedAt, repairApproval];
  if (recordedAt !== null) return ['grant/3', ...fields, ...ids, recordedAt];
  return ids.every((v) => v === null) ? ['grant/1', ...fields] : ['grant/2', ...fields, ...ids];
}

function sessionParts(r: SealedSessionRow): unknown[] {
  const fields = [r.id, r.cluster, r.grant_id, r.engineer, r.support_case, r.access_level, r.nodes, r.started_at, r.ended_at,
    r.end_reason, r.command_count, r.keyed, r.sealed_entries, r.sealed_hash];
  const later = [r.engineer_id ?? null, r.ended_by ?? null, r.ended_by_id ?? null];
  return later.every((v) => v === null) ? ['session/1', ...fields] : ['session/2', ...fields, ...later];
}
