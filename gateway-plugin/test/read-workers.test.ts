import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CHANNEL_LIMIT_DEFAULTS } from '../src/config/config';
import { ChannelClient } from '../src/console/channel-client';
import { DAY_MS } from '../src/domain/clock';
import { READ_BUDGETS } from '../src/store/read-pool';
import { FakeClock } from '../src/test-support/fake-clock';
import { FEATURE, HttpResult, installAgent, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { until } from './helpers/until';

const CASE = '2611250010001234';
const SEARCH_BUDGET_MS = 2 * DAY_MS;

/**
 * Search, verify and export run in worker threads with read-only connections.
 * The workers here stop at a gate the test holds shut (test/helpers/gated-read-worker.ts):
 * at each row a search's statement considers, and before each verify and
 * export. While a read waits there, the gateway must go on answering,
 * granting, revoking and expiring.
 */
describe('reads in worker threads', () => {
  let t: TestGateway;
  let clock: FakeClock;
  let token: string;
  const gate = new SharedArrayBuffer(8);
  const cells = new Int32Array(gate);
  const clients: ChannelClient[] = [];
  let sessionId: string;

  const shut = () => {
    Atomics.store(cells, 0, 0);
    Atomics.store(cells, 1, 0);
  };
  const open = () => {
    Atomics.store(cells, 0, 1);
    Atomics.notify(cells, 0);
  };
  /** Resolves once a worker waits at the gate. */
  const reached = () => until(() => Atomics.load(cells, 1) > 0, 5);
  /** A request that is still unanswered, and the answer once it comes. */
  const pending = (request: Promise<HttpResult>) => {
    const state = { settled: false };
    const answer = request.finally(() => (state.settled = true));
    return { state, answer };
  };
  const grant = async (body: Record<string, unknown> = {}) => {
    const res = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: CASE, ...body });
    assert.equal(res.status, 201, res.text);
    return res.body.grant;
  };
  const openSession = async () => {
    const c = await ChannelClient.connect(t.gateway.channelUrl, token, { ca: t.gateway.caCert });
    clients.push(c);
    return { c, opened: await c.open(CASE) };
  };

  before(async () => {
    clock = new FakeClock(Date.now());
    t = await startTestGateway({
      clock,
      // Idle timeout past the grant's hour, so the session ends by expiry.
      config: { channel: { ...CHANNEL_LIMIT_DEFAULTS, idleTimeoutMinutes: 90, commandTimeoutSeconds: 30 } },
      reads: { workerFile: join(__dirname, 'helpers', 'gated-read-worker.js'), workerData: { gate }, budgets: { searchMs: SEARCH_BUDGET_MS } },
    });
    await installAgent(t);
    token = await t.gateway.identityProvider!.buildToken(undefined, 30 * 24 * 3600);
    // A session with a transcript to read: commands through the channel, so the rows are the writer's own.
    await grant();
    const { c, opened } = await openSession();
    sessionId = opened.sessionId;
    for (let i = 0; i < 3; i++) await c.run('Get-ClusterNode');
    await c.close();
    await t.api.delete(`${FEATURE}/access`);
  });
  beforeEach(() => open());
  after(async () => {
    open();
    for (const c of clients) c.terminate();
    await t.stop();
  });

  it('answers a search, the history, a verify and an export (JSON and text) from a worker while the gateway goes on answering', async () => {
    const reads = [
      `${FEATURE}/transcripts/search?q=hci-n01`,
      `${FEATURE}/sessions/${sessionId}/verify`,
      `${FEATURE}/sessions/${sessionId}/export`,
      `${FEATURE}/sessions?limit=1`,
      `${FEATURE}/sessions/${sessionId}/export?format=text`,
    ];
    const answers: HttpResult[] = [];
    for (const path of reads) {
      shut();
      const read = pending(t.api.get(path));
      await reached();
      // The read is stopped on another thread; this thread still answers.
      assert.equal((await t.anonymous.get('/health')).status, 200);
      assert.equal((await t.api.get(`${FEATURE}/sessions/${sessionId}`)).status, 200);
      assert.equal(read.state.settled, false, `${path} waits at the gate`);
      open();
      const answer = await read.answer;
      assert.equal(answer.status, 200, answer.text);
      answers.push(answer);
    }
    const [search, verify, exported, history, text] = answers as [HttpResult, HttpResult, HttpResult, HttpResult, HttpResult];
    // The same answers the main thread's own connection gives.
    const inline = t.gateway.sessions.search(t.gateway.desk.name, 'hci-n01', 0, 100);
    assert.ok(inline.length >= 3);
    assert.deepEqual(search.body.hits, inline.map((h) => ({ ...h, at: new Date(h.at).toISOString() })));
    assert.equal(search.body.nextCursor, null);
    const check = t.gateway.sessions.verify(sessionId);
    assert.deepEqual(verify.body.verification, { ...check, clusterProblems: [...t.gateway.sessions.verifyRegistry(t.gateway.desk.name), ...t.gateway.consent.verifyGrants(t.gateway.desk.name)] });
    assert.equal(verify.body.verification.valid, true);
    assert.deepEqual(exported.body.verification, verify.body.verification);
    assert.deepEqual(exported.body.entries.map((e: { hash: string }) => e.hash), t.gateway.sessions.allEntries(sessionId).map((e) => e.hash));
    assert.match(String(exported.headers['content-disposition']), new RegExp(`transcript-${sessionId}\\.json`));
    // The worker wrote the text form too, from the same document.
    assert.match(String(text.headers['content-type']), /^text\/plain/);
    assert.match(text.text, new RegExp(`^Remote support session ${sessionId}\n`));
    assert.match(text.text, /Integrity: +verified, \d+ entries/);
    assert.match(String(text.headers['content-disposition']), new RegExp(`transcript-${sessionId}\\.txt`));
    // The history's first page, as the main thread's own connection reads it.
    const inlineHistory = t.gateway.sessions.history(t.gateway.desk.name, 0, { limit: 1 });
    assert.deepEqual(history.body.sessions.map((s: { id: string }) => s.id), inlineHistory.items.map((s) => s.id));
    assert.equal(history.body.total, inlineHistory.total);
    assert.equal(history.body.nextCursor, inlineHistory.nextCursor);
  });

  it('pages a search newest first with a cursor, each page as the first page would show it', async () => {
    const all = (await t.api.get(`${FEATURE}/transcripts/search?q=hci-n01`)).body.hits;
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: HttpResult = await t.api.get(`${FEATURE}/transcripts/search?q=hci-n01&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, page.text);
      assert.ok(page.body.hits.length <= 2);
      seen.push(...page.body.hits);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, all);
    const bad = await t.api.get(`${FEATURE}/transcripts/search?q=hci-n01&cursor=abc`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'InvalidSearchCursor');
  });

  it('revokes at once while a search is running, ending the live session before the search ends', async () => {
    await grant();
    const { c, opened } = await openSession();
    shut();
    const search = pending(t.api.get(`${FEATURE}/transcripts/search?q=hci-n01`));
    await reached();
    const revoke = await t.api.delete(`${FEATURE}/access`);
    assert.equal(revoke.status, 200, revoke.text);
    assert.equal(revoke.body.sessionsEnded, 1);
    assert.equal(t.gateway.sessions.get(t.gateway.desk.name, opened.sessionId)!.endReason, 'revoked');
    assert.equal((await c.closed()).code, 4001);
    assert.equal(search.state.settled, false, 'the search is still running');
    open();
    assert.equal((await search.answer).status, 200);
  });

  it('expires a grant on time while a search is running, ending the live session before the search ends', async () => {
    const g = await grant({ expireInMinutes: 60 });
    const { c, opened } = await openSession();
    shut();
    const search = pending(t.api.get(`${FEATURE}/transcripts/search?q=hci-n01`));
    await reached();
    clock.set(Date.parse(g.expiresAt));
    assert.equal((await c.closed()).code, 4002);
    assert.equal(t.gateway.sessions.get(t.gateway.desk.name, opened.sessionId)!.endReason, 'expired');
    assert.equal(t.gateway.consent.active(t.gateway.desk.name), null);
    assert.equal(search.state.settled, false, 'the search is still running');
    open();
    assert.equal((await search.answer).status, 200);
  });

  it('fails a search past its time budget with SearchTooBroad, replaces the worker, and answers the next search', async () => {
    shut();
    const search = pending(t.api.get(`${FEATURE}/transcripts/search?q=hci-n01`));
    await reached();
    clock.advance(SEARCH_BUDGET_MS);
    const answer = await search.answer;
    assert.equal(answer.status, 422, answer.text);
    assert.equal(answer.body.error.code, 'SearchTooBroad');
    assert.match(answer.body.error.message, /took longer than 172800 s; narrow it: add words, or a later fromDate/);
    // The stopped worker is gone (terminated at its gate); a new one answers once the gate opens.
    assert.ok(t.gateway.reads.workers <= 1, `workers left: ${t.gateway.reads.workers}`);
    open();
    const next = await t.api.get(`${FEATURE}/transcripts/search?q=hci-n01`);
    assert.equal(next.status, 200, next.text);
    assert.ok(next.body.hits.length >= 3);
  });

  it('fails a verify past its time budget with RecordReadTooLong, and verifies again once a worker is free', async () => {
    shut();
    const verify = pending(t.api.get(`${FEATURE}/sessions/${sessionId}/verify`));
    await reached();
    clock.advance(READ_BUDGETS.verifyMs);
    const answer = await verify.answer;
    assert.equal(answer.status, 503, answer.text);
    assert.equal(answer.body.error.code, 'RecordReadTooLong');
    assert.match(answer.body.error.message, new RegExp(`Verifying session ${sessionId} took longer than 30 s`));
    open();
    const next = await t.api.get(`${FEATURE}/sessions/${sessionId}/verify`);
    assert.equal(next.status, 200, next.text);
    assert.equal(next.body.verification.valid, true);
  });
});
