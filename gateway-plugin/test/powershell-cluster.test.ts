import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { AGENT_MODULE_DIRECTORY, CLUSTER_SCRIPT_FILES, clusterScriptArgs, INSTALL_STEP_IDS, REMOVE_STEP_IDS } from '../src/cluster/cluster-scripts';
import { gatewayScript, winrmTransportModule } from '../src/executors/powershell-files';
import { SimulatedBackend } from '../src/simulator/simulated-backend';
import {
  agentFilePathProblem, DEFAULT_PROXY_ENDPOINTS, parseClusterFrame, PowerShellClusterOptions, PowerShellClusterTarget,
} from '../src/cluster/powershell-cluster';
import { AgentInstallResult } from '../src/cluster/cluster-target';
import {
  moduleFiles, NODE_CONFIG_DIRECTORY, NODE_CREDENTIAL_PATH, NODE_MODULE_DIRECTORY, NodeGatewayConfig,
} from '../src/cluster/node-module';
import { FakeClock } from '../src/test-support/fake-clock';
import { EventHub, LiveEvent } from '../src/events/event-hub';
import { ExecutorError } from '../src/executors/executor-error';
import { AgentDeployer, AgentOperation, defaultJeaOptions } from '../src/operations/agent-deployer';
import { JeaFile, jeaFiles, SESSION_CONFIGURATION_NAME } from '../src/policy/jea-files';
import { AgentLedger } from '../src/store/agent-ledger';
import { openDatabase } from '../src/store/database';
import { timed, turns, watch, Watched } from './fixtures/executor-harness';
import { expectExecutorError, gone, readLogEntries } from './fixtures/pwsh-test-helpers';
import { FEATURE, Loose, startTestGateway, tempDir } from './helpers/gateway-fixture';
import { until } from './helpers/until';

const FAKE_PWSH = join(__dirname, '..', '..', 'test', 'fixtures', 'fake-pwsh-cluster');
const CLUSTER = 'hci-cl01.contoso.local';
const FILES: readonly JeaFile[] = jeaFiles(defaultJeaOptions(CLUSTER));
const INJECTION = "x'; Remove-Item C:\\ -Recurse; '";

