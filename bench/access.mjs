// Re-runs the access and input attacks of issue 11 (defects 4, 5, 6 and point 11)
// against a real gateway and prints what happened (no pass/fail; the tests decide):
//   1. admin credential rotation: how many requests the old bearer, cookie and
//      login link still get through after the file is replaced, and the new one;
//   2. file modes in a pre-existing 0755 data directory under umask 022;
//   3. one engineer asking for 300 sessions; 10,000 refused lines in one session;
//   4. the input gaps: null / "1e3" expireInMinutes, duplicate keys, a 2,000-character id, year 0001.
// Run: (cd gateway-plugin && npm run build) && node bench/access.mjs
import { createRequire } from 'node:module';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const dist = (p) => require(join(process.cwd(), 'gateway-plugin', 'dist', 'src', p));
const { startGateway } = dist('gateway.js');
const { CHANNEL_LIMIT_DEFAULTS, DEFAULT_LIMITS } = dist('config/config.js');
const { ChannelClient } = dist('console/channel-client.js');

const CLUSTER = 'hci-cl01.contoso.local';
const FEATURE = `/api/nodes/${CLUSTER}/features/remoteSupport`;
const CASE = '2611250010007777';

function call(gw, method, path, { headers = {}, body, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, gw.url), { method, ca: gw.caCert, ...(localAddress ? { localAddress } : {}), headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } }, (r) => {
      let t = '';
      r.on('data', (c) => (t += c));
      r.on('end', () => resolve({ status: r.statusCode, headers: r.headers, body: t ? JSON.parse(t) : null }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

process.umask(0o022);
const dir = mkdtempSync(join(tmpdir(), 'rs-bench-access-'));
chmodSync(dir, 0o755);
const gw = await startGateway({
  mode: 'embedded', host: '127.0.0.1', port: 0, dataDir: dir, tls: {}, auth: { mode: 'local' },
  cluster: { stepDelayMs: 0 }, channel: { ...CHANNEL_LIMIT_DEFAULTS, idleTimeoutMinutes: 60, commandTimeoutSeconds: 60 }, executor: { kind: 'simulated' },
  limits: DEFAULT_LIMITS,
}, { log: () => {} });
const bearer = (c) => ({ authorization: `Bearer ${c}` });
try {
  // 1. Rotation.
  const credFile = join(dir, 'admin-credential');
  const ROTATIONS = 20;
  let oldBearerOk = 0, oldCookieOk = 0, oldLinkOk = 0, newBearerOk = 0;
  for (let i = 0; i < ROTATIONS; i++) {
    const old = gw.localCredential.secret;
    const login = await call(gw, 'GET', gw.localCredential.mintLoginLink().path);
    const unused = gw.localCredential.mintLoginLink().path;
    const cookie = login.headers['set-cookie'].map((c) => c.split(';')[0]).join('; ');
    const fresh = randomBytes(32).toString('base64url');
    if (i % 2) writeFileSync(credFile, fresh + '\n');
    else { writeFileSync(`${credFile}.new`, fresh + '\n', { mode: 0o600 }); renameSync(`${credFile}.new`, credFile); }
    // The very next request after the replacement, for each kind of old credential.
    if ((await call(gw, 'GET', `${FEATURE}/status`, { headers: bearer(old) })).status === 200) oldBearerOk++;
    if ((await call(gw, 'GET', `${FEATURE}/status`, { headers: { cookie } })).status === 200) oldCookieOk++;
    // Each refused link counts against its address's sign-in limit (10 a minute): one loopback address per round.
    if ((await call(gw, 'GET', unused, { localAddress: `127.0.0.${2 + i}` })).status === 303) oldLinkOk++;
    if ((await call(gw, 'GET', `${FEATURE}/status`, { headers: bearer(fresh) })).status === 200) newBearerOk++;
  }
  console.log(`1. rotation (${ROTATIONS} replacements, half rename, half rewrite in place), on the first request after each:`);
  console.log(`   old bearer accepted ${oldBearerOk}/${ROTATIONS}, old cookie ${oldCookieOk}/${ROTATIONS}, old login link ${oldLinkOk}/${ROTATIONS}; new bearer accepted ${newBearerOk}/${ROTATIONS}`);
  const admin = bearer(gw.localCredential.secret);

  // Activity, so the WAL exists.
  await call(gw, 'POST', `${FEATURE}/agent/install`, { headers: admin, body: {} });
  await gw.agents.idle();
  const grant = await call(gw, 'POST', `${FEATURE}/access`, { headers: admin, body: { accessLevel: 'Diagnostics', expireInMinutes: 480, agreeToRemoteSupportConsent: true, supportCaseNumber: CASE } });

  // 2. File modes.
  const modes = [];
  const walk = (p) => {
    const s = lstatSync(p);
    modes.push(`${p.slice(dir.length) || '/'} ${(s.mode & 0o777).toString(8)}`);
    if (s.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
  const open = modes.filter((m) => !/ (600|700)$/.test(m));
  console.log(`2. data directory (was 0755, umask 022): ${modes.length} entries, ${open.length} readable by others${open.length ? ': ' + open.join(', ') : ''}`);
  console.log(`   ${modes.join('; ')}`);

  // 3. Limits.
  const token = await gw.identityProvider.buildToken();
  let opened = 0, refused = 0;
  const clients = [];
  for (let i = 0; i < 300; i++) {
    const c = await ChannelClient.connect(gw.channelUrl, token, { ca: gw.caCert });
    try {
      await c.open(CASE);
      opened++;
      clients.push(c);
    } catch (e) {
      if (e.code !== 'SessionLimitReached') throw e;
      refused++;
      // A refused connection is closed, as a console would: one address may hold only limits.connectionsPerAddress.
      await c.close();
    }
  }
  console.log(`3. one engineer asking for 300 sessions: ${opened} opened, ${refused} refused (SessionLimitReached)`);
  const session = clients[0];
  const sessionId = gw.channel.sessions[0].id;
  for (let i = 0; i < 10_000; i++) await session.run(`Remove-VM -Name vm${i} -Force`);
  for (const c of clients) await c.close();
  while (gw.channel.sessions.length) await new Promise((r) => setTimeout(r, 20));
  const entries = gw.sessions.allEntries(sessionId);
  const bytes = entries.reduce((n, e) => n + Buffer.byteLength(e.text), 0);
  console.log(`   10,000 refused lines in one session: ${entries.filter((e) => e.kind === 'denied').length} recorded in full, ${entries.length} entries in all (${bytes} bytes of text); summary: "${entries.at(-2).text}"`);

  // 4. Input gaps.
  const g = (body) => call(gw, 'POST', `${FEATURE}/access`, { headers: admin, body });
  const grantBody = (v) => `{"accessLevel":"Diagnostics","agreeToRemoteSupportConsent":true,"expireInMinutes":${v}}`;
  const rows = [
    ['expireInMinutes null', await g(grantBody('null'))],
    ['expireInMinutes "1e3"', await g(grantBody('"1e3"'))],
    ['duplicate accessLevel', await g('{"accessLevel":"Diagnostics","accessLevel":"DiagnosticsRepair","agreeToRemoteSupportConsent":true,"expireInMinutes":60}')],
    ['2,000-character session id', await call(gw, 'GET', `${FEATURE}/sessions/${'a'.repeat(2000)}`, { headers: admin })],
    ['fromDate=0001-01-01', await call(gw, 'GET', `${FEATURE}/sessions?fromDate=0001-01-01`, { headers: admin })],
    ['expireInMinutes 1e3 (the JSON number 1000)', await g(grantBody('1e3'))],
  ];
  console.log('4. input gaps:');
  for (const [what, r] of rows) console.log(`   ${what}: ${r.status} ${r.body?.error ? `${r.body.error.code}${r.body.error.field ? ` (field ${r.body.error.field})` : ''}` : 'ok'}`);
  void grant;
} finally {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
}
