import assert from 'node:assert/strict';
import { purgeAll } from '../src/ports/store-ports';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DAY_MS } from '../src/domain/clock';
import { nextPurgeBatchRows, PURGE_BATCH_MIN_ROWS, transcriptCutoff } from '../src/domain/retention';
import { FakeClock } from '../src/test-support/fake-clock';
import { RetentionJanitor } from '../src/lifecycle/retention-janitor';
import { LIST_PAGE } from '../src/domain/list-page';
import { CLUSTER, FEATURE, startTestGateway, tempDir } from './helpers/gateway-fixture';
import { BacklogStore, openBacklogStore, writeBacklog } from './helpers/retention-backlog';

const count = (store: BacklogStore, sql: string): number => store.db.prepare(sql).pluck().get() as number;

/** Fails unless the full-text index holds exactly the entries the table holds (FTS5's own check). */
function assertIndexConsistent(store: BacklogStore): void {
  assert.doesNotThrow(() => store.db.prepare("INSERT INTO transcript_search (transcript_search) VALUES ('integrity-check')").run());
}

describe('the retention purge in batches', () => {
  let dir: { path: string; remove: () => void };
  let store: BacklogStore;
  const now = Date.UTC(2026, 10, 25, 9, 0, 0);

  beforeEach(() => {
    dir = tempDir();
    store = openBacklogStore(dir.path, now - 200 * DAY_MS);
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });

  it('purges a backlog of 20,000 entries over many sessions in many batches, with the event loop turning between batches', async () => {
    const backlog = writeBacklog(store, { days: 10, sessionsPerDay: 19, entriesPerSession: 100, bigSessions: 1, bigSessionEntries: 1100, endedBefore: now - 91 * DAY_MS });
    assert.equal(backlog.entries, 20_000);
    store.clock.set(now);
    const kept = writeBacklog(store, { days: 1, sessionsPerDay: 2, entriesPerSession: 10, endedBefore: now });
    const steps: string[] = [];
    let ticking = true;
    const tick = () => {
      steps.push('tick');
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const janitor = new RetentionJanitor(store.sessions, store.consent, store.clock, DAY_MS, undefined, { rowsPerBatch: 500, onBatch: () => steps.push('batch') });
    const report = await janitor.purgeNow();
    ticking = false;
    janitor.dispose();

    assert.equal(report.entries, 20_000);
    assert.equal(report.sessions, backlog.sessions);
    assert.ok(report.batches >= 40, `${report.batches} batches`);
    const batches = steps.map((s, i) => (s === 'batch' ? i : -1)).filter((i) => i >= 0);
    for (let b = 1; b < batches.length; b++) assert.ok(batches[b]! - batches[b - 1]! > 1, `the event loop turned between batch ${b} and ${b + 1}`);

    assert.equal(count(store, 'SELECT COUNT(*) FROM transcript_entries'), kept.entries, 'only the sessions within retention keep their entries');
    assert.equal(count(store, 'SELECT COUNT(*) FROM sessions'), kept.sessions);
    assert.equal(count(store, "SELECT COUNT(*) FROM transcript_search WHERE transcript_search MATCH 'backlog'"), kept.entries / 2);
    assertIndexConsistent(store);
    assert.equal(count(store, 'SELECT COUNT(*) FROM session_registry WHERE purged_at IS NOT NULL'), backlog.sessions);
    assert.deepEqual(store.sessions.verifyRegistry(CLUSTER), [], 'every purged session is explained by the registry');
    for (const s of store.sessions.history(CLUSTER, 0, { limit: LIST_PAGE.max }).items) assert.equal(store.sessions.verify(s.id).valid, true);
    assert.equal(count(store, 'SELECT COUNT(*) FROM grants WHERE ended_at < ' + transcriptCutoff(now)), 0, 'grants past retention without sessions go too');
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2, 'commits after the purge fsync again (FULL)');
  });

  it('takes a session bigger than a batch apart over several batches, keeping it hidden and its row until its last entry goes', () => {
    writeBacklog(store, { days: 1, sessionsPerDay: 1, entriesPerSession: 1200, endedBefore: now - 91 * DAY_MS });
    store.clock.set(now);
    const [id] = store.db.prepare('SELECT id FROM sessions').pluck().all() as string[];
    const cutoff = transcriptCutoff(now);
    assert.equal(store.sessions.get(CLUSTER, id!), null, 'past retention, reads hide it before any purge');

    assert.deepEqual(store.sessions.purgeBatch(cutoff, 500), { sessions: 0, entries: 500, grants: 0, done: false });
    assert.equal(count(store, 'SELECT COUNT(*) FROM sessions'), 1, 'the row stays while entries are left');
    assert.equal(count(store, 'SELECT COUNT(*) FROM session_registry WHERE purged_at IS NULL'), 1);
    assert.deepEqual(store.sessions.verifyRegistry(CLUSTER), []);
    assertIndexConsistent(store);

    assert.deepEqual(store.sessions.purgeBatch(cutoff, 500), { sessions: 0, entries: 500, grants: 0, done: false });
    assert.deepEqual(store.sessions.purgeBatch(cutoff, 500), { sessions: 1, entries: 200, grants: 0, done: true });
    assert.equal(count(store, 'SELECT COUNT(*) FROM sessions'), 0);
    assert.equal(count(store, 'SELECT COUNT(*) FROM transcript_entries'), 0);
    assert.equal(count(store, 'SELECT COUNT(*) FROM session_registry WHERE purged_at IS NOT NULL'), 1);
    assert.deepEqual(store.sessions.verifyRegistry(CLUSTER), []);
    assertIndexConsistent(store);
  });

  it('keeps sessions within the 90 days, and the grants they name', () => {
    writeBacklog(store, { days: 2, sessionsPerDay: 3, entriesPerSession: 5, endedBefore: now - 80 * DAY_MS });
    store.clock.set(now);
    assert.equal(purgeAll(store.sessions, transcriptCutoff(now)).sessions, 0);
    assert.equal(purgeAll(store.consent, transcriptCutoff(now)).grants, 0);
    assert.equal(count(store, 'SELECT COUNT(*) FROM sessions'), 6);
    assert.equal(count(store, 'SELECT COUNT(*) FROM grants'), 2);
  });
});

