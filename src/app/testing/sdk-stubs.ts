import { AppContextService } from '@microsoft/windows-admin-center-sdk/angular';

/**
 * The part of the SDK's AppContextService that the SDK's dialogs touch when
 * they run outside the shell (jest). The extension's own code reaches the
 * gateway through RemoteSupportGateway, which specs replace with a fake.
 */
export function appContextStub(): Partial<AppContextService> {
  return {
    rpc: { isShell: false } as never,
    frame: { activeRpcDialogsOrigins: new Set() } as never,
  } as Partial<AppContextService>;
}

export const provideAppContextStub = () => ({ provide: AppContextService, useValue: appContextStub() });
