import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChannelClient } from '../src/console/channel-client';
import { acquireToken } from '../src/console/token-source';
import type { AdjustableClock } from '../src/domain/clock';
import { TERMS_VERSION } from '../src/domain/terms';
import { powershellRoot } from '../src/executors/powershell-files';
import { CLUSTER, FEATURE, Loose, startTestGateway, tempDir, TestGateway } from './helpers/gateway-fixture';
import { CaseAnswer, MODULE_PATH, ModuleRunner } from './helpers/module-runner';
import { pwshJson } from './helpers/pwsh';
import { until } from './helpers/until';

/**
 * The AzStackHCI.RemoteSupport module under real pwsh against a real gateway
 * (test mode, TLS on loopback, SQLite in a temp dir), configured by the
 * module-config.json the gateway writes. One pwsh runs every case, so the
 * gateway's state is checked through the API between cmdlet calls.
 */

const CASE = '2612030010001234';
/** How long a simulated install step takes on the gateway's test clock, which the test moves. */
const STEP_MS = 60_000;
/** Who the module says is calling off Windows: `<host>\<user>`. */
const CALLER = `${hostname()}\\${userInfo().username}`;

const EXPORTED = [
  'Get-AzStackHCIRemoteSupportStatus', 'Test-AzStackHCIRemoteSupportPrerequisite', 'Get-AzStackHCIRemoteSupportTerms',
  'Get-AzStackHCIRemoteSupportCommand', 'Install-AzStackHCIRemoteSupport', 'Remove-AzStackHCIRemoteSupport',
  'Get-AzStackHCIRemoteSupportOperation', 'Enable-AzStackHCIRemoteSupport', 'Disable-AzStackHCIRemoteSupport',
  'Get-AzStackHCIRemoteSupportAccess', 'Get-AzStackHCIRemoteSupportSessionHistory', 'Stop-AzStackHCIRemoteSupportSession',
  'Test-AzStackHCIRemoteSupportTranscript', 'Export-AzStackHCIRemoteSupportTranscript', 'Search-AzStackHCIRemoteSupportTranscript',
  'Set-AzStackHCIRemoteSupportGateway', 'Get-AzStackHCIRemoteSupportAccessRequest', 'Approve-AzStackHCIRemoteSupportAccessRequest',
  'Deny-AzStackHCIRemoteSupportAccessRequest', 'Send-AzStackHCIRemoteSupportAccessRequestQuestion',
  'Get-AzStackHCIRemoteSupportRepairApproval', 'Approve-AzStackHCIRemoteSupportRepair', 'Deny-AzStackHCIRemoteSupportRepair',
  'Get-AzStackHCIRemoteSupportDenyList', 'Set-AzStackHCIRemoteSupportDenyList', 'Get-AzStackHCIRemoteSupportRecordRead',
];

/** Every grant the gateway holds, ended ones included: what a refused call must leave as it was. */
async function grantState(t: TestGateway): Promise<Loose[]> {
  const res = await t.api.get(`${FEATURE}/access?includeExpired=true`);
  assert.equal(res.status, 200, res.text);
  return (res.body.grants as Loose[]).map(({ secondsLeft: _ignored, ...rest }) => rest);
}

/** Leaves out what changes from one second to the next. */
const withoutClock = (grant: Loose) => {
  const { secondsLeft: _ignored, ...rest } = grant;
  return rest;
};

