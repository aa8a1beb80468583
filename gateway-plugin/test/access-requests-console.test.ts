import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONSOLE_EXIT } from '../src/console/console-exit';
import { FEATURE, installAgent, startTestGateway, TestGateway } from './helpers/gateway-fixture';
import { consoleRun } from './helpers/console-run';

const CASE = 'CASE-4242';

/** The support console asks for access and learns the answer by itself (issue 16). */
describe('support-console access requests', () => {
  let t: TestGateway;
  const open = async () => (await t.api.get(`${FEATURE}/requests?open=true`)).body.requests as { id: string; state: string; reason: string; accessLevel: string; expireInMinutes: number; nodes: string[] | null }[];
  /** The request the console made, once it is there; fails at once if the console ended without making one. */
  const madeBy = async (run: Promise<{ code: number; stdout: string; stderr: string }>) => {
    let ended: { code: number; stdout: string; stderr: string } | null = null;
    void run.then((r) => (ended = r));
    for (;;) {
      const [request] = await open();
      if (request) return request;
      if (ended) assert.fail(`the console ended without a request: ${JSON.stringify(ended)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** The console as the engineer runs it, signing in through the data directory's local identity provider. */
  const console = (...args: string[]) => consoleRun(t.dataDir, args);

  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
  });
  after(async () => t.stop());

  it('asks for access, waits, and reports the approval, with what was approved', async () => {
    const run = console('--request-access', '--case', CASE, '--level', 'DiagnosticsRepair', '--minutes', '240', '--node', 'hci-n02', '--reason', 'Restart the health service on hci-n02');
    const request = await madeBy(run);
    assert.equal(request.accessLevel, 'DiagnosticsRepair');
    assert.equal(request.expireInMinutes, 240);
    assert.deepEqual(request.nodes, ['hci-n02']);
    assert.equal(request.reason, 'Restart the health service on hci-n02');
    const approved = await t.api.post(`${FEATURE}/requests/${request.id}/approve`, { agreeToRemoteSupportConsent: true, accessLevel: 'Diagnostics', expireInMinutes: 60 });
    assert.equal(approved.status, 200, approved.text);

    const done = await run;
    assert.equal(done.code, CONSOLE_EXIT.ok, done.stderr);
    assert.match(done.stdout, new RegExp(`Asked for DiagnosticsRepair access for 240 minutes on case ${CASE}: request ${request.id}\\.`));
    assert.match(done.stdout, /Waiting for the administrator's answer/);
    assert.match(done.stdout, /Approved: Diagnostics for 60 minutes\./);
    // Now the session opens as usual.
    const session = await console('--case', CASE, '--command', 'Get-ClusterNode', '--direct');
    assert.equal(session.code, CONSOLE_EXIT.ok, session.stderr);
    await t.api.delete(`${FEATURE}/access`);
  });

  it('shows the administrator\'s question, sends the answer, and exits 1 with the reason when denied', async () => {
    const run = console('--request-access', '--case', CASE, '--level', 'Diagnostics', '--reason', 'Read the cluster log', '--json');
    const request = await madeBy(run);
    await t.api.post(`${FEATURE}/requests/${request.id}/ask`, { question: 'Which time window?' });
    const asked = await run;
    assert.equal(asked.code, CONSOLE_EXIT.sessionEnded, asked.stderr);
    assert.equal(JSON.parse(asked.stdout).request.state, 'info-requested');

    const answering = console('--request-id', request.id, '--answer', 'Last night, 01:00 to 03:00 UTC.');
    while ((await t.api.get(`${FEATURE}/requests/${request.id}`)).body.request.state !== 'pending') await new Promise((r) => setTimeout(r, 20));
    await t.api.post(`${FEATURE}/requests/${request.id}/deny`, { reason: 'Use the logs we sent instead.' });
    const denied = await answering;
    assert.equal(denied.code, CONSOLE_EXIT.failed, denied.stderr);
    assert.match(denied.stdout, /Answer sent; request .* waits for the administrator again\./);
    assert.match(denied.stdout, /Denied: Use the logs we sent instead\./);
  });

  it('refuses request flags that make no sense, before any call, naming the flag', async () => {
    for (const [args, flag] of [
      [['--request-access', '--case', CASE, '--reason', 'x'], '--level'],
      [['--request-access', '--case', CASE, '--level', 'Admin', '--reason', 'x'], '--level'],
      [['--request-access', '--case', CASE, '--level', 'Diagnostics'], '--reason'],
      [['--request-access', '--case', CASE, '--level', 'Diagnostics', '--reason', 'x', '--minutes', '30'], '--minutes'],
      [['--request-more-time', 'lots', '--case', CASE, '--reason', 'x'], '--request-more-time'],
      [['--answer', 'yes'], '--request-id'],
      [['--case', CASE, '--reason', 'why'], '--reason'],
      [['--request-access', '--request-more-time', '60', '--case', CASE, '--level', 'Diagnostics', '--reason', 'x'], '--request-more-time'],
      [['--request-access', '--case', CASE, '--level', 'Diagnostics', '--reason', 'x', '--command', 'Get-ClusterNode'], '--command'],
    ] as const) {
      const run = await console(...args, '--json');
      assert.equal(run.code, CONSOLE_EXIT.usage, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.equal(JSON.parse(run.stdout).error.field, flag, args.join(' '));
    }
    assert.equal((await open()).length, 0, 'nothing was asked');
  });

  it('says a request goes to the gateway itself when the gateway cannot be reached', async () => {
    const run = await console('--request-access', '--case', CASE, '--level', 'Diagnostics', '--reason', 'x', '--gateway', 'wss://127.0.0.1:9/api/channel/hci-cl01.contoso.local', '--token', 'engineer-token');
    assert.equal(run.code, CONSOLE_EXIT.failed);
    assert.match(run.stderr, /GatewayUnreachable/);
    assert.match(run.stderr, /Access requests go to the gateway itself over HTTPS, not through the relay/);
  });

  it('sends a request for more time that the admin approves, lengthening the grant', async () => {
    await t.api.post(`${FEATURE}/access`, { accessLevel: 'Diagnostics', expireInMinutes: 60, agreeToRemoteSupportConsent: true, supportCaseNumber: CASE });
    const before = (await t.api.get(`${FEATURE}/status`)).body.activeGrant;
    const run = console('--request-more-time', '120', '--case', CASE, '--reason', 'The repair needs longer', '--no-wait');
    const done = await run;
    assert.equal(done.code, CONSOLE_EXIT.ok, done.stderr);
    const [request] = await open();
    assert.ok(request);
    assert.equal((await t.api.post(`${FEATURE}/requests/${request.id}/approve`, { agreeToRemoteSupportConsent: true })).status, 200);
    const after = (await t.api.get(`${FEATURE}/status`)).body.activeGrant;
    assert.ok(Date.parse(after.expiresAt) - Date.parse(before.expiresAt) >= 119 * 60_000);
    assert.equal(after.accessLevel, 'Diagnostics', "an extension keeps the grant's level");
    await t.api.delete(`${FEATURE}/access`);
  });
});
