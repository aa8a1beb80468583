import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FailureWindow, LOGIN_CODE_TTL_MS, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../src/domain/admin-sign-in';
import { MINUTE_MS } from '../src/domain/clock';
import { FakeClock } from '../src/test-support/fake-clock';
import { BrowserSession, FEATURE, mintLoginLink, signInBrowser, startTestGateway, tempDir, TestGateway } from './helpers/gateway-fixture';

const status = (t: TestGateway, s: BrowserSession) => t.anonymous.get(`${FEATURE}/status`, { cookie: s.cookie }).then((r) => r.status);

describe('one-time login links', () => {
  const clock = new FakeClock();
  const lines: string[] = [];
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ clock, log: (l) => lines.push(l) });
  });
  after(async () => t.stop());

  it('signs in once: the same link used again is refused and sets no cookie', async () => {
    const link = await mintLoginLink(t);
    assert.match(link, /^\/login\?code=[A-Za-z0-9_-]{43}$/, 'a 256-bit random code');
    assert.equal((await t.anonymous.get(link)).status, 303);
    const again = await t.anonymous.get(link);
    assert.equal(again.status, 401);
    assert.equal(again.body.error.code, 'LoginCodeInvalid');
    assert.match(again.body.error.message, /already used/);
    assert.equal(again.headers['set-cookie'], undefined);
  });

  it('refuses a link after its ten minutes, and accepts one just before', async () => {
    const late = await mintLoginLink(t);
    const inTime = await mintLoginLink(t);
    clock.advance(LOGIN_CODE_TTL_MS - 1);
    assert.equal((await t.anonymous.get(inTime)).status, 303);
    clock.advance(1);
    const res = await t.anonymous.get(late);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'LoginCodeInvalid');
    assert.match(res.body.error.message, /expired/);
  });

  it('refuses a wrong code, no code, and the retired link that carried the credential, saying how to get a link', async () => {
    for (const path of ['/login?code=AAAA', '/login', `/login?token=${encodeURIComponent(t.gateway.localCredential!.secret)}`]) {
      const res = await t.anonymous.get(path);
      assert.equal(res.status, 401, path);
      assert.equal(res.body.error.code, 'LoginCodeInvalid');
      assert.match(res.body.error.message, /remote-support login-link/, path);
      assert.equal(res.headers['set-cookie'], undefined);
    }
    const retired = await t.anonymous.get(`/login?token=${encodeURIComponent(t.gateway.localCredential!.secret)}`);
    assert.match(retired.body.error.message, /no longer carry the admin credential/);
  });

  it('mints links only for an authenticated admin', async () => {
    const res = await t.anonymous.post('/api/login-links');
    assert.equal(res.status, 401);
    const browser = await signInBrowser(t);
    const withoutXsrf = await t.anonymous.post('/api/login-links', undefined, { cookie: browser.cookie });
    assert.equal(withoutXsrf.status, 403, 'a cookie caller needs the XSRF header to mint');
    const minted = await t.anonymous.post('/api/login-links', undefined, { cookie: browser.cookie, 'x-xsrf-token': browser.xsrf });
    assert.equal(minted.status, 201);
    assert.equal(minted.body.expiresAt, new Date(clock.now() + LOGIN_CODE_TTL_MS).toISOString());
  });

  it('logs refused sign-ins with the address, never the code', async () => {
    const link = await mintLoginLink(t);
    const code = link.slice('/login?code='.length);
    await t.anonymous.get(link);
    await t.anonymous.get(link);
    assert.ok(lines.some((l) => /sign-in refused from \S+: unknown or already used code/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes(code)), 'no log line holds the code');
    assert.ok(!lines.some((l) => l.includes(t.gateway.localCredential!.secret)), 'no log line holds the credential');
  });
});

