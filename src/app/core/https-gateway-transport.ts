import { AppContextService } from '@microsoft/windows-admin-center-sdk/angular';
import { NodeRequest } from '@microsoft/windows-admin-center-sdk/core';
import { EMPTY, Observable, throwError } from 'rxjs';
import { catchError, expand, map, reduce } from 'rxjs/operators';
import {
  AccessList,
  AccessRequest,
  AccessRequestList,
  AgentOperation,
  ApprovalResult,
  DenyListView,
  DenyRule,
  RecordReadList,
  RepairApprovalList,
  RepairApprovalView,
  RequestApproval,
  ChainCheck,
  ClusterStatus,
  GrantRequest,
  GrantResult,
  LevelCommands,
  Prerequisites,
  RevokeResult,
  SearchResult,
  SessionDetail,
  SessionHistory,
  SessionView,
  Terms,
} from './api-models';
import { toGatewayError } from './gateway-error';
import { EventSourceFactory, LiveEventStream, ServerSentEventStream } from './live-event-stream';
import { GatewayTransportKind, ListPageRequest, RemoteSupportGateway, RepairDecision, TranscriptExportFormat } from './remote-support-gateway';
import { extensionStrings } from './strings';

/** Where the plugin answers, relative to the node: WAC's feature URL convention. */
export const FEATURE_PATH = 'features/remoteSupport';

/**
 * The SDK request options for every call: no WAC credential prompt on 401 (the
 * gateway's own error says how to sign in) and no audit or telemetry logging.
 */
const REQUEST_OPTIONS = { noAuth: true, logAudit: false, logTelemetry: false } as Partial<NodeRequest> as NodeRequest;

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** The largest page the gateway gives; lists read whole are read in pages of it. */
const FULL_PAGE = 500;

/** Every item of a paged list: each page's nextCursor asks for the next, to the last. */
function allPages<L extends { nextCursor: string | null }, I>(one: (page: ListPageRequest) => Observable<L>, items: (list: L) => I[], whole: (all: I[], total: number) => L): Observable<L> {
  return one({ limit: FULL_PAGE }).pipe(
    expand((list) => (list.nextCursor ? one({ limit: FULL_PAGE, cursor: list.nextCursor }) : EMPTY)),
    reduce((all: I[], list: L) => all.concat(items(list)), []),
    map((all) => whole(all, all.length)),
  );
}

/**
 * The direct transport: the gateway plugin's admin API, called through the
 * SDK's node connection: `GET {gateway}/api/nodes/{cluster}/features/remoteSupport/...`,
 * with the headers WAC adds (authorization, x-xsrf-token), and live updates
 * from its event stream. For a shell whose gateway serves that API itself (the
 * project's host page). Every failure comes out as a {@link GatewayError}
 * carrying the catalog code and the field at fault.
 */
export class HttpsGatewayTransport extends RemoteSupportGateway {
  readonly transport: GatewayTransportKind = 'direct';
  readonly live: LiveEventStream;

  constructor(private readonly appContext: AppContextService, eventSources: EventSourceFactory) {
    super();
    this.live = new ServerSentEventStream(() => this.eventsUrl(), eventSources);
  }

  /** The cluster of the active connection (an HCI connection has no node name: its name is the cluster's). */
  get cluster(): string {
    const active = this.appContext.activeConnection;
    return active?.nodeName || active?.value?.name || '';
  }

  /** The gateway's base URL as the shell gave it (for the event stream). */
  get gatewayUrl(): string {
    return this.appContext.gateway.gatewayUrl ?? '';
  }

  /** The event stream's URL: the feature URL of the active cluster on the gateway the shell named. */
  eventsUrl(): string {
    const base = this.gatewayUrl.replace(/\/+$/, '');
    return `${base}/api/nodes/${encodeURIComponent(this.cluster)}/${FEATURE_PATH}/events`;
  }

  status(): Observable<ClusterStatus> {
    return this.get('status');
  }

  prerequisites(): Observable<Prerequisites> {
    return this.get('prerequisites');
  }

  terms(): Observable<Terms> {
    return this.get('terms');
  }

  commands(): Observable<{ levels: LevelCommands[] }> {
    return this.get('commands');
  }

  /** Starts installing the agent (all nodes when `nodes` is empty); answers with the operation. */
  installAgent(nodes: string[] = []): Observable<{ operation: AgentOperation }> {
    return this.post('agent/install', nodes.length ? { nodes } : {});
  }

  removeAgent(nodes: string[] = []): Observable<{ operation: AgentOperation }> {
    return this.post('agent/remove', nodes.length ? { nodes } : {});
  }

  operation(id: string): Observable<{ operation: AgentOperation }> {
    return this.get(`agent/operations/${encodeURIComponent(id)}`);
  }

  grant(request: GrantRequest): Observable<GrantResult> {
    return this.post('access', request);
  }

  revoke(): Observable<RevokeResult> {
    return this.wrap(this.appContext.node.delete(this.cluster, `${FEATURE_PATH}/access`, undefined, REQUEST_OPTIONS));
  }

