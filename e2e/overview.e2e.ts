import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Frame, Page } from 'playwright-core';
import { join } from 'node:path';
import { adminPage, launchBrowser, OUTPUT_DIR, viewAtBothSizes } from './support/browser';
import { OverviewPage, RestartableProduct, startRestartableProduct } from './support/overview-page';
import { FEATURE, startInteractiveConsole } from './support/product';

const CASE = '2612030010001515';

/**
 * The Overview through its states, in a real browser against the product
 * (issue 15): no grant; the agent installing; a grant with a live session;
 * the gateway stopped and started again; the last minute; expired. Each state
 * is judged at 1366x768 and 1024x700 (screenshots and axe), plus what the
 * issue found: one scroll region, tables that keep their words, the banner
 * when the gateway is lost, confirmations, counts, links, and the WAC
 * notifications the shell shows. The steps run in order, each on the state
 * the one before left.
 */
describe('the Overview, state by state (issue 15)', () => {
  let product: RestartableProduct;
  let browserHandle: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let frame: Frame;
  let overview: OverviewPage;
  let engineer: ReturnType<typeof startInteractiveConsole> | undefined;

  async function judge(name: string): Promise<void> {
    // Judge each state from the top of the Overview, as the admin first sees it.
    await frame.evaluate(() => document.querySelector('[data-testid="tool-content"]')!.scrollTo(0, 0));
    assert.deepEqual(await viewAtBothSizes(page, frame, name), [], `no serious accessibility violations in ${name}`);
  }

  before(async () => {
    // Slow agent steps, so that the install can be looked at while it runs.
    product = await startRestartableProduct(['--relay', 'local', '--step-delay-ms', '700']);
    browserHandle = await launchBrowser();
    const admin = await adminPage(browserHandle.browser, product);
    page = admin.page;
    frame = await admin.extension();
    overview = new OverviewPage(page, frame);
    await page.setViewportSize({ width: 1024, height: 700 });
    await overview.open();
  });
  after(async () => {
    engineer?.kill();
    await browserHandle?.close();
    await product?.stop();
  });

  it('0. a browser that is not signed in gets a page that says so and how to sign in, not an empty frame', async () => {
    const context = await browserHandle.browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1024, height: 700 } });
    try {
      const stranger = await context.newPage();
      await stranger.goto(product.url);
      const signedOut = stranger.locator('[data-testid="signed-out"]');
      await signedOut.waitFor();
      const text = await signedOut.innerText();
      assert.match(text, /You are not signed in to the remote support gateway/);
      assert.match(text, /npx remote-support login-link/);
      assert.equal(await stranger.locator('[data-testid="extension-frame"]').isVisible(), false, 'no empty frame');
      await stranger.screenshot({ path: join(OUTPUT_DIR, 'overview-signed-out@1024x700.png') });
    } finally {
      await context.close();
    }
  });

  it('1. no grant: one scroll region under a fixed header, the passed checks behind an expander, no "(s)"', async () => {
    await frame.locator('[data-testid="passed-toggle"]').waitFor({ timeout: 30_000 });
    const geometry = await overview.scrollGeometry();
    assert.equal(geometry.hostScrolls, false, 'the host page does not scroll');
    assert.equal(geometry.documentScrolls, false, 'the frame\'s document does not scroll');
    assert.equal(geometry.contentScrolls, true, 'the content region scrolls (the Overview is taller than 700 px)');
    assert.ok(geometry.headerTop >= 0 && geometry.headerBottom <= geometry.frameHeight, `the header stays in view at the bottom: ${JSON.stringify(geometry)}`);
    assert.ok(geometry.blankBelowLast <= 40, `no blank overscroll below the last card: ${geometry.blankBelowLast} px`);

    const toggle = frame.locator('[data-testid="passed-toggle"]');
    assert.match(await toggle.innerText(), /^▸\s*\d+ checks? passed$/);
    const expanded = await toggle.getAttribute('aria-expanded');
    await toggle.click();
    assert.notEqual(await toggle.getAttribute('aria-expanded'), expanded, 'the expander says whether it is open');
    await toggle.click();
    assert.doesNotMatch(await frame.locator('body').innerText(), /\(s\)/, 'no "(s)" plurals');
    await judge('overview-no-grant');
  });

  it('2. the agent installing: the table keeps its columns, one WAC notification follows the nodes, removal asks first', async () => {
    await frame.locator('[data-testid="install-all"]').click();
    await frame.locator('[data-testid="agent-state"]', { hasText: 'Installing' }).first().waitFor();
    assert.deepEqual(await overview.brokenCells('[data-testid="agent-panel"] table', [0, 1, 2, 3]), [], 'no cell breaks its words at 1024x700');
    await overview.toast(/Installing the remote support agent/).first().waitFor();
    await judge('overview-agent-installing');
    assert.deepEqual(await overview.brokenCells('[data-testid="agent-panel"] table', [0, 1, 2, 3]), [], 'no cell breaks its words during the install');
    assert.deepEqual(await overview.misalignedCells('[data-testid="agent-panel"] table'), [], 'each cell starts under its column header');
    assert.deepEqual(await overview.wordsBroken('[data-testid="agent-panel"] table'), [], 'no word of the agent table is broken during the install');

    await overview.waitForAgent(/^Installed$/);
    await overview.waitForNotification(/Installed on 4 of 4 nodes/, 'success');
    assert.equal(await overview.notification(/Installing the remote support agent/).count(), 1, 'one notification for the whole install');
    assert.deepEqual(await overview.brokenCells('[data-testid="agent-panel"] table', [0, 1, 2, 3]), []);
    // Node names are row headers in the text colour, not greyed out as if disabled.
    assert.equal(await frame.locator('[data-testid="agent-panel"] tbody th').first().evaluate((th) => getComputedStyle(th).color), 'rgb(50, 49, 48)');

    const one = await overview.answerConfirmation(frame.locator('[data-node="hci-n01"] [data-testid="remove-node"]'), 'cancel');
    assert.match(one, /Remove the agent from hci-n01\?/);
    const all = await overview.answerConfirmation(frame.locator('[data-testid="remove-all"]'), 'cancel');
    assert.match(all, /Remove the agent from all nodes\?/);
    await page.waitForTimeout(500);
    assert.deepEqual(await overview.agentStates(), ['Installed', 'Installed', 'Installed', 'Installed'], 'Cancel changed nothing');
  });

  it('3. a grant with a live session: denied attempts count, Change access shows at once, End session asks first', async () => {
    const granted = await product.api('POST', `${FEATURE}/access`, { accessLevel: 'Diagnostics', expireInMinutes: 60, agreeToRemoteSupportConsent: true, supportCaseNumber: CASE });
    assert.equal(granted.status, 201, granted.text);
    engineer = startInteractiveConsole(product, ['--case', CASE]);
    await engineer.waitFor(/left\]/);
    const row = overview.liveSessions().locator('tbody tr').first();
    await row.waitFor({ timeout: 20_000 });
    engineer.type('Get-ClusterNode');
    await engineer.waitFor(/hci-n04/);
    engineer.type('Stop-Service -Name ClusSvc');
    const count = frame.locator('[data-testid="command-count"]').first();
    await frame
      .waitForFunction(() => /2 commands, 1 denied/.test(document.querySelector('[data-testid="command-count"]')?.textContent ?? ''), undefined, { timeout: 20_000 })
      .catch(async (e) => assert.fail(`the count reads "${await count.innerText()}" (${e})\n${engineer?.output()}`));

    // Change access (the API, as the grant pane does): the row shows the new level without a tab switch.
    const changed = await product.api('POST', `${FEATURE}/access`, { accessLevel: 'DiagnosticsRepair', expireInMinutes: 60, agreeToRemoteSupportConsent: true, supportCaseNumber: CASE });
    assert.equal(changed.status, 201, changed.text);
    await frame.waitForFunction(() => document.querySelector('[data-testid="session-level"]')?.textContent?.trim() === 'Diagnostics and repair', undefined, { timeout: 20_000 });

    // At 1024x700 neither table breaks a word ("hci-" / "n01", "2026-" / "12-03") or spills out of its cell.
    assert.deepEqual(await overview.wordsBroken('[data-testid="live-sessions"] table'), [], 'the live sessions table keeps its words');
    assert.deepEqual(await overview.wordsBroken('[data-testid="agent-panel"] table'), [], 'the agent table keeps its words');

    // End session: its accessible name is its label, and it asks first; Cancel leaves the session running.
    assert.equal(await frame.getByRole('button', { name: 'End session', exact: true }).count(), 1);
    const question = await overview.answerConfirmation(frame.locator('[data-testid="end-session"]'), 'cancel');
    assert.match(question, /End the session of .+\?/);
    await page.waitForTimeout(500);
    assert.equal(await overview.liveSessions().locator('tbody tr').count(), 1, 'Cancel left the session running');

    // Links look like links: the link colour, underlined on hover.
    const link = frame.locator('[data-testid="view-transcript"]').first();
    assert.equal(await link.evaluate((a) => getComputedStyle(a).color), 'rgb(0, 103, 184)');
    await link.hover();
    assert.match(await link.evaluate((a) => getComputedStyle(a).textDecorationLine), /underline/);
    await judge('overview-live-session');

    // A transcript belongs to History: its tab is the active one there.
    await link.click();
    await frame.locator('[data-testid="entries"]').waitFor();
    assert.equal(await frame.locator('[data-testid="tab-history"]').getAttribute('aria-current'), 'page');
    assert.equal(await frame.locator('[data-testid="tab-overview"]').getAttribute('aria-current'), null);
    await overview.open();
  });

  it('4. the gateway stopped: a banner, data marked out of date, the countdown stops, a WAC notification; all clear when it is back', async () => {
    engineer?.kill();
    engineer = undefined;
    await product.stopGateway();
    await overview.banner().waitFor({ timeout: 20_000 });
    assert.match(await overview.banner().innerText(), /cannot be reached/);
    await overview.staleBadge().waitFor();
    await overview.waitForNotification(/Remote support gateway lost/, 'critical');
    assert.equal(await overview.countdown().getAttribute('data-paused'), 'true');
    const shown = await overview.countdown().innerText();
    await page.waitForTimeout(2500);
    assert.equal(await overview.countdown().innerText(), shown, 'the countdown stopped');
    await judge('overview-gateway-stopped');

    await product.startGateway();
    await overview.banner().waitFor({ state: 'detached', timeout: 60_000 });
    await overview.staleBadge().waitFor({ state: 'detached' });
    const back = overview.alerts().filter({ hasText: /can be reached again/ });
    await back.waitFor();
    await overview.waitForNotification(/Remote support gateway reached again/, 'success');
    // A success goes by itself after a few seconds.
    await back.waitFor({ state: 'detached', timeout: 12_000 });
    assert.equal(await overview.countdown().getAttribute('data-paused'), null, 'the countdown runs again');
  });

  it('5. the last minute of the countdown is highlighted', async () => {
    const state = await product.api<{ now: string; activeGrant: { expiresAt: string } }>('GET', `${FEATURE}/status`);
    const advanceMs = Date.parse(state.body.activeGrant.expiresAt) - Date.parse(state.body.now) - 45_000;
    assert.equal((await product.api('POST', '/api/test/clock', { advanceMs })).status, 200);
    await overview.refresh();
    await frame.locator('[data-testid="grant-countdown"] time.rs-countdown-last-minute').waitFor({ timeout: 20_000 });
    const look = await overview.countdown().evaluate((t) => ({ color: getComputedStyle(t).color, background: getComputedStyle(t).backgroundColor }));
    assert.deepEqual(look, { color: 'rgb(164, 38, 44)', background: 'rgb(253, 231, 233)' });
    await judge('overview-last-minute');
  });

  it('6. expired: the Overview says so, and so does a WAC notification', async () => {
    assert.equal((await product.api('POST', '/api/test/clock', { advanceMs: 60_000 })).status, 200);
    await frame.locator('[data-testid="no-grant"]').waitFor({ timeout: 30_000 });
    await overview.alerts().filter({ hasText: /expired/ }).first().waitFor({ timeout: 20_000 });
    await overview.waitForNotification(/Remote support access expired/);
    await judge('overview-expired');
  });
});
