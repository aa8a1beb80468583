// Benchmarks of the support channel, measured side by side in one run:
//   1. command round trip through the gateway (policy check, simulated executor,
//      durable transcript writes) against an echo over the same TLS that answers
//      with the gateway's own frames (recorded), and against the physical floor:
//      the echo plus two fsyncs of the data disk (measured here);
//   2. commands per second with 1, 16 and 256 concurrent sessions, and the same
//      loop against the echo (the transport's throughput);
//   3. time from a revoke call to the last of 100 live sessions closed.
// Run: npm run build && node bench/channel.mjs   (prints ratios; no pass/fail)
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { api, fmt, pct } from './support.mjs';

const require = createRequire(import.meta.url);
const dist = (p) => require(join(process.cwd(), 'gateway-plugin', 'dist', 'src', p));
const { startGateway } = dist('gateway.js');
const { CHANNEL_LIMIT_DEFAULTS, DEFAULT_LIMITS } = dist('config/config.js');
const { ChannelClient } = dist('console/channel-client.js');
const { acquireToken } = dist('console/token-source.js');
const { WebSocketServer, WebSocket } = require(join(process.cwd(), 'node_modules', 'ws'));

const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 400);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 3000);
const CLUSTER = 'hci-cl01.contoso.local';
const FEATURE = `/api/nodes/${CLUSTER}/features/remoteSupport`;

const dir = mkdtempSync(join(tmpdir(), 'rs-bench-'));
const gw = await startGateway({
  mode: 'embedded', host: '127.0.0.1', port: 0, dataDir: dir, tls: {}, auth: { mode: 'local' },
  cluster: { stepDelayMs: 0 }, // One engineer holds all 256 sessions: lift the per-engineer and per-grant session caps (5 and 50 by default) above them.
  channel: { ...CHANNEL_LIMIT_DEFAULTS, idleTimeoutMinutes: 60, commandTimeoutSeconds: 60, maxSessionsPerEngineer: 1000, maxSessionsPerGrant: 1000 }, executor: { kind: 'simulated' },
  // All 256 sessions come from loopback: lift the per-address connection cap (100 by default) above them.
  limits: { ...DEFAULT_LIMITS, connectionsPerAddress: 1000 },
}, { log: () => {} });
const op = await api(gw, 'POST', `${FEATURE}/agent/install`, {});
await gw.agents.idle();
if (op.status !== 202) throw new Error('install failed');
const grant = () => api(gw, 'POST', `${FEATURE}/access`, { accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, supportCaseNumber: 'bench' });
await grant();
const reg = gw.identityProvider.registration;
const token = await acquireToken({ kind: 'client-credentials', authority: reg.authority, clientId: reg.clientId, clientSecret: reg.clientSecret, scope: reg.scope, ca: gw.caCert });

async function session(nodes = ['hci-n01']) {
  const c = await ChannelClient.connect(gw.channelUrl, token, { ca: gw.caCert });
  await c.open('bench', nodes);
  return c;
}

// The frames the gateway answers one command with (accepted, the node's output, done), recorded
// once, so the echo below answers with the same frames and sizes: the transport's floor for this protocol.
async function recordFrames() {
  const raw = new WebSocket(gw.channelUrl, { ca: gw.caCert, headers: { authorization: `Bearer ${token}` } });
  await new Promise((r, j) => { raw.once('open', r); raw.once('error', j); });
  const frames = [];
  await new Promise((resolve) => {
    raw.on('message', (m) => {
      const msg = JSON.parse(m.toString());
      if (msg.type === 'opened') raw.send(JSON.stringify({ type: 'run', id: 'rec', line: 'Get-ClusterNode' }));
      else if (msg.id === 'rec') { frames.push(m.toString()); if (msg.type === 'done') resolve(); }
    });
    raw.send(JSON.stringify({ type: 'open', supportCase: 'bench', nodes: ['hci-n01'] }));
  });
  raw.close();
  return frames;
}
const recorded = await recordFrames();

// 1. Round trip: gateway command vs an echo over the same TLS certificate that answers each request with the gateway's frames.
const echoServer = createServer({ cert: gw.caCert, key: require('node:fs').readFileSync(join(dir, 'tls', 'gateway.key')), minVersion: 'TLSv1.2' });
const wss = new WebSocketServer({ server: echoServer });
wss.on('connection', (ws) => ws.on('message', (m) => {
  const id = JSON.parse(m.toString()).id;
  for (const f of recorded) ws.send(f.replace('"id":"rec"', `"id":${JSON.stringify(id)}`));
}));
await new Promise((r) => echoServer.listen(0, '127.0.0.1', r));
async function echoClient() {
  const ws = new WebSocket(`wss://127.0.0.1:${echoServer.address().port}`, { ca: gw.caCert });
  await new Promise((r) => ws.once('open', r));
  let n = 0;
  const run = () => new Promise((resolve) => {
    const id = `e${n++}`;
    const onMessage = (m) => { if (m.toString().includes('"type":"done"')) { ws.off('message', onMessage); resolve(); } };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'run', id, line: 'Get-ClusterNode' }));
  });
  return { run, close: () => ws.close() };
}
const echo = await echoClient();
const echoOnce = () => echo.run();

