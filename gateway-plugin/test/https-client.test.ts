import assert from 'node:assert/strict';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpsClient } from '../src/http/https-client';
import { loadOrCreateTls, TlsMaterial } from '../src/tls/certificates';
import { tempDir } from './helpers/gateway-fixture';

async function listen(tls: TlsMaterial, options: { maxVersion?: 'TLSv1.1' } = {}): Promise<{ server: Server; url: string }> {
  const server = createServer({ cert: tls.cert, key: tls.key, ...(options.maxVersion ? { minVersion: 'TLSv1', maxVersion: options.maxVersion } : {}) }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, authorization: req.headers['authorization'] ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://localhost:${(server.address() as AddressInfo).port}` };
}

describe('the one HTTPS client (undici, the gateway\'s CA, TLS 1.2 or newer)', () => {
  const ours = tempDir('rs-https-a-');
  const theirs = tempDir('rs-https-b-');
  let tls: TlsMaterial;
  let other: TlsMaterial;
  let good: { server: Server; url: string };
  const clients: HttpsClient[] = [];
  const client = (options: ConstructorParameters<typeof HttpsClient>[0]) => {
    const c = new HttpsClient(options);
    clients.push(c);
    return c;
  };

  before(async () => {
    tls = await loadOrCreateTls(ours.path);
    other = await loadOrCreateTls(theirs.path);
    good = await listen(tls);
  });
  after(async () => {
    for (const c of clients) await c.close();
    good.server.closeAllConnections();
    await new Promise((resolve) => good.server.close(resolve));
    ours.remove();
    theirs.remove();
  });

  it('talks to a server its CA vouches for, by request and by fetch', async () => {
    const http = client({ ca: tls.cert });
    const res = await http.send(`${good.url}/x`, { method: 'POST', headers: { authorization: 'Bearer t' }, body: '{}' });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), { method: 'POST', authorization: 'Bearer t' });
    assert.equal((await (await http.fetch(`${good.url}/y`)).json() as { method: string }).method, 'GET');
  });

  it('refuses a server whose certificate another CA signed, and never falls back to no checks', async () => {
    await assert.rejects(client({ ca: other.cert }).send(good.url), (e: { code?: string }) => /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code ?? ''));
    await assert.rejects(client({ ca: other.cert }).fetch(good.url), (e: { code?: string }) => /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code ?? ''));
  });

  it('refuses a server that offers nothing newer than TLS 1.1', async () => {
    const old = await listen(tls, { maxVersion: 'TLSv1.1' });
    try {
      await assert.rejects(client({ ca: tls.cert }).send(old.url));
    } finally {
      old.server.closeAllConnections();
      await new Promise((resolve) => old.server.close(resolve));
    }
  });

  it('refuses plain http and hosts outside the allowed list before connecting', async () => {
    await assert.rejects(client({}).send(good.url.replace('https:', 'http:')), /not an https:\/\/ address/);
    await assert.rejects(client({ ca: tls.cert, allowedHosts: ['login.example'] }).send(good.url), /not the configured authority/);
  });
});
