import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldError } from '../domain/errors';
import { AdminAuthenticator, AdminPrincipal, AdminRequestInfo, bearer } from './admin-auth';

/** The header in which the PowerShell module names the person who ran the cmdlet (percent-encoded UTF-8). */
export const CALLER_HEADER = 'x-remotesupport-caller';
/** The most characters a caller identity may have (a DOMAIN\user or user@domain name is far shorter). */
export const CALLER_MAX_LENGTH = 256;
export const MACHINE_CREDENTIAL_FILE = 'machine-credential';

const CALLER_ALLOWED = `a name of 1 to ${CALLER_MAX_LENGTH} printable characters, such as CONTOSO\\alice`;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The stable id the audit trail records for a machine-credential caller: the identity the module sent. */
export function machinePrincipalId(caller: string): string {
  return `machine:${caller}`;
}

/**
 * Reads the caller identity the module sent. Refused (naming the header) when
 * it is missing, empty, too long, or holds control characters: it ends up in
 * the audit trail as the person who granted or revoked.
 */
export function callerIdentity(headers: AdminRequestInfo['headers']): string {
  const raw = headers[CALLER_HEADER];
  const encoded = Array.isArray(raw) ? raw[0] : raw;
  let value: string | undefined;
  try {
    // Percent-encoded UTF-8 (the module sends [Uri]::EscapeDataString of the name): names need not be ASCII.
    value = encoded === undefined ? undefined : decodeURIComponent(encoded).trim();
  } catch {
    throw fieldError('InvalidCallerIdentity', CALLER_HEADER, CALLER_ALLOWED + ', percent-encoded as UTF-8', encoded!.slice(0, 40));
  }
  if (!value) throw fieldError('InvalidCallerIdentity', CALLER_HEADER, CALLER_ALLOWED);
  // eslint-disable-next-line no-control-regex
  if (value.length > CALLER_MAX_LENGTH || /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) {
    throw fieldError('InvalidCallerIdentity', CALLER_HEADER, CALLER_ALLOWED, value.slice(0, 40));
  }
  return value;
}

/**
 * The machine credential: 32 random bytes created at first start in
 * `dataDir/machine-credential` (mode 0600; on Windows an installer gives it an
 * ACL of Administrators and SYSTEM). The PowerShell module, running as an
 * administrator of the node, sends it as a bearer token with the caller's
 * identity in {@link CALLER_HEADER}; the gateway records that identity as the
 * person who acted.
 *
 * It exists in every auth mode: in production the admin API otherwise wants
 * an Entra ID token, which a cmdlet run through Windows Admin Center's
 * PowerShell channel does not have. Whoever can read the file is trusted to
 * name the caller, exactly as whoever can run the cmdlets on a node is
 * trusted by that node. The file is read again whenever it changes, so
 * replacing it revokes the old credential without a restart.
 */
export class MachineCredential {
  private stamp = '';
  private value = '';

  private constructor(readonly path: string, readonly created: boolean) {}

  static open(dataDir: string): MachineCredential {
    const path = join(dataDir, MACHINE_CREDENTIAL_FILE);
    let created = false;
    if (!existsSync(path)) {
      writeFileSync(path, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
      created = true;
    }
    const credential = new MachineCredential(path, created);
    credential.current();
    return credential;
  }

  /** The credential now in the file; null when the file is missing or holds less than 32 characters (refuse everyone). */
  private current(): string | null {
    let stamp: string;
    try {
      const s = statSync(this.path, { bigint: true });
      stamp = `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch {
      return null;
    }
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      try {
        this.value = readFileSync(this.path, 'utf8').trim();
      } catch {
        this.value = '';
      }
    }
    return this.value.length >= 32 ? this.value : null;
  }

  /** Whether `token` is the machine credential. */
  matches(token: string): boolean {
    const credential = this.current();
    return credential !== null && sameText(token, credential);
  }
}

/**
 * The admin API's authenticator when the machine credential is on: a bearer
 * that is the machine credential authenticates as the caller it names;
 * anything else goes to the primary authenticator (the local credential, or
 * Entra ID tokens in production).
 */
export class WithMachineCredential implements AdminAuthenticator {
  constructor(private readonly machine: MachineCredential, readonly primary: AdminAuthenticator) {}

  async authenticate(request: AdminRequestInfo): Promise<AdminPrincipal> {
    const token = bearer(request.headers);
    if (token !== null && this.machine.matches(token)) {
      const caller = callerIdentity(request.headers);
      return { name: caller, id: machinePrincipalId(caller), via: 'machine-credential', cookie: false };
    }
    return this.primary.authenticate(request);
  }
}

/** The authenticator behind the machine credential's wrapper (for what only the local sign-in has: cookies, /login). */
export function primaryOf(auth: AdminAuthenticator): AdminAuthenticator {
  return auth instanceof WithMachineCredential ? auth.primary : auth;
}
