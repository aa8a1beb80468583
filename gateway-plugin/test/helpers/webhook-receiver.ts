import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { TlsMaterial } from '../../src/tls/certificates';

/** One request a receiver got. */
export interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The time on the test's clock when it arrived. */
  at: number;
  path: string;
}

/**
 * A real HTTPS webhook receiver on loopback: it records every request and
 * answers with the next scripted status (200 once the script runs out).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private script: { status: number; headers?: Record<string, string> }[] = [];
  private constructor(private readonly server: Server, readonly url: string, private readonly now: () => number) {}

  static async start(tls: TlsMaterial, now: () => number, path = '/hooks/remote-support?token=abc'): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | null = null;
    const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = receiver!;
        r.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: r.now(), path: req.url ?? '' });
        const next = r.script.shift() ?? { status: 200 };
        res.writeHead(next.status, { 'content-type': 'text/plain', ...next.headers });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `https://localhost:${(server.address() as AddressInfo).port}${path}`, now);
    return receiver;
  }

  /** The statuses the next requests get, in order. */
  answer(...statuses: (number | { status: number; headers?: Record<string, string> })[]): void {
    this.script = statuses.map((s) => (typeof s === 'number' ? { status: s } : s));
  }

  /** The received requests of one event type. */
  ofType(type: string): Received[] {
    return this.received.filter((r) => r.headers['x-remotesupport-event'] === type);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
