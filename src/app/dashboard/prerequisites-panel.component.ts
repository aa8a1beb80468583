import { ChangeDetectionStrategy, Component, EventEmitter, Input, Output } from '@angular/core';
import { PrerequisiteCheck, Prerequisites } from '../core/api-models';
import { extensionStrings, format } from '../core/strings';

/** Status glyphs in plain text: the SDK's icon font is only there inside the WAC shell. */
const GLYPH: Record<PrerequisiteCheck['status'], string> = { passed: '✓', warning: '!', failed: '✕' };

/** The prerequisites checklist; each check that does not pass says what to do. */
@Component({
  selector: 'rs-prerequisites-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="rs-card" aria-labelledby="rs-prereq-heading" data-testid="prerequisites">
      <h2 id="rs-prereq-heading">{{ strings.Prerequisites.title }}</h2>
      <p *ngIf="loading && !prerequisites" role="status">{{ strings.Common.loading }}</p>
      <ng-container *ngIf="prerequisites">
        <p data-testid="prereq-summary" [class.rs-text-critical]="!prerequisites.ready">{{ summary }}</p>
        <ul class="rs-checklist" *ngIf="attention.length" data-testid="attention-checks">
          <ng-container *ngFor="let check of attention; trackBy: byId"><ng-container *ngTemplateOutlet="checkItem; context: { $implicit: check }"></ng-container></ng-container>
        </ul>
        <div *ngIf="passed.length" class="rs-passed-checks">
          <button type="button" class="rs-expander" data-testid="passed-toggle" [attr.aria-expanded]="passedOpen" aria-controls="rs-passed-list" (click)="togglePassed()">
            <span class="rs-expander-arrow" aria-hidden="true">{{ passedOpen ? '▾' : '▸' }}</span>{{ passedText }}
          </button>
          <ul class="rs-checklist" id="rs-passed-list" [hidden]="!passedOpen" data-testid="passed-checks">
            <ng-container *ngFor="let check of passed; trackBy: byId"><ng-container *ngTemplateOutlet="checkItem; context: { $implicit: check }"></ng-container></ng-container>
          </ul>
        </div>
        <ng-template #checkItem let-check>
          <li class="rs-check rs-check-{{ check.status }}" [attr.data-check]="check.id" [attr.data-status]="check.status">
            <span class="rs-glyph rs-glyph-{{ check.status }}" aria-hidden="true">{{ glyph(check) }}</span>
            <span class="sme-screen-reader">{{ statusName(check) }}:</span>
            <strong>{{ check.title }}</strong>
            <div class="rs-hint">{{ check.detail }}</div>
            <div *ngIf="check.status !== 'passed' && check.remedy" class="rs-remedy" data-testid="remedy">
              {{ strings.Prerequisites.remedy | rsFormat: check.remedy }}
            </div>
          </li>
        </ng-template>
      </ng-container>
      <div class="rs-actions">
        <button type="button" data-testid="recheck" [disabled]="loading" (click)="recheck.emit()">{{ loading ? strings.Prerequisites.checking : strings.Prerequisites.recheck }}</button>
      </div>
    </section>
  `,
})
export class PrerequisitesPanelComponent {
  @Input() prerequisites: Prerequisites | null = null;
  @Input() loading = false;
  @Output() readonly recheck = new EventEmitter<void>();

  readonly strings = extensionStrings();

  /** Whether the passed checks are shown: folded unless nothing needs attention (then the admin may want to see them). */
  private openedByAdmin: boolean | null = null;

  get passedOpen(): boolean {
    return this.openedByAdmin ?? !this.attention.length;
  }

  togglePassed(): void {
    this.openedByAdmin = !this.passedOpen;
  }

  get passedText(): string {
    const s = this.strings.Prerequisites;
    return this.passed.length === 1 ? s.passedOne : format(s.passedCount, this.passed.length);
  }

  get summary(): string {
    const p = this.prerequisites!;
    const s = this.strings.Prerequisites;
    if (p.ready && p.checks.every((c) => c.status === 'passed')) return s.ready;
    const failing = p.checks.filter((c) => c.status !== 'passed').length;
    if (p.ready) return failing === 1 ? s.readyWithWarning : format(s.readyWithWarnings, failing);
    return failing === 1 ? s.notReadyOne : format(s.notReady, failing);
  }

  /** Checks that fail or warn, failures first: each says what to do. */
  get attention(): PrerequisiteCheck[] {
    const checks = this.prerequisites?.checks ?? [];
    return [...checks.filter((c) => c.status === 'failed'), ...checks.filter((c) => c.status === 'warning')];
  }

  get passed(): PrerequisiteCheck[] {
    return (this.prerequisites?.checks ?? []).filter((c) => c.status === 'passed');
  }

  statusName(check: PrerequisiteCheck): string {
    return this.strings.Prerequisites.Status[check.status];
  }

  glyph(check: PrerequisiteCheck): string {
    return GLYPH[check.status];
  }

  byId(_: number, c: PrerequisiteCheck): string {
    return c.id;
  }
}
