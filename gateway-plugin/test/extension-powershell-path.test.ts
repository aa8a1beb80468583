import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChannelClient } from '../src/console/channel-client';
import { powershellRoot } from '../src/executors/powershell-files';
import { CLUSTER, FEATURE, installAgent, Loose, startTestGateway, TestGateway } from './helpers/gateway-fixture';
import { pwshJson, PWSH } from './helpers/pwsh';
import { until } from './helpers/until';

/**
 * The extension's PowerShell path below the browser: its wrapper script
 * (powershell/extension/Invoke-RemoteSupportCommand.ps1), given the cmdlet and
 * arguments as parameters the way the extension builds them
 * (src/app/core/powershell-commands.ts), running the real
 * AzStackHCI.RemoteSupport module under real pwsh against a real gateway.
 * Each answer must be the one JSON string the extension reads.
 */
const WRAPPER = join(powershellRoot(), 'extension', 'Invoke-RemoteSupportCommand.ps1');
const RUNNER = join(powershellRoot(), 'test', 'extension-stub', 'Invoke-Wrapper.ps1');
const CALLER = `${hostname()}\\${userInfo().username}`;

interface WrapperAnswer {
  ok: boolean;
  data?: Loose[];
  error?: { code: string; message: string; field?: string; allowed?: string };
}

/** Runs every call in one pwsh (the runner splats each call's parameters onto the wrapper) and parses the wrapper's one string. */
function runWrapper(t: TestGateway, calls: Array<Record<string, unknown>>): Promise<WrapperAnswer[]> {
  const input = calls.map((parameters) => JSON.stringify({ script: WRAPPER, parameters: { Cluster: CLUSTER, ...parameters } })).join('\n') + '\n';
  const env = { ...process.env, PSModulePath: join(powershellRoot(), 'module'), AZSHCI_REMOTESUPPORT_CONFIG: t.gateway.moduleConfigPath };
  return new Promise((resolve, reject) => {
    const child = spawn(PWSH, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', RUNNER], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`pwsh exited ${code}: ${stderr}`));
      const lines = stdout.split('\n').filter((l) => l.trim().startsWith('{'));
      if (lines.length !== calls.length) return reject(new Error(`expected ${calls.length} answers, got ${lines.length}: ${stdout}\n${stderr}`));
      resolve(
        lines.map((line) => {
          const run = JSON.parse(line) as { output: string[]; error?: string };
          assert.equal(run.output.length, 1, `one string per call: ${line}`);
          return JSON.parse(run.output[0]!) as WrapperAnswer;
        }),
      );
    });
    child.stdin.end(input);
  });
}

