import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/run-cli';
import { ChannelClient } from '../src/console/channel-client';
import { CLI_PAGE_SIZE } from '../src/cli/gateway-client';
import { TRANSCRIPT_PAGE_SIZE } from '../src/cli/session-commands';
import { TERMS_VERSION } from '../src/domain/terms';
import { READ_BUDGETS } from '../src/store/read-pool';
import { FakeClock } from '../src/test-support/fake-clock';
import { ApiClient, CLUSTER, FEATURE, installAgent, Loose, startTestGateway, tempDir, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { until } from './helpers/until';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process with an empty environment, so a REMOTE_SUPPORT_*
 * variable of the machine running the tests cannot change the outcome.
 */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

/** The CLI pointed at a test gateway through its data directory, as an admin on that machine would run it. */
function cliFor(t: TestGateway) {
  return (...args: string[]) => cli([...args, '--data-dir', t.dataDir]);
}

/** Reads the first Format-Table-style table in `text` into rows keyed by header. */
function readTable(text: string): Record<string, string>[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l, k) => k > 0 && /^-+(?: +-+)*$/.test(l) && lines[k - 1]!.trim() !== '');
  assert.ok(at > 0, `no table in:\n${text}`);
  const spans = [...lines[at]!.matchAll(/-+/g)].map((m) => m.index!);
  const cut = (line: string, j: number) => line.slice(spans[j], j + 1 < spans.length ? spans[j + 1] : undefined).trim();
  const headers = spans.map((_, j) => cut(lines[at - 1]!, j));
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() === '') break;
    rows.push(Object.fromEntries(headers.map((h, j) => [h, cut(line, j)])));
  }
  return rows;
}

