import { createTransport } from 'nodemailer';
import { DeliveryTarget, errorText } from './delivery-queue';
import { keyFacts, NOTIFICATION_TEXT, NotificationEvent, NotificationType } from './notification-event';
import { AttemptOutcome } from './retry-policy';
import { SMTP_SECURITY, SmtpSecurity } from '../domain/notification-types';

export { SMTP_SECURITY, type SmtpSecurity };

export interface EmailSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** PEM of the CA that vouches for the SMTP server (replaces the system's). */
  ca?: string;
  user?: string;
  password?: string;
  from: string;
  to: readonly string[];
  events: readonly NotificationType[];
}

/** How long connecting, the greeting and each pause of the SMTP conversation may take. */
const SMTP_TIMEOUT_MS = 10_000;

/** The subject and plain-text body: what happened and what to do. */
export function emailMessage(event: NotificationEvent, wacUrl?: string): { subject: string; text: string } {
  const { title, todo } = NOTIFICATION_TEXT[event.type];
  const lines = [
    event.summary,
    '',
    ...keyFacts(event).map((f) => `${f.title}: ${f.value}`),
    '',
    `What to do: ${todo}`,
    ...(wacUrl ? ['', `Windows Admin Center: ${wacUrl}`] : []),
    '',
    `Event ${event.type}, id ${event.id}. Sent by the Remote Support gateway.`,
  ];
  return { subject: `[Remote Support] ${title} on ${event.cluster}`, text: lines.join('\n') + '\n' };
}

/** Sends each event as an email through the configured SMTP server (nodemailer), TLS 1.2 or newer. */
export function emailTarget(settings: EmailSettings, options: { wacUrl?: string } = {}): DeliveryTarget {
  const transport = createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(settings.ca !== undefined ? { ca: settings.ca } : {}) },
    ...(settings.user !== undefined ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    kind: 'email',
    name: `smtp ${settings.host}:${settings.port} to ${settings.to.join(', ')}`,
    // The queue ends an attempt at its time limit; nodemailer's own timeouts close the connection.
    async send(event: NotificationEvent): Promise<AttemptOutcome> {
      const { subject, text } = emailMessage(event, options.wacUrl);
      const sending = transport.sendMail({ from: settings.from, to: [...settings.to], subject, text, headers: { 'X-RemoteSupport-Event': event.type, 'X-RemoteSupport-Delivery': event.id } });
      try {
        const info = await sending;
        return { kind: 'delivered', status: smtpCode(info.response) };
      } catch (e) {
        return outcomeOfSmtpError(e);
      }
    },
    close: async () => transport.close(),
  };
}

/** SMTP 4xx (try later) and network failures are tried again; 5xx, a failed sign-in and a server without the required TLS are not. */
export function outcomeOfSmtpError(e: unknown): AttemptOutcome {
  const err = e as { responseCode?: number; code?: string };
  const status = typeof err.responseCode === 'number' ? err.responseCode : null;
  const error = errorText(e);
  if (err.code === 'EAUTH') return { kind: 'give-up', status, error: `the SMTP server refused the sign-in: ${error}` };
  if (/STARTTLS/i.test(error) || err.code === 'ETLS') return { kind: 'give-up', status, error: `the SMTP server does not offer the TLS required: ${error}` };
  if (status !== null && status >= 500) return { kind: 'give-up', status, error };
  return { kind: 'retry', status, error };
}

function smtpCode(response: unknown): number | null {
  const m = /^(\d{3})/.exec(String(response ?? ''));
  return m ? Number(m[1]) : null;
}
