import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clusterScriptArgs } from '../src/cluster/cluster-scripts';
import { PowerShellClusterTarget } from '../src/cluster/powershell-cluster';
import {
  moduleFiles, moduleSourceDirectory, NODE_CONFIG_DIRECTORY, NODE_CREDENTIAL_PATH, NODE_GATEWAY_CONFIG_PATH, NODE_MODULE_DIRECTORY, NodeGatewayConfig,
} from '../src/cluster/node-module';
import { ExecutorError } from '../src/executors/executor-error';
import { DEFAULT_TRANSCRIPT_DIRECTORY, JeaFile, jeaFiles, MODULE_DIRECTORY } from '../src/policy/jea-files';
import { defaultJeaOptions } from '../src/operations/agent-deployer';
import { timed } from './fixtures/executor-harness';
import { startTestGateway, TestGateway } from './helpers/gateway-fixture';
import { ModuleRunner } from './helpers/module-runner';
import { LOCAL_TRANSPORT, LocalCluster, localCluster } from './helpers/local-cluster';
import { PWSH } from './helpers/pwsh';

/**
 * The agent install, removal and prerequisite scripts, run by real pwsh
 * against local nodes: only WinRM (the transport module) and the
 * Windows-only commands on the node (session configuration registration,
 * ACLs) are stand-ins.
 */

const CLUSTER = 'hci-cl01.contoso.local';
const FILES: readonly JeaFile[] = jeaFiles(defaultJeaOptions(CLUSTER));
/** What the gateway sends: the JEA files and the AzStackHCI.RemoteSupport module. */
const PACKAGE: readonly JeaFile[] = [...FILES, ...moduleFiles()];
/** Protected, full control for SYSTEM and Administrators only: the folder (inherited by what it holds) and each file. */
const CONFIG_FOLDER_SDDL = 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)';
const CONFIG_FILE_SDDL = 'D:PAI(A;;FA;;;SY)(A;;FA;;;BA)';
const HOSTILE = "'; Remove-Item -Recurse x; '$(whoami)`\"";
/** Where the module folder lands on a local node. */
const moduleFolder = (local: LocalCluster, node: string) => join(local.nodeRoot(node), MODULE_DIRECTORY.slice(3).replace(/\\/g, '/'));
const onNode = (local: LocalCluster, node: string, windowsPath: string) => join(local.nodeRoot(node), windowsPath.slice(3).replace(/\\/g, '/'));
const readState = (local: LocalCluster, node: string, file: string) => {
  const path = join(local.nodeRoot(node), file);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
};