function json<T = Loose>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    assert.fail(`stdout is not JSON:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

describe('remote-support install and remove', () => {
  let t: TestGateway;
  let rs: ReturnType<typeof cliFor>;

  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
    rs = cliFor(t);
  });
  after(async () => {
    await t.stop();
  });

  it('installs the agent on every node, printing step changes per node and a result table', async () => {
    // Each step waits a minute on a fake clock, moved once every node has shown the step, so the CLI's polling sees every step however slow the machine.
    const clock = new FakeClock(Date.now());
    const stepped = await startTestGateway({ clock, config: { cluster: { stepDelayMs: 60_000 } } });
    const nodes = ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04'];
    // The simulated install's steps: check, copy the JEA files, the module and its configuration, register, verify.
    const STEPS = 5;
    let stdout = '';
    let stderr = '';
    let step = 1;
    const onStdout = (text: string) => {
      stdout += text;
      while (step <= STEPS && nodes.every((n) => new RegExp(`^${n}  .+ \\(${step}/${STEPS}\\)$`, 'm').test(stdout))) {
        step += 1;
        clock.advance(60_000);
      }
    };
    let code: number;
    let states: string[];
    try {
      code = await runCli(['install', '--data-dir', stepped.dataDir], { stdout: onStdout, stderr: (s) => (stderr += s), env: {} });
      states = stepped.gateway.agents.nodes().map((n) => n.state);
    } finally {
      await stepped.stop();
    }
    const run: CliRun = { code, stdout, stderr };

    assert.equal(run.code, 0, run.stderr);
    for (const node of nodes) {
      const steps = [...run.stdout.matchAll(new RegExp(`^${node}  (.+) \\((\\d)/${STEPS}\\)$`, 'gm'))].map((m) => Number(m[2]));
      assert.deepEqual(steps, [1, 2, 3, 4, 5, 5], `every step, then the result, for ${node} in:\n${run.stdout}`);
      assert.match(run.stdout, new RegExp(`^${node}  succeeded \\(${STEPS}/${STEPS}\\)$`, 'm'));
    }
    assert.match(run.stdout, new RegExp(`^hci-n01 {2}Checking the node \\(1/${STEPS}\\)$`, 'm'));
    assert.deepEqual(
      readTable(run.stdout).map((r) => [r['Node'], r['Result'], r['Steps']]),
      nodes.map((n) => [n, 'succeeded', String(STEPS)]),
    );
    assert.deepEqual(states, ['Installed', 'Installed', 'Installed', 'Installed']);
  });

  it('exits 1 naming the node whose install failed and its error, while the other node succeeds', async () => {
    t.gateway.simulatedCluster!.setNodeOnline('hci-n02', false);
    try {
      const run = await rs('install', '--node', 'hci-n02', '--node', 'hci-n03');

      assert.equal(run.code, 1);
      assert.match(run.stderr, /install failed on 1 of 2 node\(s\): hci-n02/);
      assert.match(run.stderr, /hci-n02: hci-n02 does not answer on WinRM/);
      const rows = readTable(run.stdout);
      assert.deepEqual(rows.map((r) => [r['Node'], r['Result']]), [['hci-n02', 'failed'], ['hci-n03', 'succeeded']]);
      assert.match(rows[0]!['Error']!, /does not answer on WinRM/);
    } finally {
      t.gateway.simulatedCluster!.setNodeOnline('hci-n02', true);
    }
  });

  it('removes the agent from the named nodes only, accepting a comma-separated list', async () => {
    const run = await rs('remove', '--node', 'hci-n03,hci-n04', '--json');

    assert.equal(run.code, 0, run.stderr);
    const { operation } = json(run);
    assert.equal(operation.kind, 'remove');
    assert.equal(operation.status, 'succeeded');
    assert.match(run.stderr, /^hci-n04 {2}succeeded \(4\/4\)$/m, 'in --json mode progress goes to stderr');
    const states = Object.fromEntries(t.gateway.agents.nodes().map((n) => [n.node, n.state]));
    assert.deepEqual(states, { 'hci-n01': 'Installed', 'hci-n02': 'Failed', 'hci-n03': 'NotInstalled', 'hci-n04': 'NotInstalled' });
  });

  it('refuses a node that is not in the cluster with the API error InvalidNodeName', async () => {
    const run = await rs('install', '--node', 'hci-n99');

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error InvalidNodeName: .*hci-n01, hci-n02, hci-n03, hci-n04/m);
  });
});

describe('remote-support enable, get-access and disable', () => {
  let t: TestGateway;
  let rs: ReturnType<typeof cliFor>;

  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
    rs = cliFor(t);
  });
  after(async () => {
    await t.stop();
  });

  for (const minutes of ['59', '20161', 'abc', '1.5']) {
    it(`refuses --expire-in-minutes ${minutes} locally with InvalidExpireInMinutes and grants nothing`, async () => {
      const run = await rs('enable', '--access-level', 'Diagnostics', '--expire-in-minutes', minutes, '--agree-to-remote-support-consent');

      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error InvalidExpireInMinutes: --expire-in-minutes \(expireInMinutes\) must be an integer from 60 to 20160 \(got .+\)$/m);
      assert.ok(run.stderr.includes(minutes));
      const access = await rs('get-access', '--include-expired', '--json');
      assert.deepEqual(json(access), { grants: [] });
    });
  }

  it('refuses a bad --expire-in-minutes even where no gateway exists, so the check is local', async () => {
    const empty = tempDir();
    try {
      const run = await cli(['enable', '--access-level', 'Diagnostics', '--expire-in-minutes', '59', '--agree-to-remote-support-consent', '--json', '--data-dir', empty.path]);

      assert.equal(run.code, 1);
      const { error } = json(run);
      assert.equal(error.code, 'InvalidExpireInMinutes');
      assert.equal(error.field, 'expireInMinutes');
      assert.equal(error.allowed, 'an integer from 60 to 20160');
    } finally {
      empty.remove();
    }
  });

  it('prints the terms and refuses with ConsentRequired without --agree-to-remote-support-consent', async () => {
    const run = await rs('enable', '--access-level', 'Diagnostics');

    assert.equal(run.code, 1);
    assert.match(run.stdout, /^Remote support terms$/m);
    assert.match(run.stdout, /terms version [0-9a-f]{64}/);
    assert.match(run.stderr, /^error ConsentRequired: --agree-to-remote-support-consent is required/m);
    assert.equal(t.gateway.consent.active(CLUSTER), null);
  });

  it('keeps stdout to the error document in --json mode when consent is missing', async () => {
    const run = await rs('enable', '--access-level', 'Diagnostics', '--json');

    assert.equal(run.code, 1);
    assert.equal(json(run).error.code, 'ConsentRequired');
    assert.match(run.stderr, /Remote support terms/);
  });

  it('refuses an unknown access level with InvalidAccessLevel naming both levels', async () => {
    const run = await rs('enable', '--access-level', 'Administrator', '--agree-to-remote-support-consent');

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error InvalidAccessLevel: --access-level \(accessLevel\) must be one of Diagnostics, DiagnosticsRepair \(got "Administrator"\)$/m);
    assert.equal(t.gateway.consent.active(CLUSTER), null);
  });

  it('refuses enable without --access-level with FieldRequired', async () => {
    const run = await rs('enable', '--agree-to-remote-support-consent');

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error FieldRequired: --access-level \(accessLevel\) must be one of Diagnostics, DiagnosticsRepair$/m);
  });

  it('names --sas-credential when the registered cluster refuses one', async () => {
    const sas = `SharedAccessSignature sr=sb%3A%2F%2Frelay&sig=abc&se=${Math.floor(Date.now() / 1000) + 3600}&skn=support`;
    const run = await rs('enable', '--access-level', 'Diagnostics', '--agree-to-remote-support-consent', '--sas-credential', sas);

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error SasCredentialNotAccepted: --sas-credential \(sasCredential\) must be left out/m);
    assert.equal(t.gateway.consent.active(CLUSTER), null);
  });

  it('grants access, and get-access shows the grant as a table and as JSON', async () => {
    const run = await rs('enable', '--access-level', 'DiagnosticsRepair', '--expire-in-minutes', '120', '--agree-to-remote-support-consent', '--support-case-number', '2611180010001234');

    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Granted DiagnosticsRepair access on hci-cl01\.contoso\.local until \S+Z \(120 minutes\)\.$/m);

    const table = await rs('get-access');
    assert.equal(table.code, 0, table.stderr);
    const rows = readTable(table.stdout);
    assert.equal(rows.length, 1);
    assert.deepEqual(
      { state: rows[0]!['State'], level: rows[0]!['AccessLevel'], by: rows[0]!['GrantedBy'], ended: rows[0]!['EndedAt'], case: rows[0]!['Case'] },
      { state: 'active', level: 'DiagnosticsRepair', by: 'local-admin', ended: '', case: '2611180010001234' },
    );
    assert.equal(Date.parse(rows[0]!['ExpiresAt']!) - Date.parse(rows[0]!['GrantedAt']!), 120 * 60_000);

    const asJson = await rs('get-access', '--json');
    const { grants } = json(asJson);
    assert.equal(grants.length, 1);
    assert.equal(grants[0].state, 'active');
    assert.equal(grants[0].expireInMinutes, 120);
    assert.equal(grants[0].supportCaseNumber, '2611180010001234');
    assert.equal(grants[0].expiresAt, rows[0]!['ExpiresAt']);
  });

  it('refuses to remove the agent while a grant is active', async () => {
    const run = await rs('remove');

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error ActiveGrantBlocksRemoval: /m);
    assert.deepEqual(t.gateway.agents.nodes().map((n) => n.state), ['Installed', 'Installed', 'Installed', 'Installed']);
  });

  it('revokes the grant, after which get-access --include-expired shows it revoked', async () => {
    const run = await rs('disable');

    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Revoked the DiagnosticsRepair grant made by local-admin/m);
    const active = await rs('get-access');
    assert.match(active.stdout, /^No active grant\./m);
    const all = await rs('get-access', '--include-expired');
    const rows = readTable(all.stdout);
    assert.deepEqual(rows.map((r) => [r['State'], r['AccessLevel']]), [['revoked', 'DiagnosticsRepair']]);
    assert.notEqual(rows[0]!['EndedAt'], '');
  });

  it('says there is nothing to revoke and exits 0 when no grant is active', async () => {
    const run = await rs('disable');

    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'No active grant; nothing to revoke.\n');
    assert.deepEqual(json(await rs('disable', '--json')), { revoked: null, sessionsEnded: 0 });
  });
});

describe('remote-support get-session-history', () => {
  const ENTRIES = 2 * TRANSCRIPT_PAGE_SIZE + 57;
  let t: TestGateway;
  let rs: ReturnType<typeof cliFor>;
  let sessionId: string;

  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
    const granted = await t.api.post(`${FEATURE}/access`, VALID_GRANT);
    assert.equal(granted.status, 201, granted.text);
    const session = t.gateway.sessions.open({
      cluster: CLUSTER,
      grantId: granted.body.grant.id,
      engineer: 'ada@support.example',
      supportCase: '2611180010001234',
      accessLevel: 'Diagnostics',
      nodes: ['hci-n01', 'hci-n02'],
    });
    sessionId = session.id;
    for (let i = 1; i <= ENTRIES; i++) {
      // The last command carries a terminal escape sequence, which the table must not pass through.
      if (i === ENTRIES) t.gateway.sessions.append(sessionId, 'command', 'hci-n01', `Get-ClusterNode # ${i}\u001b[2J`);
      else if (i % 2) t.gateway.sessions.append(sessionId, 'command', 'hci-n01', `Get-ClusterNode # ${i}`);
      else t.gateway.sessions.append(sessionId, 'output', 'hci-n01', `Name    State\nhci-n01 Up # ${i}`);
    }
    rs = cliFor(t);
  });
  after(async () => {
    await t.stop();
  });

  it('lists the session in the history table', async () => {
    const run = await rs('get-session-history');

    assert.equal(run.code, 0, run.stderr);
    const rows = readTable(run.stdout);
    assert.equal(rows.length, 1);
    assert.deepEqual(
      [rows[0]!['Id'], rows[0]!['Engineer'], rows[0]!['Case'], rows[0]!['EndReason'], rows[0]!['Commands']],
      [sessionId, 'ada@support.example', '2611180010001234', 'live', String(Math.ceil(ENTRIES / 2))],
    );
  });

  it('lists no session when --from-date is after the session started', async () => {
    const run = await rs('get-session-history', '--from-date', '2999-01-01', '--json');

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(json(run), { fromDate: '2999-01-01T00:00:00.000Z', sessions: [] });
  });

  it('prints the whole transcript, fetched across several pages, with --include-transcript', async () => {
    const run = await rs('get-session-history', '--session-id', sessionId, '--include-transcript');

    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^Id +: ${sessionId}$`, 'm'));
    assert.match(run.stdout, new RegExp(`^Transcript \\(${ENTRIES} of ${ENTRIES} entries\\):$`, 'm'));
    const seqs = [...run.stdout.matchAll(/^(\d+)\s+\d{4}-\d{2}-\d{2}T\S+Z\s+(command|output)\s/gm)].map((m) => Number(m[1]));
    assert.deepEqual(seqs, Array.from({ length: ENTRIES }, (_, i) => i + 1));
    // A multi-line output keeps its second line, indented under the Text column.
    assert.match(run.stdout, new RegExp(`^ +hci-n01 Up # ${ENTRIES - 1}$`, 'm'));
    assert.ok(!run.stdout.includes('\u001b'), 'no escape character reaches the terminal');
    assert.match(run.stdout, new RegExp(`Get-ClusterNode # ${ENTRIES}\uFFFD\\[2J$`, 'm'));
  });

  it('returns every transcript entry once, in order, in --json mode', async () => {
    const run = await rs('get-session-history', '--session-id', sessionId, '--include-transcript', '--json');

    assert.equal(run.code, 0, run.stderr);
    const { session, transcript } = json(run);
    assert.equal(session.id, sessionId);
    assert.equal(transcript.total, ENTRIES);
    assert.deepEqual(transcript.entries.map((e: { seq: number }) => e.seq), Array.from({ length: ENTRIES }, (_, i) => i + 1));
  });

  it('shows one session without its transcript when --include-transcript is left out', async () => {
    const run = await rs('get-session-history', '--session-id', sessionId, '--json');

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(Object.keys(json(run)), ['session']);
  });

  for (const date of ['2026-02-30', 'last tuesday']) {
    it(`refuses --from-date ${JSON.stringify(date)} with InvalidDate naming the flag`, async () => {
      const run = await rs('get-session-history', '--from-date', date);

      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error InvalidDate: --from-date \(fromDate\) must be an ISO 8601 date such as 2026-11-18/m);
    });
  }

  it('answers SessionNotFound for a session id that does not exist', async () => {
    const run = await rs('get-session-history', '--session-id', randomUUID(), '--include-transcript');

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error SessionNotFound: No session [0-9a-f-]{36} exists on hci-cl01\.contoso\.local/m);
  });

  it('refuses a session id that is not a UUID with InvalidSessionId', async () => {
    const run = await rs('get-session-history', '--session-id', '../access');

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error InvalidSessionId: --session-id \(sessionId\) must be a session id \(a UUID\)/m);
  });

  it('get-record-reads lists who read the transcript, as JSON and as a table', async () => {
    assert.equal((await rs('get-session-history', '--session-id', sessionId, '--include-transcript')).code, 0);
    const run = await rs('get-record-reads', '--session-id', sessionId, '--json');

    assert.equal(run.code, 0, run.stderr);
    const { reads } = json<{ reads: Array<{ action: string; sessionId: string; by: string; intact: boolean }> }>(run);
    assert.deepEqual(reads, (await t.api.get(`${FEATURE}/audit/reads?sessionId=${sessionId}&limit=500`)).body.reads);
    assert.ok(reads.length >= 1 && reads.every((r) => r.action === 'viewed' && r.sessionId === sessionId && r.intact), JSON.stringify(reads));
    const table = readTable((await rs('get-record-reads', '--session-id', sessionId)).stdout);
    assert.deepEqual(table.map((r) => [r['Action'], r['SessionId']]), reads.map(() => ['viewed', sessionId]));
    const none = await rs('get-record-reads', '--session-id', randomUUID());
    assert.match(none.stdout, /^Nobody has read the transcript of [0-9a-f-]{36} in the last 90 days\.$/m);
  });

  it('treats --include-transcript without --session-id as a usage error', async () => {
    const run = await rs('get-session-history', '--include-transcript');

    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error InvalidCliUsage: --include-transcript needs --session-id/m);
  });
});

