import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Signer } from '@fastify/cookie';
import { exportSPKI, importJWK, SignJWT } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import { cookiesOf, FEATURE, installAgent, mintLoginLink, signInBrowser, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function grantCount(t: TestGateway): Promise<number> {
  return t.gateway.db.prepare('SELECT COUNT(*) FROM grants').pluck().get() as number;
}

describe('local admin credential (embedded default)', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
  });
  after(async () => t.stop());

  it('is created at first start with mode 0600', () => {
    const mode = statSync(join(t.dataDir, 'admin-credential')).mode & 0o777;
    assert.equal(mode, 0o600);
    assert.equal(t.gateway.localCredential?.created, true);
  });

  it('refuses calls without a credential or with a wrong one, changing nothing', async () => {
    for (const client of [t.anonymous, t.anonymous.withHeaders({ authorization: 'Bearer not-the-credential' })]) {
      const read = await client.get(`${FEATURE}/status`);
      assert.equal(read.status, 401);
      assert.equal(read.body.error.code, 'Unauthenticated');
      const write = await client.post(`${FEATURE}/access`, VALID_GRANT);
      assert.equal(write.status, 401);
    }
    assert.equal(await grantCount(t), 0);
  });

  it('refuses a login link with a wrong code', async () => {
    const res = await t.anonymous.get('/login?code=guess');
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'LoginCodeInvalid');
    assert.equal(res.headers['set-cookie'], undefined);
  });

  it('trades a one-time login link for a strict HttpOnly session cookie and an XSRF cookie', async () => {
    const res = await t.anonymous.get(await mintLoginLink(t));
    assert.equal(res.status, 303);
    assert.equal(res.headers['location'], '/');
    const cookies = res.headers['set-cookie'] as string[];
    const session = cookies.find((c) => c.startsWith('rs_admin='))!;
    const xsrf = cookies.find((c) => c.startsWith('XSRF-TOKEN='))!;
    assert.match(session, /HttpOnly/);
    assert.match(session, /SameSite=Strict/);
    assert.match(session, /Secure/);
    assert.doesNotMatch(xsrf, /HttpOnly/, 'the page must be able to read the XSRF token');
    assert.ok(!session.includes(t.gateway.localCredential!.secret), 'the cookie is not the credential itself');
  });

  it('accepts reads with the cookie but refuses changes without the matching x-xsrf-token', async () => {
    const { cookie, xsrf } = await signInBrowser(t);
    const browser = t.anonymous.withHeaders({ cookie });

    assert.equal((await browser.get(`${FEATURE}/status`)).status, 200);
    const noisy = t.anonymous.withHeaders({ cookie: `other_app=50%; ${cookie}` });
    assert.equal((await noisy.get(`${FEATURE}/status`)).status, 200, "another app's malformed cookie does not break sign-in");

    const forged = await browser.post(`${FEATURE}/access`, VALID_GRANT);
    assert.equal(forged.status, 403);
    assert.equal(forged.body.error.code, 'CsrfTokenInvalid');
    const wrong = await browser.post(`${FEATURE}/access`, VALID_GRANT, { 'x-xsrf-token': 'x'.repeat(xsrf.length) });
    assert.equal(wrong.status, 403);
    const revoke = await browser.delete(`${FEATURE}/access`);
    assert.equal(revoke.status, 403);
    assert.equal(await grantCount(t), 0);

    const ok = await browser.post(`${FEATURE}/access`, VALID_GRANT, { 'x-xsrf-token': xsrf });
    assert.equal(ok.status, 201);
    assert.equal(await grantCount(t), 1);
  });

  it('refuses a session cookie that is unsigned, tampered with or signed with another key', async () => {
    const login = await t.anonymous.get(await mintLoginLink(t));
    const session = (login.headers['set-cookie'] as string[]).find((c) => c.startsWith('rs_admin='))!.split(';')[0]!.slice('rs_admin='.length);
    const [value, signature] = [session.slice(0, session.lastIndexOf('.')), session.slice(session.lastIndexOf('.') + 1)];
    assert.match(value, /^[A-Za-z0-9_-]{43}$/, 'the cookie carries a random 256-bit session secret, and a signature');
    assert.equal((await t.anonymous.get(`${FEATURE}/status`, { cookie: `rs_admin=${session}` })).status, 200);
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    const otherKey = new Signer('not-derived-from-the-credential').sign(value);
    const stranger = randomBytes(32).toString('base64url');
    for (const forged of [value, `${value}x.${signature}`, `${value}.${flipped}`, `${stranger}.${signature}`, otherKey, 'local-admin']) {
      const res = await t.anonymous.get(`${FEATURE}/status`, { cookie: `rs_admin=${encodeURIComponent(forged)}` });
      assert.equal(res.status, 401, forged);
      assert.equal(res.body.error.code, 'Unauthenticated');
    }
  });
});

