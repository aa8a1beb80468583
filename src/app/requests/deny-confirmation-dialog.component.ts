import { Component, ViewChild } from '@angular/core';
import { BaseDialogComponent, DialogComponent, DialogOptions, DialogResult, DialogService } from '@microsoft/windows-admin-center-sdk/angular';
import { extensionStrings } from '../core/strings';

export interface DenyConfirmationOptions extends DialogOptions {
  /** What the dialog says: who asked for what, and the reason they will read. */
  message: string;
}

export interface DenyConfirmationResult extends DialogResult {
  confirmed: boolean;
}

export const DENY_CONFIRMATION_DIALOG_ID = 'rs-deny-request-dialog';

/** Asks before denying an access request: a denial cannot be undone (the engineer must ask again). */
@Component({
  selector: 'rs-deny-confirmation-dialog',
  template: `
    <sme-dialog #dialog dialogMode="centered" dialogType="alert" [clickBackdrop]="false" [ariaLabel]="s.confirmTitle">
      <sme-dialog-header><h2>{{ s.confirmTitle }}</h2></sme-dialog-header>
      <sme-dialog-content><p data-testid="deny-confirm-text">{{ message }}</p></sme-dialog-content>
      <sme-dialog-footer>
        <button type="button" class="sme-button-primary sme-button-critical" data-testid="deny-confirm" (click)="hide({ confirmed: true })">{{ s.confirm }}</button>
        <button type="button" data-testid="deny-cancel" (click)="hide({ confirmed: false })">{{ strings.Common.cancel }}</button>
      </sme-dialog-footer>
    </sme-dialog>
  `,
})
export class DenyConfirmationDialogComponent extends BaseDialogComponent<DenyConfirmationOptions, DenyConfirmationResult> {
  @ViewChild('dialog', { static: true }) override dialog!: DialogComponent;
  readonly strings = extensionStrings();
  readonly s = this.strings.Requests.Deny;
  message = '';

  constructor(dialogService: DialogService) {
    super(dialogService);
    this.keepOpen = true;
  }

  override show(options: DenyConfirmationOptions) {
    const result = super.show(options);
    this.message = options.message;
    return result;
  }

  override closeRequested(): void {
    this.hide({ confirmed: false });
  }
}
