import type { Agent } from 'node:http';
import { request } from 'node:https';
import { hybridConnectionOf } from './sas';

/**
 * Whether the gateway reaches the relay's endpoint on 443 the way its
 * listener will: through the configured proxy's tunnel when there is one,
 * with TLS checked against the system's CAs (or the configured one). Any HTTP
 * answer counts: the probe proves the path, it never registers a listener.
 */
export interface RelayProbeResult {
  reachable: boolean;
  /** What happened, in a sentence (the relay's answer, or the error). */
  detail: string;
}

export function probeRelay(address: string, options: { ca?: string; agent?: Agent; proxy?: string; timeoutMs?: number } = {}): Promise<RelayProbeResult> {
  const hc = hybridConnectionOf(address);
  if (!hc) return Promise.resolve({ reachable: false, detail: `${address} is not a Hybrid Connections address` });
  const via = options.proxy ? ` through the proxy ${new URL(options.proxy).host}` : '';
  return new Promise((resolve) => {
    const req = request(
      {
        host: hc.hostname,
        port: Number(new URL(address).port || 443),
        path: '/',
        method: 'GET',
        minVersion: 'TLSv1.2',
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.agent ? { agent: options.agent } : {}),
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        res.resume();
        resolve({ reachable: true, detail: `${hc.host} answered over TLS${via} (HTTP ${res.statusCode}).` });
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)));
    req.once('error', (e) => resolve({ reachable: false, detail: `${hc.host} could not be reached${via}: ${e.message}` }));
    req.end();
  });
}