describe('remote-support lists longer than a page', () => {
  const SESSIONS = 2 * CLI_PAGE_SIZE + 73;
  const GRANTS = CLI_PAGE_SIZE + 11;
  let t: TestGateway;
  let rs: ReturnType<typeof cliFor>;
  /** Session and grant ids as made, oldest first. */
  const sessions: string[] = [];
  const grants: string[] = [];

  before(async () => {
    const clock = new FakeClock(Date.parse('2026-11-20T08:00:00Z'));
    t = await startTestGateway({ clock });
    const grant = () => t.gateway.consent.grant(CLUSTER, { accessLevel: 'Diagnostics', expireInMinutes: 480, supportCaseNumber: null, sasCredential: null, termsVersion: TERMS_VERSION }, 'admin').grant.id;
    t.gateway.db.transaction(() => {
      // Three grants or sessions to a second, so pages end between rows of the same time.
      for (let i = 0; i < GRANTS; i++) {
        if (i % 3 === 0) clock.advance(1000);
        grants.push(grant());
      }
      for (let i = 0; i < SESSIONS; i++) {
        if (i % 3 === 0) clock.advance(1000);
        sessions.push(t.gateway.sessions.open({ cluster: CLUSTER, grantId: grants[grants.length - 1]!, engineer: `engineer-${i}@vendor`, supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] }).id);
      }
    })();
    rs = cliFor(t);
  });
  after(async () => t.stop());

  it('get-session-history --json gives every session of every page in one document, newest first', async () => {
    const run = await rs('get-session-history', '--json');

    assert.equal(run.code, 0, run.stderr);
    const doc = json<{ fromDate: string; sessions: { id: string }[] }>(run);
    assert.deepEqual(Object.keys(doc), ['fromDate', 'sessions']);
    assert.deepEqual(doc.sessions.map((s) => s.id), [...sessions].reverse());
  });

  it('get-session-history shows every session in its table', async () => {
    const run = await rs('get-session-history');

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readTable(run.stdout).map((r) => r['Id']), [...sessions].reverse());
  });

  it('get-access --include-expired gives every grant, as JSON and as a table', async () => {
    const asJson = await rs('get-access', '--include-expired', '--json');
    assert.equal(asJson.code, 0, asJson.stderr);
    const doc = json<{ grants: { id: string }[] }>(asJson);
    assert.deepEqual(Object.keys(doc), ['grants']);
    assert.deepEqual(doc.grants.map((g) => g.id), [...grants].reverse());

    const table = await rs('get-access', '--include-expired');
    assert.equal(table.code, 0, table.stderr);
    const rows = readTable(table.stdout);
    assert.equal(rows.length, GRANTS);
    assert.deepEqual(rows.slice(0, 2).map((r) => r['State']), ['active', 'superseded']);
  });
});

