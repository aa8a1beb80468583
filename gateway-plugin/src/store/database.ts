import Database from 'better-sqlite3';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_FILE_MODE, ensurePrivateFile, secureDataDir, withPrivateUmask } from './data-dir';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

/** The database's file name in the data directory. */
export const DATABASE_FILE = 'remote-support.db';

/**
 * Opens (creating if needed) the gateway's SQLite database in `dataDir`, in
 * WAL mode with full fsync on commit: when a write returns, it survives a
 * crash of the process or the machine. Applies pending migrations.
 *
 * The directory is made 0700 and the database 0600 before SQLite opens it;
 * SQLite gives its -wal and -shm files the database file's mode, and the
 * opening runs under umask 077 besides, so none of them is ever readable by
 * another account.
 */
export function openDatabase(dataDir: string): Db {
  secureDataDir(dataDir);
  const path = join(dataDir, DATABASE_FILE);
  ensurePrivateFile(path);
  const db = withPrivateUmask(() => {
    const opened = new Database(path);
    opened.pragma('journal_mode = WAL');
    return opened;
  });
  for (const companion of [`${path}-wal`, `${path}-shm`]) {
    if (existsSync(companion) && (statSync(companion).mode & 0o077) !== 0) chmodSync(companion, DATA_FILE_MODE);
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * A read-only connection to the database {@link openDatabase} opened: the
 * read workers' own. In WAL mode it reads a consistent snapshot while the
 * writer goes on, and it can change nothing.
 */
export function openReadOnlyDatabase(dataDir: string): Db {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Applies every migration newer than the database's user_version, each in its own transaction. */
export function migrate(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `The database schema is version ${current}, newer than this gateway knows (${MIGRATIONS.length}); use a newer gateway`,
    );
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    const step = MIGRATIONS[version - 1]!;
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${version}`);
    })();
  }
  return MIGRATIONS.length;
}

/**
 * Runs `work` with commits that skip the fsync (synchronous NORMAL), then
 * goes back to full fsync. For the retention purge only: in WAL mode such a
 * commit is still atomic and ordered before every later one, so a crash can
 * only undo the last batches, which the next purge redoes; what a client was
 * told is durable never depends on it. better-sqlite3 is synchronous, so no
 * other transaction commits in between.
 */
export function withoutFsync<T>(db: Db, work: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return work();
  } finally {
    db.pragma('synchronous = FULL');
  }
}
