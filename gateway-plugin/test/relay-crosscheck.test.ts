import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { LocalRelay } from '../src/local-relay/local-relay';
import { WebSocket } from 'ws';
import { HybridConnectionListener } from '../src/relay/hybrid-connection-listener';
import { createSasToken, sasResourceOf, type SasRule } from '../src/relay/sas';
import { relayConnectUrl, senderToken } from '../src/relay/sender';
import { loadOrCreateTls } from '../src/tls/certificates';
import { until } from './helpers/until';

/*
 * Cross-check of the local relay with Microsoft's own Node client, hyco-ws
 * (https://github.com/Azure/azure-relay-node, npm hyco-ws@1.0.5 on ws 1.1.x),
 * run in child processes so its old ws never meets this suite's ws 8.
 *
 * hyco-ws is a dev dependency of the root package.json, pinned, with the
 * override "hyco-ws": { "http": "npm:events@3.3.0" } (1.0.5 depends on
 * `http@latest`, which npm does not have, so a plain install fails with
 * ETARGET; require('http') loads Node's own module anyway). It is found with
 * require.resolve('hyco-ws') (or HYCO_WS_MODULE=/path/to/hyco-ws); without it
 * this suite skips, saying so.
 *
 * What hyco-ws 1.0.5 gets wrong (it is stale; the listener below avoids each):
 * - `id` in createRelayedServer's options throws (ReferenceError: listenUri).
 * - Rejecting is broken: abortConnection calls an undefined WebSocketClient,
 *   reads message.address instead of message.accept.address, and appends
 *   statusCode/statusDescription without the sb-hc- prefix. A hyco listener
 *   cannot reject; it can only accept.
 * - Its listener reconnects the control channel at once on every close or
 *   error, with no back-off and even after 1008: with a string token that has
 *   expired it retries in a tight loop (hundreds of 401s a second here).
 * - Renewal only with a token function, on a fixed hourly interval, whatever
 *   the token's lifetime: shorter tokens are "renewed" by being dropped (1008)
 *   and reconnecting.
 * - It passes its accept handshake headers to ws as an array of strings.
 * - createRelayBaseUri/createRelay*Uri hard-code port 443, so the addresses
 *   are written out here; createRelayToken signs a resource that keeps the
 *   port (http://127.0.0.1:PORT/hc), which a relay that ignores ports accepts.
 * - An 'error' on the control channel is emitted on the server object: with
 *   no 'error' listener it throws.
 */

const HC = 'crosscheck';
const LISTEN: SasRule = { keyName: 'listen', key: 'listen-key', rights: ['Listen'] };
const SEND: SasRule = { keyName: 'send', key: 'send-key', rights: ['Send'] };
const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'hyco');

function hycoWs(): string | null {
  if (process.env.HYCO_WS_MODULE) return process.env.HYCO_WS_MODULE;
  try {
    return require.resolve('hyco-ws');
  } catch {
    return null;
  }
}

interface Reported {
  event: string;
  data?: string;
  code?: number;
  message?: string;
}

/** A hyco-ws fixture in a child process and the JSON lines it reports. */
class HycoProcess {
  readonly events: Reported[] = [];
  exited?: number | null;
  private readonly child: ChildProcess;

