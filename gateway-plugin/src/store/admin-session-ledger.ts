import type { AdminSession } from '../domain/admin-sign-in';
import type { AdminSessionStore } from '../ports/store-ports';
import { Db } from './database';

interface Row {
  id: string;
  name: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  epoch: string;
}

function toSession(r: Row): AdminSession {
  return { id: r.id, name: r.name, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at, revokedAt: r.revoked_at, epoch: r.epoch };
}

/**
 * Signed-in browser sessions in the gateway's SQLite database (data
 * directory 0700, file 0600), so a restart keeps the sessions still valid.
 * Each change commits before the method returns.
 */
export class AdminSessionLedger implements AdminSessionStore {
  constructor(private readonly db: Db) {}

  create(s: AdminSession, tokenHash: string): void {
    this.db
      .prepare('INSERT INTO admin_sessions (id, token_hash, name, created_at, last_seen_at, expires_at, revoked_at, epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.id, tokenHash, s.name, s.createdAt, s.lastSeenAt, s.expiresAt, s.revokedAt, s.epoch);
  }

  byTokenHash(tokenHash: string): AdminSession | null {
    const row = this.db.prepare('SELECT * FROM admin_sessions WHERE token_hash = ?').get(tokenHash) as Row | undefined;
    return row ? toSession(row) : null;
  }

  byId(id: string): AdminSession | null {
    const row = this.db.prepare('SELECT * FROM admin_sessions WHERE id = ?').get(id) as Row | undefined;
    return row ? toSession(row) : null;
  }

  touch(id: string, at: number): void {
    this.db.prepare('UPDATE admin_sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id = ?').run(at, id);
  }

  revoke(id: string, at: number): boolean {
    return this.db.prepare('UPDATE admin_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0;
  }

  revokeOtherEpochs(epoch: string, at: number): number {
    return this.db.prepare('UPDATE admin_sessions SET revoked_at = ? WHERE epoch <> ? AND revoked_at IS NULL').run(at, epoch).changes;
  }

  list(since: number): AdminSession[] {
    const rows = this.db.prepare('SELECT * FROM admin_sessions WHERE expires_at > ? ORDER BY created_at DESC, rowid DESC').all(since) as Row[];
    return rows.map(toSession);
  }

  purgeEndedBefore(cutoff: number): number {
    return this.db.prepare('DELETE FROM admin_sessions WHERE expires_at < ?').run(cutoff).changes;
  }
}
