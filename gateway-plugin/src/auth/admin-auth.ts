import { Signer } from '@fastify/cookie';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createError } from '../domain/errors';
import { EntraTokenOptions, EntraTokenValidator } from './entra-token-validator';

/** Who made an admin request. */
export interface AdminPrincipal {
  name: string;
  via: 'local-credential' | 'entra-id' | 'machine-credential';
  /** True when the credential came in a cookie: changes then need the CSRF header. */
  cookie: boolean;
}

export interface AdminRequestInfo {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** The request's cookies as @fastify/cookie parsed them (still signed). */
  cookies?: Record<string, string | undefined>;
}

/** Decides who an admin API request comes from, or refuses it (401 / 403). */
export interface AdminAuthenticator {
  authenticate(request: AdminRequestInfo): Promise<AdminPrincipal>;
}

export const SESSION_COOKIE = 'rs_admin';
export const XSRF_COOKIE = 'XSRF-TOKEN';
export const XSRF_HEADER = 'x-xsrf-token';
const SESSION_NAME = 'local-admin';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function bearer(headers: AdminRequestInfo['headers']): string | null {
  const h = headers['authorization'];
  const value = Array.isArray(h) ? h[0] : h;
  if (!value) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(value);
  return m ? m[1]! : null;
}

function header(headers: AdminRequestInfo['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The credential as last read, with the file identity it was read from. */
interface CredentialState {
  /** Inode, size, mtime and ctime (ns): any replacement or rewrite of the file changes it. */
  stamp: string;
  credential: string;
  signer: Signer;
}

function fileStamp(path: string): string | null {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return null;
  }
}

function readCredential(path: string, stamp: string): CredentialState {
  const credential = readFileSync(path, 'utf8').trim();
  if (credential.length < 32) throw new Error(`${path} must hold a credential of at least 32 characters`);
  // A key derived from the credential, never the credential itself.
  const signer = new Signer(createHmac('sha256', credential).update('admin-session-cookie').digest('base64url'));
  return { stamp, credential, signer };
}

/**
 * The embedded default's admin credential: 32 random bytes created at first
 * start in `dataDir/admin-credential` (mode 0600). Scripts send it as a
 * bearer token; a browser trades it once at /login for two cookies: an
 * HttpOnly, SameSite=Strict session cookie signed by @fastify/cookie with a
 * secret derived from the credential (HMAC), and an XSRF-TOKEN cookie that
 * the page echoes in the x-xsrf-token header on every change (the header
 * WAC's SDK sends).
 *
 * Replacing the file revokes all three at once, without a restart: every
 * check first compares the file's identity (inode, size, times) with the
 * one it was read from, and re-reads it when it changed. A file that is
 * missing or too short refuses everyone until it is fixed (fail closed).
 */
export class LocalCredentialAuthenticator implements AdminAuthenticator {
  /**
   * Signs and checks the session cookie; the admin API hands it to
   * @fastify/cookie as its secret. It always uses the current credential's
   * key, so a cookie signed before a rotation no longer unsigns.
   */
  readonly cookieSigner: Pick<Signer, 'sign' | 'unsign'> = {
    sign: (value: string) => this.current().signer.sign(value),
    unsign: (signed: string) => {
      try {
        return this.current().signer.unsign(signed);
      } catch {
        return { valid: false, renew: false, value: null };
      }
    },
  };

  private constructor(private state: CredentialState, readonly created: boolean, readonly path: string) {}

  static open(dataDir: string): LocalCredentialAuthenticator {
    const path = join(dataDir, 'admin-credential');
    let created = false;
    if (!existsSync(path)) {
      writeFileSync(path, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
      created = true;
    }
    const stamp = fileStamp(path);
    if (stamp === null) throw new Error(`${path} cannot be read`);
    return new LocalCredentialAuthenticator(readCredential(path, stamp), created, path);
  }

  /**
   * The credential now in the file: re-read when the file changed since the
   * last read. Throws Unauthenticated when the file is gone or unusable.
   */
  private current(): CredentialState {
    const stamp = fileStamp(this.path);
    if (stamp === null) throw createError('Unauthenticated', `The admin credential file ${this.path} is missing: restore it or write a new credential`);
    if (stamp !== this.state.stamp) {
      try {
        this.state = readCredential(this.path, stamp);
      } catch {
        throw createError('Unauthenticated', `The admin credential file ${this.path} does not hold a credential of at least 32 characters`);
      }
    }
    return this.state;
  }

  /** The credential itself: printed once at first start, used by the CLI. */
  get secret(): string {
    return this.current().credential;
  }

  checkLoginToken(token: unknown): boolean {
    try {
      return typeof token === 'string' && equal(token, this.current().credential);
    } catch {
      return false;
    }
  }

  /** The session cookie's value before signing: who signed in. */
  readonly sessionName = SESSION_NAME;

  xsrfToken(): string {
    return createHmac('sha256', this.current().credential).update('xsrf').digest('base64url');
  }

  async authenticate(request: AdminRequestInfo): Promise<AdminPrincipal> {
    const { credential, signer } = this.current();
    const token = bearer(request.headers);
    if (token !== null) {
      if (!equal(token, credential)) throw createError('Unauthenticated', 'The bearer credential is not this gateway\'s admin credential');
      return { name: 'local-admin', via: 'local-credential', cookie: false };
    }
    const session = request.cookies?.[SESSION_COOKIE];
    const unsigned = session === undefined ? undefined : signer.unsign(session);
    if (!unsigned?.valid || unsigned.value !== SESSION_NAME) {
      throw createError('Unauthenticated', 'Sign in first: open the login URL the gateway printed, or send the admin credential as a bearer token');
    }
    if (UNSAFE_METHODS.has(request.method.toUpperCase())) {
      const sent = header(request.headers, XSRF_HEADER);
      if (!sent || !equal(sent, this.xsrfToken())) {
        throw createError('CsrfTokenInvalid', `A change made with the session cookie must carry the ${XSRF_HEADER} header with the value of the ${XSRF_COOKIE} cookie`);
      }
    }
    return { name: 'local-admin', via: 'local-credential', cookie: true };
  }
}

export interface EntraAuthOptions extends EntraTokenOptions {
  /** The app role an admin must hold (in the `roles` claim). */
  adminRole: string;
}

/** Entra ID admin tokens: a bearer JWT verified by {@link EntraTokenValidator}, holding the admin app role. */
export class EntraAdminAuthenticator implements AdminAuthenticator {
  private readonly validator: EntraTokenValidator;

  constructor(private readonly options: EntraAuthOptions, log: (line: string) => void = () => {}) {
    this.validator = new EntraTokenValidator(options, log);
  }

  async authenticate(request: AdminRequestInfo): Promise<AdminPrincipal> {
    const token = bearer(request.headers);
    if (token === null) throw createError('Unauthenticated', 'Send an Entra ID access token as "Authorization: Bearer <token>"');
    const identity = await this.validator.verify(token, this.options.adminRole, 'admin');
    return { name: identity.name, via: 'entra-id', cookie: false };
  }
}
