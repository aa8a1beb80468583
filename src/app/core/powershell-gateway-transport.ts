import { Inject, Injectable, OnDestroy } from '@angular/core';
import { AppContextService } from '@microsoft/windows-admin-center-sdk/angular';
import type { PowerShellOptions, PowerShellSession } from '@microsoft/windows-admin-center-sdk/core';
import { defer, Observable, throwError } from 'rxjs';
import { catchError, map } from 'rxjs/operators';
import {
  AccessList,
  AccessRequest,
  AccessRequestList,
  AgentOperation,
  ApprovalResult,
  DenyListView,
  DenyRule,
  RecordRead,
  RecordReadList,
  RepairApprovalList,
  RepairApprovalView,
  RequestApproval,
  ChainCheck,
  ClusterStatus,
  GrantRequest,
  GrantResult,
  GrantView,
  LevelCommands,
  Prerequisites,
  RevokeResult,
  SearchHit,
  SearchResult,
  SessionDetail,
  SessionHistory,
  SessionView,
  Terms,
} from './api-models';
import { Clock, CLOCK } from './clock';
import { GatewayError } from './gateway-error';
import { CmdletCall, cmdletCalls, powerShellCommand, powerShellFailure, readWrapperResult, ResultMessages, single } from './powershell-commands';
import { GatewayTransportKind, ListPageRequest, RemoteSupportGateway, RepairDecision, TranscriptExportFormat } from './remote-support-gateway';
import { PAGE_VISIBILITY, PageVisibility, StatusPollingStream } from './status-polling-stream';
import { extensionStrings, format } from './strings';

/** The runspace key: one PowerShell session on the cluster, reused by every call (the SDK queues them). */
export const POWERSHELL_SESSION_KEY = 'remote-support-hci';
/** The SDK cancels a command that has run this long (an unreachable node, a hung gateway). */
export const POWERSHELL_TIMEOUT_MS = 120_000;
/** The gateway's default for the session history when no date is given. */
const DEFAULT_HISTORY_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The PowerShell transport, for a real Windows Admin Center: runs the
 * AzStackHCI.RemoteSupport cmdlets on the cluster connection through the
 * SDK's PowerShell API (one keyed session, as the SDK's own tools do), with
 * every argument passed as a command parameter, and reads the wrapper's JSON
 * back into the admin API's shapes and GatewayErrors. Live updates come from
 * polling the status (StatusPollingStream). Its PowerShell session is
 * closed when the injector that made it is destroyed.
 */
@Injectable()
export class PowerShellGatewayTransport extends RemoteSupportGateway implements OnDestroy {
  readonly transport: GatewayTransportKind = 'powershell';
  readonly live: StatusPollingStream;
  private psSession: PowerShellSession | null = null;

  constructor(private readonly appContext: AppContextService, @Inject(CLOCK) private readonly clock: Clock, @Inject(PAGE_VISIBILITY) visibility: PageVisibility) {
    super();
    this.live = new StatusPollingStream(this, clock, visibility);
  }

  get cluster(): string {
    const active = this.appContext.activeConnection;
    return active?.nodeName || active?.value?.name || '';
  }

  status(): Observable<ClusterStatus> {
    return this.one(cmdletCalls.status());
  }

  prerequisites(): Observable<Prerequisites> {
    return this.one(cmdletCalls.prerequisites());
  }

  terms(): Observable<Terms> {
    return this.one(cmdletCalls.terms());
  }

  commands(): Observable<{ levels: LevelCommands[] }> {
    return this.run(cmdletCalls.commands()).pipe(map((levels) => ({ levels: levels as LevelCommands[] })));
  }

  installAgent(nodes: string[] = []): Observable<{ operation: AgentOperation }> {
    return this.one<AgentOperation>(cmdletCalls.installAgent(nodes)).pipe(map((operation) => ({ operation })));
  }

  removeAgent(nodes: string[] = []): Observable<{ operation: AgentOperation }> {
    return this.one<AgentOperation>(cmdletCalls.removeAgent(nodes)).pipe(map((operation) => ({ operation })));
  }

  operation(id: string): Observable<{ operation: AgentOperation }> {
    return this.one<AgentOperation>(cmdletCalls.operation(id)).pipe(map((operation) => ({ operation })));
  }

  /**
   * Sends the terms version the pane showed as -TermsVersion: the gateway
   * refuses a stale one in the same step as the grant (TermsVersionMismatch,
   * field termsVersion), as on the HTTPS path.
   */
  grant(request: GrantRequest): Observable<GrantResult> {
    return this.one<GrantResult>(cmdletCalls.grant(request));
  }

  revoke(): Observable<RevokeResult> {
    return this.one(cmdletCalls.revoke());
  }

  /** With `page`, the cmdlet's -PageSize/-Cursor page as the API gives it; without, every grant (the cmdlet follows the pages). */
  access(includeExpired: boolean, page?: ListPageRequest): Observable<AccessList> {
    if (page) return this.one<AccessList>(cmdletCalls.access(includeExpired, page));
    return this.run(cmdletCalls.access(includeExpired)).pipe(map((grants) => ({ grants: grants as GrantView[], nextCursor: null, total: grants.length })));
  }

  /** With `page`, the cmdlet's -PageSize/-Cursor page as the API gives it; without, every session (the cmdlet follows the pages). */
  sessions(fromDate?: string, page?: ListPageRequest): Observable<SessionHistory> {
    if (page) return this.one<SessionHistory>(cmdletCalls.sessions(fromDate, page));
    const from = fromDate || new Date(this.clock.now() - DEFAULT_HISTORY_MS).toISOString();
    return this.run(cmdletCalls.sessions(fromDate)).pipe(map((sessions) => ({ fromDate: from, sessions: sessions as SessionView[], nextCursor: null, total: sessions.length })));
  }

