import { TSchema, Type } from '@sinclair/typebox';
import * as C from './admin-api';

/**
 * Every admin API operation: method, path and schemas. Feature routes are
 * relative to WAC's feature prefix (`/api/nodes/{cluster}/features/remoteSupport`).
 * The gateway registers these, and the OpenAPI document lists them.
 */

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Response = TSchema | { description: string; content: Record<string, { schema: TSchema }> };

export interface RouteContract {
  method: Method;
  url: string;
  schema: {
    operationId: string;
    summary: string;
    tags: string[];
    params?: TSchema;
    querystring?: TSchema;
    body?: TSchema;
    response: Record<string, Response>;
    /** OpenAPI's security requirement; left out, the document's default (a bearer token or the sign-in cookie). */
    security?: Record<string, string[]>[];
  };
}

const errors = { '4xx': C.ErrorResponse, '5xx': C.ErrorResponse };

function route(method: Method, url: string, operationId: string, tag: string, summary: string, parts: { params?: TSchema; querystring?: TSchema; body?: TSchema }, response: Record<string, Response>): RouteContract {
  return { method, url, schema: { operationId, summary, tags: [tag], ...parts, response: { ...response, ...errors } } };
}

/** A route anyone may call. */
function withoutSignIn(contract: RouteContract): RouteContract {
  return { ...contract, schema: { ...contract.schema, security: [] } };
}

const cluster = { params: C.ClusterParams };
const session = { params: C.SessionParams };
const accessRequest = { params: C.RequestParams };

/** A route for support engineers: their Entra ID token (the engineer role), as on the support channel. */
function forEngineers(contract: RouteContract): RouteContract {
  return { ...contract, schema: { ...contract.schema, security: [{ engineer: [] }] } };
}