describe('sign-in rate limit', () => {
  const clock = new FakeClock();
  const lines: string[] = [];
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ clock, log: (l) => lines.push(l) });
  });
  after(async () => t.stop());

  it('answers 429 with Retry-After to bad codes after 10 failures a minute from one address, and still lets a valid code in', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await t.anonymous.get(`/login?code=wrong${i}`)).status, 401);
    const throttled = await t.anonymous.get('/login?code=wrong-again');
    assert.equal(throttled.status, 429);
    assert.equal(throttled.body.error.code, 'TooManySignInAttempts');
    assert.equal(throttled.headers['retry-after'], '60');
    assert.equal(throttled.headers['set-cookie'], undefined);
    clock.advance(30_000);
    assert.equal((await t.anonymous.get('/login?code=wrong-again')).headers['retry-after'], '30');
    // Strangers sending bad codes do not lock the admin out: a valid code is not theirs to guess.
    const valid = await mintLoginLink(t);
    const admitted = await t.anonymous.get(valid);
    assert.equal(admitted.status, 303);
    assert.ok(admitted.headers['set-cookie']);
    assert.equal((await t.anonymous.get(valid)).status, 429, 'a spent code is a bad code, still throttled');
    clock.advance(30_000);
    assert.equal((await t.anonymous.get('/login?code=wrong-again')).status, 401, 'the window slides');
    assert.ok(lines.some((l) => /sign-in refused from \S+: too many failed attempts/.test(l)));
  });

  it('counts failures per address and overall', () => {
    const w = new FailureWindow(60_000, 3, 5);
    for (let i = 0; i < 3; i++) w.fail('10.0.0.1', 1000);
    assert.equal(w.retryAfter('10.0.0.1', 1000), 60_000);
    assert.equal(w.retryAfter('10.0.0.2', 1000), 0, 'another address may still try');
    w.fail('10.0.0.2', 2000);
    w.fail('10.0.0.3', 3000);
    assert.equal(w.retryAfter('10.0.0.4', 3000), 58_000, 'five failures overall stop every address');
    assert.equal(w.retryAfter('10.0.0.4', 61_000), 0, 'the window slides');
  });
});

