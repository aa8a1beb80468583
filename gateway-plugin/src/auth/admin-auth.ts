import { Signer } from '@fastify/cookie';
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdminSession,
  AdminSessionState,
  adminSessionEndsAt,
  adminSessionState,
  FailureWindow,
  LOGIN_CODE_TTL_MS,
  SESSION_ABSOLUTE_MS,
  SESSION_TOUCH_MS,
} from '../domain/admin-sign-in';
import { Clock, DAY_MS } from '../domain/clock';
import { createError, RemoteSupportError } from '../domain/errors';
import type { AdminSessionStore } from '../ports/store-ports';
import { EntraTokenOptions, EntraTokenValidator } from './entra-token-validator';

/** Who made an admin request. */
export interface AdminPrincipal {
  /** The name shown in the audit trail (a UPN, a Windows account, "local-admin"). */
  name: string;
  /**
   * A stable id recorded next to the name: `entra:<tid>/<oid>` for Entra ID,
   * `machine:<caller>` for the machine credential, `local:admin` for the local credential.
   */
  id: string;
  via: 'local-credential' | 'entra-id' | 'machine-credential';
  /** True when the credential came in a cookie: changes then need the CSRF header. */
  cookie: boolean;
  /** The signed-in browser session the cookie names (local sign-in only). */
  sessionId?: string;
}

/** The local credential's principal: one admin, whoever holds the credential file. */
export const LOCAL_ADMIN = 'local-admin';
export const LOCAL_ADMIN_ID = 'local:admin';

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
  /** The credential's generation as sessions record it (an HMAC of it, never the credential). */
  epoch: string;
}

function fileStamp(path: string): string | null {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return null;
  }
}

/** A key derived from the credential for one purpose, never the credential itself. */
function derive(credential: string, purpose: string): string {
  return createHmac('sha256', credential).update(purpose).digest('base64url');
}

