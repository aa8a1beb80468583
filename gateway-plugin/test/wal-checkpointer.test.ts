import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DATABASE_FILE, Db, openDatabase } from '../src/store/database';
import { WalCheckpointer } from '../src/store/wal-checkpointer';
import { tempDir } from './helpers/gateway-fixture';
import { until } from './helpers/until';

/** An hour: the worker's own period never fires within a test, so only checkpoint() moves the WAL. */
const NEVER = 3_600_000;
const PAGE = 4096;

describe('WalCheckpointer', () => {
  let dir: { path: string; remove: () => void };
  let db: Db;
  const walBytes = () => statSync(join(dir.path, `${DATABASE_FILE}-wal`)).size;
  const dbBytes = () => statSync(join(dir.path, DATABASE_FILE)).size;
  /** Commits `n` transactions of about 8 KiB each, as the writer's commits are: separate, each durable. */
  const commits = (n: number) => {
    const insert = db.prepare('INSERT INTO filler (body) VALUES (?)');
    for (let i = 0; i < n; i++) insert.run(Buffer.alloc(2 * PAGE, i % 251));
  };

  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(dir.path);
    db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)');
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });

  it('turns the writer\'s own checkpoints off, so no commit carries one', async () => {
    const checkpointer = new WalCheckpointer(db, { dataDir: dir.path, intervalMs: NEVER });
    try {
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
      // 600 commits of two pages: SQLite alone would have checkpointed (and restarted the WAL) at 1,000 pages.
      commits(600);
      assert.ok(walBytes() > 1000 * PAGE, `the WAL grew past 1,000 pages (${walBytes()} bytes): no commit checkpointed`);
      assert.ok(dbBytes() < 100 * PAGE, `the database file holds none of it yet (${dbBytes()} bytes)`);
    } finally {
      await checkpointer.close();
    }
  });

  it('moves the whole WAL into the database file on its worker, and the data reads back', async () => {
    const checkpointer = new WalCheckpointer(db, { dataDir: dir.path, intervalMs: NEVER });
    try {
      commits(300);
      const r = await checkpointer.checkpoint();
      assert.ok(r.log > 600, `the WAL held the commits' frames (${r.log})`);
      assert.equal(r.checkpointed, r.log, 'every frame is in the database file');
      assert.equal(r.busy, 0);
      // The next commit starts the WAL over: it no longer grows without bound.
      commits(1);
      assert.equal((await checkpointer.checkpoint()).log < 10, true, 'the WAL restarted after a complete checkpoint');
      assert.equal(db.prepare('SELECT COUNT(*) FROM filler').pluck().get(), 301);
    } finally {
      await checkpointer.close();
    }
  });

  it('checkpoints on its own period', async () => {
    const checkpointer = new WalCheckpointer(db, { dataDir: dir.path, intervalMs: 20 });
    try {
      commits(300);
      // Only a checkpoint writes pages into the database file itself.
      await until(() => dbBytes() > 300 * 2 * PAGE);
    } finally {
      await checkpointer.close();
    }
  });

  it('gives the checkpoints back to the writer when its worker fails, and says so', async () => {
    const errors: Error[] = [];
    // The worker opens the database with fileMustExist: an empty directory makes it fail at once.
    const elsewhere = tempDir();
    try {
      new WalCheckpointer(db, { dataDir: elsewhere.path, intervalMs: NEVER, onError: (e) => errors.push(e) });
      await until(() => errors.length > 0);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    } finally {
      elsewhere.remove();
    }
  });

  it('gives the checkpoints back to the writer when closed', async () => {
    const checkpointer = new WalCheckpointer(db, { dataDir: dir.path, intervalMs: NEVER });
    await checkpointer.close();
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    await assert.rejects(checkpointer.checkpoint(), /stopped/);
  });
});