describe('remote-support search-transcript', () => {
  /** More hits than two of the CLI's pages, so the whole list takes three requests at least. */
  const HITS = 2 * CLI_PAGE_SIZE + 73;
  let t: TestGateway;
  let rs: ReturnType<typeof cliFor>;
  /** The hits as written, oldest first: session id and entry seq. */
  const written: { sessionId: string; seq: number }[] = [];

  before(async () => {
    const clock = new FakeClock(Date.now());
    t = await startTestGateway({ clock });
    const grant = t.gateway.consent.grant(CLUSTER, { accessLevel: 'Diagnostics', expireInMinutes: 480, supportCaseNumber: null, sasCredential: null, termsVersion: TERMS_VERSION }, 'admin').grant.id;
    t.gateway.db.transaction(() => {
      const open = (engineer: string) => t.gateway.sessions.open({ cluster: CLUSTER, grantId: grant, engineer, supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] }).id;
      const sessions = [open('one@vendor'), open('two@vendor')];
      for (let i = 0; i < HITS; i++) {
        if (i % 50 === 0) clock.advance(1000);
        // Two sessions taking turns, and an entry between hits that does not match.
        const sessionId = sessions[i % 2]!;
        const hit = t.gateway.sessions.append(sessionId, 'command', 'hci-n01', `Restart-Service -Name svc${i}`);
        written.push({ sessionId, seq: hit.seq });
        t.gateway.sessions.append(sessionId, 'output', 'hci-n01', `Status: Running ${i}`);
      }
    })();
    rs = cliFor(t);
  });
  after(async () => t.stop());

  it('--json gives every hit of every page in one document, newest first', async () => {
    const run = await rs('search-transcript', '--query', 'Restart-Service', '--json');

    assert.equal(run.code, 0, run.stderr);
    const doc = json<{ query: string; hits: { sessionId: string; seq: number; snippet: string }[] }>(run);
    assert.deepEqual(Object.keys(doc), ['query', 'hits']);
    assert.equal(doc.query, 'Restart-Service');
    assert.deepEqual(doc.hits.map((h) => ({ sessionId: h.sessionId, seq: h.seq })), [...written].reverse());
    assert.match(doc.hits[0]!.snippet, /\[Restart\]-\[Service\] -Name svc/);
  });

  it('shows every hit in its table', async () => {
    const run = await rs('search-transcript', '--query', 'Restart-Service');

    assert.equal(run.code, 0, run.stderr);
    const rows = readTable(run.stdout);
    assert.deepEqual(Object.keys(rows[0]!), ['At', 'SessionId', 'Engineer', 'Node', 'Kind', 'Snippet']);
    assert.deepEqual(rows.map((r) => r['SessionId']), [...written].reverse().map((h) => h.sessionId));
    assert.equal(rows.at(-1)!['Engineer'], 'one@vendor');
  });

  it('--limit stops at that many of the newest hits, across pages', async () => {
    const limit = CLI_PAGE_SIZE + 21;
    const run = await rs('search-transcript', '--query', 'Restart-Service', '--limit', String(limit), '--json');

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(json<{ hits: { seq: number; sessionId: string }[] }>(run).hits.map((h) => ({ sessionId: h.sessionId, seq: h.seq })), [...written].reverse().slice(0, limit));
  });

  it('says so when nothing matches, and refuses a missing --query or a bad --limit before any call', async () => {
    const none = await rs('search-transcript', '--query', 'Stop-Computer');
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /No transcript entry matches "Stop-Computer"\./);

    const noQuery = await cli(['search-transcript', '--json', '--gateway', 'https://127.0.0.1:9', '--token', 'x']);
    assert.equal(noQuery.code, 2);
    assert.equal(json(noQuery).error.field, '--query');
    const badLimit = await cli(['search-transcript', '--query', 'x', '--limit', '0', '--json', '--gateway', 'https://127.0.0.1:9', '--token', 'x']);
    assert.equal(badLimit.code, 2);
    assert.equal(json(badLimit).error.field, '--limit');
  });
});

