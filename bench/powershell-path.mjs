// The extension's two transports side by side, in one run against one gateway:
//   direct  — the admin API over HTTPS (the project's host page);
//   PowerShell — what the extension does inside Windows Admin Center: the SDK's PowerShell API
//                (here the gateway's stand-in, a warm pwsh runspace per session) running the
//                wrapper script, which calls the AzStackHCI.RemoteSupport cmdlet, which calls the
//                admin API over HTTPS with the machine credential.
// Reads (status) and changes (grant then revoke). Prints p50/p95 and the ratio PowerShell/direct.
// Run: (cd gateway-plugin && npm run build) && node bench/powershell-path.mjs [rounds]
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const dist = (p) => require(join(process.cwd(), 'gateway-plugin', 'dist', 'src', p));
const { startGateway } = dist('gateway.js');
const { CHANNEL_LIMIT_DEFAULTS, DEFAULT_LIMITS } = dist('config/config.js');

const ROUNDS = Number(process.argv[2] ?? 20);
const CLUSTER = 'hci-cl01.contoso.local';
const FEATURE = `/api/nodes/${CLUSTER}/features/remoteSupport`;
const PS_API = `/api/nodes/${CLUSTER}/features/powershellApi`;
const VERSION = 'api-version=2019-02-01';
const WRAPPER = readFileSync(join(process.cwd(), 'powershell', 'extension', 'Invoke-RemoteSupportCommand.ps1'), 'utf8');

function call(gw, headers, method, path, body) {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(new URL(path, gw.url), { method, ca: gw.caCert, headers: { ...headers, ...(text !== undefined ? { 'content-type': 'application/json' } : {}) } }, (r) => {
      let t = '';
      r.on('data', (c) => (t += c));
      r.on('end', () => resolve({ status: r.statusCode, body: t ? JSON.parse(t) : undefined }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const stats = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p95: at(0.95) };
};
const fmt = (x) => `${x.toFixed(1)} ms`;

const dir = mkdtempSync(join(tmpdir(), 'rs-bench-pspath-'));
const gw = await startGateway({
  mode: 'embedded', host: '127.0.0.1', port: 0, dataDir: dir, tls: {}, auth: { mode: 'local' }, wacTransport: 'powershell',
  cluster: { stepDelayMs: 0 }, channel: CHANNEL_LIMIT_DEFAULTS, executor: { kind: 'simulated' }, limits: DEFAULT_LIMITS,
}, { log: () => {} });
const admin = { authorization: `Bearer ${gw.localCredential.secret}` };
try {
  await call(gw, admin, 'POST', `${FEATURE}/agent/install`, {});
  await gw.agents.idle();

  // One keyed PowerShell session, as the extension's transport keeps: the first command opens it.
  let sessionId = null;
  async function powershell(parameters) {
    const packet = JSON.stringify({ properties: { script: WRAPPER, command: null, module: null, parameters, state: 'ready', useInProcRunspace: false } });
    let answer = sessionId
      ? await call(gw, admin, 'POST', `${PS_API}/pssessions/${sessionId}/invokeCommand?${VERSION}`, packet)
      : await call(gw, admin, 'PUT', `${PS_API}/pssessions/remote-support-hci-newSession?${VERSION}`, packet);
    const results = [];
    for (;;) {
      if (answer.status !== 200) throw new Error(`PowerShell API answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      sessionId = answer.body.properties.sessionId;
      results.push(...answer.body.properties.results);
      if (answer.body.properties.completed === 'True') break;
      answer = await call(gw, admin, 'GET', `${PS_API}/pssessions/${sessionId}?$expand=output&${VERSION}`);
    }
    const out = JSON.parse(results.join(''));
    if (!out.ok) throw new Error(`${parameters.RemoteSupportCommand}: ${JSON.stringify(out.error)}`);
    return out.data;
  }

  const timed = async (fn) => {
    const start = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };

  // Warm both paths (the first cmdlet call in a runspace imports the module and compiles the certificate pin).
  const firstPs = await timed(() => powershell({ RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportStatus' }));
  await call(gw, admin, 'GET', `${FEATURE}/status`);

  const rows = [];
  const direct = { read: [], change: [] };
  const ps = { read: [], change: [] };
  // Interleaved, so both paths see the same machine load.
  for (let i = 0; i < ROUNDS; i++) {
    direct.read.push(await timed(async () => {
      const r = await call(gw, admin, 'GET', `${FEATURE}/status`);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
    }));
    ps.read.push(await timed(() => powershell({ RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportStatus' })));
    direct.change.push(await timed(async () => {
      const g = await call(gw, admin, 'POST', `${FEATURE}/access`, { accessLevel: 'Diagnostics', expireInMinutes: 480, agreeToRemoteSupportConsent: true });
      if (g.status !== 201) throw new Error(`grant ${g.status}`);
      const r = await call(gw, admin, 'DELETE', `${FEATURE}/access`);
      if (r.status !== 200) throw new Error(`revoke ${r.status}`);
    }));
    ps.change.push(await timed(async () => {
      await powershell({ RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', AccessLevel: 'Diagnostics', ExpireInMinutes: 480, AgreeToRemoteSupportConsent: true });
      await powershell({ RemoteSupportCommand: 'Disable-AzStackHCIRemoteSupport' });
    }));
  }
  for (const kind of ['read', 'change']) {
    const d = stats(direct[kind]);
    const p = stats(ps[kind]);
    rows.push([kind === 'read' ? 'read the status' : 'grant + revoke', fmt(d.p50), fmt(d.p95), fmt(p.p50), fmt(p.p95), `${(p.p50 / d.p50).toFixed(1)}x`]);
  }
  console.log(`The extension's transports, ${ROUNDS} rounds interleaved (first PowerShell call in a new runspace: ${fmt(firstPs)})`);
  console.log(['what', 'direct p50', 'direct p95', 'PowerShell p50', 'PowerShell p95', 'PowerShell/direct (p50)'].join(' | '));
  for (const row of rows) console.log(row.join(' | '));
  const grants = await call(gw, admin, 'GET', `${FEATURE}/access?includeExpired=true`);
  const byModule = grants.body.grants.filter((g) => g.grantedById?.startsWith('machine:')).length;
  console.log(`grants recorded: ${grants.body.grants.length} (${byModule} granted through the module, by ${grants.body.grants.find((g) => g.grantedById?.startsWith('machine:'))?.grantedBy})`);
} finally {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
}
