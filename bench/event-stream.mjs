// The attacks of issue 11 on the wire, re-run against the built gateway:
//   1. memory with STALLED event-stream subscribers (default 500) that never read,
//      while EVENTS live events (default 3000, ~6 kB each, about one command's
//      transcript entry) are published: the gateway's RSS growth, how many were
//      dropped for falling behind, the most any stream held buffered; and how
//      many of the 500 the default caps let in at all;
// The gateway runs in a child process, so the RSS printed is the gateway's alone.
//   2. slow-body connections (SLOW, default 100, with and without credentials)
//      still open after the body timeout (2 s here).
// Run: npm run build (in gateway-plugin) && node --expose-gc bench/event-stream.mjs
// Prints figures; no pass/fail.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dist = (p) => require(join(process.cwd(), 'gateway-plugin', 'dist', 'src', p));
const { startGateway } = dist('gateway.js');
const { CHANNEL_LIMIT_DEFAULTS, DEFAULT_LIMITS } = dist('config/config.js');

const STALLED = Number(process.env.BENCH_STALLED ?? 500);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const SLOW = Number(process.env.BENCH_SLOW ?? 100);
const CLUSTER = 'hci-cl01.contoso.local';
const FEATURE = `/api/nodes/${CLUSTER}/features/remoteSupport`;
const MB = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const settle = () => new Promise((r) => setTimeout(r, 200));
const rss = async () => {
  globalThis.gc?.();
  await settle();
  return process.memoryUsage().rss;
};

/**
 * The gateway runs in a child process of its own, so its RSS is the
 * gateway's alone (the bench's 500 client sockets live in this process).
 */
async function gateway(limits) {
  const child = fork(fileURLToPath(import.meta.url), ['gateway'], { execArgv: ['--expose-gc'], env: { ...process.env, BENCH_LIMITS: JSON.stringify(limits) } });
  const pending = [];
  child.on('message', (m) => pending.shift()?.(m));
  const ask = (m) => new Promise((resolve) => { pending.push(resolve); if (m) child.send(m); });
  const gw = await ask();
  return {
    gw,
    ask,
    stop: async () => { await ask({ op: 'stop' }); child.disconnect(); },
  };
}

if (process.argv[2] === 'gateway') {
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-wire-'));
  const gw = await startGateway({
    mode: 'embedded', host: '127.0.0.1', port: 0, dataDir: dir, tls: {}, auth: { mode: 'local' },
    cluster: { stepDelayMs: 0 }, channel: { ...CHANNEL_LIMIT_DEFAULTS, idleTimeoutMinutes: 60, commandTimeoutSeconds: 60 }, executor: { kind: 'simulated' },
    limits: { ...DEFAULT_LIMITS, ...JSON.parse(process.env.BENCH_LIMITS) },
  }, { log: () => {} });
  process.on('message', async (m) => {
    if (m.op === 'rss') process.send({ rss: await rss(), stats: gw.eventStreams.stats() });
    if (m.op === 'publish') {
      const line = 'x'.repeat(m.bytes);
      for (let i = 0; i < m.count; i++) {
        gw.events.publish('transcript.entry', CLUSTER, { n: i, line });
        if (i % 20 === 19) await new Promise((r) => setImmediate(r));
      }
      process.send({ done: true });
    }
    if (m.op === 'stop') {
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
      process.send({ stopped: true });
    }
  });
  process.send({ port: gw.port, caCert: gw.caCert, secret: gw.localCredential.secret });
} else {
  await main();
}

/** An event-stream subscriber over TLS that stops reading once the answer's head is in; resolves with the status. */
function stalled(gw) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: gw.port, ca: gw.caCert, servername: 'localhost' }, () =>
      socket.write(`GET ${FEATURE}/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${gw.secret}\r\n\r\n`));
    socket.on('error', () => resolve({ socket, status: 0 }));
    socket.once('data', (c) => {
      socket.pause();
      resolve({ socket, status: Number(/^HTTP\/1\.1 (\d+)/.exec(c.toString('latin1'))?.[1] ?? 0) });
    });
  });
}

async function streams(limits, label) {
  const { gw, ask, stop } = await gateway(limits);
  const { rss: before } = await ask({ op: 'rss' });
  const subs = [];
  for (let i = 0; i < STALLED; i += 50) subs.push(...(await Promise.all(Array.from({ length: Math.min(50, STALLED - i) }, () => stalled(gw)))));
  const accepted = subs.filter((s) => s.status === 200).length;
  await ask({ op: 'publish', count: EVENTS, bytes: 6 * 1024 });
  const { rss: after, stats } = await ask({ op: 'rss' });
  console.log(`${label}: ${STALLED} stalled subscribers, ${accepted} accepted (${STALLED - accepted} refused), ${EVENTS} events of 6 kB`);
  console.log(`  gateway RSS ${MB(before)} -> ${MB(after)} (growth ${MB(after - before)}); dropped for falling behind: ${stats.dropped}; still open: ${stats.open}; most bytes any stream held: ${stats.peakBufferedBytes}`);
  for (const s of subs) s.socket.destroy();
  await stop();
}

/** Opens a connection that sends a request head announcing a body, then drips it a byte every 100 ms; resolves when it closes. */
function slowBody(gw, signedIn) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: gw.port, ca: gw.caCert, servername: 'localhost' }, () => {
      socket.write(`POST ${FEATURE}/access HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n${signedIn ? `Authorization: Bearer ${gw.secret}\r\n` : ''}\r\n`);
      const drip = setInterval(() => socket.write(' '), 100);
      socket.on('close', () => { clearInterval(drip); resolve(); });
    });
    socket.on('error', () => {});
    socket.on('data', () => {});
  });
}

async function slow() {
  const { gw, stop } = await gateway({ headersTimeoutSeconds: 2, bodyTimeoutSeconds: 2, connectionsPerAddress: 1000 });
  for (const signedIn of [false, true]) {
    let open = SLOW;
    for (let i = 0; i < SLOW; i++) void slowBody(gw, signedIn).then(() => open--);
    await new Promise((r) => setTimeout(r, 2000 + 3000));
    console.log(`slow-body connections ${signedIn ? 'with' : 'without'} credentials still open 3 s after the 2 s body timeout: ${open} of ${SLOW}`);
  }
  await stop();
}

async function main() {
  await streams({ eventStreams: 1000, eventStreamsPerAdmin: 1000, connectionsPerAddress: 1000 }, 'caps raised to 1000 (backpressure alone)');
  await streams({}, 'default caps');
  await slow();
}
