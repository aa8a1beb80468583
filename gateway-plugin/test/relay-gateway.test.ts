import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { ChannelClient } from '../src/console/channel-client';
import { resolveChannelTarget } from '../src/console/console-target';
import { loadFixture } from '../src/simulator/fixture';
import { loadOrCreateTls } from '../src/tls/certificates';
import { MINUTE_MS } from '../src/domain/clock';
import { LocalRelay } from '../src/local-relay/local-relay';
import { createSasToken, sasResourceOf } from '../src/relay/sas';
import { FakeClock } from '../src/test-support/fake-clock';
import { CLUSTER, FEATURE, installAgent, Loose, startTestGateway, tempDir, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { ConnectProxy } from './helpers/connect-proxy';
import { consoleRun } from './helpers/console-run';
import { until } from './helpers/until';

const CASE = '2611250010001234';
const FAST = { listener: { backoff: { initialMs: 50, maxMs: 400 }, pingIntervalMs: 1000 } };

const relayOf = (t: TestGateway) => t.gateway.relay!;
const relayState = async (t: TestGateway): Promise<Loose> => (await t.api.get(`${FEATURE}/status`)).body.relay;
const waitForState = (t: TestGateway, state: string) => until(() => relayOf(t).manager.status.state === state);
const grant = async (t: TestGateway, extra: Record<string, unknown> = {}) => {
  const res = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: CASE, ...extra });
  assert.equal(res.status, 201, res.text);
  return res.body;
};

