import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One webhook delivery as the receiver got it, with whether its signature checked out. */
export interface WebhookDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; cluster: string; summary: string; data: Record<string, unknown> };
  signatureValid: boolean;
}

/**
 * A local webhook receiver (plain HTTP on 127.0.0.1, which the gateway accepts
 * in test mode only): it checks each delivery's signature over the body as
 * received, as docs/notifications.md tells a receiver to, and keeps it.
 */
export async function startWebhookReceiver(secret: string): Promise<{ url: string; deliveries: WebhookDelivery[]; waitFor(type: string, timeoutMs?: number): Promise<WebhookDelivery>; close(): Promise<void> }> {
  const deliveries: WebhookDelivery[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const timestamp = String(req.headers['x-remotesupport-timestamp'] ?? '');
      const signature = String(req.headers['x-remotesupport-signature'] ?? '');
      const expected = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
      const signatureValid = /^\d+$/.test(timestamp) && signature.length === expected.length && timingSafeEqual(new TextEncoder().encode(signature), new TextEncoder().encode(expected));
      deliveries.push({ headers: req.headers, body, event: JSON.parse(body) as WebhookDelivery['event'], signatureValid });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/remote-support`,
    deliveries,
    async waitFor(type, timeoutMs = 30_000) {
      const start = Date.now();
      for (;;) {
        const found = deliveries.find((d) => d.event.type === type);
        if (found) return found;
        if (Date.now() - start > timeoutMs) throw new Error(`no ${type} webhook arrived; got ${deliveries.map((d) => d.event.type).join(', ') || 'none'}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One message the SMTP server accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/**
 * A local SMTP server (the npm smtp-server, a real SMTP implementation) in
 * plain text on 127.0.0.1, which the gateway uses only in test mode
 * (`security: "none"`). No sign-in.
 */
export async function startSmtpReceiver(): Promise<{ port: number; mails: ReceivedMail[]; waitFor(pattern: RegExp, timeoutMs?: number): Promise<ReceivedMail>; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (raw += c));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    async waitFor(pattern, timeoutMs = 30_000) {
      const start = Date.now();
      for (;;) {
        const found = mails.find((m) => pattern.test(m.raw));
        if (found) return found;
        if (Date.now() - start > timeoutMs) throw new Error(`no mail matching ${pattern} arrived; got ${mails.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
