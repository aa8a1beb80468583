import { ErrorBody, ErrorCode, isRemoteSupportError, RemoteSupportError } from '../domain/errors';

/** The process exit codes of the CLI. */
export const EXIT = {
  ok: 0,
  /** The operation failed: refused input, an API error, an unreachable gateway, a failed agent operation. */
  failed: 1,
  /** The command line itself is wrong: unknown verb or flag, missing value. */
  usage: 2,
} as const;

/**
 * An error body as the gateway sends it. The code is a string, not an
 * ErrorCode, because a newer gateway may answer with codes this CLI does not know.
 */
export interface WireErrorBody {
  code: string;
  message: string;
  field?: string;
  allowed?: string;
}

/**
 * Everything the CLI reports as a failure: a catalog-shaped error body, the
 * exit code it maps to, and an optional hint that is printed to stderr only
 * (never into --json output, which stays the API's shape).
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(readonly body: WireErrorBody, readonly hint?: string) {
    super(body.message);
    this.name = 'CliError';
    this.exitCode = body.code === 'InvalidCliUsage' ? EXIT.usage : EXIT.failed;
  }
}

/** Builds a CLI error from the shared catalog, so the CLI never invents codes. */
export function cliError(code: ErrorCode, message: string, detail: { field?: string; allowed?: string; hint?: string } = {}): CliError {
  const e = new RemoteSupportError(code, message, detail.field, detail.allowed);
  return new CliError(e.toBody(), detail.hint);
}

/** A command-line mistake (exit code 2). `allowed` lists what would have been accepted. */
export function usageError(message: string, allowed?: string, field?: string): CliError {
  return cliError('InvalidCliUsage', message, { ...(allowed !== undefined ? { allowed } : {}), ...(field !== undefined ? { field } : {}) });
}

/**
 * Re-words a domain validation error so it names the CLI flag as well as the
 * API field: `--expire-in-minutes (expireInMinutes) must be …`. The code,
 * field and allowed values stay those of the domain rule.
 */
export function withFlagNames(error: ErrorBody | WireErrorBody, flagOf: Readonly<Record<string, string>>): CliError {
  const flag = error.field !== undefined ? flagOf[error.field] : undefined;
  if (flag === undefined || error.field === undefined) return new CliError({ ...error });
  const message = error.message.startsWith(error.field)
    ? `${flag} (${error.field})${error.message.slice(error.field.length)}`
    : `${flag}: ${error.message}`;
  return new CliError({ ...error, message });
}

/** Turns anything thrown into a CliError; a non-catalog exception is a CLI bug and says so. */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (isRemoteSupportError(e)) return new CliError(e.toBody());
  const message = e instanceof Error ? e.message : String(e);
  return cliError('Internal', `The CLI failed unexpectedly: ${message}`);
}
