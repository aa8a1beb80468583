import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PowerShellClusterTarget } from '../src/cluster/powershell-cluster';
import { ChannelClient } from '../src/console/channel-client';
import { acquireToken } from '../src/console/token-source';
import { PowerShellNodeExecutor } from '../src/executors/powershell-executor';
import { jeaFiles } from '../src/policy/jea-files';
import { defaultJeaOptions } from '../src/operations/agent-deployer';
import { FEATURE, installAgent, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { LOCAL_TRANSPORT, LocalCluster, localCluster } from './helpers/local-cluster';
import { PWSH } from './helpers/pwsh';
import { HangMarker } from './helpers/until';

/**
 * The whole command path with real PowerShell: an engineer's line through the
 * support channel, the policy, the write-ahead transcript, the pwsh worker
 * pool and the node's JEA endpoint of the grant's level (local nodes).
 */

const CLUSTER = 'hci-cl01.contoso.local';
const NODES = ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04'];
const CASE = '2611250010007777';

describe('the support channel on the PowerShell executor (real pwsh, local nodes)', () => {
  let local: LocalCluster;
  let executor: PowerShellNodeExecutor;
  let t: TestGateway;
  let token: string;
  const marker = new HangMarker();

  before(async () => {
    local = await localCluster('channel', NODES);
    const installer = new PowerShellClusterTarget({ name: CLUSTER, nodes: NODES, registered: true, powershellPath: PWSH, transportModule: LOCAL_TRANSPORT, env: local.env });
    await Promise.all(NODES.map((n) => installer.installAgent(n, jeaFiles(defaultJeaOptions(CLUSTER)), () => {})));
    executor = new PowerShellNodeExecutor({
      powershellPath: PWSH, transportModule: LOCAL_TRANSPORT, nodes: NODES, workers: 2,
      env: { ...local.env, HCI_TEST_HANG_CMDLET: 'Get-VMHost', HCI_TEST_HANG_MODE: 'stop', ...marker.env },
    });
    t = await startTestGateway({ config: { mode: 'test' }, executor });
    await installAgent(t);
    const reg = t.gateway.identityProvider!.registration;
    token = await acquireToken({ kind: 'client-credentials', authority: reg.authority, clientId: reg.clientId, clientSecret: reg.clientSecret, scope: reg.scope, ca: t.gateway.caCert });
  });
  after(async () => {
    await t?.stop();
    local?.remove();
  });

  async function session(level: 'Diagnostics' | 'DiagnosticsRepair') {
    // Repairs here run without the live yes (repair-approval.test.ts covers it).
    const g = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, accessLevel: level, supportCaseNumber: CASE, ...(level === 'DiagnosticsRepair' ? { repairApproval: false } : {}) });
    assert.equal(g.status, 201, g.text);
    const c = await ChannelClient.connect(t.gateway.channelUrl, token, { ca: t.gateway.caCert });
    await c.open(CASE);
    return c;
  }

  it('runs an engineer\'s line on every node through pwsh and JEA, with the real objects', async () => {
    const c = await session('Diagnostics');
    const reply = await c.run('Get-ClusterNode');
    assert.equal(reply.outputs.length, 4);
    for (const o of reply.outputs) {
      assert.ok(o.ok, JSON.stringify(o));
      assert.deepEqual((o.objects as { Name: string }[]).map((x) => x.Name), NODES);
      assert.match(o.text, /^Name\s+State/m);
    }
    await c.close();
  });

  it('runs a repair under DiagnosticsRepair on one node, and the node shows it', async () => {
    const c = await session('DiagnosticsRepair');
    const stop = await c.run('Stop-Service -Name vmcompute', ['hci-n03']);
    assert.ok(stop.outputs.every((o) => o.ok), JSON.stringify(stop.outputs));
    const after = await c.run('Get-Service -Name vmcompute', ['hci-n03']);
    assert.match((after.outputs[0] as { text: string }).text, /Stopped/);
    await c.run('Start-Service -Name vmcompute', ['hci-n03']);
    await c.close();
  });

  it('records, in the transcript, the clear error of a command whose worker was killed', async () => {
    const c = await session('Diagnostics');
    const running = c.run('Get-VMHost', ['hci-n01']);
    // Kill only once the command is blocking in a worker; an idle worker's death would just hand it to a new one.
    await marker.reached('Get-VMHost');
    for (const pid of executor.workerPids()) process.kill(-pid, 'SIGKILL');
    const reply = await running;
    const out = reply.outputs[0]!;
    assert.equal(out.ok, false);
    assert.equal(!out.ok && out.error.code, 'ExecutorUnavailable');
    assert.match(!out.ok ? out.error.message : '', /the PowerShell worker \(process \d+\) .* while running Get-VMHost/);

    const next = await c.run('Get-Cluster', ['hci-n01']);
    assert.ok(next.outputs[0]!.ok, 'a new worker serves the next line');
    await c.close();

    const sessions = (await t.api.get(`${FEATURE}/sessions`)).body.sessions as { id: string; startedAt: string }[];
    const latest = [...sessions].sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0]!;
    const page = await t.api.get(`${FEATURE}/sessions/${latest.id}?includeTranscript=true&limit=100`);
    const texts = (page.body.transcript.entries as { kind: string; text: string }[]).map((e) => `${e.kind}: ${e.text}`);
    assert.ok(texts.some((x) => /^error: ExecutorUnavailable: .*the PowerShell worker \(process \d+\) .* while running Get-VMHost/.test(x)), texts.join('\n'));
    const verify = await t.api.get(`${FEATURE}/sessions/${latest.id}/verify`);
    assert.equal(verify.body.verification.valid, true);
  });
});