describe('PowerShell cluster target (against fake-pwsh-cluster)', () => {
  let dir: string;
  let log: string;
  let pids: number[];
  let targets: PowerShellClusterTarget[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fake-pwsh-cluster-'));
    log = join(dir, 'log.jsonl');
    pids = [];
    targets = [];
  });
  afterEach(() => {
    for (const t of targets) t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const cluster = (options: Partial<PowerShellClusterOptions> = {}) => {
    const t = new PowerShellClusterTarget({
      name: CLUSTER,
      nodes: ['hci-n01', 'hci-n02', 'dead-node', 'deny-node', 'fail-node', 'slow-node', 'garbage-node', 'skip-node', 'noend-node', 'crash-node', 'badversion-node'],
      registered: true,
      powershellPath: FAKE_PWSH,
      env: { ...process.env, FAKE_PWSH_LOG: log },
      timeoutMs: 20_000,
      onSpawn: ({ pid }) => pids.push(pid),
      ...options,
    });
    targets.push(t);
    return t;
  };
  const entries = () => readLogEntries(log);
  const failure = expectExecutorError;
  const install = (t: PowerShellClusterTarget, node: string, files: readonly JeaFile[] = FILES, steps: string[] = []) => t.installAgent(node, files, (s) => steps.push(s));

  it('starts PowerShell with exactly the fixed arguments of each operation and sends the data only on stdin', async () => {
    const t = cluster({ nodes: ['hci-n01'] });
    assert.deepEqual(await install(t, 'hci-n01'), { version: '1.0.0' });
    await t.removeAgent('hci-n01', () => {});
    await t.prerequisites();

    const [installRun, removeRun, prerequisitesRun] = entries();
    const transport = winrmTransportModule();
    assert.deepEqual(installRun!.argv, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', gatewayScript('Install-Agent.ps1'), '-TransportModule', transport]);
    assert.deepEqual(removeRun!.argv, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', gatewayScript('Remove-Agent.ps1'), '-TransportModule', transport]);
    assert.deepEqual(prerequisitesRun!.argv, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', gatewayScript('Test-Prerequisites.ps1'), '-TransportModule', transport]);
    assert.deepEqual(installRun!.argv, clusterScriptArgs('install', transport));
    for (const entry of entries()) {
      const joined = entry.argv.join('\n');
      assert.ok(!joined.includes('hci-n01'), 'argv does not name the node');
      assert.ok(!joined.includes('RemoteSupport.Diagnostics'), 'argv carries no file content');
      assert.ok(!joined.includes('servicebus'), 'argv carries no endpoint');
    }

    const request = JSON.parse(installRun!.stdin) as Record<string, unknown>;
    assert.ok(installRun!.stdin.endsWith('\n'));
    assert.equal(request['protocol'], 1);
    assert.equal(request['operation'], 'install');
    assert.equal(request['node'], 'hci-n01');
    assert.deepEqual(request['configurations'], [
      { name: `${SESSION_CONFIGURATION_NAME}.Diagnostics`, path: `${AGENT_MODULE_DIRECTORY}\\RemoteSupport.HCI.Diagnostics.pssc` },
      { name: `${SESSION_CONFIGURATION_NAME}.DiagnosticsRepair`, path: `${AGENT_MODULE_DIRECTORY}\\RemoteSupport.HCI.DiagnosticsRepair.pssc` },
    ]);
    assert.deepEqual(request['files'], FILES.map((f) => ({ path: f.path, content: f.content })), 'the files travel whole, as data');
    assert.equal(request['manifestPath'], `${AGENT_MODULE_DIRECTORY}\\RemoteSupportHCI.psd1`);
    assert.equal(request['moduleDirectory'], AGENT_MODULE_DIRECTORY);
    assert.equal(request['transcriptDirectory'], 'C:\\ProgramData\\RemoteSupport\\Transcripts');
    assert.ok((request['winrmTimeoutMs'] as number) < 20_000 && (request['deadlineMs'] as number) < 20_000, 'WinRM gives up before the gateway kills PowerShell');

    assert.deepEqual(request['nodeModule'], { directory: NODE_MODULE_DIRECTORY, files: [] }, 'no module files in this package');
    assert.equal(request['nodeConfig'], null, 'no gateway configuration given');
    assert.deepEqual(JSON.parse(removeRun!.stdin), {
      protocol: 1, operation: 'remove', node: 'hci-n01', moduleDirectory: AGENT_MODULE_DIRECTORY,
      configurationNames: ['RemoteSupport.HCI.Diagnostics', 'RemoteSupport.HCI.DiagnosticsRepair'],
      nodeModuleDirectory: NODE_MODULE_DIRECTORY, nodeConfigDirectory: NODE_CONFIG_DIRECTORY, winrmTimeoutMs: 6666, deadlineMs: 16_000,
    });
    const prerequisites = JSON.parse(prerequisitesRun!.stdin) as Record<string, unknown>;
    assert.equal(prerequisites['operation'], 'prerequisites');
    assert.deepEqual(prerequisites['nodes'], ['hci-n01']);
    assert.equal(prerequisites['moduleName'], 'Az.StackHCI');
    assert.deepEqual(prerequisites['probeHosts'], DEFAULT_PROXY_ENDPOINTS.map((p) => p.probe));
  });

  it('carries a hostile file content only inside the stdin JSON', async () => {
    const t = cluster();
    const files = FILES.map((f) => (f.path.endsWith('.psd1') ? { ...f, content: `# ${INJECTION}\r\n${f.content}` } : f));
    await install(t, 'hci-n02', files);
    const [entry] = entries();
    assert.ok(!entry!.argv.some((a) => a.includes('Remove-Item C:')), 'not in argv');
    const sent = (JSON.parse(entry!.stdin) as { files: JeaFile[] }).files;
    assert.ok(sent.find((f) => f.path.endsWith('.psd1'))!.content.includes(INJECTION));
  });

  it('refuses a file outside the module folder before starting PowerShell', async () => {
    const t = cluster();
    const base = `${AGENT_MODULE_DIRECTORY}\\`;
    const bad = [
      'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\profile.ps1',
      `${base}..\\..\\evil.psd1`,
      `${base}RoleCapabilities\\..\\..\\Other\\x.psrc`,
      `${AGENT_MODULE_DIRECTORY}2\\RemoteSupportHCI.psd1`,
      `${base}RoleCapabilities/x.psrc`,
      `${base}x.ps1`,
      `${base}x?.psrc`,
      `${base}RoleCapabilities\\\\x.psrc`,
      `\\\\server\\share\\${base}x.psd1`,
    ];
    for (const path of bad) {
      assert.notEqual(agentFilePathProblem(path), null, path);
      const { error } = await timed(install(t, 'hci-n01', [...FILES, { path, content: 'x' }]));
      assert.ok(error instanceof RangeError, `${path} refused`);
      assert.match(error.message, /^Refused to send the agent to hci-n01: /);
    }
    const withoutPssc = FILES.filter((f) => !f.path.endsWith('.pssc'));
    assert.match(String((await timed(install(t, 'hci-n01', withoutPssc))).error), /has no .*RemoteSupport\.HCI\.Diagnostics\.pssc/);
    assert.match(String((await timed(install(t, 'hci-n01', [...FILES, FILES[0]!]))).error), /appears twice/);
    assert.equal((await failure(install(t, 'hci-n07'))).code, 'UnknownNode');
    assert.deepEqual(entries(), [], 'PowerShell never started');
    assert.deepEqual(pids, []);
    for (const f of FILES) assert.equal(agentFilePathProblem(f.path), null, `${f.path} is accepted`);
  });

  it('sends the module files and the node\'s gateway configuration as data, the credential only on stdin', async () => {
    const t = cluster({ nodes: ['hci-n01'] });
    const credential = 'Zx9_-'.repeat(8) + 'abc';
    const gateway: NodeGatewayConfig = { endpoint: 'https://wac01.contoso.local:6600', cluster: CLUSTER, clusters: [CLUSTER], certificateSha256: 'ab'.repeat(32), credential };
    const modules = moduleFiles();
    await t.installAgent('hci-n01', [...FILES, ...modules], () => {}, undefined, gateway);
    const [run] = entries();
    assert.ok(!run!.argv.join('\n').includes(credential), 'the credential is not in argv');
    const request = JSON.parse(run!.stdin) as Record<string, Loose>;
    assert.deepEqual(request['files'], FILES.map((f) => ({ path: f.path, content: f.content })), 'the JEA files stay in their own list');
    assert.deepEqual(request['nodeModule'], { directory: NODE_MODULE_DIRECTORY, files: modules.map((f) => ({ path: f.path, content: f.content })) });
    assert.equal(request['nodeConfig'].directory, NODE_CONFIG_DIRECTORY);
    assert.equal(request['nodeConfig'].credential, credential);
    assert.deepEqual(JSON.parse(request['nodeConfig'].gatewayJson), {
      endpoint: 'https://wac01.contoso.local:6600', cluster: CLUSTER, clusters: [CLUSTER], certificateSha256: 'ab'.repeat(32), credentialPath: NODE_CREDENTIAL_PATH,
    });
    assert.ok(!request['nodeConfig'].gatewayJson.includes(credential), 'gateway.json holds where the credential is, not the credential');

    const refusedConfigs: [Partial<NodeGatewayConfig>, RegExp][] = [
      [{ endpoint: 'http://wac01.contoso.local:6600' }, /endpoint must be an https URL/],
      [{ endpoint: 'https://wac01/api?x=1' }, /endpoint must be an https URL/],
      [{ certificateSha256: 'AB'.repeat(32) }, /64 lowercase hex digits/],
      [{ credential: 'short' }, /32 to 256 base64url characters/],
      [{ credential: `${credential}\n` }, /32 to 256 base64url characters/],
      [{ cluster: 'other.contoso.local' }, /one of the clusters/],
    ];
    for (const [bad, message] of refusedConfigs) {
      const { error } = await timed(t.installAgent('hci-n01', FILES, () => {}, undefined, { ...gateway, ...bad }));
      assert.ok(error instanceof RangeError, JSON.stringify(bad));
      assert.match(error.message, message);
    }
    assert.equal(entries().length, 1, 'PowerShell never started for a refused configuration');
  });

  it('refuses a module file outside the module folder, a traversal, or another type before starting PowerShell', async () => {
    const t = cluster();
    const base = `${NODE_MODULE_DIRECTORY}\\`;
    const bad = [
      `${base}..\\..\\evil.psm1`,
      `${base}..\\RemoteSupportHCI\\x.psm1`,
      `${base}Sub\\x.psm1`,
      `${base}x.ps1`,
      `${base}x.psrc`,
      `${base}x.pssc`,
      `${base}x.dll`,
      `${base}x.ps1xml`,
      `${base}x?.psm1`,
      `${base}.psm1`,
      `${base}x.psm1:stream`,
      `${base}x/y.psm1`,
      `${NODE_MODULE_DIRECTORY}2\\x.psm1`,
      `${AGENT_MODULE_DIRECTORY}\\AzStackHCI.RemoteSupport.psm1`,
      `${NODE_CONFIG_DIRECTORY}\\AzStackHCI.RemoteSupport.psm1`,
      `${NODE_CONFIG_DIRECTORY}\\gateway.json`,
      `C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\Modules\\AzStackHCI.RemoteSupport\\x.psm1`,
    ];
    for (const path of bad) {
      assert.notEqual(agentFilePathProblem(path), null, path);
      const { error } = await timed(install(t, 'hci-n01', [...FILES, { path, content: 'x' }]));
      assert.ok(error instanceof RangeError, `${path} refused`);
      assert.match(error.message, /^Refused to send the agent to hci-n01: /);
    }
    assert.deepEqual(entries(), [], 'PowerShell never started');
    for (const f of moduleFiles()) assert.equal(agentFilePathProblem(f.path), null, `${f.path} is accepted`);
    assert.match(agentFilePathProblem(`${base}x.ps1`)!, /is not a \.psd1, \.psm1, \.format\.ps1xml, \.cs file/);
    assert.match(agentFilePathProblem(`${AGENT_MODULE_DIRECTORY}\\x.psm1`)!, /is not a \.psd1, \.psrc or \.pssc file/);
  });

  it('reports each install step as the script reaches it, in order', async () => {
    const t = cluster({ env: { ...process.env, FAKE_PWSH_LOG: log, FAKE_PWSH_HOLD: dir } });
    const seen: string[] = [];
    const run: Watched<AgentInstallResult> = watch(t.installAgent('hci-n01', FILES, (title) => {
      seen.push(title);
      if (seen.length > 1) return;
      // The script waits after its first step until released: the step arrived on its own, before the end.
      assert.equal(run.settled, false);
      writeFileSync(join(dir, 'hci-n01'), '');
    }));
    const result = (await run.outcome).value!;
    assert.equal(result.version, '1.0.0');
    assert.deepEqual(seen, [...t.agentSteps('install')]);
    assert.deepEqual(t.agentSteps('install'), [
      'Checking the node', 'Copying the JEA files', 'Restricting the JEA transcript folder to Administrators and SYSTEM',
      'Installing the AzStackHCI.RemoteSupport module and its gateway configuration',
      'Registering the RemoteSupport.HCI session configurations', 'Verifying the RemoteSupport.HCI endpoints',
    ]);

    const removed: string[] = [];
    writeFileSync(join(dir, 'hci-n02'), '');
    await t.removeAgent('hci-n02', (title) => removed.push(title));
    assert.deepEqual(removed, [...t.agentSteps('remove')]);
    assert.deepEqual(removed, [
      'Checking the node', 'Unregistering the RemoteSupport.HCI session configurations', 'Removing the JEA files',
      'Removing the AzStackHCI.RemoteSupport module and its gateway configuration',
    ]);
  });

  it('maps each failure to a readable error naming the step', async () => {
    const t = cluster();
    const dead = await failure(install(t, 'dead-node'));
    assert.equal(dead.code, 'NodeUnreachable');
    assert.match(dead.message, /^Checking the node: dead-node did not answer: WinRM cannot complete the operation\..*; check that dead-node is running and answers on WinRM \(Test-WSMan dead-node\)/);
    assert.equal(t.nodes().find((n) => n.name === 'dead-node')!.online, false, 'the node is known to be down');
    assert.equal(t.nodes().find((n) => n.name === 'hci-n01')!.online, true);

    const denied = await failure(install(t, 'deny-node'));
    assert.equal(denied.code, 'AccessDenied');
    assert.match(denied.message, /^Checking the node: deny-node refused access: .*Access is denied.*must be an administrator on deny-node/);

    const failed = await failure(install(t, 'fail-node'));
    assert.equal(failed.code, 'CommandFailed');
    assert.match(failed.message, /^Registering the RemoteSupport\.HCI session configurations: Register-PSSessionConfiguration failed on fail-node: Could not find the role capability/);
    assert.equal(failed.record?.fullyQualifiedErrorId, 'InvalidRoleCapability,Microsoft.PowerShell.Commands.RegisterPSSessionConfigurationCommand');

    const garbage = await failure(install(t, 'garbage-node'));
    assert.equal(garbage.code, 'ExecutorProtocolError');
    assert.match(garbage.message, /not JSON: WARNING: this is not JSON/);
    assert.match((await failure(install(t, 'skip-node'))).message, /reported step "register" where "copy" was due/);
    assert.match((await failure(install(t, 'noend-node'))).message, /ended without a done frame \(at "Verifying the RemoteSupport\.HCI endpoints"\)/);
    assert.match((await failure(install(t, 'crash-node'))).message, /PowerShell exited with code 3 without reporting an error: .*fake crash/);
    assert.match((await failure(install(t, 'badversion-node'))).message, /reported no agent version \(got "latest"\)/);
    assert.equal((await failure(t.removeAgent('dead-node', () => {}))).code, 'NodeUnreachable');

    const missing = cluster({ powershellPath: join(dir, 'no-such-pwsh') });
    const unavailable = await failure(install(missing, 'hci-n01'));
    assert.equal(unavailable.code, 'ExecutorUnavailable');
    assert.match(unavailable.message, /could not be started \(ENOENT\); install PowerShell 7 or set executor\.powershellPath/);
  });

  it('kills PowerShell when the timeout passes, and says where the install was', async () => {
    const clock = new FakeClock();
    const t = cluster({ timeoutMs: 3000, clock });
    const steps: string[] = [];
    let reached!: () => void;
    const checking = new Promise<void>((resolve) => (reached = resolve));
    const run = watch(t.installAgent('slow-node', FILES, (s) => {
      steps.push(s);
      reached();
    }));
    // The stand-in has reported its first step however loaded the machine; only then does the time run out.
    await checking;
    clock.advance(2999);
    await turns();
    assert.equal(run.settled, false, 'PowerShell runs on until the timeout has passed');
    assert.ok(!gone(pids[0]!));
    clock.advance(1);
    const { error } = await run.outcome;
    assert.ok(error instanceof ExecutorError);
    assert.equal(error.code, 'CommandTimedOut');
    assert.equal(error.message, 'Installing the agent on slow-node did not finish within 3000 ms (at "Checking the node"); PowerShell was stopped');
    assert.deepEqual(steps, ['Checking the node']);
    assert.equal(pids.length, 1);
    assert.ok(gone(pids[0]!), `PowerShell (pid ${pids[0]}) is gone`);
  });

  it('kills PowerShell when the install is cancelled or the target disposed', async () => {
    const t = cluster();
    const controller = new AbortController();
    const run = timed(t.installAgent('slow-node', FILES, () => controller.abort(), controller.signal));
    const { error } = await run;
    assert.equal((error as ExecutorError).code, 'Cancelled');
    assert.match((error as ExecutorError).message, /was cancelled \(at "Checking the node"\); PowerShell was stopped/);
    assert.ok(gone(pids[0]!), 'PowerShell is gone');

    let reached!: () => void;
    const started = new Promise<void>((resolve) => (reached = resolve));
    const hanging = timed(t.installAgent('slow-node', FILES, () => reached()));
    await started;
    t.dispose();
    assert.equal(((await hanging).error as ExecutorError).code, 'Cancelled');
    assert.ok(pids.length === 2 && pids.every(gone));
    assert.equal((await failure(install(t, 'hci-n01'))).code, 'ExecutorUnavailable');
  });

  it('parses the prerequisites into checks with the simulated ids, titles and remedies', async () => {
    const t = cluster({ nodes: ['hci-n01', 'agent-node', 'dead-node', 'nomodule-node', 'oldmodule-node'] });
    const checks = await t.prerequisites();
    const simulated = await new SimulatedBackend({ clock: new FakeClock() }).target.prerequisites();
    assert.deepEqual(
      checks.map((c) => c.id),
      [
        'kdsRootKey',
        'module:hci-n01', 'module:agent-node', 'module:dead-node', 'module:nomodule-node', 'module:oldmodule-node',
        ...DEFAULT_PROXY_ENDPOINTS.map((p) => `proxy:${p.endpoint}`),
        'jea:hci-n01', 'jea:agent-node', 'jea:dead-node', 'jea:nomodule-node', 'jea:oldmodule-node',
      ],
    );
    assert.deepEqual(simulated.filter((c) => c.id.startsWith('proxy:')).map((c) => c.id), checks.filter((c) => c.id.startsWith('proxy:')).map((c) => c.id), 'the same endpoints as the simulated cluster');
    const byId = new Map(checks.map((c) => [c.id, c]));
    const simulatedById = new Map(simulated.map((c) => [c.id, c]));
    assert.equal(byId.get('module:hci-n01')!.title, simulatedById.get('module:hci-n01')!.title);
    assert.equal(byId.get('kdsRootKey')!.title, simulatedById.get('kdsRootKey')!.title);

    assert.deepEqual(byId.get('kdsRootKey'), {
      id: 'kdsRootKey', title: 'Key Distribution Services root key', node: null, status: 'passed',
      detail: 'A KDS root key exists in contoso.local, effective 2026-01-12T08:00:00.000Z.', remedy: null,
    });
    assert.equal(byId.get('module:hci-n01')!.status, 'passed');
    assert.equal(byId.get('module:nomodule-node')!.remedy, 'On nomodule-node, run Install-Module -Name Az.StackHCI (or Update-Module -Name Az.StackHCI).');
    assert.match(byId.get('module:oldmodule-node')!.detail, /Az\.StackHCI 2\.0\.1 is installed; 2\.1\.0 or newer is needed/);
    assert.equal(byId.get('jea:agent-node')!.status, 'passed');
    assert.equal(byId.get('jea:hci-n01')!.status, 'failed');
    assert.match(byId.get('jea:hci-n01')!.remedy!, /Install the remote support agent/);

    for (const id of ['module:dead-node', 'jea:dead-node']) {
      const c = byId.get(id)!;
      assert.equal(c.status, 'failed');
      assert.equal(c.node, 'dead-node');
      assert.match(c.detail, /^dead-node does not answer \(Connecting to remote server dead-node failed.*WinRM cannot complete the operation\.\)/);
      assert.equal(c.remedy, 'Bring dead-node back online and check that WinRM answers (Test-WSMan dead-node), then check again.');
    }
    const relay = byId.get('proxy:*.servicebus.windows.net')!;
    assert.equal(relay.status, 'passed', 'a node that does not answer does not fail the endpoints');
    assert.equal(relay.detail, 'relay-westus2.servicebus.windows.net:443 answered from hci-n01, agent-node, nomodule-node, oldmodule-node.');
    assert.equal(t.nodes().find((n) => n.name === 'dead-node')!.online, false);
    for (const c of checks) assert.equal(c.remedy === null, c.status === 'passed', `${c.id}: a remedy exactly when it does not pass`);
  });

  it('fails an endpoint that a node cannot reach, naming the node and the reason', async () => {
    const t = cluster({ nodes: ['hci-n01', 'firewalled-node'], proxyEndpoints: ['*.servicebus.windows.net', 'https://edgesupprd.trafficmanager.net', { endpoint: '*.contoso.example', probe: 'relay.contoso.example' }] });
    const proxies = (await t.prerequisites()).filter((c) => c.id.startsWith('proxy:'));
    assert.deepEqual(proxies.map((c) => c.id), ['proxy:*.servicebus.windows.net', 'proxy:https://edgesupprd.trafficmanager.net', 'proxy:*.contoso.example']);
    assert.ok(proxies.every((c) => c.status === 'failed'));
    assert.equal(proxies[1]!.detail, 'edgesupprd.trafficmanager.net:443 did not answer from firewalled-node (No connection could be made because the target machine actively refused it.).');
    assert.equal(proxies[1]!.remedy, 'Allow https://edgesupprd.trafficmanager.net on port 443 in the proxy and firewall.');
    assert.deepEqual((JSON.parse(entries()[0]!.stdin) as { probeHosts: string[] }).probeHosts, ['relay-westus2.servicebus.windows.net', 'edgesupprd.trafficmanager.net', 'relay.contoso.example']);
    assert.throws(() => cluster({ proxyEndpoints: ['*.example.net'] }), /\*\.example\.net is a wildcard; give it as \{endpoint/);
  });

  it('tells a missing, not yet effective or uncheckable KDS root key apart', async () => {
    const kds = async (mode: string) => (await cluster({ nodes: ['hci-n01'], env: { ...process.env, FAKE_PWSH_KDS: mode } }).prerequisites())[0]!;
    const absent = await kds('absent');
    assert.equal(absent.status, 'failed');
    assert.match(absent.detail, /Get-KdsRootKey returns nothing in contoso\.local/);
    assert.match(absent.remedy!, /Add-KdsRootKey -EffectiveImmediately/);
    const future = await kds('future');
    assert.equal(future.status, 'warning');
    assert.match(future.detail, /not effective until 2099-01-01T00:00:00\.000Z/);
    const unavailable = await kds('unavailable');
    assert.equal(unavailable.status, 'warning');
    assert.match(unavailable.detail, /Get-KdsRootKey could not run on the gateway machine \(The term 'Get-KdsRootKey' is not recognized/);
    assert.match(unavailable.remedy!, /^Run Get-KdsRootKey on a domain controller of contoso\.local/);
  });

  it('gives every check failed with the reason when the prerequisites run cannot finish', async () => {
    const clock = new FakeClock();
    const slow = cluster({ nodes: ['hci-n01', 'slow-node'], timeoutMs: 400, clock });
    const pending = slow.prerequisites();
    await until(() => pids.length === 1);
    clock.advance(400);
    const checks = await pending;
    assert.equal(checks.length, 1 + 2 + DEFAULT_PROXY_ENDPOINTS.length + 2);
    for (const c of checks) {
      assert.equal(c.status, 'failed');
      assert.equal(c.detail, `Could not be checked: Checking the prerequisites on ${CLUSTER} did not finish within 400 ms; PowerShell was stopped`);
      assert.match(c.remedy!, /Check that PowerShell \(.*fake-pwsh-cluster\) runs on the gateway machine/);
    }
    assert.ok(gone(pids[0]!), 'PowerShell is gone');

    const garbage = await cluster({ nodes: ['garbage-node'] }).prerequisites();
    assert.match(garbage[0]!.detail, /broke the executor protocol: the prerequisites report has no list of nodes/);
  });

  it('validates its options', () => {
    assert.throws(() => cluster({ name: 'hci cl01' }), /name must be the cluster's DNS name/);
    assert.throws(() => cluster({ nodes: [] }), /nodes must name at least one node/);
    assert.throws(() => cluster({ nodes: ['hci-n01; calc'] }), /nodes must be host names/);
    assert.throws(() => cluster({ nodes: ['hci-n01', 'HCI-N01'] }), /names a node twice/);
    assert.throws(() => cluster({ timeoutMs: 0 }), /timeoutMs must be a positive number/);
    const t = cluster({ nodes: ['hci-n01'], registered: false });
    assert.equal(t.registered, false);
    assert.equal(t.powershellPath, FAKE_PWSH);
    assert.deepEqual(t.nodes(), [{ name: 'hci-n01', online: true }]);
    assert.match(new PowerShellClusterTarget({ name: CLUSTER, nodes: ['hci-n01'], registered: true }).powershellPath, /pwsh$/);
  });
});

describe('cluster scripts', () => {
  const text = (operation: keyof typeof CLUSTER_SCRIPT_FILES) => readFileSync(gatewayScript(CLUSTER_SCRIPT_FILES[operation]), 'utf8');

  it('are fixed files that report exactly their own steps', () => {
    const steps = (script: string) => [...script.matchAll(/frame = 'step'; step = '([a-z]+)'/g)].map((m) => m[1]);
    assert.deepEqual(steps(text('install')), [...INSTALL_STEP_IDS]);
    assert.deepEqual(steps(text('remove')), [...REMOVE_STEP_IDS]);
    assert.deepEqual(steps(text('prerequisites')), []);
    for (const operation of Object.keys(CLUSTER_SCRIPT_FILES) as (keyof typeof CLUSTER_SCRIPT_FILES)[]) {
      assert.match(text(operation), new RegExp(`Read-Request '${operation}'`));
      assert.ok(!text(operation).includes("$')"), `${operation}: patterns end with \\z, never a $ that also matches before a line feed`);
    }
  });

  it('read frames strictly', () => {
    assert.deepEqual(parseClusterFrame('{"frame":"step","step":"copy"}'), { frame: 'step', step: 'copy' });
    assert.deepEqual(parseClusterFrame('{"frame":"done","version":"1.0.0"}'), { frame: 'done', value: { version: '1.0.0' } });
    assert.equal(parseClusterFrame('{"frame":"fatal","error":{"stage":"connect","message":"m"}}').frame, 'fatal');
    assert.throws(() => parseClusterFrame('{"frame":"object","value":{}}'), /unknown frame "object"/);
    assert.throws(() => parseClusterFrame('{"frame":"step"}'), /names no step/);
    assert.throws(() => parseClusterFrame('{"frame":"fatal"}'), /has no error/);
    assert.throws(() => parseClusterFrame('not json'), /not JSON/);
  });
});

describe('AgentDeployer with the PowerShell cluster target', () => {
  it('installs on two nodes in parallel with real progress while a dead node fails alone', async () => {
    const dir = tempDir();
    const db = openDatabase(dir.path);
    const logDir = mkdtempSync(join(tmpdir(), 'fake-pwsh-cluster-'));
    try {
      const clock = new FakeClock();
      const events = new EventHub(() => clock.now());
      const seen: LiveEvent[] = [];
      const bothRunning = (s: AgentOperation) => ['hci-n01', 'hci-n02'].every((node) => {
        const n = s.nodes.find((x) => x.node === node)!;
        return n.status === 'running' && n.step !== null;
      });
      events.subscribe((e) => {
        seen.push(e);
        // Each script holds after its first step; both are released once both are seen mid-install.
        if (e.type === 'agent.progress' && bothRunning(e.data as AgentOperation)) {
          for (const node of ['hci-n01', 'hci-n02']) writeFileSync(join(logDir, node), '');
        }
      });
      const target = new PowerShellClusterTarget({
        name: CLUSTER,
        nodes: ['hci-n01', 'hci-n02', 'dead-node'],
        registered: true,
        powershellPath: FAKE_PWSH,
        env: { ...process.env, FAKE_PWSH_LOG: join(logDir, 'log.jsonl'), FAKE_PWSH_HOLD: logDir },
        timeoutMs: 20_000,
      });
      writeFileSync(join(logDir, 'dead-node'), ''); // fails at its first step anyway
      const agents = new AgentDeployer(new AgentLedger(db), target, clock, events);
      const { operation, done } = agents.start('install', [], 'alice');
      assert.deepEqual(operation.nodes.map((n) => n.stepsTotal), [6, 6, 6]);
      const finished = await done;

      assert.equal(finished.status, 'failed');
      const byNode = new Map(finished.nodes.map((n) => [n.node, n]));
      for (const n of ['hci-n01', 'hci-n02']) {
        assert.equal(byNode.get(n)!.status, 'succeeded');
        assert.equal(byNode.get(n)!.stepsDone, 6);
      }
      const dead = byNode.get('dead-node')!;
      assert.equal(dead.status, 'failed');
      assert.equal(dead.stepsDone, 0);
      assert.match(dead.error!, /^Checking the node: dead-node did not answer: WinRM cannot complete the operation/);
      assert.deepEqual(agents.nodes().map((n) => [n.node, n.state, n.version]), [['hci-n01', 'Installed', '1.0.0'], ['hci-n02', 'Installed', '1.0.0'], ['dead-node', 'Failed', null]]);
      assert.match(agents.nodes()[2]!.detail!, /Test-WSMan dead-node/);

      const snapshots = seen.filter((e) => e.type === 'agent.progress').map((e) => e.data as AgentOperation);
      const stepsOf = (node: string) => [...new Set(snapshots.map((s) => s.nodes.find((n) => n.node === node)!.step).filter((s): s is string => s !== null))];
      assert.deepEqual(stepsOf('hci-n01'), [...target.agentSteps('install')], 'every step of hci-n01 was published, in order');
      assert.deepEqual(stepsOf('hci-n02'), [...target.agentSteps('install')]);
      assert.ok(snapshots.some(bothRunning), 'both nodes were mid-install at the same moment: the installs ran in parallel');
      assert.equal(seen.at(-1)!.type, 'agent.finished');
    } finally {
      db.close();
      dir.remove();
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});

describe('a gateway configured for PowerShell', () => {
  it('builds its cluster from the configuration and installs and checks through pwsh', async () => {
    const t = await startTestGateway({
      config: {
        executor: { kind: 'powershell', powershellPath: FAKE_PWSH },
        cluster: { stepDelayMs: 0, name: CLUSTER, nodes: ['hci-n01', 'dead-node'], registered: false },
      },
    });
    try {
      const gateway = t.gateway as unknown as { cluster: unknown };
      assert.ok(gateway.cluster instanceof PowerShellClusterTarget);
      assert.equal((gateway.cluster as PowerShellClusterTarget).powershellPath, FAKE_PWSH);
      const status = await t.api.get(`${FEATURE}/status`);
      assert.equal(status.body.registered, false);
      assert.deepEqual(status.body.nodes.map((n: { name: string }) => n.name), ['hci-n01', 'dead-node']);

      const prerequisites = await t.api.get(`${FEATURE}/prerequisites`);
      assert.equal(prerequisites.status, 200);
      assert.equal(prerequisites.body.ready, false);
      const dead = prerequisites.body.checks.find((c: { id: string }) => c.id === 'module:dead-node');
      assert.match(dead.detail, /^dead-node does not answer/);

      const started = await t.api.post(`${FEATURE}/agent/install`, { nodes: ['hci-n01'] });
      assert.equal(started.status, 202);
      await t.gateway.agents.idle();
      assert.deepEqual(t.gateway.agents.nodes().map((n) => [n.node, n.state, n.version]), [['hci-n01', 'Installed', '1.0.0'], ['dead-node', 'NotInstalled', null]]);
    } finally {
      await t.stop();
    }
  });
});