describe('remote-support search-transcript past the time budget', () => {
  it('fails the whole run with SearchTooBroad when a later page runs out of time, and prints no partial list', async () => {
    // The read workers answer the first page and never a later one; the test moves the clock past the budget then.
    const flag = new SharedArrayBuffer(4);
    const clock = new FakeClock(Date.now());
    const t = await startTestGateway({ clock, reads: { workerFile: join(__dirname, 'helpers', 'stuck-later-pages-worker.js'), workerData: { flag } } });
    try {
      const grant = t.gateway.consent.grant(CLUSTER, { accessLevel: 'Diagnostics', expireInMinutes: 480, supportCaseNumber: null, sasCredential: null, termsVersion: TERMS_VERSION }, 'admin').grant.id;
      t.gateway.db.transaction(() => {
        const id = t.gateway.sessions.open({ cluster: CLUSTER, grantId: grant, engineer: 'one@vendor', supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] }).id;
        for (let i = 0; i < CLI_PAGE_SIZE + 10; i++) t.gateway.sessions.append(id, 'command', 'hci-n01', `Restart-Service -Name svc${i}`);
      })();
      const rs = cliFor(t);
      for (const args of [['--json'], []]) {
        Atomics.store(new Int32Array(flag), 0, 0);
        const running = rs('search-transcript', '--query', 'Restart-Service', ...args);
        await until(() => Atomics.load(new Int32Array(flag), 0) === 1);
        clock.advance(READ_BUDGETS.searchMs);
        const run = await running;

        assert.equal(run.code, 1, run.stderr);
        assert.equal(run.stdout.includes('svc'), false, 'no hit of the first page is printed as if it were the whole list');
        if (args.length) {
          assert.equal(json(run).error.code, 'SearchTooBroad');
        } else {
          assert.match(run.stderr, /SearchTooBroad/);
          assert.match(run.stderr, /narrow it: add words, or a later fromDate/);
        }
      }
    } finally {
      await t.stop();
    }
  });
});

