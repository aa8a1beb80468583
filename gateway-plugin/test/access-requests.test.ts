import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MINUTE_MS } from '../src/domain/clock';

const HOUR_MS = 60 * MINUTE_MS;
import { TERMS_VERSION } from '../src/domain/terms';
import { FakeClock } from '../src/test-support/fake-clock';
import { ApiClient, CLUSTER, FEATURE, HttpResult, installAgent, startTestGateway, tempDir, TestGateway } from './helpers/gateway-fixture';

const CASE = '2612030010000042';
const SUPPORT = `/api/support/clusters/${CLUSTER}`;
const ASK = { supportCaseNumber: CASE, accessLevel: 'DiagnosticsRepair', expireInMinutes: 240, nodes: ['hci-n01'], reason: 'Cluster validation fails on storage; read the event logs and restart the health service if needed.' };

/**
 * Access requests (issue 16): an engineer asks from the support console, the
 * admin answers in the extension, the CLI or the module (all through this
 * API), and the engineer's console learns the answer without polling by hand.
 */
describe('access requests', () => {
  let t: TestGateway;
  let clock: FakeClock;
  let engineer: ApiClient;
  let other: ApiClient;

  const ask = async (body: Record<string, unknown> = ASK, as: ApiClient = engineer) => {
    const res = await as.post(`${SUPPORT}/requests`, body);
    assert.equal(res.status, 201, res.text);
    return res.body.request as { id: string; state: string; expiresAt: string };
  };
  const approve = (id: string, body: Record<string, unknown> = {}) => t.api.post(`${FEATURE}/requests/${id}/approve`, { agreeToRemoteSupportConsent: true, ...body });
  const activeGrant = async () => (await t.api.get(`${FEATURE}/status`)).body.activeGrant;
  const revoke = async () => assert.equal((await t.api.delete(`${FEATURE}/access`)).status, 200);

  before(async () => {
    clock = new FakeClock(Date.parse('2026-12-03T09:00:00Z'));
    t = await startTestGateway({ clock });
    await installAgent(t);
    const idp = t.gateway.identityProvider!;
    engineer = t.anonymous.withHeaders({ authorization: `Bearer ${await idp.buildToken(undefined, 30 * 24 * 3600)}` });
    other = t.anonymous.withHeaders({
      authorization: `Bearer ${await idp.buildToken((p) => {
        p['preferred_username'] = 'someone-else@vendor.example';
        p['oid'] = '00000000-0000-4000-8000-00000000beef';
      }, 30 * 24 * 3600)}`,
    });
  });
  after(async () => t.stop());

  it('an engineer asks, the admin approves with a lower level and a shorter time, and the grant is made as Enable makes it', async () => {
    const request = await ask();
    assert.equal(request.state, 'pending');
    assert.equal(Date.parse(request.expiresAt) - clock.now(), 12 * HOUR_MS, 'unanswered, it expires after 12 hours');
    const open = (await t.api.get(`${FEATURE}/requests?open=true`)).body;
    assert.deepEqual(open.requests.map((r: { id: string }) => r.id), [request.id]);
    assert.equal(open.requests[0].reason, ASK.reason);

    const answer = await approve(request.id, { accessLevel: 'Diagnostics', expireInMinutes: 120 });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.request.state, 'approved');
    assert.equal(answer.body.grant.accessLevel, 'Diagnostics');
    assert.equal(answer.body.grant.expireInMinutes, 120);
    assert.equal(answer.body.grant.supportCaseNumber, CASE);
    assert.equal(answer.body.grant.termsVersion, TERMS_VERSION, 'the admin agreed to the current terms');
    const grant = await activeGrant();
    assert.equal(grant.id, answer.body.grant.id);
    assert.equal(grant.grantedBy, answer.body.request.answeredBy, 'granted in the name of the admin who approved');
    assert.equal(answer.body.request.grantId, grant.id);

    // The engineer reads the answer on their own request.
    const mine = await engineer.get(`${SUPPORT}/requests/${request.id}`);
    assert.equal(mine.body.request.state, 'approved');
    assert.deepEqual(mine.body.request.approved, { accessLevel: 'Diagnostics', expireInMinutes: 120, startAt: new Date(clock.now()).toISOString(), termsVersion: TERMS_VERSION });
    await revoke();
  });

  it('lets the engineer\'s console wait for the answer: a denial with its reason arrives without asking again', async () => {
    const request = await ask();
    const waiting: Promise<HttpResult> = engineer.get(`${SUPPORT}/requests/${request.id}?waitSeconds=60`);
    let answered = false;
    void waiting.then(() => (answered = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, 'the request is still waiting');
    const denied = await t.api.post(`${FEATURE}/requests/${request.id}/deny`, { reason: 'Not during the quarter close; ask again on Monday.' });
    assert.equal(denied.status, 200, denied.text);
    const seen = await waiting;
    assert.equal(seen.body.request.state, 'denied');
    assert.equal(seen.body.request.denial, 'Not during the quarter close; ask again on Monday.');
    assert.equal(await activeGrant(), null, 'a denial grants nothing');
    // Answered is final.
    const late = await approve(request.id);
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'RequestNotOpen');
  });

  it('refuses an approval that gives more than was asked, or without consent, and changes nothing', async () => {
    const request = await ask({ ...ASK, accessLevel: 'Diagnostics', expireInMinutes: 120 });
    for (const [body, code, field] of [
      [{ accessLevel: 'DiagnosticsRepair' }, 'ApprovalExceedsRequest', 'accessLevel'],
      [{ expireInMinutes: 480 }, 'ApprovalExceedsRequest', 'expireInMinutes'],
      [{ startAt: new Date(clock.now() - HOUR_MS).toISOString() }, 'ApprovalExceedsRequest', 'startAt'],
      [{ startAt: new Date(clock.now() + 8 * 24 * HOUR_MS).toISOString() }, 'ApprovalExceedsRequest', 'startAt'],
      [{ agreeToRemoteSupportConsent: false }, 'ConsentRequired', 'agreeToRemoteSupportConsent'],
      [{ expireInMinutes: 'soon' }, 'InvalidExpireInMinutes', 'expireInMinutes'],
      [{ grantEverything: true }, 'UnknownField', 'grantEverything'],
    ] as const) {
      const res = await approve(request.id, body);
      assert.equal(res.body.error?.code, code, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.body.error.field, field);
    }
    assert.equal(await activeGrant(), null);
    assert.equal((await t.api.get(`${FEATURE}/requests/${request.id}`)).body.request.state, 'pending');
  });

  it('asks the engineer for more information, takes the answer, then approves', async () => {
    const request = await ask();
    const asked = await t.api.post(`${FEATURE}/requests/${request.id}/ask`, { question: 'Which health service, and on which node?' });
    assert.equal(asked.body.request.state, 'info-requested');
    // Only the engineer who asked may answer, and only a question asked.
    const stranger = await other.post(`${SUPPORT}/requests/${request.id}/reply`, { text: 'me too' });
    assert.equal(stranger.status, 404);
    const replied = await engineer.post(`${SUPPORT}/requests/${request.id}/reply`, { text: 'The Health Service on hci-n01 only.' });
    assert.equal(replied.status, 200, replied.text);
    assert.equal(replied.body.request.state, 'pending');
    assert.deepEqual(replied.body.request.messages.map((m: { from: string; text: string }) => [m.from, m.text]), [
      ['admin', 'Which health service, and on which node?'],
      ['engineer', 'The Health Service on hci-n01 only.'],
    ]);
    const again = await engineer.post(`${SUPPORT}/requests/${request.id}/reply`, { text: 'again' });
    assert.equal(again.body.error.code, 'RequestNotOpen');
    assert.equal((await approve(request.id)).status, 200);
    await revoke();
  });

  it('expires a request nobody answers after 12 hours, and it can no longer be approved', async () => {
    const request = await ask();
    clock.advance(12 * HOUR_MS);
    const seen = (await t.api.get(`${FEATURE}/requests/${request.id}`)).body.request;
    assert.equal(seen.state, 'expired');
    const res = await approve(request.id);
    assert.equal(res.body.error.code, 'RequestNotOpen');
    assert.equal(await activeGrant(), null);
    assert.ok(!(await t.api.get(`${FEATURE}/requests?open=true`)).body.requests.some((r: { id: string }) => r.id === request.id));
  });

  it('approves for a later start: nothing is granted until then, and then the grant starts in the admin\'s name', async () => {
    const request = await ask();
    const startAt = new Date(clock.now() + 2 * HOUR_MS).toISOString();
    const res = await approve(request.id, { startAt, expireInMinutes: 60 });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.request.state, 'scheduled');
    assert.equal(res.body.request.approved.termsVersion, TERMS_VERSION, 'the terms agreed to now are the ones it grants under');
    assert.equal(res.body.grant, null);
    assert.equal(await activeGrant(), null);
    clock.advance(2 * HOUR_MS - MINUTE_MS);
    assert.equal(await activeGrant(), null, 'not a minute early');
    clock.advance(MINUTE_MS);
    const grant = await activeGrant();
    assert.ok(grant, 'granted at the start');
    assert.equal(grant.expireInMinutes, 60);
    assert.equal(grant.grantedBy, res.body.request.answeredBy);
    const done = (await t.api.get(`${FEATURE}/requests/${request.id}`)).body.request;
    assert.equal(done.state, 'approved');
    assert.equal(done.grantId, grant.id);
    await revoke();
  });

  it('never makes a scheduled grant whose approval was changed without the record key, nor one under other terms', async () => {
    const request = await ask({ ...ASK, accessLevel: 'Diagnostics', expireInMinutes: 60 });
    const res = await approve(request.id, { startAt: new Date(clock.now() + HOUR_MS).toISOString() });
    assert.equal(res.status, 200, res.text);
    // Someone with the database but not the key raises what was approved.
    t.gateway.db.prepare("UPDATE access_requests SET approved_level = 'DiagnosticsRepair', approved_minutes = 20160 WHERE id = ?").run(request.id);
    clock.advance(2 * HOUR_MS);
    assert.equal(await activeGrant(), null, 'nothing granted at the start');
    const stale = await ask();
    const refused = await approve(stale.id, { termsVersion: 'b'.repeat(64) });
    assert.equal(refused.body.error.code, 'TermsVersionMismatch');
    assert.equal(await activeGrant(), null);
    await t.api.post(`${FEATURE}/requests/${stale.id}/deny`, { reason: 'cleanup' });
  });

  it('extends the active grant when an extension is approved, keeping its level and case', async () => {
    const first = await ask({ ...ASK, accessLevel: 'Diagnostics', expireInMinutes: 60 });
    await approve(first.id);
    const before = await activeGrant();
    const noCase = await engineer.post(`${SUPPORT}/requests`, { ...ASK, kind: 'extension', supportCaseNumber: 'OTHER-1', accessLevel: 'Diagnostics', expireInMinutes: 30 });
    assert.equal(noCase.body.error.code, 'SupportCaseMismatch');
    const higher = await engineer.post(`${SUPPORT}/requests`, { ...ASK, kind: 'extension', accessLevel: 'DiagnosticsRepair', expireInMinutes: 30 });
    assert.equal(higher.body.error.code, 'InvalidAccessLevel');
    const extension = await ask({ ...ASK, kind: 'extension', accessLevel: 'Diagnostics', expireInMinutes: 90 });
    const res = await approve(extension.id);
    assert.equal(res.status, 200, res.text);
    const after = await activeGrant();
    assert.notEqual(after.id, before.id, 'a new grant replaces the old one');
    assert.equal(after.accessLevel, 'Diagnostics');
    assert.equal(after.supportCaseNumber, CASE);
    assert.equal(Date.parse(after.expiresAt), Date.parse(before.expiresAt) + 90 * MINUTE_MS);
    await revoke();
    const none = await engineer.post(`${SUPPORT}/requests`, { ...ASK, kind: 'extension', accessLevel: 'Diagnostics', expireInMinutes: 30 });
    assert.equal(none.body.error.code, 'NoGrantToExtend');
  });

  it('takes requests only from engineers, shows each engineer only their own, and refuses bad fields naming them', async () => {
    const noToken = await t.anonymous.post(`${SUPPORT}/requests`, ASK);
    assert.equal(noToken.status, 401);
    // The admin credential is not an engineer's token.
    const admin = await t.anonymous.withHeaders({ authorization: `Bearer ${t.gateway.localCredential!.secret}` }).post(`${SUPPORT}/requests`, ASK);
    assert.equal(admin.status, 401);
    // An engineer's token is not an admin's.
    const asAdmin = await engineer.get(`${FEATURE}/requests`);
    assert.ok(asAdmin.status === 401 || asAdmin.status === 403, asAdmin.text);
    const request = await ask();
    const peek = await other.get(`${SUPPORT}/requests/${request.id}`);
    assert.equal(peek.status, 404);
    assert.equal(peek.body.error.code, 'RequestNotFound');
    const before = (await t.api.get(`${FEATURE}/requests`)).body.total;
    for (const [body, code, field] of [
      [{ ...ASK, reason: '' }, 'InvalidRequestText', 'reason'],
      [{ ...ASK, reason: 'x'.repeat(1001) }, 'InvalidRequestText', 'reason'],
      [{ ...ASK, accessLevel: 'Administrator' }, 'InvalidAccessLevel', 'accessLevel'],
      [{ ...ASK, expireInMinutes: 30 }, 'InvalidExpireInMinutes', 'expireInMinutes'],
      [{ ...ASK, nodes: ['hci-n99'] }, 'InvalidNodeName', 'nodes'],
      [{ ...ASK, supportCaseNumber: 'case 1; drop' }, 'InvalidSupportCaseNumber', 'supportCaseNumber'],
      [{ ...ASK, kind: 'forever' }, 'InvalidBody', 'kind'],
    ] as const) {
      const res = await engineer.post(`${SUPPORT}/requests`, body);
      assert.equal(res.body.error?.code, code, `${JSON.stringify(body).slice(0, 80)}: ${res.text}`);
      assert.equal(res.body.error.field, field);
    }
    assert.equal((await t.api.get(`${FEATURE}/requests`)).body.total, before, 'no bad request was recorded');
    const badId = await t.api.get(`${FEATURE}/requests/not-an-id`);
    assert.equal(badId.body.error.code, 'InvalidRequestId');
    await t.api.post(`${FEATURE}/requests/${request.id}/deny`, { reason: 'cleanup' });
  });

  it('refuses to answer a request changed in the database without the record key', async () => {
    const request = await ask();
    t.gateway.db.prepare("UPDATE access_requests SET access_level = 'DiagnosticsRepair', expire_in_minutes = 20160 WHERE id = ?").run(request.id);
    const seen = (await t.api.get(`${FEATURE}/requests/${request.id}`)).body.request;
    assert.equal(seen.intact, false);
    const res = await approve(request.id);
    assert.equal(res.body.error.code, 'RequestTampered');
    assert.equal(await activeGrant(), null);
  });
});

