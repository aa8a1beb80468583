import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { runConsole } from '../src/console/console-run';
import { SimulatedNodeExecutor } from '../src/simulator/simulated-executor';
import { CLUSTER, FEATURE, installAgent, Loose, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { consoleRun, ConsoleRun } from './helpers/console-run';
import { until } from './helpers/until';

const CASE = '2611250010001234';
const NODES = ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04'];
const BIN = join(__dirname, '..', 'src', 'console', 'support-console.js');


function json<T = Loose>(run: ConsoleRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    assert.fail(`stdout is not one JSON document:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

/**
 * An interactive console fed through a PassThrough, as a piped terminal
 * would: `type` sends a line, `waitFor` resolves once stdout matches.
 */
function interactive(dataDir: string, args: string[]) {
  const stdin = new PassThrough();
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const done = runConsole([...args, '--data-dir', dataDir], {
    stdout: (s) => {
      stdout += s;
      for (const w of [...waiters]) w();
    },
    stderr: (s) => (stderr += s),
    env: {},
    stdin,
    isTTY: false,
  }).then((code) => ({ code, stdout, stderr }));
  return {
    done,
    output: () => stdout,
    type(line: string) {
      stdin.write(`${line}\n`);
    },
    /** Resolves once stdout (from `from` on) matches; fails with what was printed after `timeoutMs`. */
    waitFor(pattern: RegExp, from = 0, timeoutMs = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stdout.slice(from))) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`stdout did not match ${pattern} within ${timeoutMs} ms:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    end() {
      stdin.end();
    },
  };
}

/** Splits text-mode output into each node's section, keyed by node. */
function sections(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const parts = text.split(/^=== (\S+) ===$/m);
  for (let i = 1; i < parts.length; i += 2) found.set(parts[i]!, parts[i + 1]!);
  return found;
}

describe('support-console against a real gateway', () => {
  let t: TestGateway;
  let executor: SimulatedNodeExecutor;
  const run = (...args: string[]) => consoleRun(t.dataDir, args);
  const grant = async (supportCaseNumber = CASE) => {
    const res = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber });
    assert.equal(res.status, 201, res.text);
  };
  const sessionCount = () => t.gateway.db.prepare('SELECT COUNT(*) FROM sessions').pluck().get() as number;

  before(async () => {
    t = await startTestGateway();
    executor = t.gateway.executor as SimulatedNodeExecutor;
    await installAgent(t);
  });
  beforeEach(async () => {
    await t.api.delete(`${FEATURE}/access`);
  });
  afterEach(() => {
    for (const node of NODES) {
      executor.setHang(node, false);
      executor.setOffline(node, false);
    }
  });
  after(async () => {
    await t.stop();
  });

  it('runs every --command in order, reporting outputs and denials as one JSON document, and exits 4', async () => {
    await grant();
    const result = await run(
      '--case', CASE,
      '--command', 'Get-ClusterNode',
      '--command', 'Get-PhysicalDisk',
      '--command', 'Stop-Service -Name ClusSvc',
      '--command', 'Get-VM; Remove-Item C:\\',
      '--json',
    );

    assert.equal(result.code, 4, result.stderr);
    const doc = json(result);
    assert.equal(doc.session.accessLevel, 'Diagnostics');
    assert.deepEqual(doc.session.nodes, NODES);
    assert.equal(doc.ended, undefined);
    assert.deepEqual(doc.results.map((r: Loose) => r.line), ['Get-ClusterNode', 'Get-PhysicalDisk', 'Stop-Service -Name ClusSvc', 'Get-VM; Remove-Item C:\\']);

    const [nodes, disks, stop, injection] = doc.results;
    for (const r of [nodes, disks]) {
      assert.equal(r.denied, undefined);
      assert.deepEqual(r.outputs.map((o: Loose) => o.node), NODES);
      assert.ok(r.outputs.every((o: Loose) => o.ok));
      assert.ok(r.secondsLeft > 479 * 60 && r.secondsLeft <= 480 * 60);
    }
    const clusterNodes = nodes.outputs[0].objects;
    assert.deepEqual(clusterNodes.map((n: Loose) => n.Name), NODES);
    assert.ok(clusterNodes.every((n: Loose) => n.State === 'Up'));
    const physicalDisks = disks.outputs[0].objects;
    assert.ok(physicalDisks.length > 0);
    assert.ok(physicalDisks.every((d: Loose) => typeof d.FriendlyName === 'string' && d.HealthStatus === 'Healthy'));

    assert.equal(stop.denied.reason, 'level-too-low');
    assert.match(stop.denied.message, /DiagnosticsRepair/);
    assert.equal(injection.denied.reason, 'statement-separator');
    assert.match(injection.denied.message, /;/);
    assert.deepEqual([stop.outputs, injection.outputs], [[], []]);
    assert.match(result.stderr, /2 of 4 command\(s\) were denied or failed/);

    const entries = t.gateway.sessions.allEntries(doc.session.id);
    assert.deepEqual(entries.map((e) => e.kind), ['system', 'command', 'output', 'output', 'output', 'output', 'command', 'output', 'output', 'output', 'output', 'denied', 'denied', 'system']);
    assert.match(entries[1]!.text, /^Get-ClusterNode\n/);
    assert.match(entries[6]!.text, /^Get-PhysicalDisk\n/);
    assert.match(entries[2]!.text, /hci-n01 +Up/);
    assert.match(entries[11]!.text, /^Stop-Service -Name ClusSvc\n-> denied \(level-too-low\)/);
    assert.match(entries[12]!.text, /^Get-VM; Remove-Item C:\\\n-> denied \(statement-separator\)/);
    assert.equal(t.gateway.sessions.verify(doc.session.id).valid, true);
    assert.equal(t.gateway.sessions.get(CLUSTER, doc.session.id)?.endReason, 'closed');
  });

  it('prints a header per node and the PowerShell-style tables in text mode', async () => {
    await grant();
    const result = await run('--case', CASE, '--command', 'Get-ClusterNode');

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Session [0-9a-f-]{36} opened on hci-cl01\.contoso\.local for support case 2611250010001234\.$/m);
    assert.match(result.stdout, /^hci-cl01> Get-ClusterNode$/m);
    const byNode = sections(result.stdout);
    assert.deepEqual([...byNode.keys()], NODES);
    for (const text of byNode.values()) {
      assert.match(text, /^Name +State +Type$/m);
      assert.match(text, /^-+ +-+ +-+$/m);
      assert.match(text, /^hci-n03 +Up +Node$/m);
    }
    assert.match(result.stdout, /^\(Diagnostics, 7h5\dm left\)$/m);
    assert.equal(result.stderr, '');
  });

  it('shows a node that does not answer as that node\'s error and exits 4', async () => {
    await grant();
    executor.setOffline('hci-n02', true);
    const result = await run('--case', CASE, '--command', 'Get-VM');

    assert.equal(result.code, 4);
    assert.match(result.stdout, /^hci-n02: NodeUnreachable: .+$/m);
    assert.deepEqual([...sections(result.stdout).keys()], ['hci-n01', 'hci-n03', 'hci-n04']);
  });

  it('opens the session only on the nodes given with --node', async () => {
    await grant();
    const doc = json(await run('--case', CASE, '--node', 'hci-n03,hci-n01', '--command', 'Get-Cluster', '--json'));
    assert.deepEqual(doc.session.nodes, ['hci-n03', 'hci-n01']);
    assert.deepEqual(doc.results[0].outputs.map((o: Loose) => o.node), ['hci-n03', 'hci-n01']);
  });

  it('refuses a session for another support case with SupportCaseMismatch and exit 1', async () => {
    await grant();
    const count = sessionCount();
    const result = await run('--case', '999', '--command', 'Get-Cluster');

    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error SupportCaseMismatch: The grant on hci-cl01\.contoso\.local is for support case 2611250010001234, not 999$/m);
    assert.equal(result.stdout, '');
    assert.equal(sessionCount(), count);
  });

  it('refuses to connect without a grant with NoActiveGrant and exit 1, as JSON with --json', async () => {
    const result = await run('--case', CASE, '--command', 'Get-Cluster', '--json');

    assert.equal(result.code, 1);
    assert.equal(json(result).error.code, 'NoActiveGrant');
    assert.match(json(result).error.message, /No remote support access is granted on hci-cl01\.contoso\.local/);
  });

  it('surfaces msal\'s invalid_client when the client secret is wrong, exit 1', async () => {
    await grant();
    const count = sessionCount();
    const result = await consoleRun(t.dataDir, ['--case', CASE, '--command', 'Get-Cluster'], { SUPPORT_CONSOLE_CLIENT_SECRET: 'not-the-secret' });

    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error Unauthenticated: Sign-in to the local identity provider .+ failed: invalid_client: Unknown client or wrong client secret$/m);
    assert.match(result.stderr, /client secret from \$SUPPORT_CONSOLE_CLIENT_SECRET was refused/);
    assert.equal(sessionCount(), count);
  });

  it('uses an access token from SUPPORT_CONSOLE_TOKEN without signing in, and refuses a forged one with Unauthenticated', async () => {
    await grant();
    const token = await t.gateway.identityProvider!.buildToken();
    const ok = await consoleRun(t.dataDir, ['--case', CASE, '--command', 'Get-Cluster', '--json'], { SUPPORT_CONSOLE_TOKEN: token });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(json(ok).results[0].outputs[0].objects[0].Name, 'hci-cl01');

    const wrongAudience = await t.gateway.identityProvider!.buildToken((p) => {
      p['aud'] = 'api://another-app';
    });
    const refused = await consoleRun(t.dataDir, ['--case', CASE, '--command', 'Get-Cluster'], { SUPPORT_CONSOLE_TOKEN: wrongAudience });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error Unauthenticated: /m);
  });

  it('prints the revoke message and exits 3 when access is revoked during an interactive session', async () => {
    await grant();
    const c = interactive(t.dataDir, ['--case', CASE]);
    await c.waitFor(/^\[Diagnostics case 2611250010001234 7h5\dm left\] hci-cl01> $/m);
    c.type('Get-ClusterNode');
    await c.waitFor(/=== hci-n04 ===[\s\S]*hci-cl01> $/);

    const revoked = await t.api.delete(`${FEATURE}/access`);
    assert.equal(revoked.status, 200, revoked.text);
    const result = await c.done;

    assert.equal(result.code, 3);
    assert.match(result.stdout, /^Session ended: revoked — The cluster administrator revoked remote support access; the session has ended\.$/m);
    const session = t.gateway.sessions.get(CLUSTER, /Session ([0-9a-f-]{36}) opened/.exec(result.stdout)![1]!);
    assert.equal(session?.endReason, 'revoked');
    c.end();
  });

  it('runs the next commands only on the nodes chosen with :nodes', async () => {
    await grant();
    const c = interactive(t.dataDir, ['--case', CASE]);
    c.type(':nodes hci-n02');
    await c.waitFor(/^Commands run on hci-n02\.$/m);
    const from = c.output().length;
    c.type('Get-Service -Name ClusSvc');
    await c.waitFor(/hci-cl01\/hci-n02> $/, from);
    c.type(':quit');
    const result = await c.done;

    assert.equal(result.code, 0, result.stderr);
    const after = result.stdout.slice(from);
    assert.deepEqual([...sections(after).keys()], ['hci-n02']);
    assert.match(after, /ClusSvc/);
    const sessionId = /Session ([0-9a-f-]{36}) opened/.exec(result.stdout)![1]!;
    const outputs = t.gateway.sessions.allEntries(sessionId).filter((e) => e.kind === 'output');
    assert.deepEqual(outputs.map((e) => e.node), ['hci-n02']);
    assert.equal(t.gateway.sessions.get(CLUSTER, sessionId)?.endReason, 'closed');
    c.end();
  });

  it('sends lines as typed, lists the allowed cmdlets, and answers unknown console commands without sending them', async () => {
    await grant();
    const c = interactive(t.dataDir, ['--case', CASE]);
    c.type(':commands');
    await c.waitFor(/Get-ClusterNode/);
    c.type(':bogus');
    await c.waitFor(/:bogus is not a console command/);
    c.type('Restart-Service -Name ClusSvc');
    await c.waitFor(/^Denied \(level-too-low\): /m);
    c.type(':nodes hci-n09');
    await c.waitFor(/hci-n09 is not among them; the session's nodes are hci-n01, hci-n02, hci-n03, hci-n04/);
    c.end();
    const result = await c.done;

    assert.equal(result.code, 0, 'the end of input closes the session');
    assert.doesNotMatch(result.stdout, /Stop-Service/, ':commands lists only what the level allows');
    const sessionId = /Session ([0-9a-f-]{36}) opened/.exec(result.stdout)![1]!;
    const kinds = t.gateway.sessions.allEntries(sessionId).map((e) => e.kind);
    assert.deepEqual(kinds, ['system', 'denied', 'system'], 'console commands never reach the gateway; the denied line does');
  });

  it('reports the session as ended and exits 3 when access is revoked in the middle of a --command run', async () => {
    await grant();
    executor.setHang('hci-n03', true);
    const running = run('--case', CASE, '--command', 'Get-ClusterNode', '--command', 'Get-Cluster', '--json');
    // Revoke once the first command is on record (and so waiting on the hung node).
    await until(() => t.gateway.channel.sessions.some((s) => t.gateway.sessions.allEntries(s.id).some((e) => e.kind === 'command')), 5);
    await t.api.delete(`${FEATURE}/access`);
    const result = await running;

    assert.equal(result.code, 3);
    const doc = json(result);
    assert.equal(doc.ended.reason, 'revoked');
    assert.deepEqual(doc.results.map((r: Loose) => r.line), ['Get-ClusterNode'], 'the second command never ran');
    assert.ok(!doc.results[0].outputs.some((o: Loose) => o.node === 'hci-n03'));
    assert.match(result.stderr, /^Session ended: revoked — /m);
  });

  it('runs as the real executable, exiting 0 with the JSON document on stdout', async () => {
    await grant();
    const env = { ...process.env };
    for (const name of ['SUPPORT_CONSOLE_TOKEN', 'SUPPORT_CONSOLE_CLIENT_SECRET', 'REMOTE_SUPPORT_DATA_DIR']) delete env[name];
    // stdin stays open: a --command run must end without reading it.
    const child = spawn(process.execPath, [BIN, '--data-dir', t.dataDir, '--case', CASE, '--command', 'Get-Cluster', '--json'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.destroy();

    assert.equal(code, 0, stderr);
    const doc = JSON.parse(stdout);
    assert.deepEqual(doc.results[0].outputs.map((o: Loose) => o.node), NODES);
    assert.equal(doc.results[0].outputs[0].objects[0].Name, 'hci-cl01');
  });
});

describe('support-console command line', () => {
  // No gateway: every one of these is refused before any network call.
  const dataDir = join(__dirname, 'no-such-data-dir');
  const usage: [string, string[], RegExp][] = [
    ['no --case', ['--command', 'Get-Cluster'], /--case is required/],
    ['a --case with spaces', ['--case', 'case 1'], /--case must be 1 to 64 letters, digits or hyphens \(got "case 1"\)/],
    ['an unknown flag', ['--case', CASE, '--verbose'], /--verbose is not a flag of support-console; the flags are --case, --node/],
    ['a single-dash flag', ['-case', CASE], /-case is not a flag of support-console \(flags start with two dashes/],
    ['a positional argument', ['--case', CASE, 'Get-VM'], /Unexpected argument "Get-VM": put a command line after --command/],
    ['--case twice', ['--case', CASE, '--case', '2'], /--case is given more than once/],
    ['--command without a value', ['--case', CASE, '--command'], /--command needs a value: LINE/],
    ['a blank --command', ['--case', CASE, '--command', '  '], /--command needs a command line/],
    ['a bad --node', ['--case', CASE, '--node', 'hci n01', '--command', 'Get-VM'], /--node takes node names, each a NetBIOS computer name: 1 to 15 letters, digits or hyphens/],
    ['an unknown --auth', ['--case', CASE, '--auth', 'password', '--command', 'Get-VM'], /--auth must be client-credentials or device-code \(got "password"\)/],
    ['an https --gateway', ['--case', CASE, '--gateway', 'https://gw:6600', '--command', 'Get-VM'], /--gateway must be a wss:\/\/ URL .*wss:\/\/gw:6600\/api\/channel\/CLUSTER/],
    ['a --gateway without the channel path', ['--case', CASE, '--gateway', 'wss://gw:6600/', '--command', 'Get-VM'], /--gateway must end in \/api\/channel\/CLUSTER/],
    ['an http --authority', ['--case', CASE, '--authority', 'http://login.example.com/t', '--command', 'Get-VM'], /--authority must be an https:\/\/ URL/],
    ['--token with --client-secret', ['--case', CASE, '--token', 'a.b.c', '--client-secret', 's', '--command', 'Get-VM'], /--token and --client-secret exclude each other/],
    ['a partial Entra ID sign-in', ['--case', CASE, '--gateway', 'wss://gw:6600/api/channel/c1', '--client-id', 'app', '--command', 'Get-VM'], /needs --authority, --client-id and --scope together; --authority and --scope are missing/],
    ['device code against the local identity provider', ['--case', CASE, '--gateway', 'wss://gw:6600/api/channel/c1', '--auth', 'device-code', '--command', 'Get-VM'], /--auth device-code needs --authority, --client-id and --scope/],
  ];
  for (const [what, args, message] of usage) {
    it(`refuses ${what} with exit 2 and a message naming the flag`, async () => {
      const result = await consoleRun(dataDir, args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^error InvalidCliUsage: /);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    });
  }

  it('refuses --json without --command with exit 2, as JSON on stdout', async () => {
    const result = await consoleRun(dataDir, ['--case', CASE, '--json']);
    assert.equal(result.code, 2);
    assert.equal(json(result).error.field, '--json');
    assert.match(json(result).error.message, /--json needs --command/);
  });

  it('reports a usage error as JSON on stdout with --json', async () => {
    const result = await consoleRun(dataDir, ['--case', CASE, '--command', 'Get-VM', '--auth', 'nope', '--json']);
    assert.equal(result.code, 2);
    const doc = json(result);
    assert.equal(doc.error.code, 'InvalidCliUsage');
    assert.equal(doc.error.field, '--auth');
    assert.equal(doc.error.allowed, 'client-credentials, device-code');
  });

  it('says where it looked when no gateway has started with the data directory', async () => {
    const result = await consoleRun(dataDir, ['--case', CASE, '--command', 'Get-VM']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error GatewayUnreachable: No gateway found: .*no-such-data-dir\/gateway\.json does not exist/);
  });

  it('needs a standard input for the interactive mode', async () => {
    const result = await consoleRun(dataDir, ['--case', CASE]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /needs a standard input .* pass --command LINE/);
  });

  it('prints help naming every flag, the local identity provider and the exit codes, and exits 0', async () => {
    const result = await consoleRun(dataDir, ['--help', '--bogus']);
    assert.equal(result.code, 0);
    for (const flag of ['--case', '--node', '--command', '--json', '--gateway', '--data-dir', '--ca-file', '--auth', '--authority', '--client-id', '--client-secret', '--scope', '--token']) {
      assert.match(result.stdout, new RegExp(`^  ${flag}\\b`, 'm'));
    }
    assert.match(result.stdout, /engineer-client\.json, the client registration of the gateway's\n\s+LOCAL identity provider/);
    for (const code of [0, 1, 2, 3, 4]) assert.match(result.stdout, new RegExp(`^  ${code}  \\S`, 'm'));
  });
});
