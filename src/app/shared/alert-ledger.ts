import { Inject, Injectable, NgZone, OnDestroy } from '@angular/core';
import { BehaviorSubject } from 'rxjs';
import { Clock, CLOCK } from '../core/clock';
import { GatewayError } from '../core/gateway-error';
import { extensionStrings, format } from '../core/strings';

export type AlertKind = 'error' | 'warning' | 'success' | 'info';

/**
 * What an alert is about. A newer alert on the same topic replaces the older
 * one: "granted until…" never stays above "Access revoked".
 */
export type AlertTopic = 'grant' | 'agent' | 'session' | 'gateway';

export interface ExtensionAlert {
  id: number;
  kind: AlertKind;
  message: string;
  /** The catalog code of a gateway error, shown for support. */
  code: string | null;
  topic: AlertTopic | null;
}

/** How long a success or an information stays before it goes by itself; errors and warnings stay until closed. */
export const ALERT_LIFETIME_MS = 6000;

/**
 * The alerts the tool shows above its content: errors of any view (never a
 * blank page), and confirmations of what an action did. Repeats of the same
 * message replace the earlier one instead of stacking up, and so does a newer
 * alert on the same topic. Successes and information go by themselves after
 * {@link ALERT_LIFETIME_MS}; errors and warnings stay until the admin closes them.
 */
@Injectable({ providedIn: 'root' })
export class AlertLedger implements OnDestroy {
  private nextId = 1;
  private readonly subject = new BehaviorSubject<ExtensionAlert[]>([]);
  private readonly timers = new Map<number, () => void>();
  readonly alerts$ = this.subject.asObservable();

  constructor(@Inject(CLOCK) private readonly clock: Clock, private readonly zone: NgZone) {}

  get alerts(): ExtensionAlert[] {
    return this.subject.value;
  }

  show(kind: AlertKind, message: string, code: string | null = null, topic: AlertTopic | null = null): ExtensionAlert {
    const alert: ExtensionAlert = { id: this.nextId++, kind, message, code, topic };
    const replaced = this.subject.value.filter((a) => a.message === message || (topic !== null && a.topic === topic));
    for (const old of replaced) this.cancelTimer(old.id);
    this.subject.next([...this.subject.value.filter((a) => !replaced.includes(a)), alert]);
    // In Angular's zone whoever showed it (an event source's callback may run outside it), so the view updates.
    if (kind === 'success' || kind === 'info') this.timers.set(alert.id, this.clock.setTimer(ALERT_LIFETIME_MS, () => this.zone.run(() => this.dismiss(alert.id))));
    return alert;
  }

  /** Shows what failed (`action`, e.g. "Could not load the status") and the gateway's reason. */
  error(action: string, error: unknown, topic: AlertTopic | null = null): ExtensionAlert {
    const s = extensionStrings().Errors;
    if (error instanceof GatewayError) {
      if (error.unreachable) return this.show('error', format(s.withReason, action, s.unreachable), error.code, topic);
      if (error.code === 'Unauthenticated') return this.show('error', format(s.withReason, action, s.signIn), error.code, topic);
      return this.show('error', format(s.withReason, action, error.message), error.code, topic);
    }
    const reason = error instanceof Error ? error.message : String(error);
    return this.show('error', format(s.withReason, action, reason), null, topic);
  }

  dismiss(id: number): void {
    this.cancelTimer(id);
    if (this.subject.value.some((a) => a.id === id)) this.subject.next(this.subject.value.filter((a) => a.id !== id));
  }

  /** Removes the alerts on a topic (e.g. the gateway's errors once it answers again), those `which` picks if given. */
  dismissTopic(topic: AlertTopic, which: (alert: ExtensionAlert) => boolean = () => true): void {
    for (const a of this.subject.value) if (a.topic === topic && which(a)) this.dismiss(a.id);
  }

  clear(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    this.subject.next([]);
  }

  ngOnDestroy(): void {
    this.clear();
  }

  private cancelTimer(id: number): void {
    this.timers.get(id)?.();
    this.timers.delete(id);
  }
}
