import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { powershellRoot } from '../src/executors/powershell-files';
import { FakeClock } from '../src/test-support/fake-clock';
import { DEFAULT_SESSION_LIMITS, PowerShellApiSessions } from '../src/wac-host/powershell-api-sessions';
import { PowerShellRunner } from '../src/wac-host/powershell-runner';
import { sessionEnvironment } from '../src/wac-host/wac-host';
import { ApiClient, CLUSTER, HttpResult, Loose, startTestGateway, tempDir, TestGateway } from './helpers/gateway-fixture';
import { PWSH } from './helpers/pwsh';
import { until } from './helpers/until';

/**
 * The WAC PowerShell API stand-in, driven with the requests the SDK's
 * PowerShellRaw makes (core/data/powershell.js): the URLs of Net.powerShellApi*
 * under /api/nodes/<node>/ with ?api-version=2019-02-01, and bodies made by
 * Net.createPropertiesJSONString from a PowerShellCommand packet.
 */

const API = `/api/nodes/${CLUSTER}/features/powershellApi`;
const VERSION = 'api-version=2019-02-01';

/** The command packet PowerShellRaw.command sends for a script and its parameters. */
function packet(script: string, parameters: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ properties: { script, command: null, module: null, parameters, state: 'ready', useInProcRunspace: false, ...extra } });
}

class SdkClient {
  constructor(private readonly api: ApiClient) {}

  /** PUT pssessions/{name}: what the SDK sends for the first command of a session. */
  open(script: string, parameters?: Record<string, unknown>, extra?: Record<string, unknown>): Promise<HttpResult> {
    return this.api.send('PUT', `${API}/pssessions/test-key-newSession?${VERSION}`, packet(script, parameters, extra));
  }
  invoke(sessionId: string, script: string, parameters?: Record<string, unknown>, extra?: Record<string, unknown>): Promise<HttpResult> {
    return this.api.post(`${API}/pssessions/${sessionId}/invokeCommand?${VERSION}`, packet(script, parameters, extra));
  }
  poll(sessionId: string): Promise<HttpResult> {
    return this.api.get(`${API}/pssessions/${sessionId}?$expand=output&${VERSION}`);
  }
  cancel(sessionId: string): Promise<HttpResult> {
    return this.api.post(`${API}/pssessions/${sessionId}/cancel?${VERSION}`);
  }
  /** Polls until the command completes, as PowerShellRaw.runCommand's expand() does; returns every answer. */
  async untilCompleted(first: HttpResult): Promise<HttpResult[]> {
    const answers = [first];
    let last = first;
    while (last.status === 200 && last.body.properties.completed === 'False') {
      last = await this.poll(last.body.properties.sessionId);
      answers.push(last);
    }
    return answers;
  }
  /** Runs a command to its end, polling like the SDK; the final answer, with every result of every answer. */
  async complete(first: Promise<HttpResult>): Promise<{ status: number; sessionId: string; results: unknown[]; last: Loose }> {
    const answers = await this.untilCompleted(await first);
    const last = answers.at(-1)!;
    const final = last.status === 200 ? last.body.properties : last.body;
    const results = answers.flatMap((a) => (a.status === 200 ? a.body.properties.results : a.body.results ?? []));
    return { status: last.status, sessionId: final.sessionId, results, last: last.status === 200 ? last.body.properties : last.body };
  }
}

