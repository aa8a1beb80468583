import { ChangeDetectionStrategy, Component } from '@angular/core';
import { AlertKind, AlertLedger, ExtensionAlert } from './alert-ledger';
import { extensionStrings } from '../core/strings';

/** Plain-text glyphs: the SDK's icon font is only there inside the WAC shell. */
const GLYPHS: Record<AlertKind, string> = { error: '✕', warning: '!', success: '✓', info: 'i' };

/** The tool's alert bar: every alert of the {@link AlertLedger}, each dismissable. */
@Component({
  selector: 'rs-alerts',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="rs-alerts" aria-live="polite">
      <div *ngFor="let alert of ledger.alerts$ | async; trackBy: byId" class="sme-alert rs-alert rs-alert-{{ alert.kind }}"
        [class.sme-alert-error]="alert.kind === 'error'" [class.sme-alert-warning]="alert.kind === 'warning'"
        [class.sme-alert-success]="alert.kind === 'success'" [class.sme-alert-informational]="alert.kind === 'info'"
        [attr.role]="alert.kind === 'error' ? 'alert' : 'status'" [attr.data-alert-kind]="alert.kind" [attr.data-alert-code]="alert.code">
        <span class="rs-glyph rs-glyph-{{ alert.kind }}" aria-hidden="true">{{ glyph(alert) }}</span>
        <span class="rs-alert-message">{{ alert.message }}<span *ngIf="alert.code" class="rs-alert-code"> ({{ alert.code }})</span></span>
        <button type="button" class="sme-button-trigger rs-alert-dismiss" (click)="ledger.dismiss(alert.id)" [attr.aria-label]="strings.Common.dismiss">×</button>
      </div>
    </div>
  `,
})
export class AlertsComponent {
  readonly strings = extensionStrings();

  constructor(readonly ledger: AlertLedger) {}

  glyph(alert: ExtensionAlert): string {
    return GLYPHS[alert.kind];
  }

  byId(_: number, alert: ExtensionAlert): number {
    return alert.id;
  }
}
