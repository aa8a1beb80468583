import { Frame, Locator } from 'playwright-core';

/** Page objects of the extension, by role: the admin's views. Specs ask them, never raw selectors. */
const byTestId = (scope: Frame | Locator, id: string) => scope.locator(`[data-testid="${id}"]`);

export class DashboardPage {
  constructor(readonly frame: Frame) {}

  async open(): Promise<void> {
    await byTestId(this.frame, 'tab-overview').click();
    await byTestId(this.frame, 'grant-panel').waitFor();
  }

  agentStates(): Promise<string[]> {
    return byTestId(this.frame, 'agent-state').allInnerTexts();
  }

  async installOnAllNodes(): Promise<void> {
    await byTestId(this.frame, 'install-all').click();
  }

  async waitUntilAgentInstalledEverywhere(timeoutMs = 30_000): Promise<void> {
    await this.frame.waitForFunction(() => {
      const cells = [...document.querySelectorAll('[data-testid="agent-state"]')];
      return cells.length === 4 && cells.every((c) => /installed/i.test(c.textContent ?? '') && !/not installed/i.test(c.textContent ?? ''));
    }, undefined, { timeout: timeoutMs });
  }

  prerequisites(): Locator {
    return byTestId(this.frame, 'prerequisites');
  }

  async openGrantDialog(): Promise<GrantDialog> {
    await byTestId(this.frame, 'open-grant').click();
    const dialog = new GrantDialog(this.frame);
    await dialog.waitForTerms();
    return dialog;
  }

  grantLevel(): Promise<string> {
    return byTestId(this.frame, 'grant-level').innerText();
  }

  countdown(): Promise<string> {
    return byTestId(this.frame, 'grant-countdown').innerText();
  }

  noGrant(): Locator {
    return byTestId(this.frame, 'no-grant');
  }

  liveSessions(): Locator {
    return byTestId(this.frame, 'live-sessions');
  }

  async watchFirstLiveSession(): Promise<TranscriptViewer> {
    await byTestId(this.frame, 'view-transcript').first().click();
    const viewer = new TranscriptViewer(this.frame);
    await byTestId(this.frame, 'entries').waitFor();
    return viewer;
  }

  async revoke(): Promise<string> {
    await byTestId(this.frame, 'revoke').click();
    const sessions = byTestId(this.frame, 'revoke-sessions');
    await sessions.waitFor();
    const warning = `${await byTestId(this.frame, 'revoke-message').innerText()} ${await sessions.innerText()}`;
    await byTestId(this.frame, 'revoke-confirm').click();
    return warning;
  }
}

export class GrantDialog {
  constructor(readonly frame: Frame) {}

  async waitForTerms(): Promise<void> {
    await this.frame.waitForFunction(() => (document.querySelector('[data-testid="terms-text"]')?.textContent ?? '').length > 100);
  }

  async chooseLevel(level: 'Diagnostics' | 'DiagnosticsRepair'): Promise<void> {
    await this.frame.locator(`#rs-level-${level}`).check();
  }

  commandsShown(): Promise<string[]> {
    return byTestId(this.frame, 'level-commands').locator('li[data-command]').evaluateAll((items) => items.map((i) => i.getAttribute('data-command') ?? ''));
  }

  async setDuration(amount: string, unit: 'minutes' | 'hours' | 'days'): Promise<void> {
    await this.frame.locator('#rs-duration-unit').selectOption(unit);
    await this.frame.locator('#rs-duration-amount').fill(amount);
    await this.frame.locator('#rs-duration-amount').blur();
  }

  durationAmount(): Promise<string> {
    return this.frame.locator('#rs-duration-amount').inputValue();
  }

  minutesShown(): Promise<string> {
    return byTestId(this.frame, 'duration-minutes').innerText();
  }

  /** The error shown next to a field (by its API name), or null. */
  async fieldError(field: string): Promise<string | null> {
    const error = this.frame.locator(`#rs-${field}-error`);
    return (await error.count()) ? error.innerText() : null;
  }

  async setCase(value: string): Promise<void> {
    await this.frame.locator('#rs-case').fill(value);
  }

  sasFieldVisible(): Promise<boolean> {
    return this.frame.locator('#rs-sas').isVisible();
  }

  async agree(agreed = true): Promise<void> {
    await this.frame.locator('#rs-agree').setChecked(agreed);
  }

  grantEnabled(): Promise<boolean> {
    return byTestId(this.frame, 'grant-button').isEnabled();
  }

  async grant(): Promise<void> {
    await byTestId(this.frame, 'grant-button').click();
  }

  async cancel(): Promise<void> {
    await byTestId(this.frame, 'cancel-button').click();
  }
}

export class HistoryPage {
  constructor(readonly frame: Frame) {}

  async open(): Promise<void> {
    await byTestId(this.frame, 'tab-history').click();
    await byTestId(this.frame, 'sessions-table').waitFor();
  }

  /** Waits until the virtualized sessions table has drawn its rows (no loading placeholders left). */
  async waitForSessionRows(timeoutMs = 20_000): Promise<void> {
    await this.frame.waitForFunction(() => {
      const host = document.querySelector('[data-testid="sessions-table"]');
      return !!host && !host.querySelector('.sme-table-row-placeholder') && !!host.querySelector('[data-testid="open-transcript"]');
    }, undefined, { timeout: timeoutMs });
  }

  sessionsTable(): Locator {
    return byTestId(this.frame, 'sessions-table');
  }

  consentTable(): Locator {
    return byTestId(this.frame, 'consent-table');
  }

  async search(text: string): Promise<string> {
    await byTestId(this.frame, 'search-input').fill(text);
    await byTestId(this.frame, 'search-button').click();
    const hits = byTestId(this.frame, 'search-hits').or(byTestId(this.frame, 'no-hits'));
    await hits.first().waitFor();
    return hits.first().innerText();
  }

  async openFirstTranscript(): Promise<TranscriptViewer> {
    await byTestId(this.frame, 'open-transcript').first().click();
    await byTestId(this.frame, 'entries').waitFor();
    return new TranscriptViewer(this.frame);
  }
}

export class TranscriptViewer {
  constructor(readonly frame: Frame) {}

  entriesText(): Promise<string> {
    return byTestId(this.frame, 'entries').innerText();
  }

  /** Waits until the transcript shows text matching `pattern` (live follow, no reload). */
  async waitForText(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    await this.frame.waitForFunction(
      ([source, flags]) => new RegExp(source!, flags).test(document.querySelector('[data-testid="entries"]')?.textContent ?? ''),
      [pattern.source, pattern.flags],
      { timeout: timeoutMs },
    );
  }

  sessionState(): Promise<string> {
    return byTestId(this.frame, 'session-state').innerText();
  }

  async verify(): Promise<string> {
    await byTestId(this.frame, 'verify').click();
    const result = byTestId(this.frame, 'verification');
    await result.waitFor();
    return result.innerText();
  }

  async find(text: string): Promise<string> {
    await byTestId(this.frame, 'find-input').fill(text);
    return byTestId(this.frame, 'find-count').innerText();
  }

  downloadTextButton(): Locator {
    return byTestId(this.frame, 'download-text');
  }

  downloadJsonButton(): Locator {
    return byTestId(this.frame, 'download-json');
  }
}
