import { Frame, Locator } from 'playwright-core';

/** Page objects of issue 16's views: the Requests tab, the Overview's waiting repairs, the Deny list tab, who read a transcript. */
const byTestId = (scope: Frame | Locator, id: string) => scope.locator(`[data-testid="${id}"]`);

export class RequestsPage {
  constructor(readonly frame: Frame) {}

  async open(): Promise<void> {
    await byTestId(this.frame, 'tab-requests').click();
    await byTestId(this.frame, 'requests').waitFor();
  }

  badge(): Locator {
    return byTestId(this.frame, 'requests-badge');
  }

  row(id: string): Locator {
    return this.frame.locator(`[data-testid="request-row"][data-request-id="${id}"]`);
  }

  async select(id: string, timeoutMs = 30_000): Promise<Locator> {
    await this.row(id).waitFor({ timeout: timeoutMs });
    await this.row(id).click();
    const detail = byTestId(this.frame, 'request-detail');
    await detail.waitFor();
    return detail;
  }

  state(): Promise<string> {
    return byTestId(this.frame, 'request-state').first().innerText();
  }

  messages(): Promise<string[]> {
    return byTestId(this.frame, 'request-message').allInnerTexts();
  }

  async ask(question: string): Promise<void> {
    await byTestId(this.frame, 'ask-question').fill(question);
    await byTestId(this.frame, 'ask-submit').click();
  }

  /** Approves with the length given in minutes (the form's unit set to minutes when it has one). */
  async approve(options: { minutes?: number; level?: 'Diagnostics' | 'DiagnosticsRepair' } = {}): Promise<void> {
    if (options.level) await byTestId(this.frame, 'approve-level').selectOption(options.level);
    if (options.minutes !== undefined) {
      const unit = byTestId(this.frame, 'approve-unit');
      if (await unit.count()) await unit.selectOption({ value: 'minutes' });
      await byTestId(this.frame, 'approve-minutes').fill(String(options.minutes));
    }
    await this.frame.waitForFunction(() => (document.querySelector('[data-testid="approve-terms"]')?.textContent ?? '').length > 100);
    await byTestId(this.frame, 'approve-consent').check();
    await byTestId(this.frame, 'approve-submit').click();
  }
}

export class WaitingRepairs {
  constructor(readonly frame: Frame) {}

  panel(): Locator {
    return byTestId(this.frame, 'waiting-repairs');
  }

  /** The card of the repair whose command line matches, once it shows. */
  async card(command: RegExp, timeoutMs = 30_000): Promise<Locator> {
    const card = byTestId(this.frame, 'waiting-repair').filter({ has: byTestId(this.frame, 'repair-command').filter({ hasText: command }) });
    await card.first().waitFor({ timeout: timeoutMs });
    return card.first();
  }

  async approve(card: Locator, note?: string): Promise<void> {
    if (note) await byTestId(card, 'repair-note').fill(note);
    await byTestId(card, 'repair-approve').click();
  }

  async refuse(card: Locator, reason: string): Promise<void> {
    await byTestId(card, 'repair-refuse').click();
    const field = byTestId(this.frame, 'repair-refuse-reason');
    await field.waitFor();
    await field.fill(reason);
    await byTestId(this.frame, 'repair-refuse-confirm').click();
  }
}

export class DenyListPage {
  constructor(readonly frame: Frame) {}

  async open(): Promise<void> {
    await byTestId(this.frame, 'tab-deny-list').click();
    await byTestId(this.frame, 'deny-list').waitFor();
  }

  rules(): Locator {
    return byTestId(this.frame, 'deny-rule');
  }

  /** Adds a rule: a command, one parameter with its value, nodes (none: every node) and the reason; then saves. */
  async addRule(rule: { cmdlet: string; parameter?: [string, string]; nodes?: string[]; reason: string }): Promise<void> {
    await byTestId(this.frame, 'deny-add').click();
    await byTestId(this.frame, 'deny-rule-cmdlet').last().selectOption(rule.cmdlet);
    if (rule.parameter) {
      const name = byTestId(this.frame, 'deny-rule-param-name');
      if ((await name.count()) === 0) await byTestId(this.frame, 'deny-rule-param-add').last().click();
      await name.last().fill(rule.parameter[0]);
      await byTestId(this.frame, 'deny-rule-param-value').last().fill(rule.parameter[1]);
    }
    for (const node of rule.nodes ?? []) await this.frame.locator(`[data-testid="deny-rule-node"][data-node="${node}"]`).last().check();
    await byTestId(this.frame, 'deny-rule-reason').last().fill(rule.reason);
    await byTestId(this.frame, 'deny-save').click();
  }

  version(): Promise<string> {
    return byTestId(this.frame, 'deny-version').innerText();
  }
}

/** Who read a transcript, in the transcript viewer. */
export function recordReads(frame: Frame): Locator {
  return byTestId(frame, 'record-read');
}
