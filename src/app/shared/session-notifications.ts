import { Injectable, OnDestroy } from '@angular/core';
import { Subscription } from 'rxjs';
import type { AccessLevel, LiveEvent, SessionEndReason } from '../core/api-models';
import { LiveEventStream } from '../core/live-event-stream';
import { extensionStrings, format } from '../core/strings';
import { AdminNotifications } from './admin-notifications';

/** What a session event carries that the notification names (the API's SessionView and the gateway's record share these). */
interface SessionFacts {
  id: string;
  engineer: string;
  supportCase: string | null;
  accessLevel: AccessLevel;
  nodes: string[];
  endReason: SessionEndReason | null;
}

function sessionOf(event: LiveEvent): SessionFacts | null {
  const d = event.data as Partial<SessionFacts> | null;
  return d && typeof d.id === 'string' && typeof d.engineer === 'string' ? { supportCase: null, nodes: [], endReason: null, accessLevel: 'Diagnostics', ...d } as SessionFacts : null;
}

/**
 * Support sessions and failed integrity checks where the admin is, whatever
 * view is open: WAC's notification center hears when an engineer's session
 * starts (who, at which level, for which case, on which nodes), when it ends
 * (the same notification, updated, with why), and, as critical, when a check
 * of the record finds it changed. Started once by the tool frame.
 */
@Injectable({ providedIn: 'root' })
export class SessionNotifications implements OnDestroy {
  private subscription: Subscription | null = null;

  constructor(private readonly live: LiveEventStream, private readonly notifications: AdminNotifications) {}

  /** Listens for the live events; a second call does nothing. */
  start(): void {
    this.subscription ??= this.live.events$.subscribe((event) => this.onEvent(event));
  }

  ngOnDestroy(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  private onEvent(event: LiveEvent): void {
    const s = extensionStrings();
    const n = s.SessionNotifications;
    if (event.type === 'integrity.failed') {
      const d = (event.data ?? {}) as { sessionId?: unknown; problem?: unknown; grantId?: unknown };
      const problem = typeof d.problem === 'string' ? d.problem : n.integrityUnknown;
      const which = typeof d.sessionId === 'string' ? d.sessionId : typeof d.grantId === 'string' ? d.grantId : 'record';
      this.notifications.notify(`integrity-${which}`, 'critical', n.integrityTitle, format(n.integrity, problem));
      return;
    }
    if (event.type !== 'session.started' && event.type !== 'session.ended') return;
    const session = sessionOf(event);
    if (!session) return;
    const level = s.Level[session.accessLevel] ?? session.accessLevel;
    const nodes = session.nodes.length ? session.nodes.join(', ') : n.allNodes;
    const supportCase = session.supportCase ?? n.noCase;
    if (event.type === 'session.started') {
      this.notifications.notify(`session-${session.id}`, 'info', n.startedTitle, format(n.started, session.engineer, level, supportCase, nodes));
    } else {
      const why = session.endReason ? s.History.EndReason[session.endReason] ?? session.endReason : n.ended;
      this.notifications.notify(`session-${session.id}`, 'info', n.endedTitle, format(n.endedBecause, session.engineer, supportCase, why));
    }
  }
}
