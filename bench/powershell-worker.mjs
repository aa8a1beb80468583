// The PowerShell executor's command path, measured side by side in one run against the
// same local nodes (real pwsh, real JEA session configurations through the local
// transport, the stand-in HCI modules):
//   1. a long-lived worker that keeps its session open (what the gateway does);
//   2. a new pwsh and a new JEA session for every command (what it did before).
// Prints p50/p90 of each, the ratio, and commands per second with a pool of 4 workers.
// Run: npm run build && node bench/powershell-worker.mjs [--commands N] [--fresh N]
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const dist = (p) => require(join(process.cwd(), 'gateway-plugin', 'dist', p));
const { PowerShellNodeExecutor } = dist('src/executors/powershell-executor.js');
const { PowerShellClusterTarget } = dist('src/cluster/powershell-cluster.js');
const { jeaFiles } = dist('src/policy/jea-files.js');
const { defaultJeaOptions } = dist('src/operations/agent-deployer.js');
const { localCluster, LOCAL_TRANSPORT } = dist('test/helpers/local-cluster.js');
const { PWSH } = dist('test/helpers/pwsh.js');

const { values } = parseArgs({ options: { commands: { type: 'string', default: '200' }, fresh: { type: 'string', default: '12' } } });
const COMMANDS = Number(values.commands);
const FRESH = Number(values.fresh);
if (!Number.isInteger(COMMANDS) || COMMANDS < 10 || !Number.isInteger(FRESH) || FRESH < 3) {
  console.error('--commands must be a whole number of at least 10, --fresh at least 3');
  process.exit(2);
}

const CLUSTER = 'hci-cl01.contoso.local';
const NODES = ['hci-n01', 'hci-n02'];
const COMMAND = { cmdlet: 'Get-Cluster', parameters: {}, level: 'Diagnostics' };
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

const local = await localCluster('bench', NODES);
try {
  const installer = new PowerShellClusterTarget({ name: CLUSTER, nodes: NODES, registered: true, powershellPath: PWSH, transportModule: LOCAL_TRANSPORT, env: local.env });
  await Promise.all(NODES.map((n) => installer.installAgent(n, jeaFiles(defaultJeaOptions(CLUSTER)), () => {})));
  const options = { powershellPath: PWSH, transportModule: LOCAL_TRANSPORT, env: local.env, nodes: NODES };

  // 1. One worker, session kept open.
  const pooled = new PowerShellNodeExecutor({ ...options, workers: 1 });
  await pooled.run('hci-n01', COMMAND, { timeoutMs: 60_000 });
  for (let i = 0; i < 10; i++) await pooled.run('hci-n01', COMMAND, { timeoutMs: 60_000 }); // warm-up
  const kept = [];
  for (let i = 0; i < COMMANDS; i++) {
    const t = performance.now();
    await pooled.run('hci-n01', COMMAND, { timeoutMs: 60_000 });
    kept.push(performance.now() - t);
  }
  pooled.dispose();

  // 2. A new PowerShell process and a new JEA session per command.
  const fresh = [];
  for (let i = 0; i < FRESH; i++) {
    const once = new PowerShellNodeExecutor({ ...options, workers: 1 });
    const t = performance.now();
    await once.run('hci-n01', COMMAND, { timeoutMs: 60_000 });
    fresh.push(performance.now() - t);
    once.dispose();
  }

  // 3. Throughput with a pool of 4 over two nodes.
  const pool = new PowerShellNodeExecutor({ ...options, workers: 4 });
  await Promise.all([0, 1, 2, 3].map((i) => pool.run(NODES[i % 2], COMMAND, { timeoutMs: 60_000 })));
  let done = 0;
  const until = performance.now() + 5000;
  await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(async (i) => {
    while (performance.now() < until) {
      await pool.run(NODES[i % 2], COMMAND, { timeoutMs: 60_000 });
      done++;
    }
  }));
  pool.dispose();

  console.log(`Get-Cluster on a local node through its JEA endpoint (pwsh ${PWSH})`);
  console.log(`  kept worker and session: p50 ${fmt(pct(kept, 50))}, p90 ${fmt(pct(kept, 90))} (${COMMANDS} commands)`);
  console.log(`  new pwsh per command:    p50 ${fmt(pct(fresh, 50))}, p90 ${fmt(pct(fresh, 90))} (${FRESH} commands)`);
  console.log(`  ratio (p50 new process / p50 kept worker): ${(pct(fresh, 50) / pct(kept, 50)).toFixed(1)}x  (goal: at least 20x; p50 at most 15 ms)`);
  console.log(`  pool of 4 workers, 8 callers, 2 nodes: ${(done / 5).toFixed(0)} commands/s`);
} finally {
  local.remove();
}
