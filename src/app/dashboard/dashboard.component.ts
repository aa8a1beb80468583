import { ChangeDetectorRef, Component, Inject, OnDestroy, OnInit } from '@angular/core';
import { DialogService } from '@microsoft/windows-admin-center-sdk/angular';
import { Subject, Subscription } from 'rxjs';
import { debounceTime, filter, finalize, pairwise } from 'rxjs/operators';
import { AgentOperation, ClusterStatus, GrantView, LiveEvent, Prerequisites, SessionView } from '../core/api-models';
import { Clock, CLOCK } from '../core/clock';
import { formatDateTime } from '../core/format';
import { GatewayError } from '../core/gateway-error';
import { LiveEventStream } from '../core/live-event-stream';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { GRANT_ACCESS_DIALOG_ID, GrantAccessDialogOptions, GrantAccessDialogResult } from '../grant-dialog/grant-access-dialog.component';
import { AdminNotifications } from '../shared/admin-notifications';
import { AlertLedger } from '../shared/alert-ledger';
import { ToolRefresh } from '../tool/tool-refresh';
import { AgentRequest } from './agent-panel.component';
import { nodeProgressText } from './node-progress';
import { CONFIRMATION_DIALOG_ID, ConfirmationOptions, ConfirmationResult } from '../shared/confirmation-dialog.component';
import { REVOKE_CONFIRMATION_DIALOG_ID, RevokeConfirmationOptions, RevokeConfirmationResult } from './revoke-confirmation-dialog.component';

/**
 * Events after which the status is read again (they change grants, sessions, agents or the relay).
 * `relay.state` carries the listener with epoch-ms times, not the status's shape: the read brings the view.
 */
const STATUS_EVENTS = new Set(['grant.created', 'grant.superseded', 'grant.revoked', 'grant.expired', 'agent.finished', 'session.started', 'session.ended', 'relay.state', 'request.created', 'request.updated', 'request.expired', 'repair.pending', 'repair.decided']);

/**
 * The tool's home: the current grant, the relay, live sessions, the agent on
 * each node and the prerequisites, kept current by the live event stream.
 */
@Component({
  selector: 'rs-dashboard',
  templateUrl: './dashboard.component.html',
})
export class DashboardComponent implements OnInit, OnDestroy {
  readonly strings = extensionStrings();
  readonly grantDialogId = GRANT_ACCESS_DIALOG_ID;
  readonly revokeDialogId = REVOKE_CONFIRMATION_DIALOG_ID;
  readonly confirmationDialogId = CONFIRMATION_DIALOG_ID;
  status: ClusterStatus | null = null;
  prerequisites: Prerequisites | null = null;
  loadingStatus = false;
  loadingPrerequisites = false;
  statusFailed = false;
  /** Gateway time minus this browser's time, so countdowns follow the gateway's clock. */
  serverOffsetMs = 0;
  startingAgentOperation = false;
  revoking = false;
  readonly ending = new Set<string>();
  /** The gateway cannot be reached: what is shown is the last known state, and countdowns stop. */
  stale = false;
  /** Denied attempts of live sessions seen on the live stream since this page opened (the status does not count them). */

  private readonly refreshRequests = new Subject<void>();
  private readonly subscriptions = new Subscription();