describe('starting on a data directory with a purge backlog', () => {
  it('listens, and answers health and status, while the start-up purge still has work', async () => {
    const dir = tempDir();
    const store = openBacklogStore(dir.path, Date.now() - 120 * DAY_MS);
    const backlog = writeBacklog(store, { days: 5, sessionsPerDay: 40, entriesPerSession: 100, endedBefore: Date.now() - 91 * DAY_MS });
    store.close();
    // The purge waits after its first batch until the test has asked the gateway what it asks.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let batches = 0;
    const t = await startTestGateway({ dataDir: dir.path, purgeTuning: { rowsPerBatch: 500, between: () => released, onBatch: () => batches++ } });
    try {
      assert.equal(t.gateway.janitor.busy, true, 'the purge is still under way');
      const left = t.gateway.db.prepare('SELECT COUNT(*) FROM transcript_entries').pluck().get() as number;
      assert.ok(left > 0 && left < backlog.entries, `${left} of ${backlog.entries} entries left`);
      assert.equal((await t.anonymous.get('/health')).status, 200);
      assert.equal((await t.api.get(`${FEATURE}/status`)).status, 200);
      assert.equal(batches, 1, 'one batch ran before the gateway answered');
      release();
      await t.gateway.janitor.idle();
      assert.equal(t.gateway.db.prepare('SELECT COUNT(*) FROM transcript_entries').pluck().get(), 0);
      assert.ok(batches > 10, `${batches} batches`);
    } finally {
      release();
      await t.stop();
      dir.remove();
    }
  });
});

describe('the purge\'s batch size', () => {
  it('shrinks in proportion after a batch overran its target, grows by half after a quick one, and stays within its bounds', () => {
    assert.equal(nextPurgeBatchRows(500, 100, 10, 500), 50, 'ten times too long: a tenth of the rows');
    assert.equal(nextPurgeBatchRows(500, 20, 10, 500), 250);
    assert.equal(nextPurgeBatchRows(100, 2, 10, 500), 150, 'under half the target: half as many again');
    assert.equal(nextPurgeBatchRows(400, 2, 10, 500), 500, 'never above the configured size');
    assert.equal(nextPurgeBatchRows(100, 7, 10, 500), 100, 'near the target: kept');
    assert.equal(nextPurgeBatchRows(20, 1000, 10, 500), PURGE_BATCH_MIN_ROWS, 'never below the smallest batch');
  });

  it('holds the writer about its target per batch when rows are costly, and still removes everything', async () => {
    // A store whose rows cost 0.1 ms each (the cost is spent, not pretended): 500 rows would hold the loop 50 ms.
    let left = 3_000;
    const store = {
      purgeBatch: (_cutoff: number, maxRows: number) => {
        const n = Math.min(left, maxRows);
        const until = performance.now() + n * 0.1;
        while (performance.now() < until) {
          // spending the batch's cost
        }
        left -= n;
        return { sessions: 0, entries: n, grants: 0, done: left === 0 };
      },
    };
    const grants = { purgeBatch: () => ({ sessions: 0, entries: 0, grants: 0, done: true }) };
    const asked: number[] = [];
    const janitor = new RetentionJanitor(store, grants, new FakeClock(Date.parse('2026-12-01T00:00:00Z')), DAY_MS, undefined, {
      rowsPerBatch: 500,
      targetBatchMs: 10,
      onBatch: (b) => asked.push(b.maxRows),
    });
    const report = await janitor.purgeNow();
    janitor.dispose();
    assert.equal(report.entries, 3_000);
    assert.equal(asked[0], 500, 'the first batch has the configured size');
    // Every batch after the first took at least 0.1 ms a row, so none asks for more than the target's 100 rows.
    const later = asked.slice(1, -1);
    assert.ok(later.length > 0 && later.every((n) => n <= 100), `later batches: ${later.join(', ')}`);
  });
});
