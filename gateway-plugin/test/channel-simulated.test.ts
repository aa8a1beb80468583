import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChannelClient } from '../src/console/channel-client';
import { acquireToken } from '../src/console/token-source';
import { COMMAND_TABLE, commandsForLevel } from '../src/policy/command-table';
import { roleCapabilityFile } from '../src/policy/jea-files';
import { FEATURE, installAgent, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';

const CASE = '2611250010009999';

describe('the embedded default end to end: simulated cluster behind the support channel', () => {
  let t: TestGateway;
  let token: string;

  before(async () => {
    t = await startTestGateway({ config: { mode: 'test' } });
    await installAgent(t);
    const reg = t.gateway.identityProvider!.registration;
    token = await acquireToken({ kind: 'client-credentials', authority: reg.authority, clientId: reg.clientId, clientSecret: reg.clientSecret, scope: reg.scope, ca: t.gateway.caCert });
  });
  after(async () => t.stop());

  async function session(level: 'Diagnostics' | 'DiagnosticsRepair') {
    const g = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, accessLevel: level, supportCaseNumber: CASE });
    assert.equal(g.status, 201, g.text);
    const c = await ChannelClient.connect(t.gateway.channelUrl, token, { ca: t.gateway.caCert });
    await c.open(CASE);
    return c;
  }

  it('puts the JEA files generated from the command table on every node at install', async () => {
    const files = (await t.api.get(`${FEATURE}/agent/files`)).body.files as { path: string; content: string }[];
    assert.ok(files.some((f) => f.path.endsWith('RemoteSupport.HCI.Diagnostics.pssc')));
    assert.ok(files.some((f) => f.path.endsWith('RemoteSupport.HCI.DiagnosticsRepair.pssc')));
    const psrc = files.find((f) => f.path.endsWith('RemoteSupport.Diagnostics.psrc'))!;
    assert.equal(psrc.content, roleCapabilityFile('Diagnostics'));
    for (const node of ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04']) {
      assert.deepEqual(t.gateway.simulatedCluster!.deployedFiles(node), files, `${node} holds the package`);
    }
  });

  it('lists, for each level, exactly the commands of the table', async () => {
    const res = await t.api.get(`${FEATURE}/commands`);
    for (const level of res.body.levels as { accessLevel: 'Diagnostics' | 'DiagnosticsRepair'; commands: { name: string }[] }[]) {
      assert.deepEqual(level.commands.map((c) => c.name), commandsForLevel(level.accessLevel).map((c) => c.name));
    }
    assert.equal(res.body.levels[1].commands.length, COMMAND_TABLE.length);
  });

  it('runs Get-ClusterNode and Get-PhysicalDisk on all nodes with the real property names', async () => {
    const c = await session('Diagnostics');
    const nodes = await c.run('Get-ClusterNode');
    assert.equal(nodes.outputs.length, 4);
    for (const o of nodes.outputs) {
      assert.ok(o.ok);
      const names = (o.objects as { Name: string; State: string }[]).map((x) => `${x.Name}:${x.State}`);
      assert.ok(names.includes('hci-n01:Up'), names.join(' '));
      assert.match(o.text, /^Name\s+State/m);
      assert.match(o.text, /^----/m);
    }
    const disks = await c.run('Get-PhysicalDisk');
    const all = disks.outputs.flatMap((o) => (o.ok ? (o.objects as { FriendlyName: string; HealthStatus: string }[]) : []));
    assert.ok(all.length > 0 && all.every((d) => typeof d.FriendlyName === 'string' && typeof d.HealthStatus === 'string'));
    assert.ok(all.some((d) => d.HealthStatus === 'Warning'), 'the degraded disk shows up');
    await c.close();
  });

  it('lets DiagnosticsRepair stop and start an allowlisted service, and the cluster shows it', async () => {
    const c = await session('DiagnosticsRepair');
    const stop = await c.run('Stop-Service -Name vmms', ['hci-n02']);
    assert.equal(stop.denied, null);
    assert.ok(stop.outputs.every((o) => o.ok), JSON.stringify(stop.outputs));
    const after = await c.run('Get-Service -Name vmms', ['hci-n02']);
    assert.match((after.outputs[0] as { text: string }).text, /Stopped/);
    const other = await c.run('Get-Service -Name vmms', ['hci-n01']);
    assert.match((other.outputs[0] as { text: string }).text, /Running/);
    await c.run('Start-Service -Name vmms', ['hci-n02']);
    const back = await c.run('Get-Service -Name vmms', ['hci-n02']);
    assert.match((back.outputs[0] as { text: string }).text, /Running/);
    await c.close();
  });

  it('injects faults in test mode: an offline node fails alone', async () => {
    const down = await t.api.post('/api/test/faults', { node: 'hci-n04', offline: true });
    assert.equal(down.status, 200, down.text);
    const c = await session('Diagnostics');
    const reply = await c.run('Get-VMHost');
    const n4 = reply.outputs.find((o) => o.node === 'hci-n04')!;
    assert.equal(n4.ok, false);
    assert.equal(!n4.ok && n4.error.code, 'NodeUnreachable');
    assert.equal(reply.outputs.filter((o) => o.ok).length, 3);
    await t.api.post('/api/test/faults', { node: 'hci-n04', offline: false });
    const bad = await t.api.post('/api/test/faults', { node: 'hci-n09', hang: true });
    assert.equal(bad.body.error.code, 'InvalidTestFault');
    await c.close();
  });
});
