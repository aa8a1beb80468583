import { Provider } from '@angular/core';
import { AppContextService } from '@microsoft/windows-admin-center-sdk/angular';
import { Clock, CLOCK } from './clock';
import { HttpsGatewayTransport } from './https-gateway-transport';
import { EVENT_SOURCE_FACTORY, EventSourceFactory, LiveEventStream } from './live-event-stream';
import { PowerShellGatewayTransport } from './powershell-gateway-transport';
import { GatewayTransportKind, RemoteSupportGateway } from './remote-support-gateway';
import { PAGE_VISIBILITY, PageVisibility } from './status-polling-stream';

/**
 * The experiment (without the module name) a shell sets in its Init data when
 * its gateway serves the admin API itself: the project's host page adds
 * `contoso.remote-support-hci.direct-gateway-api` to `experiments`.
 */
export const DIRECT_GATEWAY_EXPERIMENT = 'direct-gateway-api';

/**
 * Where the extension runs decides how it reaches the gateway: the direct
 * HTTPS transport only when the shell said so through the experiment;
 * otherwise (a real Windows Admin Center) the PowerShell transport. The SDK
 * copies Init's `experiments` into `MsftSme.experiments()`, which
 * `MsftSme.isExperimentEnabled(key)` reads with this module's name.
 */
export function chooseTransport(isExperimentEnabled: (key: string) => boolean = (key) => MsftSme.isExperimentEnabled(key)): GatewayTransportKind {
  try {
    return isExperimentEnabled(DIRECT_GATEWAY_EXPERIMENT) ? 'direct' : 'powershell';
  } catch {
    return 'powershell'; // the SDK's environment is not set up: not the project's host page
  }
}

/** Builds the transport chosen for this shell (runs when a component first asks, after the shell's Init). */
export function createRemoteSupportGateway(appContext: AppContextService, eventSources: EventSourceFactory, clock: Clock, visibility: PageVisibility): RemoteSupportGateway {
  return chooseTransport() === 'direct' ? new HttpsGatewayTransport(appContext, eventSources) : new PowerShellGatewayTransport(appContext, clock, visibility);
}

/**
 * The providers that give components a RemoteSupportGateway (the transport
 * chosen by chooseTransport) and its LiveEventStream.
 */
export function provideRemoteSupportGateway(): Provider[] {
  return [
    { provide: RemoteSupportGateway, useFactory: createRemoteSupportGateway, deps: [AppContextService, EVENT_SOURCE_FACTORY, CLOCK, PAGE_VISIBILITY] },
    { provide: LiveEventStream, useFactory: (gateway: RemoteSupportGateway) => gateway.live, deps: [RemoteSupportGateway] },
  ];
}
