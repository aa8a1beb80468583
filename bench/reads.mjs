// What the reads cost on a big record, and whether they hold up the gateway
// (the tests check the answers and that a revoke or an expiry goes on during a
// long search; speed on a shared machine is no pass/fail matter):
//   1. search's first page, p50 and p99, for a rare word and a common one,
//      through the admin API (the search runs in a read worker);
//   2. the worst wait of a /health probe sent every 10 ms while they run;
//   3. a search that must look at every match of the common word (its time budget),
//      and verify and export of one long session, with the worst /health wait;
//   4. for comparison, the search as it was before the read workers (ordered by
//      time, snippet() over every match, on the event loop), once per word.
//
// The data set (BENCH_SESSIONS sessions, 20,000 by default, with BENCH_ENTRIES
// transcript entries, 1,000,000 by default, over the last 80 days) is written by
// the gateway's own writer through bench/dataset.mjs (which says what its bulk
// path changes: when the disk is flushed, not what is written).
//
// Run: build the gateway, then node bench/reads.mjs
//   BENCH_SESSIONS=2000 BENCH_ENTRIES=100000 node bench/reads.mjs   (smaller)
//   BENCH_SEARCHES=50 (searches per word), BENCH_LONG_SESSION=50000 (entries of the verified session)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { api, fmt, pct, probing } from './support.mjs';
import { buildDataset, dist, COMMON, FEATURE, CLUSTER as C, DAY_MS, RARE } from './dataset.mjs';

const { startGateway } = dist('gateway.js');
const { CHANNEL_LIMIT_DEFAULTS, DEFAULT_LIMITS } = dist('config/config.js');

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 20_000);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 50);
const LONG_SESSION = Number(process.env.BENCH_LONG_SESSION ?? 50_000);

const dir = mkdtempSync(join(tmpdir(), 'rs-bench-reads-'));

// 1. The data set, through the writer (bench/dataset.mjs).
let t = performance.now();
const built = buildDataset(dir, { sessions: SESSIONS, entries: ENTRIES, days: 80, longSession: LONG_SESSION });
const longSession = built.longSession;
console.log(`data set: ${SESSIONS} sessions, ${built.entries} entries written through the writer in ${((performance.now() - t) / 1000).toFixed(1)} s`);

// 2. The gateway on it.
t = performance.now();
const gw = await startGateway({
  mode: 'embedded', host: '127.0.0.1', port: 0, dataDir: dir, tls: {}, auth: { mode: 'local' },
  cluster: { stepDelayMs: 0 }, channel: { ...CHANNEL_LIMIT_DEFAULTS, idleTimeoutMinutes: 60, commandTimeoutSeconds: 60 }, executor: { kind: 'simulated' },
  limits: DEFAULT_LIMITS, wacTransport: 'direct', relay: { mode: 'off' },
}, { log: () => {} });
console.log(`gateway listening in ${((performance.now() - t) / 1000).toFixed(1)} s`);


async function timedSearches(q) {
  const times = [];
  const statuses = new Map();
  let hits = 0;
  for (let i = 0; i < SEARCHES; i++) {
    const started = performance.now();
    const r = await api(gw, 'GET', `${FEATURE}/transcripts/search?q=${encodeURIComponent(q)}`);
    times.push(performance.now() - started);
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    hits = r.body?.hits?.length ?? 0;
  }
  return { times, statuses, hits };
}

// 3. Search's first page (one search of each first, so the workers have started).
await api(gw, 'GET', `${FEATURE}/transcripts/search?q=${RARE}`);
await api(gw, 'GET', `${FEATURE}/transcripts/search?q=${COMMON}`);
for (const q of [RARE, COMMON]) {
  const { result, worst } = await probing(gw, () => timedSearches(q));
  const codes = [...result.statuses].map(([s, n]) => `${n}x ${s}`).join(', ');
  console.log(`search "${q}" first page (${result.hits} hits, ${codes}): p50 ${fmt(pct(result.times, 50))}, p99 ${fmt(pct(result.times, 99))}; worst /health wait ${fmt(worst)}`);
}

// A search that has to look at every match: the common word from tomorrow on (none is that recent). Past the
// time budget (2 s) it stops with SearchTooBroad instead of holding a worker longer.
{
  const from = new Date(Date.now() + DAY_MS).toISOString();
  const started = performance.now();
  const { result, worst } = await probing(gw, () => api(gw, 'GET', `${FEATURE}/transcripts/search?q=${COMMON}&fromDate=${from}`));
  console.log(`search "${COMMON}" from tomorrow (every match looked at, none kept): ${result.status}${result.body?.error ? ` ${result.body.error.code}` : ''} in ${fmt(performance.now() - started)}; worst /health wait ${fmt(worst)}`);
}

// 4. Verify and export of the long session.
for (const what of ['verify', 'export']) {
  const started = performance.now();
  const { result, worst } = await probing(gw, () => api(gw, 'GET', `${FEATURE}/sessions/${longSession}/${what}`));
  console.log(`${what} a session of ${LONG_SESSION} entries: ${result.status} in ${fmt(performance.now() - started)}; worst /health wait ${fmt(worst)}`);
}

// 5. The search as it was: ordered by time, snippet() over every match, on this thread.
for (const q of [RARE, COMMON]) {
  const started = performance.now();
  const rows = gw.db.prepare(
    `SELECT e.session_id, e.seq, e.at, e.kind, e.node, s.engineer, snippet(transcript_search, 0, '[', ']', '…', 12) AS snippet
       FROM transcript_search JOIN transcript_entries e ON e.id = transcript_search.rowid JOIN sessions s ON s.id = e.session_id
      WHERE transcript_search MATCH ? AND s.cluster = ? AND s.started_at >= ? AND COALESCE(s.ended_at, ?) >= ?
      ORDER BY e.at DESC, e.seq DESC LIMIT ?`,
  ).all(`"${q}"`, C, 0, Number.MAX_SAFE_INTEGER, Date.now() - 90 * DAY_MS, 100);
  console.log(`before (time order, on the event loop) "${q}": ${rows.length} hits in ${fmt(performance.now() - started)}, all of it a /health wait`);
}

await gw.close();
rmSync(dir, { recursive: true, force: true });