  access(includeExpired: boolean, page?: ListPageRequest): Observable<AccessList> {
    return this.get(`access${query({ includeExpired: includeExpired || undefined, limit: page?.limit, cursor: page?.cursor })}`);
  }

  /** Sessions that started on or after `fromDate` (YYYY-MM-DD or ISO); the gateway's default is the last 7 days. */
  sessions(fromDate?: string, page?: ListPageRequest): Observable<SessionHistory> {
    return this.get(`sessions${query({ fromDate, limit: page?.limit, cursor: page?.cursor })}`);
  }

  session(id: string, page?: { offset: number; limit: number }): Observable<SessionDetail> {
    const q = page ? query({ includeTranscript: true, offset: page.offset, limit: page.limit }) : '';
    return this.get(`sessions/${encodeURIComponent(id)}${q}`);
  }

  endSession(id: string): Observable<{ session: SessionView }> {
    return this.post(`sessions/${encodeURIComponent(id)}/end`, {});
  }

  verify(id: string): Observable<{ verification: ChainCheck }> {
    return this.get(`sessions/${encodeURIComponent(id)}/verify`);
  }

  searchTranscripts(q: string, fromDate?: string, page?: ListPageRequest): Observable<SearchResult> {
    return this.get(`transcripts/search${query({ q, fromDate, limit: page?.limit, cursor: page?.cursor })}`);
  }

  /**
   * A session's export exactly as the gateway makes it (the one export format:
   * JSON with hashes and the integrity check, or the gateway's text form), to
   * save as a file.
   */
  exportTranscript(id: string, format: TranscriptExportFormat): Observable<string> {
    const options = { ...REQUEST_OPTIONS, responseType: 'text' } as NodeRequest;
    return this.wrap(this.appContext.node.get(this.cluster, `${FEATURE_PATH}/sessions/${encodeURIComponent(id)}/export${query({ format })}`, options)).pipe(
      map((body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body, null, 2) + '\n')),
    );
  }

  /** Without `page`, every request: the gateway's pages followed to the end. */
  accessRequests(open: boolean, page?: ListPageRequest): Observable<AccessRequestList> {
    const one = (p: ListPageRequest) => this.get<AccessRequestList>(`requests${query({ open: open || undefined, limit: p.limit, cursor: p.cursor })}`);
    return page ? one(page) : allPages(one, (l) => l.requests, (requests, total) => ({ requests, nextCursor: null, total }));
  }

  accessRequest(id: string): Observable<{ request: AccessRequest }> {
    return this.get(`requests/${encodeURIComponent(id)}`);
  }

  approveRequest(id: string, approval: RequestApproval): Observable<ApprovalResult> {
    return this.post(`requests/${encodeURIComponent(id)}/approve`, approval);
  }

  denyRequest(id: string, reason: string): Observable<{ request: AccessRequest }> {
    return this.post(`requests/${encodeURIComponent(id)}/deny`, { reason });
  }

  askAboutRequest(id: string, question: string): Observable<{ request: AccessRequest }> {
    return this.post(`requests/${encodeURIComponent(id)}/ask`, { question });
  }

  repairApprovals(): Observable<RepairApprovalList> {
    return this.get('approvals');
  }

  decideRepair(id: string, decision: RepairDecision, reason?: string): Observable<{ approval: RepairApprovalView }> {
    return this.post(`approvals/${encodeURIComponent(id)}`, reason ? { decision, reason } : { decision });
  }

  denyList(): Observable<DenyListView> {
    return this.get('deny-list');
  }

  setDenyList(rules: DenyRule[], expectedVersion?: number): Observable<DenyListView> {
    const body = expectedVersion === undefined ? { rules } : { rules, expectedVersion };
    // The SDK types put's body as a string, but sends it as post sends its object: as JSON.
    return this.wrap(this.appContext.node.put(this.cluster, `${FEATURE_PATH}/deny-list`, body as unknown as string, REQUEST_OPTIONS));
  }

  /** Without `page`, every read: the gateway's pages followed to the end. */
  recordReads(sessionId?: string, page?: ListPageRequest): Observable<RecordReadList> {
    const one = (p: ListPageRequest) => this.get<RecordReadList>(`audit/reads${query({ sessionId, limit: p.limit, cursor: p.cursor })}`);
    return page ? one(page) : allPages(one, (l) => l.reads, (reads, total) => ({ reads, nextCursor: null, total }));
  }

  private get<T>(path: string): Observable<T> {
    return this.wrap(this.appContext.node.get(this.cluster, `${FEATURE_PATH}/${path}`, REQUEST_OPTIONS));
  }

  private post<T>(path: string, body: unknown): Observable<T> {
    return this.wrap(this.appContext.node.post(this.cluster, `${FEATURE_PATH}/${path}`, body, REQUEST_OPTIONS));
  }

  private wrap<T>(request: Observable<T>): Observable<T> {
    return request.pipe(catchError((error: unknown) => throwError(() => toGatewayError(error, extensionStrings().Errors.unreachable))));
  }
}
