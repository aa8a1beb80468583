import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { relayLine } from '../src/cli/cluster-commands';
import { ConfigError, loadConfig } from '../src/config/config';
import { HybridConnectionListener, RelayStatus } from '../src/relay/hybrid-connection-listener';
import { createSasToken, parseSasToken, sasResourceOf } from '../src/relay/sas';
import { relayConnectUrl, senderToken } from '../src/relay/sender';
import { loadOrCreateTls } from '../src/tls/certificates';
import { consoleRun } from './helpers/console-run';
import { tempDir } from './helpers/gateway-fixture';
import { until } from './helpers/until';

const ADDRESS = 'wss://contoso-support.servicebus.windows.net/$hc/hci-cl01';

/**
 * A scripted Hybrid Connections service on loopback: it takes the listener's
 * control channel and sends whatever a test tells it to, so the listener's
 * handling of the service's messages can be driven message by message.
 */
async function scriptedService(dir: string) {
  const tls = await loadOrCreateTls(dir);
  const server = createServer({ cert: tls.cert, key: tls.key });
  const wss = new WebSocketServer({ server });
  const controls: WebSocket[] = [];
  const received: string[] = [];
  const upgrades: string[] = [];
  wss.on('connection', (ws, req) => {
    upgrades.push(req.url ?? '');
    if (/sb-hc-action=listen/.test(req.url ?? '')) {
      controls.push(ws);
      ws.on('message', (d) => received.push(d.toString()));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    ca: tls.cert,
    address: `wss://127.0.0.1:${port}/$hc/hci-cl01`,
    port,
    controls,
    received,
    upgrades,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.close(() => resolve());
    }),
  };
}

