import { randomUUID } from 'node:crypto';
import { Clock, Disposable } from '../domain/clock';
import { EventHub } from '../events/event-hub';
import { DeliveryQueue, DeliveryQueueOptions, DeliveryRecord, DeliveryTarget } from './delivery-queue';
import { EmailSettings, emailTarget } from './email-target';
import { NotificationType, toNotification } from './notification-event';
import { WebhookSettings, webhookTarget } from './webhook-target';

export interface NotifierOptions {
  clock: Clock;
  events: EventHub;
  webhooks: readonly WebhookSettings[];
  email?: EmailSettings;
  /** The Windows Admin Center URL the messages link to. */
  wacUrl?: string;
  log: (line: string) => void;
  /** Test mode: webhooks on http://127.0.0.1 or localhost are allowed. */
  plainLoopback?: boolean;
  /** Delivery records kept in memory for the API, newest first. */
  keepRecords?: number;
  /** Tuning of every target's queue (tests fix the jitter, shorten limits). */
  queue?: Pick<DeliveryQueueOptions, 'retry' | 'random' | 'maxPending' | 'attemptTimeoutMs'>;
  /** Extra targets (tests). */
  targets?: readonly { target: DeliveryTarget; events: readonly NotificationType[] }[];
  newId?: () => string;
}

export const DEFAULT_KEPT_RECORDS = 500;

/**
 * Tells admins what happens: listens to the event hub, turns the events
 * admins care about into notifications and hands each to the queue of every
 * target that wants its type. Publishing never waits on a receiver. Keeps
 * the latest deliveries' outcomes in memory (they are not durable).
 */
export class Notifier {
  private readonly queues: { queue: DeliveryQueue; events: ReadonlySet<string> }[] = [];
  private readonly records: DeliveryRecord[] = [];
  private readonly subscription: Disposable;
  private readonly keep: number;

  constructor(options: NotifierOptions) {
    this.keep = options.keepRecords ?? DEFAULT_KEPT_RECORDS;
    const queueOptions: DeliveryQueueOptions = { clock: options.clock, log: options.log, onRecord: (r) => this.remember(r), ...options.queue };
    const add = (target: DeliveryTarget, events: readonly NotificationType[]) => this.queues.push({ queue: new DeliveryQueue(target, queueOptions), events: new Set(events) });
    const wac = options.wacUrl !== undefined ? { wacUrl: options.wacUrl } : {};
    for (const webhook of options.webhooks) add(webhookTarget(webhook, { clock: options.clock, ...wac, plainLoopback: options.plainLoopback ?? false }), webhook.events);
    if (options.email) add(emailTarget(options.email, wac), options.email.events);
    for (const extra of options.targets ?? []) add(extra.target, extra.events);
    this.subscription = options.events.subscribe((event) => {
      const notification = toNotification(event, options.newId ?? randomUUID);
      if (!notification) return;
      for (const { queue, events } of this.queues) if (events.has(notification.type)) queue.enqueue(notification);
    });
  }

  /** The latest deliveries, newest first; one cluster's when given. */
  deliveries(cluster?: string): DeliveryRecord[] {
    return this.records.filter((r) => cluster === undefined || r.cluster === cluster).map((r) => ({ ...r }));
  }

  /** Deliveries dropped because a target's queue was full, since start. */
  get dropped(): number {
    return this.queues.reduce((n, q) => n + q.queue.dropped, 0);
  }

  async close(): Promise<void> {
    this.subscription.dispose();
    await Promise.all(this.queues.map((q) => q.queue.close()));
  }

  private remember(record: DeliveryRecord): void {
    // A record is one object updated in place; it moves to the front when first seen.
    if (!this.records.includes(record)) {
      this.records.unshift(record);
      if (this.records.length > this.keep) this.records.pop();
    }
  }
}
