/** An endpoint the nodes must reach on 443, and the host name a probe connects to (a wildcard cannot be probed). */
export interface ProxyEndpoint {
  endpoint: string;
  probe: string;
}

/** The reference's proxy allowlist, with a host to probe for each; the simulated cluster reaches the same list. */
export const DEFAULT_PROXY_ENDPOINTS: readonly ProxyEndpoint[] = Object.freeze(
  [
    { endpoint: '*.servicebus.windows.net', probe: 'relay-westus2.servicebus.windows.net' },
    { endpoint: '*.core.windows.net', probe: 'hcilogs.blob.core.windows.net' },
    { endpoint: 'login.microsoftonline.com', probe: 'login.microsoftonline.com' },
    { endpoint: 'https://edgesupprdwestuufrontend.westus2.cloudapp.azure.com', probe: 'edgesupprdwestuufrontend.westus2.cloudapp.azure.com' },
    { endpoint: 'https://edgesupprdwesteufrontend.westeurope.cloudapp.azure.com', probe: 'edgesupprdwesteufrontend.westeurope.cloudapp.azure.com' },
    { endpoint: 'https://edgesupprdeastusfrontend.eastus.cloudapp.azure.com', probe: 'edgesupprdeastusfrontend.eastus.cloudapp.azure.com' },
    { endpoint: 'https://edgesupprdwestcufrontend.westcentralus.cloudapp.azure.com', probe: 'edgesupprdwestcufrontend.westcentralus.cloudapp.azure.com' },
    { endpoint: 'https://edgesupprdasiasefrontend.southeastasia.cloudapp.azure.com', probe: 'edgesupprdasiasefrontend.southeastasia.cloudapp.azure.com' },
    { endpoint: 'https://edgesupprd.trafficmanager.net', probe: 'edgesupprd.trafficmanager.net' },
  ].map((p) => Object.freeze(p)),
);