describe('remote-support access requests', () => {
  let t: TestGateway;
  let rs: ReturnType<typeof cliFor>;
  let engineer: ApiClient;
  const ask = async () => {
    const res = await engineer.post(`/api/support/clusters/${CLUSTER}/requests`, { supportCaseNumber: 'CASE-77', accessLevel: 'DiagnosticsRepair', expireInMinutes: 240, reason: 'Storage pool degraded; need to look at the disks.' });
    assert.equal(res.status, 201, res.text);
    return res.body.request.id as string;
  };

  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
    engineer = t.anonymous.withHeaders({ authorization: `Bearer ${await t.gateway.identityProvider!.buildToken()}` });
    rs = cliFor(t);
  });
  after(async () => t.stop());

  it('lists the open requests, asks a question, and approves with less than was asked', async () => {
    const id = await ask();
    const list = await rs('get-access-requests', '--open', '--json');
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(json<{ requests: { id: string }[] }>(list).requests.map((r) => r.id), [id]);
    const table = await rs('get-access-requests', '--open');
    assert.equal(readTable(table.stdout)[0]!['RequestId'], id);

    const asked = await rs('ask-access-request', '--request-id', id, '--question', 'Which disks?');
    assert.equal(asked.code, 0, asked.stderr);
    const shown = await rs('get-access-requests', '--request-id', id);
    assert.match(shown.stdout, /info-requested/);
    assert.match(shown.stdout, /admin .*: Which disks\?/);
    await engineer.post(`/api/support/clusters/${CLUSTER}/requests/${id}/reply`, { text: 'The two in slot 3 and 4.' });

    const noConsent = await rs('approve-access-request', '--request-id', id, '--json');
    assert.equal(noConsent.code, 1);
    assert.equal(json(noConsent).error.field, 'agreeToRemoteSupportConsent');
    assert.match(json(noConsent).error.message, /^--agree-to-remote-support-consent/);
    const tooMuch = await rs('approve-access-request', '--request-id', id, '--expire-in-minutes', '600', '--agree-to-remote-support-consent', '--json');
    assert.equal(json(tooMuch).error.code, 'ApprovalExceedsRequest');
    assert.equal(json(tooMuch).error.field, 'expireInMinutes');
    assert.match(json(tooMuch).error.message, /^--expire-in-minutes \(expireInMinutes\) may not be more than the 240/);

    const approved = await rs('approve-access-request', '--request-id', id, '--access-level', 'Diagnostics', '--expire-in-minutes', '120', '--agree-to-remote-support-consent');
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /Approved: Diagnostics access granted on .* \(120 minutes\)\./);
    const status = (await t.api.get(`${FEATURE}/status`)).body;
    assert.equal(status.activeGrant.accessLevel, 'Diagnostics');
    assert.equal(status.activeGrant.supportCaseNumber, 'CASE-77');
    await t.api.delete(`${FEATURE}/access`);
  });

  it('denies with the reason the engineer reads, and names a missing flag', async () => {
    const id = await ask();
    const missing = await rs('deny-access-request', '--request-id', id, '--json');
    assert.equal(missing.code, 2);
    assert.equal(json(missing).error.field, '--reason');
    const denied = await rs('deny-access-request', '--request-id', id, '--reason', 'Not this week.');
    assert.equal(denied.code, 0, denied.stderr);
    const seen = await engineer.get(`/api/support/clusters/${CLUSTER}/requests/${id}`);
    assert.equal(seen.body.request.denial, 'Not this week.');
    const again = await rs('deny-access-request', '--request-id', id, '--reason', 'twice', '--json');
    assert.equal(again.code, 1);
    assert.equal(json(again).error.code, 'RequestNotOpen');
  });
});

describe('remote-support repair approvals and the deny list', () => {
  let t: TestGateway;
  let rs: ReturnType<typeof cliFor>;
  let channel: ChannelClient;
  const waiting = async () => {
    for (;;) {
      const run = await rs('get-repair-approvals', '--json');
      const approvals = json<{ approvals: { id: string; cmdlet: string; node: string }[] }>(run).approvals;
      if (approvals.length) return approvals[0]!;
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
    assert.equal((await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, accessLevel: 'DiagnosticsRepair', supportCaseNumber: 'CASE-9' })).status, 201);
    channel = await ChannelClient.connect(t.gateway.channelUrl, await t.gateway.identityProvider!.buildToken(), { ca: t.gateway.caCert });
    await channel.open('CASE-9');
    rs = cliFor(t);
  });
  after(async () => {
    await channel.close();
    await t.stop();
  });

  it('lists a waiting repair, approves one and refuses another with its reason', async () => {
    const first = channel.run('Restart-Service -Name vmms', ['hci-n02'], 'vmms hangs');
    const asked = await waiting();
    assert.equal(asked.cmdlet, 'Restart-Service');
    const table = await rs('get-repair-approvals');
    assert.equal(readTable(table.stdout)[0]!['Command'], 'Restart-Service -Name vmms');
    assert.equal(readTable(table.stdout)[0]!['Reason'], 'vmms hangs');
    const approved = await rs('approve-repair', '--approval-id', asked.id);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /Approved: Restart-Service -Name vmms on hci-n02/);
    assert.equal((await first).denied ?? null, null, 'it ran');

    const second = channel.run('Restart-Service -Name vmms', ['hci-n03']);
    const next = await waiting();
    const noReason = await rs('refuse-repair', '--approval-id', next.id, '--json');
    assert.equal(noReason.code, 2);
    assert.equal(json(noReason).error.field, '--reason');
    const refused = await rs('refuse-repair', '--approval-id', next.id, '--reason', 'Not during business hours');
    assert.equal(refused.code, 0, refused.stderr);
    const reply = await second;
    assert.equal(reply.denied?.reason, 'repair-refused');
    assert.match(reply.denied?.message ?? '', /Not during business hours/);
  });

  it('saves a deny list from a file, shows it, and refuses a bad rule naming it', async () => {
    const dir = tempDir();
    try {
      const good = join(dir.path, 'rules.json');
      writeFileSync(good, JSON.stringify([{ cmdlet: 'Restart-Service', parameters: { Name: 'ClusSvc' }, reason: 'Never restart the cluster service' }]));
      const saved = await rs('set-deny-list', '--file', good);
      assert.equal(saved.code, 0, saved.stderr);
      assert.match(saved.stdout, /Saved the deny list: 1 rule, version 1\./);
      const shown = json<{ rules: { cmdlet: string }[]; updatedBy: string }>(await rs('get-deny-list', '--json'));
      assert.deepEqual(shown.rules.map((r) => r.cmdlet), ['Restart-Service']);
      const bad = join(dir.path, 'bad.json');
      writeFileSync(bad, JSON.stringify({ rules: [{ cmdlet: 'Format-Volume', reason: 'x' }] }));
      const refused = await rs('set-deny-list', '--file', bad, '--json');
      assert.equal(refused.code, 1);
      assert.equal(json(refused).error.code, 'InvalidDenyRule');
      assert.equal(json<{ rules: unknown[] }>(await rs('get-deny-list', '--json')).rules.length, 1, 'the bad list changed nothing');
      const missing = await rs('set-deny-list', '--file', join(dir.path, 'none.json'), '--json');
      assert.equal(missing.code, 2);
      assert.equal(json(missing).error.field, '--file');

      // Saved on a list someone changed since: refused, nothing saved; with the version in force it is saved.
      const version = json<{ version: number }>(await rs('get-deny-list', '--json')).version;
      assert.equal((await rs('set-deny-list', '--file', good, '--expected-version', String(version))).code, 0);
      const stale = await rs('set-deny-list', '--file', good, '--expected-version', String(version), '--json');
      assert.equal(stale.code, 1);
      assert.equal(json(stale).error.code, 'DenyListChanged');
      assert.match(json(stale).error.message, /^--expected-version: The deny list was saved by .* after you read it: it is at version \d+, not \d+/);
      assert.equal(json<{ version: number }>(await rs('get-deny-list', '--json')).version, version + 1, 'the refused save changed nothing');
      const notANumber = await rs('set-deny-list', '--file', good, '--expected-version', 'latest', '--json');
      assert.equal(notANumber.code, 2);
      assert.equal(json(notANumber).error.field, '--expected-version');
    } finally {
      dir.remove();
    }
  });
});