describe('the WAC PowerShell API stand-in (--wac-transport powershell)', () => {
  let t: TestGateway;
  let sdk: SdkClient;

  before(async () => {
    t = await startTestGateway({ config: { wacTransport: 'powershell' } });
    sdk = new SdkClient(t.api);
  });
  after(async () => {
    await t?.stop();
  });

  it('says it serves the PowerShell transport in gateway-info', async () => {
    const info = await t.api.get('/api/gateway-info');
    assert.equal(info.status, 200);
    assert.equal(info.body.wacTransport, 'powershell');
  });

  it('runs a script with its parameters in a real pwsh and keeps the runspace for the next command', async () => {
    const first = await sdk.complete(sdk.open('param([string] $Name, [int] $Count, [switch] $Loud) $script:kept = $Name; "hello $Name"; $Count * 2; $Loud.IsPresent', { Name: 'Contoso', Count: 21, Loud: true }));
    assert.equal(first.status, 200);
    assert.equal(first.last.completed, 'True');
    assert.match(first.sessionId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(first.results, ['hello Contoso', 42, true]);

    const second = await sdk.complete(sdk.invoke(first.sessionId, '"kept: $script:kept"; $PSVersionTable.PSVersion.Major -ge 7'));
    assert.equal(second.status, 200);
    assert.deepEqual(second.results, ['kept: Contoso', true]);
    assert.equal(second.sessionId, first.sessionId);
  });

  it("returns objects as their properties, the way the extension's JSON-string results come back as strings", async () => {
    const res = await sdk.complete(sdk.open("[pscustomobject]@{ name = 'n1'; online = $true; size = 3 }; ConvertTo-Json -InputObject @{ ok = $true; data = @(1, 2) } -Compress"));
    assert.equal(res.status, 200);
    const [object, json] = res.results;
    assert.deepEqual(object, { name: 'n1', online: true, size: 3 });
    assert.deepEqual(JSON.parse(json as string), { ok: true, data: [1, 2] });
  });

  it("runs in the module's environment: the gateway's module-config.json and powershell/module on PSModulePath", async () => {
    const res = await sdk.complete(sdk.open('$env:AZSHCI_REMOTESUPPORT_CONFIG; $env:PSModulePath'));
    assert.equal(res.status, 200);
    const [config, modulePath] = res.results;
    assert.equal(config, join(t.dataDir, 'module-config.json'));
    assert.ok(String(modulePath).split(delimiter).includes(join(powershellRoot(), 'module')), String(modulePath));
  });

  it("answers a script's error with 400 and WAC's error shape, which the SDK's Net.parseErrorResponse reads", async () => {
    const thrown = await sdk.complete(sdk.open("'before'; throw 'The gateway said no'"));
    assert.equal(thrown.status, 400);
    assert.equal(thrown.last.completed, 'True');
    assert.match(thrown.last.sessionId, /^[0-9a-f-]{36}$/, 'closeOnError reads the sessionId from the error body');
    assert.deepEqual(thrown.results, ['before']);
    assert.equal(thrown.last.errors.length, 1);
    assert.equal(thrown.last.errors[0].errorType, 'RuntimeException');
    assert.equal(thrown.last.errors[0].message, 'The gateway said no');

    const written = await sdk.complete(sdk.open("Write-Error -Message 'not found' -Category ObjectNotFound; 'after'"));
    assert.equal(written.status, 400);
    assert.deepEqual(written.results, ['after']);
    assert.equal(written.last.errors[0].message, 'not found');
    assert.equal(written.last.errors[0].detailRecord.category, 'ObjectNotFound');

    const unparsable = await sdk.complete(sdk.open('{ unbalanced'));
    assert.equal(unparsable.status, 400);
    assert.equal(unparsable.last.errors[0].detailRecord.category, 'ParserError');

    // The session survives its script's error, as a WAC runspace does.
    const next = await sdk.complete(sdk.invoke(thrown.sessionId, "'still here'"));
    assert.deepEqual(next.results, ['still here']);
  });

  it('answers a long command as not completed, then hands out its output poll by poll ($expand=output)', async () => {
    const first = await sdk.open("'first'; Start-Sleep -Milliseconds 1500; 'second'; Start-Sleep -Milliseconds 1500; 'third'", {}, { waitTimeMs: 200 });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.properties.completed, 'False');
    const answers = await sdk.untilCompleted(first);
    assert.ok(answers.length >= 3, `polled ${answers.length - 1} times`);
    assert.equal(answers.at(-1)!.body.properties.completed, 'True');
    // Every result exactly once, in order, across the answers (PowerShell.collect concatenates them).
    assert.deepEqual(answers.flatMap((a) => a.body.properties.results), ['first', 'second', 'third']);
  });

  it('cancels a running command at once and keeps the session usable', async () => {
    const first = await sdk.open("'started'; Start-Sleep -Seconds 120; 'never'", {}, { waitTimeMs: 300 });
    assert.equal(first.body.properties.completed, 'False');
    const id = first.body.properties.sessionId;
    const started = Date.now();
    const cancel = await sdk.cancel(id);
    assert.equal(cancel.status, 200, cancel.text);
    assert.ok(Date.now() - started < 10_000, 'the cancel did not wait for the command');
    const after = await sdk.poll(id);
    assert.equal(after.status, 200);
    assert.equal(after.body.properties.completed, 'True');
    assert.ok(!after.body.properties.results.includes('never'));
    const next = await sdk.complete(sdk.invoke(id, "'next'"));
    assert.deepEqual(next.results, ['next']);
  });

  it('refuses a second command while one runs in the session', async () => {
    const first = await sdk.open('Start-Sleep -Seconds 2; 1', {}, { waitTimeMs: 100 });
    const busy = await sdk.invoke(first.body.properties.sessionId, '2');
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error.code, 'SessionBusy');
    await sdk.untilCompleted(first);
  });

  it("runs POST invokeCommand (the SDK's automatic mode) in a session of its own, closed once its output is out", async () => {
    const before = t.gateway.wacHost!.sessions.size;
    const res = await sdk.complete(t.api.post(`${API}/invokeCommand?${VERSION}`, packet("param($A) 'auto ' + $A", { A: 'x' }, { invokeMode: 'Polling' })));
    assert.equal(res.status, 200);
    assert.deepEqual(res.results, ['auto x']);
    assert.equal(t.gateway.wacHost!.sessions.size, before);
    const gone = await sdk.poll(res.sessionId);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'PowerShellSessionNotFound');
  });

  it('passes a parameter full of PowerShell metacharacters through verbatim and never runs it (injection attempt)', async () => {
    const marker = join(t.dataDir, 'pwned.txt');
    const hostile = [
      `'; Set-Content -Path '${marker}' -Value pwned; '`,
      `"; Set-Content -Path "${marker}" -Value pwned; "`,
      `$(Set-Content -Path '${marker}' -Value pwned)`,
      "`n`r`0 ` & | ; { } ( ) @( ) @{ } $env:PATH ${x} $null",
      "line one\nline two\r\n\"@\n'@\n",
      '\u2019; Remove-Item -Recurse /; \u2018 \u201c \u201d <# #> # comment',
    ].join(' ~ ');
    const res = await sdk.complete(
      sdk.open('param([string] $Text, $Items, $Nested) $Text; $Items.Count; $Nested.inner.value', {
        Text: hostile,
        Items: [hostile, hostile],
        Nested: { inner: { value: hostile } },
      }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.results, [hostile, 2, hostile]);
    assert.equal(existsSync(marker), false, 'nothing in the value ran');
  });

  it('keeps ISO date strings in parameters as strings (no conversion to DateTime)', async () => {
    const res = await sdk.complete(sdk.open('param($FromDate) $FromDate.GetType().Name; $FromDate', { FromDate: '2026-11-01T00:00:00.000Z' }));
    assert.deepEqual(res.results, ['String', '2026-11-01T00:00:00.000Z']);
  });

  it('closes a session on DELETE (the SDK\'s deleteQuick) and ends its PowerShell', async () => {
    const id = (await sdk.complete(sdk.open("'x'"))).sessionId;
    const before = t.gateway.wacHost!.sessions.size;
    const res = await t.api.send('DELETE', `${API}/pssessions/${id}?${VERSION}`);
    assert.equal(res.status, 200);
    assert.equal(t.gateway.wacHost!.sessions.size, before - 1);
    assert.equal((await sdk.poll(id)).status, 404);
  });

  it('refuses callers without the admin credential, before anything runs', async () => {
    const before = t.gateway.wacHost!.sessions.size;
    const res = await t.anonymous.send('PUT', `${API}/pssessions/x?${VERSION}`, packet("'x'"));
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'Unauthenticated');
    const wrong = await t.anonymous.send('PUT', `${API}/pssessions/x?${VERSION}`, packet("'x'"), { authorization: 'Bearer not-the-credential-not-the-credential-00' });
    assert.equal(wrong.status, 401);
    assert.equal(t.gateway.wacHost!.sessions.size, before);
  });

  it('refuses a node it does not serve and a body that is not a command packet, naming the field', async () => {
    const node = await t.api.send('PUT', `/api/nodes/elsewhere.contoso.local/features/powershellApi/pssessions/x?${VERSION}`, packet("'x'"));
    assert.equal(node.status, 404);
    assert.equal(node.body.error.code, 'ClusterNotFound');
    assert.equal(node.body.error.field, 'node');
    const onNode = await sdk.complete(sdk.open("'x'"));
    assert.equal(onNode.status, 200, 'the cluster name is served');

    const body = await t.api.send('PUT', `${API}/pssessions/x?${VERSION}`, JSON.stringify({ properties: { script: 42 } }));
    assert.equal(body.status, 400);
    assert.equal(body.body.error.code, 'InvalidPowerShellCommand');
    assert.equal(body.body.error.field, 'properties');
    const bare = await t.api.send('PUT', `${API}/pssessions/x?${VERSION}`, JSON.stringify({ script: "'x'" }));
    assert.equal(bare.status, 400);
  });
});

