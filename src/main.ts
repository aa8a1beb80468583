import { enableProdMode } from '@angular/core';
import { platformBrowserDynamic } from '@angular/platform-browser-dynamic';
import { CoreEnvironment } from '@microsoft/windows-admin-center-sdk/core';
import { AppModule } from './app/app.module';
import { environment } from './environments/environment';
import { MODULE_NAME, MODULE_VERSION } from './version';

if (environment.production) {
  enableProdMode();
}

// Registers the module with the SDK (name and version must match the
// manifest), loads assets/strings/strings.json, then starts Angular. The
// extension stays idle until the shell (WAC, or host/ outside WAC) opens it.
CoreEnvironment.initialize(
  {
    name: MODULE_NAME,
    version: MODULE_VERSION,
    isProduction: environment.production,
    shellOrigin: '*',
  },
  { resourcesPath: 'assets/strings' },
  { cssV2: true },
).then(() => platformBrowserDynamic().bootstrapModule(AppModule));
