import { Agent as HttpsAgent, AgentOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { isIP } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';

/**
 * Outbound HTTPS through an HTTP proxy, the way a customer's network allows
 * `*.servicebus.windows.net:443`: a `CONNECT host:443` to the proxy, then TLS
 * end to end inside the tunnel (the proxy sees the host name, never the
 * traffic). An https.Agent, so `ws` and node's https use it unchanged.
 */
export interface ProxyTunnelOptions extends AgentOptions {
  /** The proxy, `http://HOST:PORT` (credentials as `http://user:password@HOST:PORT`). */
  proxy: string;
  /** How long the proxy may take to open the tunnel. */
  connectTimeoutMs?: number;
}

/** Checks a proxy URL; returns a sentence naming what is wrong, or null. */
export function proxyUrlProblem(proxy: string): string | null {
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    return `must be a URL such as http://proxy.contoso.local:3128 (got ${JSON.stringify(proxy.slice(0, 100))})`;
  }
  if (url.protocol !== 'http:') return `must be an http:// proxy URL (the tunnel inside it is TLS); got ${url.protocol}`;
  if (url.pathname !== '/' || url.search || url.hash) return 'must be only http://HOST:PORT, with no path or query';
  return null;
}

export class ProxyTunnelAgent extends HttpsAgent {
  private readonly proxy: URL;
  private readonly connectTimeoutMs: number;

  constructor(options: ProxyTunnelOptions) {
    const { proxy, connectTimeoutMs, ...agentOptions } = options;
    super({ keepAlive: false, ...agentOptions });
    const problem = proxyUrlProblem(proxy);
    if (problem) throw new RangeError(`the proxy ${problem}`);
    this.proxy = new URL(proxy);
    this.connectTimeoutMs = connectTimeoutMs ?? 30_000;
  }

  /** Opens the tunnel, then TLS inside it; node's Agent calls this with a callback and waits. */
  override createConnection(options: Record<string, unknown>, callback: (err: Error | null, socket?: Duplex) => void): undefined {
    const host = String(options['host'] ?? options['hostname'] ?? '');
    const port = Number(options['port'] ?? 443);
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const auth = this.proxy.username ? { 'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(this.proxy.username)}:${decodeURIComponent(this.proxy.password)}`).toString('base64')}` } : {};
    const req = httpRequest({
      host: this.proxy.hostname,
      port: Number(this.proxy.port || 80),
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...auth },
      timeout: this.connectTimeoutMs,
    });
    let done = false;
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      callback(e);
    };
    req.once('timeout', () => {
      req.destroy();
      fail(Object.assign(new Error(`the proxy ${this.proxy.host} did not open a tunnel to ${target} within ${this.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    req.once('error', (e) => fail(Object.assign(new Error(`cannot reach the proxy ${this.proxy.host}: ${e.message}`), { code: (e as NodeJS.ErrnoException).code })));
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        fail(Object.assign(new Error(`the proxy ${this.proxy.host} refused the tunnel to ${target}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim()), { code: 'EPROXYREFUSED' }));
        return;
      }
      // SNI takes a host name only (RFC 6066), never an address.
      const servername = String(options['servername'] ?? host);
      const tls: TLSSocket = tlsConnect({ ...(options as object), socket, ...(isIP(servername) ? { servername: undefined } : { servername }) });
      tls.once('secureConnect', () => {
        if (done) return;
        done = true;
        callback(null, tls);
      });
      tls.once('error', (e) => {
        tls.destroy();
        fail(e);
      });
    });
    req.end();
    return undefined;
  }
}
