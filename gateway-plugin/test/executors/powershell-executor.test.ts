import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PowerShellClusterTarget } from '../../src/cluster/powershell-cluster';
import { ACCESS_LEVELS, AccessLevel } from '../../src/domain/access-level';
import { FakeClock } from '../../src/test-support/fake-clock';
import { ExecutorError } from '../../src/executors/executor-error';
import { ResultChunk } from '../../src/executors/node-executor';
import { classifyRemotingError, PowerShellNodeExecutor, RemotingError } from '../../src/executors/powershell-executor';
import { powershellRoot } from '../../src/executors/powershell-files';
import { CheckedCommand, COMMAND_TABLE, ParameterValue } from '../../src/policy/command-table';
import { commandsOfRoleCapability, dotNetPattern, endpointName, jeaFiles, MODULE_DIRECTORY, roleCapabilityName } from '../../src/policy/jea-files';
import { defaultJeaOptions } from '../../src/operations/agent-deployer';
import { timed, turns, watch } from '../fixtures/executor-harness';
import { HciSnapshot, hciSnapshot } from '../helpers/hci-fixture';
import { LOCAL_TRANSPORT, LocalCluster, localCluster } from '../helpers/local-cluster';
import { PWSH, pwshJson } from '../helpers/pwsh';
import { HangMarker, until } from '../helpers/until';

/**
 * The PowerShell executor under real pwsh: long-lived workers running
 * powershell/gateway/Start-CommandWorker.ps1, reaching local nodes through
 * the transport stand-in, whose endpoints are built by PowerShell's own JEA
 * code from the session configurations the real install script registered.
 */

const CLUSTER = 'hci-cl01.contoso.local';
const NODES = ['hci-n01', 'hci-n02'];
const cmd = (cmdlet: string, parameters: Record<string, ParameterValue> = {}): CheckedCommand => ({
  cmdlet, parameters, level: COMMAND_TABLE.find((c) => c.name === cmdlet)!.level,
});
const opened = (local: LocalCluster) => (existsSync(local.openLog) ? readFileSync(local.openLog, 'utf8').split('\n').filter(Boolean) : []);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface EndpointView {
  languageMode: string;
  commands: { name: string; commandType: string; parameters: { name: string; validateSets: string[][]; validatePatterns: string[] }[] }[];
}
/** What RestrictedRemoteServer exposes besides the role capabilities. */
const RESTRICTED_REMOTE_SERVER = ['Clear-Host', 'Exit-PSSession', 'Get-Command', 'Get-FormatData', 'Get-Help', 'Measure-Object', 'Out-Default', 'Select-Object'];

