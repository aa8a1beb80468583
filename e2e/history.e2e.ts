import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Frame, Page } from 'playwright-core';
import { adminPage, launchBrowser, viewAtBothSizes } from './support/browser';
import { HistoryGeometry } from './support/history-page';
import { HistoryPage, TranscriptViewer } from './support/pages';
import { FEATURE, Product, runConsole, startProduct } from './support/product';

const CASE = '2612030010001515';

/**
 * History and the transcript as an admin reads them at 1024x700 (issue 15,
 * items 5, 9, 10, 12 and 15): whole words and visible times in the tables,
 * times with their zone, the date typed as year-month-day, and a transcript
 * without JSON, codes or internal names.
 */
describe('history and transcripts read well on a small screen', () => {
  let product: Product;
  let browserHandle: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let frame: Frame;
  let history: HistoryPage;
  let geometry: HistoryGeometry;

  before(async () => {
    product = await startProduct(['--relay', 'local']);
    // A bit of history: a Diagnostics session with an output, a refusal for level and one for a pipeline,
    // then a Diagnostics and repair session.
    const install = await product.api<{ operation: { id: string } }>('POST', `${FEATURE}/agent/install`, {});
    assert.equal(install.status, 202, install.text);
    for (let status = 'running'; status === 'running'; await new Promise((r) => setTimeout(r, 200))) {
      status = (await product.api<{ operation: { status: string } }>('GET', `${FEATURE}/agent/operations/${install.body.operation.id}`)).body.operation.status;
      assert.notEqual(status, 'failed');
    }
    const diagnostics = await product.api('POST', `${FEATURE}/access`, { accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, supportCaseNumber: CASE });
    assert.equal(diagnostics.status, 201, diagnostics.text);
    const run = await runConsole(product, ['--case', CASE, '--json', '--command', 'Get-ClusterNode', '--command', 'Stop-Service -Name ClusSvc', '--command', 'Get-VM | Stop-VM']);
    assert.equal(run.json?.results?.[1]?.denied?.reason, 'level-too-low', run.stderr + run.stdout);
    assert.match(run.stdout + run.stderr, /until \d{4}-\d\d-\d\d \d\d:\d\d \S+ \(\d\d:\d\dZ\)|"expiresAt"/, 'the console names the zone of its times');
    const repair = await product.api('POST', `${FEATURE}/access`, { accessLevel: 'DiagnosticsRepair', agreeToRemoteSupportConsent: true, supportCaseNumber: CASE });
    assert.equal(repair.status, 201, repair.text);
    const second = await runConsole(product, ['--case', CASE, '--node', 'hci-n02', '--command', 'Get-Service -Name vmms']);
    assert.match(second.stdout, /until \d{4}-\d\d-\d\d \d\d:\d\d \S+ \(\d\d:\d\dZ\)/, `the console prints the expiry with its zone and in UTC:\n${second.stdout}`);

    browserHandle = await launchBrowser();
    const admin = await adminPage(browserHandle.browser, product);
    page = admin.page;
    frame = await admin.extension();
    history = new HistoryPage(frame);
    geometry = new HistoryGeometry(frame);
    await page.setViewportSize({ width: 1024, height: 700 });
    await history.open();
    await history.waitForSessionRows();
  });
  after(async () => {
    await browserHandle?.close();
    await product?.stop();
  });

  it('lists sessions with whole words, the time of day visible, levels in words, tooltips and no empty box', async () => {
    const table = history.sessionsTable();
    assert.deepEqual(await geometry.brokenWords('[data-testid="sessions-table"]'), [], 'no word in the sessions table is broken or cut');
    assert.deepEqual(await geometry.brokenWords('[data-testid="consent-table"]'), [], 'no word in the consent table is broken or cut');
    const started = await table.locator('[data-testid="session-started"] .rs-when-time').first().innerText();
    assert.match(started, /^\d\d:\d\d \S+$/, `the time of day and its zone show: ${started}`);
    assert.deepEqual(await geometry.hiddenTimes('.rs-history'), [], 'every time of day is shown whole');
    const all = await frame.locator('.rs-history').innerText();
    assert.match(all, /Diagnostics and repair/);
    assert.doesNotMatch(all, /DiagnosticsRepair|\(s\)/);

    const fill = await geometry.tableFill();
    assert.ok(fill.host - fill.header - fill.rows < 48, `the table is as tall as its rows: ${JSON.stringify(fill)}`);

    // The engineer's cell tells the full value on hover (the SDK's tooltip).
    await table.locator('.sme-table-row-data[data-rendered-item-index] .sme-table-cell').first().hover();
    await frame.getByText(/engineer@/).last().waitFor();

    const link = await geometry.linkLook('[data-testid="open-transcript"]');
    assert.notEqual(link.color, 'rgb(0, 0, 0)', 'a link is not plain black text');
    assert.equal(link.textDecoration, 'underline');
    assert.doesNotMatch(link.focusOutline, /^none/, `a focused link shows it: ${link.focusOutline}`);

    assert.deepEqual(await viewAtBothSizes(page, frame, 'history-list'), []);
  });

  it('takes the start date as year-month-day and explains any other form', async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    const input = frame.locator('[data-testid="from-date"]');
    assert.match(await input.inputValue(), /^\d{4}-\d\d-\d\d$/, 'the date shows as year-month-day');
    assert.match(await frame.locator('[data-testid="from-date-format"]').innerText(), /Year-month-day, e\.g\. \d{4}-\d\d-\d\d/);
    const kept = await input.inputValue();
    await input.fill('12/01/2026');
    await input.press('Enter');
    await frame.locator('[data-testid="from-date-error"]').waitFor();
    assert.deepEqual(await viewAtBothSizes(page, frame, 'history-filter'), []);
    await input.fill(kept);
    await input.press('Enter');
    await frame.locator('[data-testid="from-date-error"]').waitFor({ state: 'detached' });
    assert.match(await frame.locator('[data-testid="time-zone-note"]').innerText(), /your time zone \(\S+\)/);
  });

  it('shows a transcript as a person reads it: prompt, command, output in columns, refusals in words', async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    // The oldest session is the Diagnostics one with the refusals.
    await frame.locator('[data-testid="open-transcript"]').last().click();
    await frame.locator('[data-testid="entries"]').waitFor();
    const viewer = new TranscriptViewer(frame);
    await viewer.waitForText(/Get-VM \| Stop-VM/);
    const text = await viewer.entriesText();
    assert.doesNotMatch(text, /\{"cmdlet"|-> \{|-> denied|level-too-low|\(pipeline\)|DiagnosticsRepair|\d{4}-\d\d-\d\dT\d\d/, 'no JSON, codes, internal names or ISO times');
    assert.match(text, /Diagnostics> Get-ClusterNode/, 'the prompt names the level before the command as typed');
    assert.match(text, /Not allowed at the Diagnostics level/);
    assert.match(text, /Not allowed: pipes into another command/);
    assert.match(text, /Session ended: Closed by the engineer/);
    const time = frame.locator('[data-testid="entries"] time').first();
    assert.match(await time.innerText(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+$/, 'entry times name their zone');
    assert.match((await time.getAttribute('title')) ?? '', / UTC$/, 'and give UTC on hover');

    for (const out of await geometry.outputs()) {
      assert.equal(out.whiteSpace, 'pre', 'PowerShell output keeps its columns');
      assert.equal(out.laidOut, out.lines, `no output line wraps: ${JSON.stringify(out)}`);
      assert.match(out.fontFamily, /Consolas|Courier|monospace/);
      assert.equal(out.overflowX, 'auto', 'a wide table scrolls in its own box');
      assert.ok(out.insideList, 'the box itself stays inside the transcript');
    }
    assert.deepEqual(await geometry.brokenWords('[data-testid="session-facts"]'), []);
    assert.deepEqual(await geometry.brokenWords('[data-testid="entries"]'), []);
    const back = await geometry.linkLook('[data-testid="back"]');
    assert.equal(back.textDecoration, 'underline');

    assert.deepEqual(await viewAtBothSizes(page, frame, 'history-transcript'), []);
  });
});
