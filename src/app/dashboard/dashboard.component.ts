import { ChangeDetectorRef, Component, Inject, OnDestroy, OnInit } from '@angular/core';
import { DialogService } from '@microsoft/windows-admin-center-sdk/angular';
import { Subject, Subscription } from 'rxjs';
import { debounceTime, filter, finalize, pairwise } from 'rxjs/operators';
import { AgentOperation, ClusterStatus, LiveEvent, Prerequisites, SessionView } from '../core/api-models';
import { Clock, CLOCK } from '../core/clock';
import { formatDateTime } from '../core/format';
import { LiveEventStream } from '../core/live-event-stream';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { GRANT_ACCESS_DIALOG_ID, GrantAccessDialogOptions, GrantAccessDialogResult } from '../grant-dialog/grant-access-dialog.component';
import { AlertLedger } from '../shared/alert-ledger';
import { AgentRequest } from './agent-panel.component';
import { REVOKE_CONFIRMATION_DIALOG_ID, RevokeConfirmationOptions, RevokeConfirmationResult } from './revoke-confirmation-dialog.component';

/**
 * Events after which the status is read again (they change grants, sessions, agents or the relay).
 * `relay.state` carries the listener with epoch-ms times, not the status's shape: the read brings the view.
 */
const STATUS_EVENTS = new Set(['grant.created', 'grant.superseded', 'grant.revoked', 'grant.expired', 'agent.finished', 'session.started', 'session.ended', 'relay.state']);

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

  private readonly refreshRequests = new Subject<void>();
  private readonly subscriptions = new Subscription();

  constructor(
    private readonly gateway: RemoteSupportGateway,
    private readonly events: LiveEventStream,
    private readonly dialogs: DialogService,
    private readonly alerts: AlertLedger,
    private readonly changes: ChangeDetectorRef,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  ngOnInit(): void {
    this.loadStatus();
    this.loadPrerequisites();
    this.subscriptions.add(this.refreshRequests.pipe(debounceTime(250)).subscribe(() => this.loadStatus()));
    this.subscriptions.add(this.events.events$.subscribe((e) => this.onEvent(e)));
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
          const serverNow = Date.parse(status.now);
          this.serverOffsetMs = Number.isNaN(serverNow) ? 0 : serverNow - this.clock.now();
          this.changes.markForCheck();
        },
        error: (error: unknown) => {
          this.statusFailed = true;
          this.alerts.error(this.strings.Errors.loadStatus, error);
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
        error: (error: unknown) => this.alerts.error(this.strings.Errors.loadPrerequisites, error),
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
      this.alerts.show('success', format(this.strings.Grant.granted, this.strings.Level[g.accessLevel], formatDateTime(g.expiresAt)));
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
          this.alerts.show('success', result.revoked ? format(this.strings.Revoke.done, result.sessionsEnded) : this.strings.Revoke.nothing);
          this.loadStatus();
        },
        error: (error: unknown) => this.alerts.error(this.strings.Errors.revoke, error),
      });
  }

  endSession(session: SessionView): void {
    this.ending.add(session.id);
    this.gateway
      .endSession(session.id)
      .pipe(finalize(() => this.ending.delete(session.id)))
      .subscribe({
        next: () => {
          this.alerts.show('success', format(this.strings.Sessions.ended, session.engineer));
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
      error: (error: unknown) => this.alerts.error(request.kind === 'install' ? this.strings.Errors.install : this.strings.Errors.remove, error),
    });
  }

  private onEvent(event: LiveEvent): void {
    if (event.type === 'agent.progress' || event.type === 'agent.finished') this.applyOperation(event.data as AgentOperation);
    if (event.type === 'agent.finished') this.loadPrerequisites();
    if (event.type === 'transcript.entry') this.countCommand(event.data as { sessionId?: string; kind?: string });
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
    if (operation.status !== 'running') this.refreshSoon();
    this.changes.markForCheck();
  }

  /** Keeps "commands so far" of a live session current without reading the status. */
  private countCommand(entry: { sessionId?: string; kind?: string }): void {
    if (!this.status || entry.kind !== 'command') return;
    const liveSessions = this.status.liveSessions.map((s) => (s.id === entry.sessionId ? { ...s, commandCount: s.commandCount + 1 } : s));
    this.status = { ...this.status, liveSessions };
  }
}
