import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { RunningGateway, startGateway } from '../src/gateway';
import { createGatewayLogger } from '../src/logging/gateway-logger';
import { ApiClient, FEATURE, tempDir, testConfig } from './helpers/gateway-fixture';

/** Sends raw bytes over a real TLS connection and returns everything the gateway answers until it closes. */
function rawExchange(gateway: RunningGateway, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: gateway.port, ca: gateway.caCert, servername: 'localhost' }, () => socket.write(request));
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

/** The status and the parsed catalog body of a raw HTTP answer. */
function parse(answer: string): { status: number; body: { error: { code: string; message: string } } } {
  const [head, ...rest] = answer.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(head!)?.[1]), body: JSON.parse(rest.join('\r\n\r\n')) };
}

describe('every error in the catalog\'s shape, and no stack trace logged for a client\'s mistake', () => {
  const dir = tempDir('rs-wire-errors-');
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  let gateway: RunningGateway;
  let api: ApiClient;
  before(async () => {
    gateway = await startGateway(testConfig(dir.path), { logger: createGatewayLogger({ level: 'trace', destination }) });
    api = new ApiClient(gateway.url, gateway.caCert, { authorization: `Bearer ${gateway.localCredential!.secret}` });
  });
  after(async () => {
    await gateway.close();
    dir.remove();
  });

  const cases: { name: string; send: () => Promise<{ status: number; body: { error: { code: string } } }>; status: number; code: string }[] = [
    { name: 'a 20 kB URL', send: () => api.get(`${FEATURE}/status?pad=${'a'.repeat(20_000)}`), status: 431, code: 'HeadersTooLarge' },
    { name: 'a malformed percent-encoding in the URL', send: () => api.get('/api/nodes/%zz/features/remoteSupport/status'), status: 400, code: 'InvalidUrl' },
    { name: 'a body over 64 KiB', send: () => api.post(`${FEATURE}/access`, { pad: 'a'.repeat(100_000) }), status: 413, code: 'BodyTooLarge' },
    { name: 'a body that is not JSON', send: () => api.send('POST', `${FEATURE}/access`, 'accessLevel=Diagnostics', { 'content-type': 'text/plain' }), status: 415, code: 'UnsupportedMediaType' },
    { name: 'a path no operation answers', send: () => api.get('/api/nowhere'), status: 404, code: 'RouteNotFound' },
    { name: 'bytes that are not HTTP', send: async () => parse(await rawExchange(gateway, 'HELLO?\r\n\r\n')), status: 400, code: 'MalformedRequest' },
    {
      name: 'a channel upgrade with a malformed percent-encoding',
      send: async () => parse(await rawExchange(gateway, 'GET /api/channel/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n')),
      status: 400,
      code: 'InvalidUrl',
    },
  ];
  for (const c of cases) {
    it(`answers ${c.name} with ${c.status} ${c.code}`, async () => {
      const res = await c.send();
      assert.equal(res.status, c.status);
      assert.equal(res.body.error.code, c.code);
    });
  }

  it('logs no stack trace for any of them', () => {
    assert.ok(lines.length > 0, 'the log was captured');
    const withStack = lines.filter((l) => /"stack"|\n\s+at |\\n\s+at /.test(l));
    assert.deepEqual(withStack, []);
  });
});
