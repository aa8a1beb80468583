import { CommonModule } from '@angular/common';
import { NgModule } from '@angular/core';
import { DialogModule } from '@microsoft/windows-admin-center-sdk/angular';
import { AlertsComponent } from './alerts.component';
import { ConfirmationDialogComponent } from './confirmation-dialog.component';
import { FormatPipe } from './format.pipe';
import { CountdownComponent } from './countdown.component';

/** Small building blocks shared by the views: the alert bar, the countdown and the confirmation dialog. */
@NgModule({
  imports: [CommonModule, DialogModule, FormatPipe],
  declarations: [AlertsComponent, CountdownComponent, ConfirmationDialogComponent],
  exports: [AlertsComponent, CountdownComponent, ConfirmationDialogComponent, FormatPipe],
})
export class SharedUiModule {}