/** Operations under the feature prefix: one cluster's remote support. */
export const FEATURE_ROUTES = routeTable({
  getStatus: route('GET', '/status', 'getStatus', 'cluster', "The cluster's nodes and agent, the active grant, live sessions and the latest agent operation", cluster, { 200: C.ClusterStatus }),
  getTerms: route('GET', '/terms', 'getTerms', 'access', 'The remote support terms and their version', cluster, { 200: C.Terms }),
  getPrerequisites: route('GET', '/prerequisites', 'getPrerequisites', 'cluster', 'Checks what remote support needs on the cluster', cluster, { 200: C.Prerequisites }),
  listCommands: route('GET', '/commands', 'listCommands', 'access', 'The commands each access level allows', { ...cluster, querystring: C.CommandsQuery }, { 200: C.CommandList }),
  getAgentFiles: route('GET', '/agent/files', 'getAgentFiles', 'agent', 'The files the agent install puts on every node: the JEA files and the AzStackHCI.RemoteSupport module (never the machine credential)', cluster, { 200: C.JeaFileList }),
  installAgent: route('POST', '/agent/install', 'installAgent', 'agent', 'Starts installing the agent; progress is in the operation and the event stream', { ...cluster, body: C.AgentRequest }, { 202: C.OperationResult }),
  removeAgent: route('POST', '/agent/remove', 'removeAgent', 'agent', 'Starts removing the agent (no grant may be active)', { ...cluster, body: C.AgentRequest }, { 202: C.OperationResult }),
  getAgentOperation: route('GET', '/agent/operations/:operationId', 'getAgentOperation', 'agent', 'One agent install or remove, with per-node progress', { params: C.OperationParams }, { 200: C.OperationResult }),
  listAccess: route('GET', '/access', 'listAccess', 'access', 'The active grant, and with includeExpired the ended grants of the last 30 days, newest first, a page at a time (limit, cursor)', { ...cluster, querystring: C.AccessQuery }, { 200: C.AccessList }),
  grantAccess: route('POST', '/access', 'grantAccess', 'access', 'Grants access, superseding the active grant', { ...cluster, body: C.GrantRequest }, { 201: C.GrantResult }),
  revokeAccess: route('DELETE', '/access', 'revokeAccess', 'access', 'Revokes the active grant and ends every live session before answering', cluster, { 200: C.RevokeResult }),
  listSessions: route('GET', '/sessions', 'listSessions', 'sessions', 'Session history from a date (default: the last 7 days), newest first, a page at a time (limit, cursor)', { ...cluster, querystring: C.HistoryQuery }, { 200: C.SessionHistory }),
  searchTranscripts: route('GET', '/transcripts/search', 'searchTranscripts', 'sessions', 'Searches transcript text, newest first', { ...cluster, querystring: C.SearchQuery }, { 200: C.SearchResult }),
  getSession: route('GET', '/sessions/:sessionId', 'getSession', 'sessions', 'One session, with a page of its transcript on request', { ...session, querystring: C.SessionQuery }, { 200: C.SessionDetail }),
  endSession: route('POST', '/sessions/:sessionId/end', 'endSession', 'sessions', 'Ends a live session', session, { 200: C.SessionResult }),
  exportSession: route('GET', '/sessions/:sessionId/export', 'exportSession', 'sessions', "A session's whole transcript with its integrity check, as a download (JSON, or text for reading)", { ...session, querystring: C.ExportQuery }, {
    200: {
      description: 'The transcript export',
      content: { 'application/json': { schema: C.TranscriptExport }, 'text/plain': { schema: Type.String() } },
    },
  }),
  listRequests: route('GET', '/requests', 'listRequests', 'requests', 'Access requests from engineers, newest first, a page at a time (limit, cursor); with open=true only those still waiting for an answer or a start', { ...cluster, querystring: C.RequestListQuery }, { 200: C.AccessRequestList }),
  getRequest: route('GET', '/requests/:requestId', 'getRequest', 'requests', 'One access request with its conversation and answer', accessRequest, { 200: C.AccessRequestResult }),
  approveRequest: route('POST', '/requests/:requestId/approve', 'approveRequest', 'requests', 'Approves an access request (as asked, or less, or later), granting exactly as POST access does', { ...accessRequest, body: C.RequestApproval }, { 200: C.ApprovalResult }),
  denyRequest: route('POST', '/requests/:requestId/deny', 'denyRequest', 'requests', 'Denies an access request, saying why', { ...accessRequest, body: C.RequestDenial }, { 200: C.AccessRequestResult }),
  askAboutRequest: route('POST', '/requests/:requestId/ask', 'askAboutRequest', 'requests', 'Asks the engineer for more information before answering', { ...accessRequest, body: C.RequestQuestion }, { 200: C.AccessRequestResult }),
  listRecordReads: route('GET', '/audit/reads', 'listRecordReads', 'sessions', 'Who read the record, newest first, a page at a time (limit, cursor): every transcript viewed, exported or verified, and every search; one session\'s with sessionId', { ...cluster, querystring: C.RecordReadQuery }, { 200: C.RecordReadList }),
  listNotificationDeliveries: route('GET', '/notifications/deliveries', 'listNotificationDeliveries', 'notifications', 'The latest webhook and email deliveries, newest first, with their attempts and last status (kept in memory)', cluster, { 200: C.NotificationDeliveryList }),
  verifySession: route('GET', '/sessions/:sessionId/verify', 'verifySession', 'sessions', "Checks a session's hash chain", session, { 200: C.Verification }),
  listApprovals: route('GET', '/approvals', 'listApprovals', 'access', 'The repair commands waiting for the admin\'s live yes, oldest first', cluster, { 200: C.RepairApprovalList }),
  decideApproval: route('POST', '/approvals/:approvalId', 'decideApproval', 'access', 'Approves or refuses a waiting repair; answers once the answer is in the transcript', { params: C.ApprovalParams, body: C.RepairDecisionRequest }, { 200: C.RepairApprovalResult }),
  getDenyList: route('GET', '/deny-list', 'getDenyList', 'access', "The customer's deny list, with its last changes", cluster, { 200: C.DenyListView }),
  putDenyList: route('PUT', '/deny-list', 'putDenyList', 'access', 'Replaces the deny list (each rule checked against the command table and the cluster\'s nodes); the change is recorded', { ...cluster, body: C.DenyListRequest }, { 200: C.DenyListView }),
  streamEvents: route('GET', '/events', 'streamEvents', 'events', 'Live events (server-sent events): grants, agent progress, sessions, transcript entries', cluster, {
    200: { description: 'A text/event-stream of live events', content: { 'text/event-stream': { schema: Type.String() } } },
  }),
});

