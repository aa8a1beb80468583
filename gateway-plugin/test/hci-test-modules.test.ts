import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadFixture } from '../src/simulator/fixture';
import { ExecutorFixture, str } from '../src/simulator/cluster-state';
import type { CommandErrorRecord } from '../src/executors/executor-error';
import { ExecutorError } from '../src/executors/executor-error';
import type { ResultObject } from '../src/executors/node-executor';
import { powershellRoot } from '../src/executors/powershell-files';
import { SimulatedNodeExecutor } from '../src/simulator/simulated-executor';
import { COMMAND_TABLE, findCommand, ParameterValue } from '../src/policy/command-table';
import { HCI_TEST_MODULES, hciFixtureClock, hciTestModuleFor, writeHciFixture } from './helpers/hci-fixture';
import { buildHciTestModules, hciTestModulesDir } from './helpers/local-cluster';
import { PWSH } from './helpers/pwsh';

/**
 * The HCI test modules (powershell/test/hci) in real PowerShell against the
 * simulated executor: every command of the table exists with the table's
 * kind, module and parameters, and answers (objects, errors, repairs) what the
 * simulator answers for the same node. Two pwsh processes: the build (which
 * skips the compile when its output is newer than the sources) and one probe
 * that runs every case in order in one session.
 */

interface Case {
  node: string;
  command: string;
  parameters: Record<string, ParameterValue>;
  /** What the case checks, for messages and for picking the cases of a test. */
  kind: 'plain' | 'filter' | 'missing' | 'repair';
}

interface ProbeCommand {
  commandType: string;
  moduleName: string;
  parameters: Record<string, { type: string; position: number | null; mandatory: boolean }>;
}

interface ProbeCase {
  objects: string[];
  errors: CommandErrorRecord[];
  terminating: CommandErrorRecord | null;
}

interface ProbeOutput {
  commands: Record<string, ProbeCommand | null>;
  cases: ProbeCase[];
  hang: { blocked: boolean; stopped: boolean; stopMs: number; state: string }[];
}

interface Expected {
  objects: ResultObject[];
  errors: CommandErrorRecord[];
  terminating: CommandErrorRecord | null;
}

const fixture = loadFixture() as ExecutorFixture;
const nodes = fixture.nodes.map((n) => n.name);
const n01 = nodes[0]!;
const objects = fixture.objects!;
const n01Disk = objects.nodes![n01]!.physicalDisks![0]!;
const vhdPath = str(objects.vhds![0]!['Path'])!;
/** Commands that need a parameter: they get cases of their own. */
const NEEDS_PARAMETER = new Set(['Get-VHD', 'Get-ClusterOwnerNode']);

