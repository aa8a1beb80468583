import { CommonModule } from '@angular/common';
import { NgModule } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterModule } from '@angular/router';
import { DialogModule } from '@microsoft/windows-admin-center-sdk/angular';
import { SharedUiModule } from '../shared/shared-ui.module';
import { OpenRequestsSummaryComponent } from './open-requests-summary.component';
import { RequestsComponent } from './requests.component';

/** Engineers' access requests: the Requests tab and the Overview's summary (RequestNotifications is a root service). */
@NgModule({
  imports: [CommonModule, FormsModule, RouterModule, DialogModule, SharedUiModule],
  declarations: [RequestsComponent, OpenRequestsSummaryComponent],
  exports: [RequestsComponent, OpenRequestsSummaryComponent],
})
export class RequestsModule {}
