import { Clock } from '../domain/clock';
import { WebhookFormat } from '../domain/notification-types';
import { HttpsClient } from '../http/https-client';
import { DeliveryTarget, errorText } from './delivery-queue';
import { NotificationEvent, NotificationType } from './notification-event';
import { AttemptOutcome, outcomeOfStatus } from './retry-policy';
import { teamsMessage } from './teams-card';
import { signedHeaders } from './webhook-signature';

/** One configured webhook, its secret read. */
export interface WebhookSettings {
  url: string;
  /** The shared secret the payload is signed with. */
  secret: string;
  format: WebhookFormat;
  events: readonly NotificationType[];
  /** PEM of a CA to trust for a private receiver's certificate (besides none: it replaces the system's). */
  ca?: string;
}

/** The webhook as it is shown in logs and the API: origin and path, never a query that may hold a token. */
export function webhookName(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** Posts signed JSON (or a Teams card) to one webhook through the gateway's HTTPS client. */
export function webhookTarget(settings: WebhookSettings, options: { clock: Clock; wacUrl?: string; plainLoopback?: boolean }): DeliveryTarget {
  const client = new HttpsClient({ ...(settings.ca !== undefined ? { ca: settings.ca } : {}), connections: 2, ...(options.plainLoopback ? { plainLoopback: true } : {}) });
  return {
    kind: 'webhook',
    name: webhookName(settings.url),
    async send(event: NotificationEvent, signal: AbortSignal): Promise<AttemptOutcome> {
      const body = JSON.stringify(settings.format === 'teams' ? teamsMessage(event, options.wacUrl) : event);
      const timestamp = Math.floor(options.clock.now() / 1000);
      let res;
      try {
        res = await client.send(settings.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'RemoteSupportHCI-Gateway', ...signedHeaders(settings.secret, event, timestamp, body) },
          body,
          signal,
        });
      } catch (e) {
        // Refused by the client itself (not https): no later attempt would be sent either.
        if ((e as { code?: string }).code === 'ERR_NOT_HTTPS') return { kind: 'give-up', status: null, error: errorText(e) };
        throw e;
      }
      return outcomeOfStatus(res.status, res.headers['retry-after'], options.clock.now());
    },
    close: () => client.close(),
  };
}