describe('access requests across a restart', () => {
  it('keeps a pending request, expires it on time after the restart, and starts a scheduled approval that fell due while down', async () => {
    const dir = tempDir();
    const clock = new FakeClock(Date.parse('2026-12-03T09:00:00Z'));
    try {
      let t = await startTestGateway({ clock, dataDir: dir.path, config: { requests: { expireAfterMinutes: 30 } } });
      await installAgent(t);
      const engineer = t.anonymous.withHeaders({ authorization: `Bearer ${await t.gateway.identityProvider!.buildToken(undefined, 30 * 24 * 3600)}` });
      const pending = (await engineer.post(`${SUPPORT}/requests`, ASK)).body.request;
      assert.equal(Date.parse(pending.expiresAt) - clock.now(), 30 * MINUTE_MS, 'the configured 30 minutes');
      const scheduled = (await engineer.post(`${SUPPORT}/requests`, ASK)).body.request;
      const approved = await t.api.post(`${FEATURE}/requests/${scheduled.id}/approve`, { agreeToRemoteSupportConsent: true, startAt: new Date(clock.now() + HOUR_MS).toISOString() });
      assert.equal(approved.body.request.state, 'scheduled');
      await t.gateway.close();

      clock.advance(2 * HOUR_MS);
      t = await startTestGateway({ clock, dataDir: dir.path });
      try {
        assert.equal((await t.api.get(`${FEATURE}/requests/${pending.id}`)).body.request.state, 'expired');
        const started = (await t.api.get(`${FEATURE}/requests/${scheduled.id}`)).body.request;
        assert.equal(started.state, 'approved');
        assert.equal((await t.api.get(`${FEATURE}/status`)).body.activeGrant.id, started.grantId);
      } finally {
        await t.gateway.close();
      }
    } finally {
      dir.remove();
    }
  });
});