describe('the AzStackHCI.RemoteSupport module under real pwsh', () => {
  let t: TestGateway;
  let ps: ModuleRunner;
  let scratch: { path: string; remove: () => void };
  let engineerToken: string;
  /** How many times the module has read an agent operation. */
  let polls = 0;

  /**
   * Runs an agent install or removal, moving the test clock on by one step
   * each time the module has read the operation, so the module sees every
   * step, however slow the machine.
   */
  async function stepByStep(run: Promise<CaseAnswer>): Promise<CaseAnswer> {
    let answered = false;
    const answer = run.finally(() => (answered = true));
    while (!answered) {
      const seen = polls;
      await until(() => polls > seen || answered);
      (t.gateway.clock as AdjustableClock).advance(STEP_MS);
    }
    return answer;
  }

  before(async () => {
    t = await startTestGateway({ config: { mode: 'test', cluster: { stepDelayMs: STEP_MS } } });
    // Counts the API's reads of an operation (GET agent/operations/{id}), which only the module makes here.
    const desk = t.gateway.desk;
    const read = desk.operation.bind(desk);
    desk.operation = (id: string) => {
      polls++;
      return read(id);
    };
    scratch = tempDir('rs-module-');
    ps = await ModuleRunner.start({ ...process.env, AZSHCI_REMOTESUPPORT_CONFIG: t.gateway.moduleConfigPath });
    const reg = t.gateway.identityProvider!.registration;
    engineerToken = await acquireToken({ kind: 'client-credentials', authority: reg.authority, clientId: reg.clientId, clientSecret: reg.clientSecret, scope: reg.scope, ca: t.gateway.caCert });
  });
  after(async () => {
    await ps?.close();
    await t?.stop();
    scratch?.remove();
  });

  it('exports the reference cmdlets and the extras, each with help that has examples', async () => {
    const manifest = readFileSync(join(MODULE_PATH, 'AzStackHCI.RemoteSupport.psd1'), 'utf8');
    for (const name of EXPORTED) assert.match(manifest, new RegExp(`'${name}'`), `${name} is in FunctionsToExport`);
    for (const name of EXPORTED) {
      const help = await ps.ok({ command: name, help: true });
      assert.ok(help.examples!.length >= 1, `${name} has an example`);
      assert.ok(help.examples!.every((e) => e.code.includes('AzStackHCIRemoteSupport') && e.remarks.length > 10), `${name}'s examples have code and words`);
      assert.ok(help.synopsis!.length > 10, `${name} has a synopsis`);
    }
    const enable = await ps.ok({ command: 'Enable-AzStackHCIRemoteSupport', help: true });
    assert.match(enable.text!, /EXAMPLE 1/);
    assert.match(enable.text!, /Enable-AzStackHCIRemoteSupport -AccessLevel Diagnostics -ExpireInMinutes 1440 -AgreeToRemoteSupportConsent/);
    assert.match(enable.text!, /one day/);
    assert.match(enable.parameters!.find((p) => p.name === 'ExpireInMinutes')!.description, /60 .*20160/);
    assert.match(enable.parameters!.find((p) => p.name === 'TermsVersion')!.description, /Get-AzStackHCIRemoteSupportTerms.*TermsVersionMismatch/s);
    assert.match(enable.text!, /-TermsVersion \$terms\.version/);
  });

  it('reads the status, terms, commands and prerequisites exactly as the API answers them', async () => {
    const status = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportStatus' });
    const api = (await t.api.get(`${FEATURE}/status`)).body;
    assert.deepEqual(status.typeNames, ['AzStackHCI.RemoteSupport.ClusterStatus']);
    // The clock and the free disk space move between the two calls.
    assert.deepEqual({ ...status.output[0], now: null, dataDisk: null }, { ...api, now: null, dataDisk: null });
    assert.equal(status.output[0].dataDisk.state, api.dataDisk.state);
    assert.match(status.output[0].now, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'times stay ISO strings');

    const terms = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportTerms' });
    assert.deepEqual(terms.output[0], (await t.api.get(`${FEATURE}/terms`)).body);

    const commands = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportCommand', parameters: { AccessLevel: 'diagnostics' }, view: 'table' });
    assert.deepEqual(commands.output, (await t.api.get(`${FEATURE}/commands?accessLevel=Diagnostics`)).body.levels);
    assert.match(commands.text!, /AccessLevel\s+Count\s+Commands/);
    assert.match(commands.text!, /Diagnostics\s+\d+\s+Get-AzureStackHCI, Get-Cluster,/);

    const prerequisites = await ps.ok({ command: 'Test-AzStackHCIRemoteSupportPrerequisite' });
    assert.deepEqual(prerequisites.output[0], (await t.api.get(`${FEATURE}/prerequisites`)).body);
  });

  let operationId: string;

  it('installs the agent with per-node progress and returns the finished operation, started by the caller', async () => {
    const install = await stepByStep(ps.ok({ command: 'Install-AzStackHCIRemoteSupport', view: 'table' }));
    const operation = install.output[0];
    assert.equal(operation.status, 'succeeded');
    assert.equal(operation.startedBy, CALLER);
    assert.deepEqual(install.typeNames, ['AzStackHCI.RemoteSupport.AgentOperation']);
    operationId = operation.id;

    const nodes = ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04'];
    const perNode = install.progress.filter((p) => p.parentId === 1 && !p.completed);
    assert.deepEqual([...new Set(perNode.map((p) => p.activity))].sort(), nodes, 'one progress bar per node');
    for (const node of nodes) {
      const shown = perNode.filter((p) => p.activity === node).map((p) => p.status);
      for (const done of [0, 1, 2, 3, 4]) {
        assert.ok(shown.some((s) => new RegExp(`^running: .+ \\(${done} of 5 steps\\)$`).test(s)), `${node}: every step is shown while it runs: ${shown.join(' | ')}`);
      }
      assert.ok(shown.some((s) => /^running: Installing the AzStackHCI\.RemoteSupport module and its gateway configuration \(2 of 5 steps\)$/.test(s)), `${node}: the module step is shown`);
      assert.equal(shown[shown.length - 1], 'succeeded (5 of 5 steps)');
    }
    assert.ok(perNode.some((p) => p.percent > 0 && p.percent < 100), 'progress moves between 0 and 100');
    assert.ok(install.progress.some((p) => p.id === 1 && p.activity === 'Installing the remote support agent on hci-cl01.contoso.local'));
    assert.ok(install.progress.filter((p) => p.completed).length >= nodes.length + 1, 'every bar is completed at the end');

    assert.match(install.text!, /Kind\s+Status\s+StartedAt\s+FinishedAt\s+StartedBy\s+Nodes/);
    assert.match(install.text!, new RegExp(`install\\s+succeeded\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+${CALLER.replace(/\\/g, '\\\\')}\\s+hci-n01 succeeded`));

    const again = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportOperation', parameters: { OperationId: operationId } });
    assert.deepEqual(again.output[0], (await t.api.get(`${FEATURE}/agent/operations/${operationId}`)).body.operation);
  });

  it('refuses every out-of-range or missing value before any call, and the grants stay as they were', async () => {
    const before = await grantState(t);
    const refusals: [Record<string, unknown>, string, string | null][] = [
      [{ AccessLevel: 'Diagnostics', ExpireInMinutes: 59, AgreeToRemoteSupportConsent: true }, 'ParameterArgumentValidationError', 'ExpireInMinutes'],
      [{ AccessLevel: 'Diagnostics', ExpireInMinutes: 20161, AgreeToRemoteSupportConsent: true }, 'ParameterArgumentValidationError', 'ExpireInMinutes'],
      [{ AccessLevel: 'Everything', AgreeToRemoteSupportConsent: true }, 'ParameterArgumentValidationError', 'AccessLevel'],
      [{ AccessLevel: 'Diagnostics' }, 'MissingMandatoryParameter', 'AgreeToRemoteSupportConsent'],
      [{ AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: false }, 'ConsentRequired', 'agreeToRemoteSupportConsent'],
      // The terms version is a lowercase hex SHA-256, nothing else: not short, not upper case, no trailing newline.
      [{ AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: true, TermsVersion: 'a'.repeat(63) }, 'ParameterArgumentValidationError', 'TermsVersion'],
      [{ AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: true, TermsVersion: 'A'.repeat(64) }, 'ParameterArgumentValidationError', 'TermsVersion'],
      [{ AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: true, TermsVersion: `${'a'.repeat(64)}\n` }, 'ParameterArgumentValidationError', 'TermsVersion'],
      [{ AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: true, TermsVersion: 'latest' }, 'ParameterArgumentValidationError', 'TermsVersion'],
    ];
    for (const [parameters, code, named] of refusals) {
      const error = await ps.fails({ command: 'Enable-AzStackHCIRemoteSupport', parameters });
      assert.equal(error.fqid, `${code},Enable-AzStackHCIRemoteSupport`, JSON.stringify(parameters));
      if (named) assert.match(`${error.message} ${error.targetName}`, new RegExp(named), `the error names ${named}`);
      assert.deepEqual(await grantState(t), before, `nothing changed after ${JSON.stringify(parameters)}`);
    }
    const consent = await ps.fails({ command: 'Enable-AzStackHCIRemoteSupport', parameters: { AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: false } });
    assert.deepEqual(consent.data, { code: 'ConsentRequired', message: consent.details, field: 'agreeToRemoteSupportConsent', allowed: 'true' });
    assert.match(consent.details!, /Get-AzStackHCIRemoteSupportTerms/);
  });

  it('passes the gateway\'s refusals on with the catalog code, the field and the catalog body, and nothing changes', async () => {
    const before = await grantState(t);
    const error = await ps.fails({ command: 'Enable-AzStackHCIRemoteSupport', parameters: { AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: true, SupportCaseNumber: 'case #1; drop' } });
    assert.equal(error.fqid, 'InvalidSupportCaseNumber,Enable-AzStackHCIRemoteSupport');
    assert.equal(error.targetName, 'supportCaseNumber');
    assert.equal(error.category, 'InvalidArgument');
    assert.equal(error.data!.code, 'InvalidSupportCaseNumber');
    assert.equal(error.data!.field, 'supportCaseNumber');
    assert.equal(error.details, error.data!.message);
    assert.match(error.details!, /supportCaseNumber must be/);
    assert.deepEqual(await grantState(t), before);

    // Terms that changed since they were read: refused in the same step as the grant, nothing granted.
    const current = (await t.api.get(`${FEATURE}/terms`)).body.version as string;
    const stale = await ps.fails({ command: 'Enable-AzStackHCIRemoteSupport', parameters: { AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: true, TermsVersion: 'c'.repeat(64) } });
    assert.equal(stale.fqid, 'TermsVersionMismatch,Enable-AzStackHCIRemoteSupport');
    assert.equal(stale.targetName, 'termsVersion');
    assert.deepEqual(stale.data, {
      code: 'TermsVersionMismatch',
      message: 'termsVersion does not match the current terms; read the terms again (GET terms) and agree to the current version',
      field: 'termsVersion',
      allowed: current,
    });
    assert.deepEqual(await grantState(t), before, 'a stale terms version grants nothing');

    const node = await ps.fails({ command: 'Install-AzStackHCIRemoteSupport', parameters: { Node: ['hci-n99'] } });
    assert.equal(node.fqid, 'InvalidNodeName,Install-AzStackHCIRemoteSupport');
    const session = await ps.fails({ command: 'Test-AzStackHCIRemoteSupportTranscript', parameters: { SessionId: '../../access' } });
    assert.equal(session.fqid, 'InvalidSessionId,Test-AzStackHCIRemoteSupportTranscript', 'the id is escaped into the path, not followed');
  });

  let grantId: string;

  it('grants at 60, 480 (the default) and 20160 minutes, with or without the current -TermsVersion, recording the caller as grantedBy', async () => {
    const current = (await t.api.get(`${FEATURE}/terms`)).body.version as string;
    for (const [parameters, minutes] of [
      [{ AccessLevel: 'Diagnostics', ExpireInMinutes: 60 }, 60],
      [{ AccessLevel: 'diagnosticsrepair', TermsVersion: current }, 480],
      [{ AccessLevel: 'Diagnostics', ExpireInMinutes: 20160, SupportCaseNumber: CASE }, 20160],
    ] as const) {
      const grant = await ps.ok({ command: 'Enable-AzStackHCIRemoteSupport', parameters: { ...parameters, AgreeToRemoteSupportConsent: true }, view: 'table' });
      const result = grant.output[0];
      assert.deepEqual(grant.typeNames, ['AzStackHCI.RemoteSupport.GrantResult']);
      assert.equal(result.grant.expireInMinutes, minutes);
      assert.equal(result.grant.grantedBy, CALLER);
      assert.equal(result.grant.state, 'active');
      assert.equal(result.grant.termsVersion, current, 'left out, the current terms are agreed to');
      assert.match(grant.text!, /Id\s+AccessLevel\s+ExpiresAt\s+GrantedBy\s+SupportCase\s+Superseded/);
      grantId = result.grant.id;
    }
    const active = (await t.api.get(`${FEATURE}/access`)).body.grants;
    assert.equal(active.length, 1);
    assert.equal(active[0].id, grantId);
    assert.equal(active[0].accessLevel, 'Diagnostics');
    assert.equal(active[0].supportCaseNumber, CASE);
  });

  it('lists the grants as the API does, and shows them in a readable table', async () => {
    const listed = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportAccess', parameters: { IncludeExpired: true }, view: 'table' });
    const api = (await t.api.get(`${FEATURE}/access?includeExpired=true`)).body.grants;
    assert.deepEqual(listed.output.map(withoutClock), api.map(withoutClock));
    assert.ok(listed.typeNames.every((n) => n === 'AzStackHCI.RemoteSupport.Grant'));
    assert.match(listed.text!, /State\s+AccessLevel\s+GrantedAt\s+ExpiresAt\s+GrantedBy\s+SupportCase\s+EndedBy\s+Id/);
    assert.match(listed.text!, new RegExp(`active\\s+Diagnostics\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+${CALLER.replace(/\\/g, '\\\\')}\\s+${CASE}\\s+${grantId}`));
    assert.match(listed.text!, /superseded\s+DiagnosticsRepair/);

    const current = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportAccess' });
    assert.deepEqual(current.output.map((g) => g.id), [grantId]);
  });

  let sessionId: string;

  it('reads sessions, transcripts, verification, export and search of a real support session', async () => {
    const engineer = await ChannelClient.connect(t.gateway.channelUrl, engineerToken, { ca: t.gateway.caCert });
    const opened = await engineer.open(CASE);
    sessionId = opened.sessionId;
    for (let i = 0; i < 3; i++) await engineer.run('Get-ClusterNode');
    await engineer.run('Remove-Item C:\\Windows -Recurse');

    const history = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportSessionHistory', parameters: { FromDate: '2020-01-01' }, view: 'table' });
    const apiHistory = (await t.api.get(`${FEATURE}/sessions?fromDate=2020-01-01T00:00:00.000Z`)).body.sessions;
    assert.deepEqual(history.output, apiHistory);
    assert.deepEqual(history.typeNames, ['AzStackHCI.RemoteSupport.Session']);
    assert.match(history.text!, /Id\s+Engineer\s+SupportCase\s+AccessLevel\s+StartedAt\s+EndedAt\s+EndReason\s+Commands/);
    assert.match(history.text!, new RegExp(`${sessionId}\\s+\\S+\\s+${CASE}\\s+Diagnostics`));

    const one = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportSessionHistory', parameters: { SessionId: sessionId } });
    assert.deepEqual(one.output, [(await t.api.get(`${FEATURE}/sessions/${sessionId}`)).body.session]);

    const detail = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportSessionHistory', parameters: { SessionId: sessionId, IncludeSessionTranscript: true } });
    const page = (await t.api.get(`${FEATURE}/sessions/${sessionId}?includeTranscript=true&limit=1000`)).body;
    assert.deepEqual(detail.typeNames, ['AzStackHCI.RemoteSupport.SessionDetail']);
    assert.deepEqual(detail.output[0].session, page.session);
    assert.deepEqual(detail.output[0].transcript, { offset: 0, limit: page.transcript.total, total: page.transcript.total, entries: page.transcript.entries });
    assert.ok(page.transcript.total >= 8, `commands, outputs and the refused line are all there: ${JSON.stringify(page.transcript.entries.map((e: Loose) => e.kind + ' ' + e.text.slice(0, 60)))}`);
    assert.ok(page.transcript.entries.some((e: Loose) => /Remove-Item/.test(e.text)));

    const verify = await ps.ok({ command: 'Test-AzStackHCIRemoteSupportTranscript', parameters: { SessionId: sessionId }, view: 'table' });
    assert.deepEqual(verify.output[0], (await t.api.get(`${FEATURE}/sessions/${sessionId}/verify`)).body.verification);
    assert.equal(verify.output[0].valid, true);
    assert.match(verify.text!, /Valid\s+Entries\s+Chain\s+FirstBadSeq\s+Problem/);
    assert.match(verify.text!, /True\s+\d+\s+keyed/);

    const text = await ps.ok({ command: 'Export-AzStackHCIRemoteSupportTranscript', parameters: { SessionId: sessionId, Format: 'text' } });
    const exportedAt = /^Exported: .*$/m;
    assert.equal(text.output[0].replace(exportedAt, ''), (await t.api.get(`${FEATURE}/sessions/${sessionId}/export?format=text`)).text.replace(exportedAt, ''));
    assert.match(text.output[0], /Remove-Item C:\\Windows -Recurse/);
    const file = join(scratch.path, 'session.json');
    const saved = await ps.ok({ command: 'Export-AzStackHCIRemoteSupportTranscript', parameters: { SessionId: sessionId, Path: file } });
    assert.deepEqual(saved.typeNames, ['System.IO.FileInfo']);
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(exported.format, 'remote-support-transcript/1');
    assert.equal(exported.session.id, sessionId);
    assert.equal(exported.entries.length, page.transcript.total);

    const search = await ps.ok({ command: 'Search-AzStackHCIRemoteSupportTranscript', parameters: { Query: 'Remove-Item', Limit: 5 }, view: 'table' });
    const apiSearch = (await t.api.get(`${FEATURE}/transcripts/search?q=Remove-Item&limit=5`)).body.hits;
    assert.deepEqual(search.output, apiSearch);
    assert.ok(search.output.length >= 1 && search.output.every((h: Loose) => h.sessionId === sessionId));
    assert.match(search.text!, /At\s+SessionId\s+Engineer\s+Node\s+Kind\s+Snippet/);

    // The audit of the audit: the reads above, in the caller's name, as the API lists them.
    const reads = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportRecordRead', parameters: { SessionId: sessionId } });
    assert.deepEqual([...new Set(reads.typeNames)], ['AzStackHCI.RemoteSupport.RecordRead']);
    assert.deepEqual(reads.output, (await t.api.get(`${FEATURE}/audit/reads?sessionId=${sessionId}&limit=500`)).body.reads);
    const mine = reads.output.filter((r: Loose) => r.by === CALLER);
    assert.deepEqual(new Set(mine.map((r: Loose) => r.action)), new Set(['viewed', 'verified', 'exported']), JSON.stringify(reads.output));
    assert.ok(reads.output.every((r: Loose) => r.intact === true && r.sessionId === sessionId));

    // -WhatIf ends nothing; then the session is ended by the caller.
    await ps.ok({ command: 'Stop-AzStackHCIRemoteSupportSession', parameters: { SessionId: sessionId, WhatIf: true } });
    assert.equal((await t.api.get(`${FEATURE}/sessions/${sessionId}`)).body.session.endedAt, null, '-WhatIf left the session live');
    const stopped = await ps.ok({ command: 'Stop-AzStackHCIRemoteSupportSession', parameters: { SessionId: sessionId, Confirm: false } });
    assert.equal(stopped.output[0].session.endReason, 'ended-by-admin');
    assert.equal((await t.api.get(`${FEATURE}/sessions/${sessionId}`)).body.session.endReason, 'ended-by-admin');
    await engineer.close();
  });

  it('changes nothing with -WhatIf, then revokes with the caller recorded as endedBy', async () => {
    const before = await grantState(t);
    const whatIf = await ps.ok({ command: 'Disable-AzStackHCIRemoteSupport', parameters: { WhatIf: true } });
    assert.equal(whatIf.count, 0);
    assert.match(whatIf.host, /What if: Performing the operation "Revoke remote support access and end every live session" on target "hci-cl01\.contoso\.local"/);
    assert.deepEqual(await grantState(t), before, 'Disable -WhatIf revoked nothing');
    // High impact: with no one to answer the prompt (a non-interactive host, as WAC's channel is), nothing happens without -Confirm:$false.
    const unconfirmed = await ps.fails({ command: 'Disable-AzStackHCIRemoteSupport' });
    assert.match(unconfirmed.message, /NonInteractive/);
    assert.deepEqual(await grantState(t), before, 'an unanswered confirmation revoked nothing');
    const removeWhatIf = await ps.ok({ command: 'Remove-AzStackHCIRemoteSupport', parameters: { WhatIf: true } });
    assert.equal(removeWhatIf.count, 0);
    const status = (await t.api.get(`${FEATURE}/status`)).body;
    assert.ok(status.nodes.every((n: Loose) => n.agent.state === 'Installed'), 'Remove -WhatIf removed nothing');
    assert.equal(status.agentOperation.id, operationId, 'and started no operation');

    const revoked = await ps.ok({ command: 'Disable-AzStackHCIRemoteSupport', parameters: { Confirm: false }, view: 'table' });
    assert.deepEqual(revoked.typeNames, ['AzStackHCI.RemoteSupport.RevokeResult']);
    assert.equal(revoked.output[0].revoked.id, grantId);
    assert.equal(revoked.output[0].revoked.endedBy, CALLER);
    assert.match(revoked.text!, /Revoked\s+AccessLevel\s+EndedBy\s+SessionsEnded/);
    assert.match(revoked.text!, new RegExp(`${grantId}\\s+Diagnostics\\s+${CALLER.replace(/\\/g, '\\\\')}\\s+0`));
    const ended = (await grantState(t)).find((g) => g.id === grantId);
    assert.equal(ended.state, 'revoked');
    assert.equal(ended.endedBy, CALLER);
  });

  it('removes the agent with progress once no grant is active', async () => {
    const removed = await stepByStep(ps.ok({ command: 'Remove-AzStackHCIRemoteSupport', parameters: { Confirm: false } }));
    assert.equal(removed.output[0].kind, 'remove');
    assert.equal(removed.output[0].status, 'succeeded');
    assert.ok(removed.progress.some((p) => p.activity === 'Removing the remote support agent on hci-cl01.contoso.local'));
    const status = (await t.api.get(`${FEATURE}/status`)).body;
    assert.ok(status.nodes.every((n: Loose) => n.agent.state === 'NotInstalled'));

    const started = await ps.ok({ command: 'Install-AzStackHCIRemoteSupport', parameters: { Node: ['hci-n02'], NoWait: true } });
    assert.equal(started.output[0].status, 'running', '-NoWait returns the operation as started');
    assert.deepEqual(started.output[0].nodes.map((n: Loose) => n.node), ['hci-n02']);
    const idle = t.gateway.agents.idle();
    let finished = false;
    void idle.then(() => (finished = true));
    while (!finished) {
      (t.gateway.clock as AdjustableClock).advance(STEP_MS);
      await new Promise((resolve) => setImmediate(resolve));
    }
  });

  it('refuses a wrong certificate pin, a wrong credential and an unreachable gateway with clear errors', async () => {
    const config = JSON.parse(readFileSync(t.gateway.moduleConfigPath, 'utf8'));
    const write = (name: string, value: object) => {
      const path = join(scratch.path, name);
      writeFileSync(path, JSON.stringify(value));
      return path;
    };
    const wrongPin = write('wrong-pin.json', { ...config, certificateSha256: 'ab'.repeat(32) });
    const pin = await ps.fails({ command: 'Get-AzStackHCIRemoteSupportAccess', config: wrongPin });
    assert.equal(pin.fqid, 'GatewayUnreachable,Get-AzStackHCIRemoteSupportAccess');
    assert.equal(pin.targetName, 'certificateSha256');
    assert.equal(pin.category, 'SecurityError');
    assert.ok(pin.details!.includes(`its certificate has SHA-256 ${config.certificateSha256}, but ${wrongPin} pins ${'ab'.repeat(32)}`), pin.details!);

    const secret = join(scratch.path, 'wrong-credential');
    writeFileSync(secret, 'x'.repeat(43), { mode: 0o600 });
    const before = await grantState(t);
    const credential = await ps.fails({
      command: 'Enable-AzStackHCIRemoteSupport',
      parameters: { AccessLevel: 'Diagnostics', AgreeToRemoteSupportConsent: true },
      config: write('wrong-credential.json', { ...config, credentialPath: secret }),
    });
    assert.equal(credential.fqid, 'Unauthenticated,Enable-AzStackHCIRemoteSupport');
    assert.equal(credential.category, 'AuthenticationError');
    assert.equal(credential.data!.code, 'Unauthenticated');
    assert.ok(credential.action!.includes(secret), 'the recommended action names the credential file');
    assert.deepEqual(await grantState(t), before);

    const missing = await ps.fails({ command: 'Get-AzStackHCIRemoteSupportAccess', config: write('missing-credential.json', { ...config, credentialPath: join(scratch.path, 'nope') }) });
    assert.equal(missing.fqid, 'Unauthenticated,Get-AzStackHCIRemoteSupportAccess');
    assert.match(missing.details!, /Cannot read the machine credential .*nope/);

    const closed = await ps.fails({ command: 'Get-AzStackHCIRemoteSupportStatus', config: write('closed.json', { ...config, endpoint: 'https://127.0.0.1:1' }) });
    assert.equal(closed.fqid, 'GatewayUnreachable,Get-AzStackHCIRemoteSupportStatus');
    assert.match(closed.details!, /Cannot reach the remote support gateway at https:\/\/127\.0\.0\.1:1/);

    const none = await ps.fails({ command: 'Get-AzStackHCIRemoteSupportStatus', config: join(scratch.path, 'absent.json') });
    assert.equal(none.fqid, 'GatewayUnreachable,Get-AzStackHCIRemoteSupportStatus');
    assert.match(none.details!, /absent\.json does not exist\. Run Set-AzStackHCIRemoteSupportGateway/);
  });

  it('writes its configuration with Set-AzStackHCIRemoteSupportGateway, asking the gateway for its cluster', async () => {
    const config = JSON.parse(readFileSync(t.gateway.moduleConfigPath, 'utf8'));
    const path = join(scratch.path, 'set', 'gateway.json');
    const colons = (config.certificateSha256 as string).toUpperCase().match(/../g)!.join(':');
    const set = await ps.ok({ command: 'Set-AzStackHCIRemoteSupportGateway', parameters: { Endpoint: config.endpoint, CertificateSha256: colons, CredentialPath: config.credentialPath }, config: path });
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { ...config });
    assert.deepEqual(set.typeNames, ['AzStackHCI.RemoteSupport.GatewayConfiguration']);
    const status = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportStatus' });
    assert.equal(status.output[0].cluster, config.cluster, 'the written file works');

    const bad = await ps.fails({ command: 'Set-AzStackHCIRemoteSupportGateway', parameters: { Endpoint: 'http://127.0.0.1:1', CertificateSha256: config.certificateSha256, CredentialPath: config.credentialPath } });
    assert.equal(bad.fqid, 'ParameterArgumentValidationError,Set-AzStackHCIRemoteSupportGateway');
    await ps.ok({ command: 'Get-AzStackHCIRemoteSupportStatus', config: t.gateway.moduleConfigPath });
  });
});