function readCredential(path: string, stamp: string): CredentialState {
  const credential = readFileSync(path, 'utf8').trim();
  if (credential.length < 32) throw new Error(`${path} must hold a credential of at least 32 characters`);
  return { stamp, credential, signer: new Signer(derive(credential, 'admin-session-cookie')), epoch: derive(credential, 'admin-session-epoch').slice(0, 22) };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Outstanding login codes kept at most; the oldest is dropped first. */
const MAX_LOGIN_CODES = 100;

/** A refused sign-in that must wait: the API answers 429 with Retry-After. */
export class SignInThrottled extends RemoteSupportError {
  constructor(readonly retryAfterSeconds: number) {
    super('TooManySignInAttempts', `Too many failed sign-ins; try again in ${retryAfterSeconds} s with a fresh login link (npx remote-support login-link)`);
  }
}

/** What a successful sign-in gives the browser. */
export interface SignedIn {
  /** The session cookie's value before signing: a random secret only the browser holds. */
  cookie: string;
  xsrf: string;
  session: AdminSession;
}

export interface LocalCredentialOptions {
  /** Where signed-in sessions are kept (SQLite in the data directory). */
  sessions: AdminSessionStore;
  clock: Clock;
  /** Refused sign-ins are logged here, never with the code. */
  log?: (line: string) => void;
}

/** A minted login link: the path to open (on the gateway's URL) and when it stops working. */
export interface LoginLink {
  path: string;
  expiresAt: number;
}

/**
 * The embedded default's admin credential: 32 random bytes created at first
 * start in `dataDir/admin-credential` (mode 0600). Scripts send it as a
 * bearer token. A browser signs in with a one-time login link instead
 * (`/login?code=…`): a random 256-bit code, minted at start, by the CLI or
 * by POST /api/login-links, kept only as a SHA-256 in memory, good once and
 * for ten minutes. Redeeming it creates a server-side session (SQLite) and
 * sets two cookies: an HttpOnly, SameSite=Strict cookie carrying the
 * session's secret, signed by @fastify/cookie with a key derived from the
 * credential (HMAC), and an XSRF-TOKEN cookie, derived from the session, that
 * the page echoes in the x-xsrf-token header on every change (the header
 * WAC's SDK sends). Sessions end after 12 hours, after an hour without a
 * request, at sign-out or when revoked.
 *
 * Replacing the file revokes the bearer, every session and every
 * outstanding code at once, without a restart: every check first compares
 * the file's identity (inode, size, times) with the one it was read from,
 * and re-reads it when it changed. A file that is missing or too short
 * refuses everyone until it is fixed (fail closed).
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

  /** SHA-256 of each outstanding login code → when it expires. */
  private readonly codes = new Map<string, number>();
  private readonly failures = new FailureWindow();
  private readonly sessions: AdminSessionStore;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;

  private constructor(private state: CredentialState, readonly created: boolean, readonly path: string, options: LocalCredentialOptions) {
    this.sessions = options.sessions;
    this.clock = options.clock;
    this.log = options.log ?? (() => {});
    // Sessions made under a credential that has since been replaced (also while the gateway was down) are revoked.
    this.sessions.revokeOtherEpochs(state.epoch, this.clock.now());
  }

  static open(dataDir: string, options: LocalCredentialOptions): LocalCredentialAuthenticator {
    const path = join(dataDir, 'admin-credential');
    let created = false;
    if (!existsSync(path)) {
      writeFileSync(path, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
      created = true;
    }
    const stamp = fileStamp(path);
    if (stamp === null) throw new Error(`${path} cannot be read`);
    return new LocalCredentialAuthenticator(readCredential(path, stamp), created, path, options);
  }

  /**
   * The credential now in the file: re-read when the file changed since the
   * last read. Throws Unauthenticated when the file is gone or unusable.
   */
  private current(): CredentialState {
    const stamp = fileStamp(this.path);
    if (stamp === null) throw createError('Unauthenticated', `The admin credential file ${this.path} is missing: restore it or write a new credential`);
    if (stamp !== this.state.stamp) {
      let next: CredentialState;
      try {
        next = readCredential(this.path, stamp);
      } catch {
        throw createError('Unauthenticated', `The admin credential file ${this.path} does not hold a credential of at least 32 characters`);
      }
      if (next.epoch !== this.state.epoch) {
        this.codes.clear();
        const revoked = this.sessions.revokeOtherEpochs(next.epoch, this.clock.now());
        this.log(`the admin credential was replaced: ${revoked} signed-in session(s) and every outstanding login link revoked`);
      }
      this.state = next;
    }
    return this.state;
  }

  /** The credential itself: used by the CLI and scripts as a bearer token. */
  get secret(): string {
    return this.current().credential;
  }

  /** Mints a one-time login link (good once, for LOGIN_CODE_TTL_MS). */
  mintLoginLink(): LoginLink {
    this.current();
    const now = this.clock.now();
    for (const [hash, expiresAt] of this.codes) if (expiresAt <= now) this.codes.delete(hash);
    while (this.codes.size >= MAX_LOGIN_CODES) this.codes.delete(this.codes.keys().next().value as string);
    const code = randomBytes(32).toString('base64url');
    const expiresAt = now + LOGIN_CODE_TTL_MS;
    this.codes.set(sha256(code), expiresAt);
    return { path: `/login?code=${code}`, expiresAt };
  }

  /**
   * Trades a login link's query for a session. A valid code always signs in:
   * 256 random bits cannot be guessed, so the failure limit exists to bound
   * the noise, not to protect the codes, and strangers sending bad codes must
   * not lock the admin out. A wrong, used or expired code, or the old link
   * that carried the credential, is refused and counted against `address`;
   * past the limit the refusal is {@link SignInThrottled} instead.
   */
  signIn(query: Record<string, unknown>, address: string): SignedIn {
    const now = this.clock.now();
    const refuse = (reason: string, message: string): never => {
      const wait = this.failures.retryAfter(address, now);
      if (wait > 0) {
        this.log(`sign-in refused from ${address}: too many failed attempts (${reason})`);
        throw new SignInThrottled(Math.ceil(wait / 1000));
      }
      this.failures.fail(address, now);
      this.log(`sign-in refused from ${address}: ${reason}`);
      throw createError('LoginCodeInvalid', message);
    };
    const { epoch } = this.current();
    const code = query['code'];
    if (code === undefined && query['token'] !== undefined) {
      refuse('a login link with the admin credential (no longer accepted)', 'Login links no longer carry the admin credential. Get a one-time link: restart the gateway (npm start prints one) or run `npx remote-support login-link`');
    }
    if (typeof code !== 'string' || code === '') refuse('no code', 'The login link has no code. Get a one-time link with `npx remote-support login-link`, or restart the gateway (npm start prints one)');
    const hash = sha256(code as string);
    const expiresAt = this.codes.get(hash);
    if (expiresAt === undefined) refuse('unknown or already used code', 'The login link is not valid or was already used; each link signs in once. Get a new one with `npx remote-support login-link`');
    if (expiresAt! <= now) {
      this.codes.delete(hash);
      refuse('expired code', 'The login link has expired (links last 10 minutes). Get a new one with `npx remote-support login-link`');
    }
    this.codes.delete(hash);

    const cookie = randomBytes(32).toString('base64url');
    const session: AdminSession = { id: randomUUID(), name: LOCAL_ADMIN, createdAt: now, lastSeenAt: now, expiresAt: now + SESSION_ABSOLUTE_MS, revokedAt: null, epoch };
    this.sessions.purgeEndedBefore(now - DAY_MS);
    this.sessions.create(session, sha256(cookie));
    this.log(`admin signed in from ${address} (session ${session.id})`);
    return { cookie, xsrf: this.xsrfToken(session.id), session };
  }

  /** Revokes a session (sign-out, or an admin ending another browser's session); false when it was not live. */
  revokeSession(id: string): boolean {
    return this.sessions.revoke(id, this.clock.now());
  }

  /** Sessions that have not reached their absolute end, with their state now. */
  listSessions(): { session: AdminSession; state: AdminSessionState; endsAt: number }[] {
    const now = this.clock.now();
    const { epoch } = this.current();
    return this.sessions.list(now).map((session) => ({ session, state: adminSessionState(session, now, epoch), endsAt: adminSessionEndsAt(session) }));
  }

  private xsrfToken(sessionId: string): string {
    return createHmac('sha256', this.current().credential).update(`xsrf:${sessionId}`).digest('base64url');
  }

  async authenticate(request: AdminRequestInfo): Promise<AdminPrincipal> {
    const { credential, signer, epoch } = this.current();
    const token = bearer(request.headers);
    if (token !== null) {
      if (!equal(token, credential)) throw createError('Unauthenticated', 'The bearer credential is not this gateway\'s admin credential');
      return { name: LOCAL_ADMIN, id: LOCAL_ADMIN_ID, via: 'local-credential', cookie: false };
    }
    const cookie = request.cookies?.[SESSION_COOKIE];
    const unsigned = cookie === undefined ? undefined : signer.unsign(cookie);
    const session = unsigned?.valid && unsigned.value ? this.sessions.byTokenHash(sha256(unsigned.value)) : null;
    if (!session) {
      throw createError('Unauthenticated', 'Sign in first: open a one-time login link (npm start prints one; `npx remote-support login-link` makes another), or send the admin credential as a bearer token');
    }
    const now = this.clock.now();
    const state = adminSessionState(session, now, epoch);
    if (state !== 'active') {
      const why = state === 'revoked' ? 'was signed out or revoked' : state === 'expired' ? 'reached its 12-hour limit' : 'was idle for an hour';
      throw createError('Unauthenticated', `This browser session ${why}: sign in again with a new login link (\`npx remote-support login-link\`)`);
    }
    if (UNSAFE_METHODS.has(request.method.toUpperCase())) {
      const sent = header(request.headers, XSRF_HEADER);
      if (!sent || !equal(sent, this.xsrfToken(session.id))) {
        throw createError('CsrfTokenInvalid', `A change made with the session cookie must carry the ${XSRF_HEADER} header with the value of the ${XSRF_COOKIE} cookie`);
      }
    }
    if (now - session.lastSeenAt >= SESSION_TOUCH_MS) this.sessions.touch(session.id, now);
    return { name: LOCAL_ADMIN, id: LOCAL_ADMIN_ID, via: 'local-credential', cookie: true, sessionId: session.id };
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
    return { name: identity.name, id: identity.id, via: 'entra-id', cookie: false };
  }
}
