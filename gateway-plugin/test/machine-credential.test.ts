import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { OAuth2Server } from 'oauth2-mock-server';
import { FEATURE, installAgent, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';

/** The machine credential the PowerShell module sends, and the caller it names. */
function machine(t: TestGateway, caller: string | null, credential = readFileSync(join(t.dataDir, 'machine-credential'), 'utf8').trim()) {
  const headers: Record<string, string> = { authorization: `Bearer ${credential}` };
  if (caller !== null) headers['x-remotesupport-caller'] = caller;
  return t.anonymous.withHeaders(headers);
}

function rawRequest(t: TestGateway, request: Buffer): Promise<string> {
  const { port } = new URL(t.gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), ca: t.gateway.caCert, servername: 'localhost' }, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

async function grantCount(t: TestGateway): Promise<number> {
  return t.gateway.db.prepare('SELECT COUNT(*) FROM grants').pluck().get() as number;
}

describe('machine credential (the PowerShell module)', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
  });
  after(async () => t.stop());

  it('is created at first start with mode 0600, apart from the admin credential', () => {
    const path = join(t.dataDir, 'machine-credential');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const credential = readFileSync(path, 'utf8').trim();
    assert.ok(credential.length >= 43);
    assert.notEqual(credential, t.gateway.localCredential!.secret);
  });

  it('writes module-config.json (0600) with the endpoint, the clusters, the certificate pin and the credential path', () => {
    const path = join(t.dataDir, 'module-config.json');
    assert.equal(t.gateway.moduleConfigPath, path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const config = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(config.endpoint, t.gateway.url);
    assert.equal(config.cluster, t.gateway.desk.name);
    assert.deepEqual(config.clusters, [t.gateway.desk.name]);
    assert.equal(config.credentialPath, join(t.dataDir, 'machine-credential'));
    const expected = new X509Certificate(t.gateway.caCert).fingerprint256.replace(/:/g, '').toLowerCase();
    assert.equal(config.certificateSha256, expected);
    assert.match(config.certificateSha256, /^[0-9a-f]{64}$/);
    // No secret in it.
    assert.ok(!readFileSync(path, 'utf8').includes(readFileSync(join(t.dataDir, 'machine-credential'), 'utf8').trim()));
  });

  it('records the caller it names as the person who granted and revoked', async () => {
    const alice = machine(t, 'CONTOSO\\alice');
    const granted = await alice.post(`${FEATURE}/access`, VALID_GRANT);
    assert.equal(granted.status, 201, granted.text);
    assert.equal(granted.body.grant.grantedBy, 'CONTOSO\\alice');
    const revoked = await machine(t, 'CONTOSO\\bob').delete(`${FEATURE}/access`);
    assert.equal(revoked.status, 200, revoked.text);
    const grants = await t.api.get(`${FEATURE}/access?includeExpired=true`);
    const grant = grants.body.grants.find((g: { id: string }) => g.id === granted.body.grant.id);
    assert.equal(grant.grantedBy, 'CONTOSO\\alice');
    assert.equal(grant.endedBy, 'CONTOSO\\bob');
    assert.equal(grant.grantedById, 'machine:CONTOSO\\alice', 'the stable id next to the name');
    assert.equal(grant.endedById, 'machine:CONTOSO\\bob');
  });

  it('reads the caller percent-encoded as UTF-8, so a name need not be ASCII', async () => {
    const name = 'CONTOSO\\józef.müller-Łukasz';
    const granted = await machine(t, encodeURIComponent(name)).post(`${FEATURE}/access`, VALID_GRANT);
    assert.equal(granted.status, 201, granted.text);
    assert.equal(granted.body.grant.grantedBy, name);
    assert.equal(granted.body.grant.grantedById, `machine:${name}`);
    // Decoded first, then checked: an encoded control character is refused like a raw one.
    const sneaky = await machine(t, encodeURIComponent('CONTOSO\\alice\nroot')).delete(`${FEATURE}/access`);
    assert.equal(sneaky.status, 400);
    assert.equal(sneaky.body.error.code, 'InvalidCallerIdentity');
    const revoked = await machine(t, encodeURIComponent(name)).delete(`${FEATURE}/access`);
    assert.equal(revoked.status, 200, revoked.text);
  });

  const badCallers: [string, string | null][] = [
    ['malformed percent-encoding', 'CONTOSO%E0%A4%A'],
    ['missing', null],
    ['empty', '   '],
    ['too long', 'x'.repeat(257)],
  ];
  for (const [what, caller] of badCallers) {
    it(`refuses a caller identity that is ${what}, naming the header, and changes nothing`, async () => {
      const before = await grantCount(t);
      const res = await machine(t, caller).post(`${FEATURE}/access`, VALID_GRANT);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, 'InvalidCallerIdentity');
      assert.equal(res.body.error.field, 'x-remotesupport-caller');
      assert.equal(await grantCount(t), before);
    });
  }

  // Header values no HTTP client will send: written on a raw TLS socket, as an attacker would.
  // (Node's HTTP parser itself refuses most control characters; a tab and non-ASCII bytes reach the gateway's own check.)
  const rawCallers = [
    ['a bell character', Buffer.from('CONTOSO\\alice\x07', 'latin1'), 'MalformedRequest'],
    ['a tab', Buffer.from('CONTOSO\\alice\troot', 'latin1'), 'InvalidCallerIdentity'],
    ['a UTF-8 line separator', Buffer.from('CONTOSO\\alice\u2028root', 'utf8'), 'InvalidCallerIdentity'],
  ] as const;
  for (const [what, bytes, code] of rawCallers) {
    it(`refuses a caller identity holding ${what}, and changes nothing`, async () => {
      const before = await grantCount(t);
      const credential = readFileSync(join(t.dataDir, 'machine-credential'), 'utf8').trim();
      const body = JSON.stringify(VALID_GRANT);
      const head = Buffer.from(
        `POST ${FEATURE}/access HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${credential}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\nX-RemoteSupport-Caller: `,
        'latin1',
      );
      const answer = await rawRequest(t, Buffer.concat([head, bytes, Buffer.from(`\r\n\r\n${body}`, 'latin1')]));
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.ok(answer.includes(`"code":"${code}"`), answer);
      assert.equal(await grantCount(t), before);
    });
  }

  it('refuses a wrong machine credential (a caller header alone proves nothing)', async () => {
    const before = await grantCount(t);
    const res = await machine(t, 'CONTOSO\\mallory', 'A'.repeat(43)).post(`${FEATURE}/access`, VALID_GRANT);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'Unauthenticated');
    assert.equal(await grantCount(t), before);
  });

  it('ignores the caller header on the admin credential: the admin credential acts as itself', async () => {
    const res = await t.api.withHeaders({ 'x-remotesupport-caller': 'CONTOSO\\mallory' }).post(`${FEATURE}/access`, VALID_GRANT);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.grant.grantedBy, 'local-admin');
    await t.api.delete(`${FEATURE}/access`);
  });

  it('is revoked by replacing the file, without a restart', async () => {
    const path = join(t.dataDir, 'machine-credential');
    const old = readFileSync(path, 'utf8').trim();
    writeFileSync(path, 'N'.repeat(43) + '\n', { mode: 0o600 });
    try {
      assert.equal((await machine(t, 'CONTOSO\\alice', old).get(`${FEATURE}/status`)).status, 401);
      assert.equal((await machine(t, 'CONTOSO\\alice', 'N'.repeat(43)).get(`${FEATURE}/status`)).status, 200);
      // A file too short to be a credential refuses everyone (fail closed).
      writeFileSync(path, 'short\n', { mode: 0o600 });
      assert.equal((await machine(t, 'CONTOSO\\alice', 'short').get(`${FEATURE}/status`)).status, 401);
    } finally {
      writeFileSync(path, old + '\n', { mode: 0o600 });
    }
    assert.equal((await machine(t, 'CONTOSO\\alice', old).get(`${FEATURE}/status`)).status, 200);
  });
});

describe('machine credential in production auth (Entra ID admins)', () => {
  let t: TestGateway;
  let oidc: OAuth2Server;
  before(async () => {
    oidc = new OAuth2Server();
    await oidc.issuer.keys.generate('RS256');
    await oidc.start(0, '127.0.0.1');
    const issuer = oidc.issuer.url!;
    t = await startTestGateway({
      config: { auth: { mode: 'entra', issuer, audience: 'api://remote-support', jwksUri: `${issuer}/jwks`, adminRole: 'RemoteSupport.Admin' } },
    });
  });
  after(async () => {
    await t.stop();
    await oidc.stop();
  });

  it('lets the module in without an Entra ID token, and nothing else without one', async () => {
    assert.equal(t.gateway.localCredential, null);
    const status = await machine(t, 'CONTOSO\\alice').get(`${FEATURE}/status`);
    assert.equal(status.status, 200, status.text);
    const anonymous = await t.anonymous.get(`${FEATURE}/status`);
    assert.equal(anonymous.status, 401);
    const wrong = await machine(t, 'CONTOSO\\alice', 'B'.repeat(43)).get(`${FEATURE}/status`);
    assert.equal(wrong.status, 401);
  });
});
