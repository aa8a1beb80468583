import { CommonModule } from '@angular/common';
import { NgModule } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterModule } from '@angular/router';
import { DashboardModule } from '../dashboard/dashboard.module';
import { SharedUiModule } from '../shared/shared-ui.module';
import { DenyListComponent } from './deny-list.component';

@NgModule({
  // DashboardModule brings the SDK's confirmation dialog the Overview uses too.
  imports: [CommonModule, FormsModule, RouterModule, SharedUiModule, DashboardModule],
  declarations: [DenyListComponent],
  exports: [DenyListComponent],
})
export class DenyListModule {}
