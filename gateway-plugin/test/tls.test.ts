import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, TestGateway } from './helpers/gateway-fixture';

/**
 * Tries a handshake with Debian's openssl. Old protocols need SECLEVEL=0 on
 * the client side, or openssl refuses them itself and the test would pass
 * against any server; success is judged by the handshake, not by a banner.
 */
function handshake(port: number, protocol: '-tls1' | '-tls1_1' | '-tls1_2' | '-tls1_3', cipher = 'DEFAULT'): Promise<{ ok: boolean; out: string }> {
  // Asynchronous on purpose: the gateway runs in this process and must keep answering.
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, protocol, '-cipher', `${cipher}@SECLEVEL=0`, '-servername', 'localhost']);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0 && /-----BEGIN CERTIFICATE-----/.test(out) && !/Cipher is \(NONE\)/.test(out), out });
    });
    child.stdin.end('Q\n');
  });
}

describe('TLS on the admin API and the support channel (one port)', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => t.stop());

  it('has an openssl client able to offer TLS 1.0 and 1.1 (so refusals below are the server\'s)', () => {
    const probe = spawnSync('openssl', ['s_client', '-help'], { encoding: 'utf8' });
    assert.match(`${probe.stdout}${probe.stderr}`, /-tls1_1/);
  });

  it('serves the support channel on the same TLS port as the API', () => {
    assert.equal(new URL(t.gateway.channelUrl).port, String(t.gateway.port));
    assert.equal(new URL(t.gateway.channelUrl).protocol, 'wss:');
  });

  it('refuses TLS 1.0 and TLS 1.1', async () => {
    for (const protocol of ['-tls1', '-tls1_1'] as const) {
      const { ok, out } = await handshake(t.gateway.port, protocol);
      assert.equal(ok, false);
      // The server's alert, not a refusal by the client's own policy.
      assert.match(out, /alert protocol version/, `${protocol}: ${out}`);
    }
  });

  it('accepts TLS 1.2 and TLS 1.3', async () => {
    assert.equal((await handshake(t.gateway.port, '-tls1_2')).ok, true);
    assert.equal((await handshake(t.gateway.port, '-tls1_3')).ok, true);
  });

  it('offers TLS 1.2 only with forward secrecy and AEAD: CBC-SHA1 and static RSA are refused, ECDHE with GCM works', async () => {
    for (const weak of ['AES128-SHA', 'AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA']) {
      const { ok, out } = await handshake(t.gateway.port, '-tls1_2', weak);
      assert.equal(ok, false, `${weak} was accepted: ${out}`);
      // The server's refusal: no shared cipher, not the client's own policy.
      assert.match(out, /handshake failure/, `${weak}: ${out}`);
    }
    const strong = await handshake(t.gateway.port, '-tls1_2', 'ECDHE-RSA-AES128-GCM-SHA256');
    assert.equal(strong.ok, true, strong.out);
    assert.match(strong.out, /ECDHE-RSA-AES128-GCM-SHA256/);
  });
});
