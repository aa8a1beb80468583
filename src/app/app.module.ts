import { CommonModule } from '@angular/common';
import { ErrorHandler, NgModule } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { BrowserModule } from '@angular/platform-browser';
import { RouterModule } from '@angular/router';
import {
  AppContextService,
  AppErrorHandler,
  CoreServiceModule,
  DialogModule,
  IdleModule,
  LoadingWheelModule,
  NavigationService,
  ResourceService,
  SmeUxModule,
} from '@microsoft/windows-admin-center-sdk/angular';
import { AppRoutingModule } from './app-routing.module';
import { AppComponent } from './app.component';
import { provideRemoteSupportGateway } from './core/gateway-transport';
import { DashboardModule } from './dashboard/dashboard.module';
import { DenyListModule } from './deny-list/deny-list.module';
import { HistoryModule } from './history/history.module';
import { RequestsModule } from './requests/requests.module';
import { SharedUiModule } from './shared/shared-ui.module';
import { ToolFrameComponent } from './tool/tool-frame.component';
import { TranscriptModule } from './transcript/transcript.module';

/** The extension's root module, as the SDK's template lays it out. */
@NgModule({
  declarations: [AppComponent, ToolFrameComponent],
  imports: [
    CoreServiceModule,
    CommonModule,
    BrowserModule,
    DialogModule,
    FormsModule,
    SmeUxModule,
    LoadingWheelModule,
    IdleModule,
    AppRoutingModule,
    RouterModule,
    SharedUiModule,
    DashboardModule,
    HistoryModule,
    RequestsModule,
    DenyListModule,
    TranscriptModule,
  ],
  providers: [NavigationService, ResourceService, { provide: ErrorHandler, useClass: AppErrorHandler }, ...provideRemoteSupportGateway()],
  bootstrap: [AppComponent],
})
export class AppModule {
  constructor(appContextService: AppContextService) {
    appContextService.initializeModule({});
  }
}
