import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { LocalRelay, type LocalRelayOptions } from '../src/local-relay/local-relay';
import { createSasToken, type SasRule } from '../src/relay/sas';
import { loadOrCreateTls } from '../src/tls/certificates';
import { httpsGet, openSocket, Recorder, refusalOf, TestListener } from './helpers/relay-clients';
import { until } from './helpers/until';

const HC = 'hci-cl01';
const OTHER = 'hci-cl02';
const LISTEN: SasRule = { keyName: 'gateway-listen', key: 'listen-key-0123456789', rights: ['Listen'] };
const SEND: SasRule = { keyName: 'console-send', key: 'send-key-0123456789', rights: ['Send'] };
const OTHER_LISTEN: SasRule = { keyName: 'other-listen', key: 'other-key-0123456789', rights: ['Listen'] };
const ROOT: SasRule = { keyName: 'RootManageSharedAccessKey', key: 'root-key-0123456789', rights: ['Manage', 'Listen', 'Send'] };
const HOUR_MS = 3600_000;

describe('local relay (Hybrid Connections protocol on loopback)', () => {
  let ca: string;
  let tls: { cert: string; key: string };
  let relay: LocalRelay;
  const logs: string[] = [];
  const opened: { close(): void }[] = [];
  const extraRelays: LocalRelay[] = [];

  const start = (overrides: Partial<LocalRelayOptions> = {}) =>
    LocalRelay.start({
      tls,
      hybridConnections: [
        { path: HC, rules: [LISTEN, SEND] },
        { path: OTHER, rules: [OTHER_LISTEN] },
      ],
      namespaceRules: [ROOT],
      log: (line) => logs.push(line),
      ...overrides,
    });
  const startExtra = async (overrides: Partial<LocalRelayOptions> = {}) => {
    const r = await start(overrides);
    extraRelays.push(r);
    return r;
  };
  /** A token for `http://127.0.0.1/<path>` (or the namespace, path ''), as a client makes it from the address. */
  const token = (path: string, rule: SasRule, validMs = HOUR_MS) =>
    createSasToken(`http://127.0.0.1/${path}`, rule.keyName, rule.key, Date.now() + validMs);
  const listen = async (r = relay, path = HC, rule = LISTEN, validMs = HOUR_MS) => {
    const l = await TestListener.open(r.addressOf(path), token(path, rule, validMs), ca);
    opened.push(l);
    return l;
  };
  const senderUrl = (r = relay, path = HC, extra = '') => `${r.addressOf(path)}${extra}?sb-hc-action=connect&sb-hc-token=${encodeURIComponent(token(path, SEND))}`;
  const track = <T extends WebSocket>(ws: T) => {
    opened.push({ close: () => ws.terminate() });
    return ws;
  };
  /** Starts a sender's connect and returns its (pending) handshake. */
  const connect = (url: string, headers: Record<string, string> = {}, protocols?: string[]) => {
    const p = openSocket(url, { ca, headers }, protocols).then(track);
    p.catch(() => undefined);
    return p;
  };
  const acceptAt = async (address: string, protocols?: string[]) => track(await openSocket(address, { ca }, protocols));

  before(async () => {
    const material = await loadOrCreateTls(mkdtempSync(join(tmpdir(), 'local-relay-tls-')));
    ca = material.cert;
    tls = { cert: material.cert, key: material.key };
    relay = await start();
  });
  afterEach(async () => {
    for (const o of opened.splice(0)) o.close();
    for (const r of extraRelays.splice(0)) await r.stop();
    await until(() => relay.listenerCount(HC) === 0 && relay.listenerCount(OTHER) === 0 && relay.liveConnections() === 0);
  });
  after(async () => {
    await relay.stop();
  });

  it('names itself by its loopback address and port', () => {
    assert.equal(relay.namespace, `wss://127.0.0.1:${relay.port}`);
    assert.equal(relay.addressOf('a b/c'), `wss://127.0.0.1:${relay.port}/$hc/a%20b%2Fc`);
  });

  it('relays text and binary both ways in order and forwards a close code, once a listener accepts', async () => {
    const listener = await listen();
    assert.equal(relay.listenerCount(HC), 1);
    const pendingSender = connect(senderUrl(), {}, ['rs.v1']);
    const accept = await listener.accept();
    assert.match(accept.id, /^[0-9a-f-]{36}$/);
    assert.equal(accept.connectHeaders['Sec-WebSocket-Protocol'], 'rs.v1');
    const listenerSide = new Recorder(await acceptAt(accept.address, ['rs.v1']));
    const sender = new Recorder(await pendingSender);
    assert.equal(sender.ws.protocol, 'rs.v1');
    assert.equal(relay.liveConnections(HC), 1);

    sender.ws.send('hello');
    sender.ws.send(Buffer.from([0, 1, 2, 255]));
    sender.ws.send('third');
    await listenerSide.message(2);
    assert.deepEqual(listenerSide.messages, [
      { data: 'hello', binary: false },
      { data: Buffer.from([0, 1, 2, 255]), binary: true },
      { data: 'third', binary: false },
    ]);
    listenerSide.ws.send(Buffer.from('binary back'));
    listenerSide.ws.send('text back');
    await sender.message(1);
    assert.deepEqual(sender.messages, [
      { data: Buffer.from('binary back'), binary: true },
      { data: 'text back', binary: false },
    ]);

    listenerSide.ws.close(4001, 'session ended');
    assert.deepEqual(await sender.close(), { code: 4001, reason: 'session ended' });
    await until(() => relay.liveConnections() === 0);
    assert.equal(relay.stats.accepted >= 1, true);
  });

  it("forwards the sender's close code to the listener, and an abrupt end as 1001", async () => {
    const listener = await listen();
    const first = connect(senderUrl());
    const listenerSide = new Recorder(await acceptAt((await listener.accept(0)).address));
    const sender = await first;
    sender.close(4002, 'bye');
    assert.deepEqual(await listenerSide.close(), { code: 4002, reason: 'bye' });

    const second = connect(senderUrl());
    const listenerSide2 = new Recorder(await acceptAt((await listener.accept(1)).address));
    (await second).terminate();
    assert.deepEqual(await listenerSide2.close(), { code: 1001, reason: 'going away' });
  });

  it("passes the sender's headers to the listener, with the relay token stripped and a bearer token kept", async () => {
    const listener = await listen();
    const sendToken = token(HC, SEND);
    const url = `${relay.addressOf(HC)}/console/v1?case=42&sb-hc-action=connect&sb-hc-id=trace-1`;
    const pendingSender = connect(url, { Authorization: 'Bearer eyJ.test.jwt', ServiceBusAuthorization: sendToken, 'X-Support-Case': '42' });
    const accept = await listener.accept();
    const headers = Object.fromEntries(Object.entries(accept.connectHeaders).map(([k, v]) => [k.toLowerCase(), v]));
    assert.equal(headers['authorization'], 'Bearer eyJ.test.jwt');
    assert.equal(headers['x-support-case'], '42');
    assert.equal(headers['servicebusauthorization'], undefined);
    assert.equal(headers['host'], `127.0.0.1:${relay.port}`);
    assert.equal(accept.id, 'trace-1');
    const address = new URL(accept.address);
    assert.equal(address.origin, `wss://127.0.0.1:${relay.port}`);
    assert.equal(address.pathname, `/$hc/${HC}/console/v1`);
    assert.equal(address.searchParams.get('case'), '42');
    assert.equal(address.searchParams.get('sb-hc-action'), 'accept');
    assert.equal(address.searchParams.get('sb-hc-id'), 'trace-1');
    assert.equal(address.searchParams.get('sb-hc-token'), null);
    assert.equal(accept.remoteEndpoint?.address, '127.0.0.1');
    assert.equal(typeof accept.remoteEndpoint?.port, 'number');
    await acceptAt(accept.address);
    await pendingSender;
  });

  it('strips an Authorization header that carried the relay token', async () => {
    const listener = await listen();
    const pendingSender = connect(`${relay.addressOf(HC)}?sb-hc-action=connect`, { Authorization: token(HC, SEND) });
    const accept = await listener.accept();
    assert.equal(Object.keys(accept.connectHeaders).some((k) => k.toLowerCase() === 'authorization'), false);
    await acceptAt(accept.address);
    await pendingSender;
  });

  it("answers a listener's reject with 410 and the sender with the listener's status and description", async () => {
    const listener = await listen();
    const pendingSender = connect(senderUrl());
    const accept = await listener.accept();
    const rejectUrl = `${accept.address}&sb-hc-statusCode=403&sb-hc-statusDescription=${encodeURIComponent('No grant for case 42\r\nX-Evil: 1')}`;
    assert.equal((await refusalOf(rejectUrl, { ca })).status, 410);
    const refused = await pendingSender.then(
      () => assert.fail('the sender was let in'),
      (e: { refusal: { status: number; statusMessage: string; body: string } }) => e.refusal,
    );
    assert.equal(refused.status, 403);
    assert.equal(refused.statusMessage, 'No grant for case 42  X-Evil: 1');
    assert.equal(refused.body, 'No grant for case 42  X-Evil: 1');
    assert.deepEqual(relay.stats.rejected.at(-1), { status: 403, description: 'No grant for case 42  X-Evil: 1' });
    // The address is spent.
    assert.equal((await refusalOf(accept.address, { ca })).status, 403);
  });

  it('refuses a reject whose status code is not an HTTP status with 400, and the address stays usable', async () => {
    const listener = await listen();
    const pendingSender = connect(senderUrl());
    const accept = await listener.accept();
    assert.equal((await refusalOf(`${accept.address}&sb-hc-statusCode=999&sb-hc-statusDescription=x`, { ca })).status, 400);
    assert.equal((await refusalOf(`${accept.address}&sb-hc-statusCode=abc`, { ca })).status, 400);
    await acceptAt(accept.address);
    await pendingSender;
  });

  it('refuses a sender with 404 when no listener is connected', async () => {
    const refused = await refusalOf(senderUrl(), { ca });
    assert.equal(refused.status, 404);
    assert.equal(refused.statusMessage, 'There are no listeners connected for the endpoint');
  });

  it('refuses an unknown Hybrid Connection, another path and a plain request with 404, and a bad action with 400', async () => {
    const unknown = await refusalOf(`${relay.addressOf('nope')}?sb-hc-action=listen&sb-hc-token=${encodeURIComponent(token('nope', ROOT))}`, { ca });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.statusMessage, 'Endpoint does not exist');
    assert.equal((await refusalOf(`${relay.namespace}/elsewhere?sb-hc-action=listen`, { ca })).status, 404);
    const plain = await httpsGet(`https://127.0.0.1:${relay.port}/$hc/${HC}`, ca);
    assert.equal(plain.status, 404);
    assert.match(plain.body, /WebSocket/);
    assert.equal((await refusalOf(`${relay.addressOf(HC)}?sb-hc-action=dance`, { ca })).status, 400);
    assert.equal((await refusalOf(`${relay.addressOf(HC)}`, { ca })).status, 400);
  });

  it('refuses an upgrade that is not a version 13 WebSocket handshake with 400', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`https://127.0.0.1:${relay.port}/$hc/${HC}?sb-hc-action=listen`, {
        ca,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '8' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', (_res, socket) => {
        socket.destroy();
        reject(new Error('upgraded'));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 400);
  });

  describe('SAS checks', () => {
    const listenWith = (tokenText: string | undefined, path = HC) =>
      refusalOf(tokenText === undefined ? `${relay.addressOf(path)}?sb-hc-action=listen` : `${relay.addressOf(path)}?sb-hc-action=listen&sb-hc-token=${encodeURIComponent(tokenText)}`, { ca });
    const seconds = Math.floor(Date.now() / 1000);

    it('answers 401 for a missing, malformed, unknown-key, badly signed or expired token', async () => {
      const cases: [string, string | undefined, RegExp][] = [
        ['missing', undefined, /missing/],
        ['malformed', 'SharedAccessSignature sr=x', /malformed/],
        ['unknown key', createSasToken(`http://127.0.0.1/${HC}`, 'nobody', 'k', Date.now() + HOUR_MS), /unknown key/],
        ['bad signature', createSasToken(`http://127.0.0.1/${HC}`, LISTEN.keyName, 'wrong key', Date.now() + HOUR_MS), /signature/],
        ['expired', createSasToken(`http://127.0.0.1/${HC}`, LISTEN.keyName, LISTEN.key, (seconds - 5) * 1000), /expired/],
      ];
      for (const [name, t, reason] of cases) {
        const refused = await listenWith(t);
        assert.equal(refused.status, 401, name);
        assert.match(refused.statusMessage, reason, name);
        assert.equal(refused.body, refused.statusMessage, name);
      }
      assert.equal(relay.listenerCount(HC), 0);
    });

    it("answers 403 for another Hybrid Connection's token and for a token without the right", async () => {
      // A namespace key's token scoped to another Hybrid Connection is genuine but not for this one.
      const elsewhere = await listenWith(token(OTHER, ROOT));
      assert.equal(elsewhere.status, 403);
      assert.match(elsewhere.statusMessage, /not valid for this Hybrid Connection/);
      // Another Hybrid Connection's own key is not known here at all.
      assert.equal((await listenWith(token(OTHER, OTHER_LISTEN))).status, 401);
      const sendAsListener = await listenWith(token(HC, SEND));
      assert.equal(sendAsListener.status, 403);
      assert.match(sendAsListener.statusMessage, /Listen right/);
      await listen();
      const listenAsSender = await refusalOf(`${relay.addressOf(HC)}?sb-hc-action=connect&sb-hc-token=${encodeURIComponent(token(HC, LISTEN))}`, { ca });
      assert.equal(listenAsSender.status, 403);
      assert.match(listenAsSender.statusMessage, /Send right/);
    });

    it('lets a namespace key listen and send on every Hybrid Connection', async () => {
      const nsToken = token('', ROOT);
      for (const path of [HC, OTHER]) {
        const l = await TestListener.open(relay.addressOf(path), nsToken, ca);
        opened.push(l);
        const pendingSender = connect(`${relay.addressOf(path)}?sb-hc-action=connect&sb-hc-token=${encodeURIComponent(nsToken)}`);
        await acceptAt((await l.accept()).address);
        await pendingSender;
      }
    });

    it('takes the token from the query, the ServiceBusAuthorization header or a SAS Authorization header', async () => {
      for (const via of ['query', 'ServiceBusAuthorization', 'Authorization'] as const) {
        const l = await TestListener.open(relay.addressOf(HC), token(HC, LISTEN), ca, via);
        opened.push(l);
      }
      assert.equal(relay.listenerCount(HC), 3);
      // A bearer Authorization is not a relay token.
      assert.equal((await refusalOf(`${relay.addressOf(HC)}?sb-hc-action=listen`, { ca, headers: { Authorization: 'Bearer x' } })).status, 401);
    });
  });

  it('refuses a second use of an accept address with 403', async () => {
    const listener = await listen();
    const pendingSender = connect(senderUrl());
    const accept = await listener.accept();
    await acceptAt(accept.address);
    await pendingSender;
    const again = await refusalOf(accept.address, { ca });
    assert.equal(again.status, 403);
    assert.equal(again.statusMessage, 'The URL is not valid');
    assert.equal((await refusalOf(accept.address.replace(/sb-hc-id=[^&]+/, 'sb-hc-id=made-up'), { ca })).status, 403);
  });

  it('answers a sender with 504 when no listener accepts in time, and forgets the address', async () => {
    const r = await startExtra({ acceptTimeoutMs: 200 });
    const listener = await listen(r);
    const refused = await refusalOf(senderUrl(r), { ca });
    assert.equal(refused.status, 504);
    const accept = await listener.accept();
    assert.equal((await refusalOf(accept.address, { ca })).status, 403);
    assert.equal(r.stats.refused.some((x) => x.action === 'connect' && x.status === 504), true);
  });

  it('closes a control channel with 1008 when its token expires', async () => {
    // Valid for 1.5-2.5 s (SAS expiry is in whole seconds): long enough to open on a loaded machine.
    const listener = await listen(relay, HC, LISTEN, 2500);
    const closed = await listener.recorder.close();
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /expired/);
  });

  it('keeps a control channel past its first token when the listener renews, and closes one that sends a bad renewal with 1008', async () => {
    // One token for both, valid for 2-3 s: long enough to open both and renew one on a loaded machine.
    const shortLived = token(HC, LISTEN, 3000);
    const renewed = await TestListener.open(relay.addressOf(HC), shortLived, ca);
    const witness = await TestListener.open(relay.addressOf(HC), shortLived, ca);
    opened.push(renewed, witness);
    const renewalsBefore = relay.stats.renewals;
    renewed.ws.send(JSON.stringify({ renewToken: { token: token(HC, LISTEN, HOUR_MS) } }));
    await until(() => relay.stats.renewals === renewalsBefore + 1);
    // The witness had the same token and no renewal: once it is closed, the first token's expiry has passed.
    assert.equal((await witness.recorder.close()).code, 1008);
    assert.equal(renewed.ws.readyState, WebSocket.OPEN);
    assert.equal(relay.listenerCount(HC), 1);
    // Still a working listener.
    const pendingSender = connect(senderUrl());
    await acceptAt((await renewed.accept()).address);
    await pendingSender;

    renewed.ws.send(JSON.stringify({ renewToken: { token: token(OTHER, ROOT) } }));
    const closed = await renewed.recorder.close();
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /not valid for this Hybrid Connection/);
  });

  it('ignores other JSON on the control channel and closes it with 1008 on anything that is not JSON text', async () => {
    const listener = await listen();
    listener.ws.send(JSON.stringify({ somethingNew: { x: 1 } }));
    const pendingSender = connect(senderUrl());
    await acceptAt((await listener.accept()).address);
    await pendingSender;
    assert.equal(listener.ws.readyState, WebSocket.OPEN);
    listener.ws.send('not json');
    assert.equal((await listener.recorder.close()).code, 1008);
    const binary = await listen();
    binary.ws.send(Buffer.from('{}'));
    assert.equal((await binary.recorder.close()).code, 1008);
  });

  it('refuses the 26th listener on a Hybrid Connection with 403', async () => {
    for (let i = 0; i < 25; i++) await listen();
    assert.equal(relay.listenerCount(HC), 25);
    const refused = await refusalOf(`${relay.addressOf(HC)}?sb-hc-action=listen&sb-hc-token=${encodeURIComponent(token(HC, LISTEN))}`, { ca });
    assert.equal(refused.status, 403);
    assert.equal(relay.listenerCount(HC), 25);
  });

  it('spreads connections over the listeners at random', async () => {
    const a = await listen();
    const b = await listen();
    const reject = (l: TestListener) =>
      l.ws.on('message', (data) => {
        const accept = (JSON.parse(data.toString()) as { accept: { address: string } }).accept;
        refusalOf(`${accept.address}&sb-hc-statusCode=409&sb-hc-statusDescription=busy`, { ca }).catch(() => undefined);
      });
    reject(a);
    reject(b);
    for (let i = 0; i < 20; i++) assert.equal((await refusalOf(senderUrl(), { ca })).status, 409);
    assert.equal(a.accepts.length + b.accepts.length, 20);
    assert.ok(a.accepts.length > 0 && b.accepts.length > 0, `a got ${a.accepts.length}, b got ${b.accepts.length}`);
  });

  it('drops control channels on demand with 1011 or the given code', async () => {
    const a = await listen();
    const b = await listen(relay, OTHER, OTHER_LISTEN);
    relay.dropListeners(HC);
    assert.equal((await a.recorder.close()).code, 1011);
    assert.equal(b.ws.readyState, WebSocket.OPEN);
    relay.dropListeners(undefined, 1001, 'deleted');
    assert.deepEqual(await b.recorder.close(), { code: 1001, reason: 'deleted' });
    assert.equal(relay.listenerCount(HC) + relay.listenerCount(OTHER), 0);
  });

  it('cuts relayed connections on demand: both ends see 1011', async () => {
    const listener = await listen();
    const pendingSender = connect(senderUrl());
    const listenerSide = new Recorder(await acceptAt((await listener.accept()).address));
    const sender = new Recorder(await pendingSender);
    relay.dropConnections(HC);
    assert.equal((await sender.close()).code, 1011);
    assert.equal((await listenerSide.close()).code, 1011);
    await until(() => relay.liveConnections() === 0);
    assert.equal(listener.ws.readyState, WebSocket.OPEN);
  });

  it('stops: control channels get 1001, pending senders 503, relayed pairs 1001, and nothing listens', async () => {
    const r = await start();
    const listener = await listen(r);
    const pendingSender = connect(senderUrl(r));
    const listenerSide = new Recorder(await acceptAt((await listener.accept(0)).address));
    const sender = new Recorder(await pendingSender);
    const waiting = connect(senderUrl(r));
    await listener.accept(1);
    await Promise.all([r.stop(), r.stop()]);
    assert.equal((await listener.recorder.close()).code, 1001);
    assert.equal((await sender.close()).code, 1001);
    assert.equal((await listenerSide.close()).code, 1001);
    const refused = await waiting.then(
      () => assert.fail('the waiting sender was let in'),
      (e: { refusal?: { status: number } }) => e.refusal?.status,
    );
    assert.equal(refused, 503);
    await assert.rejects(openSocket(senderUrl(r), { ca }), /ECONNREFUSED/);
    await r.stop();
  });

  it('logs refusals and listener changes without tokens', async () => {
    const l = await listen();
    l.close();
    await refusalOf(senderUrl(), { ca });
    const text = logs.join('\n');
    assert.match(text, /listener joined hci-cl01/);
    assert.match(text, /connect refused 404/);
    assert.doesNotMatch(text, /SharedAccessSignature|sig=/);
  });
});
