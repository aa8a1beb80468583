// What the gateway benchmarks share: percentiles, times, and the admin API as the local admin.
import { request } from 'node:https';
import { performance } from 'node:perf_hooks';

/** The p-th percentile of a list of numbers. */
export const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** Milliseconds with three decimals. */
export const fmt = (ms) => `${ms.toFixed(3)} ms`;

/** One admin API call to a started gateway, with its local admin credential; the body parsed. `agent`: e.g. a keep-alive one. */
export function api(gw, method, path, body, agent) {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, gw.url), {
      method, ca: gw.caCert, ...(agent ? { agent } : {}),
      headers: { authorization: `Bearer ${gw.localCredential.secret}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    }, (r) => { let t = ''; r.on('data', (c) => (t += c)); r.on('end', () => resolve({ status: r.statusCode, body: t ? JSON.parse(t) : null })); });
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

/** Sends GET /health every 10 ms while `task` runs (with `send`, api by default); returns the task's result and the worst wait of a probe. */
export async function probing(gw, task, send = api) {
  let worst = 0;
  let running = true;
  const probe = (async () => {
    while (running) {
      const started = performance.now();
      await send(gw, 'GET', '/health');
      worst = Math.max(worst, performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    return { result: await task(), worst };
  } finally {
    running = false;
    await probe;
  }
}