/** Operations outside the feature prefix. */
export const GATEWAY_ROUTES = routeTable({
  getHealth: withoutSignIn(route('GET', '/health', 'getHealth', 'gateway', 'Answers while the gateway runs (no sign-in)', {}, { 200: Type.Object({ status: Type.Literal('ok') }) })),
  getGatewayInfo: route('GET', '/api/gateway-info', 'getGatewayInfo', 'gateway', 'What the host page needs to reach the cluster', {}, { 200: C.GatewayInfo }),
  createLoginLink: route('POST', '/api/login-links', 'createLoginLink', 'sign-in', 'Mints a one-time login link for a browser (good once, for 10 minutes)', {}, { 201: C.LoginLink }),
  listAdminSessions: route('GET', '/api/admin-sessions', 'listAdminSessions', 'sign-in', 'Signed-in browser sessions that have not reached their 12-hour end', {}, { 200: C.AdminSessionList }),
  revokeAdminSession: route('DELETE', '/api/admin-sessions/:sessionId', 'revokeAdminSession', 'sign-in', 'Revokes a signed-in browser session', { params: C.AdminSessionParams }, { 200: C.AdminSessionResult }),
  signOut: route('POST', '/api/logout', 'signOut', 'sign-in', "Signs the caller's browser session out (revokes it) and clears its cookies", {}, { 200: C.SignOutResult }),
});

/** Where the engineers' routes live: outside WAC's feature prefix, for one cluster. */
export const ENGINEER_PREFIX = '/api/support/clusters/:cluster';

/** Operations for support engineers (the support console), under ENGINEER_PREFIX. */
export const ENGINEER_ROUTES = routeTable({
  createAccessRequest: forEngineers(route('POST', '/requests', 'createAccessRequest', 'requests', 'An engineer asks for access, or for more time on the active grant', { ...cluster, body: C.NewAccessRequest }, { 201: C.AccessRequestResult })),
  watchAccessRequest: forEngineers(route('GET', '/requests/:requestId', 'watchAccessRequest', 'requests', "The engineer's own request; with waitSeconds, answers once it changes (or the wait ends)", { ...accessRequest, querystring: C.RequestWaitQuery }, { 200: C.AccessRequestResult })),
  replyToAccessRequest: forEngineers(route('POST', '/requests/:requestId/reply', 'replyToAccessRequest', 'requests', "The engineer answers the administrator's question", { ...accessRequest, body: C.RequestReply }, { 200: C.AccessRequestResult })),
});

/** Operations only a gateway in test mode has (not in the OpenAPI document). */
export const TEST_ROUTES = routeTable({
  injectFault: route('POST', '/faults', 'injectFault', 'test', 'Makes a simulated node go offline, slow down or hang', { body: C.TestFault }, { 200: Type.Object({ node: Type.String(), applied: Type.Object({}, { additionalProperties: true }) }) }),
  getTestClock: route('GET', '/clock', 'getTestClock', 'test', "The test clock's time", {}, { 200: C.TestClock }),
  advanceTestClock: route('POST', '/clock', 'advanceTestClock', 'test', 'Moves the test clock forward', { body: C.TestClockAdvance }, { 200: C.TestClock }),
});

/**
 * Keeps each table's own keys while checking every entry is a RouteContract
 * (what `satisfies` says; lint parses with the extension's TypeScript 4.8,
 * which predates it).
 */
function routeTable<T extends Record<string, RouteContract>>(routes: T): T {
  return routes;
}
