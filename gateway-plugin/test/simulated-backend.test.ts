import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isExecutorError } from '../src/executors/executor-error';
import { jeaFiles } from '../src/policy/jea-files';
import { defaultJeaOptions } from '../src/operations/agent-deployer';
import { SimulatedBackend } from '../src/simulator/simulated-backend';
import { FakeClock } from '../src/test-support/fake-clock';
import { checked } from './fixtures/executor-harness';

describe('the simulated backend', () => {
  it('keeps one cluster state: a node taken offline fails installs and commands alike, and comes back for both', async () => {
    const backend = new SimulatedBackend({ clock: new FakeClock() });
    const files = jeaFiles(defaultJeaOptions(backend.target.name));
    try {
      assert.equal(backend.injectFaults('hci-n02', { offline: true }), true);
      assert.equal(backend.target.nodes().find((n) => n.name === 'hci-n02')!.online, false, 'the cluster target sees the node offline');
      await assert.rejects(backend.target.installAgent('hci-n02', files, () => {}), /hci-n02 does not answer/);
      await assert.rejects(
        backend.executor.run('hci-n02', checked('Get-ClusterNode'), { timeoutMs: 60_000 }),
        (e: unknown) => isExecutorError(e) && e.code === 'NodeUnreachable',
      );

      backend.target.setNodeOnline('hci-n02', true);
      await backend.target.installAgent('hci-n02', files, () => {});
      const result = await backend.executor.run('hci-n02', checked('Get-ClusterNode'), { timeoutMs: 60_000 });
      assert.equal(result.node, 'hci-n02');
    } finally {
      backend.dispose();
    }
  });

  it('refuses faults on a node the cluster does not have', () => {
    const backend = new SimulatedBackend({ clock: new FakeClock() });
    assert.equal(backend.injectFaults('hci-n99', { offline: true }), false);
    backend.dispose();
  });

  it('refuses commands once disposed', async () => {
    const backend = new SimulatedBackend({ clock: new FakeClock() });
    backend.dispose();
    await assert.rejects(
      backend.executor.run('hci-n01', checked('Get-ClusterNode'), { timeoutMs: 60_000 }),
      (e: unknown) => isExecutorError(e) && e.code === 'ExecutorUnavailable',
    );
  });
});
