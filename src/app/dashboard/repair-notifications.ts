import { Injectable, OnDestroy } from '@angular/core';
import { Subscription } from 'rxjs';
import type { LiveEvent } from '../core/api-models';
import { formatDateTime } from '../core/format';
import { LiveEventStream } from '../core/live-event-stream';
import { RepairDecision } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { AdminNotifications } from '../shared/admin-notifications';
import { repairCommandLine } from './waiting-repair-command';

/**
 * What a `repair.*` event says about a repair, read defensively: on the
 * direct path the data is the approval as the API shows it (ISO times,
 * `engineer` and `decidedBy` as `{name, id}`); the PowerShell path
 * synthesizes `repair.decided` from two status readings, so it carries the
 * approval as it last waited (`state: "pending"`, no answer). Epoch-ms times
 * and plain-text names are read too, in case a gateway sends its internal
 * object.
 */
export interface RepairEventFacts {
  id: string;
  cmdlet: string;
  node: string;
  engineer: string;
  /** The command line as it runs (cmdlet and parameters). */
  command: string;
  /** When an unanswered repair is refused automatically (ISO), when known. */
  expiresAt: string | null;
  state: string;
  decidedBy: string | null;
}

/** Reads a repair event's data; null when it names no approval. */
export function readRepairEvent(data: unknown): RepairEventFacts | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  const id = text(d['id']);
  if (!id) return null;
  const cmdlet = text(d['cmdlet']) ?? '';
  const parameters = d['parameters'] && typeof d['parameters'] === 'object' && !Array.isArray(d['parameters']) ? (d['parameters'] as Record<string, unknown>) : {};
  return {
    id,
    cmdlet,
    node: text(d['node']) ?? '',
    engineer: name(d['engineer']) ?? '',
    command: cmdlet ? repairCommandLine(cmdlet, parameters) : '',
    expiresAt: time(d['expiresAt']),
    state: text(d['state']) ?? '',
    decidedBy: name(d['decidedBy']),
  };
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** `{name, id}` (the API's Actor) or a plain name. */
function name(v: unknown): string | null {
  if (v && typeof v === 'object') return text((v as Record<string, unknown>)['name']);
  return text(v);
}

/** An ISO time, or epoch milliseconds made ISO. */
function time(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v).toISOString();
  const t = text(v);
  return t && !Number.isNaN(Date.parse(t)) ? t : null;
}

/** The notification's id for one repair: `repair.decided` updates the one `repair.pending` made. */
export const repairNotificationId = (approvalId: string) => `repair-${approvalId}`;

/**
 * The answers the admin gave on this page. The Overview's waiting repairs
 * tell it, so the notification says at once how the repair ended ("approved
 * by you"), and the PowerShell path's later `repair.decided`, which cannot
 * tell the answer, does not overwrite that. It listens to nothing: the
 * Overview can use it without keeping the live updates open.
 */
@Injectable({ providedIn: 'root' })
export class RepairAnswersHere {
  private readonly given = new Set<string>();

  constructor(private readonly notifications: AdminNotifications) {}

  /** The admin answered on this page: the notification says so now. */
  answered(approval: { id: string; cmdlet: string; node: string }, decision: RepairDecision): void {
    const n = extensionStrings().Repairs.Notify;
    this.given.add(approval.id);
    const approved = decision === 'approve';
    this.notifications.notify(
      repairNotificationId(approval.id),
      approved ? 'success' : 'info',
      approved ? n.approvedTitle : n.refusedTitle,
      format(approved ? n.approved : n.refused, approval.cmdlet, approval.node, n.you),
    );
  }

  /** Whether the repair was answered on this page; forgets it (its `repair.decided` has come). */
  take(id: string): boolean {
    return this.given.delete(id);
  }
}

/**
 * Repairs that wait for the admin, in WAC's notification center, wherever the
 * admin is in the tool: `repair.pending` adds a critical notification naming
 * the command, the node and the engineer; `repair.decided` updates that same
 * notification (same id) to say how it ended and who answered.
 *
 * It listens from the moment it is created (the tool frame injects it) until
 * the application's injector is destroyed.
 */
@Injectable({ providedIn: 'root' })
export class RepairNotifications implements OnDestroy {
  private readonly subscription: Subscription;
  /** What each repair asked, by id, so an answer without the details still names the command. */
  private readonly asked = new Map<string, RepairEventFacts>();

  constructor(events: LiveEventStream, private readonly notifications: AdminNotifications, private readonly answersHere: RepairAnswersHere) {
    this.subscription = events.events$.subscribe((e) => this.onEvent(e));
  }

  ngOnDestroy(): void {
    this.subscription.unsubscribe();
  }

  private onEvent(event: LiveEvent): void {
    if (event.type !== 'repair.pending' && event.type !== 'repair.decided') return;
    const facts = readRepairEvent(event.data);
    if (!facts) return;
    if (event.type === 'repair.pending') this.pending(facts);
    else this.decided(facts);
  }

  private pending(f: RepairEventFacts): void {
    const n = extensionStrings().Repairs.Notify;
    this.asked.set(f.id, f);
    const message = f.expiresAt ? format(n.pending, f.engineer || n.someone, f.command, f.node, formatDateTime(f.expiresAt)) : format(n.pendingNoTime, f.engineer || n.someone, f.command, f.node);
    this.notifications.notify(repairNotificationId(f.id), 'critical', n.pendingTitle, message);
  }

  private decided(event: RepairEventFacts): void {
    const n = extensionStrings().Repairs.Notify;
    const before = this.asked.get(event.id);
    this.asked.delete(event.id);
    const answeredHere = this.answersHere.take(event.id);
    const cmdlet = event.cmdlet || before?.cmdlet || '';
    const node = event.node || before?.node || '';
    const by = event.decidedBy ?? n.someone;
    const id = repairNotificationId(event.id);
    switch (event.state) {
      case 'approved':
        this.notifications.notify(id, 'success', n.approvedTitle, format(n.approved, cmdlet, node, by));
        break;
      case 'refused':
        this.notifications.notify(id, 'info', n.refusedTitle, format(n.refused, cmdlet, node, by));
        break;
      case 'timed-out':
        this.notifications.notify(id, 'warning', n.timedOutTitle, format(n.timedOut, cmdlet, node));
        break;
      case 'cancelled':
        this.notifications.notify(id, 'info', n.cancelledTitle, format(n.cancelled, cmdlet, node));
        break;
      default:
        // The PowerShell path only sees that it no longer waits; an answer given here was said already.
        if (!answeredHere) this.notifications.notify(id, 'info', n.answeredTitle, format(n.answered, cmdlet, node));
    }
  }
}
