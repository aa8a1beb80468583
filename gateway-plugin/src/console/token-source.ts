import { ConfidentialClientApplication, INetworkModule, NetworkRequestOptions, NetworkResponse, PublicClientApplication } from '@azure/msal-node';
import { request } from 'node:https';

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
 * An msal-node network client over node:https that can trust an extra CA (the
 * local identity provider's self-signed certificate) without touching the
 * process's trust store.
 */
export class TrustingNetworkClient implements INetworkModule {
  /**
   * @param ca an extra CA to trust
   * @param allowedHosts when given, the only hosts msal may contact: sign-in
   *   against a configured authority never reaches out to any other service.
   */
  constructor(private readonly ca?: string, private readonly allowedHosts?: readonly string[]) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private send<T>(method: string, url: string, options?: NetworkRequestOptions, timeout = 30_000): Promise<NetworkResponse<T>> {
    const host = new URL(url).host;
    if (this.allowedHosts && !this.allowedHosts.includes(host)) {
      return Promise.reject(new Error(`sign-in tried to reach ${host}, which is not the configured authority (${this.allowedHosts.join(', ')})`));
    }
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers: options?.headers ?? {}, ...(this.ca ? { ca: this.ca } : {}), timeout, minVersion: 'TLSv1.2' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = {};
          try {
            body = text ? JSON.parse(text) : {};
          } catch {
            body = { error: 'invalid_response', error_description: text.slice(0, 200) };
          }
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
          resolve({ headers, body: body as T, status: res.statusCode ?? 0 });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from ${new URL(url).host} within ${timeout} ms`)));
      req.on('error', reject);
      if (options?.body) req.write(options.body);
      req.end();
    });
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
