import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clusterScriptArgs } from '../src/cluster/cluster-scripts';
import { PowerShellClusterTarget } from '../src/cluster/powershell-cluster';
import { ExecutorError } from '../src/executors/executor-error';
import { DEFAULT_TRANSCRIPT_DIRECTORY, JeaFile, jeaFiles, MODULE_DIRECTORY } from '../src/policy/jea-files';
import { defaultJeaOptions } from '../src/operations/agent-deployer';
import { timed } from './fixtures/executor-harness';
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

  before(async () => {
    local = await localCluster('agent', ['hci-n01', 'hci-n02', 'hci-n03']);
    target = new PowerShellClusterTarget({
      name: CLUSTER, nodes: ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n09'], registered: false, powershellPath: PWSH, transportModule: LOCAL_TRANSPORT, env: local.env, timeoutMs: 120_000,
    });
  });
  after(() => {
    target?.dispose();
    local?.remove();
  });

  it('installs the agent step by step: files under the module folder, a locked transcript folder, one endpoint per level', async () => {
    const steps: string[] = [];
    const result = await target.installAgent('hci-n01', FILES, (s) => steps.push(s));
    assert.deepEqual(result, { version: '1.1.0' });
    assert.deepEqual(steps, [...target.agentSteps('install')]);

    for (const file of FILES) {
      assert.equal(readFileSync(onNode(local, 'hci-n01', file.path), 'utf8'), file.content, `${file.path} arrived byte for byte`);
    }
    assert.deepEqual(readState(local, 'hci-n01', 'registrations.json'), {
      'RemoteSupport.HCI.Diagnostics': `${MODULE_DIRECTORY}\\RemoteSupport.HCI.Diagnostics.pssc`,
      'RemoteSupport.HCI.DiagnosticsRepair': `${MODULE_DIRECTORY}\\RemoteSupport.HCI.DiagnosticsRepair.pssc`,
    });
    // Protected from inheritance (P), full control for SYSTEM and Administrators only: the Users read the folder inherited is gone.
    assert.deepEqual(readState(local, 'hci-n01', 'acl.json'), { [DEFAULT_TRANSCRIPT_DIRECTORY]: 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)' });
    assert.ok(existsSync(onNode(local, 'hci-n01', DEFAULT_TRANSCRIPT_DIRECTORY)));
    assert.ok(!existsSync(moduleFolder(local, 'hci-n02')), 'nothing reached another node');
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
    assert.deepEqual(readState(local, 'hci-n01', 'registrations.json'), {});
    assert.ok(!existsSync(moduleFolder(local, 'hci-n01')));
    assert.ok(existsSync(onNode(local, 'hci-n01', DEFAULT_TRANSCRIPT_DIRECTORY)), 'the JEA transcripts stay as evidence');
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
