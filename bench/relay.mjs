// The command round trip through the local relay (Azure Relay Hybrid Connections
// protocol: console -> relay -> gateway listener's rendezvous socket) against the
// same command over direct WSS to the gateway, measured interleaved in one run,
// and each against a bare WebSocket echo for scale.
// Run: npm run build && node bench/relay.mjs   (prints ratios; no pass/fail)
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
const { resolveChannelTarget } = dist('console/console-target.js');
const { acquireToken } = dist('console/token-source.js');
const { WebSocketServer, WebSocket } = require(join(process.cwd(), 'node_modules', 'ws'));

const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 400);
const CLUSTER = 'hci-cl01.contoso.local';
const FEATURE = `/api/nodes/${CLUSTER}/features/remoteSupport`;

const dir = mkdtempSync(join(tmpdir(), 'rs-bench-relay-'));
const gw = await startGateway({
  mode: 'embedded', host: '127.0.0.1', port: 0, dataDir: dir, tls: {}, auth: { mode: 'local' },
  cluster: { stepDelayMs: 0 }, channel: { ...CHANNEL_LIMIT_DEFAULTS, idleTimeoutMinutes: 60, commandTimeoutSeconds: 60 }, executor: { kind: 'simulated' },
  limits: DEFAULT_LIMITS, wacTransport: 'direct', relay: { mode: 'local' },
}, { log: () => {} });
await api(gw, 'POST', `${FEATURE}/agent/install`, {});
await gw.agents.idle();
await api(gw, 'POST', `${FEATURE}/access`, { accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, supportCaseNumber: 'bench' });
while (gw.relay.manager.status.state !== 'connected') await new Promise((r) => setTimeout(r, 10));
const reg = gw.identityProvider.registration;
const token = await acquireToken({ kind: 'client-credentials', authority: reg.authority, clientId: reg.clientId, clientSecret: reg.clientSecret, scope: reg.scope, ca: gw.caCert });

// Through the relay, exactly as the console finds it in gateway.json.
const target = resolveChannelTarget({ gateway: undefined, dataDir: dir, caFile: undefined }, {});
let t = performance.now();
const relayed = await ChannelClient.connect(target.url, token, { ca: target.ca, headers: target.headers, relayed: true });
const relayConnectMs = performance.now() - t;
await relayed.open('bench', ['hci-n01']);
t = performance.now();
const direct = await ChannelClient.connect(gw.channelUrl, token, { ca: gw.caCert });
const directConnectMs = performance.now() - t;
await direct.open('bench', ['hci-n01']);

const echoServer = createServer({ cert: gw.caCert, key: readFileSync(join(dir, 'tls', 'gateway.key')), minVersion: 'TLSv1.2' });
const wss = new WebSocketServer({ server: echoServer });
wss.on('connection', (ws) => ws.on('message', (m) => ws.send(m)));
await new Promise((r) => echoServer.listen(0, '127.0.0.1', r));
const echo = new WebSocket(`wss://127.0.0.1:${echoServer.address().port}`, { ca: gw.caCert });
await new Promise((r) => echo.once('open', r));
const echoOnce = () => new Promise((resolve) => { echo.once('message', resolve); echo.send(JSON.stringify({ type: 'run', id: 'x', line: 'Get-ClusterNode' })); });

for (let i = 0; i < 50; i++) { await relayed.run('Get-ClusterNode'); await direct.run('Get-ClusterNode'); await echoOnce(); } // warm-up
const times = { relay: [], direct: [], echo: [] };
for (let i = 0; i < ROUND_TRIPS; i++) {
  t = performance.now(); await relayed.run('Get-ClusterNode'); times.relay.push(performance.now() - t);
  t = performance.now(); await direct.run('Get-ClusterNode'); times.direct.push(performance.now() - t);
  t = performance.now(); await echoOnce(); times.echo.push(performance.now() - t);
}
const [r50, d50, e50] = [pct(times.relay, 50), pct(times.direct, 50), pct(times.echo, 50)];
const [r99, d99] = [pct(times.relay, 99), pct(times.direct, 99)];
console.log(`command round trip (${ROUND_TRIPS} each, interleaved; Get-ClusterNode on one simulated node)`);
console.log(`  through the local relay (Hybrid Connections): p50 ${fmt(r50)}  p99 ${fmt(r99)}`);
console.log(`  direct WSS to the gateway:                    p50 ${fmt(d50)}  p99 ${fmt(d99)}`);
console.log(`  bare WebSocket echo over the same TLS:        p50 ${fmt(e50)}`);
console.log(`  ratio relay/direct: p50 ${(r50 / d50).toFixed(2)}x  p99 ${(r99 / d99).toFixed(2)}x`);
console.log(`connect (one each): through the relay ${fmt(relayConnectMs)} (accept + rendezvous), direct ${fmt(directConnectMs)}; ratio ${(relayConnectMs / directConnectMs).toFixed(1)}x`);

await relayed.close();
await direct.close();
echo.close();
wss.close();
echoServer.close();
await gw.close();
rmSync(dir, { recursive: true, force: true });
