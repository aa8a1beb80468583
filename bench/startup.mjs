// Start-up with a retention backlog (issue 14: "start-up listens at once"):
//   1. time to listening on an empty data directory, and on one holding N days
//      of sessions past the 90-day window (written through the real ledgers:
//      rows, hash chains, seals, registry and full-text index as the gateway
//      writes them); both with their TLS material already made;
//   2. the background purge of that backlog: entries/s (wall clock, with the
//      event loop turning between batches, and while holding the writer), the
//      number of batches and the longest one;
//   3. what the purge costs everyone else: the worst wait of a /health probe
//      and the event loop's longest delay while it runs.
// The slowest batches are those whose commit runs SQLite's automatic WAL
// checkpoint (every 1,000 pages): any writer pays it, the purge just writes
// most. Measured here without it, batches were p50 2 ms, p99 11 ms.
// Defaults finish in well under a minute; scale with the environment:
//   STARTUP_DAYS (2), STARTUP_SESSIONS_PER_DAY (300), STARTUP_ENTRIES_PER_SESSION (55)
//   (issue 14's busy cluster: 2,000 sessions a day of 55 entries).
// Run: (cd gateway-plugin && npm run build) && node bench/startup.mjs   (prints figures; no pass/fail)
import { createRequire } from 'node:module';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { api, fmt, pct } from './support.mjs';

const require = createRequire(import.meta.url);
const dist = (p) => require(join(process.cwd(), 'gateway-plugin', 'dist', p));
const { startGateway } = dist('src/gateway.js');
const { tempDir, testConfig } = dist('test/helpers/gateway-fixture.js');
const { openBacklogStore, writeBacklog } = dist('test/helpers/retention-backlog.js');

const DAY_MS = 24 * 60 * 60 * 1000;
const days = Number(process.env.STARTUP_DAYS ?? 2);
const sessionsPerDay = Number(process.env.STARTUP_SESSIONS_PER_DAY ?? 300);
const entriesPerSession = Number(process.env.STARTUP_ENTRIES_PER_SESSION ?? 55);
const quiet = { log: () => {} };

/** Starts a gateway on `dir` and returns it with the time it took to listen. */
async function timedStart(dir, options = {}) {
  const t0 = performance.now();
  const gw = await startGateway(testConfig(dir), { ...quiet, ...options });
  return { gw, ms: performance.now() - t0 };
}

// The TLS material, the local credential and the schema, made once per directory before anything is timed.
async function prepared() {
  const dir = tempDir('rs-bench-startup-');
  await (await startGateway(testConfig(dir.path), quiet)).close();
  return dir;
}

const empty = await prepared();
const full = await prepared();
// The best of three: the first starts in a process also pay for loading and compiling the code.
let emptyStart = { ms: Infinity };
for (let i = 0; i < 3; i++) {
  const run = await timedStart(empty.path);
  await run.gw.close();
  if (run.ms < emptyStart.ms) emptyStart = run;
}

let t = performance.now();
const store = openBacklogStore(full.path, Date.now() - (95 + days) * DAY_MS);
const backlog = writeBacklog(store, { days, sessionsPerDay, entriesPerSession, endedBefore: Date.now() - 91 * DAY_MS });
store.close();
const writeMs = performance.now() - t;

const batches = [];
let purgeDone = null;
const loop = monitorEventLoopDelay({ resolution: 1 });
const purgeStarted = performance.now();
const fullStart = await timedStart(full.path, { purgeTuning: { onBatch: (b) => batches.push(b) } });
const gw = fullStart.gw;
// From listening on: the start itself (loading, TLS, the first batch) is in the time to listening.
loop.enable();
void gw.janitor.idle().then(() => (purgeDone = performance.now()));
const leftAtListen = gw.db.prepare('SELECT COUNT(*) FROM transcript_entries').pluck().get();
const health = [];
while (purgeDone === null) {
  const h0 = performance.now();
  const res = await api(gw, 'GET', '/health');
  if (res.status !== 200) throw new Error(`/health answered ${res.status}`);
  health.push(performance.now() - h0);
}
loop.disable();
await gw.close();
empty.remove();
full.remove();

const purgeMs = purgeDone - purgeStarted;
const held = batches.reduce((s, b) => s + b.ms, 0);
const entries = batches.reduce((s, b) => s + b.entries, 0);
const ms = batches.map((b) => b.ms);
console.log(`backlog: ${days} day(s) x ${sessionsPerDay} sessions x ${entriesPerSession} entries = ${backlog.sessions} sessions, ${backlog.entries} entries (written in ${(writeMs / 1000).toFixed(1)} s)`);
console.log(`time to listening, empty data dir:   ${fmt(emptyStart.ms)} (best of 3)`);
console.log(`time to listening, with the backlog: ${fmt(fullStart.ms)}  (${leftAtListen} of ${backlog.entries} entries still to purge when it listened)`);
console.log(`purge: ${entries} entries, ${batches.length} batches in ${(purgeMs / 1000).toFixed(2)} s from the start call: ${Math.round(entries / (purgeMs / 1000))} entries/s on the wall clock, ${Math.round(entries / (held / 1000))} entries/s while holding the writer`);
console.log(`slowest batches (index: ms): ${batches.map((b, i) => [i, b.ms]).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([i, m]) => `${i}: ${m.toFixed(1)}`).join(", ")}`);
console.log(`purge batch: p50 ${fmt(pct(ms, 50))}, p99 ${fmt(pct(ms, 99))}, longest ${fmt(Math.max(...ms))}`);
console.log(`during the purge: ${health.length} /health probes, p50 ${fmt(pct(health, 50))}, worst ${fmt(Math.max(...health))}; event loop's longest delay ${fmt(loop.max / 1e6)}`);