describe('rotating the local admin credential (no restart)', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => t.stop());

  const credentialFile = () => join(t.dataDir, 'admin-credential');
  const bearerOf = (credential: string) => ({ authorization: `Bearer ${credential}` });

  async function signIn(credential: string): Promise<{ cookie: string; xsrf: string }> {
    const minted = await t.anonymous.post('/api/login-links', undefined, bearerOf(credential));
    assert.equal(minted.status, 201, minted.text);
    const login = await t.anonymous.get(minted.body.path);
    assert.equal(login.status, 303, login.text);
    return cookiesOf(login);
  }

  for (const [how, replace] of [
    ['an atomic rename over the file', (path: string, credential: string) => {
      writeFileSync(`${path}.new`, credential + '\n', { mode: 0o600 });
      renameSync(`${path}.new`, path);
    }],
    ['a rewrite in place of the same length', (path: string, credential: string) => writeFileSync(path, credential + '\n')],
  ] as const) {
    it(`revokes the old bearer, every session and every unused login link on the next request after ${how}`, async () => {
      const old = readFileSync(credentialFile(), 'utf8').trim();
      const session = await signIn(old);
      const unused = (await t.anonymous.post('/api/login-links', undefined, bearerOf(old))).body.path as string;
      assert.equal((await t.anonymous.get(`${FEATURE}/status`, bearerOf(old))).status, 200);
      assert.equal((await t.anonymous.get(`${FEATURE}/status`, { cookie: session.cookie })).status, 200);

      const fresh = randomBytes(32).toString('base64url');
      assert.equal(fresh.length, old.length);
      replace(credentialFile(), fresh);

      const oldBearer = await t.anonymous.get(`${FEATURE}/status`, bearerOf(old));
      assert.equal(oldBearer.status, 401);
      assert.equal(oldBearer.body.error.code, 'Unauthenticated');
      assert.equal((await t.anonymous.get(`${FEATURE}/status`, { cookie: session.cookie })).status, 401, 'the old cookie');
      const change = await t.anonymous.delete(`${FEATURE}/access`, { cookie: session.cookie, 'x-xsrf-token': session.xsrf });
      assert.equal(change.status, 401, 'the old cookie and XSRF token cannot change anything');
      const oldLink = await t.anonymous.get(unused);
      assert.equal(oldLink.status, 401, 'a login link minted before the rotation');
      assert.equal(oldLink.body.error.code, 'LoginCodeInvalid');
      assert.equal(oldLink.headers['set-cookie'], undefined);
      const listed = await t.anonymous.get('/api/admin-sessions', bearerOf(fresh));
      assert.ok(listed.body.sessions.length > 0 && listed.body.sessions.every((x: { state: string }) => x.state === 'revoked'), 'every earlier session is listed as revoked');

      assert.equal((await t.anonymous.get(`${FEATURE}/status`, bearerOf(fresh))).status, 200, 'the new bearer');
      const renewed = await signIn(fresh);
      assert.equal((await t.anonymous.get(`${FEATURE}/status`, { cookie: renewed.cookie })).status, 200, 'a cookie from the new link');
      assert.notEqual(renewed.xsrf, session.xsrf);
      assert.equal(t.gateway.localCredential!.secret, fresh);
    });
  }

  it('refuses everyone while the file is missing or too short, and recovers when it is fixed', async () => {
    const current = readFileSync(credentialFile(), 'utf8').trim();
    unlinkSync(credentialFile());
    const missing = await t.anonymous.get(`${FEATURE}/status`, bearerOf(current));
    assert.equal(missing.status, 401);
    assert.match(missing.body.error.message, /admin-credential/);
    writeFileSync(credentialFile(), 'short\n', { mode: 0o600 });
    assert.equal((await t.anonymous.get(`${FEATURE}/status`, bearerOf('short'))).status, 401);
    assert.equal((await t.anonymous.post('/api/login-links', undefined, bearerOf('short'))).status, 401);
    writeFileSync(credentialFile(), current + '\n', { mode: 0o600 });
    assert.equal((await t.anonymous.get(`${FEATURE}/status`, bearerOf(current))).status, 200);
  });
});

