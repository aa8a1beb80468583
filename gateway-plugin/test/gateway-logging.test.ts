import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { RunningGateway, startGateway } from '../src/gateway';
import { createGatewayLogger, lineSink, redactText } from '../src/logging/gateway-logger';
import { ApiClient, FEATURE, tempDir, testConfig } from './helpers/gateway-fixture';

/** A destination that keeps every line pino writes. */
function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

describe('the gateway\'s log (pino through fastify)', () => {
  const dir = tempDir('rs-log-');
  const out = capture();
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway(testConfig(dir.path), { logger: createGatewayLogger({ level: 'info', destination: out.stream }) });
  });
  after(async () => {
    await gateway.close();
    dir.remove();
  });

  it('logs requests as JSON lines and never the bearer token, the login code or a cookie', async () => {
    const secret = gateway.localCredential!.secret;
    const anonymous = new ApiClient(gateway.url, gateway.caCert);
    assert.equal((await anonymous.get(`${FEATURE}/status`, { authorization: `Bearer ${secret}` })).status, 200);
    assert.equal((await anonymous.get(`${FEATURE}/status`, { authorization: 'Bearer wrong-token-text-1234567890' })).status, 401);
    const link = gateway.localCredential!.mintLoginLink().path;
    const code = link.slice('/login?code='.length);
    const login = await anonymous.get(link);
    assert.equal(login.status, 303);
    assert.equal((await anonymous.get(link)).status, 401, 'a refused (reused) code is logged too');
    const cookie = (login.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]!).join('; ');
    assert.equal((await anonymous.get(`${FEATURE}/status`, { cookie })).status, 200);

    const records = out.lines.map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string }; res?: { statusCode?: number } });
    const urls = records.map((r) => r.req?.url).filter(Boolean);
    assert.ok(urls.includes(`${FEATURE}/status`), 'the requests are logged');
    assert.ok(urls.includes('/login?code=[Redacted]'), 'the login link is logged without its code');
    const text = out.lines.join('\n');
    for (const leaked of [secret, encodeURIComponent(secret), code, 'wrong-token-text-1234567890', cookie.split('; ')[0]!.split('=')[1]!]) {
      assert.ok(!text.includes(leaked), `the log holds no credential text (${leaked.slice(0, 6)}…)`);
    }
  });

  it('names the part in each line a part logs, and redacts bearer tokens and SAS signatures in its text', () => {
    const part = capture();
    lineSink(createGatewayLogger({ destination: part.stream }), 'channel')('sent Bearer eyJhbGciOi.abc.def to https://x.blob.core.windows.net/c?sv=2024&sig=abc%2Bdef');
    const record = JSON.parse(part.lines[0]!) as { part: string; msg: string; level: number };
    assert.equal(record.part, 'channel');
    assert.equal(record.msg, 'sent Bearer [Redacted] to https://x.blob.core.windows.net/c?sv=2024&sig=[Redacted]');
    assert.equal(redactText('no secrets here'), 'no secrets here');
  });
});
