import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir } from '../config/config';
import type { GatewayPointer } from '../gateway';
import { LIST_PAGE } from '../domain/list-page';
import { HttpsClient } from '../http/https-client';
import { CliError, cliError, WireErrorBody } from './cli-error';

/** Where the CLI sends requests and with what credential, and where each came from (for messages). */
export interface GatewayTarget {
  url: string;
  cluster: string;
  /** PEM of the CA that vouches for the gateway, or undefined to use the system's CAs. */
  ca: string | undefined;
  token: string;
  /** Where the token came from: `--token`, `REMOTE_SUPPORT_TOKEN` or a file path. */
  tokenSource: string;
  /** Where the URL came from: `--gateway` or the gateway.json path. */
  urlSource: string;
  caSource: string | null;
}

/** What the command line and environment say about the target; each is optional. */
export interface TargetOptions {
  gateway?: string | undefined;
  cluster?: string | undefined;
  dataDir?: string | undefined;
  token?: string | undefined;
  caFile?: string | undefined;
}

const HOW_TO_START = 'Start it with `npm start` in the repository root (it prints its URL), or pass --gateway https://HOST:PORT of a running gateway';

/** The data directory the CLI looks in: --data-dir, else REMOTE_SUPPORT_DATA_DIR, else the gateway's default. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? (env['REMOTE_SUPPORT_DATA_DIR'] || defaultDataDir(env));
}

/**
 * Works out the gateway URL, cluster, CA and credential from flags, the
 * environment and the `gateway.json` / `admin-credential` files the gateway
 * writes into its data directory. Throws GatewayUnreachable when there is
 * no gateway to call, Unauthenticated when there is no credential.
 */
export function resolveTarget(options: TargetOptions, env: NodeJS.ProcessEnv): GatewayTarget {
  const dataDir = resolveDataDir(options.dataDir, env);
  const pointerPath = join(dataDir, 'gateway.json');
  const pointer = readPointer(pointerPath);

  const rawUrl = options.gateway ?? pointer?.url;
  if (rawUrl === undefined) {
    throw cliError('GatewayUnreachable', `No gateway found: ${pointerPath} does not exist, so no gateway has started with that data directory. ${HOW_TO_START}, or --data-dir of the gateway's data directory.`);
  }
  const url = checkUrl(rawUrl, options.gateway !== undefined ? '--gateway' : pointerPath);

  const cluster = options.cluster ?? pointer?.cluster;
  if (!cluster) {
    throw cliError('InvalidCliUsage', `--cluster is needed: ${pointerPath} does not name the cluster the gateway serves`, { field: '--cluster', allowed: 'the cluster name, e.g. hci-cl01.contoso.local' });
  }

  const caFile = options.caFile ?? pointer?.caFile;
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (e) {
      throw cliError('GatewayUnreachable', `Cannot read the CA certificate ${caFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass --ca-file with the gateway's certificate (<data dir>/tls/gateway.crt)`, { field: '--ca-file' });
    }
  }

  const credentialPath = join(dataDir, 'admin-credential');
  let token = options.token;
  let tokenSource = '--token';
  if (token === undefined && env['REMOTE_SUPPORT_TOKEN']) {
    token = env['REMOTE_SUPPORT_TOKEN'];
    tokenSource = 'REMOTE_SUPPORT_TOKEN';
  }
  if (token === undefined && existsSync(credentialPath)) {
    try {
      token = readFileSync(credentialPath, 'utf8').trim();
      tokenSource = credentialPath;
    } catch (e) {
      throw cliError('Unauthenticated', `Cannot read the admin credential ${credentialPath} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}); run as the user that owns it, or pass the credential in REMOTE_SUPPORT_TOKEN`);
    }
  }
  if (!token) {
    throw cliError('Unauthenticated', `No admin credential: ${credentialPath} does not exist. Set REMOTE_SUPPORT_TOKEN (or pass --token) to the admin credential or Entra ID access token`);
  }

  return {
    url,
    cluster,
    ca,
    token,
    tokenSource,
    urlSource: options.gateway !== undefined ? '--gateway' : pointerPath,
    caSource: caFile ?? null,
  };
}

function readPointer(path: string): Partial<GatewayPointer> | null {
  if (!existsSync(path)) return null;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Partial<GatewayPointer>;
  } catch {
    /* reported below */
  }
  throw cliError('GatewayUnreachable', `${path} is not the JSON a gateway writes at start; start the gateway again (\`npm start\`) to rewrite it, or pass --gateway`);
}

function checkUrl(raw: string, source: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw cliError('InvalidCliUsage', `${source} holds ${JSON.stringify(raw)}, which is not a URL; give https://HOST:PORT`, { field: '--gateway', allowed: 'https://HOST:PORT' });
  }
  // Only TLS: the admin credential must never cross the network in the clear.
  if (parsed.protocol !== 'https:') {
    throw cliError('InvalidCliUsage', `${source} holds ${raw}; the gateway is only reachable over TLS, give https://HOST:PORT`, { field: '--gateway', allowed: 'https://HOST:PORT' });
  }
  return parsed.href.replace(/\/+$/, '');
}

