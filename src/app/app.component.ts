import { Component, OnDestroy, OnInit } from '@angular/core';
import { AppContextService, NavigationService } from '@microsoft/windows-admin-center-sdk/angular';

/** The root: hands navigation to the SDK, which routes when the shell opens the tool. */
@Component({
  selector: 'sme-root',
  template: `<sme-ux class="sme-layout-absolute sme-position-inset-none"><router-outlet></router-outlet></sme-ux>`,
})
export class AppComponent implements OnInit, OnDestroy {
  constructor(private readonly appContext: AppContextService, private readonly navigationService: NavigationService) {}

  ngOnInit(): void {
    this.appContext.ngInit({ navigationService: this.navigationService });
  }

  ngOnDestroy(): void {
    this.appContext.ngDestroy();
  }
}