describe('the PowerShell executor under real pwsh', () => {
  let local: LocalCluster;
  let snapshot: HciSnapshot;
  const executors: PowerShellNodeExecutor[] = [];
  const executor = (options: Partial<ConstructorParameters<typeof PowerShellNodeExecutor>[0]> = {}, env: NodeJS.ProcessEnv = {}) => {
    const e = new PowerShellNodeExecutor({ powershellPath: PWSH, transportModule: LOCAL_TRANSPORT, nodes: NODES, env: { ...local.env, ...env }, workers: 2, ...options });
    executors.push(e);
    return e;
  };

  before(async () => {
    local = await localCluster('worker', NODES);
    snapshot = hciSnapshot();
    const installer = new PowerShellClusterTarget({ name: CLUSTER, nodes: NODES, registered: true, powershellPath: PWSH, transportModule: LOCAL_TRANSPORT, env: local.env });
    const files = jeaFiles(defaultJeaOptions(CLUSTER));
    await Promise.all(NODES.map((node) => installer.installAgent(node, files, () => {})));
  });
  after(() => {
    for (const e of executors) e.dispose();
    local?.remove();
  });

  it('runs every Diagnostics command and returns, parsed from JSON, the objects the simulated cluster gives', async () => {
    const e = executor();
    for (const entry of COMMAND_TABLE.filter((c) => c.level === 'Diagnostics')) {
      if (entry.name === 'Get-ClusterOwnerNode' || entry.name === 'Get-VHD') continue; // they need a parameter
      const result = await e.run('hci-n01', cmd(entry.name), { timeoutMs: 60_000 });
      assert.deepEqual(result.errors, [], entry.name);
      assert.deepEqual(result.objects, snapshot.nodes['hci-n01']!.commands[entry.name], `${entry.name}: the objects came back whole`);
      assert.equal(result.node, 'hci-n01');
      if (result.objects.length > 0) assert.notEqual(result.text, '', `${entry.name} has console text`);
    }
  });

  it('binds parameters by name from JSON: lists, switches and sets reach the cmdlet as values', async () => {
    const e = executor();
    const vm = await e.run('hci-n01', cmd('Get-VM', { Name: ['vm-dc01'] }), { timeoutMs: 30_000 });
    assert.deepEqual(vm.objects.map((o) => o['Name']), ['vm-dc01']);
    const physical = await e.run('hci-n01', cmd('Get-NetAdapter', { Physical: true }), { timeoutMs: 30_000 });
    const all = await e.run('hci-n01', cmd('Get-NetAdapter', {}), { timeoutMs: 30_000 });
    assert.ok(physical.objects.length > 0 && physical.objects.length < all.objects.length, 'the switch filtered');
    const owner = await e.run('hci-n01', cmd('Get-ClusterOwnerNode', { Group: 'Cluster Group' }), { timeoutMs: 30_000 });
    assert.ok(owner.objects.length > 0);
  });

  it('delivers a hostile value to the cmdlet as a literal, never as script', async () => {
    const e = executor();
    const marker = join(tmpdir(), `pwned-${process.pid}`);
    // Allowed by the -Name pattern (letters, spaces, parentheses), and PowerShell would run it if it were script text.
    const literal = 'Remove-Item (whoami)';
    const result = await e.run('hci-n01', cmd('Get-VM', { Name: literal }), { timeoutMs: 30_000 });
    assert.equal(result.objects.length, 0);
    assert.equal(result.errors.length, 1);
    assert.ok(result.errors[0]!.message.includes(`"${literal}"`), `the cmdlet saw the literal: ${result.errors[0]!.message}`);
    // A value the endpoint's rule refuses reaches JEA's validation as the same literal.
    const injection = `x'; New-Item -Path '${marker}'; '`;
    const refused = await timed(e.run('hci-n01', cmd('Get-VM', { Name: injection }), { timeoutMs: 30_000 }));
    assert.equal((refused.error as ExecutorError).code, 'AccessDenied');
    assert.ok((refused.error as ExecutorError).message.includes(injection));
    assert.ok(!existsSync(marker), 'nothing ran');
  });

  it('turns error records into error frames: non-terminating errors with the result, a terminating one as CommandFailed', async () => {
    const e = executor();
    const result = await e.run('hci-n01', cmd('Get-VM', { Name: ['vm-dc01', 'nope'] }), { timeoutMs: 30_000 });
    assert.deepEqual(result.objects.map((o) => o['Name']), ['vm-dc01']);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]!.fullyQualifiedErrorId, 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM');
    assert.equal(result.errors[0]!.category, 'InvalidArgument');
    assert.match(result.text, /nope/);
    const failed = await timed(e.run('hci-n01', cmd('Get-ClusterOwnerNode', { Group: 'Cluster Group', Resource: 'Cluster Name' }), { timeoutMs: 30_000 }));
    assert.equal((failed.error as ExecutorError).code, 'CommandFailed');
    assert.ok((failed.error as ExecutorError).record?.message);
  });

  it('streams objects to onChunk in order before the run settles', async () => {
    const e = executor();
    const chunks: ResultChunk[] = [];
    const result = await e.run('hci-n01', cmd('Get-PhysicalDisk'), { timeoutMs: 30_000, onChunk: (c) => chunks.push(c) });
    assert.deepEqual(chunks.flatMap((c) => c.objects), result.objects);
    assert.deepEqual(chunks.map((c) => c.sequence), chunks.map((_, i) => i));
  });

  it('lets the node enforce the level: a Diagnostics grant reaches an endpoint without repair commands', async () => {
    const e = executor();
    assert.equal(e.endpointFor('Diagnostics'), 'RemoteSupport.HCI.Diagnostics');
    const refused = await timed(e.run('hci-n02', cmd('Restart-Service', { Name: 'vmms' }), { timeoutMs: 30_000, level: 'Diagnostics' }));
    assert.equal((refused.error as ExecutorError).code, 'AccessDenied');
    assert.match((refused.error as ExecutorError).message, /does not expose this command at this access level/);
    const outsideSet = await timed(e.run('hci-n02', cmd('Get-Service', { Name: 'WinRM' }), { timeoutMs: 30_000, level: 'DiagnosticsRepair' }));
    assert.equal((outsideSet.error as ExecutorError).code, 'AccessDenied', 'the endpoint applies the ValidateSet itself');

    const stopped = await e.run('hci-n02', cmd('Stop-Service', { Name: 'vmcompute' }), { timeoutMs: 30_000, level: 'DiagnosticsRepair' });
    assert.deepEqual(stopped.errors, []);
    const after = await e.run('hci-n02', cmd('Get-Service', { Name: 'vmcompute' }), { timeoutMs: 30_000, level: 'DiagnosticsRepair' });
    assert.equal(after.objects[0]!['Status'], 'Stopped', 'the repair ran on the node');
    await e.run('hci-n02', cmd('Start-Service', { Name: 'vmcompute' }), { timeoutMs: 30_000, level: 'DiagnosticsRepair' });
  });

  for (const level of ACCESS_LEVELS) {
    it(`exposes on the ${level} endpoint exactly the table's commands, parameters and value rules`, async () => {
      const view = await pwshJson<EndpointView>(join(powershellRoot(), 'test', 'Get-EndpointCommands.ps1'), { node: 'hci-n01', endpoint: endpointName(level) }, local.env);
      assert.equal(view.languageMode, 'NoLanguage');
      const expected = commandsOfRoleCapability(level);
      assert.deepEqual(view.commands.map((c) => c.name).sort(), [...expected.map((c) => c.name), ...RESTRICTED_REMOTE_SERVER].sort());
      for (const entry of expected) {
        const seen = view.commands.find((c) => c.name === entry.name)!;
        assert.deepEqual(seen.parameters.map((p) => p.name).sort(), entry.parameters.map((p) => p.name).sort(), `${entry.name}'s parameters`);
        for (const spec of entry.parameters) {
          const p = seen.parameters.find((x) => x.name === spec.name)!;
          // JEA adds its rule to the attributes the command's own parameter already has.
          if (spec.rule.kind === 'set') assert.ok(p.validateSets.some((set) => JSON.stringify(set) === JSON.stringify(spec.rule.kind === 'set' ? spec.rule.values : [])), `${entry.name} -${spec.name}: ${JSON.stringify(p.validateSets)}`);
          if (spec.rule.kind === 'pattern') assert.ok(p.validatePatterns.includes(`^(${dotNetPattern(spec.rule.pattern)})$`), `${entry.name} -${spec.name}: ${JSON.stringify(p.validatePatterns)}`);
        }
      }
    });
  }

  it('shows why ModulesToImport is there: without it JEA silently exposes none of the HCI commands', async () => {
    const psrc = join(local.nodeRoot('hci-n02'), MODULE_DIRECTORY.slice(3).replace(/\\/g, '/'), 'RoleCapabilities', `${roleCapabilityName('Diagnostics')}.psrc`);
    const original = readFileSync(psrc, 'utf8');
    writeFileSync(psrc, original.split('\r\n').filter((l) => !l.trimStart().startsWith('ModulesToImport')).join('\r\n'));
    try {
      const view = await pwshJson<EndpointView>(join(powershellRoot(), 'test', 'Get-EndpointCommands.ps1'), { node: 'hci-n02', endpoint: endpointName('Diagnostics') }, local.env);
      // The service stand-in is always added by the local transport (the real service cmdlets come with a core module),
      // so the proof is that no command of the HCI modules is left.
      const hciCommands = COMMAND_TABLE.filter((c) => c.module !== 'Microsoft.PowerShell.Management').map((c) => c.name);
      assert.deepEqual(view.commands.map((c) => c.name).filter((n) => hciCommands.includes(n)), []);
      assert.ok(view.commands.length <= RESTRICTED_REMOTE_SERVER.length + 1);
    } finally {
      writeFileSync(psrc, original);
    }
  });

  it('keeps one session per node and endpoint across commands, and opens it again after the node dropped it', async () => {
    const e = executor({ workers: 1 });
    const before = opened(local).length;
    for (let i = 0; i < 5; i++) await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000, level: 'Diagnostics' });
    await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000, level: 'DiagnosticsRepair' });
    assert.deepEqual(opened(local).slice(before), ['hci-n01|RemoteSupport.HCI.Diagnostics', 'hci-n01|RemoteSupport.HCI.DiagnosticsRepair']);

    local.setOffline('hci-n01', true);
    try {
      const down = await timed(e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000, level: 'Diagnostics' }));
      assert.equal((down.error as ExecutorError).code, 'NodeUnreachable');
    } finally {
      local.setOffline('hci-n01', false);
    }
    const back = await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000, level: 'Diagnostics' });
    assert.equal(back.objects.length, 1);
    assert.deepEqual(opened(local).slice(before + 2), ['hci-n01|RemoteSupport.HCI.Diagnostics'], 'reopened once the node was back');
    assert.equal(e.workerPids().length, 1, 'the same worker throughout');
  });

  it('bounds the commands in flight by the pool size', async () => {
    const e = executor({ workers: 2 });
    const spawned: number[] = [];
    const counted = new PowerShellNodeExecutor({ powershellPath: PWSH, transportModule: LOCAL_TRANSPORT, nodes: NODES, env: local.env, workers: 2, onSpawn: ({ pid }) => spawned.push(pid) });
    executors.push(counted);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => counted.run(NODES[i % 2]!, cmd('Get-ClusterNode'), { timeoutMs: 60_000 })));
    assert.ok(results.every((r) => r.objects.length === 4));
    assert.equal(spawned.length, 2, 'eight commands, two workers');
    assert.equal(e.size, 2);
  });

  it('stops a timed-out command in its worker when the clock passes the timeout, and the worker then serves the next command', async () => {
    const clock = new FakeClock();
    const marker = new HangMarker();
    const e = executor({ workers: 1, clock }, { HCI_TEST_HANG_CMDLET: 'Get-VMHost', HCI_TEST_HANG_MODE: 'stop', ...marker.env });
    await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000 });
    const [pid] = e.workerPids();
    const hung = watch(e.run('hci-n01', cmd('Get-VMHost'), { timeoutMs: 1500 }));
    await marker.reached('Get-VMHost');
    clock.advance(1499);
    await turns();
    assert.equal(hung.settled, false, 'the command runs on until its timeout has passed');
    clock.advance(1);
    const { error } = await hung.outcome;
    assert.equal((error as ExecutorError).code, 'CommandTimedOut');
    const next = await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000 });
    assert.equal(next.objects.length, 1);
    assert.deepEqual(e.workerPids(), [pid], 'the worker was not replaced');
  });

  it('kills the right worker when a cancelled command ignores the stop, and replaces it; the other worker carries on', async () => {
    const clock = new FakeClock();
    const marker = new HangMarker();
    const e = executor({ workers: 2, stopGraceMs: 500, clock }, { HCI_TEST_HANG_CMDLET: 'Get-VMHost', HCI_TEST_HANG_MODE: 'ignoreStop', ...marker.env });
    await Promise.all([e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000 }), e.run('hci-n02', cmd('Get-Cluster'), { timeoutMs: 30_000 })]);
    const pidsBefore = e.workerPids();
    assert.equal(pidsBefore.length, 2);
    const controller = new AbortController();
    const hung = watch(e.run('hci-n01', cmd('Get-VMHost'), { timeoutMs: 60_000, signal: controller.signal }));
    await marker.reached('Get-VMHost');
    const busyPid = pidsBefore.find((p) => alive(p))!;
    const other = await e.run('hci-n02', cmd('Get-ClusterNode'), { timeoutMs: 30_000 });
    assert.equal(other.objects.length, 4, 'the other worker answered while one hung');
    controller.abort();
    clock.advance(499);
    await turns();
    assert.equal(hung.settled, false, 'the worker keeps its grace period to stop the command');
    clock.advance(1);
    const { error } = await hung.outcome;
    assert.equal((error as ExecutorError).code, 'Cancelled');
    const pidsAfter = e.workerPids();
    const killed = pidsBefore.filter((p) => !pidsAfter.includes(p));
    assert.equal(killed.length, 1, 'exactly one worker was killed');
    assert.ok(!alive(killed[0]!));
    assert.ok(busyPid !== undefined);
    const survivor = pidsBefore.find((p) => pidsAfter.includes(p))!;
    assert.ok(alive(survivor));
    const again = await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000 });
    assert.equal(again.objects.length, 1, 'a new worker took the place of the killed one');
  });

  it('fails the command of a worker that dies with a clear error, and runs the next one on a new worker', async () => {
    const marker = new HangMarker();
    const e = executor({ workers: 1 }, { HCI_TEST_HANG_CMDLET: 'Get-VMHost', HCI_TEST_HANG_MODE: 'stop', ...marker.env });
    await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000 });
    const [pid] = e.workerPids();
    const hung = e.run('hci-n01', cmd('Get-VMHost'), { timeoutMs: 60_000 });
    await marker.reached('Get-VMHost');
    process.kill(-pid!, 'SIGKILL'); // the worker's process group: pwsh itself, also behind the .NET tool's launcher
    const { error } = await timed(hung);
    assert.equal((error as ExecutorError).code, 'ExecutorUnavailable');
    assert.match((error as ExecutorError).message, new RegExp(`the PowerShell worker \\(process ${pid}\\) (was killed by SIGKILL|exited with code \\d+) while running Get-VMHost.*; the command's outcome on the node is unknown`));
    const next = await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000 });
    assert.equal(next.objects.length, 1);
    assert.notDeepEqual(e.workerPids(), [pid]);
  });

  it('runs a command handed to a worker that was dying while idle on another worker, since it never began', async () => {
    const e = executor({ workers: 1 });
    await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000 });
    const [pid] = e.workerPids();
    process.kill(-pid!, 'SIGKILL');
    // In the same tick the pool has not heard of the death yet and hands the command to the dead worker.
    const result = await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000 });
    assert.equal(result.objects.length, 1);
    assert.notDeepEqual(e.workerPids(), [pid]);
  });

  it('refuses unknown nodes, malformed host names and malformed commands without starting a worker', async () => {
    const spawned: number[] = [];
    const e = executor({ onSpawn: ({ pid }) => spawned.push(pid) });
    assert.equal((await timed(e.run('hci-n07', cmd('Get-Cluster'), { timeoutMs: 1000 }))).error!.constructor, ExecutorError);
    assert.equal(((await timed(e.run('hci-n07', cmd('Get-Cluster'), { timeoutMs: 1000 }))).error as ExecutorError).code, 'UnknownNode');
    assert.equal(((await timed(e.run('hci-n01', { cmdlet: 'Remove-Item', parameters: {}, level: 'Diagnostics' }, { timeoutMs: 1000 }))).error as ExecutorError).code, 'InvalidCommand');
    assert.equal(((await timed(e.run('hci-n01', cmd('Get-VM', { ComputerName: 'x' } as Record<string, ParameterValue>), { timeoutMs: 1000 }))).error as ExecutorError).code, 'InvalidCommand');
    assert.deepEqual(spawned, []);
  });

  it('fails with ExecutorUnavailable when PowerShell cannot be started', async () => {
    const e = executor({ powershellPath: join(tmpdir(), 'no-such-pwsh') });
    const { error } = await timed(e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 5000 }));
    assert.equal((error as ExecutorError).code, 'ExecutorUnavailable');
    assert.match((error as ExecutorError).message, /could not be started \(ENOENT\)/);
  });

  it('on dispose fails the commands in flight, kills the workers and refuses new runs', async () => {
    const marker = new HangMarker();
    const e = executor({ workers: 1 }, { HCI_TEST_HANG_CMDLET: 'Get-VMHost', HCI_TEST_HANG_MODE: 'ignoreStop', ...marker.env });
    await e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 30_000 });
    const [pid] = e.workerPids();
    const hung = timed(e.run('hci-n01', cmd('Get-VMHost'), { timeoutMs: 60_000 }));
    const queued = timed(e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 60_000 }));
    await marker.reached('Get-VMHost');
    e.dispose();
    assert.equal(((await hung).error as ExecutorError).code, 'ExecutorUnavailable');
    assert.equal(((await queued).error as ExecutorError).code, 'ExecutorUnavailable');
    await until(() => !alive(pid!));
    assert.equal(((await timed(e.run('hci-n01', cmd('Get-Cluster'), { timeoutMs: 1000 }))).error as ExecutorError).code, 'ExecutorUnavailable');
  });
});

