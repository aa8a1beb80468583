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

  /** The live "Access ends …" line under the duration ('' while the duration is not valid). */
  endsAt(): string {
    return this.testIdText('ends-at');
  }

  /** The tooltip of the end: the same moment in UTC. */
  endsAtTitle(): string | null {
    return this.byTestId('ends-at')?.getAttribute('title') ?? null;
  }

  /** Everything the pane says, for checks that some wording never appears. */
  paneText(): string {
    return (this.root.textContent ?? '').replace(/\s+/g, ' ');
  }

  title(): string {
    return this.testIdText('grant-title');
  }

  selectedLevel(): string | null {
    return this.query<HTMLInputElement>('input[name="accessLevel"]:checked')?.id.replace('rs-level-', '') ?? null;
  }

  caseValue(): string {
    return this.query<HTMLInputElement>('#rs-case')!.value;
  }

  sasHint(): string {
    return this.text('#rs-sas-hint');
  }

  sasLabel(): string {
    return this.text('label[for="rs-sas"]');
  }

  /** The lines of "What changes" on Change access, as shown. */
  changeSummary(): string[] {
    return this.queryAll('[data-testid="change-summary"] li').map((li) => (li.textContent ?? '').replace(/\s+/g, ' ').trim());
  }

  changeSummaryText(): string {
    return this.testIdText('change-summary');
  }

  /** The summary beside Grant of what is still missing ('' when Grant is enabled). */
  blockedReason(): string {
    return this.testIdText('grant-blocked');
  }

  /** The ids the Grant button's description points at. */
  grantDescribedBy(): string | null {
    return this.query('[data-testid="grant-button"]')!.getAttribute('aria-describedby');
  }

  grantLabel(): string {
    return this.testIdText('grant-button');
  }

  /** Follows the summary's link for a missing field (it shows the field's message and focuses it). */
  async goToMissing(field: GrantField): Promise<void> {
    await this.click(`[data-testid="grant-blocked"] button[data-field="${field}"]`);
  }

  focusedId(): string | null {
    return (document.activeElement as HTMLElement | null)?.id ?? null;
  }

  async blurSas(): Promise<void> {
    this.query('#rs-sas')!.dispatchEvent(new Event('blur'));
    await this.settle();
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
