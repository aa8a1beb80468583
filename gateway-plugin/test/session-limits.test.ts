import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ChannelClient, ChannelError } from '../src/console/channel-client';
import { FEATURE, installAgent, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { until } from './helpers/until';

const CASE = '2611250010005555';
const MB = 1024 * 1024;

describe('limits per engineer, per grant, per session and of the data disk', () => {
  let t: TestGateway;
  let freeBytes = 100_000 * MB;
  const logs: string[] = [];
  const clients: ChannelClient[] = [];

  before(async () => {
    t = await startTestGateway({
      log: (l) => logs.push(l),
      freeSpace: () => freeBytes,
      config: {
        channel: {
          idleTimeoutMinutes: 20,
          commandTimeoutSeconds: 30,
          maxSessionsPerEngineer: 2,
          maxSessionsPerGrant: 3,
          maxRefusedLinesPerSession: 3,
          diskWarnFreeMegabytes: 1000,
          diskMinFreeMegabytes: 100,
        },
      },
    });
    await installAgent(t);
  });
  beforeEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await until(() => t.gateway.channel.sessions.length === 0);
    freeBytes = 100_000 * MB;
    await t.api.delete(`${FEATURE}/access`);
    const g = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: CASE });
    assert.equal(g.status, 201, g.text);
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await t.stop();
  });

  async function connect(engineer: string): Promise<ChannelClient> {
    const jwt = await t.gateway.identityProvider!.buildToken((p) => {
      p['preferred_username'] = engineer;
    });
    const c = await ChannelClient.connect(t.gateway.channelUrl, jwt, { ca: t.gateway.caCert });
    clients.push(c);
    return c;
  }
  const refusal = (code: string) => (e: unknown) => e instanceof ChannelError && e.code === code;

  it('refuses an engineer a session beyond the per-engineer cap, and allows one again after a close', async () => {
    const first = await connect('alice@support.contoso.com');
    await first.open(CASE);
    await (await connect('alice@support.contoso.com')).open(CASE);
    const third = await connect('alice@support.contoso.com');
    await assert.rejects(third.open(CASE), (e: unknown) => refusal('SessionLimitReached')(e) && /alice@support\.contoso\.com already has 2 live sessions/.test((e as Error).message));
    assert.equal(t.gateway.channel.sessions.length, 2, 'the refused open left no session');
    await first.close();
    await until(() => t.gateway.channel.sessions.length === 1);
    await third.open(CASE);
  });

  it('refuses a session beyond the per-grant cap, whoever asks', async () => {
    for (const who of ['a', 'b', 'c']) await (await connect(`${who}@support.contoso.com`)).open(CASE);
    await assert.rejects((await connect('d@support.contoso.com')).open(CASE), (e: unknown) => refusal('SessionLimitReached')(e) && /grant already carries 3 live sessions/.test((e as Error).message));
  });

  it('records refused lines up to the per-session limit, then one summary, and the chain still verifies', async () => {
    const c = await connect('bob@support.contoso.com');
    const opened = await c.open(CASE);
    for (let i = 0; i < 7; i++) {
      const reply = await c.run(`Stop-Service -Name svc${i}`);
      assert.equal(reply.denied?.reason, 'level-too-low', 'every refused line is still refused to the engineer');
    }
    await c.close();
    await until(() => t.gateway.sessions.get(t.gateway.desk.name, opened.sessionId)!.endReason !== null);
    const entries = t.gateway.sessions.allEntries(opened.sessionId);
    const denied = entries.filter((e) => e.kind === 'denied');
    assert.deepEqual(denied.map((e) => e.text.split('\n')[0]), ['Stop-Service -Name svc0', 'Stop-Service -Name svc1', 'Stop-Service -Name svc2']);
    const system = entries.filter((e) => e.kind === 'system').map((e) => e.text);
    assert.ok(system.some((x) => /^Refused-line limit reached: 3 refused lines/.test(x)), system.join(' | '));
    assert.ok(system.includes('4 more refused lines not recorded in full (limit 3 per session)'), system.join(' | '));
    assert.match(entries.at(-1)!.text, /^Session ended: closed/);
    assert.equal(t.gateway.sessions.verify(opened.sessionId).valid, true, 'the keyed chain and its seal verify');
  });

  it('warns once when the data disk runs low and refuses new sessions below the floor, keeping running ones', async () => {
    const running = await connect('carol@support.contoso.com');
    const opened = await running.open(CASE);

    assert.equal((await t.api.get(`${FEATURE}/status`)).body.dataDisk.state, 'ok');
    freeBytes = 500 * MB;
    const low = await connect('dave@support.contoso.com');
    await low.open(CASE);
    const status = (await t.api.get(`${FEATURE}/status`)).body;
    assert.deepEqual(status.dataDisk, { state: 'low', freeBytes: 500 * MB }, 'status shows the warning');
    assert.equal(logs.filter((l) => /data disk low: 500 MB free/.test(l)).length, 1, 'logged once');
    await low.close();

    freeBytes = 50 * MB;
    await assert.rejects((await connect('erin@support.contoso.com')).open(CASE), refusal('DiskSpaceLow'));
    assert.ok(logs.some((l) => /data disk full: 50 MB free/.test(l)));
    assert.equal((await t.api.get(`${FEATURE}/status`)).body.dataDisk.state, 'full');
    const before = t.gateway.sessions.allEntries(opened.sessionId).length;
    const reply = await running.run('Get-ClusterNode');
    assert.equal(reply.denied, null);
    assert.ok(reply.outputs.length > 0 && reply.outputs.every((o) => o.ok), 'the running session goes on');
    assert.equal(t.gateway.sessions.allEntries(opened.sessionId).length, before + 1 + reply.outputs.length, 'its command and outputs are recorded');

    freeBytes = 100_000 * MB;
    await (await connect('erin@support.contoso.com')).open(CASE);
    assert.ok(logs.some((l) => /data disk: .* free again/.test(l)));
  });
});