  constructor(script: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [join(FIXTURES, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.events.push(JSON.parse(line) as Reported));
    this.child.on('exit', (code) => (this.exited = code));
  }

  async reported(event: string, count = 1): Promise<Reported> {
    await until(() => this.events.filter((e) => e.event === event).length >= count || this.exited !== undefined);
    const found = this.events.filter((e) => e.event === event);
    assert.ok(found.length >= count, `expected ${event} from the hyco-ws fixture; it exited with ${this.exited} after ${JSON.stringify(this.events)}`);
    return found[count - 1]!;
  }

  async exit(): Promise<number | null | undefined> {
    await until(() => this.exited !== undefined);
    return this.exited;
  }

  async stop(): Promise<void> {
    if (this.exited !== undefined) return;
    this.child.kill('SIGTERM');
    await this.exit();
  }
}

const HYCO_WS = hycoWs();

describe('local relay against hyco-ws, Microsoft’s Node client', { skip: HYCO_WS ? false : 'hyco-ws is not installed (see the comment at the top of test/relay-crosscheck.test.ts)' }, () => {
  let relay: LocalRelay;
  let env: Record<string, string>;
  let ca: string;
  const processes: HycoProcess[] = [];
  const run = (script: string, rule: SasRule, extra: Record<string, string> = {}) => {
    const token = createSasToken(`http://127.0.0.1/${HC}`, rule.keyName, rule.key, Date.now() + 3600_000);
    const p = new HycoProcess(script, { ...env, RELAY_TOKEN: token, ...extra });
    processes.push(p);
    return p;
  };

  before(async () => {
    const tls = await loadOrCreateTls(mkdtempSync(join(tmpdir(), 'relay-crosscheck-tls-')));
    relay = await LocalRelay.start({ tls, hybridConnections: [{ path: HC, rules: [LISTEN, SEND] }] });
    env = { HYCO_WS: HYCO_WS!, NODE_EXTRA_CA_CERTS: tls.certFile, RELAY_ADDRESS: relay.addressOf(HC) };
    ca = tls.cert;
  });
  after(async () => {
    for (const p of processes) await p.stop();
    await relay?.stop();
  });

  it('relays a hyco-ws sender to a hyco-ws listener and back', async () => {
    const listener = run('listener.js', LISTEN);
    await listener.reported('listening');
    assert.equal(relay.listenerCount(HC), 1);

    const sender = run('sender.js', SEND, { RELAY_MESSAGE: 'hello from hyco' });
    assert.deepEqual(await sender.reported('message'), { event: 'message', data: 'echo:hello from hyco' });
    assert.equal(await sender.exit(), 0);
    assert.deepEqual(await listener.reported('message'), { event: 'message', data: 'hello from hyco' });
    assert.equal((await listener.reported('close')).code, 1000);
    assert.equal(relay.stats.accepted, 1);
    await listener.stop();
    await until(() => relay.listenerCount(HC) === 0);
  });

  // Our listener and sender (src/relay), each against the hyco-ws side.
  const ourListener = (onAccept: ConstructorParameters<typeof HybridConnectionListener>[0]['onAccept']) =>
    new HybridConnectionListener({
      address: relay.addressOf(HC),
      token: () => {
        const expiresAt = Date.now() + 3600_000;
        return { token: createSasToken(sasResourceOf(relay.addressOf(HC)), LISTEN.keyName, LISTEN.key, expiresAt), expiresAt };
      },
      renewable: true,
      ca,
      onAccept,
    });

  it('our gateway listener accepts a hyco-ws sender and echoes back', async () => {
    const received: string[] = [];
    const listener = ourListener((_accept, rendezvous) => {
      void rendezvous.accept().then((ws) => ws.on('message', (data) => {
        received.push(data.toString());
        ws.send(`echo:${data.toString()}`);
      }));
    });
    listener.start();
    try {
      await until(() => listener.status.state === 'connected');
      const sender = run('sender.js', SEND, { RELAY_MESSAGE: 'to our listener' });
      assert.deepEqual(await sender.reported('message'), { event: 'message', data: 'echo:to our listener' });
      assert.equal(await sender.exit(), 0);
      assert.deepEqual(received, ['to our listener']);
    } finally {
      await listener.close();
    }
  });

  it('our gateway listener rejects a hyco-ws sender, which sees the status', async () => {
    const listener = ourListener((_accept, rendezvous) => void rendezvous.reject(403, 'NoActiveGrant: no access is granted'));
    listener.start();
    try {
      await until(() => listener.status.state === 'connected');
      const sender = run('sender.js', SEND);
      const error = await sender.reported('error');
      assert.match(error.message ?? '', /403/);
      assert.equal(await sender.exit(), 1);
      assert.ok(relay.stats.rejected.some((r) => r.status === 403 && /NoActiveGrant/.test(r.description)));
    } finally {
      await listener.close();
    }
  });

  it('our console sender reaches a hyco-ws listener through the relay', async () => {
    const hyco = run('listener.js', LISTEN);
    await hyco.reported('listening');
    try {
      const ws = new WebSocket(relayConnectUrl(relay.addressOf(HC)), {
        headers: { ServiceBusAuthorization: senderToken(relay.addressOf(HC), { keyName: SEND.keyName, key: SEND.key }, Date.now()) },
        ca,
        perMessageDeflate: false,
      });
      const reply = await new Promise<string>((resolve, reject) => {
        ws.once('open', () => ws.send('from our sender'));
        ws.once('message', (data) => resolve(data.toString()));
        ws.once('error', reject);
      });
      assert.equal(reply, 'echo:from our sender');
      ws.close(1000);
      assert.equal((await hyco.reported('close')).code, 1000);
    } finally {
      await hyco.stop();
    }
  });
});
