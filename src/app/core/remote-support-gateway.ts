import { Observable } from 'rxjs';
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
  GrantView,
  LevelCommands,
  Prerequisites,
  RevokeResult,
  SearchResult,
  SessionDetail,
  SessionHistory,
  SessionView,
  Terms,
} from './api-models';
import type { LiveEventStream } from './live-event-stream';

/**
 * A page of a list that grows with time (session and consent history, search hits):
 * its size, and the nextCursor of the page before (none: the first page).
 */
export interface ListPageRequest {
  limit: number;
  cursor?: string | null;
}

/** The forms of a transcript export the gateway makes. */
export type TranscriptExportFormat = 'json' | 'text';

/**
 * How the extension reaches the gateway: `direct` calls the admin API on WAC's
 * feature URLs (the project's host page, whose gateway serves that API);
 * `powershell` runs the AzStackHCI.RemoteSupport cmdlets on the cluster
 * through WAC's PowerShell API (a real Windows Admin Center). See docs/extension.md.
 */
export type GatewayTransportKind = 'direct' | 'powershell';

/**
 * Everything the extension asks of the gateway, in the admin API's shapes,
 * whatever carries it. Every failure comes out as a GatewayError carrying the
 * catalog code and the field at fault. Components inject this class; the
 * transport behind it is chosen once by provideRemoteSupportGateway().
 */
export abstract class RemoteSupportGateway {
  abstract readonly transport: GatewayTransportKind;
  /** The cluster of the active connection (an HCI connection has no node name: its name is the cluster's). */
  abstract readonly cluster: string;
  /** Live updates (grants, sessions, agent progress, transcript entries) for the cluster. */
  abstract readonly live: LiveEventStream;

  abstract status(): Observable<ClusterStatus>;
  abstract prerequisites(): Observable<Prerequisites>;
  abstract terms(): Observable<Terms>;
  abstract commands(): Observable<{ levels: LevelCommands[] }>;
  /** Starts installing the agent (all nodes when `nodes` is empty); answers with the operation as started. */
  abstract installAgent(nodes?: string[]): Observable<{ operation: AgentOperation }>;
  abstract removeAgent(nodes?: string[]): Observable<{ operation: AgentOperation }>;
  abstract operation(id: string): Observable<{ operation: AgentOperation }>;
  abstract grant(request: GrantRequest): Observable<GrantResult>;
  abstract revoke(): Observable<RevokeResult>;
  /** With `page`, that page of the grants, newest first; without, the gateway's first page (the PowerShell path: every grant). */
  abstract access(includeExpired: boolean, page?: ListPageRequest): Observable<AccessList>;
  /**
   * Sessions that started on or after `fromDate` (YYYY-MM-DD or ISO; the
   * gateway's default is the last 7 days), newest first: with `page`, that
   * page; without, the gateway's first page (the PowerShell path: every session).
   */
  abstract sessions(fromDate?: string, page?: ListPageRequest): Observable<SessionHistory>;
  /** A session; with `page`, its transcript from `page.offset` on. */
  abstract session(id: string, page?: { offset: number; limit: number }): Observable<SessionDetail>;
  abstract endSession(id: string): Observable<{ session: SessionView }>;
  abstract verify(id: string): Observable<{ verification: ChainCheck }>;
  /**
   * Transcript entries that hold every word of `q`, newest first: with `page`,
   * that page (nextCursor null on the last); without, the gateway's first page
   * (the PowerShell path: every hit).
   */
  abstract searchTranscripts(q: string, fromDate?: string, page?: ListPageRequest): Observable<SearchResult>;
  /**
   * A session's export exactly as the gateway makes it (JSON with hashes and
   * the integrity check, or the gateway's text form), to save as a file.
   */
  abstract exportTranscript(id: string, format: TranscriptExportFormat): Observable<string>;

  /** Engineers' access requests, newest first: with `open`, only those waiting for an answer or a later start; without `page`, every one. */
  abstract accessRequests(open: boolean, page?: ListPageRequest): Observable<AccessRequestList>;
  abstract accessRequest(id: string): Observable<{ request: AccessRequest }>;
  /** Grants what was asked, or less (a lower level, a shorter time, a later start), with the admin's agreement to the terms. */
  abstract approveRequest(id: string, approval: RequestApproval): Observable<ApprovalResult>;
  abstract denyRequest(id: string, reason: string): Observable<{ request: AccessRequest }>;
  abstract askAboutRequest(id: string, question: string): Observable<{ request: AccessRequest }>;
  /** The repair commands waiting for the admin's live yes, oldest first. */
  abstract repairApprovals(): Observable<RepairApprovalList>;
  abstract decideRepair(id: string, decision: RepairDecision, reason?: string): Observable<{ approval: RepairApprovalView }>;
  abstract denyList(): Observable<DenyListView>;
  /**
   * Replaces the deny list; the gateway checks every rule and changes nothing when one is refused.
   * With `expectedVersion` (the version as read), a list someone saved since is refused with DenyListChanged.
   */
  abstract setDenyList(rules: DenyRule[], expectedVersion?: number): Observable<DenyListView>;
  /** Who viewed, exported, verified or searched the record, newest first: one session's transcript with `sessionId`; without `page`, every read. */
  abstract recordReads(sessionId?: string, page?: ListPageRequest): Observable<RecordReadList>;
}

/** The admin's answer to a repair that waits. */
export type RepairDecision = 'approve' | 'refuse';
