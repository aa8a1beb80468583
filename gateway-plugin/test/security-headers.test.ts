import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { isLoopbackHost } from '../src/api/security-headers';
import { FEATURE, startTestGateway, TestGateway } from './helpers/gateway-fixture';

const REPO = join(__dirname, '..', '..', '..');
const WAC = 'https://wac.contoso.com';

/** The directives of a Content Security Policy, by name. */
function directives(policy: unknown): Map<string, string[]> {
  return new Map(String(policy).split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe('browser hardening headers', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ config: { wacOrigin: WAC } });
  });
  after(async () => t.stop());

  it('gives API answers a closed policy, no referrer, and no framing at all', async () => {
    for (const res of [await t.api.get(`${FEATURE}/status`), await t.anonymous.get(`${FEATURE}/status`), await t.api.get('/api/nowhere')]) {
      const csp = directives(res.headers['content-security-policy']);
      assert.deepEqual(csp.get('default-src'), ["'none'"]);
      assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    }
  });

  it('lets the pages be framed only by their own origin and the configured Windows Admin Center, with no inline script', async () => {
    const page = await t.anonymous.get('/');
    assert.equal(page.status, 200);
    const csp = directives(page.headers['content-security-policy']);
    assert.deepEqual(csp.get('frame-ancestors'), ["'self'", WAC]);
    assert.deepEqual(csp.get('object-src'), ["'none'"]);
    const scripts = csp.get('script-src')!;
    assert.equal(scripts[0], "'self'");
    assert.ok(!scripts.includes("'unsafe-inline'") && !scripts.includes("'unsafe-eval'"));
    // Any inline script the page has is named by its hash, and nothing else is.
    const inline = [...page.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
    assert.deepEqual(scripts.slice(1), inline);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    if (t.gateway.uiServed) {
      const extension = await t.anonymous.get('/extension/');
      assert.deepEqual(directives(extension.headers['content-security-policy']).get('frame-ancestors'), ["'self'", WAC]);
    }
  });

  it('sends HSTS only when the gateway is reached by a name that is not loopback', async () => {
    assert.equal((await t.anonymous.get('/health')).headers['strict-transport-security'], undefined);
    // As a browser that reached the gateway as gateway.contoso.com sends it (the test certificate names only loopback).
    const remote = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: t.gateway.port, ca: t.gateway.caCert, servername: 'localhost' }, () =>
        socket.write('GET /health HTTP/1.1\r\nHost: gateway.contoso.com\r\nConnection: close\r\n\r\n'),
      );
      let answer = '';
      socket.on('data', (c: Buffer) => (answer += c.toString('utf8')));
      socket.on('error', reject);
      socket.on('close', () => resolve(answer));
    });
    assert.match(remote, /\r\nstrict-transport-security: max-age=31536000\r\n/i);
    for (const host of ['localhost', '127.0.0.1', '127.8.9.10', '[::1]', 'app.localhost']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['gateway.contoso.com', '10.0.0.5', '[fe80::1]', 'localhost.contoso.com']) assert.equal(isLoopbackHost(host), false, host);
  });

  it('keeps the host page and the built extension free of inline scripts, event handlers and inline styles', () => {
    const pages = [join(REPO, 'host', 'index.html'), join(REPO, 'dist', 'extension', 'index.html')].filter((p) => existsSync(p));
    assert.ok(pages.length >= 1);
    for (const path of pages) {
      const html = readFileSync(path, 'utf8');
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${path} has an inline script`);
      assert.doesNotMatch(html, /\son[a-z]+=/i, `${path} has an inline event handler`);
    }
    assert.doesNotMatch(readFileSync(join(REPO, 'host', 'index.html'), 'utf8'), /<style|style=/, 'the host page has inline styles');
  });
});
