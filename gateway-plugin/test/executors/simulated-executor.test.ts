import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { loadFixture } from '../../src/simulator/fixture';
import { ResultChunk } from '../../src/executors/node-executor';
import { SimulatedNodeExecutor } from '../../src/simulator/simulated-executor';
import { checked, fixtureWith, harnessPerTest, SimulatedClusterHarness, turns, watch } from '../fixtures/executor-harness';

const MINUTE = 60_000;

describe('simulated cluster: repair commands change its state', () => {
  const harness = harnessPerTest();

  it('stops a service on one node only, and Get-Service there shows it Stopped', async () => {
    const h = harness();
    await h.run('hci-n02', 'Stop-Service', { Name: 'vmms' });
    assert.deepEqual(await h.values('hci-n02', 'Get-Service', { Name: 'vmms' }, 'Status'), ['Stopped']);
    assert.deepEqual(await h.values('hci-n01', 'Get-Service', { Name: 'vmms' }, 'Status'), ['Running']);
    assert.equal((await h.find('hci-n02', 'Get-Service', 'vmms'))!['CanStop'], false);
  });

  it('fails the Hyper-V cmdlets on a node whose vmms is stopped, until Start-Service brings it back', async () => {
    const h = harness();
    await h.run('hci-n02', 'Stop-Service', { Name: 'vmms' });
    const error = await h.failure('hci-n02', 'Get-VM');
    assert.equal(error.code, 'CommandFailed');
    assert.match(error.message, /Virtual Machine Management service/);
    assert.equal(error.record?.fullyQualifiedErrorId, 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVM');
    await h.run('hci-n02', 'Start-Service', { Name: 'vmms' });
    assert.deepEqual(await h.values('hci-n02', 'Get-Service', { Name: 'vmms' }, 'Status'), ['Running']);
    assert.equal((await h.objects('hci-n02', 'Get-VM')).length, 3);
  });

  it('refuses to stop ClusSvc while HciSvc depends on it, and stops it once HciSvc is stopped', async () => {
    const h = harness();
    const refused = await h.run('hci-n02', 'Stop-Service', { Name: 'ClusSvc' });
    assert.equal(refused.errors[0]?.fullyQualifiedErrorId, 'ServiceHasDependentServices,Microsoft.PowerShell.Commands.StopServiceCommand');
    assert.match(refused.text, /Cannot stop service 'Cluster Service \(ClusSvc\)' because it has dependent services/);
    assert.deepEqual(await h.values('hci-n02', 'Get-Service', { Name: ['ClusSvc', 'HciSvc'] }, 'Status'), ['Running', 'Running']);

    await h.run('hci-n02', 'Stop-Service', { Name: 'HciSvc' });
    const stopped = await h.run('hci-n02', 'Stop-Service', { Name: 'ClusSvc' });
    assert.deepEqual(stopped.errors, []);
    assert.deepEqual(await h.values('hci-n02', 'Get-Service', { Name: ['ClusSvc', 'HciSvc'] }, 'Status'), ['Stopped', 'Stopped']);
  });

  it('shows a node whose cluster service stopped as Down from the other nodes, and fails its roles over', async () => {
    const h = harness();
    await h.run('hci-n02', 'Stop-Service', { Name: 'HciSvc' });
    await h.run('hci-n02', 'Stop-Service', { Name: 'ClusSvc' });
    for (const from of ['hci-n01', 'hci-n03', 'hci-n04']) {
      assert.deepEqual(await h.values(from, 'Get-ClusterNode', {}, 'State'), ['Up', 'Down', 'Up', 'Up'], `seen from ${from}`);
    }
    assert.deepEqual(await h.values('hci-n01', 'Get-StorageNode', { Name: 'hci-n02*' }, 'OperationalStatus'), ['Down']);
    const down = await h.failure('hci-n02', 'Get-ClusterNode');
    assert.equal(down.code, 'CommandFailed');
    assert.match(down.message, /cluster service is not running on hci-n02/);

    // vm-dc02's preferred owners are hci-n02 then hci-n03: it moves to hci-n03 and keeps running (drained, not crashed).
    const group = (await h.objects('hci-n01', 'Get-ClusterGroup', { Name: 'vm-dc02' }))[0]!;
    assert.equal(group['OwnerNode'], 'hci-n03');
    assert.ok((await h.values('hci-n03', 'Get-VM')).includes('vm-dc02'));
    assert.ok(!(await h.values('hci-n02', 'Get-VM')).includes('vm-dc02'));
    assert.equal((await h.objects('hci-n01', 'Get-ClusterSharedVolume', { Name: '*Infrastructure_1*' }))[0]!['OwnerNode'], 'hci-n01');

    // Starting HciSvc starts ClusSvc first, as the service control manager does; roles do not fail back.
    await h.run('hci-n02', 'Start-Service', { Name: 'HciSvc' });
    assert.deepEqual(await h.values('hci-n01', 'Get-ClusterNode', {}, 'State'), ['Up', 'Up', 'Up', 'Up']);
    assert.equal((await h.objects('hci-n01', 'Get-ClusterGroup', { Name: 'vm-dc02' }))[0]!['OwnerNode'], 'hci-n03');
  });

  it('keeps a restarted service Running and records the new start', async () => {
    const h = harness();
    const before = h.executor.cluster.service('hci-n01', 'vmms')!;
    h.clock.advance(5 * MINUTE);
    await h.run('hci-n01', 'Restart-Service', { Name: 'vmms' });
    const after = h.executor.cluster.service('hci-n01', 'vmms')!;
    assert.equal(after.status, 'Running');
    assert.equal(after.starts, before.starts + 1);
    assert.equal(after.startedAt, before.startedAt! + 5 * MINUTE);
    assert.deepEqual(await h.values('hci-n01', 'Get-Service', { Name: 'vmms' }, 'Status'), ['Running']);
  });

  it('refuses to restart ClusSvc while a dependent runs, and restarts it once the dependent is stopped', async () => {
    const h = harness();
    const refused = await h.run('hci-n03', 'Restart-Service', { Name: 'ClusSvc' });
    assert.equal(refused.errors[0]?.fullyQualifiedErrorId, 'ServiceHasDependentServices,Microsoft.PowerShell.Commands.RestartServiceCommand');
    assert.equal(h.executor.cluster.service('hci-n03', 'ClusSvc')!.starts, 0);
    await h.run('hci-n03', 'Stop-Service', { Name: 'HciSvc' });
    await h.run('hci-n03', 'Restart-Service', { Name: 'ClusSvc' });
    await h.run('hci-n03', 'Start-Service', { Name: 'HciSvc' });
    assert.equal(h.executor.cluster.service('hci-n03', 'ClusSvc')!.starts, 1);
    assert.equal(h.executor.cluster.service('hci-n03', 'HciSvc')!.starts, 1);
    assert.deepEqual(await h.values('hci-n03', 'Get-Service', { Name: ['ClusSvc', 'HciSvc'] }, 'Status'), ['Running', 'Running']);
    assert.deepEqual(await h.values('hci-n01', 'Get-ClusterNode', { Name: 'hci-n03' }, 'State'), ['Up']);
  });

  it('starts a storage job on Repair-VirtualDisk that heals the disk when the clock reaches its end', async () => {
    const h = harness();
    await h.run('hci-n04', 'Repair-VirtualDisk', { FriendlyName: 'UserStorage_2' });
    const job = (await h.objects('hci-n01', 'Get-StorageJob', { Name: 'UserStorage_2-Repair' }))[0]!;
    assert.equal(job['JobState'], 'Running');
    assert.equal(job['PercentComplete'], 0);
    assert.equal(job['IsBackgroundTask'], false);
    assert.equal((await h.objects('hci-n02', 'Get-VirtualDisk', { FriendlyName: 'UserStorage_2' }))[0]!['OperationalStatus'], 'In Service');

    h.clock.advance(10 * MINUTE);
    const halfway = (await h.objects('hci-n01', 'Get-StorageJob', { Name: 'UserStorage_2-Repair' }))[0]!;
    assert.ok((halfway['PercentComplete'] as number) > 0 && (halfway['PercentComplete'] as number) < 100, `progress ${halfway['PercentComplete']}`);

    h.clock.advance(60 * MINUTE);
    const jobs = await h.objects('hci-n01', 'Get-StorageJob');
    assert.deepEqual(jobs.map((j) => [j['Name'], j['JobState'], j['PercentComplete']]), [
      ['UserStorage_1-Repair', 'Completed', 100],
      ['UserStorage_2-Repair', 'Completed', 100],
    ]);
    const disks = await h.objects('hci-n01', 'Get-VirtualDisk');
    assert.deepEqual(disks.map((d) => d['HealthStatus']), ['Healthy', 'Healthy', 'Healthy', 'Healthy']);
    // The drive that lost communication still needs a hand: the subsystem stays in Warning.
    assert.equal((await h.objects('hci-n01', 'Get-StorageSubsystem'))[0]!['HealthStatus'], 'Warning');
  });

  it('starts no job for a healthy virtual disk and no second job for one already repairing', async () => {
    const h = harness();
    await h.run('hci-n01', 'Repair-VirtualDisk', { FriendlyName: 'Infrastructure_1' });
    await h.run('hci-n01', 'Repair-VirtualDisk', { FriendlyName: 'UserStorage_1' });
    assert.deepEqual(await h.values('hci-n01', 'Get-StorageJob'), ['UserStorage_1-Repair']);
  });

  it('keeps the state of each executor to itself', async () => {
    const a = harness();
    const b = harness();
    await a.run('hci-n01', 'Stop-Service', { Name: 'NetworkATC' });
    assert.deepEqual(await a.values('hci-n01', 'Get-Service', { Name: 'NetworkATC' }, 'Status'), ['Stopped']);
    assert.deepEqual(await b.values('hci-n01', 'Get-Service', { Name: 'NetworkATC' }, 'Status'), ['Running']);
  });

  it('advances VM uptime and the Azure sync with the clock', async () => {
    const h = harness();
    const before = (await h.find('hci-n01', 'Get-VM', 'vm-dc01'))!['Uptime'];
    const sync = (await h.objects('hci-n01', 'Get-AzureStackHCI'))[0]!;
    h.clock.advance(13 * 60 * MINUTE);
    assert.equal(before, '3.00:02:17');
    assert.equal((await h.find('hci-n01', 'Get-VM', 'vm-dc01'))!['Uptime'], '3.13:02:17');
    const later = (await h.objects('hci-n01', 'Get-AzureStackHCI'))[0]!;
    assert.equal(later['LastConnected'], sync['NextSync']);
  });
});

describe('simulated cluster: faults', () => {
  const harnesses: SimulatedClusterHarness[] = [];
  afterEach(() => {
    for (const h of harnesses.splice(0)) h.dispose();
  });
  const harness = (options: ConstructorParameters<typeof SimulatedClusterHarness>[0] = {}) => {
    const h = new SimulatedClusterHarness(options);
    harnesses.push(h);
    return h;
  };

  it('fails an offline node with NodeUnreachable at once, and the others see it Down', async () => {
    const h = harness();
    h.executor.setOffline('hci-n03', true);
    // The fake clock does not move, so the answer comes before the timeout could.
    const { error } = await watch(h.run('hci-n03', 'Get-VM', {}, { timeoutMs: 10_000 })).outcome;
    assert.equal((error as { code: string }).code, 'NodeUnreachable');
    assert.match((error as Error).message, /hci-n03 did not answer/);
    assert.deepEqual(await h.values('hci-n01', 'Get-ClusterNode', {}, 'State'), ['Up', 'Up', 'Down', 'Up']);
    // A crash restarts its VMs elsewhere: vm-app01 now runs on hci-n04 with a fresh uptime.
    const vm = (await h.objects('hci-n04', 'Get-VM', { Name: 'vm-app01' }))[0]!;
    assert.equal(vm['Uptime'], '00:00:00');
    h.executor.setOffline('hci-n03', false);
    assert.equal((await h.objects('hci-n03', 'Get-VMHost'))[0]!['Name'], 'hci-n03');
    assert.deepEqual(await h.values('hci-n01', 'Get-ClusterNode', { Name: 'hci-n03' }, 'State'), ['Up']);
  });

  it('delays every answer of a slow node', async () => {
    const h = harness();
    h.executor.setDelay('hci-n02', 300);
    const slow = watch(h.run('hci-n02', 'Get-ClusterNode'));
    assert.equal((await h.objects('hci-n01', 'Get-ClusterNode')).length, 4, 'the other node answers without the clock moving');
    h.clock.advance(299);
    await turns();
    assert.equal(slow.settled, false, 'the slow node has not answered 1 ms before its delay');
    h.clock.advance(1);
    assert.equal((await slow.outcome).value?.objects.length, 4);
    h.executor.setDelay('hci-n02', 0);
    assert.equal((await h.objects('hci-n02', 'Get-ClusterNode')).length, 4);
  });

  it('times a hung node out with CommandTimedOut when the clock passes the timeout, not before', async () => {
    const h = harness();
    h.executor.setHang('hci-n04', true);
    const run = watch(h.run('hci-n04', 'Get-Service', {}, { timeoutMs: 200 }));
    h.clock.advance(199);
    await turns();
    assert.equal(run.settled, false);
    h.clock.advance(1);
    const { error } = await run.outcome;
    assert.equal((error as { code: string }).code, 'CommandTimedOut');
  });

  it('cancels a hung run at once when its signal aborts', async () => {
    const h = harness();
    h.executor.setHang('hci-n04', true);
    const controller = new AbortController();
    const run = watch(h.run('hci-n04', 'Get-Service', {}, { timeoutMs: 60_000, signal: controller.signal }));
    await turns();
    assert.equal(run.settled, false);
    controller.abort();
    const { error } = await run.outcome;
    assert.equal((error as { code: string }).code, 'Cancelled');
  });

  it('changes nothing when a repair command is cancelled before the node answers', async () => {
    const h = harness();
    h.executor.setDelay('hci-n01', 200);
    const controller = new AbortController();
    const run = h.run('hci-n01', 'Stop-Service', { Name: 'vmms' }, { signal: controller.signal });
    controller.abort();
    await assert.rejects(run, { code: 'Cancelled' });
    h.executor.setDelay('hci-n01', 0);
    assert.deepEqual(await h.values('hci-n01', 'Get-Service', { Name: 'vmms' }, 'Status'), ['Running']);
  });

  it('refuses a run whose signal is already aborted', async () => {
    const h = harness();
    await assert.rejects(h.run('hci-n01', 'Get-VM', {}, { signal: AbortSignal.abort() }), { code: 'Cancelled' });
  });

  it('takes faults from the fixture: offline, slowMs, hang, and online false', async () => {
    const h = harness({
      fixture: fixtureWith((f) => {
        f.nodes[0]!.faults = { offline: true };
        f.nodes[1]!.faults = { slowMs: 250 };
        f.nodes[2]!.faults = { hang: true };
        f.nodes[3]!.online = false;
      }),
    });
    await assert.rejects(h.run('hci-n01', 'Get-VM'), { code: 'NodeUnreachable' });
    const slow = watch(h.run('hci-n02', 'Get-VM'));
    h.clock.advance(249);
    await turns();
    assert.equal(slow.settled, false, 'slowMs delays the answer');
    h.clock.advance(1);
    assert.ok((await slow.outcome).value);
    const hung = h.run('hci-n03', 'Get-VM', {}, { timeoutMs: 100 });
    h.clock.advance(100);
    await assert.rejects(hung, { code: 'CommandTimedOut' });
    await assert.rejects(h.run('hci-n04', 'Get-VM'), { code: 'NodeUnreachable' });
    const states = h.values('hci-n02', 'Get-ClusterNode', {}, 'State');
    h.clock.advance(250);
    assert.deepEqual(await states, ['Down', 'Up', 'Up', 'Down']);
  });

  it('refuses nodes outside the cluster and commands that are not of the table\'s shape', async () => {
    const h = harness();
    await assert.rejects(h.run('hci-n09', 'Get-VM'), { code: 'UnknownNode', message: /hci-n09 is not a node of this cluster; the nodes are hci-n01, hci-n02, hci-n03, hci-n04/ });
    const run = (command: object) => h.executor.run('hci-n01', command as never, { timeoutMs: 1000 });
    await assert.rejects(run({ cmdlet: 'Remove-Item', parameters: { Path: 'C:\\' }, level: 'Diagnostics' }), { code: 'InvalidCommand' });
    await assert.rejects(run({ cmdlet: 'get-vm', parameters: {}, level: 'Diagnostics' }), { code: 'InvalidCommand' });
    await assert.rejects(run({ cmdlet: 'Get-VM', parameters: { ComputerName: 'x' }, level: 'Diagnostics' }), { code: 'InvalidCommand', message: /no parameter ComputerName/ });
    await assert.rejects(run({ cmdlet: 'Get-NetAdapter', parameters: { Physical: 'yes' }, level: 'Diagnostics' }), { code: 'InvalidCommand' });
    await assert.rejects(run({ cmdlet: 'Get-VHD', parameters: { Path: ['a.vhdx', 'b.vhdx'] }, level: 'Diagnostics' }), { code: 'InvalidCommand' });
    assert.equal((await h.run('HCI-N01', 'Get-VMHost')).node, 'hci-n01', 'node names compare without case');
  });

  it('answers from the node list alone when a fixture has no objects', async () => {
    const h = harness({
      fixture: fixtureWith((f) => {
        delete (f as { objects?: unknown }).objects;
        f.nodes = f.nodes.slice(0, 2);
      }),
    });
    assert.deepEqual(await h.values('hci-n02', 'Get-ClusterNode', {}, 'State'), ['Up', 'Up']);
    assert.deepEqual(await h.values('hci-n02', 'Get-Cluster'), ['hci-cl01']);
    assert.deepEqual(await h.values('hci-n01', 'Get-VMHost'), ['hci-n01']);
    assert.deepEqual(await h.objects('hci-n01', 'Get-VM'), []);
    assert.deepEqual(await h.objects('hci-n01', 'Get-PhysicalDisk'), []);
    await assert.rejects(h.run('hci-n03', 'Get-VM'), { code: 'UnknownNode' });
  });

  it('streams objects in chunks before the run settles', async () => {
    const h = harness({ chunkSize: 4 });
    const chunks: ResultChunk[] = [];
    let settled = false;
    const run = h.run('hci-n01', 'Get-ClusterResource', {}, {
      onChunk: (c) => {
        assert.equal(settled, false, 'chunks come before the promise settles');
        chunks.push(c);
      },
    });
    const result = await run;
    settled = true;
    assert.equal(result.objects.length, 30);
    assert.deepEqual(chunks.map((c) => c.sequence), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(chunks.flatMap((c) => c.objects), result.objects);
    assert.ok(chunks.every((c) => c.node === 'hci-n01' && c.cmdlet === 'Get-ClusterResource'));
  });

  it('cancels runs in flight on dispose and refuses new ones', async () => {
    const executor = new SimulatedNodeExecutor({ fixture: loadFixture() });
    executor.setHang('hci-n01', true);
    const run = executor.run('hci-n01', checked('Get-VM'), { timeoutMs: 60_000 });
    executor.dispose();
    await assert.rejects(run, { code: 'Cancelled', node: 'hci-n01' });
    await assert.rejects(executor.run('hci-n02', checked('Get-VM'), { timeoutMs: 1000 }), { code: 'ExecutorUnavailable' });
  });
});