describe('remote-support command line', () => {
  it('exits 2 naming the verbs when the verb is unknown', async () => {
    const run = await cli(['grant-access']);

    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error InvalidCliUsage: grant-access is not a verb of remote-support; the verbs are install, remove, enable, disable, get-access, get-session-history, search-transcript, verify-session, export-session, status, prerequisites, login-link, get-access-requests, approve-access-request, deny-access-request, ask-access-request, get-repair-approvals, approve-repair, refuse-repair, get-deny-list, set-deny-list, get-record-reads$/m);
  });

  it('exits 2 when no verb is given', async () => {
    const run = await cli([]);

    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error InvalidCliUsage: Name a verb/m);
  });

  it('exits 2 naming an unknown flag and the flags the verb takes', async () => {
    const run = await cli(['get-access', '--include-exipred']);

    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error InvalidCliUsage: --include-exipred is not a flag of get-access; get-access takes --include-expired and the global flags --json/m);
  });

  it('exits 2 when a flag of another verb is given', async () => {
    const run = await cli(['disable', '--access-level', 'Diagnostics']);

    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error InvalidCliUsage: --access-level is not a flag of disable; disable takes only the global flags/m);
  });

  it('exits 2 when a flag lacks its value, naming the values it accepts', async () => {
    const atEnd = await cli(['enable', '--access-level']);
    const beforeFlag = await cli(['enable', '--access-level', '--agree-to-remote-support-consent']);

    for (const run of [atEnd, beforeFlag]) {
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^error InvalidCliUsage: --access-level needs a value: Diagnostics\|DiagnosticsRepair$/m);
    }
  });

  it('exits 2 when a switch is given a value or a flag is given twice', async () => {
    const switchValue = await cli(['get-access', '--include-expired=yes']);
    const twice = await cli(['enable', '--access-level', 'Diagnostics', '--access-level', 'DiagnosticsRepair']);

    assert.equal(switchValue.code, 2);
    assert.match(switchValue.stderr, /--include-expired is a switch and takes no value/);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--access-level is given more than once/);
  });

  it('points PowerShell-style parameters to the kebab-case flags', async () => {
    const run = await cli(['enable', '-AccessLevel', 'Diagnostics']);

    assert.equal(run.code, 2);
    assert.match(run.stderr, /-AccessLevel is not a flag of enable \(flags start with two dashes and use kebab-case, e.g. --access-level\)/);
  });

  it('reports a usage error as a JSON error document on stdout with --json', async () => {
    const run = await cli(['--json', 'nope']);

    assert.equal(run.code, 2);
    assert.equal(run.stderr, '');
    assert.equal(json(run).error.code, 'InvalidCliUsage');
  });

  it('prints help for every verb, and for one verb its flags and examples', async () => {
    const all = await cli(['--help']);
    const one = await cli(['help', 'enable']);
    const viaFlag = await cli(['enable', '-h']);

    assert.equal(all.code, 0);
    for (const verb of ['install', 'remove', 'enable', 'disable', 'get-access', 'get-session-history', 'status', 'prerequisites']) {
      assert.match(all.stdout, new RegExp(`^  ${verb} `, 'm'));
    }
    assert.equal(one.code, 0);
    assert.match(one.stdout, /Enable-AzStackHCIRemoteSupport/);
    assert.match(one.stdout, /--expire-in-minutes MINUTES +How long access lasts: an integer from 60 to 20160/);
    assert.equal(viaFlag.stdout, one.stdout);
  });
});

