import assert from 'node:assert/strict';
import { purgeAll } from '../src/ports/store-ports';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { entryHash, GENESIS_HASH } from '../src/domain/transcript';
import { EventHub } from '../src/events/event-hub';
import { ConsentLedger } from '../src/store/consent-ledger';
import { Db, openDatabase } from '../src/store/database';
import { MIGRATIONS } from '../src/store/migrations';
import { RecordSeal } from '../src/store/record-seal';
import { SecretBox } from '../src/store/secret-box';
import { SessionLedger } from '../src/store/session-ledger';
import { FakeClock } from '../src/test-support/fake-clock';
import { tempDir } from './helpers/gateway-fixture';

const C = 'hci-cl01.contoso.local';
const HOUR = 3_600_000;

/** A database as a gateway before the record key left it: schema 2, one live grant, one session of three SHA-256-chained entries. */
function legacyDatabase(dataDir: string, now: number): void {
  const db = new Database(join(dataDir, 'remote-support.db'));
  MIGRATIONS.slice(0, 2).forEach((step, i) => {
    db.exec(step);
    db.pragma(`user_version = ${i + 1}`);
  });
  db.prepare("INSERT INTO grants (id, cluster, access_level, expire_in_minutes, granted_at, expires_at, granted_by, terms_version, support_case_number) VALUES ('g1', ?, 'Diagnostics', 480, ?, ?, 'alice', '1', '123')")
    .run(C, now - HOUR, now + 7 * HOUR);
  db.prepare("INSERT INTO sessions (id, cluster, grant_id, engineer, access_level, nodes, started_at, ended_at, end_reason, command_count) VALUES ('s1', ?, 'g1', 'eve', 'Diagnostics', '[\"hci-n01\"]', ?, ?, 'closed', 1)")
    .run(C, now - HOUR, now - HOUR / 2);
  let prev = GENESIS_HASH;
  ['opened', 'Get-VM', 'web01 Running'].forEach((text, i) => {
    const e = { sessionId: 's1', seq: i + 1, at: now - HOUR, kind: i === 1 ? 'command' as const : 'output' as const, node: 'hci-n01', text, prevHash: prev };
    const hash = entryHash(e);
    db.prepare('INSERT INTO transcript_entries (session_id, seq, at, kind, node, text, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('s1', e.seq, e.at, e.kind, e.node, e.text, prev, hash);
    prev = hash;
  });
  db.close();
}

describe('a database from before the record key', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let clock: FakeClock;
  const start = () => {
    db = openDatabase(dir.path);
    const events = new EventHub(() => clock.now());
    const seal = RecordSeal.open(dir.path, db);
    return { consent: new ConsentLedger(db, clock, SecretBox.open(dir.path), events, seal), sessions: new SessionLedger(db, clock, events, seal) };
  };

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock();
    legacyDatabase(dir.path, clock.now());
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });

  it('keeps old sessions readable and verified as legacy, unkeyed, with their head sealed at the upgrade', () => {
    const { sessions, consent } = start();
    const check = sessions.verify('s1');
    assert.equal(check.valid, true, check.problems.join('; '));
    assert.equal(check.chain, 'legacy-unkeyed');
    assert.equal(check.sealedEntries, 3);
    assert.deepEqual(sessions.verifyRegistry(C), []);
    assert.equal(consent.active(C)?.id, 'g1', 'the grant of before the upgrade still gives access');
    assert.equal(statSync(join(dir.path, 'record.key')).mode & 0o777, 0o600);
  });

  it('detects a legacy transcript cut, or recomputed, after the upgrade', () => {
    const { sessions } = start();
    db.prepare('DELETE FROM transcript_entries WHERE seq = 3').run();
    assert.match(sessions.verify('s1').problem ?? '', /the transcript was cut: 2 entries, the sealed head records 3/);
    const e = { sessionId: 's1', seq: 3, at: 0, kind: 'output' as const, node: 'hci-n01', text: 'nothing to see', prevHash: sessions.allEntries('s1')[1]!.hash };
    db.prepare('INSERT INTO transcript_entries (session_id, seq, at, kind, node, text, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('s1', 3, 0, e.kind, e.node, e.text, e.prevHash, entryHash(e));
    assert.match(sessions.verify('s1').problem ?? '', /the chain was rewritten/);
  });

  it('seals old rows only once: a MAC removed later is a tampered row, not a legacy one', () => {
    start();
    db.prepare("UPDATE grants SET mac = NULL, access_level = 'DiagnosticsRepair'").run();
    db.close();
    const { consent } = start();
    assert.equal(consent.active(C), null);
    assert.match(consent.verifyGrants(C)[0] ?? '', /grant g1 .* MAC does not match/);
  });

  it('seals new sessions with the key, next to the legacy ones', () => {
    const { sessions } = start();
    const s = sessions.open({ cluster: C, grantId: 'g1', engineer: 'eve', supportCase: '123', accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
    sessions.append(s.id, 'command', 'hci-n01', 'Get-VM');
    sessions.end(s.id, 'closed');
    const check = sessions.verify(s.id);
    assert.equal(check.valid, true, check.problems.join('; '));
    assert.equal(check.chain, 'keyed');
    assert.equal(check.sealedEntries, 1);
    assert.deepEqual(sessions.verifyRegistry(C), []);
  });

  it('does not report a session purged by retention as deleted', () => {
    const { sessions } = start();
    assert.equal(purgeAll(sessions, clock.now()).sessions, 1);
    assert.deepEqual(sessions.verifyRegistry(C), []);
    db.prepare('UPDATE session_registry SET purged_at = NULL').run();
    assert.match(sessions.verifyRegistry(C).join('; '), /registration 1 \(session s1\) was changed/);
  });
});
