import assert from 'node:assert/strict';
import { purgeAll } from '../src/ports/store-ports';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DAY_MS } from '../src/domain/clock';
import { FakeClock } from '../src/test-support/fake-clock';
import { TERMS_VERSION } from '../src/domain/terms';
import { EventHub } from '../src/events/event-hub';
import { ConsentLedger } from '../src/store/consent-ledger';
import { Db, openDatabase } from '../src/store/database';
import { RecordSeal } from '../src/store/record-seal';
import { SecretBox } from '../src/store/secret-box';
import { SessionLedger } from '../src/store/session-ledger';
import { TranscriptWriter } from '../src/store/transcript-writer';
import { tempDir } from './helpers/gateway-fixture';

const C = 'hci-cl01.contoso.local';

describe('TranscriptWriter (group commit) and transcript search', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let clock: FakeClock;
  let sessions: SessionLedger;
  let writer: TranscriptWriter;
  let grantId: string;

  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(dir.path);
    clock = new FakeClock();
    const events = new EventHub(() => clock.now());
    const seal = RecordSeal.open(dir.path, db);
    const ledger = new ConsentLedger(db, clock, SecretBox.open(dir.path), events, seal);
    grantId = ledger.grant(C, { accessLevel: 'Diagnostics', expireInMinutes: 20160, supportCaseNumber: null, sasCredential: null, termsVersion: TERMS_VERSION }, 'alice').grant.id;
    sessions = new SessionLedger(db, clock, events, seal);
    writer = new TranscriptWriter(sessions);
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });

  const open = (engineer = 'eve', cluster = C) =>
    sessions.open({ cluster, grantId, engineer, supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] });

  it('commits concurrent sessions\' entries together, each session chained in order', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => open(`eng${i}`).id);
    const writes = ids.flatMap((id) => Array.from({ length: 5 }, (_, n) => writer.write(id, n % 2 ? 'output' : 'command', 'hci-n01', `line ${n} of ${id}`)));
    const entries = await Promise.all(writes);
    assert.equal(entries.length, 50);
    assert.equal(writer.stats.entries, 50);
    assert.ok(writer.stats.flushes < 50 / 5, `50 entries shared fsyncs (${writer.stats.flushes} transactions)`);
    for (const id of ids) {
      const all = sessions.allEntries(id);
      assert.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4, 5]);
      assert.deepEqual(all.map((e) => e.text), [0, 1, 2, 3, 4].map((n) => `line ${n} of ${id}`));
      assert.equal(sessions.verify(id).valid, true);
      assert.equal(sessions.get(C, id)!.commandCount, 3);
    }
  });

  it('rejects only the entry of an unknown session, not its batch', async () => {
    const good = open().id;
    const results = await Promise.allSettled([
      writer.write(good, 'command', 'hci-n01', 'Get-VM'),
      writer.write('00000000-0000-4000-8000-000000000000', 'command', null, 'x'),
      writer.write(good, 'output', 'hci-n01', 'web01 Running'),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.equal(sessions.verify(good).valid, true);
  });

  it('detects an edited or missing entry and names the first bad one', () => {
    const id = open().id;
    for (const t of ['a', 'b', 'c', 'd']) sessions.append(id, 'output', 'hci-n01', t);
    db.prepare("UPDATE transcript_entries SET text = 'tampered' WHERE session_id = ? AND seq = 3").run(id);
    const edited = sessions.verify(id);
    assert.equal(edited.valid, false);
    assert.equal(edited.firstBadSeq, 3);
    db.prepare("DELETE FROM transcript_entries WHERE session_id = ? AND seq = 2").run(id);
    assert.equal(sessions.verify(id).firstBadSeq, 3);
  });

  it('finds transcript text by words across sessions, newest first', async () => {
    const a = open('ann').id;
    const b = open('bob').id;
    await writer.write(a, 'output', 'hci-n02', 'PhysicalDisk 1003 HealthStatus Warning Lost Communication');
    clock.advance(1000);
    await writer.write(b, 'output', 'hci-n03', 'Virtual disk Mirror-01 is Degraded, Warning raised');
    await writer.write(b, 'command', 'hci-n03', 'Get-VM');
    const hits = sessions.search(C, 'warning', 0, 50);
    assert.deepEqual(hits.map((h) => h.engineer), ['bob', 'ann']);
    assert.match(hits[0]!.snippet, /\[Warning\]/);
    assert.deepEqual(sessions.search(C, 'lost communication', 0, 50).map((h) => h.sessionId), [a]);
    assert.deepEqual(sessions.search(C, 'nothing-like-this', 0, 50), []);
  });

  it('treats FTS5 syntax in a query as plain words', () => {
    const id = open().id;
    sessions.append(id, 'output', null, 'NEAR OR AND quoted');
    for (const q of ['"', 'NEAR(', 'a OR', '*', '-x', 'col:value', ')(', "'; DROP TABLE sessions; --"]) {
      assert.doesNotThrow(() => sessions.search(C, q, 0, 10), q);
    }
    assert.equal(sessions.search(C, 'NEAR( OR', 0, 10).length, 1);
  });

  it('does not search other clusters or past the 90-day window, and purging removes entries from the index', () => {
    const mine = open('eve').id;
    const other = open('zed', 'other-cluster').id;
    sessions.append(mine, 'output', null, 'needle here');
    sessions.append(other, 'output', null, 'needle there');
    assert.equal(sessions.search(C, 'needle', 0, 10).length, 1);
    sessions.end(mine, 'closed');
    clock.advance(90 * DAY_MS + 1);
    assert.equal(sessions.search(C, 'needle', 0, 10).length, 0);
    assert.equal(purgeAll(sessions, clock.now() - 90 * DAY_MS).sessions, 1);
    const indexed = db.prepare("SELECT COUNT(*) FROM transcript_search WHERE transcript_search MATCH 'needle'").pluck().get();
    assert.equal(indexed, 1, 'only the other cluster\'s entry is still indexed');
  });
});
