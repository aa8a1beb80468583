import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fanOut, NodeOutcome } from '../../src/executors/fan-out';
import { NodeExecutor, NodeResult, ResultChunk, RunOptions } from '../../src/executors/node-executor';
import { CheckedCommand } from '../../src/policy/command-table';
import { checked, harnessPerTest, turns, watch } from '../fixtures/executor-harness';

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

  it('runs on all four nodes at once: four in flight together, all answered after one delay rather than four', async () => {
    const h = harness();
    for (const n of NODES) h.executor.setDelay(n, 300);
    const probe = new ConcurrencyProbe(h.executor);
    const pending = watch(fanOut(probe, NODES, checked('Get-VM'), { timeoutMs: 5000, clock: h.clock }));
    await turns();
    assert.equal(probe.running, 4, 'all four nodes are running at the same moment');
    h.clock.advance(300);
    const report = (await pending.outcome).value!;
    assert.equal(probe.maxRunning, 4);
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
    const pending = watch(fanOut(h.executor, NODES, checked('Get-ClusterNode'), { timeoutMs: 300, clock: h.clock, onNodeSettled: (o) => settled.push(o.node) }));
    await turns();
    assert.deepEqual(settled.sort(), ['hci-n01', 'hci-n03', 'hci-n04'], 'the healthy nodes answered without waiting for the hung one');
    h.clock.advance(299);
    await turns();
    assert.equal(pending.settled, false, 'the hung node has not timed out 1 ms before its timeout');
    h.clock.advance(1);
    const report = (await pending.outcome).value!;
    assert.deepEqual(codes(report.outcomes), { 'hci-n01': 'ok', 'hci-n02': 'CommandTimedOut', 'hci-n03': 'ok', 'hci-n04': 'ok' });
    assert.equal(settled.at(-1), 'hci-n02', 'the hung node is reported last');
  });

  it('cancels every node still running when the signal aborts', async () => {
    const h = harness();
    for (const n of NODES) h.executor.setHang(n, true);
    h.executor.setHang('hci-n01', false);
    const controller = new AbortController();
    const pending = fanOut(h.executor, NODES, checked('Get-VM'), {
      timeoutMs: 60_000,
      clock: h.clock,
      signal: controller.signal,
      onNodeSettled: (o) => {
        if (o.node === 'hci-n01') controller.abort();
      },
    });
    const report = await pending;
    // The clock never moved: the cancel, not a timeout, ended the hung nodes.
    assert.deepEqual(codes(report.outcomes), { 'hci-n01': 'ok', 'hci-n02': 'Cancelled', 'hci-n03': 'Cancelled', 'hci-n04': 'Cancelled' });
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
    const { clock } = harness();
    const settled: string[] = [];
    const pending = watch(fanOut(misbehaving, ['never', 'throws', 'rejects'], checked('Get-VM'), { timeoutMs: 100, graceMs: 100, clock, onNodeSettled: (o) => settled.push(o.node) }));
    await turns();
    assert.deepEqual(settled.sort(), ['rejects', 'throws']);
    clock.advance(199);
    await turns();
    assert.equal(pending.settled, false, 'the timeout and its grace have not passed yet');
    clock.advance(1);
    const report = (await pending.outcome).value!;
    assert.deepEqual(codes(report.outcomes), { never: 'CommandTimedOut', throws: 'ExecutorProtocolError', rejects: 'ExecutorProtocolError' });
  });

  it('settles a node whose executor ignores a cancel after the grace period', async () => {
    const deaf: NodeExecutor = { run: () => new Promise<NodeResult>(() => {}) };
    const { clock } = harness();
    const controller = new AbortController();
    const pending = watch(fanOut(deaf, ['a', 'b'], checked('Get-VM'), { timeoutMs: 60_000, graceMs: 50, clock, signal: controller.signal }));
    controller.abort();
    clock.advance(49);
    await turns();
    assert.equal(pending.settled, false, 'the grace period has not passed yet');
    clock.advance(1);
    const report = (await pending.outcome).value!;
    assert.deepEqual(codes(report.outcomes), { a: 'Cancelled', b: 'Cancelled' });
  });
});
