import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ExecutorError } from '../../src/executors/executor-error';
import { ResultChunk } from '../../src/executors/node-executor';
import { classifyRemotingError, POWERSHELL_ARGS, PowerShellNodeExecutor, RemotingError } from '../../src/executors/powershell-executor';
import { REMOTING_SCRIPT } from '../../src/executors/remoting-script';
import { COMMAND_TABLE, ParameterValue } from '../../src/policy/command-table';
import { checked, timed } from '../fixtures/executor-harness';
import { expectExecutorError, gone, readLogEntries } from '../fixtures/pwsh-test-helpers';

const FAKE_PWSH = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'fake-pwsh');
const INJECTION = "x'; Remove-Item C:\\ -Recurse; '";

/** A sample value per parameter, so every cmdlet of the table can be sent with all its parameters. */
function sampleParameters(cmdlet: string): Record<string, ParameterValue> {
  const entry = COMMAND_TABLE.find((e) => e.name === cmdlet)!;
  const out: Record<string, ParameterValue> = {};
  for (const p of entry.parameters) {
    const rule = p.rule;
    if (rule.kind === 'switch') out[p.name] = true;
    else if (rule.kind === 'int') out[p.name] = rule.min;
    else if (rule.kind === 'set') out[p.name] = rule.list ? [...rule.values.slice(0, 2)] : rule.values[0]!;
    else out[p.name] = p.name === 'Path' ? 'C:\\ClusterStorage\\UserStorage_1\\vm01\\vm01.vhdx' : p.name === 'DriveLetter' ? ['C', 'D'] : rule.list ? ['alpha*', 'beta'] : 'alpha';
  }
  return out;
}

