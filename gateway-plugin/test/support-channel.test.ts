import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { exportSPKI, importJWK, SignJWT } from 'jose';
import { ChannelClient, ChannelError } from '../src/console/channel-client';
import { acquireToken } from '../src/console/token-source';
import { MINUTE_MS } from '../src/domain/clock';
import { FakeClock } from '../src/test-support/fake-clock';
import { CHANNEL_LIMIT_DEFAULTS } from '../src/config/config';
import { FEATURE, installAgent, openEventStream, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { turns, watch } from './fixtures/executor-harness';
import { ScriptedExecutor } from './helpers/scripted-executor';

const CASE = '2611250010001234';
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('support channel over TLS with real tokens', () => {
  let t: TestGateway;
  let clock: FakeClock;
  let executor: ScriptedExecutor;
  let token: string;
  let msalToken: string;
  const logs: string[] = [];
  const clients: ChannelClient[] = [];

  const connect = async (jwt = token) => {
    const c = await ChannelClient.connect(t.gateway.channelUrl, jwt, { ca: t.gateway.caCert });
    clients.push(c);
    return c;
  };
  const openSession = async (supportCase = CASE) => {
    const c = await connect();
    const opened = await c.open(supportCase);
    return { c, opened };
  };
  const grant = async (body: Record<string, unknown> = {}) => {
    const res = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: CASE, ...body });
    assert.equal(res.status, 201, res.text);
    return res.body.grant;
  };
  const sessionCount = () => t.gateway.db.prepare('SELECT COUNT(*) FROM sessions').pluck().get() as number;

  before(async () => {
    clock = new FakeClock(Date.now());
    executor = new ScriptedExecutor(clock);
    // Idle timeout longer than the shortest grant, so expiry and idleness can be told apart.
    t = await startTestGateway({ clock, executor, log: (l) => logs.push(l), config: { channel: { ...CHANNEL_LIMIT_DEFAULTS, idleTimeoutMinutes: 90, commandTimeoutSeconds: 30 } } });
    await installAgent(t);
    // A real token: msal-node's client-credentials flow against the local identity provider.
    const reg = t.gateway.identityProvider!.registration;
    msalToken = await acquireToken({ kind: 'client-credentials', authority: reg.authority, clientId: reg.clientId, clientSecret: reg.clientSecret, scope: reg.scope, ca: t.gateway.caCert });
    // The fake clock moves hours ahead in this suite, past an hour-long token's exp (which ends a
    // session: token-expiry.test.ts): sessions here use a week-long token from the same provider.
    token = await t.gateway.identityProvider!.buildToken(undefined, 7 * 24 * 3600);
  });
  beforeEach(async () => {
    executor.hanging.clear();
    executor.down.clear();
    await t.api.delete(`${FEATURE}/access`);
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await t.stop();
  });

  it("opens a session with a token from msal-node's client-credentials flow", async () => {
    await grant();
    const c = await connect(msalToken);
    const opened = await c.open(CASE);
    assert.match(opened.sessionId, /^[0-9a-f-]{36}$/);
    await c.close();
  });

  it('opens a session for the granted case and answers with its id, level, expiry and commands', async () => {
    const g = await grant();
    const { c, opened } = await openSession();
    assert.match(opened.sessionId, /^[0-9a-f-]{36}$/);
    assert.equal(opened.accessLevel, 'Diagnostics');
    assert.equal(opened.expiresAt, g.expiresAt);
    assert.equal(opened.secondsLeft, 480 * 60);
    assert.deepEqual(opened.nodes, ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04']);
    assert.ok(opened.commands.includes('Get-ClusterNode'));
    assert.ok(!opened.commands.includes('Stop-Service'));
    await c.close();
  });

  it('runs an allowed command on every node, writing the command before it runs and each output before it is sent', async () => {
    await grant();
    const { c, opened } = await openSession();
    const before = executor.received.length;
    const reply = await c.run('Get-VM -Name web*');
    assert.equal(reply.denied, null);
    assert.deepEqual(reply.accepted?.command, { cmdlet: 'Get-VM', parameters: { Name: 'web*' } });
    assert.deepEqual(reply.outputs.map((o) => o.node).sort(), ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04']);
    assert.ok(reply.outputs.every((o) => o.ok));
    assert.equal(executor.received.length - before, 4);
    assert.deepEqual(executor.received.at(-1)!.command, { cmdlet: 'Get-VM', parameters: { Name: 'web*' }, level: 'Diagnostics' });
    assert.equal(reply.secondsLeft, 480 * 60);

    const entries = t.gateway.sessions.allEntries(opened.sessionId);
    assert.deepEqual(entries.map((e) => e.kind), ['system', 'command', 'output', 'output', 'output', 'output']);
    assert.match(entries[1]!.text, /^Get-VM -Name web\*\n-> \{"cmdlet":"Get-VM"/);
    assert.equal(t.gateway.sessions.verify(opened.sessionId).valid, true);
    await c.close();
  });

  it('refuses and records a command outside the level, and an injection line, with the reason', async () => {
    await grant();
    const { c, opened } = await openSession();
    const stop = await c.run('Stop-Service -Name ClusSvc');
    assert.equal(stop.denied?.reason, 'level-too-low');
    const injection = await c.run('Get-VM; Remove-Item C:\\ -Recurse');
    assert.equal(injection.denied?.reason, 'statement-separator');
    assert.match(injection.denied!.message, /;/);
    assert.equal(executor.received.filter((r) => r.command.cmdlet !== 'Get-VM').length, 0, 'nothing denied reached a node');
    const kinds = t.gateway.sessions.allEntries(opened.sessionId).map((e) => e.kind);
    assert.deepEqual(kinds, ['system', 'denied', 'denied']);
    await c.close();
  });

  it('times out a hung node when the gateway clock passes the command timeout, not before, and the others answer', async () => {
    await grant();
    executor.hanging.add('hci-n02');
    const { c } = await openSession();
    const hung = executor.nextHang();
    const pending = watch(c.run('Get-ClusterNode'));
    await hung;
    clock.advance(30_000 - 1);
    await turns();
    assert.equal(pending.settled, false, 'the command waits for its 30 s timeout');
    clock.advance(1);
    const reply = (await pending.outcome).value!;
    const n2 = reply.outputs.find((o) => o.node === 'hci-n02')!;
    assert.equal(!n2.ok && n2.error.code, 'CommandTimedOut');
    assert.equal(reply.outputs.filter((o) => o.ok).length, 3);
    await c.close();
  });

  it('reports a node that is down as that node\'s error and records it', async () => {
    await grant();
    executor.down.add('hci-n02');
    const { c, opened } = await openSession();
    const reply = await c.run('Get-ClusterNode');
    const n2 = reply.outputs.find((o) => o.node === 'hci-n02')!;
    assert.equal(n2.ok, false);
    assert.equal(!n2.ok && n2.error.code, 'NodeUnreachable');
    assert.equal(reply.outputs.filter((o) => o.ok).length, 3);
    assert.ok(t.gateway.sessions.allEntries(opened.sessionId).some((e) => e.kind === 'error' && e.node === 'hci-n02'));
    await c.close();
  });

  it('refuses a connection when no grant is active, opening nothing', async () => {
    const count = sessionCount();
    await assert.rejects(connect(), (e: ChannelError) => e.code === 'NoActiveGrant' && e.status === 403);
    assert.equal(sessionCount(), count);
  });

  it('tells listeners when the connection drops without an ended message', async () => {
    await grant();
    const { c } = await openSession();
    const heard = new Promise<string>((resolve) => c.onEnded((e) => resolve(e.reason)));
    for (const s of t.gateway.channel.sessions) (s as unknown as { socket: { close(code: number, r: string): void } }).socket.close(1011, 'x');
    assert.equal(await heard, 'disconnected');
  });

  it('ends a session whose grant is revoked while it is opening, and never reports it opened', async () => {
    await grant();
    const sub = t.gateway.events.subscribe((e) => {
      if (e.type === 'session.started') void t.gateway.desk.revoke('racing-admin');
    });
    try {
      const c = await connect();
      await assert.rejects(c.open(CASE), (e: ChannelError) => e.code === 'NoActiveGrant' || e.code === 'Disconnected');
    } finally {
      sub.dispose();
    }
    const last = t.gateway.db.prepare('SELECT end_reason FROM sessions ORDER BY rowid DESC LIMIT 1').pluck().get();
    assert.equal(last, 'revoked');
    assert.equal(t.gateway.channel.sessions.length, 0, 'nothing is left live');
  });

  it('ends a session when a new grant for another support case replaces its own', async () => {
    await grant();
    const { c, opened } = await openSession();
    await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, accessLevel: 'DiagnosticsRepair', supportCaseNumber: 'OTHER-CASE' });
    const restartsBefore = executor.received.filter((r) => r.command.cmdlet === 'Restart-Service').length;
    const reply = await c.run('Restart-Service -Name ClusSvc', ['hci-n01']);
    assert.equal(reply.denied?.reason, 'support-case-changed');
    await c.closed();
    assert.equal(t.gateway.sessions.get(t.gateway.desk.name, opened.sessionId)!.endReason, 'revoked');
    assert.equal(executor.received.filter((r) => r.command.cmdlet === 'Restart-Service').length, restartsBefore, 'the repair never reached a node');
  });

  it('lets two revokes racing each other both return only after the sessions ended', async () => {
    await grant();
    const { c, opened } = await openSession();
    executor.hanging.add('hci-n01');
    const hung = executor.nextHang();
    const pending = c.run('Get-ClusterNode');
    await hung;
    const [a, b] = await Promise.all([t.api.delete(`${FEATURE}/access`), t.api.delete(`${FEATURE}/access`)]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(t.gateway.sessions.get(t.gateway.desk.name, opened.sessionId)!.endReason, 'revoked');
    assert.equal(t.gateway.channel.sessions.length, 0);
    await pending;
  });

  it('answers an upgrade to any other path with 404 instead of leaving it hanging', async () => {
    const { request } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(new URL(`${FEATURE}/status`, t.gateway.url), {
        ca: t.gateway.caCert,
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 404);
  });

  it('refuses a session for another support case than the grant\'s', async () => {
    await grant();
    const c = await connect();
    await assert.rejects(c.open('999'), (e: ChannelError) => e.code === 'SupportCaseMismatch');
  });

  describe('token attacks on the upgrade', () => {
    const issuer = () => t.gateway.identityProvider!.issuer;
    const forged: [string, () => Promise<string>, string, number][] = [
      ['no token', async () => '', 'Unauthenticated', 401],
      ['a wrong audience', () => t.gateway.identityProvider!.buildToken((p) => { p['aud'] = 'api://other'; }), 'Unauthenticated', 401],
      ['a wrong issuer', () => t.gateway.identityProvider!.buildToken((p) => { p['iss'] = 'https://evil.example.com'; }), 'Unauthenticated', 401],
      ['an expired token', () => t.gateway.identityProvider!.buildToken(() => {}, -300), 'Unauthenticated', 401],
      ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${token.split('.')[1]}.`, 'Unauthenticated', 401],
      ['HS256 signed with the public key', async () => {
        const res = await fetch(`${issuer()}/jwks`).catch(() => null);
        void res;
        const jwks = JSON.parse(await (await import('node:fs/promises')).readFile(`${t.dataDir}/idp-signing-key.json`, 'utf8')) as Record<string, unknown>;
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwks;
        const pem = await exportSPKI((await importJWK(pub as never, 'RS256')) as never);
        return new SignJWT({ roles: ['RemoteSupport.Engineer'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer(issuer()).setAudience('api://remote-support-gateway').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(pem));
      }, 'Unauthenticated', 401],
      ['a tampered payload', async () => {
        const [h, p, s] = (await t.gateway.identityProvider!.buildToken((pl) => { pl['roles'] = ['Reader']; })).split('.');
        const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
        payload.roles = ['RemoteSupport.Engineer'];
        return `${h}.${b64(payload)}.${s}`;
      }, 'Unauthenticated', 401],
      ['a token without the engineer role', () => t.gateway.identityProvider!.buildToken((p) => { p['roles'] = ['RemoteSupport.Admin']; }), 'Forbidden', 403],
    ];
    for (const [name, make, code, status] of forged) {
      it(`refuses ${name} (${status}), logs why and opens nothing`, async () => {
        await grant();
        const count = sessionCount();
        const logged = logs.length;
        await assert.rejects(connect(await make()), (e: ChannelError) => e.code === code && e.status === status);
        assert.equal(sessionCount(), count);
        assert.ok(logs.slice(logged).some((l) => /engineer token|no bearer token/.test(l)), `a reason was logged: ${logs.slice(logged).join(' | ')}`);
      });
    }
  });

  it('returns from a revoke only once every engineer socket is closed', async () => {
    await grant();
    const sessions = await Promise.all([openSession(), openSession(), openSession()]);
    assert.equal(t.gateway.channel.connections, 3);
    const revoke = await t.api.delete(`${FEATURE}/access`);
    assert.equal(revoke.body.sessionsEnded, 3);
    assert.equal(t.gateway.channel.connections, 0, 'no engineer socket is still open when the revoke answers');
    for (const { c } of sessions) assert.equal((await c.closed()).code, 4001);
  });

  it('ends the sessions of a revoke together (five, the most one engineer may hold): each last entry and its end share one group commit, and every record still verifies', async () => {
    await grant();
    const sessions = await Promise.all(Array.from({ length: 5 }, () => openSession()));
    // Count the transactions that commit (the outermost ones) while the revoke runs.
    const db = t.gateway.db;
    const original = db.transaction.bind(db);
    let commits = 0;
    db.transaction = ((fn: (...a: unknown[]) => unknown) => {
      const tx = original(fn);
      return ((...args: unknown[]) => {
        if (!db.inTransaction) commits++;
        return tx(...args);
      }) as unknown as typeof tx;
    }) as typeof db.transaction;
    const before = t.gateway.writer.stats;
    let revoke;
    try {
      revoke = await t.api.delete(`${FEATURE}/access`);
    } finally {
      db.transaction = original;
    }
    assert.equal(revoke.body.sessionsEnded, 5);
    const after = t.gateway.writer.stats;
    assert.equal(after.entries - before.entries, 5, 'one "Session ended" entry each');
    // The revoke itself, and the five last entries with their ends in the writer's group commit(s).
    assert.ok(commits <= 3, `the revoke and the five ends took ${commits} commits`);
    for (const { opened } of sessions) {
      const record = t.gateway.sessions.get(t.gateway.desk.name, opened.sessionId)!;
      assert.equal(record.endReason, 'revoked');
      assert.equal(record.endedBy, 'local-admin');
      assert.match(t.gateway.sessions.allEntries(opened.sessionId).at(-1)!.text, /^Session ended: revoked by local-admin/);
      assert.equal(t.gateway.sessions.verify(opened.sessionId).valid, true);
    }
  });

  it('cuts live sessions and cancels the command in flight before the revoke call returns', async () => {
    await grant();
    const { c, opened } = await openSession();
    executor.hanging.add('hci-n01');
    const hung = executor.nextHang();
    const pending = c.run('Get-ClusterNode');
    await hung;
    const revoke = await t.api.delete(`${FEATURE}/access`);
    assert.equal(revoke.status, 200);
    assert.equal(revoke.body.sessionsEnded, 1);
    // By the time the revoke answered, the session is over on record.
    const session = t.gateway.sessions.get(t.gateway.desk.name, opened.sessionId)!;
    assert.equal(session.endReason, 'revoked');
    const entries = t.gateway.sessions.allEntries(opened.sessionId);
    assert.ok(entries.some((e) => e.kind === 'system' && /cancelled on hci-n01/.test(e.text)), 'the cancelled command is recorded');
    assert.match(entries.at(-1)!.text, /Session ended: revoked by local-admin/);
    const reply = await pending;
    assert.equal(reply.ended?.reason, 'revoked');
    assert.equal((await c.closed()).code, 4001);
    await assert.rejects(connect(), (e: ChannelError) => e.code === 'NoActiveGrant', 'a new connection is refused');
  });

  it('ends sessions when the grant expires, without anyone asking', async () => {
    const g = await grant({ expireInMinutes: 60 });
    const { c, opened } = await openSession();
    clock.set(Date.parse(g.expiresAt));
    assert.equal((await c.closed()).code, 4002);
    assert.equal(c.ended?.reason, 'expired');
    assert.equal(t.gateway.sessions.get(t.gateway.desk.name, opened.sessionId)!.endReason, 'expired');
  });

  it('ends an idle session after the idle timeout', async () => {
    await grant();
    const { c, opened } = await openSession();
    clock.advance(90 * MINUTE_MS - 1);
    assert.equal(c.ended, null);
    clock.advance(1);
    assert.equal((await c.closed()).code, 4004);
    assert.equal(t.gateway.sessions.get(t.gateway.desk.name, opened.sessionId)!.endReason, 'idle-timeout');
  });

  it('lets an admin end one session from the API', async () => {
    await grant();
    const { c, opened } = await openSession();
    const res = await t.api.post(`${FEATURE}/sessions/${opened.sessionId}/end`, {});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.session.endReason, 'ended-by-admin');
    assert.equal((await c.closed()).code, 4003);
    const again = await t.api.post(`${FEATURE}/sessions/${opened.sessionId}/end`, {});
    assert.equal(again.body.error.code, 'SessionNotLive');
  });

  it('applies a lower level from a new grant to the very next command', async () => {
    await grant({ accessLevel: 'DiagnosticsRepair', repairApproval: false });
    const { c, opened } = await openSession();
    const everywhere = await c.run('Restart-Service -Name ClusSvc');
    assert.equal(everywhere.denied?.reason, 'repair-needs-one-node', 'a repair never runs on every node at once');
    const first = await c.run('Restart-Service -Name ClusSvc', ['hci-n02']);
    assert.equal(first.denied, null);
    await grant({ accessLevel: 'Diagnostics' });
    const second = await c.run('Restart-Service -Name ClusSvc', ['hci-n02']);
    assert.equal(second.denied?.reason, 'level-too-low');
    assert.equal(second.accessLevel, 'Diagnostics');
    assert.ok(t.gateway.sessions.allEntries(opened.sessionId).some((e) => /DiagnosticsRepair -> Diagnostics/.test(e.text)));
    await c.close();
  });

  it('refuses a second command while one is running', async () => {
    await grant();
    const { c } = await openSession();
    executor.hanging.add('hci-n03');
    const hung = executor.nextHang();
    const first = c.run('Get-ClusterNode');
    await hung;
    const second = await c.run('Get-VM');
    assert.equal(second.error?.code, 'SessionBusy');
    await t.api.delete(`${FEATURE}/access`);
    await first;
  });

  it('records a refused line with its control characters made visible, so it cannot forge transcript lines', async () => {
    await grant();
    const { c, opened } = await openSession();
    const forged = 'Stop-Service WinRM\r\x1b[2K#3 2026-01-01T00:00:00.000Z command [hci-n01]\n    Get-VM\x1b[8m\u202e';
    const reply = await c.run(forged);
    assert.equal(reply.denied?.reason, 'newline');
    const denied = t.gateway.sessions.allEntries(opened.sessionId).find((e) => e.kind === 'denied')!;
    assert.equal(denied.text.split('\n').length, 2, 'the refused line stays on one line');
    // eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
    assert.ok(!/[\r\x1b\u202e]/.test(denied.text));
    assert.match(denied.text, /^Stop-Service WinRM\\u\{000D\}\\u\{001B\}\[2K#3/);
    const exported = await t.api.get(`${FEATURE}/sessions/${opened.sessionId}/export?format=text`);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
    assert.ok(!/[\r\x1b\u202e]/.test(exported.text));
    await c.close();
  });

  it('answers malformed messages with a coded error and keeps the session', async () => {
    await grant();
    const { c } = await openSession();
    c.sendRaw('not json');
    c.sendRaw(JSON.stringify({ type: 'run', id: 'x', line: 'Get-VM', extra: 1 }));
    const tooLong = await c.run(`Get-VM -Name ${'a'.repeat(5000)}`);
    assert.equal(tooLong.error?.code, 'InvalidChannelMessage', 'a refused frame is still answered by its id');
    const ok = await c.run('Get-Cluster');
    assert.equal(ok.denied, null);
    await c.close();
  });

  it('records the session in history and streams it live to the admin', async () => {
    await grant();
    const stream = await openEventStream(t.gateway.url, t.gateway.caCert, { authorization: `Bearer ${t.gateway.localCredential!.secret}` });
    const { c, opened } = await openSession();
    await c.run('Get-Cluster');
    await c.close();
    await stream.waitFor('session.ended');
    stream.close();
    const types = stream.events.filter((e) => e.event !== 'grant.created').map((e) => e.event);
    assert.deepEqual(types.slice(0, 4), ['session.started', 'transcript.entry', 'transcript.entry', 'transcript.entry']);
    assert.equal(types.at(-1), 'session.ended');
    const history = await t.api.get(`${FEATURE}/sessions`);
    const row = history.body.sessions.find((s: { id: string }) => s.id === opened.sessionId);
    assert.equal(row.endReason, 'closed');
    assert.equal(row.commandCount, 1);
    const verify = await t.api.get(`${FEATURE}/sessions/${opened.sessionId}/verify`);
    assert.equal(verify.body.verification.valid, true);
  });
});