  /**
   * With `page`, the whole transcript from `page.offset` on: the cmdlet reads
   * all of it, so the rest is given at once rather than a page per call.
   */
  session(id: string, page?: { offset: number; limit: number }): Observable<SessionDetail> {
    if (!page) return this.one<SessionView>(cmdletCalls.session(id, false)).pipe(map((session) => ({ session })));
    return this.one<SessionDetail>(cmdletCalls.session(id, true)).pipe(
      map((detail) => {
        const all = detail.transcript?.entries ?? [];
        const entries = all.slice(page.offset);
        return { session: detail.session, transcript: { offset: page.offset, limit: entries.length, total: detail.transcript?.total ?? all.length, entries } };
      }),
    );
  }

  endSession(id: string): Observable<{ session: SessionView }> {
    return this.one(cmdletCalls.endSession(id));
  }

  verify(id: string): Observable<{ verification: ChainCheck }> {
    return this.one<ChainCheck>(cmdletCalls.verify(id)).pipe(map((verification) => ({ verification })));
  }

  /** With `page`, the cmdlet's -PageSize/-Cursor page as the API gives it; without, every hit (the cmdlet follows the pages). */
  searchTranscripts(q: string, fromDate?: string, page?: ListPageRequest): Observable<SearchResult> {
    if (page) return this.one<SearchResult>(cmdletCalls.searchTranscripts(q, fromDate, page));
    return this.run(cmdletCalls.searchTranscripts(q, fromDate)).pipe(map((hits) => ({ query: q, hits: hits as SearchHit[], nextCursor: null })));
  }

  exportTranscript(id: string, format: TranscriptExportFormat): Observable<string> {
    const c = cmdletCalls.exportTranscript(id, format);
    return this.run(c).pipe(
      map((items) => {
        if (items.length !== 1 || typeof items[0] !== 'string') throw new GatewayError('UnexpectedResponse', `${c.cmdlet} returned no text`, 0);
        return items[0];
      }),
    );
  }

  /** Every request (the cmdlet follows the pages; `page` is not offered by it): one list, newest first. */
  accessRequests(open: boolean, _page?: ListPageRequest): Observable<AccessRequestList> {
    return this.run(cmdletCalls.accessRequests(open)).pipe(map((requests) => ({ requests: requests as AccessRequest[], nextCursor: null, total: requests.length })));
  }

  accessRequest(id: string): Observable<{ request: AccessRequest }> {
    return this.one<AccessRequest>(cmdletCalls.accessRequest(id)).pipe(map((request) => ({ request })));
  }

  approveRequest(id: string, approval: RequestApproval): Observable<ApprovalResult> {
    return this.one<ApprovalResult>(cmdletCalls.approveRequest(id, approval));
  }

  denyRequest(id: string, reason: string): Observable<{ request: AccessRequest }> {
    return this.one<AccessRequest>(cmdletCalls.denyRequest(id, reason)).pipe(map((request) => ({ request })));
  }

  askAboutRequest(id: string, question: string): Observable<{ request: AccessRequest }> {
    return this.one<AccessRequest>(cmdletCalls.askAboutRequest(id, question)).pipe(map((request) => ({ request })));
  }

  repairApprovals(): Observable<RepairApprovalList> {
    return this.run(cmdletCalls.repairApprovals()).pipe(map((approvals) => ({ approvals: approvals as RepairApprovalView[] })));
  }

  decideRepair(id: string, decision: RepairDecision, reason?: string): Observable<{ approval: RepairApprovalView }> {
    return this.one<RepairApprovalView>(cmdletCalls.decideRepair(id, decision, reason)).pipe(map((approval) => ({ approval })));
  }

  denyList(): Observable<DenyListView> {
    return this.one(cmdletCalls.denyList());
  }

  setDenyList(rules: DenyRule[], expectedVersion?: number): Observable<DenyListView> {
    return this.one(cmdletCalls.setDenyList(rules, expectedVersion));
  }

  /** With `page`, the cmdlet's -PageSize/-Cursor page as the API gives it; without, every read (the cmdlet follows the pages). */
  recordReads(sessionId?: string, page?: ListPageRequest): Observable<RecordReadList> {
    if (page) return this.one<RecordReadList>(cmdletCalls.recordReads(sessionId, page));
    return this.run(cmdletCalls.recordReads(sessionId)).pipe(map((reads) => ({ reads: reads as RecordRead[], nextCursor: null, total: reads.length })));
  }

  ngOnDestroy(): void {
    this.psSession?.dispose();
    this.psSession = null;
  }

  private one<T>(c: CmdletCall): Observable<T> {
    return this.run(c).pipe(map((items) => single<T>(items, c.cmdlet)));
  }

  /** Runs one cmdlet through the wrapper script; its output objects, or a GatewayError. */
  private run(c: CmdletCall): Observable<unknown[]> {
    const messages = this.messages();
    const options: PowerShellOptions = { logAudit: c.changes, logTelemetry: false, timeoutMs: POWERSHELL_TIMEOUT_MS };
    return defer(() => this.appContext.powerShell.run(this.runspace(), powerShellCommand(this.cluster, c), options)).pipe(
      catchError((error: unknown) => throwError(() => powerShellFailure(error, messages))),
      map((result: unknown) => readWrapperResult(result, messages)),
    );
  }

  private runspace(): PowerShellSession {
    this.psSession ??= this.appContext.powerShell.createSession(this.cluster, POWERSHELL_SESSION_KEY);
    return this.psSession;
  }

  private messages(): ResultMessages {
    const strings = extensionStrings().Errors;
    return { moduleMissing: format(strings.moduleMissing, this.cluster), unreachable: strings.unreachable };
  }
}
