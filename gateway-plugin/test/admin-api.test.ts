import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadFixture } from '../src/simulator/fixture';
import { DAY_MS, MINUTE_MS } from '../src/domain/clock';
import { FakeClock } from '../src/test-support/fake-clock';
import { ERROR_STATUS } from '../src/api/error-status';
import { ERROR_CATALOG } from '../src/domain/errors';
import { TERMS_VERSION } from '../src/domain/terms';
import { CLUSTER, FEATURE, installAgent, openEventStream, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';

/** Everything an admin can read about the cluster: used to prove a refused request changed nothing. */
async function snapshot(t: TestGateway) {
  const rows = t.gateway.db;
  return JSON.stringify({
    grants: rows.prepare('SELECT * FROM grants ORDER BY rowid').all(),
    sessions: rows.prepare('SELECT * FROM sessions ORDER BY rowid').all(),
    agents: rows.prepare('SELECT * FROM agent_nodes ORDER BY rowid').all(),
    operations: rows.prepare('SELECT id, status FROM agent_operations ORDER BY rowid').all(),
  });
}

describe('admin API over HTTPS with real SQLite', () => {
  let t: TestGateway;
  let clock: FakeClock;
  before(async () => {
    clock = new FakeClock(Date.now());
    t = await startTestGateway({ clock });
  });
  after(async () => t.stop());

  it('refuses a grant until the agent is installed on every node', async () => {
    const res = await t.api.post(`${FEATURE}/access`, VALID_GRANT);
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'AgentNotInstalled');
    assert.match(res.body.error.message, /hci-n01, hci-n02, hci-n03, hci-n04/);
  });

  it('installs the agent on all nodes with per-node progress and reports it in status', async () => {
    const res = await t.api.post(`${FEATURE}/agent/install`);
    assert.equal(res.status, 202);
    assert.equal(res.body.operation.kind, 'install');
    assert.equal(res.body.operation.nodes.length, 4);
    assert.match(String(res.headers['location']), new RegExp(`/agent/operations/${res.body.operation.id}$`));
    await t.gateway.agents.idle();
    const op = await t.api.get(`${FEATURE}/agent/operations/${res.body.operation.id}`);
    assert.equal(op.body.operation.status, 'succeeded');
    assert.deepEqual(op.body.operation.nodes.map((n: { stepsDone: number }) => n.stepsDone), [5, 5, 5, 5]);
    const status = await t.api.get(`${FEATURE}/status`);
    assert.deepEqual(status.body.nodes.map((n: { agent: { state: string } }) => n.agent.state), ['Installed', 'Installed', 'Installed', 'Installed']);
    const pre = await t.api.get(`${FEATURE}/prerequisites`);
    assert.equal(pre.body.ready, true);
    assert.ok(pre.body.checks.some((c: { id: string }) => c.id === 'jea:hci-n03'));
  });

  it('grants Diagnostics for the default 480 minutes and shows it in status and access', async () => {
    const res = await t.api.post(`${FEATURE}/access`, { accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, supportCaseNumber: '2611250010001234' });
    assert.equal(res.status, 201);
    const g = res.body.grant;
    assert.equal(g.state, 'active');
    assert.equal(g.expireInMinutes, 480);
    assert.equal(Date.parse(g.expiresAt) - Date.parse(g.grantedAt), 480 * MINUTE_MS);
    assert.equal(g.grantedBy, 'local-admin');
    assert.equal(g.termsVersion, TERMS_VERSION);
    assert.equal(g.secondsLeft, 480 * 60);
    const status = await t.api.get(`${FEATURE}/status`);
    assert.equal(status.body.activeGrant.id, g.id);
    const access = await t.api.get(`${FEATURE}/access`);
    assert.deepEqual(access.body.grants.map((x: { id: string }) => x.id), [g.id]);
  });

  it('supersedes the active grant with a new one', async () => {
    const before = (await t.api.get(`${FEATURE}/access`)).body.grants[0];
    clock.advance(MINUTE_MS);
    const res = await t.api.post(`${FEATURE}/access`, { accessLevel: 'DiagnosticsRepair', expireInMinutes: 60, agreeToRemoteSupportConsent: true });
    assert.equal(res.status, 201);
    assert.equal(res.body.superseded.id, before.id);
    assert.equal(res.body.superseded.state, 'superseded');
    const all = await t.api.get(`${FEATURE}/access?includeExpired=true`);
    assert.deepEqual(all.body.grants.map((x: { state: string }) => x.state), ['active', 'superseded']);
  });

  it('lists the commands each level allows', async () => {
    const res = await t.api.get(`${FEATURE}/commands?accessLevel=Diagnostics`);
    assert.equal(res.body.levels.length, 1);
    const names = res.body.levels[0].commands.map((c: { name: string }) => c.name);
    assert.ok(names.includes('Get-ClusterNode'));
    assert.ok(!names.includes('Stop-Service'));
    const both = await t.api.get(`${FEATURE}/commands`);
    assert.ok(both.body.levels[1].commands.some((c: { name: string }) => c.name === 'Stop-Service'));
  });

  it('serves the terms with their version', async () => {
    const res = await t.api.get(`${FEATURE}/terms`);
    assert.equal(res.body.version, TERMS_VERSION);
    assert.match(res.body.text, /90 days/);
  });

  it('expires the grant on time and shows it as expired with includeExpired', async () => {
    const active = (await t.api.get(`${FEATURE}/status`)).body.activeGrant;
    clock.set(Date.parse(active.expiresAt) - 1);
    assert.equal((await t.api.get(`${FEATURE}/status`)).body.activeGrant?.id, active.id);
    clock.advance(1);
    assert.equal((await t.api.get(`${FEATURE}/status`)).body.activeGrant, null);
    const all = await t.api.get(`${FEATURE}/access?includeExpired=true`);
    assert.equal(all.body.grants[0].state, 'expired');
    assert.equal(all.body.grants[0].endedAt, active.expiresAt);
    assert.equal((await t.api.get(`${FEATURE}/access`)).body.grants.length, 0);
  });

  it('revokes, and reports when there is nothing to revoke', async () => {
    await t.api.post(`${FEATURE}/access`, VALID_GRANT);
    const res = await t.api.delete(`${FEATURE}/access`);
    assert.equal(res.status, 200);
    assert.equal(res.body.revoked.state, 'revoked');
    const again = await t.api.delete(`${FEATURE}/access`);
    assert.equal(again.status, 200);
    assert.equal(again.body.revoked, null);
  });

  it('accepts a revoke that declares JSON but sends no body', async () => {
    await t.api.post(`${FEATURE}/access`, VALID_GRANT);
    const res = await t.api.send('DELETE', `${FEATURE}/access`, undefined, { 'content-type': 'application/json' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.revoked.state, 'revoked');
  });

  it('returns session history from a date (7 days by default) and one session with a paged transcript', async () => {
    const grant = (await t.api.post(`${FEATURE}/access`, VALID_GRANT)).body.grant;
    const old = t.gateway.sessions.open({ cluster: CLUSTER, grantId: grant.id, engineer: 'old@vendor', supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
    t.gateway.sessions.end(old.id, 'closed');
    clock.advance(8 * DAY_MS);
    const grant2 = (await t.api.post(`${FEATURE}/access`, VALID_GRANT)).body.grant;
    const s = t.gateway.sessions.open({ cluster: CLUSTER, grantId: grant2.id, engineer: 'eve@vendor', supportCase: '123', accessLevel: 'Diagnostics', nodes: ['hci-n01', 'hci-n02'] });
    for (let i = 0; i < 5; i++) {
      t.gateway.sessions.append(s.id, 'command', 'hci-n01', `Get-ClusterNode #${i}`);
      t.gateway.sessions.append(s.id, 'output', 'hci-n01', `out ${i}`);
    }
    const recent = await t.api.get(`${FEATURE}/sessions`);
    assert.deepEqual(recent.body.sessions.map((x: { engineer: string }) => x.engineer), ['eve@vendor']);
    const from = new Date(clock.now() - 9 * DAY_MS).toISOString().slice(0, 10);
    const wider = await t.api.get(`${FEATURE}/sessions?fromDate=${from}`);
    assert.deepEqual(wider.body.sessions.map((x: { engineer: string }) => x.engineer), ['eve@vendor', 'old@vendor']);

    const one = await t.api.get(`${FEATURE}/sessions/${s.id}`);
    assert.equal(one.body.session.commandCount, 5);
    assert.equal(one.body.transcript, undefined, 'no transcript unless asked');
    const page = await t.api.get(`${FEATURE}/sessions/${s.id}?includeTranscript=true&offset=4&limit=3`);
    assert.equal(page.body.transcript.total, 10);
    assert.deepEqual(page.body.transcript.entries.map((e: { seq: number }) => e.seq), [5, 6, 7]);
    const found = await t.api.get(`${FEATURE}/transcripts/search?q=${encodeURIComponent('out 3')}`);
    assert.deepEqual(found.body.hits.map((h: { sessionId: string; seq: number }) => [h.sessionId, h.seq]), [[s.id, 8]]);
    const check = await t.api.get(`${FEATURE}/sessions/${s.id}/verify`);
    assert.equal(check.body.verification.valid, true);
    assert.equal(check.body.verification.entries, 10);
  });

  it('ends the sessions of a grant when it is revoked, before the revoke returns', async () => {
    const grant = (await t.api.post(`${FEATURE}/access`, VALID_GRANT)).body.grant;
    const s = t.gateway.sessions.open({ cluster: CLUSTER, grantId: grant.id, engineer: 'eve@vendor', supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
    const live = async () => (await t.api.get(`${FEATURE}/status`)).body.liveSessions.map((x: { id: string }) => x.id);
    assert.ok((await live()).includes(s.id));
    await t.api.delete(`${FEATURE}/access`);
    const after = await t.api.get(`${FEATURE}/sessions/${s.id}`);
    assert.equal(after.body.session.endReason, 'revoked');
    assert.ok(!(await live()).includes(s.id));
  });

  it('ends the sessions of a grant when it expires, without anyone asking', async () => {
    const grant = (await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, expireInMinutes: 60 })).body.grant;
    const s = t.gateway.sessions.open({ cluster: CLUSTER, grantId: grant.id, engineer: 'eve@vendor', supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
    clock.advance(60 * MINUTE_MS);
    const after = await t.api.get(`${FEATURE}/sessions/${s.id}`);
    assert.equal(after.body.session.endReason, 'expired');
    assert.equal(after.body.session.endedAt, grant.expiresAt);
  });

  it('answers unknown routes and clusters with coded errors', async () => {
    const route = await t.api.get(`${FEATURE}/nope`);
    assert.equal(route.status, 404);
    assert.equal(route.body.error.code, 'RouteNotFound');
    const cluster = await t.api.get(`/api/nodes/other-cluster/features/remoteSupport/status`);
    assert.equal(cluster.status, 404);
    assert.equal(cluster.body.error.code, 'ClusterNotFound');
    const upper = await t.api.get(`/api/nodes/${CLUSTER.toUpperCase()}/features/remoteSupport/status`);
    assert.equal(upper.status, 200, 'cluster names compare without case');
  });

  it('does not expose the test clock outside test mode', async () => {
    const res = await t.api.post('/api/test/clock', { advanceMs: 1 });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'TestModeOnly');
  });

  it('refuses to remove the agent while a grant is active', async () => {
    await t.api.post(`${FEATURE}/access`, VALID_GRANT);
    const before = await snapshot(t);
    const res = await t.api.post(`${FEATURE}/agent/remove`, {});
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'ActiveGrantBlocksRemoval');
    assert.equal(await snapshot(t), before);
  });
});

/**
 * Bad input: each row is a request that must be refused with the given status
 * and code, naming the field, and must change nothing.
 */
const BAD_INPUT: { name: string; method: string; path: string; body?: unknown; status: number; code: keyof typeof ERROR_CATALOG; field?: string; message?: RegExp }[] = [
  { name: 'missing accessLevel', method: 'POST', path: '/access', body: { agreeToRemoteSupportConsent: true }, status: 400, code: 'FieldRequired', field: 'accessLevel', message: /Diagnostics, DiagnosticsRepair/ },
  { name: 'unknown access level', method: 'POST', path: '/access', body: { accessLevel: 'Full', agreeToRemoteSupportConsent: true }, status: 400, code: 'InvalidAccessLevel', field: 'accessLevel' },
  { name: '59 minutes', method: 'POST', path: '/access', body: { accessLevel: 'Diagnostics', expireInMinutes: 59, agreeToRemoteSupportConsent: true }, status: 400, code: 'InvalidExpireInMinutes', field: 'expireInMinutes', message: /60 to 20160/ },
  { name: '20161 minutes', method: 'POST', path: '/access', body: { accessLevel: 'Diagnostics', expireInMinutes: 20161, agreeToRemoteSupportConsent: true }, status: 400, code: 'InvalidExpireInMinutes', field: 'expireInMinutes' },
  { name: '"abc" minutes', method: 'POST', path: '/access', body: { accessLevel: 'Diagnostics', expireInMinutes: 'abc', agreeToRemoteSupportConsent: true }, status: 400, code: 'InvalidExpireInMinutes', field: 'expireInMinutes', message: /got "abc"/ },
  { name: 'fractional minutes', method: 'POST', path: '/access', body: { accessLevel: 'Diagnostics', expireInMinutes: 90.5, agreeToRemoteSupportConsent: true }, status: 400, code: 'InvalidExpireInMinutes', field: 'expireInMinutes' },
  { name: 'minutes as a string', method: 'POST', path: '/access', body: { accessLevel: 'Diagnostics', expireInMinutes: '480', agreeToRemoteSupportConsent: true }, status: 400, code: 'InvalidExpireInMinutes', field: 'expireInMinutes' },
  { name: 'missing consent agreement', method: 'POST', path: '/access', body: { accessLevel: 'Diagnostics' }, status: 400, code: 'ConsentRequired', field: 'agreeToRemoteSupportConsent' },
  { name: 'consent agreement false', method: 'POST', path: '/access', body: { accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: false }, status: 400, code: 'ConsentRequired', field: 'agreeToRemoteSupportConsent' },
  { name: 'stale terms version', method: 'POST', path: '/access', body: { ...VALID_GRANT, termsVersion: '0'.repeat(64) }, status: 409, code: 'TermsVersionMismatch', field: 'termsVersion' },
  { name: 'SAS for a registered cluster', method: 'POST', path: '/access', body: { ...VALID_GRANT, sasCredential: 'SharedAccessSignature sr=a&sig=b&se=9999999999&skn=k' }, status: 400, code: 'SasCredentialNotAccepted', field: 'sasCredential' },
  { name: 'bad case number', method: 'POST', path: '/access', body: { ...VALID_GRANT, supportCaseNumber: 'DROP TABLE' }, status: 400, code: 'InvalidSupportCaseNumber', field: 'supportCaseNumber' },
  { name: 'misspelt field', method: 'POST', path: '/access', body: { ...VALID_GRANT, expireInMinute: 60 }, status: 400, code: 'UnknownField', field: 'expireInMinute' },
  { name: 'body is an array', method: 'POST', path: '/access', body: [VALID_GRANT], status: 400, code: 'InvalidBody' },
  { name: 'body is not JSON', method: 'POST', path: '/access', body: '{"accessLevel": ', status: 400, code: 'InvalidBody' },
  { name: 'includeExpired is not a boolean', method: 'GET', path: '/access?includeExpired=yes', status: 400, code: 'InvalidBoolean', field: 'includeExpired' },
  { name: 'unknown query parameter', method: 'GET', path: '/access?include=true', status: 400, code: 'UnknownField', field: 'include' },
  { name: 'malformed fromDate', method: 'GET', path: '/sessions?fromDate=last-week', status: 400, code: 'InvalidDate', field: 'fromDate' },
  { name: 'impossible fromDate', method: 'GET', path: '/sessions?fromDate=2026-02-30', status: 400, code: 'InvalidDate', field: 'fromDate' },
  { name: 'session id that is not a UUID', method: 'GET', path: '/sessions/1234', status: 400, code: 'InvalidSessionId', field: 'sessionId' },
  { name: 'unknown session id', method: 'GET', path: '/sessions/6f1c2a4e-8f3b-4c1d-9a2e-7b6d5c4e3f21', status: 404, code: 'SessionNotFound' },
  { name: 'negative transcript offset', method: 'GET', path: '/sessions/6f1c2a4e-8f3b-4c1d-9a2e-7b6d5c4e3f21?includeTranscript=true&offset=-1', status: 400, code: 'InvalidPaging', field: 'offset' },
  { name: 'transcript limit too large', method: 'GET', path: '/sessions/6f1c2a4e-8f3b-4c1d-9a2e-7b6d5c4e3f21?includeTranscript=true&limit=5000', status: 400, code: 'InvalidPaging', field: 'limit' },
  { name: 'unknown node in install', method: 'POST', path: '/agent/install', body: { nodes: ['hci-n09'] }, status: 400, code: 'InvalidNodeName', field: 'nodes' },
  { name: 'nodes not a list', method: 'POST', path: '/agent/install', body: { nodes: 'hci-n01' }, status: 400, code: 'InvalidNodeName', field: 'nodes' },
  { name: 'operation id that is not a UUID', method: 'GET', path: '/agent/operations/latest', status: 400, code: 'InvalidOperationId', field: 'operationId' },
  { name: 'unknown operation', method: 'GET', path: '/agent/operations/6f1c2a4e-8f3b-4c1d-9a2e-7b6d5c4e3f21', status: 404, code: 'OperationNotFound' },
  { name: 'empty search', method: 'GET', path: '/transcripts/search?q=', status: 400, code: 'InvalidSearchQuery', field: 'q' },
  { name: 'search without a word', method: 'GET', path: '/transcripts/search?q=%22%28%29', status: 400, code: 'InvalidSearchQuery', field: 'q' },
  { name: 'search too long', method: 'GET', path: `/transcripts/search?q=${'a'.repeat(201)}`, status: 400, code: 'InvalidSearchQuery', field: 'q' },
  { name: 'unknown command level', method: 'GET', path: '/commands?accessLevel=Root', status: 400, code: 'InvalidAccessLevel', field: 'accessLevel' },
];

describe('bad input', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
    await t.api.post(`${FEATURE}/access`, VALID_GRANT);
  });
  after(async () => t.stop());

  for (const row of BAD_INPUT) {
    it(`refuses ${row.name} with ${row.code} and changes nothing`, async () => {
      const before = await snapshot(t);
      const res = await t.api.send(row.method, `${FEATURE}${row.path}`, row.body);
      assert.equal(res.status, row.status, res.text);
      assert.equal(res.body.error.code, row.code);
      assert.equal(ERROR_STATUS[row.code], row.status);
      if (row.field) {
        assert.equal(res.body.error.field, row.field);
        assert.ok(res.body.error.message.includes(row.field), `the message names ${row.field}: ${res.body.error.message}`);
      }
      if (row.message) assert.match(res.body.error.message, row.message);
      assert.equal(await snapshot(t), before);
    });
  }

  it('requires a SAS credential when the cluster is not registered', async () => {
    const unregistered = await startTestGateway({ config: { cluster: { stepDelayMs: 0, fixture: await unregisteredFixture() } } });
    try {
      await installAgent(unregistered);
      const res = await unregistered.api.post(`${FEATURE}/access`, VALID_GRANT);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'SasCredentialRequired');
      assert.equal(res.body.error.field, 'sasCredential');
      const se = Math.floor(Date.now() / 1000) + 3600;
      const ok = await unregistered.api.post(`${FEATURE}/access`, { ...VALID_GRANT, sasCredential: `SharedAccessSignature sr=https%3A%2F%2Fr%2Fhc&sig=s3cr3t&se=${se}&skn=k` });
      assert.equal(ok.status, 201);
      assert.equal(ok.body.grant.sasCredentialProvided, true);
      assert.ok(!ok.text.includes('s3cr3t'));
      const list = await unregistered.api.get(`${FEATURE}/access?includeExpired=true`);
      assert.ok(!list.text.includes('s3cr3t'), 'no read returns the credential');
    } finally {
      await unregistered.stop();
    }
  });
});