describe('PowerShell remoting executor (against fake-pwsh)', () => {
  let dir: string;
  let log: string;
  let pids: number[];
  let executors: PowerShellNodeExecutor[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fake-pwsh-'));
    log = join(dir, 'log.jsonl');
    pids = [];
    executors = [];
  });
  afterEach(() => {
    for (const e of executors) e.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const executor = (options: ConstructorParameters<typeof PowerShellNodeExecutor>[0] = {}) => {
    const e = new PowerShellNodeExecutor({
      powershellPath: FAKE_PWSH,
      env: { ...process.env, FAKE_PWSH_LOG: log },
      onSpawn: ({ pid }) => pids.push(pid),
      ...options,
    });
    executors.push(e);
    return e;
  };
  const entries = () => readLogEntries(log);
  const failure = expectExecutorError;

  it('starts PowerShell with exactly the fixed arguments for every cmdlet of the table, and sends the command only on stdin', async () => {
    const e = executor();
    const sent = COMMAND_TABLE.map((entry) => checked(entry.name, sampleParameters(entry.name)));
    const results = await Promise.all(sent.map((c) => e.run('hci-n01', c, { timeoutMs: 20_000 })));
    assert.equal(results.length, COMMAND_TABLE.length);

    const log = entries();
    assert.equal(log.length, COMMAND_TABLE.length, 'one PowerShell per command');
    for (const entry of log) {
      assert.deepEqual(entry.argv, [...POWERSHELL_ARGS], 'argv is the fixed arguments');
      assert.deepEqual(entry.argv, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', REMOTING_SCRIPT]);
      const joined = entry.argv.join('\n');
      for (const c of COMMAND_TABLE) assert.ok(!joined.includes(c.name), `argv does not name ${c.name}`);
      for (const word of ['alpha', 'beta', 'UserStorage_1', 'vm01']) assert.ok(!joined.includes(word), `argv carries no parameter value (${word})`);
    }
    const requests = log.map((l) => JSON.parse(l.stdin) as { command: { cmdlet: string } });
    assert.deepEqual(requests.map((r) => r.command.cmdlet).sort(), COMMAND_TABLE.map((c) => c.name).sort());
    for (const r of results) assert.equal(r.objects[0]!['Cmdlet'], r.cmdlet, 'the answer is the echo of the command sent');
  });

  it('writes the request as one JSON document: protocol, node, endpoint, timeout and the checked command', async () => {
    const e = executor();
    const command = checked('Get-PhysicalDisk', { FriendlyName: ['SAMSUNG*', 'Dell*'], HealthStatus: 'Warning' });
    await e.run('hci-n02', command, { timeoutMs: 7000 });
    const [entry] = entries();
    assert.ok(entry!.stdin.endsWith('\n'));
    assert.deepEqual(JSON.parse(entry!.stdin), {
      protocol: 1,
      node: 'hci-n02',
      endpoint: 'RemoteSupport.HCI',
      timeoutMs: 7000,
      command: { cmdlet: 'Get-PhysicalDisk', parameters: { FriendlyName: ['SAMSUNG*', 'Dell*'], HealthStatus: 'Warning' }, level: 'Diagnostics' },
    });
  });

  it('carries a hostile value only inside the JSON and gets it back as data', async () => {
    const e = executor();
    const result = await e.run('hci-n03', checked('Get-VM', { Name: INJECTION }), { timeoutMs: 10_000 });
    assert.deepEqual(result.objects[0]!['Parameters'], { Name: INJECTION });
    const [entry] = entries();
    assert.ok(!entry!.argv.some((a) => a.includes('Remove-Item')), 'not in argv');
    assert.equal((JSON.parse(entry!.stdin) as { command: { parameters: { Name: string } } }).command.parameters.Name, INJECTION);
  });

  it('uses the configured PowerShell path and JEA endpoint name', async () => {
    const e = executor({ endpointName: 'Contoso.Support_2' });
    assert.equal(e.powershellPath, FAKE_PWSH);
    const result = await e.run('hci-n01', checked('Get-Cluster'), { timeoutMs: 10_000 });
    assert.equal(result.objects[0]!['Endpoint'], 'Contoso.Support_2');
    assert.equal(new PowerShellNodeExecutor().endpointName, 'RemoteSupport.HCI');
    assert.equal(new PowerShellNodeExecutor().powershellPath, 'pwsh');
    assert.throws(() => new PowerShellNodeExecutor({ endpointName: "x'; whoami" }), /endpointName must be/);
  });

  it('maps each failure the script reports to its code', async () => {
    const e = executor();
    const run = (node: string) => failure(e.run(node, checked('Get-VM'), { timeoutMs: 10_000 }));
    const denied = await run('deny-node');
    assert.equal(denied.code, 'AccessDenied');
    assert.match(denied.message, /Access is denied/);
    assert.equal(denied.record?.fullyQualifiedErrorId, 'AccessDenied,PSSessionOpenFailed');
    assert.equal((await run('dead-node')).code, 'NodeUnreachable');
    assert.equal((await run('timeout-node')).code, 'CommandTimedOut');
    const failed = await run('fail-node');
    assert.equal(failed.code, 'CommandFailed');
    assert.equal(failed.record?.reason, 'CommandNotFoundException');
    assert.equal((await run('garbage-node')).code, 'ExecutorProtocolError');
    assert.match((await run('noend-node')).message, /without an end frame/);
    const crashed = await run('crash-node');
    assert.equal(crashed.code, 'ExecutorProtocolError');
    assert.match(crashed.message, /exited with code 3.*fake crash/);
  });

  it('fails with ExecutorUnavailable when PowerShell cannot be started', async () => {
    const e = executor({ powershellPath: join(dir, 'no-such-pwsh') });
    const error = await failure(e.run('hci-n01', checked('Get-VM'), { timeoutMs: 5000 }));
    assert.equal(error.code, 'ExecutorUnavailable');
    assert.match(error.message, /ENOENT/);
  });

  it('returns objects and non-terminating errors together, with console text for both', async () => {
    const e = executor();
    const result = await e.run('partial-node', checked('Get-VM', { Name: ['vm-web01', 'vm-gone'] }), { timeoutMs: 10_000 });
    assert.deepEqual(result.objects.map((o) => o['Name']), ['vm-web01']);
    assert.equal(result.errors.length, 1);
    assert.match(result.text, /^Name +State +CPUUsage\(%\) MemoryAssigned\(M\) Uptime +Status +Version\n/);
    assert.match(result.text, /vm-web01 Running +3 +8192 1\.02:03:04 Operating normally 11\.0/);
    assert.match(result.text, /Get-VM : Hyper-V was unable to find a virtual machine with name "vm-gone"\.\n {4}\+ CategoryInfo {10}: InvalidArgument: \(vm-gone:String\) \[Get-VM\], VirtualizationException/);
  });

  it('streams objects as PowerShell writes them', async () => {
    const e = executor();
    const chunks: { at: number; chunk: ResultChunk }[] = [];
    const started = performance.now();
    const result = await e.run('stream-node', checked('Get-Service'), { timeoutMs: 10_000, onChunk: (chunk) => chunks.push({ at: performance.now(), chunk }) });
    const done = performance.now();
    assert.deepEqual(chunks.flatMap((c) => c.chunk.objects), result.objects);
    assert.deepEqual(chunks.map((c) => c.chunk.sequence), chunks.map((_, i) => i));
    assert.ok(chunks.length >= 2, `${chunks.length} chunks`);
    assert.ok(done - chunks[0]!.at >= 200, `the first object arrived ${(done - chunks[0]!.at).toFixed(0)} ms before the end (of ${(done - started).toFixed(0)} ms)`);
  });

  it('kills PowerShell when the timeout passes', async () => {
    const e = executor();
    const { ms, error } = await timed(e.run('hang-node', checked('Get-VM'), { timeoutMs: 400 }));
    assert.equal((error as ExecutorError).code, 'CommandTimedOut');
    assert.ok(ms >= 390 && ms < 3000, `settled after ${ms.toFixed(0)} ms`);
    assert.equal(pids.length, 1);
    assert.ok(gone(pids[0]!), `PowerShell (pid ${pids[0]}) is gone`);
  });

  it('kills PowerShell when the run is cancelled', async () => {
    const e = executor();
    const controller = new AbortController();
    const run = timed(e.run('hang-node', checked('Get-VM'), { timeoutMs: 60_000, signal: controller.signal }));
    // Wait until the fake has read its request, so the kill hits a running process.
    for (let i = 0; i < 200 && entries().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(entries().length, 1, 'fake-pwsh started');
    const abortedAt = performance.now();
    controller.abort();
    const { error } = await run;
    assert.equal((error as ExecutorError).code, 'Cancelled');
    assert.ok(performance.now() - abortedAt < 2000, 'settled promptly after the abort');
    assert.ok(gone(entries()[0]!.pid), 'PowerShell is gone');
    assert.deepEqual(pids, [entries()[0]!.pid]);
  });

  it('kills every PowerShell still running on dispose, and refuses new runs', async () => {
    const e = executor();
    const runs = [timed(e.run('hang-node', checked('Get-VM'), { timeoutMs: 60_000 })), timed(e.run('hang-node', checked('Get-Service'), { timeoutMs: 60_000 }))];
    for (let i = 0; i < 200 && pids.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    e.dispose();
    for (const { error } of await Promise.all(runs)) assert.equal((error as ExecutorError).code, 'Cancelled');
    assert.ok(pids.length === 2 && pids.every(gone));
    assert.equal((await failure(e.run('hci-n01', checked('Get-VM'), { timeoutMs: 1000 }))).code, 'ExecutorUnavailable');
  });

  it('refuses unknown nodes, malformed host names and malformed commands without starting PowerShell', async () => {
    const listed = executor({ nodes: ['hci-n01', 'hci-n02'] });
    assert.equal((await failure(listed.run('hci-n07', checked('Get-VM'), { timeoutMs: 1000 }))).code, 'UnknownNode');
    const open = executor();
    assert.equal((await failure(open.run('hci-n01; calc', checked('Get-VM'), { timeoutMs: 1000 }))).code, 'UnknownNode');
    assert.equal((await failure(open.run('-ComputerName', checked('Get-VM'), { timeoutMs: 1000 }))).code, 'UnknownNode');
    const bad = { cmdlet: 'Invoke-Expression', parameters: { Command: 'calc' }, level: 'Diagnostics' } as never;
    assert.equal((await failure(open.run('hci-n01', bad, { timeoutMs: 1000 }))).code, 'InvalidCommand');
    assert.equal((await failure(open.run('hci-n01', checked('Get-VM'), { timeoutMs: 1000, signal: AbortSignal.abort() }))).code, 'Cancelled');
    assert.deepEqual(entries(), []);
    assert.deepEqual(pids, []);
  });
});

describe('remoting error mapping', () => {
  const base: RemotingError = {
    stage: 'invoke', message: 'm', category: 'NotSpecified', activity: 'Get-VM', reason: '', targetName: '', targetType: '',
    fullyQualifiedErrorId: '', exceptionType: 'System.Management.Automation.RuntimeException', transportErrorCode: null,
  };
  const code = (e: Partial<RemotingError>) => classifyRemotingError('n1', { ...base, ...e }).code;

  it('maps access denied, unreachable, timeouts, protocol and command failures', () => {
    assert.equal(code({ stage: 'connect', fullyQualifiedErrorId: 'AccessDenied,PSSessionOpenFailed' }), 'AccessDenied');
    assert.equal(code({ category: 'PermissionDenied', fullyQualifiedErrorId: 'UnauthorizedAccess' }), 'AccessDenied');
    assert.equal(code({ stage: 'connect', fullyQualifiedErrorId: 'CannotConnect,PSSessionOpenFailed' }), 'NodeUnreachable');
    assert.equal(code({ stage: 'connect', fullyQualifiedErrorId: 'WinRMOperationTimeout,PSSessionOpenFailed' }), 'NodeUnreachable');
    assert.equal(code({ fullyQualifiedErrorId: 'WinRMOperationTimeout,PSSessionStateBroken' }), 'CommandTimedOut');
    assert.equal(code({ fullyQualifiedErrorId: 'JobFailure', exceptionType: 'System.Management.Automation.Remoting.PSRemotingTransportException' }), 'NodeUnreachable');
    assert.equal(code({ stage: 'input', fullyQualifiedErrorId: 'System.ArgumentException' }), 'ExecutorProtocolError');
    assert.equal(code({ fullyQualifiedErrorId: 'ParameterArgumentValidationError,Get-VM' }), 'CommandFailed');
  });

  it('keeps the script free of any cmdlet of the table and of double quotes', () => {
    for (const c of COMMAND_TABLE) assert.ok(!REMOTING_SCRIPT.includes(c.name), `the script does not name ${c.name}`);
    assert.ok(!REMOTING_SCRIPT.includes('"'), 'single quotes only, so Windows argument quoting cannot change it');
    assert.match(REMOTING_SCRIPT, /\$shell\.AddCommand\(\$cmdlet\)/);
    assert.match(REMOTING_SCRIPT, /New-PSSession -ComputerName \$node -ConfigurationName \$endpoint/);
  });
});
