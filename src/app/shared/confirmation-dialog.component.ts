import { Component, ViewChild } from '@angular/core';
import { BaseDialogComponent, DialogComponent, DialogOptions, DialogResult, DialogService } from '@microsoft/windows-admin-center-sdk/angular';
import { extensionStrings } from '../core/strings';

export interface ConfirmationOptions extends DialogOptions {
  title: string;
  message: string;
  /** The confirm button's label: the action itself ("Remove", "End session"), never "OK". */
  confirmLabel: string;
}

export interface ConfirmationResult extends DialogResult {
  confirmed: boolean;
}

export const CONFIRMATION_DIALOG_ID = 'rs-confirmation-dialog';

/**
 * Asks before an action that cannot be taken back (removing the agent,
 * ending a session), as the revoke confirmation does: the SDK's dialog,
 * the action named on its button, Cancel changes nothing.
 */
@Component({
  selector: 'rs-confirmation-dialog',
  template: `
    <sme-dialog #dialog dialogMode="centered" dialogType="alert" [clickBackdrop]="false" [ariaLabel]="title">
      <sme-dialog-header><h2 data-testid="confirm-title">{{ title }}</h2></sme-dialog-header>
      <sme-dialog-content><p data-testid="confirm-message">{{ message }}</p></sme-dialog-content>
      <sme-dialog-footer>
        <button type="button" class="sme-button-primary sme-button-critical" data-testid="confirm-ok" (click)="hide({ confirmed: true })">{{ confirmLabel }}</button>
        <button type="button" data-testid="confirm-cancel" (click)="hide({ confirmed: false })">{{ strings.Common.cancel }}</button>
      </sme-dialog-footer>
    </sme-dialog>
  `,
})
export class ConfirmationDialogComponent extends BaseDialogComponent<ConfirmationOptions, ConfirmationResult> {
  @ViewChild('dialog', { static: true }) override dialog!: DialogComponent;
  readonly strings = extensionStrings();
  title = '';
  message = '';
  confirmLabel = '';

  constructor(dialogService: DialogService) {
    super(dialogService);
    this.keepOpen = true;
  }

  override show(options: ConfirmationOptions) {
    const result = super.show(options);
    this.title = options.title;
    this.message = options.message;
    this.confirmLabel = options.confirmLabel;
    return result;
  }

  override closeRequested(): void {
    this.hide({ confirmed: false });
  }
}