async function unregisteredFixture(): Promise<string> {
  const f = loadFixture();
  f.registered = false;
  const path = join(mkdtempSync(join(tmpdir(), 'rs-fixture-')), 'cluster.json');
  writeFileSync(path, JSON.stringify(f));
  return path;
}

describe('live event stream', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
  });
  after(async () => t.stop());

  it('carries grant changes as server-sent events', async () => {
    const stream = await openEventStream(t.gateway.url, t.gateway.caCert, { authorization: `Bearer ${t.gateway.localCredential!.secret}` });
    const grant = (await t.api.post(`${FEATURE}/access`, VALID_GRANT)).body.grant;
    await t.api.delete(`${FEATURE}/access`);
    await stream.waitFor('grant.revoked');
    stream.close();
    const received = stream.events;
    assert.deepEqual(received.map((r) => r.event), ['grant.created', 'grant.revoked']);
    assert.equal(received[0]!.data.id, grant.id);
    assert.equal(received[1]!.data.endReason, 'revoked');
    assert.ok(!('sasCredential' in received[0]!.data));
  });

  it('replays missed events after Last-Event-ID', async () => {
    const headers = { authorization: `Bearer ${t.gateway.localCredential!.secret}` };
    const first = await openEventStream(t.gateway.url, t.gateway.caCert, headers);
    await t.api.post(`${FEATURE}/access`, VALID_GRANT);
    const created = await first.waitFor('grant.created');
    first.close();
    await t.api.delete(`${FEATURE}/access`);
    const resumed = await openEventStream(t.gateway.url, t.gateway.caCert, { ...headers, 'last-event-id': String(created.id) });
    const revoked = await resumed.waitFor('grant.revoked');
    resumed.close();
    assert.ok(revoked.id > created.id);
    assert.ok(!resumed.events.some((e) => e.id <= created.id), 'nothing already seen is replayed');
  });

  it('refuses the stream without a credential', async () => {
    const res = await t.anonymous.get(`${FEATURE}/events`);
    assert.equal(res.status, 401);
  });
});
