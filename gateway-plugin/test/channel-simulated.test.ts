import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChannelClient } from '../src/console/channel-client';
import { acquireToken } from '../src/console/token-source';
import { COMMAND_TABLE, commandsForLevel } from '../src/policy/command-table';
import { roleCapabilityFile } from '../src/policy/jea-files';
import { moduleFiles, NODE_CREDENTIAL_PATH, NODE_GATEWAY_CONFIG_PATH, NODE_MODULE_DIRECTORY } from '../src/cluster/node-module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
    // Repairs here run without the live yes (repair-approval.test.ts covers it).
    const g = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, accessLevel: level, supportCaseNumber: CASE, ...(level === 'DiagnosticsRepair' ? { repairApproval: false } : {}) });
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

  it('puts the AzStackHCI.RemoteSupport module and its gateway.json with the machine credential on every node at install', async () => {
    const files = (await t.api.get(`${FEATURE}/agent/files`)).body.files as { path: string; content: string }[];
    assert.deepEqual(files.filter((f) => f.path.startsWith(`${NODE_MODULE_DIRECTORY}\\`)), moduleFiles(), 'the package lists the module');
    const moduleConfig = JSON.parse(readFileSync(join(t.dataDir, 'module-config.json'), 'utf8')) as Record<string, unknown>;
    const credential = readFileSync(join(t.dataDir, 'machine-credential'), 'utf8').trim();
    assert.ok(!JSON.stringify(files).includes(credential), 'the served package never holds the credential');
    for (const node of ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04']) {
      const [gatewayJson, copy] = t.gateway.simulatedCluster!.deployedConfig(node);
      assert.equal(gatewayJson!.path, NODE_GATEWAY_CONFIG_PATH);
      assert.deepEqual(JSON.parse(gatewayJson!.content), { ...moduleConfig, credentialPath: NODE_CREDENTIAL_PATH }, `${node}: the gateway's own endpoint by default`);
      assert.deepEqual(copy, { path: NODE_CREDENTIAL_PATH, content: credential });
    }
    const steps = (await t.api.get(`${FEATURE}/agent/operations/${(await t.api.get(`${FEATURE}/status`)).body.agentOperation.id}`)).body.operation.nodes[0];
    assert.equal(steps.stepsTotal, 5, 'the module step is one of the install steps');
  });

  it('writes the configured moduleEndpoint, not its own URL, into the nodes\' gateway.json', async () => {
    const other = await startTestGateway({ config: { mode: 'test', moduleEndpoint: 'https://wac01.contoso.local:6600' } });
    try {
      await installAgent(other);
      const [gatewayJson] = other.gateway.simulatedCluster!.deployedConfig('hci-n02');
      assert.equal(JSON.parse(gatewayJson!.content).endpoint, 'https://wac01.contoso.local:6600');
      const removed = await other.api.post(`${FEATURE}/agent/remove`, { nodes: ['hci-n02'] });
      assert.equal(removed.status, 202, removed.text);
      await other.gateway.agents.idle();
      assert.deepEqual(other.gateway.simulatedCluster!.deployedConfig('hci-n02'), [], 'removal takes gateway.json and the credential copy off');
    } finally {
      await other.stop();
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
