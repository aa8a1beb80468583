import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Frame, Page } from 'playwright-core';
import { accessibilityScan, adminPage, launchBrowser, screenshot, signInAgain } from './support/browser';
import { DashboardPage, HistoryPage } from './support/pages';
import { FEATURE, Product, runConsole, startInteractiveConsole, startProduct } from './support/product';

const CASE = '2611250010004242';

/**
 * The admin's and the engineer's day, in a real browser against the product
 * started as the README's run command starts it. The scenarios run in order:
 * each builds on the state the one before left.
 */
describe('the admin\'s and the engineer\'s day', () => {
  let product: Product;
  let browserHandle: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let frame: Frame;
  let dashboard: DashboardPage;
  /** The engineer whose live session scenario 2 opens and scenario 3 revokes. */
  let engineer: ReturnType<typeof startInteractiveConsole> | undefined;

  async function scanAndShoot(name: string): Promise<void> {
    await screenshot(page, name);
    const violations = await accessibilityScan(frame);
    assert.deepEqual(violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [], `no serious accessibility violations in ${name}`);
  }

  before(async () => {
    // As in the embedded default, engineers come in through the (local) relay.
    product = await startProduct(['--relay', 'local']);
    browserHandle = await launchBrowser();
    const admin = await adminPage(browserHandle.browser, product);
    page = admin.page;
    frame = await admin.extension();
    dashboard = new DashboardPage(frame);
    await dashboard.open();
  });
  after(async () => {
    engineer?.kill();
    await browserHandle?.close();
    await product?.stop();
  });

  it('1. installs the agent, checks prerequisites and grants Diagnostics for the default 480 minutes', async () => {
    await dashboard.installOnAllNodes();
    await dashboard.waitUntilAgentInstalledEverywhere();
    await dashboard.prerequisites().getByText(/JEA endpoint/i).first().waitFor();

    const dialog = await dashboard.openGrantDialog();
    assert.equal(await dialog.durationAmount(), '8', 'the default is 8 hours');
    assert.match(await dialog.minutesShown(), /480/);
    const diagnostics = await dialog.commandsShown();
    assert.ok(diagnostics.includes('Get-ClusterNode') && !diagnostics.includes('Stop-Service'));

    await dialog.setDuration('59', 'minutes');
    assert.match((await dialog.fieldError('expireInMinutes')) ?? '', /at least 1 hour \(60 minutes\)/);
    await dialog.setDuration('20161', 'minutes');
    assert.match((await dialog.fieldError('expireInMinutes')) ?? '', /at most 14 days \(20160 minutes\)/);
    await dialog.setDuration('60', 'minutes');
    assert.equal(await dialog.fieldError('expireInMinutes'), null);
    await dialog.setDuration('15', 'days');
    assert.ok(await dialog.fieldError('expireInMinutes'), '15 days is over the maximum');
    await dialog.setDuration('8', 'hours');
    assert.equal(await dialog.fieldError('expireInMinutes'), null);

    await dialog.setCase(CASE);
    assert.equal(await dialog.sasFieldVisible(), false, 'a registered cluster needs no SAS credential');
    assert.equal(await dialog.grantEnabled(), false, 'Grant stays disabled until the terms are agreed');
    await dialog.agree();
    assert.equal(await dialog.grantEnabled(), true);
    await dialog.grant();

    await frame.locator('[data-testid="grant-level"]').waitFor();
    assert.match(await dashboard.grantLevel(), /Diagnostics/);
    assert.match(await dashboard.countdown(), /^(7 h 59 min|8 h( 0 min)?)$/, 'the countdown shows the time left');
    // The grant opened the relay listener, and the Overview follows it live.
    await frame.getByText(/Relay: Listening/).waitFor();

    const access = await product.api('GET', `${FEATURE}/access`);
    assert.equal(access.body.grants[0].expireInMinutes, 480);
    assert.equal(access.body.grants[0].supportCaseNumber, CASE);
    await scanAndShoot('1-granted');
  });

  it('2. the engineer runs commands and the admin watches outputs and denials arrive live', async () => {
    // Scripted console run: real token from the local identity provider, real TLS, all four nodes.
    const run = await runConsole(product, ['--case', CASE, '--json', '--command', 'Get-ClusterNode', '--command', 'Get-PhysicalDisk', '--command', 'Stop-Service -Name ClusSvc', '--command', 'Get-VM; Remove-Item C:\\ -Recurse']);
    assert.equal(run.code, 4, run.stderr);
    const [nodes, disks, stop, injection] = run.json.results;
    assert.equal(nodes.outputs.length, 4);
    assert.equal(disks.outputs.length, 4);
    assert.equal(stop.denied.reason, 'level-too-low');
    assert.equal(injection.denied.reason, 'statement-separator');

    // A live session the admin watches.
    engineer = startInteractiveConsole(product, ['--case', CASE]);
    await engineer.waitFor(/left\]/);
    await dashboard.open();
    await dashboard.liveSessions().getByText(/engineer@/).first().waitFor();
    const viewer = await dashboard.watchFirstLiveSession();
    engineer.type('Get-ClusterNode');
    await viewer.waitForText(/hci-n04/);
    engineer.type('Get-PhysicalDisk');
    await viewer.waitForText(/FriendlyName|HealthStatus/);
    engineer.type('Stop-Service -Name ClusSvc');
    await viewer.waitForText(/Not allowed at the Diagnostics level/);
    engineer.type('Get-VM | Stop-VM');
    await viewer.waitForText(/pipes into another command/);
    await scanAndShoot('2-watching-live');
    // Scenario 3 revokes while this engineer is still connected.
  });

  it('3. the admin revokes; the console is cut, new connections are refused, history and transcript hold everything', async () => {
    assert.ok(engineer, 'scenario 2 left an engineer connected');
    await dashboard.open();
    const warning = await dashboard.revoke();
    assert.match(warning, /live session will be cut/i, `the confirmation says live sessions will be cut: ${warning}`);
    await dashboard.noGrant().waitFor();
    await engineer.waitFor(/revoked/i);
    assert.equal(await engineer.exit, 3, 'the console exits as ended by the gateway');
    engineer = undefined;

    // Without a grant nobody listens on the relay, and the Overview says so.
    await frame.getByText(/Relay: Not listening/).waitFor();
    const refused = await runConsole(product, ['--case', CASE, '--command', 'Get-Cluster']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr + refused.stdout, /RelayRefused[\s\S]*listens only while access is granted/);
    // Past the relay, the gateway itself refuses with its own code.
    const direct = await runConsole(product, ['--case', CASE, '--direct', '--command', 'Get-Cluster']);
    assert.equal(direct.code, 1);
    assert.match(direct.stderr + direct.stdout, /NoActiveGrant/);

    const history = new HistoryPage(frame);
    await history.open();
    await history.sessionsTable().getByText(/revoked/i).first().waitFor();
    const viewer = await history.openFirstTranscript();
    const text = await viewer.entriesText();
    for (const expected of [/Get-ClusterNode/, /Get-PhysicalDisk/, /Not allowed at the Diagnostics level/, /pipes into another command/, /revoked/]) assert.match(text, expected);
    assert.match(await viewer.verify(), /verified|intact|valid|unbroken/i);

    const [download] = await Promise.all([page.waitForEvent('download'), viewer.downloadTextButton().click()]);
    const saved = readFileSync((await download.path())!, 'utf8');
    for (const expected of [/Get-ClusterNode/, /level-too-low/, /pipeline/, /Session ended: revoked/]) assert.match(saved, expected);
    await scanAndShoot('3-revoked-history');
  });

  it('4. DiagnosticsRepair lets the engineer stop and start an allowlisted service on one node, each repair after the admin\'s live yes', async () => {
    const grant = await product.api('POST', `${FEATURE}/access`, { accessLevel: 'DiagnosticsRepair', agreeToRemoteSupportConsent: true, supportCaseNumber: CASE });
    assert.equal(grant.status, 201, grant.text);
    assert.equal(grant.body.grant.repairApproval, true, 'repairs wait for approval by default');
    /** Approves the repair the engineer's console is waiting on, through the admin API (the extension's waiting repairs have their own scenario: requests-and-approvals.e2e.ts). */
    const approveWaitingRepair = async (cmdlet: string) => {
      for (;;) {
        const waiting = (await product.api('GET', `${FEATURE}/approvals`)).body.approvals as { id: string; cmdlet: string; reason: string | null }[];
        if (waiting.length) {
          assert.equal(waiting[0]!.cmdlet, cmdlet);
          assert.equal(waiting[0]!.reason, 'vmms hangs on hci-n02');
          const answer = await product.api('POST', `${FEATURE}/approvals/${waiting[0]!.id}`, { decision: 'approve' });
          assert.equal(answer.status, 200, answer.text);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const stopping = runConsole(product, ['--case', CASE, '--node', 'hci-n02', '--json', '--reason', 'vmms hangs on hci-n02', '--command', 'Stop-Service -Name vmms', '--command', 'Get-Service -Name vmms']);
    await approveWaitingRepair('Stop-Service');
    const stop = await stopping;
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.json.results[1].outputs[0].text, /Stopped/);
    const starting = runConsole(product, ['--case', CASE, '--node', 'hci-n02', '--json', '--reason', 'vmms hangs on hci-n02', '--command', 'Start-Service -Name vmms', '--command', 'Get-Service -Name vmms']);
    await approveWaitingRepair('Start-Service');
    const start = await starting;
    assert.match(start.json.results[1].outputs[0].text, /Running/);
    await dashboard.open();
    await scanAndShoot('4-repair');
  });

  it('5. the grant expires on the gateway\'s clock, the live session is cut and the consent history lists it', async () => {
    const live = startInteractiveConsole(product, ['--case', CASE]);
    await live.waitFor(/left\]/);
    // Test mode only: move the gateway's clock past the expiry.
    const moved = await product.api('POST', '/api/test/clock', { advanceMs: 481 * 60_000 });
    assert.equal(moved.status, 200, moved.text);
    await live.waitFor(/expired/i);
    assert.equal(await live.exit, 3);
    // Eight hours on, the admin's browser session has ended (an hour without a request): the page refuses it,
    // and the admin signs in again with a fresh one-time link.
    assert.equal(await page.evaluate(async () => (await fetch('/api/gateway-info')).status), 401, 'the idle browser session is over');
    frame = await signInAgain(page, product);
    dashboard = new DashboardPage(frame);
    await dashboard.open();
    await dashboard.noGrant().waitFor({ timeout: 20_000 });
    const history = new HistoryPage(frame);
    await history.open();
    await history.consentTable().getByText(/expired/i).first().waitFor();
    await history.waitForSessionRows();
    await scanAndShoot('5-expired');
  });

  it('6. bad and hostile input is refused with the error next to its field, and nothing changes', async () => {
    const before = await product.api('GET', `${FEATURE}/access?includeExpired=true`);
    for (const [body, field] of [
      [{ accessLevel: 'Diagnostics', expireInMinutes: 59, agreeToRemoteSupportConsent: true }, 'expireInMinutes'],
      [{ accessLevel: 'Diagnostics', expireInMinutes: 20161, agreeToRemoteSupportConsent: true }, 'expireInMinutes'],
      [{ accessLevel: 'Root', agreeToRemoteSupportConsent: true }, 'accessLevel'],
      [{ accessLevel: 'Diagnostics' }, 'agreeToRemoteSupportConsent'],
      [{ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, supportCaseNumber: "1'; DROP TABLE grants;--" }, 'supportCaseNumber'],
    ] as const) {
      const res = await product.api('POST', `${FEATURE}/access`, body);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.field, field);
    }
    const forged = await product.api('GET', `${FEATURE}/sessions/..%2f..%2fetc%2fpasswd`);
    assert.ok(forged.status >= 400 && forged.status < 500);

    await dashboard.open();
    const dialog = await dashboard.openGrantDialog();
    await dialog.setCase('<script>alert(1)</script>');
    assert.match((await dialog.fieldError('supportCaseNumber')) ?? '', /letters, digits|hyphen/i);
    await dialog.setCase(CASE);
    await dialog.setDuration('', 'hours');
    assert.ok(await dialog.fieldError('expireInMinutes'), 'an empty duration shows an error');
    assert.equal(await dialog.grantEnabled(), false);
    await scanAndShoot('6-bad-input');
    await dialog.cancel();
    const afterAll = await product.api('GET', `${FEATURE}/access?includeExpired=true`);
    assert.deepEqual(afterAll.body.grants.map((g: { id: string }) => g.id), before.body.grants.map((g: { id: string }) => g.id), 'nothing changed');
  });
});

