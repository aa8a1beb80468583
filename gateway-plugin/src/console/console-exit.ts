import { EXIT } from '../cli/cli-error';

/**
 * The support console's exit codes. 0 to 2 mean what they mean for the
 * `remote-support` CLI; 3 and 4 are the console's own.
 */
export const CONSOLE_EXIT = {
  ...EXIT,
  /** The gateway ended the session: revoked, expired, ended by the admin, idle, or the connection dropped. */
  sessionEnded: 3,
  /** Non-interactive mode: a command was denied, or failed in the gateway or on a node. Every command still ran. */
  commandFailed: 4,
} as const;

/** One line per exit code, for --help and docs/support-console.md. */
export const CONSOLE_EXIT_LINES: readonly (readonly [number, string])[] = [
  [CONSOLE_EXIT.ok, 'done (interactive: :quit, Ctrl-D or Ctrl-C)'],
  [CONSOLE_EXIT.failed, 'refused: sign-in failed, the gateway refused the connection or the session (NoActiveGrant, SupportCaseMismatch, Unauthenticated, ...), or it is unreachable'],
  [CONSOLE_EXIT.usage, 'usage error: unknown flag, missing or bad value (code InvalidCliUsage)'],
  [CONSOLE_EXIT.sessionEnded, 'the gateway ended the session (revoked, expired, ended by the admin, idle) or the connection dropped'],
  [CONSOLE_EXIT.commandFailed, 'with --command: a command was denied or failed (every command still ran)'],
];
