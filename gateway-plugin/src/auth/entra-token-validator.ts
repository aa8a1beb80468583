import { createLocalJWKSet, createRemoteJWKSet, customFetch, FetchImplementation, JSONWebKeySet, JWTPayload, jwtVerify } from 'jose';
import { HttpsClient } from '../http/https-client';
import { createError, RemoteSupportError } from '../domain/errors';

/** Accepted signature algorithms. `none` and HMAC are never accepted. */
export const ALLOWED_JWT_ALGORITHMS = ['RS256'];

export interface EntraTokenOptions {
  /** Expected `iss`, e.g. https://login.microsoftonline.com/<tenant>/v2.0. */
  issuer: string;
  /** Expected `aud`: the gateway's application id URI or client id. */
  audience: string;
  /** Where the tenant publishes its signing keys. */
  jwksUri?: string;
  /** Keys given inline (tests, air-gapped setups). */
  jwks?: JSONWebKeySet;
  /** Custom fetch for the JWKS (e.g. trusting a local CA). */
  fetch?: FetchImplementation;
}

/** Who a verified token names. */
export interface TokenIdentity {
  /** For display: preferred_username, upn, email, else the oid or sub. */
  name: string;
  /**
   * The stable id the audit trail records: `entra:<tid>/<oid>` (Entra ID's
   * object id in its tenant, which survives renames), else `oidc:<iss>#<sub>`
   * for an issuer that sends no oid/tid.
   */
  id: string;
  objectId: string | null;
  tenantId: string | null;
  roles: string[];
  claims: JWTPayload;
}

/**
 * Verifies Entra ID (or any OIDC) access tokens with jose: signature against
 * the tenant's keys, issuer, audience, expiry and not-before (30 s of clock
 * skew), RS256 only, and a required app role. Every refusal is logged with
 * its reason and thrown as Unauthenticated (bad token) or Forbidden (role).
 */
export class EntraTokenValidator {
  private readonly keys: ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>;

  constructor(private readonly options: EntraTokenOptions, private readonly log: (line: string) => void = () => {}) {
    if (options.jwks) this.keys = createLocalJWKSet(options.jwks);
    else if (options.jwksUri) {
      this.keys = createRemoteJWKSet(new URL(options.jwksUri), options.fetch ? { [customFetch]: options.fetch } : {});
    } else throw new Error('token validation needs jwksUri or jwks');
  }

  /** Verifies `token` and checks it carries `role`; `who` names the caller kind in logs ("admin", "engineer"). */
  async verify(token: string, role: string, who: string): Promise<TokenIdentity> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ALLOWED_JWT_ALGORITHMS,
        requiredClaims: ['exp', 'iat'],
        clockTolerance: 30,
      }));
    } catch (e) {
      const reason = (e as { code?: string }).code ?? (e instanceof Error ? e.message : 'unknown');
      this.log(`${who} token refused: ${reason}${e instanceof Error && (e as { code?: string }).code ? ` (${e.message})` : ''}`);
      throw createError('Unauthenticated', `The access token was refused (${reason})`);
    }
    const roles = Array.isArray(payload['roles']) ? (payload['roles'] as unknown[]).filter((r): r is string => typeof r === 'string') : [];
    const name = String(payload['preferred_username'] ?? payload['upn'] ?? payload['email'] ?? payload['oid'] ?? payload.sub ?? 'unknown');
    if (!roles.includes(role)) {
      this.log(`${who} token of ${name} refused: missing role ${role}`);
      throw new RemoteSupportError('Forbidden', `The token of ${name} does not carry the ${role} role`);
    }
    const objectId = typeof payload['oid'] === 'string' && payload['oid'] ? payload['oid'] : null;
    const tenantId = typeof payload['tid'] === 'string' && payload['tid'] ? payload['tid'] : null;
    const id = objectId && tenantId ? `entra:${tenantId}/${objectId}` : `oidc:${payload.iss ?? this.options.issuer}#${payload.sub ?? name}`;
    return { name, id, objectId, tenantId, roles, claims: payload };
  }
}

/**
 * A fetch for jose's JWKS download over the shared {@link HttpsClient}: it
 * trusts one extra CA (the local identity provider's self-signed certificate)
 * and requires TLS 1.2 or newer. The client lives as long as the gateway;
 * undici closes its idle connection after a few seconds and never lets it keep the process alive.
 */
export function trustingFetch(ca: string): FetchImplementation {
  const http = new HttpsClient({ ca, connections: 1 });
  return (url, options) => http.fetch(url, { method: options.method, headers: options.headers, redirect: options.redirect, signal: options.signal });
}