/**
 * The same day through the PowerShell path, as inside a real Windows Admin
 * Center: the product started with --wac-transport powershell, so the host
 * page leaves out the direct-gateway-api experiment and the extension runs
 * the AzStackHCI.RemoteSupport cmdlets through the SDK's PowerShell API,
 * which the gateway answers with a real pwsh per session:
 * Angular → SDK → host page → pwsh → module → gateway.
 */
describe('the admin\'s day through the PowerShell path (--wac-transport powershell)', () => {
  let product: Product;
  let browserHandle: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let frame: Frame;
  let dashboard: DashboardPage;
  let engineer: ReturnType<typeof startInteractiveConsole> | undefined;
  /** Every URL the browser asked for (the host page and the extension frame). */
  const requested: string[] = [];

  before(async () => {
    product = await startProduct(['--wac-transport', 'powershell']);
    browserHandle = await launchBrowser();
    const admin = await adminPage(browserHandle.browser, product);
    page = admin.page;
    page.on('request', (r) => requested.push(`${r.method()} ${new URL(r.url()).pathname}`));
    frame = await admin.extension();
    dashboard = new DashboardPage(frame);
    await page.waitForSelector('body[data-host-state="ready"]', { timeout: 60_000 });
    await dashboard.open();
  });
  after(async () => {
    engineer?.kill();
    await browserHandle?.close();
    await product?.stop();
  });

  it('7. the host page runs the extension on its PowerShell transport', async () => {
    assert.equal(await page.evaluate(() => (window as unknown as { __wacHost: { wacTransport: string } }).__wacHost.wacTransport), 'powershell');
    await dashboard.prerequisites().getByText(/JEA endpoint/i).first().waitFor({ timeout: 60_000 });
    assert.ok(requested.some((r) => /^PUT \/api\/nodes\/[^/]+\/features\/powershellApi\/pssessions\//.test(r)), 'the SDK opened PowerShell sessions');
    assert.deepEqual(requested.filter((r) => r.includes('/features/remoteSupport')), [], 'the browser never calls the admin API itself');
  });

  it('8. grant, watch a live session, revoke and read the history, all through pwsh and the module', async () => {
    await dashboard.installOnAllNodes();
    await dashboard.waitUntilAgentInstalledEverywhere(90_000);

    const dialog = await dashboard.openGrantDialog();
    assert.equal(await dialog.durationAmount(), '8', 'the default is 8 hours');
    await dialog.setCase(CASE);
    await dialog.agree();
    await dialog.grant();
    await frame.locator('[data-testid="grant-level"]').waitFor({ timeout: 60_000 });
    assert.match(await dashboard.grantLevel(), /Diagnostics/);
    const access = await product.api('GET', `${FEATURE}/access`);
    assert.equal(access.body.grants[0].expireInMinutes, 480);
    assert.equal(access.body.grants[0].supportCaseNumber, CASE);
    // The module called the gateway with the machine credential, naming the account pwsh ran as.
    assert.notEqual(access.body.grants[0].grantedBy, 'local-admin');
    assert.match(access.body.grants[0].grantedBy, /\\/, `grantedBy is <host>\\<user>: ${access.body.grants[0].grantedBy}`);

    engineer = startInteractiveConsole(product, ['--case', CASE]);
    await engineer.waitFor(/left\]/);
    await dashboard.open();
    await dashboard.liveSessions().getByText(/engineer@/).first().waitFor({ timeout: 60_000 });
    const viewer = await dashboard.watchFirstLiveSession();
    engineer.type('Get-ClusterNode');
    await viewer.waitForText(/hci-n04/, 60_000);
    engineer.type('Stop-Service -Name ClusSvc');
    await viewer.waitForText(/Not allowed at the Diagnostics level/, 60_000);
    await screenshot(page, '8-powershell-watching-live');

    await dashboard.open();
    const warning = await dashboard.revoke();
    assert.match(warning, /live session will be cut/i, warning);
    await dashboard.noGrant().waitFor({ timeout: 60_000 });
    await engineer.waitFor(/revoked/i);
    assert.equal(await engineer.exit, 3, 'the console exits as ended by the gateway');
    engineer = undefined;
    const revoked = await product.api('GET', `${FEATURE}/access?includeExpired=true`);
    assert.equal(revoked.body.grants[0].endReason, 'revoked');
    assert.match(revoked.body.grants[0].endedBy ?? '', /\\/, `endedBy is <host>\\<user>: ${JSON.stringify(revoked.body.grants[0])}`);

    const history = new HistoryPage(frame);
    await history.open();
    await history.sessionsTable().getByText(/revoked/i).first().waitFor({ timeout: 60_000 });
    const transcript = await history.openFirstTranscript();
    const text = await transcript.entriesText();
    for (const expected of [/Get-ClusterNode/, /Not allowed at the Diagnostics level/, /revoked/]) assert.match(text, expected);
    await screenshot(page, '8-powershell-history');

    assert.ok(requested.filter((r) => r.includes('/features/powershellApi/')).length > 10, 'every step went through the PowerShell API');
    assert.deepEqual(requested.filter((r) => r.includes('/features/remoteSupport')), [], 'the browser never called the admin API itself');
  });
});
