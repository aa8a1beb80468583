import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { CLUSTER_SCRIPT_FILES } from '../src/cluster/cluster-scripts';
import { gatewayScript, powershellRoot } from '../src/executors/powershell-files';
import { pwshJson } from './helpers/pwsh';

/** Every PowerShell file the repository has, parsed by PowerShell's own parser. */

interface FileReport {
  path: string;
  errors: { line: number; message: string }[];
  commands: string[];
  methods: string[];
}

function powershellFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return powershellFiles(path);
    return /\.(ps1|psm1|psd1)$/i.test(name) ? [path] : [];
  });
}

describe('the PowerShell files', () => {
  const root = powershellRoot();
  const files = powershellFiles(root);
  let reports: FileReport[];
  const shipped = () => reports.filter((r) => relative(root, r.path).startsWith('gateway'));

  before(async () => {
    reports = await pwshJson<FileReport[]>(join(root, 'test', 'Test-ScriptFiles.ps1'), { files });
    if (!Array.isArray(reports)) reports = [reports];
  });

  it('include every script the gateway runs', () => {
    const expected = ['Initialize-GatewayScript.ps1', 'RemoteSupport.Gateway.psm1', 'RemoteSupport.WinRM.psm1', 'Start-CommandWorker.ps1', ...Object.values(CLUSTER_SCRIPT_FILES)].map((f) => gatewayScript(f));
    for (const file of expected) assert.ok(files.includes(file), `${relative(root, file)} exists`);
    assert.ok(files.length >= expected.length + 5, 'the test tools and stand-ins are parsed too');
  });

  it('all parse without a single error under PowerShell 7', () => {
    assert.equal(reports.length, files.length);
    for (const report of reports) assert.deepEqual(report.errors, [], relative(root, report.path));
  });

  it('never evaluate text in the scripts the gateway ships', () => {
    for (const report of shipped()) {
      const name = relative(root, report.path);
      for (const command of ['Invoke-Expression', 'iex', 'Add-Type', 'Start-Process']) assert.ok(!report.commands.includes(command), `${name} calls ${command}`);
      for (const method of ['AddScript', 'InvokeScript', 'NewScriptBlock']) assert.ok(!report.methods.includes(method), `${name} invokes ${method}`);
      // [PowerShell]::Create() makes an empty pipeline and is fine; [scriptblock]::Create(text) would compile text.
      assert.doesNotMatch(readFileSync(report.path, 'utf8'), /\[scriptblock\]::Create/i, name);
    }
    const worker = shipped().find((r) => r.path.endsWith('Start-CommandWorker.ps1'))!;
    assert.ok(worker.methods.includes('AddCommand') && worker.methods.includes('AddParameter'), 'commands are bound as data');
  });
});