// The data disk's fsync, the physical floor of a durable command (two in a row: the command, then its output).
const { openSync, writeSync, fsyncSync, closeSync } = require('node:fs');
const probe = openSync(join(dir, 'fsync-probe'), 'w');
const fsyncTimes = [];
for (let i = 0; i < 200; i++) {
  writeSync(probe, Buffer.alloc(4096, i % 256), 0, 4096, 0);
  const t = performance.now();
  fsyncSync(probe);
  fsyncTimes.push(performance.now() - t);
}
closeSync(probe);
const fsyncP50 = pct(fsyncTimes, 50);

const c1 = await session();
for (let i = 0; i < 50; i++) { await c1.run('Get-ClusterNode'); await echoOnce(); } // warm-up
const gwTimes = [];
const echoTimes = [];
for (let i = 0; i < ROUND_TRIPS; i++) {
  let t = performance.now();
  await c1.run('Get-ClusterNode');
  gwTimes.push(performance.now() - t);
  t = performance.now();
  await echoOnce();
  echoTimes.push(performance.now() - t);
}
await c1.close();
const p50g = pct(gwTimes, 50), p50e = pct(echoTimes, 50), p99g = pct(gwTimes, 99), p99e = pct(echoTimes, 99);
console.log(`round trip (${ROUND_TRIPS} each, interleaved)`);
console.log(`  gateway command (check + simulated node + 2 durable transcript writes): p50 ${fmt(p50g)}  p99 ${fmt(p99g)}`);
console.log(`  bare WebSocket echo over the same TLS:                                  p50 ${fmt(p50e)}  p99 ${fmt(p99e)}`);
console.log(`  ratio gateway/echo: p50 ${(p50g / p50e).toFixed(1)}x  p99 ${(p99g / p99e).toFixed(1)}x`);
console.log(`  data disk fsync (4 KiB): p50 ${fmt(fsyncP50)}; floor = echo + 2 fsyncs = ${fmt(p50e + 2 * fsyncP50)}`);
console.log(`  ratio gateway/floor: p50 ${(p50g / (p50e + 2 * fsyncP50)).toFixed(2)}x (goal: 1.5x or less)`);

// 2. Throughput with 1, 16 and 256 concurrent sessions.
console.log(`\ncommands per second (${THROUGHPUT_MS} ms per run; each session sends its next command when the last is done)`);
const rates = {};
for (const n of [1, 16, 256]) {
  const clients = [];
  for (let i = 0; i < n; i++) clients.push(await session());
  const before = gw.writer.stats;
  let done = 0;
  let stop = false;
  const start = performance.now();
  await Promise.all(clients.map(async (c) => { while (!stop) { await c.run('Get-ClusterNode'); done++; if (performance.now() - start > THROUGHPUT_MS) stop = true; } }));
  const secs = (performance.now() - start) / 1000;
  const after = gw.writer.stats;
  const entries = after.entries - before.entries;
  const flushes = after.flushes - before.flushes;
  rates[n] = done / secs;
  console.log(`  ${String(n).padStart(3)} sessions: ${rates[n].toFixed(0).padStart(6)} commands/s   ${(entries / flushes).toFixed(1)} transcript entries per fsync`);
  await Promise.all(clients.map((c) => c.close()));
}
console.log(`  ratio 16/1: ${(rates[16] / rates[1]).toFixed(1)}x   256/1: ${(rates[256] / rates[1]).toFixed(1)}x`);
// The same loop against the echo (same frames, same TLS): the transport's own throughput.
for (const n of [1, 16, 256]) {
  const clients = [];
  for (let i = 0; i < n; i++) clients.push(await echoClient());
  let done = 0;
  let stop = false;
  const start = performance.now();
  await Promise.all(clients.map(async (c) => { while (!stop) { await c.run(); done++; if (performance.now() - start > THROUGHPUT_MS) stop = true; } }));
  const rate = done / ((performance.now() - start) / 1000);
  console.log(`  echo, ${String(n).padStart(3)} clients: ${rate.toFixed(0).padStart(6)} pairs/s   gateway/echo ${(rates[n] / rate).toFixed(2)}x${n === 256 ? ' (goal: 0.3x or more)' : ''}`);
  clients.forEach((c) => c.close());
}

// 3. Revoke with 100 live sessions: time from the call to the last socket closed.
const live = [];
for (let i = 0; i < 100; i++) live.push(await session());
const closedAt = [];
const allClosed = Promise.all(live.map((c) => c.closed().then(() => closedAt.push(performance.now()))));
const t0 = performance.now();
const revoke = await api(gw, 'DELETE', `${FEATURE}/access`);
const tReturn = performance.now();
await allClosed;
console.log(`\nrevoke with 100 live sessions: ${revoke.body.sessionsEnded} ended before the call returned`);
console.log(`  revoke call returned after ${fmt(tReturn - t0)}; last engineer socket closed after ${fmt(Math.max(...closedAt) - t0)}`);
console.log(`  (one bare echo round trip for scale: ${fmt(p50e)})`);

echo.close();
for (const c of wss.clients) c.terminate();
wss.close();
echoServer.close();
await gw.close();
rmSync(dir, { recursive: true, force: true });