describe('Entra ID admin tokens (validated with jose against a real OIDC server on loopback)', () => {
  let oidc: OAuth2Server;
  let t: TestGateway;
  const audience = 'api://remote-support-gateway';
  const role = 'RemoteSupport.Admin';
  let issuer: string;

  const token = (transform: (header: Record<string, unknown>, payload: Record<string, unknown>) => void = () => {}, expiresIn = 600) =>
    oidc.issuer.buildToken({
      expiresIn,
      scopesOrTransform: (header, payload) => {
        payload['aud'] = audience;
        payload['roles'] = [role];
        payload['preferred_username'] = 'admin@contoso.com';
        transform(header as Record<string, unknown>, payload as Record<string, unknown>);
      },
    });

  before(async () => {
    oidc = new OAuth2Server();
    await oidc.issuer.keys.generate('RS256');
    await oidc.start(0, '127.0.0.1');
    issuer = oidc.issuer.url!;
    t = await startTestGateway({
      config: { auth: { mode: 'entra', issuer, audience, jwksUri: `${issuer}/jwks`, adminRole: role } },
    });
    // Install with a valid admin token so grants can be attempted.
    const admin = t.anonymous.withHeaders({ authorization: `Bearer ${await token()}` });
    const res = await admin.post(`${FEATURE}/agent/install`, {});
    assert.equal(res.status, 202);
    await t.gateway.agents.idle();
  });
  after(async () => {
    await t.stop();
    await oidc.stop();
  });

  async function attempt(jwt: string) {
    const res = await t.anonymous.post(`${FEATURE}/access`, VALID_GRANT, { authorization: `Bearer ${jwt}` });
    return res;
  }

  it('accepts a valid token carrying the admin role and records who granted', async () => {
    const res = await attempt(await token());
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.grant.grantedBy, 'admin@contoso.com');
    await t.anonymous.delete(`${FEATURE}/access`, { authorization: `Bearer ${await token()}` });
  });

  const refusals: [string, () => Promise<string>, number][] = [
    ['a wrong audience', () => token((_h, p) => { p['aud'] = 'api://someone-else'; }), 401],
    ['a wrong issuer', () => token((_h, p) => { p['iss'] = 'https://login.example.com/evil/v2.0'; }), 401],
    ['an expired token', () => token(() => {}, -120), 401],
    ['a token not valid yet', () => token((_h, p) => { p['nbf'] = Math.floor(Date.now() / 1000) + 3600; }), 401],
    ['alg none', async () => {
      const [, payload] = (await token()).split('.');
      return `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    }, 401],
    ['HS256 signed with the public key (key confusion)', async () => {
      // The attacker knows the public key: it is published at the JWKS endpoint.
      const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
      const jwk = jwks.keys[0]!;
      const pem = await exportSPKI((await importJWK(jwk as never, 'RS256')) as never);
      return new SignJWT({ roles: [role], preferred_username: 'mallory' })
        .setProtectedHeader({ alg: 'HS256', kid: String(jwk['kid']) })
        .setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('10m')
        .sign(new TextEncoder().encode(pem));
    }, 401],
    ['a tampered payload', async () => {
      const [h, p, s] = (await token((_h, pl) => { pl['roles'] = ['Reader']; })).split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
      payload.roles = [role];
      return `${h}.${b64(payload)}.${s}`;
    }, 401],
    ['a token without the admin role', () => token((_h, p) => { p['roles'] = ['RemoteSupport.Engineer']; }), 403],
    ['a token signed by an unknown key', async () => {
      const other = new OAuth2Server();
      await other.issuer.keys.generate('RS256');
      other.issuer.url = issuer;
      return other.issuer.buildToken({ scopesOrTransform: (_h, p) => { p['aud'] = audience; p['roles'] = [role]; } });
    }, 401],
  ];

  for (const [name, make, status] of refusals) {
    it(`refuses ${name} with ${status} and changes nothing`, async () => {
      const before = t.gateway.db.prepare('SELECT COUNT(*) FROM grants').pluck().get();
      const res = await attempt(await make());
      assert.equal(res.status, status, res.text);
      assert.equal(res.body.error.code, status === 401 ? 'Unauthenticated' : 'Forbidden');
      assert.equal(t.gateway.db.prepare('SELECT COUNT(*) FROM grants').pluck().get(), before);
    });
  }

  it('ignores the local credential file and cookies in Entra ID mode', async () => {
    assert.equal(t.gateway.localCredential, null);
    const res = await t.anonymous.get(`${FEATURE}/status`, { cookie: 'rs_admin=anything' });
    assert.equal(res.status, 401);
  });
});