describe('the extension\'s PowerShell path: wrapper script, real module, real gateway', () => {
  let t: TestGateway;

  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
  });

  after(async () => {
    await t?.stop();
  });

  it('answers reads in the API\'s shapes, refuses every bad grant by field with nothing changed, and grants, lists and revokes as the caller', async () => {
    // Read before the calls: the install at the end changes the nodes' agent state.
    const api = (await t.api.get(`${FEATURE}/status`)).body as Loose;
    const current = ((await t.api.get(`${FEATURE}/terms`)).body as Loose).version as string;
    const stale = 'c'.repeat(64);
    assert.notEqual(current, stale);
    const [status, terms, tooShort, tooLong, unknownLevel, noConsent, badCase, staleTerms, badTerms, granted, access, revoked, started, missing] = await runWrapper(t, [
      { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportStatus' },
      { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportTerms' },
      { RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', AccessLevel: 'Diagnostics', ExpireInMinutes: 59, AgreeToRemoteSupportConsent: true },
      { RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', AccessLevel: 'Diagnostics', ExpireInMinutes: 20161, AgreeToRemoteSupportConsent: true },
      { RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', AccessLevel: 'Everything', AgreeToRemoteSupportConsent: true },
      { RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', AccessLevel: 'Diagnostics' },
      { RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: true, SupportCaseNumber: "CASE-1'; Remove-Item C:\\ -Recurse; '" },
      { RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: true, TermsVersion: stale },
      { RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: true, TermsVersion: current.toUpperCase() },
      { RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', AccessLevel: 'DiagnosticsRepair', ExpireInMinutes: 20160, AgreeToRemoteSupportConsent: true, SupportCaseNumber: 'CASE-7', TermsVersion: current },
      { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportAccess', IncludeExpired: true },
      { RemoteSupportCommand: 'Disable-AzStackHCIRemoteSupport' },
      { RemoteSupportCommand: 'Install-AzStackHCIRemoteSupport', Node: ['hci-n01'], NoWait: true },
      { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportSessionHistory', SessionId: '11111111-1111-4111-8111-111111111111' },
    ]);

    assert.equal(status!.ok, true);
    assert.deepEqual({ ...status!.data![0], now: null, dataDisk: null }, { ...api, now: null, dataDisk: null });
    assert.match(status!.data![0].now, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'times stay ISO strings');
    assert.deepEqual(terms!.data, [(await t.api.get(`${FEATURE}/terms`)).body]);

    // Refused by PowerShell before any call, naming the parameter the extension maps to the API field.
    for (const refused of [tooShort, tooLong]) assert.deepEqual([refused!.ok, refused!.error!.code, refused!.error!.field], [false, 'ParameterArgumentValidationError', 'ExpireInMinutes']);
    assert.deepEqual([unknownLevel!.error!.code, unknownLevel!.error!.field], ['ParameterArgumentValidationError', 'AccessLevel']);
    assert.deepEqual([noConsent!.error!.code, noConsent!.error!.field], ['MissingMandatoryParameter', 'AgreeToRemoteSupportConsent']);
    // Refused by the gateway: its catalog body comes through whole; the value stayed data.
    assert.equal(badCase!.ok, false);
    assert.equal(badCase!.error!.code, 'InvalidSupportCaseNumber');
    assert.equal(badCase!.error!.field, 'supportCaseNumber');
    assert.equal(badCase!.error!.allowed, '1 to 64 letters, digits or hyphens');
    // Terms that changed since they were shown: the gateway's refusal, as the HTTPS path gets it.
    assert.deepEqual(staleTerms!.error, {
      code: 'TermsVersionMismatch',
      message: 'termsVersion does not match the current terms; read the terms again (GET terms) and agree to the current version',
      field: 'termsVersion',
      allowed: current,
    });
    // Not a lowercase SHA-256: PowerShell refuses it, naming the parameter.
    assert.deepEqual([badTerms!.ok, badTerms!.error!.code, badTerms!.error!.field], [false, 'ParameterArgumentValidationError', 'TermsVersion']);

    assert.equal(granted!.ok, true, JSON.stringify(granted));
    const grant = granted!.data![0].grant;
    assert.deepEqual([grant.accessLevel, grant.expireInMinutes, grant.supportCaseNumber, grant.grantedBy], ['DiagnosticsRepair', 20160, 'CASE-7', CALLER]);
    assert.equal(access!.data!.length, 1, 'the refused grants left nothing behind');
    assert.equal(access!.data![0].id, grant.id);

    // ConfirmImpact High: the wrapper answers the confirmation itself (the admin confirmed in the extension).
    assert.equal(revoked!.data![0].revoked.id, grant.id);
    assert.equal(revoked!.data![0].revoked.endedBy, CALLER);
    assert.equal(((await t.api.get(`${FEATURE}/status`)).body as Loose).activeGrant, null);

    assert.equal(started!.data![0].kind, 'install');
    assert.deepEqual(started!.data![0].nodes.map((n: Loose) => n.node), ['hci-n01']);
    assert.deepEqual([missing!.ok, missing!.error!.code], [false, 'SessionNotFound']);
  });

  it('answers access requests, waiting repairs, the deny list and the reads of the record as the API does (issue 16)', async () => {
    const idp = t.gateway.identityProvider!;
    const engineer = t.anonymous.withHeaders({ authorization: `Bearer ${await idp.buildToken()}` });
    const support = `/api/support/clusters/${CLUSTER}/requests`;
    const ask = async (reason: string) => {
      const res = await engineer.post(support, { supportCaseNumber: 'CASE-16', accessLevel: 'DiagnosticsRepair', expireInMinutes: 240, reason });
      assert.equal(res.status, 201, res.text);
      return (res.body as Loose).request.id as string;
    };
    const first = await ask('The health service restarts on hci-n01');
    const second = await ask('Another look');
    const terms = ((await t.api.get(`${FEATURE}/terms`)).body as Loose).version as string;
    const openBefore = ((await t.api.get(`${FEATURE}/requests?open=true`)).body as Loose).requests;
    const [open, asked, denied, tooLong, noConsent, approved, one] = await runWrapper(t, [
      { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportAccessRequest', Open: true },
      { RemoteSupportCommand: 'Send-AzStackHCIRemoteSupportAccessRequestQuestion', RequestId: second, Question: "Why? '; Remove-Item C:\\ -Recurse" },
      { RemoteSupportCommand: 'Deny-AzStackHCIRemoteSupportAccessRequest', RequestId: second, Reason: 'Not this week' },
      { RemoteSupportCommand: 'Approve-AzStackHCIRemoteSupportAccessRequest', RequestId: first, AgreeToRemoteSupportConsent: true, ExpireInMinutes: 20161 },
      { RemoteSupportCommand: 'Approve-AzStackHCIRemoteSupportAccessRequest', RequestId: first },
      { RemoteSupportCommand: 'Approve-AzStackHCIRemoteSupportAccessRequest', RequestId: first, AgreeToRemoteSupportConsent: true, ExpireInMinutes: 120, TermsVersion: terms },
      { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportAccessRequest', RequestId: first },
    ]);
    assert.deepEqual(open!.data, openBefore, 'the list is the first call of the run: nothing had changed yet');
    assert.deepEqual(open!.data!.map((r) => r.id), [second, first], 'newest first');
    assert.equal(asked!.data![0].messages[0].text, "Why? '; Remove-Item C:\\ -Recurse", 'the question stayed text');
    assert.equal(denied!.data![0].state, 'denied');
    assert.equal(denied!.data![0].answeredBy, CALLER);
    assert.deepEqual([tooLong!.ok, tooLong!.error!.code, tooLong!.error!.field], [false, 'ParameterArgumentValidationError', 'ExpireInMinutes']);
    assert.deepEqual([noConsent!.ok, noConsent!.error!.code, noConsent!.error!.field], [false, 'MissingMandatoryParameter', 'AgreeToRemoteSupportConsent']);
    assert.equal(approved!.ok, true, JSON.stringify(approved));
    assert.deepEqual([approved!.data![0].grant.expireInMinutes, approved!.data![0].grant.grantedBy, approved!.data![0].request.state], [120, CALLER, 'approved']);
    assert.deepEqual(one!.data, [((await t.api.get(`${FEATURE}/requests/${first}`)).body as Loose).request]);

    // A repair waits; the wrapper lists it, approves it; the deny list set with rules as objects (as the extension sends them) refuses the next.
    const channel = await ChannelClient.connect(t.gateway.channelUrl, await idp.buildToken(), { ca: t.gateway.caCert });
    try {
      const { sessionId } = await channel.open('CASE-16');
      const running = channel.run('Restart-Service -Name vmms', ['hci-n02'], 'vmms hangs');
      await until(() => t.gateway.channel.approvals.pending(CLUSTER).length === 1);
      const [listed] = await runWrapper(t, [{ RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportRepairApproval' }]);
      assert.deepEqual(listed!.data, ((await t.api.get(`${FEATURE}/approvals`)).body as Loose).approvals);
      const [yes] = await runWrapper(t, [{ RemoteSupportCommand: 'Approve-AzStackHCIRemoteSupportRepair', ApprovalId: listed!.data![0].id, Reason: 'go ahead' }]);
      assert.deepEqual([yes!.data![0].state, yes!.data![0].decidedBy.name], ['approved', CALLER]);
      assert.equal((await running).denied ?? null, null, 'the approved repair ran');

      const rules = [{ cmdlet: 'Restart-Service', parameters: { Name: ['ClusSvc'] }, nodes: ['hci-n01'], reason: 'Never restart the cluster service on hci-n01' }];
      const before = ((await t.api.get(`${FEATURE}/deny-list`)).body as Loose).version as number;
      const [saved, bad, stale, shown] = await runWrapper(t, [
        { RemoteSupportCommand: 'Set-AzStackHCIRemoteSupportDenyList', Rule: rules, ExpectedVersion: before },
        { RemoteSupportCommand: 'Set-AzStackHCIRemoteSupportDenyList', Rule: [{ cmdlet: 'Format-Volume', reason: 'x' }] },
        { RemoteSupportCommand: 'Set-AzStackHCIRemoteSupportDenyList', Rule: [], ExpectedVersion: before },
        { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportDenyList' },
      ]);
      assert.deepEqual([stale!.ok, stale!.error!.code, stale!.error!.field], [false, 'DenyListChanged', 'expectedVersion'], 'a save on a list read before the last one is refused');
      assert.equal(saved!.ok, true, JSON.stringify(saved));
      assert.deepEqual(saved!.data![0].rules, rules);
      assert.equal(saved!.data![0].updatedBy, CALLER);
      assert.deepEqual([bad!.ok, bad!.error!.code], [false, 'InvalidDenyRule']);
      assert.deepEqual(shown!.data, [(await t.api.get(`${FEATURE}/deny-list`)).body]);
      assert.equal((await channel.run('Restart-Service -Name ClusSvc', ['hci-n01'])).denied?.reason, 'deny-list');
      const [cleared] = await runWrapper(t, [{ RemoteSupportCommand: 'Set-AzStackHCIRemoteSupportDenyList', Rule: [] }]);
      assert.deepEqual(cleared!.data![0].rules, [], 'an empty list clears it');

      await t.api.get(`${FEATURE}/sessions/${sessionId}/verify`);
      const [reads] = await runWrapper(t, [{ RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportRecordRead', SessionId: sessionId }]);
      assert.deepEqual(reads!.data, ((await t.api.get(`${FEATURE}/audit/reads?sessionId=${sessionId}`)).body as Loose).reads);
      assert.ok(reads!.data!.some((r) => r.action === 'verified'));
    } finally {
      await channel.close();
      await t.api.delete(`${FEATURE}/access`);
    }
  });

  it('uses no PowerShell-7-only syntax: the wrapper runs on the nodes\' Windows PowerShell 5.1', async () => {
    const checker = join(powershellRoot(), 'test', 'Test-WindowsPowerShellSyntax.ps1');
    const reports = await pwshJson<Array<{ path: string; problems: unknown[] }> | { path: string; problems: unknown[] }>(checker, { files: [WRAPPER] });
    const [report] = Array.isArray(reports) ? reports : [reports];
    assert.equal(report!.path, WRAPPER);
    assert.deepEqual(report!.problems, []);
  });
});