describe('remoting error mapping', () => {
  const base: RemotingError = {
    stage: 'invoke', message: 'm', category: 'NotSpecified', activity: 'Get-VM', reason: '', targetName: '', targetType: '',
    fullyQualifiedErrorId: '', exceptionType: 'System.Management.Automation.RuntimeException', transportErrorCode: null,
  };
  const code = (e: Partial<RemotingError>) => classifyRemotingError('n1', { ...base, ...e }).code;

  it('maps access denied, refusals by the endpoint, unreachable, timeouts, protocol and command failures', () => {
    assert.equal(code({ stage: 'connect', fullyQualifiedErrorId: 'AccessDenied,PSSessionOpenFailed' }), 'AccessDenied');
    assert.equal(code({ category: 'PermissionDenied', fullyQualifiedErrorId: 'UnauthorizedAccess' }), 'AccessDenied');
    assert.equal(code({ fullyQualifiedErrorId: 'CommandNotFoundException', exceptionType: 'System.Management.Automation.CommandNotFoundException' }), 'AccessDenied');
    assert.equal(code({ fullyQualifiedErrorId: 'ParameterArgumentValidationError,Get-VM' }), 'AccessDenied');
    assert.equal(code({ stage: 'connect', fullyQualifiedErrorId: 'CannotConnect,PSSessionOpenFailed' }), 'NodeUnreachable');
    assert.equal(code({ stage: 'connect', fullyQualifiedErrorId: 'WinRMOperationTimeout,PSSessionOpenFailed' }), 'NodeUnreachable');
    assert.equal(code({ fullyQualifiedErrorId: 'WinRMOperationTimeout,PSSessionStateBroken' }), 'CommandTimedOut');
    assert.equal(code({ fullyQualifiedErrorId: 'JobFailure', exceptionType: 'System.Management.Automation.Remoting.PSRemotingTransportException' }), 'NodeUnreachable');
    assert.equal(code({ stage: 'input', fullyQualifiedErrorId: 'System.ArgumentException' }), 'ExecutorProtocolError');
    assert.equal(code({ fullyQualifiedErrorId: 'InvalidOperation,Get-ClusterOwnerNode' }), 'CommandFailed');
  });

  it('never names a cmdlet of the table in the worker script', () => {
    const worker = readFileSync(join(powershellRoot(), 'gateway', 'Start-CommandWorker.ps1'), 'utf8');
    for (const c of COMMAND_TABLE) assert.ok(!worker.includes(c.name), `the worker does not name ${c.name}`);
    assert.match(worker, /\$shell\.AddCommand\(\$cmdlet\)/);
    assert.match(worker, /AddParameter\(\$name, \$parameters\[\$name\]\)/);
  });
});

void (null as unknown as AccessLevel);
