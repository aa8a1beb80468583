import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { OAuth2Server } from 'oauth2-mock-server';

/** The app role an engineer's token must carry to open a support session. */
export const DEFAULT_ENGINEER_ROLE = 'RemoteSupport.Engineer';
/** The gateway's application id URI: the audience of engineer tokens. */
export const DEFAULT_GATEWAY_AUDIENCE = 'api://remote-support-gateway';
/** The tenant id (`tid`) the local provider's tokens carry, as Entra ID's do. */
export const LOCAL_TENANT_ID = '0b5e7c1a-6f4e-4c2b-9d3a-2f1e0c9b8a70';

/** A stable object id (`oid`) for a name, shaped like Entra ID's (a UUID). */
export function localObjectId(name: string): string {
  const h = createHash('sha256').update(`local-oid:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The client id of the support console in the local identity provider. */
export const LOCAL_CONSOLE_CLIENT_ID = 'support-console';

/** What the support console needs to get a token from the local provider; written to `dataDir/engineer-client.json`. */
export interface LocalClientRegistration {
  authority: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  engineer: string;
  caFile: string;
}

export interface LocalIdentityProviderOptions {
  dataDir: string;
  certFile: string;
  keyFile: string;
  host?: string;
  audience?: string;
  engineerRole?: string;
  /** The engineer name tokens carry (preferred_username). */
  engineer?: string;
}

/**
 * A local OpenID Connect issuer on loopback, over HTTPS, standing in for
 * Entra ID in the embedded default and in tests, so msal-node and jose run
 * their real code paths. It issues client-credential tokens to the support
 * console (checking its secret, which the mock server alone would not), with
 * the gateway's audience and the engineer role. Never started in production.
 */
export class LocalIdentityProvider {
  private constructor(
    private readonly server: OAuth2Server,
    readonly issuer: string,
    readonly registration: LocalClientRegistration,
  ) {}

  static async start(options: LocalIdentityProviderOptions): Promise<LocalIdentityProvider> {
    const audience = options.audience ?? DEFAULT_GATEWAY_AUDIENCE;
    const role = options.engineerRole ?? DEFAULT_ENGINEER_ROLE;
    const server = new OAuth2Server(options.keyFile, options.certFile);

    // Keep the signing key across restarts, so tokens issued before a restart still verify.
    const keyPath = join(options.dataDir, 'idp-signing-key.json');
    if (existsSync(keyPath)) await server.issuer.keys.add(JSON.parse(readFileSync(keyPath, 'utf8')) as never);
    else {
      await server.issuer.keys.generate('RS256');
      writeFileSync(keyPath, JSON.stringify(server.issuer.keys.toJSON(true)[0]), { mode: 0o600 });
    }

    const clientPath = join(options.dataDir, 'engineer-client.json');
    const previous = existsSync(clientPath) ? (JSON.parse(readFileSync(clientPath, 'utf8')) as LocalClientRegistration) : null;
    const secret = previous?.clientSecret ?? randomBytes(24).toString('base64url');

    server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }, req: IncomingMessage & { body?: Record<string, unknown> }) => {
      token.payload['aud'] = audience;
      token.payload['roles'] = [role];
      token.payload['preferred_username'] = options.engineer ?? 'engineer@support.contoso.com';
      token.payload['oid'] = localObjectId(String(token.payload['preferred_username']));
      token.payload['tid'] = LOCAL_TENANT_ID;
      token.payload['azp'] = clientIdOf(req);
    });
    server.service.on('beforeResponse', (response: { body: Record<string, unknown> | ''; statusCode: number }, req: IncomingMessage & { body?: Record<string, unknown> }) => {
      const { id, secret: sent } = credentialsOf(req);
      if (id !== LOCAL_CONSOLE_CLIENT_ID || !sent || !equal(sent, secret)) {
        response.statusCode = 401;
        response.body = { error: 'invalid_client', error_description: 'Unknown client or wrong client secret' };
      }
    });

    // The issuer includes the port: reuse the last one when it is free, so tokens issued before a restart stay valid.
    const lastPort = previous ? Number(new URL(previous.authority).port) : 0;
    try {
      await server.start(lastPort, options.host ?? '127.0.0.1');
    } catch (e) {
      if ((e as { code?: string }).code !== 'EADDRINUSE' || lastPort === 0) throw e;
      await server.start(0, options.host ?? '127.0.0.1');
    }
    const { port } = server.address();
    const issuer = `https://${options.host ?? '127.0.0.1'}:${port}`;
    server.issuer.url = issuer;
    const registration: LocalClientRegistration = {
      authority: issuer,
      clientId: LOCAL_CONSOLE_CLIENT_ID,
      clientSecret: secret,
      scope: `${audience}/.default`,
      engineer: options.engineer ?? 'engineer@support.contoso.com',
      caFile: options.certFile,
    };
    writeFileSync(clientPath, JSON.stringify(registration, null, 2) + '\n', { mode: 0o600 });
    return new LocalIdentityProvider(server, issuer, registration);
  }

  get jwksUri(): string {
    return `${this.issuer}/jwks`;
  }

  /** Builds a token directly (tests), with a transform of its claims. */
  buildToken(transform?: (payload: Record<string, unknown>) => void, expiresIn = 3600): Promise<string> {
    return this.server.issuer.buildToken({
      expiresIn,
      scopesOrTransform: (_header, payload) => {
        payload['aud'] = DEFAULT_GATEWAY_AUDIENCE;
        payload['roles'] = [DEFAULT_ENGINEER_ROLE];
        payload['preferred_username'] = this.registration.engineer;
        payload['oid'] = localObjectId(this.registration.engineer);
        payload['tid'] = LOCAL_TENANT_ID;
        transform?.(payload as Record<string, unknown>);
      },
    });
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}

function clientIdOf(req: IncomingMessage & { body?: Record<string, unknown> }): string {
  return credentialsOf(req).id ?? 'unknown';
}

/** client_secret_post or client_secret_basic, as msal-node may send either. */
function credentialsOf(req: IncomingMessage & { body?: Record<string, unknown> }): { id?: string; secret?: string } {
  const auth = req.headers['authorization'];
  if (typeof auth === 'string' && /^Basic /i.test(auth)) {
    const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
    return { id: decodeURIComponent(id ?? ''), secret: decodeURIComponent(secret ?? '') };
  }
  const body = req.body ?? {};
  return {
    ...(typeof body['client_id'] === 'string' ? { id: body['client_id'] } : {}),
    ...(typeof body['client_secret'] === 'string' ? { secret: body['client_secret'] } : {}),
  };
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
