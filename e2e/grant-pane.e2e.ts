import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Frame, Page } from 'playwright-core';
import { launchBrowser, viewAtBothSizes } from './support/browser';
import { adminPageInZone, GrantPane, openGrantPane } from './support/grant-pane-page';
import { DashboardPage } from './support/pages';
import { FEATURE, Product, startProduct } from './support/product';

const CASE = '2611250010004242';
/** A local time to the minute with the zone named, as the pane shows it (the browser runs in Los Angeles). */
const LOCAL_WITH_ZONE = /^Access ends \d{4}-\d{2}-\d{2} \d{2}:\d{2} P[SD]T$/;

/**
 * The grant pane as an admin in Los Angeles uses it (issue 15, items 3, 4, 9
 * and 13): the end of access in local time with the zone, a unit switch that
 * keeps the value, why Grant is disabled, and Change access filled with the
 * current grant, with what changes listed before Grant. The steps run in order.
 */
describe('the grant pane', () => {
  let product: Product;
  let browserHandle: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let frame: Frame;
  let dashboard: DashboardPage;
  let firstExpiry = 0;

  before(async () => {
    product = await startProduct();
    browserHandle = await launchBrowser();
    ({ page, frame } = await adminPageInZone(browserHandle.browser, product));
    dashboard = new DashboardPage(frame);
    await dashboard.open();
    await dashboard.installOnAllNodes();
    await dashboard.waitUntilAgentInstalledEverywhere();
  });
  after(async () => {
    await browserHandle?.close();
    await product?.stop();
  });

  it('says when access ends, in local time with the zone and UTC on hover, and why Grant is disabled', async () => {
    const pane = await openGrantPane(frame);
    assert.equal(await pane.title(), 'Grant remote support access');
    assert.match(await pane.endsAt(), LOCAL_WITH_ZONE);
    assert.match((await pane.endsAtTitle()) ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    assert.equal(await pane.minutesShown(), 'That is 8 hours (480 minutes).');
    assert.equal(await pane.blockedReason(), 'To grant access, still needed: your agreement to the terms.');
    assert.equal(await pane.grantDescribedBy(), 'rs-grant-blocked');
    assert.deepEqual(await viewAtBothSizes(page, frame, 'grant-pane-empty'), []);
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('keeps the value valid through every unit switch, with no drift, at the bounds too', async () => {
    const pane = new GrantPane(frame);
    const switches: Array<[string, 'minutes' | 'hours' | 'days', Array<['minutes' | 'hours' | 'days', string]>]> = [
      ['8', 'hours', [['days', '0.33'], ['hours', '8'], ['minutes', '480'], ['days', '0.33'], ['minutes', '480'], ['hours', '8']]],
      ['60', 'minutes', [['days', '0.04'], ['hours', '1'], ['days', '0.04'], ['minutes', '60'], ['hours', '1'], ['minutes', '60']]],
      ['20160', 'minutes', [['days', '14'], ['hours', '336'], ['minutes', '20160'], ['hours', '336'], ['days', '14'], ['minutes', '20160']]],
    ];
    for (const [amount, unit, steps] of switches) {
      await pane.setDuration(amount, unit);
      const ends = await pane.endsAt();
      for (const [to, shown] of steps) {
        await pane.switchUnit(to);
        assert.equal(await pane.durationAmount(), shown, `${amount} ${unit} shown in ${to}`);
        assert.equal(await pane.fieldError('expireInMinutes'), null, `${amount} ${unit} stays valid in ${to}`);
        assert.equal(await pane.endsAt(), ends, 'the end does not move with the unit');
      }
    }
  });

  it('shows an invalid duration with its message, no end, and the reason beside Grant', async () => {
    const pane = new GrantPane(frame);
    await pane.setDuration('15', 'days');
    assert.match((await pane.fieldError('expireInMinutes')) ?? '', /at most 14 days/);
    assert.equal(await pane.endsAt(), '');
    assert.match(await pane.blockedReason(), /a duration from 1 hour to 14 days/);
    assert.equal(await pane.grantEnabled(), false);
    assert.deepEqual(await viewAtBothSizes(page, frame, 'grant-pane-invalid'), []);
    await page.setViewportSize({ width: 1366, height: 768 });

    await pane.setDuration('8', 'hours');
    await pane.setCase(CASE);
    await pane.agree();
    assert.equal(await pane.blockedReason(), '');
    assert.equal(await pane.grantEnabled(), true);
    await pane.grant();
    await pane.closed();
    await frame.locator('[data-testid="grant-level"]').waitFor();
    assert.equal(await dashboard.grantLevel(), 'Diagnostics');
    const status = await product.api('GET', `${FEATURE}/status`);
    firstExpiry = Date.parse(status.body.activeGrant.expiresAt);
  });

  it('Change access opens with the current grant, lists what changes, and raising the level keeps the case and the end', async () => {
    const pane = await openGrantPane(frame);
    assert.equal(await pane.title(), 'Change remote support access');
    assert.equal(await pane.selectedLevel(), 'Diagnostics');
    assert.equal(await pane.caseValue(), CASE);
    assert.match(`${await pane.durationAmount()} ${await pane.durationUnit()}`, /^(479 minutes|8 hours)$/, 'the time left, not a fresh default');
    assert.doesNotMatch(await pane.changeSummary(), /Level|Support case/);

    await pane.chooseLevel('DiagnosticsRepair');
    assert.match(await pane.changeSummary(), /Level: Diagnostics → Diagnostics and repair/);
    assert.equal(await pane.caseValue(), CASE, 'raising the level keeps the support case');
    assert.equal(await pane.grantLabel(), 'Change access');
    assert.deepEqual(await viewAtBothSizes(page, frame, 'grant-pane-change'), []);
    await page.setViewportSize({ width: 1366, height: 768 });

    await pane.agree();
    await pane.grant();
    await pane.closed();
    await frame.getByText('Diagnostics and repair', { exact: true }).first().waitFor();
    assert.equal(await dashboard.grantLevel(), 'Diagnostics and repair');
    assert.equal(await frame.locator('[data-testid="grant-case"]').innerText(), CASE);
    const status = await product.api('GET', `${FEATURE}/status`);
    assert.equal(status.body.activeGrant.accessLevel, 'DiagnosticsRepair');
    assert.equal(status.body.activeGrant.supportCaseNumber, CASE);
    assert.ok(Math.abs(Date.parse(status.body.activeGrant.expiresAt) - firstExpiry) <= 60_000, 'the end stays where it was, not 8 hours from now');
  });
});
