import { NgModule } from '@angular/core';
import { RouterModule, Routes } from '@angular/router';
import { IdleComponent } from '@microsoft/windows-admin-center-sdk/angular';
import { DashboardComponent } from './dashboard/dashboard.component';
import { DenyListComponent } from './deny-list/deny-list.component';
import { HistoryComponent } from './history/history.component';
import { RequestsComponent } from './requests/requests.component';
import { ToolFrameComponent } from './tool/tool-frame.component';
import { TranscriptViewerComponent } from './transcript/transcript-viewer.component';

/** The tool's routes. `idle` is the SDK's parking route while the shell has the tool in the background. */
export const ROUTES: Routes = [
  { path: 'idle', component: IdleComponent },
  {
    path: '',
    component: ToolFrameComponent,
    children: [
      { path: '', pathMatch: 'full', component: DashboardComponent },
      { path: 'requests', component: RequestsComponent },
      { path: 'history', component: HistoryComponent },
      { path: 'deny-list', component: DenyListComponent },
      { path: 'sessions/:sessionId', component: TranscriptViewerComponent },
    ],
  },
  { path: '**', redirectTo: '' },
];

@NgModule({
  // The shell opens the tool (RPC Open): no navigation before it does.
  imports: [RouterModule.forRoot(ROUTES, { initialNavigation: 'disabled' })],
  exports: [RouterModule],
})
export class AppRoutingModule {}
