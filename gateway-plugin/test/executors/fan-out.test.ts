import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fanOut, NodeOutcome } from '../../src/executors/fan-out';
import { NodeExecutor, NodeResult, ResultChunk, RunOptions } from '../../src/executors/node-executor';
import { CheckedCommand } from '../../src/policy/command-table';
import { checked, harnessPerTest } from '../fixtures/executor-harness';

const NODES = ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04'];

/** Wraps an executor and counts how many runs are in flight at once. */
class ConcurrencyProbe implements NodeExecutor {
  running = 0;
  maxRunning = 0;
  constructor(private readonly inner: NodeExecutor) {}
  async run(node: string, command: CheckedCommand, options: RunOptions): Promise<NodeResult> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      return await this.inner.run(node, command, options);
    } finally {
      this.running--;
    }
  }
}

const codes = (outcomes: NodeOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.node, o.ok ? 'ok' : o.error.code]));

describe('fan-out to several nodes', () => {
  const harness = harnessPerTest();

  it('runs on all four nodes at once: four in flight together, and far less time than one after another', async () => {
    const h = harness();
    for (const n of NODES) h.executor.setDelay(n, 300);
    const probe = new ConcurrencyProbe(h.executor);
    const started = performance.now();
    const report = await fanOut(probe, NODES, checked('Get-VM'), { timeoutMs: 5000 });
    const elapsed = performance.now() - started;
    assert.equal(probe.maxRunning, 4, 'all four nodes were running at the same moment');
    assert.ok(elapsed < 900, `four 300 ms nodes took ${elapsed.toFixed(0)} ms in all (one after another would be 1200 ms)`);
    assert.deepEqual(report.succeeded, NODES);
    assert.deepEqual(report.failed, []);
    assert.deepEqual(report.outcomes.map((o) => o.ok && o.result.objects.map((v) => v['ComputerName'])[0]), NODES);
  });

  it('reports each node by itself: an offline node fails, the others succeed', async () => {
    const h = harness();
    h.executor.setOffline('hci-n03', true);
    const report = await fanOut(h.executor, NODES, checked('Get-Service', { Name: 'ClusSvc' }), { timeoutMs: 5000 });
    assert.deepEqual(codes(report.outcomes), { 'hci-n01': 'ok', 'hci-n02': 'ok', 'hci-n03': 'NodeUnreachable', 'hci-n04': 'ok' });
    assert.deepEqual(report.failed, ['hci-n03']);
    assert.deepEqual(report.succeeded, ['hci-n01', 'hci-n02', 'hci-n04']);
  });

  it('times out a hung node on its own while the others answer', async () => {
    const h = harness();
    h.executor.setHang('hci-n02', true);
    const settled: string[] = [];
    const started = performance.now();
    const report = await fanOut(h.executor, NODES, checked('Get-ClusterNode'), { timeoutMs: 300, onNodeSettled: (o) => settled.push(o.node) });
    const elapsed = performance.now() - started;
    assert.deepEqual(codes(report.outcomes), { 'hci-n01': 'ok', 'hci-n02': 'CommandTimedOut', 'hci-n03': 'ok', 'hci-n04': 'ok' });
    assert.equal(settled.at(-1), 'hci-n02', 'the hung node is reported last, the others as soon as they answered');
    assert.ok(elapsed >= 290 && elapsed < 1200, `the whole took ${elapsed.toFixed(0)} ms`);
    const others = report.outcomes.filter((o) => o.node !== 'hci-n02');
    assert.ok(others.every((o) => o.elapsedMs < 290), 'the healthy nodes did not wait for the hung one');
  });

  it('cancels every node still running when the signal aborts', async () => {
    const h = harness();
    for (const n of NODES) h.executor.setHang(n, true);
    h.executor.setHang('hci-n01', false);
    const controller = new AbortController();
    const started = performance.now();
    const pending = fanOut(h.executor, NODES, checked('Get-VM'), {
      timeoutMs: 60_000,
      signal: controller.signal,
      onNodeSettled: (o) => {
        if (o.node === 'hci-n01') controller.abort();
      },
    });
    const report = await pending;
    assert.deepEqual(codes(report.outcomes), { 'hci-n01': 'ok', 'hci-n02': 'Cancelled', 'hci-n03': 'Cancelled', 'hci-n04': 'Cancelled' });
    assert.ok(performance.now() - started < 1000);
  });

  it('cancels at once when the signal is already aborted', async () => {
    const h = harness();
    const report = await fanOut(h.executor, NODES, checked('Get-VM'), { timeoutMs: 5000, signal: AbortSignal.abort() });
    assert.deepEqual(report.failed, NODES);
    assert.ok(report.outcomes.every((o) => !o.ok && o.error.code === 'Cancelled'));
  });

  it('streams every node\'s chunks, each labelled with its node', async () => {
    const h = harness();
    const chunks: ResultChunk[] = [];
    const report = await fanOut(h.executor, NODES, checked('Get-VMHost'), { timeoutMs: 5000, onChunk: (c) => chunks.push(c) });
    assert.deepEqual(chunks.map((c) => c.node).sort(), NODES);
    assert.equal(report.outcomes.length, 4);
  });

  it('drops duplicate nodes and reports an unknown node as such', async () => {
    const h = harness();
    const report = await fanOut(h.executor, ['hci-n01', 'HCI-N01', 'hci-n09'], checked('Get-Cluster'), { timeoutMs: 5000 });
    assert.deepEqual(codes(report.outcomes), { 'hci-n01': 'ok', 'hci-n09': 'UnknownNode' });
  });

  it('settles a node whose executor ignores its timeout, and one whose executor breaks', async () => {
    const misbehaving: NodeExecutor = {
      run(node) {
        if (node === 'never') return new Promise<NodeResult>(() => {});
        if (node === 'throws') throw new TypeError('boom');
        return Promise.reject(new Error('not an ExecutorError'));
      },
    };
    const started = performance.now();
    const report = await fanOut(misbehaving, ['never', 'throws', 'rejects'], checked('Get-VM'), { timeoutMs: 100, graceMs: 100 });
    assert.deepEqual(codes(report.outcomes), { never: 'CommandTimedOut', throws: 'ExecutorProtocolError', rejects: 'ExecutorProtocolError' });
    assert.ok(performance.now() - started < 1000);
  });

  it('settles a node whose executor ignores a cancel after the grace period', async () => {
    const deaf: NodeExecutor = { run: () => new Promise<NodeResult>(() => {}) };
    const controller = new AbortController();
    const pending = fanOut(deaf, ['a', 'b'], checked('Get-VM'), { timeoutMs: 60_000, graceMs: 50, signal: controller.signal });
    controller.abort();
    const report = await pending;
    assert.deepEqual(codes(report.outcomes), { a: 'Cancelled', b: 'Cancelled' });
  });
});
