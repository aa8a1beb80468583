import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { versionAtLeast } from '../src/cluster/cluster-target';
import { SimulatedBackend } from '../src/simulator/simulated-backend';
import { FakeClock } from '../src/test-support/fake-clock';
import { EventHub, LiveEvent } from '../src/events/event-hub';
import { AgentDeployer } from '../src/operations/agent-deployer';
import { AgentLedger } from '../src/store/agent-ledger';
import { Db, openDatabase } from '../src/store/database';
import { tempDir } from './helpers/gateway-fixture';

describe('AgentDeployer on the simulated cluster', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  function world(stepDelayMs = 0) {
    const dir = tempDir();
    const db = openDatabase(dir.path);
    cleanups.push(() => {
      db.close();
      dir.remove();
    });
    const clock = new FakeClock();
    const events = new EventHub(() => clock.now());
    const seen: LiveEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const backend = new SimulatedBackend({ clock, stepDelayMs });
    const cluster = backend.target;
    return { dir, db, clock, events, seen, backend, cluster, agents: new AgentDeployer(new AgentLedger(db), cluster, clock, events) };
  }

  /** Settles `work` whose steps wait on the fake clock: lets pending steps reach their pause, then moves the clock by one step, until it settles. */
  async function onClock<T>(w: ReturnType<typeof world>, work: Promise<T>, stepMs: number): Promise<T> {
    let settled = false;
    const result = work.finally(() => (settled = true));
    while (!settled) {
      await new Promise((resolve) => setImmediate(resolve));
      w.clock.advance(stepMs);
    }
    return result;
  }

  it('installs on all four nodes in parallel and publishes each step', async () => {
    const w = world(30);
    const { operation, done } = w.agents.start('install', [], 'alice');
    assert.equal(operation.status, 'running');
    assert.deepEqual(w.agents.nodes().map((n) => n.state), ['Installing', 'Installing', 'Installing', 'Installing']);
    const finished = await onClock(w, done, 30);
    assert.equal(finished.status, 'succeeded');
    // In parallel, some moment has every node mid-install; one after another, never.
    const snapshots = w.seen.filter((e) => e.type === 'agent.progress').map((e) => e.data as { nodes: { status: string; step: string | null }[] });
    assert.ok(snapshots.some((s) => s.nodes.every((n) => n.status === 'running' && n.step !== null)), 'all four nodes were installing at once');
    assert.deepEqual(w.agents.nodes().map((n) => n.state), ['Installed', 'Installed', 'Installed', 'Installed']);
    const progress = w.seen.filter((e) => e.type === 'agent.progress');
    assert.ok(progress.length >= 16, 'a progress event for every step of every node');
    assert.equal(w.seen.at(-1)!.type, 'agent.finished');
    for (const n of ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04']) assert.ok(w.cluster.hasJeaEndpoint(n));
  });

  it('reports a failed node with its reason while the others succeed', async () => {
    const w = world();
    w.cluster.setNodeOnline('hci-n03', false);
    const finished = await w.agents.start('install', [], 'alice').done;
    assert.equal(finished.status, 'failed');
    const n3 = finished.nodes.find((n) => n.node === 'hci-n03')!;
    assert.equal(n3.status, 'failed');
    assert.match(n3.error!, /hci-n03 does not answer/);
    assert.deepEqual(w.agents.nodes().map((n) => n.state), ['Installed', 'Installed', 'Failed', 'Installed']);
  });

  it('runs one operation per cluster at a time', async () => {
    const w = world(20);
    const { done } = w.agents.start('install', ['hci-n01'], 'alice');
    assert.throws(() => w.agents.start('remove', [], 'alice'), /already running/);
    await onClock(w, done, 20);
    const removed = await onClock(w, w.agents.start('remove', ['hci-n01'], 'alice').done, 20);
    assert.equal(removed.status, 'succeeded');
    assert.equal(w.agents.nodes()[0]!.state, 'NotInstalled');
    assert.equal(w.cluster.hasJeaEndpoint('hci-n01'), false);
  });

  it('marks an operation cut by a restart as interrupted', async () => {
    const w = world(1000);
    w.agents.start('install', [], 'alice');
    // A second deployer on the same database stands for the restarted gateway.
    const restarted = new AgentDeployer(new AgentLedger(w.db as Db), w.cluster, w.clock, w.events);
    assert.equal(restarted.recoverAfterRestart(), 1);
    assert.equal(restarted.latest()!.status, 'interrupted');
    assert.ok(restarted.nodes().every((n) => n.state === 'Failed' && /restart/.test(n.detail ?? '')));
    await onClock(w, w.agents.idle(), 1000);
  });
});

describe('the Az.StackHCI version rule both cluster targets use', () => {
  it('compares dotted versions part by part, missing parts as zero', () => {
    assert.equal(versionAtLeast('2.1.0', '2.1.0'), true);
    assert.equal(versionAtLeast('2.10', '2.9.9'), true);
    assert.equal(versionAtLeast('2.0.9', '2.1'), false);
    assert.equal(versionAtLeast('3', '2.1.0'), true);
  });
});
