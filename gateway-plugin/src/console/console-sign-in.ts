import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, cliError, usageError } from '../cli/cli-error';
import type { LocalClientRegistration } from '../identity/local-identity-provider';
import { CONSOLE_ENV, ConsoleArgs, SIGN_IN_FLAGS } from './console-flags';
import { acquireToken, TokenSourceConfig } from './token-source';

/** How the console gets its access token, decided before any network call. */
export type SignInPlan =
  | { kind: 'token'; token: string; source: string }
  | {
      kind: 'msal';
      config: TokenSourceConfig;
      /** `engineer-client.json` path (the local identity provider) or `flags` (Entra ID). */
      source: string;
      /** Where the client secret came from, for messages; null for the device code flow. */
      secretSource: string | null;
    };

/**
 * Decides how to sign in. First match wins: --token, then the Entra ID
 * settings given as flags, then $SUPPORT_CONSOLE_TOKEN, then the local
 * identity provider's registration in `dataDir/engineer-client.json`.
 */
export function planSignIn(args: ConsoleArgs, env: NodeJS.ProcessEnv, dataDir: string): SignInPlan {
  if (args.token !== undefined) return { kind: 'token', token: checkToken(args.token, '--token'), source: '--token' };

  const entraGiven = args.authority !== undefined || args.clientId !== undefined || args.scope !== undefined;
  const envSecret = env[CONSOLE_ENV.clientSecret] || undefined;
  const secret = args.clientSecret ?? envSecret;
  const secretSource = args.clientSecret !== undefined ? '--client-secret' : envSecret !== undefined ? `$${CONSOLE_ENV.clientSecret}` : null;

  if (entraGiven) {
    const missing = (['--authority', '--client-id', '--scope'] as const).filter((f) => flagValue(args, f) === undefined);
    if (missing.length) {
      throw usageError(
        `Signing in with Entra ID needs --authority, --client-id and --scope together; ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing`,
        '--authority URL --client-id ID --scope SCOPE',
        missing[0],
      );
    }
    const base = { authority: args.authority!, clientId: args.clientId!, scope: args.scope! };
    if (args.auth === 'device-code') return { kind: 'msal', config: { kind: 'device-code', ...base }, source: 'flags', secretSource: null };
    if (secret === undefined) {
      throw usageError(
        `--auth client-credentials needs a client secret: set $${CONSOLE_ENV.clientSecret} (or pass --client-secret), or sign in as a person with --auth device-code`,
        `--client-secret or $${CONSOLE_ENV.clientSecret}`,
        '--client-secret',
      );
    }
    return { kind: 'msal', config: { kind: 'client-credentials', ...base, clientSecret: secret }, source: 'flags', secretSource };
  }

  const envToken = env[CONSOLE_ENV.token];
  if (envToken && !SIGN_IN_FLAGS.some((f) => flagValue(args, f) !== undefined)) {
    return { kind: 'token', token: checkToken(envToken, `$${CONSOLE_ENV.token}`), source: `$${CONSOLE_ENV.token}` };
  }

  if (args.auth === 'device-code') {
    throw usageError(
      '--auth device-code needs --authority, --client-id and --scope of your Entra ID app registration; the local identity provider of the embedded default only issues client-credential tokens',
      '--authority URL --client-id ID --scope SCOPE',
      '--auth',
    );
  }
  const path = join(dataDir, 'engineer-client.json');
  const registration = readRegistration(path);
  let ca: string;
  try {
    ca = readFileSync(registration.caFile, 'utf8');
  } catch (e) {
    throw cliError('Unauthenticated', `Cannot read ${registration.caFile}, the certificate of the local identity provider named in ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return {
    kind: 'msal',
    config: {
      kind: 'client-credentials',
      authority: registration.authority,
      clientId: registration.clientId,
      clientSecret: secret ?? registration.clientSecret,
      scope: registration.scope,
      ca,
    },
    source: path,
    secretSource: secretSource ?? path,
  };
}

/**
 * Gets the access token. msal-node's failures (a refused secret, an unknown
 * client, an unreachable authority) become Unauthenticated with msal's own
 * error code in the message, so `invalid_client` reaches the engineer as sent.
 */
export async function signIn(plan: SignInPlan, onDeviceCode: (message: string) => void): Promise<string> {
  if (plan.kind === 'token') return plan.token;
  const { config } = plan;
  try {
    return await acquireToken(config, onDeviceCode);
  } catch (e) {
    throw signInError(plan, e);
  }
}

function signInError(plan: Extract<SignInPlan, { kind: 'msal' }>, e: unknown): CliError {
  const err = e as { errorCode?: unknown; errorMessage?: unknown; message?: unknown };
  const code = typeof err.errorCode === 'string' && err.errorCode ? err.errorCode : null;
  const raw = (typeof err.errorMessage === 'string' && err.errorMessage ? err.errorMessage : String(err.message ?? e)).split(/\r?\n/)[0]!.trim();
  // msal-node wraps the server's error_description in "Error(s): … - Description: … - Correlation ID: …".
  const detail = /Description: (.*?)(?: - Correlation ID:|$)/.exec(raw)?.[1]?.trim() || raw;
  const who = plan.source === 'flags' ? 'Entra ID' : `the local identity provider (${plan.source})`;
  const reason = code && !detail.startsWith(code) ? `${code}: ${detail}` : detail;
  let hint: string | undefined;
  if (code === 'invalid_client') {
    hint = `the client id or the client secret${plan.secretSource ? ` from ${plan.secretSource}` : ''} was refused; check them against the app registration`;
  } else if (/CERT|self[- ]signed|UNABLE_TO_VERIFY/i.test(detail)) {
    hint = 'the identity provider\'s TLS certificate is not trusted';
  }
  return cliError('Unauthenticated', `Sign-in to ${who} at ${plan.config.authority} failed: ${reason}`, hint !== undefined ? { hint } : {});
}

function readRegistration(path: string): LocalClientRegistration {
  if (!existsSync(path)) {
    throw cliError(
      'Unauthenticated',
      `No sign-in settings: ${path} does not exist. It is written by a gateway running the local identity provider (the embedded default); pass --data-dir of that gateway, or sign in with Entra ID (--authority, --client-id, --scope and $${CONSOLE_ENV.clientSecret}), or pass an access token in $${CONSOLE_ENV.token}`,
    );
  }
  let parsed: Partial<LocalClientRegistration>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LocalClientRegistration>;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'not JSON';
    throw cliError('Unauthenticated', `Cannot read the sign-in settings ${path} (${why}); run as the user that started the gateway, or start the gateway again to rewrite it`);
  }
  for (const key of ['authority', 'clientId', 'clientSecret', 'scope', 'caFile'] as const) {
    if (typeof parsed?.[key] !== 'string' || !parsed[key]) {
      throw cliError('Unauthenticated', `${path} has no ${key}; start the gateway again to rewrite it`);
    }
  }
  if (!/^https:\/\//.test(parsed.authority!)) throw cliError('Unauthenticated', `${path} names ${parsed.authority}, which is not an https:// authority; start the gateway again to rewrite it`);
  return parsed as LocalClientRegistration;
}

function checkToken(token: string, source: string): string {
  const t = token.trim();
  if (!/^[A-Za-z0-9\-_.~+/]+=*$/.test(t)) {
    throw usageError(`${source} must be an access token (a JWT: letters, digits and - _ . separated parts), with no spaces or line breaks`, 'an access token', source.startsWith('$') ? undefined : source);
  }
  return t;
}

/** The value a sign-in flag was given, or undefined when it was not. */
function flagValue(args: ConsoleArgs, flag: (typeof SIGN_IN_FLAGS)[number]): string | undefined {
  switch (flag) {
    case '--auth':
      return args.authGiven ? args.auth : undefined;
    case '--authority':
      return args.authority;
    case '--client-id':
      return args.clientId;
    case '--client-secret':
      return args.clientSecret;
    case '--scope':
      return args.scope;
  }
}
