import { Agent, fetch as undiciFetch, request } from 'undici';

/**
 * The one HTTPS client of the gateway's programs (the admin CLI, the support
 * console's sign-in, the gateway's JWKS download): an undici connection pool
 * that trusts the given CA (or the system's), speaks TLS 1.2 or newer, never
 * turns certificate checks off, and gives every request a time limit.
 */
export interface HttpsClientOptions {
  /** PEM of the CA that vouches for the servers, or undefined for the system's CAs. */
  ca?: string | undefined;
  /** How long connecting, the answer's headers and each pause in its body may take. */
  timeoutMs?: number;
  /** When given, the only hosts (`name:port`) the client may contact. */
  allowedHosts?: readonly string[];
  /** Connections kept per origin. */
  connections?: number;
  /** Test mode only: plain http:// to this machine (127.0.0.1, ::1, localhost) is allowed too. */
  plainLoopback?: boolean;
}

export interface HttpsRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** An answer, read whole: bodies here are small JSON documents. */
export interface HttpsResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** The default time limit of one request. */
export const HTTPS_TIMEOUT_MS = 30_000;

/** The oldest TLS version any client here speaks. */
export const HTTPS_MIN_TLS = 'TLSv1.2';

/** Owns a connection pool: call {@link HttpsClient.close} when done, so no socket keeps a process or a test alive. */
export class HttpsClient {
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpsClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? HTTPS_TIMEOUT_MS;
    this.agent = new Agent({
      connect: { ...(options.ca !== undefined ? { ca: options.ca } : {}), minVersion: HTTPS_MIN_TLS, rejectUnauthorized: true, timeout: this.timeoutMs },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connections: options.connections ?? 4,
    });
  }

  /** Sends one request and reads the whole answer. Errors carry a `code` (ECONNREFUSED, a TLS code, ETIMEDOUT, …). */
  async send(url: string, init: HttpsRequest = {}): Promise<HttpsResponse> {
    const target = this.check(url);
    try {
      const res = await request(target, {
        method: init.method ?? 'GET',
        dispatcher: this.agent,
        ...(init.headers ? { headers: init.headers } : {}),
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      const text = await res.body.text();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
      return { status: res.statusCode, headers, text };
    } catch (e) {
      throw this.explain(e, target);
    }
  }

  /** A WHATWG fetch over this pool, for libraries that take one (jose's JWKS download). */
  readonly fetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const target = this.check(String(url));
    try {
      return (await undiciFetch(target, { ...(init as object), dispatcher: this.agent })) as unknown as Response;
    } catch (e) {
      throw this.explain((e as { cause?: unknown }).cause ?? e, target);
    }
  };

  /** Closes pooled connections; requests still running are aborted. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private check(url: string): URL {
    const target = new URL(url);
    // Only TLS: credentials and tokens must never cross the network in the clear.
    const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(target.hostname);
    if (target.protocol !== 'https:' && !(this.options.plainLoopback && target.protocol === 'http:' && loopback)) throw Object.assign(new Error(`${target.origin} is not an https:// address`), { code: 'ERR_NOT_HTTPS' });
    const allowed = this.options.allowedHosts;
    if (allowed && !allowed.includes(target.host)) {
      throw Object.assign(new Error(`tried to reach ${target.host}, which is not the configured authority (${allowed.join(', ')})`), { code: 'ERR_HOST_NOT_ALLOWED' });
    }
    return target;
  }

  /** undici's timeout errors become ETIMEDOUT naming the host and the limit; other errors pass as they are. */
  private explain(e: unknown, target: URL): unknown {
    const code = (e as { code?: string } | null)?.code ?? '';
    if (/^UND_ERR_(CONNECT|HEADERS|BODY)_TIMEOUT$/.test(code)) {
      return Object.assign(new Error(`no answer from ${target.host} within ${this.timeoutMs / 1000} s`), { code: 'ETIMEDOUT', cause: e });
    }
    return e;
  }
}