describe('the gateway in direct mode (the default)', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.stop();
  });

  it('has no PowerShell API routes and says so in gateway-info', async () => {
    const res = await t.api.send('PUT', `${API}/pssessions/x?${VERSION}`, packet("'x'"));
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'RouteNotFound');
    assert.equal(t.gateway.wacHost, null);
    assert.equal((await t.api.get('/api/gateway-info')).body.wacTransport, 'direct');
  });
});

describe("the stand-in's session limits (fake clock)", () => {
  const dir = tempDir();
  const clock = new FakeClock(Date.now());
  const runners: PowerShellRunner[] = [];
  const limits = { ...DEFAULT_SESSION_LIMITS, maxSessions: 2, idleTimeoutMs: 60_000, commandTimeoutMs: 30_000 };
  const sessions = new PowerShellApiSessions({
    clock,
    limits,
    startRunner: (onExit) => {
      const runner = new PowerShellRunner({
        powershellPath: PWSH,
        script: join(powershellRoot(), 'wac-host', 'Start-PowerShellApiRunner.ps1'),
        env: sessionEnvironment(dir.path),
        clock,
        commandTimeoutMs: limits.commandTimeoutMs,
        maxOutputBytes: limits.maxOutputBytes,
        onExit,
      });
      runners.push(runner);
      return runner;
    },
  });
  after(() => {
    sessions.dispose();
    dir.remove();
  });

  it('closes a session left idle, and its PowerShell ends', async () => {
    const answer = await sessions.open(CLUSTER, 'idle', "'x'", {}, undefined);
    assert.equal(answer.status, 200);
    const runner = runners.at(-1)!;
    clock.advance(limits.idleTimeoutMs - 1);
    assert.equal(sessions.size, 1);
    clock.advance(1);
    assert.equal(sessions.size, 0);
    await until(() => !runner.alive);
  });

  it('stops a command at its timeout and answers with the timeout error', async () => {
    const pending = sessions.open(CLUSTER, 'slow', "'started'; Start-Sleep -Seconds 120", {}, 50);
    const runner = runners.at(-1)!;
    // The invoke waits on the fake clock: let it answer "not completed" first.
    await until(() => runner.busy);
    clock.advance(50);
    const first = await pending;
    assert.equal(first.status, 200);
    const id = first.body.properties.sessionId;
    clock.advance(limits.commandTimeoutMs);
    let last = await sessions.output(CLUSTER, id);
    while (last.status === 200 && last.body.properties.completed === 'False') last = await sessions.output(CLUSTER, id);
    assert.equal(last.status, 400);
    assert.equal((last.body as Loose).errors[0].errorType, 'TimeoutException');
  });

  it('closes the least recently used idle session at the cap, and refuses when every session is busy', async () => {
    sessions.dispose();
    const a = await sessions.open(CLUSTER, 'a', "'a'", {}, undefined);
    const b = await sessions.open(CLUSTER, 'b', "'b'", {}, undefined);
    assert.equal(sessions.size, 2);
    const c = await sessions.open(CLUSTER, 'c', "'c'", {}, undefined);
    assert.equal(c.status, 200);
    assert.equal(sessions.size, 2);
    await assert.rejects(sessions.output(CLUSTER, (a.body as Loose).properties.sessionId), { code: 'PowerShellSessionNotFound' });
    assert.equal((await sessions.output(CLUSTER, (b.body as Loose).properties.sessionId)).status, 200);

    // Both sessions busy: a third is refused.
    const busyB = sessions.invokeIn(CLUSTER, (b.body as Loose).properties.sessionId, 'Start-Sleep -Seconds 120', {}, 10);
    const busyC = sessions.invokeIn(CLUSTER, (c.body as Loose).properties.sessionId, 'Start-Sleep -Seconds 120', {}, 10);
    await until(() => runners.slice(-2).every((r) => r.busy));
    await assert.rejects(sessions.open(CLUSTER, 'd', "'d'", {}, undefined), { code: 'PowerShellSessionLimit' });
    clock.advance(10);
    await Promise.all([busyB, busyC]);
    sessions.dispose();
    await until(() => runners.every((r) => !r.alive));
  });
});