describe('remote-support reaching the gateway', () => {
  let t: TestGateway;
  let stopped: TestGateway;
  const stoppedDir = tempDir();
  const emptyDir = tempDir();

  before(async () => {
    t = await startTestGateway();
    // A gateway that started, wrote gateway.json, then died without removing it (a crash).
    stopped = await startTestGateway({ dataDir: stoppedDir.path });
    const pointer = readFileSync(join(stoppedDir.path, 'gateway.json'), 'utf8');
    await stopped.stop();
    assert.equal(existsSync(join(stoppedDir.path, 'gateway.json')), false, 'a clean stop removes gateway.json');
    writeFileSync(join(stoppedDir.path, 'gateway.json'), pointer);
  });
  after(async () => {
    await t.stop();
    stoppedDir.remove();
    emptyDir.remove();
  });

  it('refuses a wrong --token with Unauthenticated and exit 1, saying where the credential came from', async () => {
    const run = await cli(['get-access', '--data-dir', t.dataDir, '--token', 'not-the-admin-credential']);

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error Unauthenticated: /m);
    assert.match(run.stderr, /^hint: The credential came from --token\.$/m);
  });

  it('takes the credential from REMOTE_SUPPORT_TOKEN before the data directory file', async () => {
    const wrong = await cli(['get-access', '--data-dir', t.dataDir], { REMOTE_SUPPORT_TOKEN: 'wrong' });
    const right = await cli(['get-access', '--json', '--data-dir', t.dataDir], { REMOTE_SUPPORT_TOKEN: t.gateway.localCredential!.secret });

    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^error Unauthenticated: /m);
    assert.equal(right.code, 0, right.stderr);
    assert.deepEqual(json(right), { grants: [] });
  });

  it('login-link prints a one-time link that signs a browser in once', async () => {
    const run = await cli(['login-link', '--data-dir', t.dataDir]);
    assert.equal(run.code, 0, run.stderr);
    const url = /^(https:\/\/\S+\/login\?code=[A-Za-z0-9_-]{43})$/m.exec(run.stdout)?.[1];
    assert.ok(url?.startsWith(t.gateway.url), run.stdout);
    assert.equal((await t.anonymous.get(url!)).status, 303);
    assert.equal((await t.anonymous.get(url!)).status, 401, 'used once');
    const asJson = json(await cli(['login-link', '--json', '--data-dir', t.dataDir]));
    assert.match(asJson.url, /\/login\?code=/);
    assert.ok(Date.parse(asJson.expiresAt) > Date.now());
    const refused = await cli(['login-link', '--data-dir', t.dataDir, '--token', 'not-the-admin-credential']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error Unauthenticated: /m);
  });

  it('finds the gateway through REMOTE_SUPPORT_DATA_DIR', async () => {
    const run = await cli(['status', '--json'], { REMOTE_SUPPORT_DATA_DIR: t.dataDir });

    assert.equal(run.code, 0, run.stderr);
    assert.equal(json(run).cluster, CLUSTER);
  });

  it('reports GatewayUnreachable, saying how to start a gateway, when the data directory has none', async () => {
    const run = await cli(['get-access', '--data-dir', emptyDir.path]);

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error GatewayUnreachable: No gateway found: .*gateway\.json does not exist/m);
    assert.match(run.stderr, /npm start/);
    assert.match(run.stderr, /--gateway https:\/\/HOST:PORT/);
  });

  it('reports GatewayUnreachable when the gateway in gateway.json has stopped', async () => {
    const run = await cli(['get-access', '--data-dir', stoppedDir.path]);

    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`^error GatewayUnreachable: The gateway at ${stopped.gateway.url.replace(/\./g, '\\.')} .*does not answer \\(ECONNREFUSED\\)`, 'm'));
    assert.match(run.stderr, /npm start/);
  });

  it('refuses a gateway whose certificate the CA file does not vouch for, without turning checks off', async () => {
    const run = await cli(['get-access', '--data-dir', t.dataDir, '--ca-file', join(stoppedDir.path, 'tls', 'gateway.crt'), '--json']);

    assert.equal(run.code, 1);
    const { error } = json(run);
    assert.equal(error.code, 'GatewayUnreachable');
    assert.match(error.message, /does not vouch for/);
    assert.match(error.message, /--ca-file/);
  });

  it('refuses a plain-HTTP --gateway as a usage error', async () => {
    const run = await cli(['get-access', '--data-dir', t.dataDir, '--gateway', t.gateway.url.replace('https:', 'http:')]);

    assert.equal(run.code, 2);
    assert.match(run.stderr, /only reachable over TLS/);
  });

  it('answers ClusterNotFound, listing the served cluster, for an unknown --cluster', async () => {
    const run = await cli(['get-access', '--data-dir', t.dataDir, '--cluster', 'other.contoso.local']);

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error ClusterNotFound: other\.contoso\.local is not served by this gateway; it serves hci-cl01\.contoso\.local$/m);
  });

  describe('the compiled bin', () => {
    const bin = join(__dirname, '..', 'src', 'cli', 'remote-support.js');
    // What npm links as the remote-support command: a wrapper that requires the compiled entry.
    const wrapper = join(__dirname, '..', '..', 'bin', 'remote-support.js');
    const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REMOTE_SUPPORT_')));

    function spawnBin(args: string[], script = bin): Promise<CliRun> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script, ...args], { env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
    }

    it('prints get-access --json and exits 0 as a real process', async () => {
      const run = await spawnBin(['get-access', '--json', '--data-dir', t.dataDir]);

      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(json(run), { grants: [] });
    });

    it('runs the same way through the package bin wrapper that npx uses', async () => {
      const run = await spawnBin(['get-access', '--json', '--data-dir', t.dataDir], wrapper);

      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(json(run), { grants: [] });
    });

    it('exits 2 for an unknown verb as a real process', async () => {
      const run = await spawnBin(['frobnicate']);

      assert.equal(run.code, 2);
      assert.match(run.stderr, /^error InvalidCliUsage: frobnicate is not a verb/m);
    });
  });
});