  constructor(
    private readonly gateway: RemoteSupportGateway,
    private readonly events: LiveEventStream,
    private readonly dialogs: DialogService,
    private readonly alerts: AlertLedger,
    private readonly changes: ChangeDetectorRef,
    private readonly refresh: ToolRefresh,
    private readonly notifications: AdminNotifications,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  ngOnInit(): void {
    this.loadStatus();
    this.loadPrerequisites();
    this.subscriptions.add(this.refreshRequests.pipe(debounceTime(250)).subscribe(() => this.loadStatus()));
    this.subscriptions.add(this.events.events$.subscribe((e) => this.onEvent(e)));
    this.subscriptions.add(this.refresh.requests$.subscribe(() => this.reload()));
    this.subscriptions.add(
      this.events.state$.subscribe((state) => {
        this.stale = state === 'reconnecting';
        // The frame's banner says the gateway cannot be reached: no alert repeats it (a sign-in that ended stays said).
        if (this.stale) this.alerts.dismissTopic('gateway', (a) => a.code !== 'Unauthenticated');
        this.changes.markForCheck();
      }),
    );
    // After the stream was down, events may have been missed: read the status again.
    this.subscriptions.add(
      this.events.state$.pipe(pairwise(), filter(([before, now]) => before === 'reconnecting' && now === 'open')).subscribe(() => {
        this.loadStatus();
        this.loadPrerequisites();
      }),
    );
  }

  ngOnDestroy(): void {
    this.subscriptions.unsubscribe();
  }

  /** Reads the status and the prerequisites again (the toolbar's Refresh). */
  reload(): void {
    this.loadStatus();
    this.loadPrerequisites();
  }

  get agentReady(): boolean {
    return !!this.status && this.status.nodes.length > 0 && this.status.nodes.every((n) => n.agent.state === 'Installed');
  }

  loadStatus(): void {
    this.loadingStatus = true;
    this.gateway
      .status()
      .pipe(finalize(() => (this.loadingStatus = false)))
      .subscribe({
        next: (status) => {
          this.status = status;
          this.statusFailed = false;
          this.alerts.dismissTopic('gateway');
          const serverNow = Date.parse(status.now);
          this.serverOffsetMs = Number.isNaN(serverNow) ? 0 : serverNow - this.clock.now();
          this.changes.markForCheck();
        },
        error: (error: unknown) => {
          this.statusFailed = true;
          if (this.stale && error instanceof GatewayError && error.unreachable) return;
          this.alerts.error(this.strings.Errors.loadStatus, error, 'gateway');
        },
      });
  }

  loadPrerequisites(): void {
    this.loadingPrerequisites = true;
    this.gateway
      .prerequisites()
      .pipe(finalize(() => (this.loadingPrerequisites = false)))
      .subscribe({
        next: (p) => (this.prerequisites = p),
        error: (error: unknown) => {
          if (this.stale && error instanceof GatewayError && error.unreachable) return;
          this.alerts.error(this.strings.Errors.loadPrerequisites, error, 'gateway');
        },
      });
  }

  /** Reads the status again soon; several events in a burst cause one read. */
  refreshSoon(): void {
    this.refreshRequests.next();
  }

  openGrantDialog(): void {
    if (!this.status) return;
    // With an active grant this is Change access: the pane opens filled with it, its time left read on the gateway's clock.
    const options: GrantAccessDialogOptions = { registered: this.status.registered, activeGrant: this.status.activeGrant, serverOffsetMs: this.serverOffsetMs };
    this.dialogs.show<GrantAccessDialogOptions, GrantAccessDialogResult>(GRANT_ACCESS_DIALOG_ID, options).subscribe((result) => {
      if (!result?.granted) return;
      const g = result.granted.grant;
      this.alerts.show('success', format(this.strings.Grant.granted, this.strings.Level[g.accessLevel], formatDateTime(g.expiresAt)), null, 'grant');
      this.loadStatus();
    });
  }

  confirmRevoke(): void {
    const liveSessions = this.status?.liveSessions.length ?? 0;
    this.dialogs
      .show<RevokeConfirmationOptions, RevokeConfirmationResult>(REVOKE_CONFIRMATION_DIALOG_ID, { liveSessions })
      .pipe(filter((r) => !!r?.confirmed))
      .subscribe(() => this.revoke());
  }

  revoke(): void {
    this.revoking = true;
    this.gateway
      .revoke()
      .pipe(finalize(() => (this.revoking = false)))
      .subscribe({
        next: (result) => {
          this.alerts.show('success', result.revoked ? revokedText(result.sessionsEnded) : this.strings.Revoke.nothing, null, 'grant');
          this.loadStatus();
        },
        error: (error: unknown) => this.alerts.error(this.strings.Errors.revoke, error, 'grant'),
      });
  }

  /** Asks before ending a session; Cancel changes nothing. */
  confirmEndSession(session: SessionView): void {
    const s = this.strings.Sessions;
    this.confirm({ title: format(s.confirmTitle, session.engineer), message: s.confirmMessage, confirmLabel: s.end }, () => this.endSession(session));
  }

  /** Asks before removing the agent from one node or from all; Cancel changes nothing. */
  confirmAgentRequest(request: AgentRequest): void {
    if (request.kind !== 'remove') return this.agentRequest(request);
    const s = this.strings.Agent;
    const one = request.nodes.length === 1 ? request.nodes[0]! : null;
    const cluster = this.status?.cluster ?? '';
    const options = one
      ? { title: format(s.confirmRemoveTitle, one), message: format(s.confirmRemoveMessage, one), confirmLabel: s.remove }
      : { title: s.confirmRemoveAllTitle, message: format(s.confirmRemoveAllMessage, cluster), confirmLabel: s.removeAll };
    this.confirm(options, () => this.agentRequest(request));
  }

  private confirm(options: ConfirmationOptions, then: () => void): void {
    this.dialogs
      .show<ConfirmationOptions, ConfirmationResult>(CONFIRMATION_DIALOG_ID, options)
      .pipe(filter((r) => !!r?.confirmed))
      .subscribe(() => then());
  }

  endSession(session: SessionView): void {
    this.ending.add(session.id);
    this.gateway
      .endSession(session.id)
      .pipe(finalize(() => this.ending.delete(session.id)))
      .subscribe({
        next: () => {
          this.alerts.show('success', format(this.strings.Sessions.ended, session.engineer), null, 'session');
          this.loadStatus();
        },
        error: (error: unknown) => this.alerts.error(format(this.strings.Errors.endSession, session.engineer), error),
      });
  }

  agentRequest(request: AgentRequest): void {
    this.startingAgentOperation = true;
    const call = request.kind === 'install' ? this.gateway.installAgent(request.nodes) : this.gateway.removeAgent(request.nodes);
    call.pipe(finalize(() => (this.startingAgentOperation = false))).subscribe({
      next: ({ operation }) => this.applyOperation(operation),
      error: (error: unknown) => this.alerts.error(request.kind === 'install' ? this.strings.Errors.install : this.strings.Errors.remove, error, 'agent'),
    });
  }

  private onEvent(event: LiveEvent): void {
    if (event.type === 'agent.progress' || event.type === 'agent.finished') this.applyOperation(event.data as AgentOperation);
    if (event.type === 'agent.finished') this.loadPrerequisites();
    if (event.type === 'transcript.entry') this.countCommand(event.data as { sessionId?: string; kind?: string });
    if (event.type === 'grant.expired' || event.type === 'grant.revoked') this.grantEnded(event.type, event.data as GrantView);
    if (STATUS_EVENTS.has(event.type)) this.refreshSoon();
  }

  /** Shows an operation's progress at once (agent.progress carries the whole operation). */
  private applyOperation(operation: AgentOperation): void {
    if (!this.status || !operation || operation.cluster?.toLowerCase() !== this.status.cluster.toLowerCase()) return;
    const busy = operation.kind === 'install' ? 'Installing' : 'Removing';
    const nodes = this.status.nodes.map((n) => {
      const p = operation.nodes.find((x) => x.node === n.name);
      if (!p || operation.status !== 'running' || p.status === 'succeeded' || p.status === 'failed') return n;
      return { ...n, agent: { ...n.agent, state: busy as typeof n.agent.state } };
    });
    this.status = { ...this.status, nodes, agentOperation: operation };
    this.notifyOperation(operation);
    if (operation.status !== 'running') this.refreshSoon();
    this.changes.markForCheck();
  }

  /** The last message each operation's notification carried: a notification is sent again only when it changes. */
  private readonly notified = new Map<string, string>();

  /** One WAC notification per install or removal, updated as each node moves on. */
  private notifyOperation(op: AgentOperation): void {
    const s = this.strings.Agent;
    const done = op.nodes.filter((n) => n.status === 'succeeded').length;
    const summary = format(s.Operation[op.kind][op.status], done, op.nodes.length, op.startedBy);
    const nodes = op.nodes.map((n) => `${n.node}: ${nodeProgressText(n)}`).join('; ');
    const message = `${summary} ${nodes}`;
    if (this.notified.get(op.id) === message) return;
    this.notified.set(op.id, message);
    const level = op.status === 'running' ? 'progress' : op.status === 'succeeded' ? 'success' : 'error';
    this.notifications.notify(`agent-${op.id}`, level, op.kind === 'install' ? s.notificationInstall : s.notificationRemove, message);
  }

  /** Access ended without this page asking (expiry, or a revoke from elsewhere too): say so, here and in WAC's notifications. */
  private grantEnded(type: 'grant.expired' | 'grant.revoked', grant: GrantView | null): void {
    const g = this.strings.Grant;
    const cluster = this.status?.cluster ?? '';
    if (type === 'grant.expired') {
      const message = format(g.expiredMessage, cluster, formatDateTime(grant?.expiresAt ?? null));
      this.alerts.show('warning', message, null, 'grant');
      this.notifications.notify(`grant-${grant?.id ?? 'current'}`, 'warning', g.expiredTitle, message);
    } else {
      const sessions = this.status?.liveSessions.length ?? 0;
      this.notifications.notify(`grant-${grant?.id ?? 'current'}`, 'info', g.revokedTitle, revokedText(sessions));
    }
  }

  /** Keeps "commands so far" of a live session current without reading the status; denied attempts count too. */
  private countCommand(entry: { sessionId?: string; kind?: string }): void {
    if (!this.status || !entry.sessionId) return;
    if (entry.kind !== 'command' && entry.kind !== 'denied') return;
    // The status counts both (deniedCount since the session opened); a new list, so the (OnPush) panel sees it.
    const count = (s: SessionView) => (entry.kind === 'command' ? { commandCount: s.commandCount + 1 } : { deniedCount: (s.deniedCount ?? 0) + 1 });
    const liveSessions = this.status.liveSessions.map((s) => (s.id === entry.sessionId ? { ...s, ...count(s) } : s));
    this.status = { ...this.status, liveSessions };
    this.changes.markForCheck();
  }
}

/** "Access revoked" with the live sessions it ended, in words for one, none or several. */
function revokedText(sessionsEnded: number): string {
  const r = extensionStrings().Revoke;
  return sessionsEnded === 0 ? r.doneNone : sessionsEnded === 1 ? r.doneOne : format(r.done, sessionsEnded);
}
