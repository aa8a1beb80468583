import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ChannelClient } from '../src/console/channel-client';
import { FakeClock } from '../src/test-support/fake-clock';
import { CHANNEL_LIMIT_DEFAULTS } from '../src/config/config';
import { FEATURE, installAgent, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { watch } from './fixtures/executor-harness';
import { ScriptedExecutor } from './helpers/scripted-executor';

const CASE = '2611250010004321';

/** A JWT's `exp` as epoch ms. */
function expiryOf(jwt: string): number {
  return (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
}

/** Why the gateway ended the client's session, or null while it is live. */
function endReason(c: ChannelClient): string | null {
  return c.ended?.reason ?? null;
}

describe('a session ends when its engineer token expires (gateway clock)', () => {
  let t: TestGateway;
  let clock: FakeClock;
  let executor: ScriptedExecutor;
  const clients: ChannelClient[] = [];

  before(async () => {
    clock = new FakeClock(Date.now());
    executor = new ScriptedExecutor(clock);
    // Grant, idle and command limits far beyond the tokens' lives, so only the token can end these sessions.
    t = await startTestGateway({ clock, executor, config: { channel: { ...CHANNEL_LIMIT_DEFAULTS, idleTimeoutMinutes: 600, commandTimeoutSeconds: 3600 } } });
    await installAgent(t);
  });
  beforeEach(async () => {
    executor.hanging.clear();
    await t.api.delete(`${FEATURE}/access`);
    const g = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, expireInMinutes: 20160, supportCaseNumber: CASE });
    assert.equal(g.status, 201, g.text);
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await t.stop();
  });

  async function openWithToken(lifetimeSeconds: number) {
    // Issued on the gateway's clock (which these tests move ahead of the real one).
    const issuedAt = Math.floor(clock.now() / 1000);
    const jwt = await t.gateway.identityProvider!.buildToken((p) => {
      p['iat'] = issuedAt;
      p['exp'] = issuedAt + lifetimeSeconds;
    });
    const c = await ChannelClient.connect(t.gateway.channelUrl, jwt, { ca: t.gateway.caCert });
    clients.push(c);
    const opened = await c.open(CASE);
    return { c, opened, exp: expiryOf(jwt) };
  }

  it('runs commands until the clock reaches exp, then ends the session as token-expired, recorded', async () => {
    const { c, opened, exp } = await openWithToken(600);
    clock.set(exp - 1);
    const reply = await c.run('Get-ClusterNode');
    assert.equal(reply.denied, null, 'one millisecond before exp the token still works');
    assert.ok(reply.outputs.length > 0 && reply.outputs.every((o) => o.ok));
    assert.equal(endReason(c), null, 'not ended before exp');

    clock.set(exp);
    assert.equal((await c.closed()).code, 4005);
    assert.equal(endReason(c), 'token-expired');
    const record = t.gateway.sessions.get(t.gateway.desk.name, opened.sessionId)!;
    assert.equal(record.endReason, 'token-expired');
    const entries = t.gateway.sessions.allEntries(opened.sessionId);
    assert.match(entries.at(-1)!.text, /^Session ended: token-expired\. Your sign-in expired/);
    assert.equal(t.gateway.sessions.verify(opened.sessionId).valid, true, 'the keyed chain and its seal verify');
    const api = await t.api.get(`${FEATURE}/sessions/${opened.sessionId}`);
    assert.equal(api.body.session.endReason, 'token-expired');
  });

  it('cancels a command in flight when the token expires, and records it cancelled', async () => {
    executor.hanging.add('hci-n01');
    const { c, opened, exp } = await openWithToken(300);
    const hung = executor.nextHang();
    const pending = watch(c.run('Get-ClusterNode', ['hci-n01']));
    await hung;
    clock.set(exp);
    assert.equal((await c.closed()).code, 4005);
    const texts = t.gateway.sessions.allEntries(opened.sessionId).map((e) => e.text);
    assert.ok(texts.some((x) => /cancelled on hci-n01: the session is ending/.test(x)), texts.join(' | '));
    assert.match(texts.at(-1)!, /Session ended: token-expired/);
    await pending.outcome;
  });

  it('leaves other sessions, with later tokens, running', async () => {
    const short = await openWithToken(120);
    const long = await openWithToken(3600);
    clock.set(short.exp);
    assert.equal((await short.c.closed()).code, 4005);
    assert.equal(endReason(long.c), null, 'the later token still holds');
    const reply = await long.c.run('Get-ClusterNode', ['hci-n02']);
    assert.equal(reply.denied, null);
    await long.c.close();
  });
});
