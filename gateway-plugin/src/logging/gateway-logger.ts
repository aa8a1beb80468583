import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';

/**
 * The gateway's log: pino, handed to fastify (which logs each request with
 * it) and to every part as a child logger (`part: 'channel'`, …). JSON lines
 * on stdout; pretty-printed with pino-pretty when stdout is a terminal.
 * Credentials never reach it: headers that carry them, fields named after
 * them and credential query parameters in URLs are redacted.
 */
export type { Logger };

/** The levels `REMOTE_SUPPORT_LOG_LEVEL` accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The environment variable that sets the level (default info). */
export const LOG_LEVEL_ENV = 'REMOTE_SUPPORT_LOG_LEVEL';

const REDACTED = '[Redacted]';

/** Where credentials can sit in a log record: request and response headers, and fields named after a credential at any of the first levels. */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-xsrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...['token', 'accessToken', 'access_token', 'idToken', 'refreshToken', 'clientSecret', 'client_secret', 'secret', 'password', 'credential', 'sas', 'sasToken', 'sasUrl', 'authorization', 'cookie']
    .flatMap((name) => [name, `*.${name}`]),
];

/** Query parameters that carry a credential: the login link's token, OAuth codes and secrets, a SAS signature. */
const SECRET_QUERY = /([?&](?:token|access_token|id_token|code|client_secret|sig|signature)=)[^&#\s]*/gi;
const BEARER = /(Bearer\s+)[^\s"',;]+/gi;

/** A URL with the value of every credential-bearing query parameter replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, `$1${REDACTED}`);
}

/** Text with credential query values and bearer tokens replaced, for free-text log lines. */
export function redactText(text: string): string {
  return redactUrl(text).replace(BEARER, `$1${REDACTED}`);
}

/** The level from the environment, or info; an unknown level is refused rather than guessed. */
export function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel {
  const raw = env[LOG_LEVEL_ENV]?.trim().toLowerCase();
  if (!raw) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) throw new Error(`${LOG_LEVEL_ENV} must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(raw.slice(0, 20))})`);
  return raw as LogLevel;
}

export interface GatewayLoggerOptions {
  level?: LogLevel;
  /** Where JSON lines go; stdout unless given. */
  destination?: DestinationStream;
  /** Pretty-print (pino-pretty); default: when writing to stdout and stdout is a terminal. */
  pretty?: boolean;
}

/** Creates the gateway's root logger. */
export function createGatewayLogger(options: GatewayLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
    serializers: {
      // Fastify's request record, with credentials in the query string redacted (the login link carries the admin credential).
      req: (req: { method?: string; url?: string; hostname?: string; ip?: string }) => ({
        method: req.method,
        url: req.url === undefined ? undefined : redactUrl(req.url),
        host: req.hostname,
        remoteAddress: req.ip,
      }),
      err: pino.stdSerializers.err,
    },
  };
  const pretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  if (pretty) return pino(config, pinoPretty({ colorize: true, destination: 1, sync: true }));
  return pino(config, options.destination ?? pino.destination({ dest: 1, sync: true }));
}

/**
 * The string sink the parts take (`(line) => void`) over a child logger:
 * each line becomes one info record naming its part.
 */
export function lineSink(logger: Logger, part: string): (line: string) => void {
  const child = logger.child({ part });
  return (line) => child.info(redactText(line));
}
