// What a page of the session history costs on a busy cluster's 90 days:
// 180,000 sessions written through the real writer (bench/dataset.mjs:
// SessionLedger.open/end, sealed and registered), then the history read a page at a time, newest
// first, for the default 7 days and for all 90 (issue 14's goal: p99 <= 20 ms).
// Each figure is the store's read of one page (the first page also counts the window: total).
// Run: build the gateway, then node bench/history-page.mjs [sessions]   (prints figures; no pass/fail)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmt, pct } from './support.mjs';
import { buildDataset, dist, openWriter, CLUSTER as C, DAY_MS as DAY } from './dataset.mjs';

const { decodeCursor } = dist('domain/list-page.js');

const N = Number(process.argv[2] ?? 180_000);
const dir = mkdtempSync(join(tmpdir(), 'rs-bench-history-'));
const end = Date.now();

let t = performance.now();
buildDataset(dir, { sessions: N, entries: 0, days: 90, end });
console.log(`wrote ${N} sessions over 90 days in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const { db, sessions } = openWriter(dir, end);

function walk(from, limit) {
  const times = [];
  let after = null;
  let rows = 0;
  do {
    const t0 = performance.now();
    const page = sessions.history(C, from, { limit, after });
    times.push(performance.now() - t0);
    rows += page.items.length;
    after = page.nextCursor ? decodeCursor(page.nextCursor) : null;
  } while (after);
  return { times, rows };
}

for (const [label, from] of [['7 days', end - 7 * DAY], ['90 days', end - 90 * DAY]]) {
  const first = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    sessions.history(C, from, { limit: 100, after: null });
    first.push(performance.now() - t0);
  }
  console.log(`history ${label.padEnd(7)} first page (with its COUNT), 50 reads: p50 ${fmt(pct(first, 50))}, p99 ${fmt(pct(first, 99))}`);
  for (const limit of [100, 500]) {
    const { times, rows } = walk(from, limit);
    console.log(`history ${label.padEnd(7)} limit ${String(limit).padStart(3)}: ${String(times.length).padStart(5)} pages, ${rows} sessions; page p50 ${fmt(pct(times, 50))}, p99 ${fmt(pct(times, 99))}, max ${fmt(Math.max(...times))}`);
  }
}
db.close();
rmSync(dir, { recursive: true, force: true });
