import { AccessLevel } from '../core/api-models';
import { DurationUnit } from '../core/duration';
import { GrantField } from '../grant-dialog/grant-form';
import { DomHarness } from './dom-harness';

/** The grant dialog as an admin sees it. */
export class GrantDialogHarness extends DomHarness {
  async chooseLevel(level: AccessLevel): Promise<void> {
    await this.click(`#rs-level-${level}`);
  }

  levelCommands(): string[] {
    return this.queryAll('[data-testid="level-commands"] li').map((li) => li.getAttribute('data-command') ?? '');
  }

  commandsHeading(): string {
    return this.text('.rs-commands-title');
  }

  async setDuration(amount: string, unit?: DurationUnit): Promise<void> {
    if (unit) await this.select('#rs-duration-unit', unit);
    await this.type('#rs-duration-amount', amount);
  }

  durationAmount(): string {
    return this.query<HTMLInputElement>('#rs-duration-amount')!.value;
  }

  durationUnit(): string {
    return this.query<HTMLSelectElement>('#rs-duration-unit')!.value;
  }

  minutesShown(): string {
    return this.testIdText('duration-minutes');
  }

  async typeCase(value: string): Promise<void> {
    await this.type('#rs-case', value);
  }

  sasVisible(): boolean {
    return !!this.query('#rs-sas');
  }

  async typeSas(value: string): Promise<void> {
    await this.type('#rs-sas', value);
  }

  termsText(): string {
    return this.query('[data-testid="terms-text"]')?.textContent ?? '';
  }

  async agree(checked = true): Promise<void> {
    await this.check('#rs-agree', checked);
  }

  fieldError(field: GrantField): string | null {
    const el = this.query(`#rs-${field}-error`);
    return el ? (el.textContent ?? '').trim() : null;
  }

  generalError(): string | null {
    const el = this.byTestId('general-error');
    return el ? (el.textContent ?? '').trim() : null;
  }

  grantEnabled(): boolean {
    return !this.isDisabled('[data-testid="grant-button"]');
  }

  async grant(): Promise<void> {
    await this.clickTestId('grant-button');
  }

  async cancel(): Promise<void> {
    await this.clickTestId('cancel-button');
  }
}