describe('the Hybrid Connections listener against a scripted service', () => {
  const dir = tempDir();
  let service: Awaited<ReturnType<typeof scriptedService>>;
  before(async () => {
    service = await scriptedService(dir.path);
  });
  after(async () => {
    await service.close();
    dir.remove();
  });

  const listener = (extra: Partial<ConstructorParameters<typeof HybridConnectionListener>[0]> = {}) => {
    const logs: string[] = [];
    const l = new HybridConnectionListener({
      address: service.address,
      token: () => ({ token: 'SharedAccessSignature sr=x&sig=y&se=9999999999&skn=k', expiresAt: Date.now() + 3_600_000 }),
      renewable: false,
      ca: service.ca,
      onAccept: () => {},
      log: (line) => logs.push(line),
      ...extra,
    });
    return { l, logs };
  };

  it('ignores an accept whose rendezvous is on another host, so a forged accept cannot send the gateway elsewhere', async () => {
    let accepts = 0;
    const { l, logs } = listener({ onAccept: () => accepts++ });
    const controls = service.controls.length;
    l.start();
    await until(() => l.status.state === 'connected' && service.controls.length > controls);
    const control = service.controls.at(-1)!;
    for (const address of ['wss://evil.example.net/$hc/x?sb-hc-action=accept', 'ws://127.0.0.1:1/$hc/x?sb-hc-action=accept', 'not a url']) {
      control.send(JSON.stringify({ accept: { address, id: 'a1', connectHeaders: {} } }));
    }
    await until(() => logs.filter((x) => /ignored/.test(x)).length === 3);
    assert.equal(accepts, 0);
    await l.close();
  });

  it('answers an HTTP request message with 501 at once, and the service never waits on it', async () => {
    const { l } = listener();
    const controls = service.controls.length;
    l.start();
    await until(() => l.status.state === 'connected' && service.controls.length > controls);
    const received = service.received.length;
    service.controls.at(-1)!.send(JSON.stringify({ request: { id: 'r1', address: 'wss://127.0.0.1/x', method: 'GET', requestTarget: '/', requestHeaders: {}, body: false } }));
    await until(() => service.received.length > received);
    const response = JSON.parse(service.received.at(-1)!) as { response: { requestId: string; statusCode: number } };
    assert.equal(response.response.requestId, 'r1');
    assert.equal(response.response.statusCode, 501);
    await l.close();
  });

  it('rejects through the rendezvous with 500 when the application throws on an accept', async () => {
    const { l } = listener({
      onAccept: () => {
        throw new Error('boom');
      },
    });
    const controls = service.controls.length;
    l.start();
    await until(() => l.status.state === 'connected' && service.controls.length > controls);
    const upgrades = service.upgrades.length;
    service.controls.at(-1)!.send(JSON.stringify({ accept: { address: `wss://127.0.0.1:${service.port}/$hc/hci-cl01?sb-hc-action=accept&sb-hc-id=z`, id: 'z', connectHeaders: {} } }));
    await until(() => service.upgrades.length > upgrades);
    assert.match(service.upgrades.at(-1)!, /sb-hc-action=accept&sb-hc-id=z&sb-hc-statusCode=500&sb-hc-statusDescription=The%20listener%20failed/);
    await l.close();
  });

  it('reconnects with growing, jittered delays within [d/2, d], capped, and reports each failure', async () => {
    const delays: number[] = [];
    const draws = [0, 1, 0.5, 1, 1];
    let i = 0;
    const clock = 1_000_000;
    const l = new HybridConnectionListener({
      address: 'wss://127.0.0.1:1/$hc/hci-cl01',
      token: () => ({ token: 'SharedAccessSignature sr=x&sig=y&se=9999999999&skn=k', expiresAt: Date.now() + 3_600_000 }),
      renewable: false,
      onAccept: () => {},
      onStatus: (s: RelayStatus) => {
        if (s.state === 'reconnecting' && s.nextRetryAt !== null) delays.push(s.nextRetryAt - clock);
        assert.ok(s.error === null || /cannot reach the relay/.test(s.error), String(s.error));
      },
      backoff: { initialMs: 20, maxMs: 80 },
      now: () => clock,
      random: () => draws[i++]!,
    });
    l.start();
    await until(() => l.status.attempts >= 5);
    await l.close();
    // Ceilings 20, 40, 80 (capped), 80, 80; each delay is d/2 + r*d/2 for the draws 0, 1, 0.5, 1, 1.
    assert.deepEqual(delays.slice(0, 5), [10, 40, 60, 80, 80]);
    assert.equal(l.status.state, 'closed');
  });

  it('drops a control channel that stops answering pings, and connects again', async () => {
    const tls = await loadOrCreateTls(dir.path);
    const server = createServer({ cert: tls.cert, key: tls.key });
    // A service whose control channels go silent: no pongs.
    const wss = new WebSocketServer({ server, autoPong: false });
    let listens = 0;
    wss.on('connection', () => listens++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const logs: string[] = [];
    const l = new HybridConnectionListener({
      address: `wss://127.0.0.1:${(server.address() as AddressInfo).port}/$hc/hci-cl01`,
      token: () => ({ token: 'SharedAccessSignature sr=x&sig=y&se=9999999999&skn=k', expiresAt: Date.now() + 3_600_000 }),
      renewable: false,
      ca: tls.cert,
      onAccept: () => {},
      log: (line) => logs.push(line),
      pingIntervalMs: 50,
      backoff: { initialMs: 10, maxMs: 20 },
    });
    try {
      l.start();
      await until(() => listens >= 2);
      assert.ok(logs.some((x) => /stopped answering pings/.test(x)), logs.join('\n'));
    } finally {
      await l.close();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses an address that is not a Hybrid Connection', () => {
    assert.throws(() => new HybridConnectionListener({ address: 'wss://relay.example.net/hci', token: () => ({ token: '', expiresAt: 0 }), renewable: false, onAccept: () => {} }), /wss:\/\/NAMESPACE\/\$hc\/NAME/);
  });
});

describe('the sender side and SAS handling', () => {
  it('builds the connect URL and checks a given Send token against the Hybrid Connection', () => {
    assert.equal(relayConnectUrl(ADDRESS, 'abc'), 'wss://contoso-support.servicebus.windows.net/$hc/hci-cl01?sb-hc-action=connect&sb-hc-id=abc');
    const now = Date.now();
    const good = createSasToken(sasResourceOf(ADDRESS), 'send', 'key', now + 60_000);
    assert.equal(senderToken(ADDRESS, { sas: good }, now), good);
    const namespaceWide = createSasToken('http://contoso-support.servicebus.windows.net/', 'send', 'key', now + 60_000);
    assert.equal(senderToken(ADDRESS, { sas: namespaceWide }, now), namespaceWide);
    assert.throws(() => senderToken(ADDRESS, { sas: createSasToken('http://other.servicebus.windows.net/hci-cl01', 'send', 'key', now + 60_000) }, now), /is for http:\/\/other/);
    assert.throws(() => senderToken(ADDRESS, { sas: createSasToken(sasResourceOf(ADDRESS), 'send', 'key', now - 1000) }, now), /expired at/);
    assert.throws(() => senderToken(ADDRESS, { sas: 'Bearer abc' }, now), /not a Shared Access Signature/);
    const minted = parseSasToken(senderToken(ADDRESS, { keyName: 'send', key: 'k' }, now))!;
    assert.equal(minted.resource, 'http://contoso-support.servicebus.windows.net/hci-cl01');
    assert.equal(minted.keyName, 'send');
    assert.ok(minted.expiresAt > now + 59 * 60_000 && minted.expiresAt <= now + 60 * 60_000);
  });

  it('shows the relay in one line for the CLI status', () => {
    const base = { address: ADDRESS, since: '2026-12-03T10:00:00.000Z', error: null, attempts: 0, nextRetryAt: null, connectedAt: null };
    assert.equal(relayLine(null), 'off (engineers connect to the gateway directly)');
    assert.equal(relayLine({ ...base, state: 'connected', connectedAt: '2026-12-03T10:00:01.000Z' }), `listening on ${ADDRESS} since 2026-12-03T10:00:01.000Z`);
    assert.equal(relayLine({ ...base, state: 'closed' }), `not listening on ${ADDRESS}: no access is granted`);
    assert.match(relayLine({ ...base, state: 'reconnecting', error: 'HTTP 401', attempts: 3, nextRetryAt: '2026-12-03T10:00:09.000Z' }), /reconnecting .*: HTTP 401 \(3 failed attempt\(s\); next at 2026-12-03T10:00:09.000Z\)/);
  });
});

describe('relay configuration', () => {
  const dir = tempDir();
  const file = join(dir.path, 'c.json');
  const load = (relay: unknown, mode = 'test') => {
    writeFileSync(file, JSON.stringify({ mode, relay }));
    return loadConfig(['--config', file], {});
  };
  after(() => dir.remove());

  it('defaults to the local relay in the embedded default, azure when an address is set, else off', () => {
    assert.equal(loadConfig([], { HOME: '/home/ann' }).relay.mode, 'local');
    assert.equal(loadConfig(['--mode', 'test'], { HOME: '/home/ann' }).relay.mode, 'off');
    assert.equal(load({ address: ADDRESS }).relay.mode, 'azure');
    assert.equal(loadConfig(['--relay', 'off'], { HOME: '/home/ann' }).relay.mode, 'off');
  });

  const refusals: [string, unknown, RegExp][] = [
    ['an unknown mode', { mode: 'cloud' }, /^relay\.mode must be one of local, azure, off \(got "cloud"\)$/],
    ['an address that is not a Hybrid Connection', { address: 'https://contoso.servicebus.windows.net/hci' }, /^relay\.address must be the Hybrid Connection, wss:\/\/NAMESPACE\.servicebus\.windows\.net\/\$hc\/NAME/],
    ['a key name without its file', { address: ADDRESS, keyName: 'listen' }, /relay\.keyName and relay\.keyFile go together/],
    ['a proxy that is not http', { address: ADDRESS, proxy: 'socks5://proxy:1080' }, /^relay\.proxy must be an HTTP proxy, http:\/\/HOST:PORT/],
    ['azure settings with the local relay', { mode: 'local', address: ADDRESS }, /relay\.address is for relay\.mode "azure" \(relay\.mode is local\)/],
    ['a local port in azure mode', { address: ADDRESS, port: 9000 }, /relay\.port is the local relay's port/],
    ['an unknown setting', { namespace: 'x' }, /^Unknown setting relay\.namespace; the settings of relay are mode, address/],
  ];
  for (const [what, relay, message] of refusals) {
    it(`refuses ${what}, naming the setting`, () => {
      assert.throws(() => load(relay), (e: Error) => e instanceof ConfigError && message.test(e.message), String(message));
    });
  }

  it('refuses the local relay in production', () => {
    writeFileSync(file, JSON.stringify({ relay: { mode: 'local' } }));
    assert.throws(() => loadConfig(['--config', file, '--mode', 'production'], {}), /relay\.mode "local" is for the embedded default and tests only|production mode needs/);
    assert.throws(() => loadConfig(['--relay', 'nowhere'], {}), /relay\.mode must be one of local, azure, off/);
  });
});

describe('support-console relay flags', () => {
  const dir = tempDir();
  after(() => dir.remove());
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => consoleRun(dir.path, args, env);
  const CASE = '2611250010001234';
  const cases: [string, string[], RegExp][] = [
    ['--relay without a Send token', ['--case', CASE, '--relay', ADDRESS, '--command', 'Get-VM'], /--relay needs a Send token: --relay-sas TOKEN \(or \$SUPPORT_CONSOLE_RELAY_SAS\)/],
    ['--relay that is not a Hybrid Connection', ['--case', CASE, '--relay', 'wss://relay.example.net/hci', '--relay-sas', 'x', '--command', 'Get-VM'], /--relay must be a Hybrid Connection, wss:\/\/NAMESPACE/],
    ['--relay with --gateway', ['--case', CASE, '--relay', ADDRESS, '--gateway', 'wss://gw:6600/api/channel/c1', '--command', 'Get-VM'], /--gateway and --relay exclude each other/],
    ['--direct with --relay-sas', ['--case', CASE, '--direct', '--relay-sas', 'x', '--command', 'Get-VM'], /--direct and --relay-sas exclude each other/],
    ['--relay-key-name alone', ['--case', CASE, '--relay', ADDRESS, '--relay-key-name', 'send', '--command', 'Get-VM'], /--relay-key-name and --relay-key-file go together/],
    ['--relay-sas without --relay', ['--case', CASE, '--relay-sas', 'x', '--command', 'Get-VM'], /--relay-sas and --relay-key-name need --relay/],
    ['an expired --relay-sas', ['--case', CASE, '--relay', ADDRESS, '--relay-sas', createSasToken(sasResourceOf(ADDRESS), 'send', 'k', Date.now() - 60_000), '--command', 'Get-VM'], /--relay-sas cannot be used: it expired at/],
    ['a --relay-sas for another Hybrid Connection', ['--case', CASE, '--relay', ADDRESS, '--relay-sas', createSasToken('http://contoso-support.servicebus.windows.net/other', 'send', 'k', Date.now() + 60_000), '--command', 'Get-VM'], /--relay-sas cannot be used: it is for http:\/\/contoso-support\.servicebus\.windows\.net\/other/],
    ['an unreadable --relay-key-file', ['--case', CASE, '--relay', ADDRESS, '--relay-key-name', 'send', '--relay-key-file', '/no/such/key', '--command', 'Get-VM'], /Cannot read --relay-key-file \/no\/such\/key \(ENOENT\)/],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what} with exit 2 before any network call`, async () => {
      const result = await run(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^error InvalidCliUsage: /);
      assert.match(result.stderr, message);
    });
  }

  it('takes the Send token from $SUPPORT_CONSOLE_RELAY_SAS and reports an unreachable relay', async () => {
    const sas = createSasToken('http://127.0.0.1/hci-cl01', 'send', 'k', Date.now() + 60_000);
    const result = await run(['--case', CASE, '--relay', 'wss://127.0.0.1:1/$hc/hci-cl01', '--token', 'a.b.c', '--command', 'Get-VM'], { SUPPORT_CONSOLE_RELAY_SAS: sas });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /GatewayUnreachable: Cannot reach the relay at wss:\/\/127\.0\.0\.1:1\/\$hc\/hci-cl01/);
    assert.doesNotMatch(result.stderr, /sig=|SharedAccessSignature/, 'the token never reaches the output');
  });
});