/** A request's query string values; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Items asked for per page of a paged list: the gateway's maximum, so a long history takes few requests. */
export const CLI_PAGE_SIZE = LIST_PAGE.max;

/** How long one request may take before the gateway counts as unreachable. */
export const REQUEST_TIMEOUT_MS = 30_000;

const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

/**
 * A client of one cluster's admin API (`/api/nodes/{cluster}/features/remoteSupport`),
 * over the shared {@link HttpsClient}: it trusts only the configured CA and
 * never turns certificate checks off. Answers are parsed JSON; an API error
 * becomes a CliError with the API's body. Owns its connection pool: call
 * {@link GatewayClient.dispose} when done.
 */
export class GatewayClient {
  private readonly http: HttpsClient;
  private readonly base: string;

  constructor(readonly target: GatewayTarget) {
    this.http = new HttpsClient({ ca: target.ca, timeoutMs: REQUEST_TIMEOUT_MS });
    this.base = `${target.url}/api/nodes/${encodeURIComponent(target.cluster)}/features/remoteSupport`;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.send<T>('GET', path, query);
  }

  /**
   * Every page of a paged list (session or consent history, search hits),
   * following nextCursor from the first page to the last: the first page's
   * answer, and the items of all of them in order. With `max`, it stops once
   * it has that many items, and asks no page for more than it still needs.
   */
  async allPages<T extends { nextCursor: string | null }, I>(path: string, query: Query, itemsOf: (page: T) => I[], max = Infinity): Promise<{ first: T; items: I[] }> {
    const size = (have: number) => Math.min(CLI_PAGE_SIZE, max - have);
    const first = await this.get<T>(path, { ...query, limit: size(0) });
    const items = [...itemsOf(first)];
    for (let cursor = first.nextCursor; cursor !== null && items.length < max; ) {
      const page: T = await this.get<T>(path, { ...query, limit: size(items.length), cursor });
      items.push(...itemsOf(page));
      cursor = page.nextCursor;
    }
    return { first, items: items.slice(0, max) };
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>('POST', path, undefined, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>('PUT', path, undefined, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.send<T>('DELETE', path);
  }

  /** Closes pooled connections so neither a CLI process nor a test is kept alive. */
  dispose(): void {
    void this.http.close();
  }

  /** `path` is relative to the cluster's feature prefix, or, starting with "/", to the gateway's root (/api/login-links). */
  private async send<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, query?: Query, body?: unknown): Promise<T> {
    const url = new URL(path.startsWith('/') ? `${this.target.url}${path}` : `${this.base}/${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.target.token}` };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.http.send(url.href, { method, headers, ...(payload !== undefined ? { body: payload } : {}) }));
    } catch (e) {
      // undici refuses header values with line breaks or control characters.
      if ((e as { code?: string }).code === 'UND_ERR_INVALID_ARG' && /header/i.test((e as Error).message)) {
        throw cliError('Unauthenticated', `The admin credential from ${this.target.tokenSource} cannot be sent (${(e as Error).message}); check it for stray characters`);
      }
      throw this.unreachable(e as Error);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw this.notTheApi(status);
    }
    if (status >= 200 && status < 300) return parsed as T;
    throw this.apiError(status, parsed);
  }

  private apiError(status: number, parsed: unknown): CliError {
    const error = (parsed as { error?: Partial<WireErrorBody> } | null)?.error;
    if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') return this.notTheApi(status);
    const body: WireErrorBody = { code: error.code, message: error.message };
    if (typeof error.field === 'string') body.field = error.field;
    if (typeof error.allowed === 'string') body.allowed = error.allowed;
    const hint = error.code === 'Unauthenticated' ? `The credential came from ${this.target.tokenSource}.` : undefined;
    return new CliError(body, hint);
  }

  private notTheApi(status: number): CliError {
    return cliError('GatewayUnreachable', `${this.target.url} answered HTTP ${status} with something other than the remote support API; check --gateway (from ${this.target.urlSource})`);
  }

  private unreachable(e: Error): CliError {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const where = `${this.target.url} (from ${this.target.urlSource})`;
    if (CERTIFICATE_ERRORS.test(code)) {
      const ca = this.target.caSource ? `the CA file ${this.target.caSource}` : "the system's CAs";
      return cliError(
        'GatewayUnreachable',
        `The gateway at ${where} presented a TLS certificate that ${ca} does not vouch for (${code}); pass --ca-file with the gateway's certificate (<data dir>/tls/gateway.crt)`,
      );
    }
    const stale = this.target.urlSource === '--gateway' ? '' : ' The gateway that wrote that file may have stopped.';
    return cliError('GatewayUnreachable', `The gateway at ${where} does not answer (${code || e.message}).${stale} ${HOW_TO_START}.`);
  }
}
