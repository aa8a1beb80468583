import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Frame, Page } from 'playwright-core';
import { DenyListPage, recordReads, RequestsPage, WaitingRepairs } from './support/approvals-page';
import { adminPage, launchBrowser, viewAtBothSizes } from './support/browser';
import { DashboardPage, HistoryPage } from './support/pages';
import { FEATURE, Product, runConsole, startProduct } from './support/product';
import { startSmtpReceiver, startWebhookReceiver } from './support/receivers';

const CASE = '2612030010001616';
const SECRET = 'e2e-webhook-secret-0123456789abcdef';

/** The open access requests, as the admin API lists them, once there are `count`. */
async function openRequests(product: Product, count = 1): Promise<Array<{ id: string; state: string }>> {
  for (;;) {
    const open = (await product.api('GET', `${FEATURE}/requests?open=true`)).body.requests as Array<{ id: string; state: string }>;
    if (open.length >= count) return open;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the agent install on every node through the admin API and waits until it is done (the Overview's install has its own scenario). */
async function installAgent(product: Product): Promise<void> {
  const started = await product.api('POST', `${FEATURE}/agent/install`, {});
  assert.equal(started.status, 202, started.text);
  for (;;) {
    const nodes = (await product.api('GET', `${FEATURE}/status`)).body.nodes as Array<{ agent: { state: string } }>;
    if (nodes.every((n) => n.agent.state === 'Installed')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Issue 16's day, in a real browser against the product started as the
 * README's run command starts it, with a local webhook receiver and a local
 * SMTP server configured: the engineer asks for access from the support
 * console, the admin answers in the extension; a repair waits for the
 * admin's yes and runs, a second is refused; the deny list refuses before
 * anyone is asked; the webhook and the email arrive. The steps run in order.
 */
describe('access requests, repairs that wait for a yes, the deny list and notifications (issue 16)', () => {
  let product: Product;
  let browserHandle: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let frame: Frame;
  let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let configDir: string;
  let requestId: string;

  /** Screenshots the view from its top at both sizes, and scans it with axe. */
  const shoot = async (name: string) => {
    await frame.evaluate(() => document.querySelector('[data-testid="tool-content"]')?.scrollTo(0, 0));
    assert.deepEqual(await viewAtBothSizes(page, frame, name), [], `no serious accessibility violations in ${name}`);
  };
  const notification = (title: RegExp) => page.locator('[data-testid="notification"]').filter({ hasText: title });

  before(async () => {
    webhook = await startWebhookReceiver(SECRET);
    smtp = await startSmtpReceiver();
    configDir = mkdtempSync(join(tmpdir(), 'rs-e2e-notify-'));
    const secretFile = join(configDir, 'webhook.secret');
    writeFileSync(secretFile, SECRET, { mode: 0o600 });
    const config = join(configDir, 'gateway.json');
    writeFileSync(config, JSON.stringify({
      notifications: {
        webhooks: [{ url: webhook.url, secretFile, format: 'json' }],
        email: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'remote-support@contoso.example', to: ['hci-admins@contoso.example'] },
      },
    }));
    product = await startProduct(['--config', config]);
    await installAgent(product);
    browserHandle = await launchBrowser();
    const admin = await adminPage(browserHandle.browser, product);
    page = admin.page;
    frame = await admin.extension();
    await new DashboardPage(frame).open();
  });
  after(async () => {
    await browserHandle?.close();
    await product?.stop();
    await webhook?.close();
    await smtp?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('1. the engineer asks for access; the admin sees it at once, asks a question, reads the answer and approves it for less time in the extension', async () => {
    const asking = runConsole(product, ['--request-access', '--case', CASE, '--level', 'DiagnosticsRepair', '--minutes', '480', '--node', 'hci-n02', '--reason', 'vmms hangs on hci-n02; it needs a restart', '--json']);
    requestId = (await openRequests(product))[0]!.id;

    // At once: the Overview's summary, the tab's count and a WAC notification.
    await frame.locator('[data-testid="open-requests-summary"]').getByText(/engineer@/).first().waitFor({ timeout: 20_000 });
    await notification(/Access requested/i).first().waitFor({ state: 'attached', timeout: 20_000 });
    const requests = new RequestsPage(frame);
    await requests.open();
    assert.match(await requests.badge().innerText(), /1/);
    const detail = await requests.select(requestId);
    assert.match(await detail.innerText(), /vmms hangs on hci-n02/);
    assert.match(await detail.innerText(), /hci-n02/);

    await requests.ask('Is a restart of vmms all you need?');
    const questioned = await asking;
    assert.equal(questioned.code, 3, `the console stops waiting and shows the question: ${questioned.stdout}${questioned.stderr}`);
    assert.equal(questioned.json.request.state, 'info-requested');
    assert.equal(questioned.json.request.messages[0].text, 'Is a restart of vmms all you need?');

    const answering = runConsole(product, ['--request-id', requestId, '--answer', 'Yes: Restart-Service vmms on hci-n02, then a look at its state.', '--case', CASE, '--json']);
    await frame.locator('[data-testid="request-message"]').filter({ hasText: /then a look at its state/ }).waitFor({ timeout: 20_000 });
    assert.deepEqual((await requests.messages()).length, 2);
    await shoot('16-1-request');

    await requests.approve({ minutes: 120 });
    const answered = await answering;
    assert.equal(answered.code, 0, `${answered.stdout}${answered.stderr}`);
    assert.equal(answered.json.request.state, 'approved');
    assert.deepEqual([answered.json.request.approved.accessLevel, answered.json.request.approved.expireInMinutes], ['DiagnosticsRepair', 120]);

    const status = (await product.api('GET', `${FEATURE}/status`)).body;
    assert.equal(status.activeGrant.accessLevel, 'DiagnosticsRepair');
    assert.equal(status.activeGrant.expireInMinutes, 120);
    assert.equal(status.activeGrant.supportCaseNumber, CASE);
    assert.equal(status.activeGrant.repairApproval, true, 'repairs wait for a yes');
    assert.deepEqual(status.openRequests, [], 'nothing waits any more');

    // The notifications left the gateway: a signed webhook and an email.
    const created = await webhook.waitFor('request.created');
    assert.equal(created.signatureValid, true, 'the webhook is signed with the shared secret');
    assert.equal(created.event.data['id'], requestId);
    const mail = await smtp.waitFor(/request\.created|Access requested|asks for/i);
    assert.deepEqual(mail.to, ['hci-admins@contoso.example']);
    assert.match(mail.raw, /DiagnosticsRepair|Diagnostics and repair/);
  });

  it('2. a repair waits on the Overview with its node, command and reason, and runs once the admin approves it', async () => {
    const restarting = runConsole(product, ['--case', CASE, '--node', 'hci-n02', '--json', '--reason', 'vmms hangs on hci-n02', '--command', 'Restart-Service -Name vmms', '--command', 'Get-Service -Name vmms']);
    const dashboard = new DashboardPage(frame);
    await dashboard.open();
    const repairs = new WaitingRepairs(frame);
    const card = await repairs.card(/Restart-Service -Name vmms/);
    assert.match(await card.locator('[data-testid="repair-node"]').innerText(), /hci-n02/);
    assert.match(await card.locator('[data-testid="repair-reason"]').innerText(), /vmms hangs on hci-n02/);
    assert.match(await card.locator('[data-testid="repair-engineer"]').innerText(), /engineer@/);
    assert.match(await card.locator('[data-testid="repair-countdown"]').innerText(), /\d/);
    await notification(/repair/i).first().waitFor({ state: 'attached', timeout: 20_000 });
    await shoot('16-2-repair-waiting');

    await repairs.approve(card, 'Go ahead');
    const run = await restarting;
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
    assert.equal(run.json.results[0].denied ?? null, null, 'the approved repair ran');
    assert.match(run.json.results[1].outputs[0].text, /Running/);
    await repairs.panel().waitFor({ state: 'detached', timeout: 20_000 }).catch(async () => assert.equal(await repairs.panel().locator('[data-testid="waiting-repair"]').count(), 0));

    const pending = await webhook.waitFor('repair.pending');
    assert.equal(pending.signatureValid, true);
    assert.match(pending.event.summary, /Restart-Service/);
  });

  it('3. a second repair is refused with a reason the engineer reads; the transcript keeps both answers and who read it', async () => {
    const stopping = runConsole(product, ['--case', CASE, '--node', 'hci-n02', '--json', '--reason', 'try a stop first', '--command', 'Stop-Service -Name vmms']);
    const repairs = new WaitingRepairs(frame);
    const card = await repairs.card(/Stop-Service -Name vmms/);
    await repairs.refuse(card, 'Not during business hours');
    const run = await stopping;
    assert.equal(run.code, 4, `${run.stdout}${run.stderr}`);
    assert.equal(run.json.results[0].denied.reason, 'repair-refused');
    assert.match(JSON.stringify(run.json.results[0]), /Not during business hours/);
    const afterRefusal = (await product.api('GET', `${FEATURE}/status`)).body;
    assert.deepEqual(afterRefusal.pendingApprovals, []);

    // Each console run is a session of its own: the newest transcript is the refused stop.
    const history = new HistoryPage(frame);
    await history.open();
    const viewer = await history.openFirstTranscript();
    const text = await viewer.entriesText();
    assert.match(text, /Stop-Service -Name vmms/);
    assert.match(text, /Waiting for the cluster administrator's approval[\s\S]*try a stop first/);
    assert.match(text, /Refused by local-admin at [^:]+:\d\d UTC: Not during business hours/);
    // Opening the transcript is itself recorded, in the admin's name.
    await recordReads(frame).filter({ hasText: /open|view/i }).first().waitFor({ timeout: 20_000 });
    await shoot('16-3-transcript');
  });

  it('4. the admin adds a deny rule in the extension; the engineer\'s command is refused before anyone is asked', async () => {
    const denyList = new DenyListPage(frame);
    await denyList.open();
    await denyList.addRule({ cmdlet: 'Restart-Service', parameter: ['Name', 'ClusSvc'], reason: 'Never restart the cluster service during support' });
    await denyList.rules().filter({ hasText: /ClusSvc/ }).first().waitFor({ timeout: 20_000 });
    const saved = (await product.api('GET', `${FEATURE}/deny-list`)).body;
    assert.equal(saved.rules.length, 1);
    assert.equal(saved.rules[0].cmdlet, 'Restart-Service');
    assert.match(JSON.stringify(saved.rules[0].parameters), /ClusSvc/);
    await shoot('16-4-deny-list');

    const refused = await runConsole(product, ['--case', CASE, '--node', 'hci-n01', '--json', '--command', 'Restart-Service -Name ClusSvc']);
    assert.equal(refused.code, 4);
    assert.equal(refused.json.results[0].denied.reason, 'deny-list');
    assert.match(JSON.stringify(refused.json.results[0]), /Never restart the cluster service/);
    const approvals = (await product.api('GET', `${FEATURE}/approvals`)).body.approvals;
    assert.deepEqual(approvals, [], 'nobody was asked');
    await webhook.waitFor('session.started');
  });
});

/**
 * The admin's part again through the PowerShell path (--wac-transport
 * powershell): the extension answers a request and a waiting repair through
 * the module's cmdlets, never calling the admin API from the browser.
 */
describe('requests and repairs through the PowerShell path (--wac-transport powershell)', () => {
  let product: Product;
  let browserHandle: Awaited<ReturnType<typeof launchBrowser>>;
  let frame: Frame;
  const requested: string[] = [];

  before(async () => {
    product = await startProduct(['--wac-transport', 'powershell']);
    await installAgent(product);
    browserHandle = await launchBrowser();
    const admin = await adminPage(browserHandle.browser, product);
    admin.page.on('request', (r) => requested.push(`${r.method()} ${new URL(r.url()).pathname}`));
    frame = await admin.extension();
    await admin.page.waitForSelector('body[data-host-state="ready"]', { timeout: 60_000 });
  });
  after(async () => {
    await browserHandle?.close();
    await product?.stop();
  });

  it('5. approves a request and a waiting repair through pwsh and the module', async () => {
    const asked = await runConsole(product, ['--request-access', '--case', CASE, '--level', 'DiagnosticsRepair', '--minutes', '240', '--reason', 'Restart vmms on hci-n03', '--no-wait', '--json']);
    assert.equal(asked.code, 0, `${asked.stdout}${asked.stderr}`);
    const id = asked.json.request.id as string;
    const requests = new RequestsPage(frame);
    await requests.open();
    await requests.select(id, 60_000);
    await requests.approve();
    for (;;) {
      const grant = (await product.api('GET', `${FEATURE}/status`)).body.activeGrant;
      if (grant) {
        assert.deepEqual([grant.accessLevel, grant.expireInMinutes], ['DiagnosticsRepair', 240]);
        assert.match(grant.grantedBy, /\\/, `granted by the account pwsh ran as: ${grant.grantedBy}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }

    const restarting = runConsole(product, ['--case', CASE, '--node', 'hci-n03', '--json', '--reason', 'vmms hangs', '--command', 'Restart-Service -Name vmms']);
    await new DashboardPage(frame).open();
    const repairs = new WaitingRepairs(frame);
    await repairs.approve(await repairs.card(/Restart-Service -Name vmms/, 60_000));
    const run = await restarting;
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
    // The transcript says who approved: the account pwsh ran as, through the module.
    const [latest] = (await product.api('GET', `${FEATURE}/sessions`)).body.sessions as Array<{ id: string }>;
    const entries = (await product.api('GET', `${FEATURE}/sessions/${latest!.id}?includeTranscript=true`)).body.transcript.entries as Array<{ kind: string; text: string }>;
    assert.ok(entries.some((e) => e.kind === 'system' && /approved/i.test(e.text) && /\\/.test(e.text)), JSON.stringify(entries.map((e) => e.text)));
    assert.deepEqual(requested.filter((r) => r.includes('/features/remoteSupport')), [], 'the browser never called the admin API itself');
  });
});