describe("the stand-in's ready runners", () => {
  const dir = tempDir();
  const clock = new FakeClock(Date.now());
  const started: PowerShellRunner[] = [];
  const sessions = new PowerShellApiSessions({
    clock,
    limits: DEFAULT_SESSION_LIMITS,
    readyRunners: 1,
    startRunner: (onExit) => {
      const runner = new PowerShellRunner({
        powershellPath: PWSH,
        script: join(powershellRoot(), 'wac-host', 'Start-PowerShellApiRunner.ps1'),
        env: sessionEnvironment(dir.path),
        clock,
        commandTimeoutMs: 60_000,
        maxOutputBytes: 1024 * 1024,
        onExit,
      });
      started.push(runner);
      return runner;
    },
  });
  after(() => {
    sessions.dispose();
    dir.remove();
  });

  it("reuses a closed session's PowerShell for the next session with nothing of the last session's state", async () => {
    const first = (await sessions.open(CLUSTER, 'a', "$global:leftover = 'x'; function Get-Leftover { 'y' }; $env:RS_LEFTOVER = 'z'; Set-Location /; $PID", {}, undefined)) as Loose;
    assert.equal(first.status, 200);
    const pid = first.body.properties.results[0];
    sessions.close(CLUSTER, first.body.properties.sessionId);

    const second = (await sessions.open(CLUSTER, 'b', "$PID; $null -eq $global:leftover; $null -eq (Get-Command Get-Leftover -ErrorAction SilentlyContinue); $null -eq $env:RS_LEFTOVER", {}, undefined)) as Loose;
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual(second.body.properties.results, [pid, true, true, true], 'the same process, a fresh runspace and environment');
    assert.ok(started.length <= 3, `started ${started.length} PowerShells for two sessions (one reused, one kept ready)`);
  });

  it('ends the ready PowerShells on dispose', async () => {
    sessions.dispose();
    await until(() => started.every((r) => !r.alive));
  });
});