describe('the agent scripts under real pwsh', () => {
  let local: LocalCluster;
  let target: PowerShellClusterTarget;
  /** The gateway the installed module is to reach. */
  let gw: TestGateway;
  let gateway: NodeGatewayConfig;

  before(async () => {
    gw = await startTestGateway({ config: { mode: 'test' } });
    const moduleConfig = JSON.parse(readFileSync(join(gw.dataDir, 'module-config.json'), 'utf8')) as { endpoint: string; certificateSha256: string };
    gateway = {
      endpoint: moduleConfig.endpoint, cluster: CLUSTER, clusters: [CLUSTER], certificateSha256: moduleConfig.certificateSha256,
      credential: readFileSync(join(gw.dataDir, 'machine-credential'), 'utf8').trim(),
    };
    local = await localCluster('agent', ['hci-n01', 'hci-n02', 'hci-n03']);
    target = new PowerShellClusterTarget({
      name: CLUSTER, nodes: ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n09'], registered: false, powershellPath: PWSH, transportModule: LOCAL_TRANSPORT, env: local.env, timeoutMs: 120_000,
    });
  });
  after(async () => {
    target?.dispose();
    local?.remove();
    await gw?.stop();
  });

  it('installs the agent step by step: files under the module folder, a locked transcript folder, one endpoint per level', async () => {
    // Left by an older version: the module folder ends up holding exactly the module's files.
    mkdirSync(onNode(local, 'hci-n01', NODE_MODULE_DIRECTORY), { recursive: true });
    writeFileSync(onNode(local, 'hci-n01', `${NODE_MODULE_DIRECTORY}\\Stale.psm1`), 'old');
    const steps: string[] = [];
    const result = await target.installAgent('hci-n01', PACKAGE, (s) => steps.push(s), undefined, gateway);
    assert.deepEqual(result, { version: '1.1.0' });
    assert.deepEqual(steps, [...target.agentSteps('install')]);
    assert.ok(steps.includes('Installing the AzStackHCI.RemoteSupport module and its gateway configuration'));

    for (const file of FILES) {
      assert.equal(readFileSync(onNode(local, 'hci-n01', file.path), 'utf8'), file.content, `${file.path} arrived byte for byte`);
    }
    assert.deepEqual(readState(local, 'hci-n01', 'registrations.json'), {
      'RemoteSupport.HCI.Diagnostics': `${MODULE_DIRECTORY}\\RemoteSupport.HCI.Diagnostics.pssc`,
      'RemoteSupport.HCI.DiagnosticsRepair': `${MODULE_DIRECTORY}\\RemoteSupport.HCI.DiagnosticsRepair.pssc`,
    });
    // Protected from inheritance (P), full control for SYSTEM and Administrators only: the Users read the folder inherited is gone.
    assert.deepEqual(readState(local, 'hci-n01', 'acl.json'), {
      [DEFAULT_TRANSCRIPT_DIRECTORY]: 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)',
      [NODE_CONFIG_DIRECTORY]: CONFIG_FOLDER_SDDL,
      [NODE_GATEWAY_CONFIG_PATH]: CONFIG_FILE_SDDL,
      [NODE_CREDENTIAL_PATH]: CONFIG_FILE_SDDL,
    });
    assert.ok(existsSync(onNode(local, 'hci-n01', DEFAULT_TRANSCRIPT_DIRECTORY)));
    assert.ok(!existsSync(moduleFolder(local, 'hci-n02')), 'nothing reached another node');

    // The module: exactly its files, byte for byte as in powershell/module.
    const source = moduleSourceDirectory();
    const installed = onNode(local, 'hci-n01', NODE_MODULE_DIRECTORY);
    assert.deepEqual(readdirSync(installed).sort(), readdirSync(source).sort());
    assert.deepEqual(readdirSync(installed).sort(), ['AzStackHCI.RemoteSupport.format.ps1xml', 'AzStackHCI.RemoteSupport.psd1', 'AzStackHCI.RemoteSupport.psm1', 'CertificatePin.cs']);
    for (const name of readdirSync(source)) assert.ok(readFileSync(join(installed, name)).equals(readFileSync(join(source, name))), `${name} is byte-equal`);

    // Its configuration: gateway.json pointing at the credential copy next to it, only the owner can read either.
    const gatewayJson = JSON.parse(readFileSync(onNode(local, 'hci-n01', NODE_GATEWAY_CONFIG_PATH), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(gatewayJson, {
      endpoint: gw.gateway.url, cluster: CLUSTER, clusters: [CLUSTER], certificateSha256: gateway.certificateSha256, credentialPath: NODE_CREDENTIAL_PATH,
    });
    assert.equal(readFileSync(onNode(local, 'hci-n01', NODE_CREDENTIAL_PATH), 'utf8'), gateway.credential);
    assert.equal(statSync(onNode(local, 'hci-n01', NODE_CREDENTIAL_PATH)).mode & 0o777, 0o600);
    assert.equal(statSync(onNode(local, 'hci-n01', NODE_GATEWAY_CONFIG_PATH)).mode & 0o777, 0o600);
    assert.equal(statSync(onNode(local, 'hci-n01', NODE_CONFIG_DIRECTORY)).mode & 0o777, 0o700);
  });

  it('leaves a module on the node that real pwsh imports and that reaches the gateway with the credential copy', async () => {
    // Off Windows the module cannot read C:\ paths: a copy of the node's gateway.json points at the node's credential copy where it lies here.
    const installed = JSON.parse(readFileSync(onNode(local, 'hci-n01', NODE_GATEWAY_CONFIG_PATH), 'utf8')) as Record<string, unknown>;
    const config = join(local.root, 'node-gateway.json');
    writeFileSync(config, JSON.stringify({ ...installed, credentialPath: onNode(local, 'hci-n01', NODE_CREDENTIAL_PATH) }));
    const manifest = join(onNode(local, 'hci-n01', NODE_MODULE_DIRECTORY), 'AzStackHCI.RemoteSupport.psd1');
    const ps = await ModuleRunner.start({ ...process.env, AZSHCI_REMOTESUPPORT_CONFIG: config }, manifest);
    try {
      const status = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportStatus' });
      assert.deepEqual(status.typeNames, ['AzStackHCI.RemoteSupport.ClusterStatus']);
      // The same status the API gives, but for what moves between the two reads.
      const steady = ({ now: _now, dataDisk: _disk, ...rest }: Record<string, unknown>) => rest;
      assert.deepEqual(steady(status.output[0]), steady((await gw.api.get(`/api/nodes/${CLUSTER}/features/remoteSupport/status`)).body));
      assert.equal(status.output[0].cluster, CLUSTER);
      // A wrong credential on the node is refused by the gateway.
      writeFileSync(onNode(local, 'hci-n01', NODE_CREDENTIAL_PATH), 'A'.repeat(43));
      const refused = await ps.fails({ command: 'Get-AzStackHCIRemoteSupportStatus' });
      assert.match(refused.fqid, /^Unauthenticated,/);
    } finally {
      writeFileSync(onNode(local, 'hci-n01', NODE_CREDENTIAL_PATH), gateway.credential);
      await ps.close();
    }
  });

  it('writes hostile file content literally, as data', async () => {
    const files = FILES.map((f) => (f.path.endsWith('.psd1') ? { ...f, content: `# ${HOSTILE}\r\n${f.content}` } : f));
    await target.installAgent('hci-n02', files, () => {});
    const manifest = files.find((f) => f.path.endsWith('.psd1'))!;
    assert.equal(readFileSync(onNode(local, 'hci-n02', manifest.path), 'utf8'), manifest.content);
  });

  it('fails at the check step on a node that does not answer, and writes nothing', async () => {
    local.setOffline('hci-n03', true);
    try {
      const steps: string[] = [];
      const { error } = await timed(target.installAgent('hci-n03', FILES, (s) => steps.push(s)));
      assert.ok(error instanceof ExecutorError);
      assert.equal(error.code, 'NodeUnreachable');
      assert.match(error.message, /^Checking the node: hci-n03 did not answer: .*WinRM cannot complete the operation/);
      assert.deepEqual(steps, ['Checking the node']);
      assert.ok(!existsSync(moduleFolder(local, 'hci-n03')));
    } finally {
      local.setOffline('hci-n03', false);
    }
    const { error } = await timed(target.installAgent('hci-n09', FILES, () => {}));
    assert.equal((error as ExecutorError).code, 'NodeUnreachable', 'a name that does not resolve');
  });

  it('refuses, in the script itself, a request that writes outside the module folder', async () => {
    const request = {
      protocol: 1, operation: 'install', node: 'hci-n03', moduleDirectory: MODULE_DIRECTORY,
      files: [...FILES, { path: `${MODULE_DIRECTORY}\\..\\..\\evil.psd1`, content: 'x' }].map((f) => ({ path: f.path, content: f.content })),
      configurations: [{ name: 'RemoteSupport.HCI.Diagnostics', path: `${MODULE_DIRECTORY}\\RemoteSupport.HCI.Diagnostics.pssc` }],
      manifestPath: `${MODULE_DIRECTORY}\\RemoteSupportHCI.psd1`, transcriptDirectory: DEFAULT_TRANSCRIPT_DIRECTORY, winrmTimeoutMs: 5000, deadlineMs: 5000,
    };
    const { code, frames } = await runScript('install', request, local);
    assert.equal(code, 1);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!['frame'], 'fatal');
    const error = frames[0]!['error'] as Record<string, unknown>;
    assert.equal(error['stage'], 'input');
    assert.match(String(error['message']), /Refused to write .*evil\.psd1: a folder or file name in it is not a plain name/);
    assert.ok(!existsSync(moduleFolder(local, 'hci-n03')));
    assert.deepEqual(readdirSync(local.nodeRoot('hci-n03')), []);
  });

  it('answers an unreadable request with a fatal frame at the input stage', async () => {
    const { code, frames } = await runScript('remove', { protocol: 1, operation: 'install' }, local);
    assert.equal(code, 1);
    assert.match(String((frames[0]!['error'] as Record<string, unknown>)['message']), /This script runs the remove operation, not install/);
  });

  it('checks the prerequisites on every node at once, telling an unanswering node apart', async () => {
    local.installAzStackHci('hci-n01', '2.4.0');
    local.installAzStackHci('hci-n02', '2.0.1');
    local.setOffline('hci-n03', true);
    try {
      const probing = new PowerShellClusterTarget({
        name: CLUSTER, nodes: ['hci-n01', 'hci-n02', 'hci-n03'], registered: false, powershellPath: PWSH, transportModule: LOCAL_TRANSPORT, env: local.env,
        proxyEndpoints: ['localhost'], timeoutMs: 60_000,
      });
      const checks = await probing.prerequisites();
      const byId = new Map(checks.map((c) => [c.id, c]));
      assert.equal(byId.get('module:hci-n01')!.status, 'passed');
      assert.match(byId.get('module:hci-n01')!.detail, /2\.4\.0/);
      assert.equal(byId.get('module:hci-n02')!.status, 'failed', 'Az.StackHCI 2.0.1 is older than the minimum');
      assert.equal(byId.get('module:hci-n03')!.status, 'failed');
      assert.match(byId.get('module:hci-n03')!.detail, /^hci-n03 does not answer.*WinRM cannot complete the operation/);
      assert.equal(byId.get('jea:hci-n01')!.status, 'passed', 'hci-n01 has both endpoints');
      assert.equal(byId.get('kdsRootKey')!.status, 'warning', 'Get-KdsRootKey does not exist here, and the check says so');
      assert.deepEqual(probing.nodes().map((n) => [n.name, n.online]), [['hci-n01', true], ['hci-n02', true], ['hci-n03', false]]);
      probing.dispose();
    } finally {
      local.setOffline('hci-n03', false);
    }
  });

  it('removes the agent: endpoints unregistered, module folder gone, transcripts kept', async () => {
    const steps: string[] = [];
    await target.removeAgent('hci-n01', (s) => steps.push(s));
    assert.deepEqual(steps, [...target.agentSteps('remove')]);
    assert.ok(steps.includes('Removing the AzStackHCI.RemoteSupport module and its gateway configuration'));
    assert.deepEqual(readState(local, 'hci-n01', 'registrations.json'), {});
    assert.ok(!existsSync(moduleFolder(local, 'hci-n01')));
    assert.ok(!existsSync(onNode(local, 'hci-n01', NODE_MODULE_DIRECTORY)), 'the AzStackHCI.RemoteSupport module is gone');
    assert.ok(!existsSync(onNode(local, 'hci-n01', NODE_GATEWAY_CONFIG_PATH)), 'gateway.json is gone');
    assert.ok(!existsSync(onNode(local, 'hci-n01', NODE_CREDENTIAL_PATH)), 'the credential copy is gone');
    assert.ok(!existsSync(onNode(local, 'hci-n01', NODE_CONFIG_DIRECTORY)), 'and its folder, empty now');
    assert.ok(existsSync(onNode(local, 'hci-n01', DEFAULT_TRANSCRIPT_DIRECTORY)), 'the JEA transcripts stay as evidence');
  });

  it('refuses, in the script itself, a module file outside its folder, of another type, or a configuration pointing elsewhere', async () => {
    const base = {
      protocol: 1, operation: 'install', node: 'hci-n03', moduleDirectory: MODULE_DIRECTORY,
      files: FILES.map((f) => ({ path: f.path, content: f.content })),
      configurations: [{ name: 'RemoteSupport.HCI.Diagnostics', path: `${MODULE_DIRECTORY}\\RemoteSupport.HCI.Diagnostics.pssc` }],
      manifestPath: `${MODULE_DIRECTORY}\\RemoteSupportHCI.psd1`, transcriptDirectory: DEFAULT_TRANSCRIPT_DIRECTORY, winrmTimeoutMs: 5000, deadlineMs: 5000,
    };
    const good = { directory: NODE_MODULE_DIRECTORY, files: [{ path: `${NODE_MODULE_DIRECTORY}\\AzStackHCI.RemoteSupport.psm1`, content: 'x' }] };
    const config = (over: Record<string, unknown> = {}, json: Record<string, unknown> = {}) => ({
      directory: NODE_CONFIG_DIRECTORY,
      gatewayJson: JSON.stringify({ endpoint: 'https://gw.contoso.local:6600', cluster: CLUSTER, clusters: [CLUSTER], certificateSha256: 'a'.repeat(64), credentialPath: NODE_CREDENTIAL_PATH, ...json }),
      credential: 'c'.repeat(43),
      ...over,
    });
    const attacks: [string, Record<string, unknown>, RegExp][] = [
      ['a traversal', { nodeModule: { ...good, files: [{ path: `${NODE_MODULE_DIRECTORY}\\..\\..\\evil.psm1`, content: 'x' }] } }, /not a plain file name directly in the module folder/],
      ['a subfolder', { nodeModule: { ...good, files: [{ path: `${NODE_MODULE_DIRECTORY}\\Sub\\x.psm1`, content: 'x' }] } }, /not a plain file name/],
      ['another folder', { nodeModule: { ...good, files: [{ path: 'C:\\Windows\\System32\\x.psm1', content: 'x' }] } }, /module files go under/],
      ['a sibling folder', { nodeModule: { ...good, files: [{ path: `${NODE_MODULE_DIRECTORY}2\\x.psm1`, content: 'x' }] } }, /module files go under/],
      ['a script', { nodeModule: { ...good, files: [{ path: `${NODE_MODULE_DIRECTORY}\\profile.ps1`, content: 'x' }] } }, /only \.psd1, \.psm1, \.format\.ps1xml and \.cs files/],
      ['a JEA file type', { nodeModule: { ...good, files: [{ path: `${NODE_MODULE_DIRECTORY}\\x.psrc`, content: 'x' }] } }, /only \.psd1, \.psm1/],
      ['a module file in the JEA folder', { files: [...base.files, { path: `${MODULE_DIRECTORY}\\x.psm1`, content: 'x' }], nodeModule: good }, /only \.psd1, \.psrc and \.pssc files/],
      ['another module folder', { nodeModule: { ...good, directory: 'C:\\Windows' } }, /the module folder on a node is/],
      ['no module part', {}, /carries no nodeModule/],
      ['another configuration folder', { nodeModule: good, nodeConfig: config({ directory: 'C:\\Windows\\System32' }) }, /configuration folder on a node is/],
      ['a credential path elsewhere', { nodeModule: good, nodeConfig: config({}, { credentialPath: 'C:\\Users\\Public\\cred' }) }, /must point at/],
      ['a credential with a line break', { nodeModule: good, nodeConfig: config({ credential: `${'c'.repeat(43)}\nx` }) }, /not 32 to 256 base64url characters/],
      ['a plain-http endpoint', { nodeModule: good, nodeConfig: config({}, { endpoint: 'http://gw:80' }) }, /no https endpoint/],
    ];
    for (const [what, over, message] of attacks) {
      const { code, frames } = await runScript('install', { ...base, ...over }, local);
      assert.equal(code, 1, what);
      const error = frames[0]!['error'] as Record<string, unknown>;
      assert.equal(error['stage'], 'input', what);
      assert.match(String(error['message']), message, what);
      assert.deepEqual(readdirSync(local.nodeRoot('hci-n03')), [], `${what}: nothing was written`);
    }
    for (const [field, value] of [['nodeModuleDirectory', 'C:\\Windows'], ['nodeConfigDirectory', 'C:\\Users']] as const) {
      const { code, frames } = await runScript('remove', {
        protocol: 1, operation: 'remove', node: 'hci-n03', moduleDirectory: MODULE_DIRECTORY, configurationNames: ['RemoteSupport.HCI.Diagnostics'],
        nodeModuleDirectory: NODE_MODULE_DIRECTORY, nodeConfigDirectory: NODE_CONFIG_DIRECTORY, [field]: value, winrmTimeoutMs: 5000, deadlineMs: 5000,
      }, local);
      assert.equal(code, 1, field);
      assert.match(String((frames[0]!['error'] as Record<string, unknown>)['message']), /^Refused: the module (configuration )?folder on a node is/, field);
    }
  });
});

/** Runs one cluster script directly, bypassing the TypeScript checks, and returns its frames. */
function runScript(operation: 'install' | 'remove' | 'prerequisites', request: unknown, local: LocalCluster): Promise<{ code: number; frames: Record<string, unknown>[] }> {
  return new Promise((resolve) => {
    const child = execFile(PWSH, clusterScriptArgs(operation, LOCAL_TRANSPORT), { env: local.env }, (error, stdout) => {
      const frames = stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, frames });
    });
    child.stdin!.end(JSON.stringify(request));
  });
}
