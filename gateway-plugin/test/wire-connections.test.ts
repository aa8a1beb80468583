import assert from 'node:assert/strict';
import { connect, TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS, GatewayLimits } from '../src/config/config';
import { FEATURE, startTestGateway, TestGateway } from './helpers/gateway-fixture';
import { until } from './helpers/until';

/** A real TLS connection to the gateway that records what it is answered and whether it is closed. */
interface Client {
  socket: TLSSocket;
  answer: () => string;
  closed: () => boolean;
}

function open(t: TestGateway): Promise<Client> {
  return new Promise((resolve) => {
    let answer = '';
    let closed = false;
    let secure = false;
    const socket = connect({ host: '127.0.0.1', port: t.gateway.port, ca: t.gateway.caCert, servername: 'localhost' }, () => {
      secure = true;
      resolve(client);
    });
    const client: Client = { socket, answer: () => answer, closed: () => closed };
    socket.on('data', (c: Buffer) => (answer += c.toString('utf8')));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      // Refused before the handshake finished: report it as a closed client.
      if (!secure) resolve(client);
    });
  });
}

/** Sends a grant request's head announcing a body it then drips, one byte at a time, until the connection closes. */
function dripBody(client: Client, authorization?: string): () => number {
  let sent = 0;
  client.socket.write(
    `POST ${FEATURE}/access HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`,
  );
  const drip = setInterval(() => {
    if (client.closed()) clearInterval(drip);
    else {
      client.socket.write(' ');
      sent++;
    }
  }, 50);
  client.socket.once('close', () => clearInterval(drip));
  return () => sent;
}

const gatewayWith = (limits: Partial<GatewayLimits>) => startTestGateway({ config: { limits: { ...DEFAULT_LIMITS, ...limits } } });

describe('slow clients (short test timeouts)', () => {
  let t: TestGateway;
  before(async () => {
    t = await gatewayWith({ headersTimeoutSeconds: 1, bodyTimeoutSeconds: 1, idleTimeoutSeconds: 1 });
  });
  after(async () => t.stop());

  it('closes a signed-in client that drips its body past the body timeout, answering 408 in the catalog\'s shape', async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, () => open(t)));
    const sent = clients.map((c) => dripBody(c, `Bearer ${t.gateway.localCredential!.secret}`));
    await until(() => clients.every((c) => c.closed()));
    for (const [i, c] of clients.entries()) {
      assert.match(c.answer(), /^HTTP\/1\.1 408 /);
      assert.match(c.answer(), /"code":"RequestTimeout"/);
      assert.ok(sent[i]!() < 10_000, 'the body never completed');
    }
  });

  it('closes a connection that never sends a request', async () => {
    const idle = await open(t);
    await until(() => idle.closed());
    assert.doesNotMatch(idle.answer(), /^HTTP\/1\.1 [23]/);
  });

  it('closes a kept-alive connection that waits too long for its next request', async () => {
    const c = await open(t);
    c.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await until(() => /\r\n\r\n\{"status":"ok"\}/.test(c.answer()));
    await until(() => c.closed());
  });
});

describe('a client without credentials', () => {
  let t: TestGateway;
  before(async () => {
    // Long timeouts: what closes the connection here is the 401, not a timer.
    t = await gatewayWith({ headersTimeoutSeconds: 600, bodyTimeoutSeconds: 3600, idleTimeoutSeconds: 3600 });
  });
  after(async () => t.stop());

  it('is answered 401 and cut off while it still drips its body', async () => {
    const c = await open(t);
    dripBody(c);
    await until(() => c.closed());
    assert.match(c.answer(), /^HTTP\/1\.1 401 /);
    assert.match(c.answer(), /connection: close/i);
    assert.match(c.answer(), /"code":"Unauthenticated"/);
  });
});

describe('connection caps', () => {
  let t: TestGateway;
  before(async () => {
    t = await gatewayWith({ connectionsPerAddress: 3 });
  });
  after(async () => t.stop());

  it('refuses the connection past the per-address cap, and takes one again once another closes', async () => {
    const held = await Promise.all([open(t), open(t), open(t)]);
    assert.ok(held.every((c) => !c.closed()));
    const extra = await open(t);
    await until(() => extra.closed());
    assert.equal(extra.answer(), '');
    held.pop()!.socket.destroy();
    // The server counts the closed one down when it sees the close; retry until it has.
    let again = await open(t);
    while (again.closed()) again = await open(t);
    again.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await until(() => /"status":"ok"/.test(again.answer()));
    for (const c of [...held, again]) c.socket.destroy();
  });
});

describe('the total connection cap', () => {
  let t: TestGateway;
  before(async () => {
    t = await gatewayWith({ connections: 2 });
  });
  after(async () => t.stop());

  it('refuses the connection past the gateway\'s total', async () => {
    const held = await Promise.all([open(t), open(t)]);
    assert.ok(held.every((c) => !c.closed()));
    const extra = await open(t);
    await until(() => extra.closed());
    assert.equal(extra.answer(), '');
    for (const c of held) c.socket.destroy();
  });
});