describe('the relay listener follows the grant (local relay)', () => {
  let t: TestGateway;
  let clock: FakeClock;
  before(async () => {
    clock = new FakeClock(Date.now());
    t = await startTestGateway({ clock, config: { relay: { mode: 'local' } }, relayTuning: FAST });
    await installAgent(t);
  });
  beforeEach(async () => {
    await t.api.delete(`${FEATURE}/access`);
    await waitForState(t, 'closed');
  });
  after(async () => {
    await t.stop();
  });

  it('is closed without a grant, listens once access is granted, and closes on revoke', async () => {
    const local = relayOf(t).local!;
    const before = await relayState(t);
    assert.equal(before.state, 'closed');
    assert.equal(before.address, local.pointer.address);
    assert.equal(local.relay.listenerCount(CLUSTER), 0);

    await grant(t);
    await waitForState(t, 'connected');
    assert.equal(local.relay.listenerCount(CLUSTER), 1);
    const connected = await relayState(t);
    assert.equal(connected.state, 'connected');
    assert.equal(connected.error, null);
    assert.match(connected.connectedAt, /^\d{4}-\d\d-\d\dT/);
    assert.doesNotMatch(JSON.stringify(connected), /SharedAccessSignature|sig=/, 'no token in the status');

    // A new grant (raising the level) on a registered cluster keeps the same listener.
    const listensBefore = local.relay.stats.listens;
    await grant(t, { accessLevel: 'DiagnosticsRepair' });
    assert.equal(local.relay.stats.listens, listensBefore);

    await t.api.delete(`${FEATURE}/access`);
    await waitForState(t, 'closed');
    await until(() => local.relay.listenerCount(CLUSTER) === 0);
  });

  it('publishes each change of the relay state on the event stream', async () => {
    const seen: Loose[] = [];
    const sub = t.gateway.events.subscribe((e) => {
      if (e.type === 'relay.state') seen.push(e.data);
    });
    try {
      await grant(t);
      await until(() => seen.some((s) => s.state === 'connected'));
      await t.api.delete(`${FEATURE}/access`);
      await until(() => seen.at(-1)?.state === 'closed');
    } finally {
      sub.dispose();
    }
  });

  it('carries a support console session through the relay: commands run, the transcript records them, revoke cuts it', async () => {
    await grant(t);
    await waitForState(t, 'connected');
    const accepted = relayOf(t).local!.relay.stats.accepted;
    const run = await consoleRun(t.dataDir, ['--case', CASE, '--command', 'Get-ClusterNode', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as Loose;
    assert.equal(doc.results[0].outputs.length, 4);
    assert.equal(relayOf(t).local!.relay.stats.accepted, accepted + 1, 'the connection went through the relay');
    const sessions = (await t.api.get(`${FEATURE}/sessions`)).body.sessions as Loose[];
    const session = sessions.find((s) => s.id === doc.session.id);
    assert.equal(session.endReason, 'closed');
    assert.equal(session.commandCount, 1);
    const verify = await t.api.get(`${FEATURE}/sessions/${doc.session.id}/verify`);
    assert.equal(verify.body.verification.valid, true, verify.text);
  });

  it('passes the gateway refusal back through the relay with its code', async () => {
    await grant(t);
    await waitForState(t, 'connected');
    const run = await consoleRun(t.dataDir, ['--case', CASE, '--command', 'Get-ClusterNode', '--json', '--token', 'not-a-jwt']);
    assert.equal(run.code, 1);
    const body = JSON.parse(run.stdout) as Loose;
    assert.equal(body.error.code, 'Unauthenticated', run.stdout);
    assert.ok(relayOf(t).local!.relay.stats.rejected.some((r) => r.status === 401), 'the listener rejected through the rendezvous');
  });

  it('tells the engineer that nobody listens when no access is granted', async () => {
    const run = await consoleRun(t.dataDir, ['--case', CASE, '--command', 'Get-ClusterNode']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /RelayRefused/);
    assert.match(run.stderr, /listens only while access is granted/);
  });

  it('connects directly with --direct, past the relay', async () => {
    await grant(t);
    const accepted = relayOf(t).local!.relay.stats.accepted;
    const run = await consoleRun(t.dataDir, ['--case', CASE, '--command', 'Get-ClusterNode', '--json', '--direct']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(relayOf(t).local!.relay.stats.accepted, accepted);
  });

  it('keeps a session when the relay drops the control channel, listens again, and records a cut connection as relay-disconnected', async () => {
    await grant(t);
    await waitForState(t, 'connected');
    const local = relayOf(t).local!;
    const token = await t.gateway.identityProvider!.buildToken();
    const target = resolveChannelTarget({ gateway: undefined, dataDir: t.dataDir, caFile: undefined }, {});
    const client = await ChannelClient.connect(target.url, token, { ca: target.ca!, headers: target.headers, relayed: true });
    const opened = await client.open(CASE);

    const listens = local.relay.stats.listens;
    const changes: string[] = [];
    const sub = t.gateway.events.subscribe((e) => {
      if (e.type === 'relay.state') changes.push((e.data as Loose).state);
    });
    local.relay.dropListeners(CLUSTER, 1011, 'service fault');
    await until(() => local.relay.stats.listens > listens && local.relay.listenerCount(CLUSTER) === 1);
    await waitForState(t, 'connected');
    sub.dispose();
    assert.deepEqual(changes.slice(0, 1), ['reconnecting'], 'the drop was noticed and reported');
    // The relayed connection outlives its control channel.
    const reply = await client.run('Get-ClusterNode');
    assert.equal(reply.outputs.length, 4);

    local.relay.dropConnections(CLUSTER);
    await client.closed();
    await until(() => t.gateway.sessions.get(CLUSTER, opened.sessionId)?.endedAt != null);
    const record = t.gateway.sessions.get(CLUSTER, opened.sessionId)!;
    assert.equal(record.endReason, 'relay-disconnected');
    const detail = (await t.api.get(`${FEATURE}/sessions/${opened.sessionId}?includeTranscript=true`)).body;
    const entries = detail.transcript.entries as Loose[];
    assert.ok(entries.some((e) => e.kind === 'command' && /Get-ClusterNode/.test(e.text)), `the command is in the transcript: ${JSON.stringify(entries.map((e) => [e.kind, e.text]))}`);
    assert.match(entries.at(-1).text, /relay-disconnected/);
    assert.equal((await t.api.get(`${FEATURE}/sessions/${opened.sessionId}/verify`)).body.verification.valid, true);
  });
  // Last: it moves the gateway's clock an hour past the engineers' tokens.
  it('closes when the grant expires', async () => {
    await grant(t, { expireInMinutes: 60 });
    await waitForState(t, 'connected');
    clock.advance(61 * MINUTE_MS);
    await waitForState(t, 'closed');
    await until(() => relayOf(t).local!.relay.listenerCount(CLUSTER) === 0);
  });
});

describe('relay faults', () => {
  it('starts and serves admins while the relay is down, retries with backoff, and listens once it is up', async () => {
    const dir = tempDir();
    // Find a free port, then leave it closed: the relay is down at start.
    const probe = await LocalRelay.start({ tls: await testTls(dir.path), hybridConnections: [] });
    const port = probe.port;
    await probe.stop();
    const listen = { keyName: 'listen', key: 'k'.repeat(44) };
    const keyFile = `${dir.path}/listen.key`;
    writeFileSync(keyFile, listen.key);
    const address = `wss://127.0.0.1:${port}/$hc/${CLUSTER}`;
    const tls = await testTls(dir.path);
    const logged: string[] = [];
    const t = await startTestGateway({
      dataDir: dir.path,
      config: { relay: { mode: 'azure', address, keyName: listen.keyName, keyFile, caFile: `${dir.path}/tls/gateway.crt` } },
      relayTuning: FAST,
      log: (line) => logged.push(line),
    });
    try {
      await installAgent(t);
      await grant(t);
      await until(() => relayOf(t).manager.status.attempts >= 2);
      const down = await relayState(t);
      assert.equal(down.state, 'reconnecting');
      assert.match(down.error, /cannot reach the relay|ECONNREFUSED/);
      assert.match(down.nextRetryAt, /^\d{4}-/);
      // Admins are served meanwhile, and each failed attempt is in the log, with no token in it.
      assert.equal((await t.api.get(`${FEATURE}/status`)).status, 200);
      assert.ok(logged.filter((l) => /relay: cannot reach the relay .*trying again in/.test(l)).length >= 2, logged.join('\n'));
      assert.ok(logged.every((l) => !/SharedAccessSignature|sig=/.test(l)), 'no token in the log');

      const relay = await LocalRelay.start({ tls, port, hybridConnections: [{ path: CLUSTER, rules: [{ ...listen, rights: ['Listen'] }] }] });
      try {
        await waitForState(t, 'connected');
        assert.equal(relay.listenerCount(CLUSTER), 1);
      } finally {
        await relay.stop();
      }
    } finally {
      await t.stop();
      dir.remove();
    }
  });

  it('renews a minted token before it expires, so the control channel outlives it', async () => {
    const t = await startTestGateway({ config: { relay: { mode: 'local' } }, relayTuning: { ...FAST, tokenLifetimeMs: 2500, listener: { ...FAST.listener, renewBeforeMs: 1500 } } });
    try {
      await installAgent(t);
      await grant(t);
      await waitForState(t, 'connected');
      const local = relayOf(t).local!;
      await until(() => local.relay.stats.renewals >= 2);
      assert.equal(local.relay.stats.listens, 1, 'the first control channel is still the one open');
      assert.equal(relayOf(t).manager.status.state, 'connected');
    } finally {
      await t.stop();
    }
  });

  it("an unregistered cluster listens with the grant's SAS; a refused SAS and an expired one leave it retrying with the error", async () => {
    const dir = tempDir();
    const fixture = `${dir.path}/unregistered.json`;
    const { proxyEndpoints: _defaults, ...cluster } = loadFixture();
    writeFileSync(fixture, JSON.stringify({ ...cluster, registered: false }));
    const t = await startTestGateway({ config: { relay: { mode: 'local' }, cluster: { stepDelayMs: 0, fixture } }, relayTuning: FAST });
    try {
      await installAgent(t);
      const local = relayOf(t).local!;
      const resource = sasResourceOf(local.pointer.address);

      // Signed with the relay's Listen key: it listens.
      await grant(t, { sasCredential: createSasToken(resource, local.listen.keyName, local.listen.key, Date.now() + 60 * MINUTE_MS) });
      await waitForState(t, 'connected');

      // Signed with a key the relay does not know: refused, retried, nothing else changes.
      await grant(t, { sasCredential: createSasToken(resource, local.listen.keyName, 'wrong'.repeat(9), Date.now() + 60 * MINUTE_MS) });
      await until(() => relayOf(t).manager.status.attempts >= 2);
      const refused = await relayState(t);
      assert.equal(refused.state, 'reconnecting');
      assert.match(refused.error, /HTTP 401/);
      assert.equal((await t.api.get(`${FEATURE}/status`)).body.activeGrant.sasCredentialProvided, true);

      // A SAS that expires while listening: the relay closes the control channel (1008), and the listener says why.
      await grant(t, { sasCredential: createSasToken(resource, local.listen.keyName, local.listen.key, Date.now() + 1500) });
      await waitForState(t, 'connected');
      await until(() => /expired/.test(relayOf(t).manager.status.error ?? ''));
      assert.equal(relayOf(t).manager.status.state, 'reconnecting');
    } finally {
      await t.stop();
      dir.remove();
    }
  });
});

describe('the relay through an outbound proxy', () => {
  it('listens through relay.proxy, and the prerequisites check reaches the relay endpoint through it (and fails, saying so, when the proxy is down)', async () => {
    const dir = tempDir();
    const tls = await testTls(dir.path);
    const listen = { keyName: 'listen', key: 'p'.repeat(44) };
    const keyFile = `${dir.path}/listen.key`;
    writeFileSync(keyFile, listen.key);
    const relay = await LocalRelay.start({ tls, hybridConnections: [{ path: CLUSTER, rules: [{ ...listen, rights: ['Listen'] }] }] });
    const proxy = await ConnectProxy.start();
    const t = await startTestGateway({
      dataDir: dir.path,
      config: { relay: { mode: 'azure', address: relay.addressOf(CLUSTER), keyName: listen.keyName, keyFile, caFile: `${dir.path}/tls/gateway.crt`, proxy: proxy.url } },
      relayTuning: FAST,
    });
    try {
      await installAgent(t);
      const ready = (await t.api.get(`${FEATURE}/prerequisites`)).body;
      const check = ready.checks.find((c: Loose) => c.id === 'relay');
      assert.equal(check.status, 'passed', JSON.stringify(check));
      assert.match(check.detail, /through the proxy/);
      assert.ok(proxy.targets.includes(`127.0.0.1:${relay.port}`), `the proxy saw ${proxy.targets.join(', ')}`);

      const tunnels = proxy.targets.length;
      await grant(t);
      await waitForState(t, 'connected');
      assert.ok(proxy.targets.length > tunnels, 'the listener went through the proxy');
      assert.equal(relay.listenerCount(CLUSTER), 1);

      await proxy.stop();
      const down = (await t.api.get(`${FEATURE}/prerequisites`)).body;
      const failed = down.checks.find((c: Loose) => c.id === 'relay');
      assert.equal(failed.status, 'failed');
      assert.equal(down.ready, false);
      assert.match(failed.detail, /could not be reached through the proxy/);
      assert.match(failed.remedy, /relay\.proxy/);
    } finally {
      await t.stop();
      await relay.stop();
      await proxy.stop().catch(() => {});
      dir.remove();
    }
  });
});

/** TLS material for a relay in a test: the same self-signed certificate the gateway makes. */
async function testTls(dataDir: string): Promise<{ cert: string; key: string }> {
  const tls = await loadOrCreateTls(dataDir);
  return { cert: tls.cert, key: tls.key };
}
