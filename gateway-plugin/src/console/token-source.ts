import { ConfidentialClientApplication, INetworkModule, NetworkRequestOptions, NetworkResponse, PublicClientApplication } from '@azure/msal-node';
import { HttpsClient } from '../http/https-client';

/** How the support console signs in. */
export type TokenSourceConfig =
  | {
      kind: 'client-credentials';
      authority: string;
      clientId: string;
      clientSecret: string;
      scope: string;
      /** PEM of a CA to trust for the authority (the local identity provider's certificate). */
      ca?: string;
    }
  | {
      kind: 'device-code';
      authority: string;
      clientId: string;
      scope: string;
      ca?: string;
    };

/**
 * msal-node's network module over the shared {@link HttpsClient}: it can
 * trust an extra CA (the local identity provider's self-signed certificate)
 * without touching the process's trust store. Call {@link close} when done.
 */
export class TrustingNetworkClient implements INetworkModule {
  private readonly http: HttpsClient;

  /**
   * @param ca an extra CA to trust
   * @param allowedHosts when given, the only hosts msal may contact: sign-in
   *   against a configured authority never reaches out to any other service.
   */
  constructor(ca?: string, allowedHosts?: readonly string[]) {
    this.http = new HttpsClient({ ca, ...(allowedHosts ? { allowedHosts } : {}) });
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const res = await this.http.send(url, { method, headers: options?.headers ?? {}, ...(options?.body ? { body: options.body } : {}) });
    let body: unknown = {};
    try {
      body = res.text ? JSON.parse(res.text) : {};
    } catch {
      body = { error: 'invalid_response', error_description: res.text.slice(0, 200) };
    }
    return { headers: res.headers, body: body as T, status: res.status };
  }
}

/**
 * Fetches the authority's OpenID configuration once, so msal-node needs no
 * instance discovery (which would call login.microsoftonline.com).
 */
async function authorityMetadata(authority: string, network: TrustingNetworkClient): Promise<string> {
  const res = await network.sendGetRequestAsync<Record<string, unknown>>(`${authority.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (res.status !== 200) throw new Error(`${authority} did not serve its OpenID configuration (HTTP ${res.status})`);
  return JSON.stringify(res.body);
}

/**
 * Acquires an access token for the gateway with msal-node: client
 * credentials (a service principal of the support organization) or the
 * device code flow (an engineer signing in interactively).
 */
export async function acquireToken(config: TokenSourceConfig, onDeviceCode?: (message: string) => void): Promise<string> {
  const host = new URL(config.authority).host;
  const network = new TrustingNetworkClient(config.ca, [host]);
  try {
    return await acquireWith(config, network, host, onDeviceCode);
  } finally {
    await network.close();
  }
}

async function acquireWith(config: TokenSourceConfig, network: TrustingNetworkClient, host: string, onDeviceCode?: (message: string) => void): Promise<string> {
  const metadata = await authorityMetadata(config.authority, network);
  const auth = {
    clientId: config.clientId,
    authority: config.authority,
    knownAuthorities: [host],
    authorityMetadata: metadata,
  };
  const system = { networkClient: network };
  if (config.kind === 'client-credentials') {
    const app = new ConfidentialClientApplication({ auth: { ...auth, clientSecret: config.clientSecret }, system });
    const result = await app.acquireTokenByClientCredential({ scopes: [config.scope] });
    if (!result?.accessToken) throw new Error('the identity provider returned no access token');
    return result.accessToken;
  }
  const app = new PublicClientApplication({ auth, system });
  const result = await app.acquireTokenByDeviceCode({
    scopes: [config.scope],
    deviceCodeCallback: (info) => onDeviceCode?.(info.message),
  });
  if (!result?.accessToken) throw new Error('the identity provider returned no access token');
  return result.accessToken;
}