describe('the module pages through lists longer than a page', () => {
  const SESSIONS = 1050;
  const GRANTS = 520;
  /** More than two of the module's 500-hit pages. */
  const HITS = 1130;
  let t: TestGateway;
  let ps: ModuleRunner;
  /** Session and grant ids as made, oldest first. */
  const sessions: string[] = [];
  const grants: string[] = [];
  /** The search hits as written, oldest first. */
  const hits: { sessionId: string; seq: number }[] = [];
  const idOf = (h: Loose) => ({ sessionId: h.sessionId, seq: h.seq });

  before(async () => {
    t = await startTestGateway({ config: { mode: 'test' } });
    const clock = t.gateway.clock as AdjustableClock;
    const request = { accessLevel: 'Diagnostics', expireInMinutes: 480, supportCaseNumber: null, sasCredential: null, termsVersion: TERMS_VERSION } as const;
    t.gateway.db.transaction(() => {
      // Three to a second, so pages end between rows of the same time.
      for (let i = 0; i < GRANTS; i++) {
        if (i % 3 === 0) clock.advance(1000);
        grants.push(t.gateway.consent.grant(CLUSTER, request, 'admin').grant.id);
      }
      for (let i = 0; i < SESSIONS; i++) {
        if (i % 3 === 0) clock.advance(1000);
        const s = t.gateway.sessions.open({ cluster: CLUSTER, grantId: grants[grants.length - 1]!, engineer: `engineer-${i}@vendor`, supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
        t.gateway.sessions.end(s.id, 'closed');
        sessions.push(s.id);
      }
      // Search hits in the sessions' transcripts, seven sessions taking turns, an entry between hits that does not match.
      for (let i = 0; i < HITS; i++) {
        const sessionId = sessions[i % 7]!;
        hits.push({ sessionId, seq: t.gateway.sessions.append(sessionId, 'command', 'hci-n01', `Restart-Service -Name svc${i}`).seq });
        t.gateway.sessions.append(sessionId, 'output', 'hci-n01', `Status: Running ${i}`);
      }
    })();
    ps = await ModuleRunner.start({ ...process.env, AZSHCI_REMOTESUPPORT_CONFIG: t.gateway.moduleConfigPath });
  });
  after(async () => {
    await ps?.close();
    await t?.stop();
  });

  it('Get-AzStackHCIRemoteSupportSessionHistory sends every session of every page down the pipeline, newest first', async () => {
    const history = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportSessionHistory', parameters: { FromDate: '2020-01-01' } });
    assert.equal(history.count, SESSIONS);
    assert.deepEqual(history.output.map((s) => s.id), [...sessions].reverse());
    assert.ok(history.typeNames.every((n) => n === 'AzStackHCI.RemoteSupport.Session'));
  });

  it('Get-AzStackHCIRemoteSupportAccess -IncludeExpired sends every grant down the pipeline, newest first', async () => {
    const listed = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportAccess', parameters: { IncludeExpired: true } });
    assert.equal(listed.count, GRANTS);
    assert.deepEqual(listed.output.map((g) => g.id), [...grants].reverse());
    assert.ok(listed.typeNames.every((n) => n === 'AzStackHCI.RemoteSupport.Grant'));
  });

  it('gives one page as the API does with -PageSize, and the next with its -Cursor', async () => {
    const first = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportSessionHistory', parameters: { FromDate: '2020-01-01', PageSize: 400 } });
    assert.deepEqual(first.typeNames, ['AzStackHCI.RemoteSupport.SessionHistoryPage']);
    const api = (await t.api.get(`${FEATURE}/sessions?fromDate=2020-01-01T00:00:00.000Z&limit=400`)).body;
    assert.deepEqual(first.output[0], api);
    const second = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportSessionHistory', parameters: { FromDate: '2020-01-01', PageSize: 400, Cursor: api.nextCursor } });
    assert.deepEqual(second.output[0].sessions.map((s: Loose) => s.id), [...sessions].reverse().slice(400, 800));

    const grantPage = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportAccess', parameters: { IncludeExpired: true, PageSize: 7 } });
    assert.deepEqual(grantPage.typeNames, ['AzStackHCI.RemoteSupport.AccessPage']);
    assert.deepEqual(grantPage.output[0].grants.map((g: Loose) => g.id), [...grants].reverse().slice(0, 7));
    assert.equal(grantPage.output[0].total, GRANTS);

    const tooMany = await ps.fails({ command: 'Get-AzStackHCIRemoteSupportSessionHistory', parameters: { PageSize: 501 } });
    assert.equal(tooMany.fqid, 'ParameterArgumentValidationError,Get-AzStackHCIRemoteSupportSessionHistory');
    const forged = await ps.fails({ command: 'Get-AzStackHCIRemoteSupportAccess', parameters: { IncludeExpired: true, PageSize: 7, Cursor: 'forged' } });
    assert.equal(forged.data?.code, 'InvalidPaging');
    assert.equal(forged.data?.field, 'cursor');
  });

  it('Search-AzStackHCIRemoteSupportTranscript sends every hit of every page down the pipeline, newest first', async () => {
    const found = await ps.ok({ command: 'Search-AzStackHCIRemoteSupportTranscript', parameters: { Query: 'Restart-Service' } });
    assert.equal(found.count, HITS);
    assert.deepEqual(found.output.map(idOf), [...hits].reverse());
    assert.ok(found.typeNames.every((n) => n === 'AzStackHCI.RemoteSupport.SearchHit'));

    const limited = await ps.ok({ command: 'Search-AzStackHCIRemoteSupportTranscript', parameters: { Query: 'Restart-Service', Limit: 537 } });
    assert.deepEqual(limited.output.map(idOf), [...hits].reverse().slice(0, 537));
  });

  it('Search-AzStackHCIRemoteSupportTranscript gives one page as the API does with -PageSize, and the next with its -Cursor', async () => {
    const first = await ps.ok({ command: 'Search-AzStackHCIRemoteSupportTranscript', parameters: { Query: 'Restart-Service', PageSize: 300 } });
    assert.deepEqual(first.typeNames, ['AzStackHCI.RemoteSupport.SearchPage']);
    const api = (await t.api.get(`${FEATURE}/transcripts/search?q=Restart-Service&limit=300`)).body;
    assert.deepEqual(first.output[0], api);
    assert.notEqual(api.nextCursor, null);
    const second = await ps.ok({ command: 'Search-AzStackHCIRemoteSupportTranscript', parameters: { Query: 'Restart-Service', PageSize: 300, Cursor: api.nextCursor } });
    assert.deepEqual(second.output[0].hits.map(idOf), [...hits].reverse().slice(300, 600));

    const tooMany = await ps.fails({ command: 'Search-AzStackHCIRemoteSupportTranscript', parameters: { Query: 'x', PageSize: 501 } });
    assert.equal(tooMany.fqid, 'ParameterArgumentValidationError,Search-AzStackHCIRemoteSupportTranscript');
    const both = await ps.fails({ command: 'Search-AzStackHCIRemoteSupportTranscript', parameters: { Query: 'x', PageSize: 5, Limit: 5 } });
    assert.match(both.fqid, /^AmbiguousParameterSet/);
    const forged = await ps.fails({ command: 'Search-AzStackHCIRemoteSupportTranscript', parameters: { Query: 'x', PageSize: 5, Cursor: 'forged' } });
    assert.equal(forged.data?.code, 'InvalidSearchCursor');
    assert.equal(forged.data?.field, 'cursor');
  });
});

describe('the module runs on Windows PowerShell 5.1 too', () => {
  const checker = join(powershellRoot(), 'test', 'Test-WindowsPowerShellSyntax.ps1');
  let scratch: { path: string; remove: () => void };
  before(() => (scratch = tempDir('rs-syntax-')));
  after(() => scratch.remove());

  it('uses no PowerShell-7-only syntax in the module, and the check catches each kind in a planted sample', async () => {
    const moduleFiles = readdirSync(MODULE_PATH).filter((f) => /\.(psm1|psd1|ps1)$/.test(f)).map((f) => join(MODULE_PATH, f));
    assert.ok(moduleFiles.length >= 2);
    const planted: Record<string, string> = {
      'ternary operator ?:': '$a = $x ? 1 : 2',
      'null-coalescing operator ??': "$b = $x ?? 'default'",
      'null-coalescing assignment ??=': '$c ??= 3',
      'pipeline chain operator && or ||': 'Get-Item . && Get-Date',
      'null-conditional member access ?.': '$d = ${x}?.Name',
      'null-conditional index ?[]': '$e = ${x}?[0]',
      'ForEach-Object -Parallel': '1..3 | ForEach-Object -Parallel { $_ }',
      'ConvertFrom-Json -AsHashtable': "$f = '{}' | ConvertFrom-Json -AsHashtable",
      'Invoke-RestMethod -SkipCertificateCheck': 'Invoke-RestMethod -Uri https://localhost -SkipCertificateCheck',
      'automatic variable $IsWindows': "if ($IsWindows) { 'w' }",
      '-Encoding utf8NoBOM': 'Set-Content -Path x -Value y -Encoding utf8NoBOM',
      'unicode escape `u{}': '$g = "`u{2713}"',
      'clean {} block': "function h { process { } clean { 'c' } }",
      'background operator &': 'Start-Sleep 1 &',
      '-replace with a script block': "$i = 'abc' -replace 'b', { 'B' }",
      'type [semver]': "[semver] '1.0.0'",
      'command Join-String': '1, 2 | Join-String',
    };
    const sample = join(scratch.path, 'planted.ps1');
    writeFileSync(sample, Object.values(planted).join('\n') + '\n');
    const reports = await pwshJson<{ path: string; problems: { line: number; construct: string }[] }[]>(checker, { files: [...moduleFiles, sample] });
    for (const report of reports.slice(0, -1)) assert.deepEqual(report.problems, [], `${report.path} runs on 5.1`);
    const found = reports[reports.length - 1]!.problems;
    Object.keys(planted).forEach((construct, i) => {
      assert.ok(found.some((p) => p.construct === construct && p.line === i + 1), `line ${i + 1} (${construct}) is refused; found ${JSON.stringify(found)}`);
    });
  });

  it('declares both editions and 5.1 in the manifest, with the format file', async () => {
    const manifest = readFileSync(join(MODULE_PATH, 'AzStackHCI.RemoteSupport.psd1'), 'utf8');
    assert.match(manifest, /CompatiblePSEditions\s*=\s*@\('Desktop', 'Core'\)/);
    assert.match(manifest, /PowerShellVersion\s*=\s*'5\.1'/);
    assert.match(manifest, /FormatsToProcess\s*=\s*@\('AzStackHCI\.RemoteSupport\.format\.ps1xml'\)/);
  });
});

describe('the module answers access requests (issue 16)', () => {
  let t: TestGateway;
  let ps: ModuleRunner;
  let ask: (body?: Loose) => Promise<string>;

  before(async () => {
    t = await startTestGateway({ config: { mode: 'test', cluster: { stepDelayMs: 0 } } });
    await t.api.post(`${FEATURE}/agent/install`, {});
    await until(() => t.gateway.agents.nodes().every((n) => n.state === 'Installed'));
    const engineer = t.anonymous.withHeaders({ authorization: `Bearer ${await t.gateway.identityProvider!.buildToken()}` });
    ask = async (body: Loose = {}) => {
      const res = await engineer.post(`/api/support/clusters/${CLUSTER}/requests`, { supportCaseNumber: CASE, accessLevel: 'DiagnosticsRepair', expireInMinutes: 240, reason: 'Look at the storage pool', ...body });
      assert.equal(res.status, 201, res.text);
      return res.body.request.id as string;
    };
    ps = await ModuleRunner.start({ ...process.env, AZSHCI_REMOTESUPPORT_CONFIG: t.gateway.moduleConfigPath });
  });
  after(async () => {
    await ps?.close();
    await t?.stop();
  });

  it('lists the open requests, asks, denies and approves with less, in the caller\'s name', async () => {
    const first = await ask();
    const open = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportAccessRequest', parameters: { Open: true } });
    assert.deepEqual(open.typeNames, ['AzStackHCI.RemoteSupport.AccessRequest']);
    assert.deepEqual(open.output, (await t.api.get(`${FEATURE}/requests?open=true`)).body.requests);

    const asked = await ps.ok({ command: 'Send-AzStackHCIRemoteSupportAccessRequestQuestion', parameters: { RequestId: first, Question: 'Which pool?' } });
    assert.equal(asked.output[0].state, 'info-requested');
    const denied = await ps.ok({ command: 'Deny-AzStackHCIRemoteSupportAccessRequest', parameters: { RequestId: first, Reason: 'Use the logs we sent.' } });
    assert.equal(denied.output[0].state, 'denied');
    assert.equal(denied.output[0].answeredBy, CALLER, 'the Windows caller is who answered');

    const second = await ask();
    const tooMuch = await ps.fails({ command: 'Approve-AzStackHCIRemoteSupportAccessRequest', parameters: { RequestId: second, ExpireInMinutes: 600, AgreeToRemoteSupportConsent: true } });
    assert.equal(tooMuch.fqid, 'ApprovalExceedsRequest,Approve-AzStackHCIRemoteSupportAccessRequest');
    assert.equal(tooMuch.data!.field, 'expireInMinutes');
    const noConsent = await ps.fails({ command: 'Approve-AzStackHCIRemoteSupportAccessRequest', parameters: { RequestId: second, AgreeToRemoteSupportConsent: false } });
    assert.equal(noConsent.data!.code, 'ConsentRequired');
    assert.equal((await t.api.get(`${FEATURE}/status`)).body.activeGrant, null, 'refusals grant nothing');

    const approved = await ps.ok({ command: 'Approve-AzStackHCIRemoteSupportAccessRequest', parameters: { RequestId: second, AccessLevel: 'diagnostics', ExpireInMinutes: 90, AgreeToRemoteSupportConsent: true } });
    assert.deepEqual(approved.typeNames, ['AzStackHCI.RemoteSupport.ApprovalResult']);
    assert.equal(approved.output[0].grant.accessLevel, 'Diagnostics');
    assert.equal(approved.output[0].grant.expireInMinutes, 90);
    assert.equal(approved.output[0].grant.grantedBy, CALLER);
    const one = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportAccessRequest', parameters: { RequestId: second } });
    assert.equal(one.output[0].state, 'approved');
    assert.equal(one.output[0].grantId, (await t.api.get(`${FEATURE}/status`)).body.activeGrant.id);
  });
});

describe('the module answers waiting repairs and edits the deny list (issue 16)', () => {
  let t: TestGateway;
  let ps: ModuleRunner;
  let channel: ChannelClient;
  const waiting = async () => {
    for (;;) {
      const list = (await t.api.get(`${FEATURE}/approvals`)).body.approvals as Loose[];
      if (list.length) return list[0]!;
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  before(async () => {
    t = await startTestGateway({ config: { mode: 'test', cluster: { stepDelayMs: 0 } } });
    await t.api.post(`${FEATURE}/agent/install`, {});
    await until(() => t.gateway.agents.nodes().every((n) => n.state === 'Installed'));
    assert.equal((await t.api.post(`${FEATURE}/access`, { accessLevel: 'DiagnosticsRepair', agreeToRemoteSupportConsent: true, supportCaseNumber: CASE })).status, 201);
    channel = await ChannelClient.connect(t.gateway.channelUrl, await t.gateway.identityProvider!.buildToken(), { ca: t.gateway.caCert });
    await channel.open(CASE);
    ps = await ModuleRunner.start({ ...process.env, AZSHCI_REMOTESUPPORT_CONFIG: t.gateway.moduleConfigPath });
  });
  after(async () => {
    await channel?.close();
    await ps?.close();
    await t?.stop();
  });

  it('lists a waiting repair, approves one and refuses another, in the caller\'s name', async () => {
    const first = channel.run('Restart-Service -Name vmms', ['hci-n02'], 'vmms hangs');
    const asked = await waiting();
    const listed = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportRepairApproval' });
    assert.deepEqual(listed.typeNames, ['AzStackHCI.RemoteSupport.RepairApproval']);
    assert.equal(listed.output[0].id, asked.id);
    assert.equal(listed.output[0].reason, 'vmms hangs');
    const approved = await ps.ok({ command: 'Approve-AzStackHCIRemoteSupportRepair', parameters: { ApprovalId: asked.id } });
    assert.equal(approved.output[0].decidedBy.name, CALLER);
    assert.equal((await first).denied ?? null, null, 'the repair ran');

    const second = channel.run('Restart-Service -Name vmms', ['hci-n03']);
    const next = await waiting();
    await ps.ok({ command: 'Deny-AzStackHCIRemoteSupportRepair', parameters: { ApprovalId: next.id, Reason: 'Not now' } });
    assert.equal((await second).denied?.reason, 'repair-refused');
    const unknown = await ps.fails({ command: 'Approve-AzStackHCIRemoteSupportRepair', parameters: { ApprovalId: next.id } });
    assert.match(unknown.fqid, /^Approval(NotFound|AlreadyDecided),Approve-AzStackHCIRemoteSupportRepair$/);
  });

  it('replaces the deny list with rules given as hashtables, shows it, and refuses a bad rule with nothing changed', async () => {
    const saved = await ps.ok({ command: 'Set-AzStackHCIRemoteSupportDenyList', parameters: { Rule: [{ cmdlet: 'Restart-Service', parameters: { Name: 'ClusSvc' }, reason: 'Never restart the cluster service' }] } });
    assert.deepEqual(saved.typeNames, ['AzStackHCI.RemoteSupport.DenyList']);
    assert.equal(saved.output[0].updatedBy, CALLER);
    const shown = await ps.ok({ command: 'Get-AzStackHCIRemoteSupportDenyList' });
    assert.deepEqual(shown.output[0].rules.map((r: Loose) => r.cmdlet), ['Restart-Service']);
    const bad = await ps.fails({ command: 'Set-AzStackHCIRemoteSupportDenyList', parameters: { Rule: [{ cmdlet: 'Format-Volume', reason: 'x' }] } });
    assert.equal(bad.data!.code, 'InvalidDenyRule');
    assert.equal((await t.api.get(`${FEATURE}/deny-list`)).body.rules.length, 1);
    const refused = await channel.run('Restart-Service -Name ClusSvc', ['hci-n01']);
    assert.equal(refused.denied?.reason, 'deny-list');
  });
});
