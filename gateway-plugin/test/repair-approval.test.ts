import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { RepairApprovals } from '../src/channel/repair-approvals';
import { PassThrough } from 'node:stream';
import { runCli } from '../src/cli/run-cli';
import { runConsole } from '../src/console/console-run';
import { ChannelClient } from '../src/console/channel-client';
import { LiveEvent } from '../src/events/event-hub';
import { FakeClock } from '../src/test-support/fake-clock';
import { consoleRun } from './helpers/console-run';
import { CLUSTER, FEATURE, installAgent, Loose, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { until } from './helpers/until';

const CASE = '2611250010001234';
const FIVE_MINUTES = 5 * 60_000;

describe('repairs wait for a live yes', () => {
  let t: TestGateway;
  let clock: FakeClock;
  let token: string;
  const clients: ChannelClient[] = [];
  const events: LiveEvent[] = [];

  const grant = async (body: Record<string, unknown> = {}) => {
    const res = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, accessLevel: 'DiagnosticsRepair', supportCaseNumber: CASE, ...body });
    assert.equal(res.status, 201, res.text);
    return res.body as Loose;
  };
  const openSession = async () => {
    const c = await ChannelClient.connect(t.gateway.channelUrl, token, { ca: t.gateway.caCert });
    clients.push(c);
    const opened = await c.open(CASE);
    return { c, opened };
  };
  const pendingApprovals = async () => (await t.api.get(`${FEATURE}/approvals`)).body.approvals as Loose[];
  const firstPending = async () => {
    let found: Loose[] = [];
    await until(() => t.gateway.channel.approvals.pending(CLUSTER).length > 0);
    found = await pendingApprovals();
    assert.equal(found.length, 1);
    return found[0];
  };
  const decide = (id: string, body: unknown) => t.api.post(`${FEATURE}/approvals/${id}`, body);
  /** The status of vmms on a node, asked of the simulated cluster as any command would. */
  const vmmsOn = async (node: string) => {
    const result = await t.gateway.executor.run(node, { cmdlet: 'Get-Service', parameters: { Name: 'vmms' }, level: 'Diagnostics' }, { timeoutMs: 10_000 });
    return result.objects[0]?.['Status'];
  };

  before(async () => {
    clock = new FakeClock(Date.now());
    t = await startTestGateway({ clock });
    await installAgent(t);
    token = await t.gateway.identityProvider!.buildToken(undefined, 7 * 24 * 3600);
    t.gateway.events.subscribe((e) => events.push(e));
  });
  beforeEach(async () => {
    events.length = 0;
    await t.api.delete(`${FEATURE}/access`);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
  });
  after(async () => t.stop());

  it('runs an approved repair exactly as before, and the transcript records the question, the answer and who gave it', async () => {
    const { grant: g } = await grant();
    assert.equal(g.repairApproval, true, 'on by default for DiagnosticsRepair');
    const { c, opened } = await openSession();
    const running = c.run('Stop-Service -Name vmms', ['hci-n02'], 'vmms hangs after the update');

    const pending = await firstPending();
    assert.equal(pending.sessionId, opened.sessionId);
    assert.equal(pending.node, 'hci-n02');
    assert.equal(pending.cmdlet, 'Stop-Service');
    assert.deepEqual(pending.parameters, { Name: 'vmms' });
    assert.equal(pending.reason, 'vmms hangs after the update');
    assert.equal(pending.state, 'pending');
    assert.equal(Date.parse(pending.expiresAt) - Date.parse(pending.askedAt), FIVE_MINUTES);
    assert.equal(await vmmsOn('hci-n02'), 'Running', 'nothing ran while it waited');
    const asked = events.find((e) => e.type === 'repair.pending')!;
    assert.deepEqual(
      { ...(asked.data as Loose), engineer: undefined },
      { ...pending, engineer: undefined },
      'repair.pending carries the approval id, session, node, cmdlet, parameters, reason and expiresAt',
    );
    assert.ok((asked.data as Loose).engineer.name);

    const answer = await decide(pending.id, { decision: 'approve', reason: 'go ahead' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.approval.state, 'approved');
    assert.equal(answer.body.approval.decidedBy.name, 'local-admin');
    const reply = await running;
    assert.equal(reply.denied, null);
    assert.equal(reply.approvalPending?.approvalId, pending.id);
    assert.deepEqual(reply.accepted?.command, { cmdlet: 'Stop-Service', parameters: { Name: 'vmms' } });
    assert.ok(reply.outputs.every((o) => o.ok), JSON.stringify(reply.outputs));
    assert.equal(await vmmsOn('hci-n02'), 'Stopped');

    const entries = t.gateway.sessions.allEntries(opened.sessionId);
    const question = entries.findIndex((e) => e.text.startsWith(`Repair approval ${pending.id} asked`));
    const approved = entries.findIndex((e) => e.text.startsWith(`Repair approval ${pending.id} approved by local-admin`));
    const command = entries.findIndex((e) => e.kind === 'command');
    assert.ok(question >= 0 && question < approved && approved < command, entries.map((e) => e.text).join('\n---\n'));
    assert.match(entries[question]!.text, /\{"cmdlet":"Stop-Service","parameters":\{"Name":"vmms"\}\} on hci-n02 by .+; reason: vmms hangs after the update/);
    assert.match(entries[approved]!.text, /: go ahead$/);
    assert.equal(entries[question]!.node, 'hci-n02');
    assert.equal(t.gateway.sessions.verify(opened.sessionId).valid, true);
    const decided = events.find((e) => e.type === 'repair.decided')!;
    assert.equal((decided.data as Loose).state, 'approved');
    const start = c.run('Start-Service -Name vmms', ['hci-n02']);
    await decide((await firstPending()).id, { decision: 'approve' });
    await start;
    assert.equal(await vmmsOn('hci-n02'), 'Running');
  });

  it('refuses a repair the admin refuses, with the reason repair-refused and the admin\'s reason, and runs nothing', async () => {
    await grant();
    const { c, opened } = await openSession();
    const running = c.run('Restart-Service -Name ClusSvc', ['hci-n03']);
    const pending = await firstPending();
    assert.equal(pending.reason, null);
    const answer = await decide(pending.id, { decision: 'refuse', reason: 'not during month-end close' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.approval.state, 'refused');
    const reply = await running;
    assert.equal(reply.denied?.reason, 'repair-refused');
    assert.match(reply.denied!.message, /refused Restart-Service on hci-n03: not during month-end close/);
    assert.equal(reply.accepted, null);
    const entries = t.gateway.sessions.allEntries(opened.sessionId);
    assert.ok(!entries.some((e) => e.kind === 'command'), 'never written ahead, never run');
    assert.ok(entries.some((e) => e.kind === 'denied' && /-> denied \(repair-refused\): repair approval .* refused by local-admin \(local:admin\) at \S+Z: not during month-end close$/.test(e.text)), entries.map((e) => `${e.kind}: ${e.text}`).join('\n'));
  });

  it('refuses a repair nobody answers once the timeout passes on the clock, as repair-approval-timed-out', async () => {
    await grant();
    const { c, opened } = await openSession();
    const running = c.run('Restart-Service -Name vmms', ['hci-n01']);
    const pending = await firstPending();
    clock.advance(FIVE_MINUTES - 1);
    assert.equal((await pendingApprovals()).length, 1, 'still waiting a millisecond before its time');
    clock.advance(1);
    const reply = await running;
    assert.equal(reply.denied?.reason, 'repair-approval-timed-out');
    assert.deepEqual(await pendingApprovals(), []);
    assert.ok(t.gateway.sessions.allEntries(opened.sessionId).some((e) => /-> denied \(repair-approval-timed-out\): repair approval .* had no answer/.test(e.text)));
    const late = await decide(pending.id, { decision: 'approve' });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'ApprovalAlreadyDecided');
    assert.equal((events.find((e) => e.type === 'repair.decided')!.data as Loose).state, 'timed-out');
  });

  it('never holds up a Diagnostics command, even under a grant whose repairs wait', async () => {
    await grant();
    const { c } = await openSession();
    const reply = await c.run('Get-Service -Name vmms', ['hci-n02']);
    assert.equal(reply.approvalPending, null);
    assert.ok(reply.outputs.length === 1 && reply.outputs[0]!.ok);
    assert.ok(!events.some((e) => e.type === 'repair.pending'));
  });

  it('runs repairs at once under a grant made with repairApproval false, and a supersede keeps the new grant\'s rule', async () => {
    await grant();
    const { grant: g, superseded } = await grant({ repairApproval: false });
    assert.equal(superseded.repairApproval, true);
    assert.equal(g.repairApproval, false);
    const { c } = await openSession();
    const reply = await c.run('Restart-Service -Name vmms', ['hci-n04']);
    assert.equal(reply.approvalPending, null);
    assert.ok(reply.accepted);
    const again = await grant();
    assert.equal(again.grant.repairApproval, true);
    const waiting = c.run('Restart-Service -Name vmms', ['hci-n04']);
    const pending = await firstPending();
    await decide(pending.id, { decision: 'refuse' });
    assert.equal((await waiting).denied?.reason, 'repair-refused');
  });

  it('refuses repairApproval on a Diagnostics grant, naming the field, and grants nothing', async () => {
    for (const value of [true, false]) {
      const res = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, repairApproval: value });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'InvalidRepairApproval');
      assert.equal(res.body.error.field, 'repairApproval');
    }
    const wrongType = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, accessLevel: 'DiagnosticsRepair', repairApproval: 'yes' });
    assert.equal(wrongType.body.error.code, 'InvalidRepairApproval');
    assert.equal((await t.api.get(`${FEATURE}/status`)).body.activeGrant, null);
  });

  it('cancels a waiting repair on revoke, records the cancel, and refuses an answer after it', async () => {
    await grant();
    const { c, opened } = await openSession();
    const running = c.run('Restart-Service -Name vmms', ['hci-n02']);
    const pending = await firstPending();
    const revoked = await t.api.delete(`${FEATURE}/access`);
    assert.equal(revoked.status, 200);
    const reply = await running;
    assert.equal(reply.ended?.reason, 'revoked');
    const entries = t.gateway.sessions.allEntries(opened.sessionId);
    assert.ok(entries.some((e) => e.text.startsWith(`Repair approval ${pending.id} cancelled at`) && /the session ended \(revoked\)/.test(e.text)), entries.map((e) => e.text).join('\n'));
    assert.ok(!entries.some((e) => e.kind === 'command'));
    assert.deepEqual(await pendingApprovals(), []);
    const answer = await decide(pending.id, { decision: 'approve' });
    assert.equal(answer.body.error.code, 'ApprovalAlreadyDecided');
  });

  it('cancels a waiting repair when the grant expires', async () => {
    await grant({ expireInMinutes: 60 });
    // Asked two minutes before the grant ends: the grant ends before the approval's own time-out would.
    clock.advance(58 * 60_000);
    const { c, opened } = await openSession();
    const running = c.run('Restart-Service -Name vmms', ['hci-n02']);
    const pending = await firstPending();
    clock.advance(2 * 60_000);
    const reply = await running;
    assert.equal(reply.ended?.reason, 'expired');
    assert.ok(t.gateway.sessions.allEntries(opened.sessionId).some((e) => e.text.startsWith(`Repair approval ${pending.id} cancelled`)));
  });

  it('answers a second command while a repair waits with SessionBusy', async () => {
    await grant();
    const { c } = await openSession();
    const running = c.run('Restart-Service -Name vmms', ['hci-n02']);
    const pending = await firstPending();
    const second = await c.run('Get-ClusterNode');
    assert.equal(second.error?.code, 'SessionBusy');
    await decide(pending.id, { decision: 'refuse' });
    await running;
  });

  it('refuses a second answer, an unknown approval and a bad decision, changing nothing', async () => {
    await grant();
    const { c } = await openSession();
    const running = c.run('Restart-Service -Name vmms', ['hci-n02']);
    const pending = await firstPending();

    const bad = await decide(pending.id, { decision: 'maybe' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'InvalidDecision');
    assert.equal(bad.body.error.field, 'decision');
    const extra = await decide(pending.id, { decision: 'approve', by: 'someone-else' });
    assert.equal(extra.body.error.code, 'UnknownField');
    const unknown = await decide('0d7db515-bbba-4881-bf72-6201123ef67c', { decision: 'approve' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'ApprovalNotFound');
    const notAnId = await decide('not-an-id', { decision: 'approve' });
    assert.equal(notAnId.body.error.code, 'ApprovalNotFound');
    assert.equal((await pendingApprovals()).length, 1, 'still waiting after the bad answers');

    const [first, second] = await Promise.all([decide(pending.id, { decision: 'refuse' }), decide(pending.id, { decision: 'approve' })]);
    assert.equal(first.status, 200, first.text);
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'ApprovalAlreadyDecided');
    assert.equal((await running).denied?.reason, 'repair-refused', 'the first answer stands');
    const anonymous = await t.anonymous.post(`${FEATURE}/approvals/${pending.id}`, { decision: 'approve' });
    assert.equal(anonymous.status, 401, 'only a signed-in admin answers');
  });

  it('refuses to answer another cluster\'s approval as not found', async () => {
    const fake = new FakeClock();
    const approvals = new RepairApprovals(fake, 60_000);
    const recorded: string[] = [];
    const { approval } = await approvals.ask(
      { cluster: 'hci-cl02', sessionId: 's', engineer: { name: 'eng', id: null }, node: 'n1', cmdlet: 'Restart-Service', parameters: { Name: 'vmms' }, reason: null },
      async (o) => void recorded.push(o.kind),
      async () => void recorded.push('asked'),
    );
    await assert.rejects(approvals.decide(CLUSTER, approval.id, 'approve', null, 'admin'), (e: Loose) => e.code === 'ApprovalNotFound');
    assert.deepEqual(approvals.pending(CLUSTER), []);
    assert.equal(approvals.pending('hci-cl02').length, 1, 'still waiting on its own cluster');
    await approvals.decide('hci-cl02', approval.id, 'approve', null, 'admin');
    assert.deepEqual(recorded, ['asked', 'approved']);
    assert.equal(fake.pendingTimers, 0, 'the time-out is disposed once answered');
  });

  it('treats a grant whose repair approval was switched off in the database as tampered, giving no access', async () => {
    const { grant: g } = await grant();
    t.gateway.db.prepare('UPDATE grants SET repair_approval = 0 WHERE id = ?').run(g.id);
    const status = (await t.api.get(`${FEATURE}/status`)).body;
    assert.equal(status.activeGrant, null);
    assert.ok(status.tamperedGrants.some((p: string) => p.includes(g.id)));
    t.gateway.db.prepare('UPDATE grants SET repair_approval = 1 WHERE id = ?').run(g.id);
    assert.equal((await t.api.get(`${FEATURE}/status`)).body.activeGrant.id, g.id, 'restored, it verifies again');
  });

  it('refuses a run message whose reason is too long or holds control characters, before anything is asked', async () => {
    await grant();
    const { c } = await openSession();
    for (const reason of ['x'.repeat(501), 'line one\nline two', '']) {
      const reply = await c.run('Restart-Service -Name vmms', ['hci-n02'], reason);
      assert.equal(reply.error?.code, 'InvalidChannelMessage', JSON.stringify(reason.slice(0, 20)));
    }
    assert.ok(!events.some((e) => e.type === 'repair.pending'));
  });

  it('lets the CLI\'s enable set repairApproval, and refuses a value that is not true or false naming the flag', async () => {
    const rs = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli([...args, '--data-dir', t.dataDir], { stdout: (x) => (stdout += x), stderr: (x) => (stderr += x), env: {} });
      return { code, stdout, stderr };
    };
    const off = await rs('enable', '--access-level', 'DiagnosticsRepair', '--agree-to-remote-support-consent', '--support-case-number', CASE, '--repair-approval', 'false');
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /^Repair commands run without asking for approval \(--repair-approval false\)\.$/m);
    assert.equal(t.gateway.consent.active(CLUSTER)?.repairApproval, false);
    const on = await rs('enable', '--access-level', 'DiagnosticsRepair', '--agree-to-remote-support-consent', '--support-case-number', CASE);
    assert.match(on.stdout, /^Each repair command waits for your approval/m);
    assert.equal(t.gateway.consent.active(CLUSTER)?.repairApproval, true);
    const bad = await rs('enable', '--access-level', 'DiagnosticsRepair', '--agree-to-remote-support-consent', '--repair-approval', 'maybe');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error InvalidRepairApproval: --repair-approval \(repairApproval\) must be true or false/m);
    const diagnostics = await rs('enable', '--access-level', 'Diagnostics', '--agree-to-remote-support-consent', '--repair-approval', 'true');
    assert.match(diagnostics.stderr, /^error InvalidRepairApproval: /m);
    assert.equal(t.gateway.consent.active(CLUSTER)?.repairApproval, true, 'the refused ones changed nothing');
  });

  it('shows the engineer\'s console the wait and the outcome', async () => {
    await grant();
    const approving = (async () => {
      const pending = await firstPending();
      assert.equal(pending.reason, 'vmms hangs');
      await decide(pending.id, { decision: 'approve' });
      const refused = await firstPending();
      await decide(refused.id, { decision: 'refuse', reason: 'one restart is enough' });
    })();
    const run = await consoleRun(t.dataDir, ['--case', CASE, '--node', 'hci-n02', '--reason', 'vmms hangs', '--command', 'Restart-Service -Name vmms', '--command', 'Restart-Service -Name vmms'], { SUPPORT_CONSOLE_TOKEN: token });
    await approving;
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stdout, /^Waiting for approval: Restart-Service on hci-n02 waits for the cluster administrator's approval \(until \S+Z\) \[approval [0-9a-f-]{36}\]$/m);
    assert.match(run.stdout, /^Approved by the cluster administrator; the command ran\.\n=== hci-n02 ===/m);
    assert.match(run.stdout, /^Denied \(repair-refused\): The cluster administrator local-admin refused Restart-Service on hci-n02: one restart is enough$/m);
  });

  it('shows the wait in the interactive console before the answer comes, with the reason given by :reason', async () => {
    await grant();
    const stdin = new PassThrough();
    let stdout = '';
    const done = runConsole(['--case', CASE, '--data-dir', t.dataDir], { stdout: (x) => (stdout += x), stderr: () => {}, env: { SUPPORT_CONSOLE_TOKEN: token }, stdin, isTTY: false });
    stdin.write(':nodes hci-n02\n');
    stdin.write(':reason vmms hangs after the update\n');
    stdin.write('Restart-Service -Name vmms\n');
    await until(() => /^Waiting for approval: Restart-Service on hci-n02 /m.test(stdout));
    assert.doesNotMatch(stdout, /Approved|Denied/, 'the wait shows while the question is open');
    const pending = await firstPending();
    assert.equal(pending.reason, 'vmms hangs after the update');
    await decide(pending.id, { decision: 'refuse', reason: 'wait for the maintenance window' });
    await until(() => /^Denied \(repair-refused\): .*wait for the maintenance window$/m.test(stdout));
    stdin.write('Restart-Service -Name vmms\n');
    const second = await firstPending();
    assert.equal(second.reason, null, 'a reason goes with one command');
    await decide(second.id, { decision: 'refuse' });
    stdin.end();
    assert.equal(await done, 0, stdout);
  });
});
