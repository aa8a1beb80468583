import { Browser, Frame, Page } from 'playwright-core';
import { GrantDialog } from './pages';
import { Product } from './product';

const byTestId = (frame: Frame, id: string) => frame.locator(`[data-testid="${id}"]`);

/**
 * The admin in a given time zone (Los Angeles by default, where the issue's
 * admin saw local times without a zone), signed in with the login link the
 * product printed.
 */
export async function adminPageInZone(browser: Browser, product: Product, timezoneId = 'America/Los_Angeles'): Promise<{ page: Page; frame: Frame }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 }, timezoneId });
  const page = await context.newPage();
  await page.goto(product.loginUrl);
  const handle = await page.waitForSelector('iframe', { timeout: 30_000 });
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('the host page has no extension frame');
  return { page, frame };
}

/** The grant pane beyond what the main scenario asks: the end, the unit switch, why Grant is disabled, Change access. */
export class GrantPane extends GrantDialog {
  title(): Promise<string> {
    return byTestId(this.frame, 'grant-title').innerText();
  }

  async switchUnit(unit: 'minutes' | 'hours' | 'days'): Promise<void> {
    await this.frame.locator('#rs-duration-unit').selectOption(unit);
  }

  durationUnit(): Promise<string> {
    return this.frame.locator('#rs-duration-unit').inputValue();
  }

  endsAt(): Promise<string> {
    return byTestId(this.frame, 'ends-at').innerText();
  }

  endsAtTitle(): Promise<string | null> {
    return byTestId(this.frame, 'ends-at').getAttribute('title');
  }

  async blockedReason(): Promise<string> {
    const el = byTestId(this.frame, 'grant-blocked');
    return (await el.count()) ? el.innerText() : '';
  }

  grantDescribedBy(): Promise<string | null> {
    return byTestId(this.frame, 'grant-button').getAttribute('aria-describedby');
  }

  /** The access level whose radio is checked. */
  selectedLevel(): Promise<string | null> {
    return this.frame.locator('input[name="accessLevel"]:checked').evaluate((el) => el.id.replace('rs-level-', ''));
  }

  caseValue(): Promise<string> {
    return this.frame.locator('#rs-case').inputValue();
  }

  changeSummary(): Promise<string> {
    return byTestId(this.frame, 'change-summary').innerText();
  }

  grantLabel(): Promise<string> {
    return byTestId(this.frame, 'grant-button').innerText();
  }

  async closed(): Promise<void> {
    await byTestId(this.frame, 'grant-button').waitFor({ state: 'hidden' });
  }
}

/** Opens Grant access (or Change access) from the Overview and waits for the terms. */
export async function openGrantPane(frame: Frame): Promise<GrantPane> {
  await byTestId(frame, 'open-grant').click();
  const pane = new GrantPane(frame);
  await pane.waitForTerms();
  return pane;
}
