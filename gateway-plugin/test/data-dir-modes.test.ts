import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { readOwnSid, secureDataDir, windowsAclArguments } from '../src/store/data-dir';
import { openDatabase } from '../src/store/database';
import { FEATURE, installAgent, startTestGateway, tempDir, VALID_GRANT } from './helpers/gateway-fixture';

/** Every file and directory under `dir` whose mode lets another account in, as "path mode". */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) found.push(`${path} ${mode.toString(8)}`);
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (mode !== 0o600) {
      found.push(`${path} ${mode.toString(8)}`);
    }
  };
  walk(dir);
  return found;
}

function listed(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('data directory modes under umask 022', () => {
  let umask: number;
  before(() => {
    umask = process.umask(0o022);
  });
  after(() => {
    process.umask(umask);
  });

  it('creates a new data directory 0700 with every file 0600, the database -wal and -shm included', async () => {
    const parent = tempDir();
    try {
      const dataDir = join(parent.path, 'data');
      const t = await startTestGateway({ dataDir });
      try {
        await installAgent(t);
        assert.equal((await t.api.post(`${FEATURE}/access`, VALID_GRANT)).status, 201);
        for (const name of ['remote-support.db', 'remote-support.db-wal', 'remote-support.db-shm', 'secret.key', 'admin-credential', 'gateway.json', 'tls/gateway.crt', 'tls/gateway.key']) {
          assert.ok(existsSync(join(dataDir, name)), `${name} exists: ${listed(dataDir).join(', ')}`);
        }
        assert.deepEqual(openToOthers(dataDir), []);
        t.gateway.db.pragma('wal_checkpoint(TRUNCATE)');
        assert.deepEqual(openToOthers(dataDir), [], 'after a checkpoint');
      } finally {
        await t.stop();
      }
    } finally {
      parent.remove();
    }
  });

  it('tightens an existing 0755 directory and the 0644 files an older gateway left in it', async () => {
    const dir = tempDir();
    try {
      chmodSync(dir.path, 0o755);
      // What an older gateway left: a database in WAL mode and a pointer file, created under umask 022.
      const old = new Database(join(dir.path, 'remote-support.db'));
      old.pragma('journal_mode = WAL');
      old.exec('CREATE TABLE leftover (x)');
      const wal = lstatSync(join(dir.path, 'remote-support.db-wal'));
      assert.equal(wal.mode & 0o777, 0o644, 'the setup reproduces the defect');
      old.close();
      mkdirSync(join(dir.path, 'tls'), { mode: 0o755 });
      writeFileSync(join(dir.path, 'gateway.json'), '{}', { mode: 0o644 });

      const t = await startTestGateway({ dataDir: dir.path });
      try {
        await installAgent(t);
        assert.equal((await t.api.post(`${FEATURE}/access`, VALID_GRANT)).status, 201);
        assert.deepEqual(openToOthers(dir.path), []);
      } finally {
        await t.stop();
      }
      assert.deepEqual(openToOthers(dir.path), [], 'after shutdown');
    } finally {
      dir.remove();
    }
  });

  it('opens the database alone (as the tools do) with the same modes', () => {
    const dir = tempDir();
    try {
      chmodSync(dir.path, 0o755);
      const db = openDatabase(dir.path);
      try {
        db.exec('CREATE TABLE probe (x)');
        db.prepare('INSERT INTO probe VALUES (1)').run();
        assert.ok(existsSync(join(dir.path, 'remote-support.db-wal')));
        assert.deepEqual(openToOthers(dir.path), []);
      } finally {
        db.close();
      }
      assert.equal(process.umask(0o022), 0o022, 'the umask is restored after opening');
    } finally {
      dir.remove();
    }
  });
});

describe('data directory ACL on Windows (the icacls runs; Windows itself is not here)', () => {
  it('cuts inheritance and grants only Administrators, SYSTEM and the gateway account, inherited by the files, in one run', () => {
    assert.deepEqual(windowsAclArguments('C:\\ProgramData\\RemoteSupportHCI', 'S-1-5-80-1234-5678'), [
      'C:\\ProgramData\\RemoteSupportHCI',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-32-544:(OI)(CI)F',
      '/grant:r',
      '*S-1-5-18:(OI)(CI)F',
      '/grant:r',
      '*S-1-5-80-1234-5678:(OI)(CI)F',
      '/Q',
    ]);
  });

  it('names SYSTEM once when the gateway runs as SYSTEM', () => {
    const grants = windowsAclArguments('D:\\rs', 'S-1-5-18').filter((a) => a.startsWith('*'));
    assert.deepEqual(grants, ['*S-1-5-32-544:(OI)(CI)F', '*S-1-5-18:(OI)(CI)F']);
  });

  it('reads the account SID from whoami /user and refuses anything else', () => {
    assert.equal(readOwnSid('"contoso\\\\svc-remotesupport","S-1-5-21-111-222-333-1104"\r\n'), 'S-1-5-21-111-222-333-1104');
    assert.throws(() => readOwnSid('ERROR: access denied'), /did not name a SID/);
    assert.throws(() => windowsAclArguments('D:\\rs', 'Everyone'), /not a security identifier/);
  });

  it('is not used elsewhere: on Linux the directory gets its modes', () => {
    const dir = tempDir();
    try {
      const data = join(dir.path, 'data');
      secureDataDir(data, 'linux');
      assert.equal(lstatSync(data).mode & 0o777, 0o700);
    } finally {
      dir.remove();
    }
  });
});
