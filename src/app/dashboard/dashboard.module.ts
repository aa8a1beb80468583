import { CommonModule } from '@angular/common';
import { NgModule } from '@angular/core';
import { RouterModule } from '@angular/router';
import { DialogModule } from '@microsoft/windows-admin-center-sdk/angular';
import { GrantDialogModule } from '../grant-dialog/grant-dialog.module';
import { RequestsModule } from '../requests/requests.module';
import { SharedUiModule } from '../shared/shared-ui.module';
import { AgentPanelComponent } from './agent-panel.component';
import { DashboardComponent } from './dashboard.component';
import { GrantPanelComponent } from './grant-panel.component';
import { LiveSessionsPanelComponent } from './live-sessions-panel.component';
import { PrerequisitesPanelComponent } from './prerequisites-panel.component';
import { RelayStatusComponent } from './relay-status.component';
import { RevokeConfirmationDialogComponent } from './revoke-confirmation-dialog.component';
import { WaitingRepairsComponent } from './waiting-repairs.component';

@NgModule({
  imports: [CommonModule, RouterModule, DialogModule, GrantDialogModule, SharedUiModule, RequestsModule],
  declarations: [
    DashboardComponent,
    GrantPanelComponent,
    LiveSessionsPanelComponent,
    AgentPanelComponent,
    PrerequisitesPanelComponent,
    RelayStatusComponent,
    RevokeConfirmationDialogComponent,
    WaitingRepairsComponent,
  ],
  exports: [DashboardComponent, GrantPanelComponent, LiveSessionsPanelComponent, AgentPanelComponent, PrerequisitesPanelComponent, RelayStatusComponent, RevokeConfirmationDialogComponent, WaitingRepairsComponent],
})
export class DashboardModule {}