describe('browser sessions: expiry, sign-out and revocation', () => {
  const clock = new FakeClock();
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ clock });
  });
  after(async () => t.stop());

  it('ends a session after an hour without a request', async () => {
    const s = await signInBrowser(t);
    clock.advance(SESSION_IDLE_MS - MINUTE_MS);
    assert.equal(await status(t, s), 200, 'a request just inside the idle limit keeps it alive');
    clock.advance(SESSION_IDLE_MS - MINUTE_MS);
    assert.equal(await status(t, s), 200);
    clock.advance(SESSION_IDLE_MS);
    const res = await t.anonymous.get(`${FEATURE}/status`, { cookie: s.cookie });
    assert.equal(res.status, 401);
    assert.match(res.body.error.message, /idle for an hour/);
  });

  it('ends a busy session 12 hours after sign-in', async () => {
    const s = await signInBrowser(t);
    const signedInAt = clock.now();
    while (clock.now() + 50 * MINUTE_MS < signedInAt + SESSION_ABSOLUTE_MS) {
      clock.advance(50 * MINUTE_MS);
      assert.equal(await status(t, s), 200);
    }
    clock.set(signedInAt + SESSION_ABSOLUTE_MS - 1);
    assert.equal(await status(t, s), 200);
    clock.advance(1);
    const res = await t.anonymous.get(`${FEATURE}/status`, { cookie: s.cookie });
    assert.equal(res.status, 401);
    assert.match(res.body.error.message, /12-hour limit/);
  });

  it('signs out: POST /api/logout (with the XSRF header) revokes the session and clears the cookies', async () => {
    const s = await signInBrowser(t);
    assert.equal((await t.anonymous.post('/api/logout', undefined, { cookie: s.cookie })).status, 403, 'sign-out is a change: it needs the XSRF header');
    const out = await t.anonymous.post('/api/logout', undefined, { cookie: s.cookie, 'x-xsrf-token': s.xsrf });
    assert.equal(out.status, 200);
    assert.deepEqual(out.body, { signedOut: true });
    const cleared = (out.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]);
    assert.ok(cleared.includes('rs_admin=') && cleared.includes('XSRF-TOKEN='), cleared.join(', '));
    assert.equal(await status(t, s), 401, 'the old cookie no longer signs in');
    assert.deepEqual((await t.api.post('/api/logout')).body, { signedOut: false }, 'a bearer caller has no session to end');
  });

  it('lists sessions and revokes one by id; the revoked browser is refused, the other is not', async () => {
    const a = await signInBrowser(t);
    const b = await signInBrowser(t);
    const mine = await t.anonymous.get('/api/admin-sessions', { cookie: a.cookie });
    const current = mine.body.sessions.filter((x: { current: boolean }) => x.current);
    assert.equal(current.length, 1);
    const idA = current[0].id as string;
    const listed = await t.api.get('/api/admin-sessions');
    const active = listed.body.sessions.filter((x: { state: string }) => x.state === 'active');
    assert.equal(active.length, 2);
    const res = await t.api.delete(`/api/admin-sessions/${idA}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.session.state, 'revoked');
    assert.equal(await status(t, a), 401);
    assert.equal(await status(t, b), 200);

    const unknown = await t.api.delete('/api/admin-sessions/3f2b9c1e-8d4a-4f6b-9a7c-2e5d1b0c9f43');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'AdminSessionNotFound');
    const malformed = await t.api.delete('/api/admin-sessions/not-a-uuid');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'InvalidAdminSessionId');
  });

  it('gives each session its own XSRF token', async () => {
    const a = await signInBrowser(t);
    const b = await signInBrowser(t);
    assert.notEqual(a.xsrf, b.xsrf);
    const crossed = await t.anonymous.post('/api/logout', undefined, { cookie: a.cookie, 'x-xsrf-token': b.xsrf });
    assert.equal(crossed.status, 403);
    assert.equal(crossed.body.error.code, 'CsrfTokenInvalid');
  });

  it('keeps only a hash of the cookie secret in the database', async () => {
    const s = await signInBrowser(t);
    const secret = decodeURIComponent(/rs_admin=([^;]+)/.exec(s.cookie)![1]!).split('.')[0]!;
    const rows = t.gateway.db.prepare('SELECT * FROM admin_sessions').all();
    assert.ok(rows.length > 0);
    assert.ok(!JSON.stringify(rows).includes(secret));
  });
});

describe('browser sessions across a restart', () => {
  it('keeps a valid session, and forgets unused login links', async () => {
    const clock = new FakeClock();
    const dir = tempDir();
    let t = await startTestGateway({ clock, dataDir: dir.path });
    try {
      const s = await signInBrowser(t);
      const unused = await mintLoginLink(t);
      await t.stop();
      clock.advance(10 * MINUTE_MS);
      t = await startTestGateway({ clock, dataDir: dir.path });
      assert.equal(await status(t, s), 200, 'the session survives the restart');
      assert.equal((await t.anonymous.get(unused)).status, 401, 'login codes live only in memory');
      clock.advance(SESSION_IDLE_MS);
      assert.equal(await status(t, s), 401, 'and still expires');
    } finally {
      await t.stop();
      dir.remove();
    }
  });
});

describe('login links with Entra ID', () => {
  it('exist only with the local admin credential', async () => {
    const t = await startTestGateway({
      config: { auth: { mode: 'entra', issuer: 'https://login.example.com/tenant/v2.0', audience: 'api://x', jwks: { keys: [] }, adminRole: 'Admin' } },
    });
    try {
      assert.equal((await t.anonymous.get('/login?code=anything')).body.error.code, 'LocalSignInOnly');
    } finally {
      await t.stop();
    }
  });
});
