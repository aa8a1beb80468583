import { Component, ViewChild } from '@angular/core';
import { BaseDialogComponent, DialogComponent, DialogOptions, DialogResult, DialogService } from '@microsoft/windows-admin-center-sdk/angular';
import { extensionStrings, format } from '../core/strings';

export interface RevokeConfirmationOptions extends DialogOptions {
  /** How many sessions are live now: the confirmation says they will be cut. */
  liveSessions: number;
}

export interface RevokeConfirmationResult extends DialogResult {
  confirmed: boolean;
}

export const REVOKE_CONFIRMATION_DIALOG_ID = 'rs-revoke-confirmation-dialog';

/** Asks before revoking: access ends at once and every live session is cut. */
@Component({
  selector: 'rs-revoke-confirmation-dialog',
  template: `
    <sme-dialog #dialog dialogMode="centered" dialogType="alert" [clickBackdrop]="false" [ariaLabel]="strings.Revoke.title">
      <sme-dialog-header><h2 id="rs-revoke-title">{{ strings.Revoke.title }}</h2></sme-dialog-header>
      <sme-dialog-content>
        <p id="rs-revoke-message" data-testid="revoke-message">{{ strings.Revoke.message }}</p>
        <p data-testid="revoke-sessions" [class.rs-text-critical]="liveSessions > 0"><strong>{{ sessionsText }}</strong></p>
      </sme-dialog-content>
      <sme-dialog-footer>
        <button type="button" class="sme-button-primary sme-button-critical" data-testid="revoke-confirm" (click)="confirm()">{{ strings.Revoke.confirm }}</button>
        <button type="button" data-testid="revoke-cancel" (click)="cancel()">{{ strings.Common.cancel }}</button>
      </sme-dialog-footer>
    </sme-dialog>
  `,
})
export class RevokeConfirmationDialogComponent extends BaseDialogComponent<RevokeConfirmationOptions, RevokeConfirmationResult> {
  @ViewChild('dialog', { static: true }) override dialog!: DialogComponent;
  readonly strings = extensionStrings();
  liveSessions = 0;

  constructor(dialogService: DialogService) {
    super(dialogService);
    this.keepOpen = true;
  }

  get sessionsText(): string {
    const s = this.strings.Revoke;
    if (this.liveSessions === 0) return s.noSessions;
    return format(this.liveSessions === 1 ? s.oneSessionCut : s.sessionsCut, this.liveSessions);
  }

  override show(options: RevokeConfirmationOptions) {
    const result = super.show(options);
    this.liveSessions = options.liveSessions;
    return result;
  }

  override closeRequested(): void {
    this.cancel();
  }

  confirm(): void {
    this.hide({ confirmed: true });
  }

  cancel(): void {
    this.hide({ confirmed: false });
  }
}