function runPwsh(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(PWSH, ['-NoProfile', '-NonInteractive', ...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`pwsh ${args.join(' ')} failed: ${error.message}\n${stderr}\n${stdout}`));
      else resolve({ stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  const add = (kind: Case['kind'], command: string, parameters: Record<string, ParameterValue> = {}, node = n01) => cases.push({ node, command, parameters, kind });

  for (const node of nodes) {
    for (const c of COMMAND_TABLE) if (c.level !== 'DiagnosticsRepair' && !NEEDS_PARAMETER.has(c.name)) add('plain', c.name, {}, node);
  }

  // One case (at least) per filterable parameter of the table.
  add('filter', 'Get-ClusterGroup', { Name: 'vm-*' });
  add('filter', 'Get-ClusterNode', { Name: ['hci-n02', 'HCI-N03'] });
  add('filter', 'Get-ClusterOwnerNode', { Group: str(objects.clusterGroups![0]!['Name'])! });
  add('filter', 'Get-ClusterOwnerNode', { Resource: '*' });
  add('filter', 'Get-ClusterResource', { Name: '*disk*' });
  add('filter', 'Get-ClusterSharedVolume', { Name: '*UserStorage*' });
  add('filter', 'Get-NetAdapter', { Name: 'SMB*' });
  add('filter', 'Get-NetAdapter', { Physical: true });
  add('filter', 'Get-NetAdapter', { IncludeHidden: true });
  add('filter', 'Get-NetAdapter', { IncludeHidden: true, Physical: true });
  add('filter', 'Get-NetAdapterRdma', { Name: 'smb1' });
  add('filter', 'Get-PhysicalDisk', { FriendlyName: str(n01Disk['FriendlyName'])! });
  add('filter', 'Get-PhysicalDisk', { SerialNumber: [str(n01Disk['SerialNumber'])!] });
  add('filter', 'Get-PhysicalDisk', { HealthStatus: 'Healthy' });
  add('filter', 'Get-PhysicalDisk', { Usage: 'AutoSelect' });
  add('filter', 'Get-StorageEnclosure', { FriendlyName: '*0' });
  add('filter', 'Get-StorageJob', { Name: '*-Repair' });
  add('filter', 'Get-StorageNode', { Name: `${n01}*` });
  add('filter', 'Get-StorageSubsystem', { FriendlyName: 'Clustered*' });
  add('filter', 'Get-VHD', { Path: vhdPath });
  add('filter', 'Get-VHD', { Path: vhdPath.toLowerCase() }, nodes[1]);
  add('filter', 'Get-VirtualDisk', { FriendlyName: 'UserStorage*' });
  add('filter', 'Get-VM', { Name: 'vm-*' });
  add('filter', 'Get-VMSwitch', { Name: '*' });
  add('filter', 'Get-VMSwitch', { SwitchType: 'External' });
  add('filter', 'Get-Volume', { FileSystemLabel: 'UserStorage_1' });
  add('filter', 'Get-Volume', { DriveLetter: 'c' });
  add('filter', 'Get-Service', { Name: ['vmms', 'Hci*'] });

  // Names that match nothing: a non-terminating error each, the matches still written.
  add('missing', 'Get-ClusterGroup', { Name: ['nope', 'vm-*'] });
  add('missing', 'Get-ClusterNode', { Name: 'hci-n99' });
  add('missing', 'Get-ClusterOwnerNode', { Resource: 'nope' });
  add('missing', 'Get-ClusterResource', { Name: 'nope' });
  add('missing', 'Get-ClusterSharedVolume', { Name: 'nope' });
  add('missing', 'Get-NetAdapter', { Name: 'nope' });
  add('missing', 'Get-NetAdapterRdma', { Name: 'nope' });
  add('missing', 'Get-PhysicalDisk', { FriendlyName: 'nope', SerialNumber: 'nope2' });
  add('missing', 'Get-StorageEnclosure', { FriendlyName: 'nope' });
  add('missing', 'Get-StorageJob', { Name: 'nope' });
  add('missing', 'Get-StorageNode', { Name: 'nope' });
  add('missing', 'Get-StorageSubsystem', { FriendlyName: 'nope' });
  add('missing', 'Get-VHD', { Path: 'C:\\ClusterStorage\\UserStorage_1\\nope.vhdx' });
  add('missing', 'Get-VirtualDisk', { FriendlyName: 'nope' });
  add('missing', 'Get-VM', { Name: 'nope' });
  add('missing', 'Get-VMSwitch', { Name: 'nope' });
  add('missing', 'Get-Volume', { FileSystemLabel: 'nope', DriveLetter: ['C', 'Q'] });
  add('missing', 'Get-Service', { Name: 'nope' });
  add('missing', 'Repair-VirtualDisk', { FriendlyName: 'nope' });

  // Repairs, in order: each shows in the cases after it, on its node only.
  add('repair', 'Restart-Service', { Name: 'vmms' });
  add('repair', 'Get-Service', { Name: 'vmms' });
  add('repair', 'Stop-Service', { Name: 'ClusSvc' }); // refused: HciSvc depends on it and runs
  add('repair', 'Stop-Service', { Name: 'HciSvc' });
  add('repair', 'Get-Service');
  add('repair', 'Get-Service', {}, nodes[1]);
  add('repair', 'Start-Service', { Name: 'HciSvc' });
  add('repair', 'Get-Service', { Name: ['HciSvc', 'ClusSvc'] });
  add('repair', 'Stop-Service', { Name: 'vmms' });
  add('repair', 'Get-VM'); // terminating: vmms is stopped
  add('repair', 'Get-VM', {}, nodes[1]);
  add('repair', 'Start-Service', { Name: 'vmms' });
  add('repair', 'Get-VM');
  add('repair', 'Repair-VirtualDisk', { FriendlyName: 'UserStorage_2' });
  add('repair', 'Get-VirtualDisk');
  add('repair', 'Get-StorageJob', {}, nodes[2]);
  add('repair', 'Repair-VirtualDisk', { FriendlyName: 'UserStorage_2' });
  add('repair', 'Get-StorageJob');
  return cases;
}

/** The simulated executor's answers to the same cases, in the same order, on one cluster at the snapshot's time. */
async function simulate(cases: readonly Case[]): Promise<Expected[]> {
  const executor = new SimulatedNodeExecutor({ fixture: loadFixture(), clock: hciFixtureClock(), chunkSize: 1000 });
  const out: Expected[] = [];
  try {
    for (const c of cases) {
      const entry = findCommand(c.command)!;
      try {
        const r = await executor.run(c.node, { cmdlet: entry.name, parameters: c.parameters, level: entry.level }, { timeoutMs: 10_000 });
        out.push({ objects: r.objects, errors: r.errors, terminating: null });
      } catch (error) {
        if (!(error instanceof ExecutorError) || !error.record) throw error;
        out.push({ objects: [], errors: [], terminating: error.record });
      }
    }
  } finally {
    executor.dispose();
  }
  return out;
}

const label = (c: Case) => `${c.command} ${JSON.stringify(c.parameters)} on ${c.node}`;

describe('HCI test modules in real PowerShell', { timeout: 240_000 }, () => {
  let work: string;
  let cases: Case[];
  let expected: Expected[];
  let probe: ProbeOutput;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'hci-test-modules-'));
    const modules = hciTestModulesDir('modules');
    const env = { ...process.env, PSModulePath: [modules, process.env['PSModulePath'] ?? ''].filter(Boolean).join(delimiter), HCI_TEST_FIXTURE: join(work, 'hci-fixture.json') };
    await buildHciTestModules(modules);

    writeHciFixture(env.HCI_TEST_FIXTURE);
    cases = buildCases();
    const spec = {
      modules: HCI_TEST_MODULES,
      commands: COMMAND_TABLE.map((c) => c.name),
      cases: cases.map(({ node, command, parameters }) => ({ node, command, parameters })),
      hang: [
        { node: n01, module: 'Hyper-V', command: 'Get-VM', mode: 'stop', blockMs: 1000, stopWaitMs: 10_000 },
        { node: n01, module: 'Storage', command: 'Get-Volume', mode: 'stop', blockMs: 1000, stopWaitMs: 10_000 },
        { node: n01, module: 'Hyper-V', command: 'Get-VM', mode: 'ignoreStop', blockMs: 500, stopWaitMs: 1500 },
      ],
    };
    writeFileSync(join(work, 'cases.json'), JSON.stringify(spec));
    const [run, sim] = await Promise.all([
      runPwsh(['-File', join(powershellRoot(), 'test', 'Invoke-HciTestProbe.ps1'), '-CasesPath', join(work, 'cases.json'), '-OutputPath', join(work, 'out.json')], env, 180_000),
      simulate(cases),
    ]);
    process.stderr.write(`# Invoke-HciTestProbe.ps1: ${cases.length} cases and ${spec.hang.length} hang checks in ${run.ms} ms (pwsh included)\n`);
    expected = sim;
    probe = JSON.parse(readFileSync(join(work, 'out.json'), 'utf8')) as ProbeOutput;
    assert.equal(probe.cases.length, cases.length, 'the probe answered every case');
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('has every command of the table, of its kind, from its module, with every table parameter', () => {
    for (const entry of COMMAND_TABLE) {
      const found: ProbeCommand | null | undefined = probe.commands[entry.name];
      assert.ok(found, `${entry.name} exists`);
      assert.equal(found.commandType, entry.kind === 'cmdlet' ? 'Cmdlet' : 'Function', `${entry.name} is a ${entry.kind}`);
      assert.equal(found.moduleName, hciTestModuleFor(entry.module), `${entry.name} comes from ${entry.module}`);
      assert.deepEqual(Object.keys(found.parameters).sort(), entry.parameters.map((p) => p.name).sort(), `${entry.name} takes exactly the table's parameters`);
      for (const p of entry.parameters) {
        const got: ProbeCommand["parameters"][string] = found.parameters[p.name]!;
        if (p.position === 0) assert.equal(got.position, 0, `${entry.name} -${p.name} is at position 0`);
        else assert.equal(got.position, null, `${entry.name} -${p.name} is named only`);
        const rule = p.rule;
        const type = rule.kind === 'switch' ? 'System.Management.Automation.SwitchParameter' : undefined;
        if (type) assert.equal(got.type, type, `${entry.name} -${p.name} is a ${type}`);
        if (rule.kind !== 'switch' && rule.list) assert.match(got.type, /\[\]$/, `${entry.name} -${p.name} takes a list`);
      }
    }
  });

  const check = (kind: Case['kind']) => () => {
    let n = 0;
    cases.forEach((c, i) => {
      if (c.kind !== kind) return;
      n++;
      const got: ProbeCase = probe.cases[i]!;
      const want = expected[i]!;
      assert.deepEqual(got.terminating, want.terminating, `${label(c)}: terminating error`);
      assert.deepEqual(got.objects.map((o) => JSON.parse(o) as ResultObject), want.objects, `${label(c)}: objects`);
      assert.deepEqual(got.errors, want.errors, `${label(c)}: errors`);
    });
    assert.ok(n > 0);
  };

  it('answers every command without parameters, on every node, with the simulated executor\'s objects', check('plain'));

  it('filters by every parameter like the simulated executor', () => {
    const filtered = new Set(cases.filter((c) => c.kind === 'filter').flatMap((c) => Object.keys(c.parameters).map((p) => `${c.command} -${p}`)));
    for (const entry of COMMAND_TABLE) {
      if (entry.level === 'DiagnosticsRepair') continue;
      for (const p of entry.parameters) assert.ok(filtered.has(`${entry.name} -${p.name}`), `a filter case for ${entry.name} -${p.name}`);
    }
    check('filter')();
  });

  it('writes a non-terminating error, the simulator\'s, for each name that matches nothing', () => {
    for (const [i, c] of cases.entries()) {
      if (c.kind === 'missing') assert.ok(probe.cases[i]!.errors.length > 0 && probe.cases[i]!.terminating === null, `${label(c)} writes an error and goes on`);
    }
    check('missing')();
  });

  it('repairs change the node\'s state as in the simulator (Restart-Service vmms, refused Stop-Service, Repair-VirtualDisk)', () => {
    const i = cases.findIndex((c) => c.kind === 'repair' && c.command === 'Get-Service' && JSON.stringify(c.parameters) === '{"Name":"vmms"}');
    assert.equal((JSON.parse(probe.cases[i]!.objects[0]!) as ResultObject)['Status'], 'Running', 'vmms runs again after Restart-Service');
    const refused = cases.findIndex((c) => c.command === 'Stop-Service' && JSON.stringify(c.parameters) === '{"Name":"ClusSvc"}');
    assert.match(probe.cases[refused]!.errors[0]!.message, /has dependent services/);
    check('repair')();
  });

  it('the Hang hook blocks; Stop() ends the stop mode but not the ignoreStop mode', () => {
    const [vm, volume, ignore] = probe.hang;
    for (const [name, h] of [['Get-VM', vm], ['Get-Volume', volume]] as const) {
      assert.ok(h, `${name} hang ran`);
      assert.equal(h.blocked, true, `${name} blocks`);
      assert.equal(h.stopped, true, `Stop() ends ${name}`);
      assert.equal(h.state, 'Stopped');
    }
    assert.ok(ignore);
    assert.equal(ignore.blocked, true);
    assert.equal(ignore.stopped, false, 'Stop() cannot end the ignoreStop mode');
    assert.equal(ignore.state, 'Stopping');
  });
});
