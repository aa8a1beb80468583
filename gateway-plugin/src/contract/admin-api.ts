import { Static, TSchema, Type } from '@sinclair/typebox';
import { ACCESS_LEVELS } from '../domain/access-level';
import { ISO_DATE_ALLOWED } from '../domain/dates';
import { RECORD_READ_ACTIONS } from '../domain/record-read';
import { REQUEST_KINDS, REQUEST_STATES, REQUEST_TEXT_MAX } from '../domain/access-request';
import { EXPIRE_IN_MINUTES, EXPIRE_IN_MINUTES_ALLOWED } from '../domain/duration';
import { ERROR_CATALOG, ErrorCode } from '../domain/errors';
import { NODE_NAME, SUPPORT_CASE_NUMBER, UUID } from '../domain/identifiers';
import { APPROVAL_STATES, MAX_APPROVAL_REASON, REPAIR_DECISIONS } from '../domain/repair-approval';
import { REPAIR_APPROVAL_ALLOWED } from '../domain/grant';
import { MAX_DENY_RULES } from '../policy/deny-list';
import { CURSOR_ALLOWED, LIST_COUNT_CAP, LIST_PAGE, LIST_PAGE_ALLOWED } from '../domain/list-page';
import { SESSION_END_REASONS, TRANSCRIPT_KINDS, TRANSCRIPT_PAGE } from '../domain/transcript';
import { field, StringEnum } from './field';

/**
 * The admin API's contract: every route's params, query, body and responses.
 * Fastify validates requests and serializes responses with these schemas,
 * the OpenAPI document comes from them, and the extension's types are
 * generated from them (scripts/write-contract.mjs).
 */

const literals = StringEnum;
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Times are ISO 8601 strings in UTC. */
const Time = Type.String({ description: 'An ISO 8601 time in UTC' });

export const AccessLevel = literals(ACCESS_LEVELS, { title: 'AccessLevel', description: 'The two access levels, from least to most' });
export const TranscriptKind = literals(TRANSCRIPT_KINDS, { title: 'TranscriptKind' });
export const SessionEndReason = literals(SESSION_END_REASONS, { title: 'SessionEndReason', description: 'Why a session ended' });
export const GrantState = literals(['active', 'revoked', 'superseded', 'expired'] as const, { title: 'GrantState' });
export const AgentState = literals(['NotInstalled', 'Installing', 'Installed', 'Removing', 'Failed'] as const, { title: 'AgentState' });
export const PrerequisiteStatus = literals(['passed', 'failed', 'warning'] as const, { title: 'PrerequisiteStatus' });

// ---- Shapes the API answers with -------------------------------------------------

export const ErrorBody = Type.Object({
  code: literals(Object.keys(ERROR_CATALOG) as ErrorCode[]),
  message: Type.String(),
  field: Type.Optional(Type.String({ description: 'The request field the error is about' })),
  allowed: Type.Optional(Type.String({ description: 'What the field accepts, in words' })),
}, { title: 'ErrorBody' });
export const ErrorResponse = Type.Object({ error: ErrorBody }, { title: 'ErrorResponse' });

export const GrantView = Type.Object({
  id: Type.String(),
  cluster: Type.String(),
  state: GrantState,
  accessLevel: AccessLevel,
  expireInMinutes: Type.Integer(),
  grantedAt: Time,
  expiresAt: Time,
  endedAt: Nullable(Time),
  endReason: Nullable(literals(['revoked', 'superseded', 'expired'] as const)),
  grantedBy: Type.String(),
  grantedById: Nullable(Type.String({ description: 'The stable id of who granted: entra:<tid>/<oid>, machine:<caller> or local:admin; null on grants recorded before ids were' })),
  endedBy: Nullable(Type.String()),
  endedById: Nullable(Type.String({ description: 'The stable id of who ended it; null while active, for expiry, and on older grants' })),
  supportCaseNumber: Nullable(Type.String()),
  termsVersion: Type.String(),
  sasCredentialProvided: Type.Boolean(),
  secondsLeft: Type.Integer(),
  repairApproval: Type.Boolean({ description: "Whether each repair command waits for the admin's live approval before it runs (always false for Diagnostics)" }),
  expiryRecordedAt: Type.Optional(Type.String({ description: 'On an expired grant whose expiry the gateway recorded more than 1 s after expiresAt (it was down or busy then): when it recorded it and closed the live sessions. Commands were refused from expiresAt on.' })),
}, { title: 'GrantView', description: 'A grant as the API shows it; the SAS credential never leaves the gateway.' });

export const SessionView = Type.Object({
  id: Type.String(),
  grantId: Type.String(),
  engineer: Type.String(),
  engineerId: Nullable(Type.String({ description: "The engineer's stable id: entra:<tid>/<oid> (Entra ID), else oidc:<iss>#<sub>; null on sessions recorded before ids were" })),
  supportCase: Nullable(Type.String()),
  accessLevel: AccessLevel,
  nodes: Type.Array(Type.String()),
  startedAt: Time,
  endedAt: Nullable(Time),
  endReason: Nullable(SessionEndReason),
  endedBy: Nullable(Type.String({ description: 'The admin who ended or revoked it; null when it ended otherwise' })),
  endedById: Nullable(Type.String({ description: "That admin's stable id" })),
  durationSeconds: Nullable(Type.Integer()),
  commandCount: Type.Integer(),
  deniedCount: Type.Optional(Type.Integer({ minimum: 0, description: "Live sessions (status): the lines refused so far; they are not in commandCount" })),
}, { title: 'SessionView' });

export const NodeStatus = Type.Object({
  name: Type.String(),
  online: Type.Boolean(),
  agent: Type.Object({ state: AgentState, version: Nullable(Type.String()), detail: Nullable(Type.String()), updatedAt: Nullable(Time) }),
}, { title: 'NodeStatus' });

export const NodeProgress = Type.Object({
  node: Type.String(),
  status: literals(['pending', 'running', 'succeeded', 'failed'] as const),
  step: Nullable(Type.String()),
  stepsDone: Type.Integer(),
  stepsTotal: Type.Integer(),
  error: Nullable(Type.String()),
}, { title: 'NodeProgress' });

export const AgentOperation = Type.Object({
  id: Type.String(),
  cluster: Type.String(),
  kind: literals(['install', 'remove'] as const),
  status: literals(['running', 'succeeded', 'failed', 'interrupted'] as const),
  startedAt: Time,
  finishedAt: Nullable(Time),
  startedBy: Type.String(),
  startedById: Nullable(Type.String({ description: 'The stable id of who started it; null on operations recorded before ids were' })),
  nodes: Type.Array(NodeProgress),
}, { title: 'AgentOperation' });

export const DataDisk = Type.Object({
  state: literals(['ok', 'low', 'full'] as const, { description: 'low: below the warning threshold; full: below the floor, new sessions are refused' }),
  freeBytes: Nullable(Type.Integer({ minimum: 0 })),
}, { title: 'DataDisk', description: "Free space on the disk of the gateway's data directory" });

export const RelayView = Type.Object({
  state: literals(['connecting', 'connected', 'reconnecting', 'closed'] as const, {
    description: 'connected: listening on the Hybrid Connection; reconnecting: it dropped or was refused, and the next attempt is at nextRetryAt; closed: not listening (no active grant, or the relay cannot be used: see error)',
  }),
  address: Nullable(Type.String({ description: 'The Hybrid Connection, wss://NAMESPACE/$hc/NAME (never a token)' })),
  since: Time,
  error: Nullable(Type.String({ description: 'Why the listener is not connected, else null' })),
  attempts: Type.Integer({ minimum: 0, description: 'Failed attempts since the last connection' }),
  nextRetryAt: Nullable(Time),
  connectedAt: Nullable(Time),
}, { title: 'RelayView', description: "The gateway's Azure Relay listener: engineers outside the network connect through it while a grant is active" });


export const PrerequisiteCheck = Type.Object({
  id: Type.String({ description: "Stable id: kdsRootKey, module:<node>, proxy:<endpoint>, jea:<node>, relay (the gateway's own path to Azure Relay)" }),
  title: Type.String(),
  node: Nullable(Type.String()),
  status: PrerequisiteStatus,
  detail: Type.String(),
  remedy: Nullable(Type.String()),
}, { title: 'PrerequisiteCheck' });
export const Prerequisites = Type.Object({ ready: Type.Boolean(), checks: Type.Array(PrerequisiteCheck) }, { title: 'Prerequisites' });

export const Terms = Type.Object({ version: Type.String(), text: Type.String() }, { title: 'Terms' });

export const CommandEntry = Type.Object({
  name: Type.String(),
  level: AccessLevel,
  reason: Type.String(),
  module: Type.String({ description: 'The PowerShell module that provides the command on a node' }),
  kind: literals(['cmdlet', 'function'] as const),
  parameters: Type.Array(Type.Unknown(), { description: 'The parameters the command may take, with the values each accepts' }),
}, { title: 'CommandEntry' });
export const LevelCommands = Type.Object({ accessLevel: AccessLevel, commands: Type.Array(CommandEntry) }, { title: 'LevelCommands' });
export const CommandList = Type.Object({ levels: Type.Array(LevelCommands) }, { title: 'CommandList' });

export const JeaFileList = Type.Object({ files: Type.Array(Type.Object({ path: Type.String(), content: Type.String() })) }, { title: 'JeaFileList' });

export const TranscriptEntry = Type.Object({
  seq: Type.Integer(),
  at: Time,
  kind: TranscriptKind,
  node: Nullable(Type.String()),
  text: Type.String(),
  prevHash: Type.String(),
  hash: Type.String(),
}, { title: 'TranscriptEntry' });
export const TranscriptPage = Type.Object({ offset: Type.Integer(), limit: Type.Integer(), total: Type.Integer(), entries: Type.Array(TranscriptEntry) }, { title: 'TranscriptPage' });
export const SessionDetail = Type.Object({ session: SessionView, transcript: Type.Optional(TranscriptPage) }, { title: 'SessionDetail' });
export const SessionResult = Type.Object({ session: SessionView }, { title: 'SessionResult' });
/** What a paged list adds to its items: where the next page starts, and how many items the whole list holds. */
const pageInfo = {
  nextCursor: Nullable(Type.String({ description: 'Pass it as cursor for the next page; null on the last page' })),
  total: Nullable(Type.Integer({ minimum: 0, description: `Items in the whole list (every page), on the first page (the one asked for without a cursor) when there are at most ${LIST_COUNT_CAP}; null when there are more (counting them would cost more than the page), and on the pages after the first` })),
};
export const SessionHistory = Type.Object({ fromDate: Time, sessions: Type.Array(SessionView), ...pageInfo }, { title: 'SessionHistory', description: 'A page of the session history, newest first' });

export const SearchHit = Type.Object({
  sessionId: Type.String(),
  seq: Type.Integer(),
  at: Time,
  kind: TranscriptKind,
  node: Nullable(Type.String()),
  engineer: Type.String(),
  snippet: Type.String({ description: 'The matching text with the matched words in [brackets]' }),
}, { title: 'SearchHit' });
export const SearchResult = Type.Object({
  query: Type.String(),
  hits: Type.Array(SearchHit),
  nextCursor: Nullable(Type.String({ description: "The next page's cursor: pass it back as cursor (with the same q and fromDate); null on the last page" })),
}, { title: 'SearchResult' });

export const ChainCheck = Type.Object({
  valid: Type.Boolean({ description: 'True when the chain, the sealed head, the session record and its registration all verify' }),
  entries: Type.Integer(),
  firstBadSeq: Nullable(Type.Integer({ description: 'The first entry that does not fit the chain (for a cut tail, the first one missing)' })),
  problem: Nullable(Type.String({ description: 'The first of problems' })),
  problems: Type.Array(Type.String(), { description: 'Every problem with this session: the chain, a cut tail, a recomputed chain, edited fields, its registration' }),
  chain: Type.Union([Type.Literal('keyed'), Type.Literal('legacy-unkeyed')], {
    description: 'keyed: every entry is an HMAC under the gateway\'s record key. legacy-unkeyed: a session written before the key existed (plain SHA-256); its head was sealed with the key at the upgrade, so later edits show, earlier ones cannot be ruled out',
  }),
  sealedEntries: Nullable(Type.Integer({ description: "The entry count the session's sealed head records; null when the seal does not verify" })),
  clusterProblems: Type.Array(Type.String(), { description: "Problems with the cluster's other records: sessions deleted, grants changed without the record key. They do not make this session invalid" }),
}, { title: 'ChainCheck' });
export const Verification = Type.Object({ verification: ChainCheck }, { title: 'Verification' });

export const TranscriptExport = Type.Object({
  format: Type.Literal('remote-support-transcript/1'),
  exportedAt: Time,
  session: Type.Intersect([SessionView, Type.Object({ cluster: Type.String() })]),
  verification: ChainCheck,
  entries: Type.Array(TranscriptEntry),
}, { title: 'TranscriptExport', description: "A session's whole transcript with its integrity check: the one export format." });

export const GrantResult = Type.Object({ grant: GrantView, superseded: Nullable(GrantView) }, { title: 'GrantResult' });
export const RevokeResult = Type.Object({ revoked: Nullable(GrantView), sessionsEnded: Type.Integer() }, { title: 'RevokeResult' });
export const RecordRead = Type.Object({
  at: Time,
  action: StringEnum(RECORD_READ_ACTIONS, { description: 'viewed (a transcript opened), exported, verified, or searched (the transcripts of the cluster)' }),
  by: Type.String({ description: 'Who read, as recorded for grants and revokes' }),
  byId: Nullable(Type.String({ description: "Who read, by a stable id (Entra ID's tid/oid, the machine caller, local:admin)" })),
  sessionId: Nullable(Type.String({ description: 'The session read; null for a search' })),
  detail: Nullable(Type.String({ description: "A search's words, an export's format (json or text), or a verification's outcome (valid, problems found)" })),
  intact: Type.Boolean({ description: 'False when the row was changed without the record key' }),
}, { title: 'RecordRead', description: 'One read of the record: who viewed, exported or verified a transcript, or searched them' });
export const RecordReadList = Type.Object({ reads: Type.Array(RecordRead), ...pageInfo }, { title: 'RecordReadList', description: 'A page of the reads of the record, newest first' });
export const NotificationDelivery = Type.Object({
  eventId: Type.String({ description: 'The notification event id (X-RemoteSupport-Delivery)' }),
  eventType: Type.String({ description: 'request.created, session.started, grant.revoked, integrity.failed, …' }),
  kind: StringEnum(['webhook', 'email'] as const),
  target: Type.String({ description: "The webhook's origin and path (never its query), or the SMTP server and recipients" }),
  state: StringEnum(['pending', 'delivered', 'failed', 'dropped'] as const, { description: 'pending: being tried or waiting for the next attempt; failed: given up; dropped: the queue of this target was full' }),
  attempts: Type.Integer(),
  lastStatus: Nullable(Type.Integer({ description: "The last attempt's HTTP status (or SMTP reply code)" })),
  lastError: Nullable(Type.String({ description: "Why the last attempt failed (network error, timeout, the receiver's status)" })),
  queuedAt: Time,
  updatedAt: Time,
  nextAttemptAt: Nullable(Time),
}, { title: 'NotificationDelivery', description: 'One notification to one target, and how its delivery went' });
export const NotificationDeliveryList = Type.Object({
  configured: Type.Boolean({ description: 'Whether any webhook or email is configured' }),
  deliveries: Type.Array(NotificationDelivery, { description: 'The latest deliveries, newest first (kept in memory: a restart empties the list)' }),
  dropped: Type.Integer({ description: 'Deliveries dropped since start because a target had too many waiting' }),
}, { title: 'NotificationDeliveryList', description: 'The latest notification deliveries, newest first' });
const RequestMessageView = Type.Object({ at: Time, from: StringEnum(['engineer', 'admin'] as const), by: Type.String(), text: Type.String() });
export const AccessRequest = Type.Object({
  id: Type.String(),
  cluster: Type.String(),
  kind: StringEnum(REQUEST_KINDS),
  state: StringEnum(REQUEST_STATES, { description: 'pending; info-requested (the administrator asked a question); scheduled (approved for a later start); approved; denied; expired (nobody answered in time)' }),
  engineer: Type.String(),
  engineerId: Nullable(Type.String()),
  supportCase: Type.String(),
  accessLevel: AccessLevel,
  expireInMinutes: Type.Integer({ description: 'For access, the asked length; for an extension, the minutes to add' }),
  nodes: Nullable(Type.Array(Type.String())),
  reason: Type.String(),
  grantId: Nullable(Type.String({ description: 'For an extension, the grant to extend; once approved, the grant made' })),
  requestedAt: Time,
  expiresAt: Type.String({ format: 'date-time', description: 'When the request expires if nobody answers it' }),
  answeredAt: Nullable(Time),
  answeredBy: Nullable(Type.String()),
  answeredById: Nullable(Type.String()),
  approved: Nullable(Type.Object({ accessLevel: AccessLevel, expireInMinutes: Type.Integer(), startAt: Time, termsVersion: Type.String({ description: 'The terms the approving administrator agreed to; a later start grants under them or not at all' }) })),
  denial: Nullable(Type.String()),
  messages: Type.Array(RequestMessageView),
  intact: Type.Boolean({ description: 'False when the request was changed without the record key' }),
}, { title: 'AccessRequest', description: "An engineer's request for access or for more time, and its answer" });
export const AccessRequestList = Type.Object({ requests: Type.Array(AccessRequest), ...pageInfo }, { title: 'AccessRequestList', description: 'A page of access requests, newest first' });
export const AccessRequestResult = Type.Object({ request: AccessRequest }, { title: 'AccessRequestResult' });
export const ApprovalResult = Type.Object({ request: AccessRequest, grant: Nullable(GrantView) }, { title: 'ApprovalResult', description: 'The request, and the grant made (null when it starts later)' });
export const AccessList = Type.Object({ grants: Type.Array(GrantView), ...pageInfo }, { title: 'AccessList', description: 'A page of the grants, newest first' });
export const OperationResult = Type.Object({ operation: AgentOperation }, { title: 'OperationResult' });
export const GatewayInfo = Type.Object(
  {
    cluster: Type.String(),
    clusters: Type.Array(Type.String()),
    featurePrefix: Type.String(),
    wacTransport: StringEnum(['direct', 'powershell'] as const, { description: "How the host page's extension reaches the gateway: the admin API itself, or the module's cmdlets through WAC's PowerShell API" }),
  },
  { title: 'GatewayInfo' },
);
export const LoginLink = Type.Object({
  path: Type.String({ description: "Open it on the gateway's URL: /login?code=… (one use)" }),
  expiresAt: Time,
}, { title: 'LoginLink', description: 'A one-time login link for a browser (local admin credential only)' });
export const AdminSessionState = literals(['active', 'revoked', 'expired', 'idle'] as const, { title: 'AdminSessionState' });
export const AdminSessionView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Time,
  lastSeenAt: Time,
  /** The earlier of the idle and the absolute end. */
  endsAt: Time,
  revokedAt: Nullable(Time),
  state: AdminSessionState,
  current: Type.Boolean({ description: "Whether it is the caller's own session" }),
}, { title: 'AdminSessionView', description: 'A signed-in browser session (local admin credential only)' });
export const AdminSessionList = Type.Object({ sessions: Type.Array(AdminSessionView) }, { title: 'AdminSessionList' });
export const AdminSessionResult = Type.Object({ session: AdminSessionView }, { title: 'AdminSessionResult' });
export const SignOutResult = Type.Object({ signedOut: Type.Boolean({ description: 'Whether a browser session was ended (false for a bearer caller)' }) }, { title: 'SignOutResult' });

export const Actor = Type.Object({ name: Type.String(), id: Nullable(Type.String({ description: 'A stable id: entra:<tid>/<oid>, machine:<caller>, local:admin; null when unknown' })) }, { title: 'Actor', description: 'Who did something: a display name and a stable id' });
export const ApprovalState = literals(APPROVAL_STATES, { title: 'ApprovalState' });
export const RepairApprovalView = Type.Object({
  id: Type.String(),
  sessionId: Type.String(),
  engineer: Actor,
  node: Type.String(),
  cmdlet: Type.String(),
  parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'The parameters as checked: table spellings, switches as true' }),
  reason: Nullable(Type.String({ description: "The engineer's stated reason, if given" })),
  askedAt: Time,
  expiresAt: Time,
  state: ApprovalState,
  decidedAt: Nullable(Time),
  decidedBy: Nullable(Actor),
  decisionReason: Nullable(Type.String({ description: "The admin's reason, or why it was cancelled" })),
}, { title: 'RepairApprovalView', description: 'A repair command waiting for (or given) the admin\'s live yes' });

export const ClusterStatus = Type.Object({
  cluster: Type.String(),
  registered: Type.Boolean(),
  now: Time,
  nodes: Type.Array(NodeStatus),
  activeGrant: Nullable(GrantView),
  liveSessions: Type.Array(SessionView),
  agentOperation: Nullable(AgentOperation),
  tamperedGrants: Type.Array(Type.String(), {
    description: "Grants changed in the database without the record key (their MAC does not match): they give no access. Empty when none; anything here means someone wrote the gateway's database",
  }),
  dataDisk: Type.Optional(DataDisk),
  relay: Type.Optional(Type.Union([RelayView, Type.Null()], { description: 'The relay listener, or null when the relay is off (engineers connect to the gateway directly)' })),
  openRequests: Type.Optional(Type.Array(AccessRequest, { description: 'Access requests waiting for an answer or for an approved later start, newest first (at most 50; GET requests?open=true has all)' })),
  pendingApprovals: Type.Optional(Type.Array(RepairApprovalView, { description: 'Repair commands waiting for an admin\'s yes, oldest first' })),
}, { title: 'ClusterStatus' });
export const RepairApprovalList = Type.Object({ approvals: Type.Array(RepairApprovalView) }, { title: 'RepairApprovalList', description: 'The repairs waiting for an answer, oldest first' });
export const RepairApprovalResult = Type.Object({ approval: RepairApprovalView }, { title: 'RepairApprovalResult' });
export const DenyRule = Type.Object({
  cmdlet: Type.String({ description: 'A cmdlet of the command table' }),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Parameter values the rule covers (a value or a list; true for a switch); any when left out' })),
  nodes: Type.Optional(Type.Array(Type.String(), { description: 'The nodes it applies on; every node when left out' })),
  hostsRoles: Type.Optional(Type.Array(Type.String(), { description: 'Cluster roles (groups): the rule applies on a node only while it owns one of them' })),
  reason: Type.String({ description: 'Why: the engineer and the transcript see it' }),
}, { title: 'DenyRule' });
export const DenyListView = Type.Object({
  rules: Type.Array(DenyRule),
  version: Type.Integer({ minimum: 0, description: '0 before the first change' }),
  updatedAt: Nullable(Time),
  updatedBy: Nullable(Type.String()),
  updatedById: Nullable(Type.String()),
  intact: Type.Boolean({ description: 'False when the stored list was changed without the record key: every command is refused until an admin saves it again' }),
  changes: Type.Array(Type.Object({ version: Type.Integer(), at: Time, by: Type.String(), byId: Nullable(Type.String()), rules: Type.Array(DenyRule) }), { description: 'The last changes, newest first' }),
}, { title: 'DenyListView', description: "The customer's deny list: commands refused before they run or ask" });

// ---- What the API takes ---------------------------------------------------------------

const levelsAllowed = `one of ${ACCESS_LEVELS.join(', ')}`;
/** WAC adds api-version to every feature call; the gateway ignores it. */
const apiVersion = { 'api-version': Type.Optional(Type.String({ description: 'Added by WAC; ignored' })) };
const strictObject = <T extends Record<string, TSchema>>(properties: T, options: { title?: string; description?: string } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

export const GrantRequest = strictObject({
  accessLevel: field(AccessLevel, 'InvalidAccessLevel', levelsAllowed),
  expireInMinutes: Type.Optional(field(Type.Integer({ minimum: EXPIRE_IN_MINUTES.min, maximum: EXPIRE_IN_MINUTES.max, default: EXPIRE_IN_MINUTES.default }), 'InvalidExpireInMinutes', EXPIRE_IN_MINUTES_ALLOWED)),
  agreeToRemoteSupportConsent: Type.Optional(field(Type.Boolean({ description: 'Must be true: access is granted only with an explicit agreement to the terms' }), 'ConsentRequired', 'true')),
  supportCaseNumber: Type.Optional(field(Nullable(Type.String({ pattern: SUPPORT_CASE_NUMBER.pattern })), 'InvalidSupportCaseNumber', SUPPORT_CASE_NUMBER.allowed)),
  sasCredential: Type.Optional(field(Nullable(Type.String()), 'InvalidSasCredential', 'a Shared Access Signature')),
  termsVersion: Type.Optional(field(Type.String({ description: 'The version of the terms agreed to (GET terms); the current one when left out' }), 'TermsVersionMismatch', 'the current terms version')),
  repairApproval: Type.Optional(field(Type.Boolean({ description: "DiagnosticsRepair only: each repair command waits for the admin's live approval (default true). Refused for Diagnostics" }), 'InvalidRepairApproval', REPAIR_APPROVAL_ALLOWED)),
}, { title: 'GrantRequest', description: 'The body of POST access (the reference\'s Enable-AzStackHCIRemoteSupport).' });

const requestText = (what: string) => field(Type.String({ minLength: 1, maxLength: REQUEST_TEXT_MAX, description: what }), 'InvalidRequestText', `1 to ${REQUEST_TEXT_MAX} characters`);
const extensionOrGrantMinutes = `an integer from 15 to ${EXPIRE_IN_MINUTES.max} (at least ${EXPIRE_IN_MINUTES.min} for access; for an extension, the minutes to add)`;

export const NewAccessRequest = strictObject({
  kind: Type.Optional(field(StringEnum(REQUEST_KINDS, { description: 'access (a grant), or extension (more time on the active grant); access when left out' }), 'InvalidBody', 'access or extension')),
  supportCaseNumber: field(Type.String({ pattern: SUPPORT_CASE_NUMBER.pattern }), 'InvalidSupportCaseNumber', SUPPORT_CASE_NUMBER.allowed),
  accessLevel: Type.Optional(field(AccessLevel, 'InvalidAccessLevel', `${levelsAllowed}; required for access, the active grant's level for an extension when left out`)),
  expireInMinutes: Type.Optional(field(Type.Integer({ minimum: 15, maximum: EXPIRE_IN_MINUTES.max, description: 'How long the grant should last; for an extension, how many minutes to add (60 when left out)' }), 'InvalidExpireInMinutes', extensionOrGrantMinutes)),
  nodes: Type.Optional(field(Type.Array(Type.String({ pattern: NODE_NAME.pattern }), { minItems: 1, maxItems: 16, description: 'The nodes the engineer means to work on; all when left out' }), 'InvalidNodeName', 'a list of 1 to 16 node names of the cluster')),
  reason: requestText('Why the engineer needs access: what they will look at or repair'),
}, { title: 'NewAccessRequest', description: "An engineer's request for access, or for more time on the active grant" });
export const RequestReply = strictObject({ text: requestText("The engineer's answer to the administrator's question") }, { title: 'RequestReply' });
export const RequestQuestion = strictObject({ question: requestText('What the administrator wants to know before answering') }, { title: 'RequestQuestion' });
export const RequestDenial = strictObject({ reason: requestText('Why the request is denied (the engineer reads it)') }, { title: 'RequestDenial' });
export const RequestApproval = strictObject({
  accessLevel: Type.Optional(field(AccessLevel, 'InvalidAccessLevel', levelsAllowed)),
  expireInMinutes: Type.Optional(field(Type.Integer({ minimum: 15, maximum: EXPIRE_IN_MINUTES.max, description: 'At most what was asked; the asked length when left out' }), 'InvalidExpireInMinutes', extensionOrGrantMinutes)),
  startAt: Type.Optional(field(Type.String({ format: 'iso-date', description: 'A later start for an access request (at most 7 days ahead); now when left out' }), 'InvalidStartAt', ISO_DATE_ALLOWED)),
  agreeToRemoteSupportConsent: Type.Optional(field(Type.Boolean({ description: 'Must be true: the approval grants access, which needs an explicit agreement to the terms' }), 'ConsentRequired', 'true')),
  termsVersion: Type.Optional(field(Type.String({ description: 'The version of the terms agreed to (GET terms); the current one when left out' }), 'TermsVersionMismatch', 'the current terms version')),
  sasCredential: Type.Optional(field(Type.String(), 'InvalidSasCredential', 'a Shared Access Signature')),
}, { title: 'RequestApproval', description: 'Approves an access request: what was asked, or less (a lower level, a shorter time, a later start)' });
export const RepairDecisionRequest = strictObject({
  decision: field(literals(REPAIR_DECISIONS), 'InvalidDecision', 'approve or refuse'),
  reason: Type.Optional(field(Type.String({ minLength: 1, maxLength: MAX_APPROVAL_REASON, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }), 'InvalidDecision', `a reason of 1 to ${MAX_APPROVAL_REASON} characters without control characters`)),
}, { title: 'RepairDecisionRequest', description: 'The admin\'s answer to a repair waiting for approval' });
export const DenyListRequest = strictObject({
  rules: field(Type.Array(Type.Unknown(), { maxItems: MAX_DENY_RULES }), 'InvalidDenyRule', `a list of at most ${MAX_DENY_RULES} rules, each { cmdlet, reason, parameters?, nodes?, hostsRoles? }`),
  expectedVersion: Type.Optional(field(Type.Integer({ minimum: 0, description: 'The version the list had when it was read (GET deny-list): refused with DenyListChanged, changing nothing, when someone saved it since. Left out: replaces whatever is in force' }), 'InvalidBody', 'an integer from 0: the version of the deny list as you read it')),
}, { title: 'DenyListRequest', description: 'The whole deny list: it replaces the one in force' });

export const AgentRequest = strictObject({
  nodes: Type.Optional(field(Type.Array(Type.String({ pattern: NODE_NAME.pattern }), { description: 'The nodes to act on; all of them when left out' }), 'InvalidNodeName', 'a list of node names of the cluster')),
}, { title: 'AgentRequest' });

export const CommandsQuery = strictObject({ accessLevel: Type.Optional(field(AccessLevel, 'InvalidAccessLevel', levelsAllowed)), ...apiVersion });
/** A page of a list that grows with time: its size, and the nextCursor of the page before (none: the first page). */
const listPaging = {
  limit: Type.Optional(field(Type.Integer({ minimum: 1, maximum: LIST_PAGE.max, default: LIST_PAGE.default }), 'InvalidPaging', LIST_PAGE_ALLOWED)),
  cursor: Type.Optional(field(Type.String({ format: 'page-cursor', description: 'The nextCursor of the previous page' }), 'InvalidPaging', CURSOR_ALLOWED)),
};
export const AccessQuery = strictObject({ includeExpired: Type.Optional(field(Type.Boolean({ default: false }), 'InvalidBoolean', 'true or false')), ...listPaging, ...apiVersion });
const fromDate = field(Type.String({ format: 'iso-date' }), 'InvalidDate', ISO_DATE_ALLOWED);
export const HistoryQuery = strictObject({ fromDate: Type.Optional(fromDate), ...listPaging, ...apiVersion });
export const RequestListQuery = strictObject({ open: Type.Optional(field(Type.Boolean({ default: false, description: 'Only the requests still waiting for an answer or a start' }), 'InvalidBoolean', 'true or false')), ...listPaging, ...apiVersion });
export const RequestWaitQuery = strictObject({ waitSeconds: Type.Optional(field(Type.Integer({ minimum: 0, maximum: 60, default: 0, description: 'Wait up to this long for the request to change' }), 'InvalidPaging', 'an integer from 0 to 60')), ...apiVersion });
export const RecordReadQuery = strictObject({ sessionId: Type.Optional(field(Type.String({ pattern: UUID.pattern }), 'InvalidSessionId', 'a session id (a UUID)')), ...listPaging, ...apiVersion });
export const SessionQuery = strictObject({
  includeTranscript: Type.Optional(field(Type.Boolean({ default: false }), 'InvalidBoolean', 'true or false')),
  offset: Type.Optional(field(Type.Integer({ minimum: 0, default: 0 }), 'InvalidPaging', 'an integer from 0')),
  limit: Type.Optional(field(Type.Integer({ minimum: 1, maximum: TRANSCRIPT_PAGE.max, default: TRANSCRIPT_PAGE.default }), 'InvalidPaging', `an integer from 1 to ${TRANSCRIPT_PAGE.max}`)),
  ...apiVersion,
});
const searchAllowed = 'a text of 1 to 200 characters with at least one word';
export const SearchQuery = strictObject({
  q: field(Type.String({ minLength: 1, maxLength: 200, format: 'search-text' }), 'InvalidSearchQuery', searchAllowed),
  fromDate: Type.Optional(fromDate),
  limit: Type.Optional(field(Type.Integer({ minimum: 1, maximum: 500, default: 100 }), 'InvalidPaging', 'an integer from 1 to 500')),
  cursor: Type.Optional(field(Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'Where the page starts: the nextCursor of the page before; the newest hits when left out' }), 'InvalidSearchCursor', "the nextCursor of an earlier search's page")),
  ...apiVersion,
});
export const EXPORT_FORMATS = ['json', 'text'] as const;
export const ExportQuery = strictObject({ format: Type.Optional(field(literals(EXPORT_FORMATS), 'InvalidExportFormat', 'json or text')), ...apiVersion });

export const ClusterParams = Type.Object({ cluster: Type.String({ description: "The cluster's name, compared without case" }) });
export const SessionParams = Type.Object({ cluster: ClusterParams.properties.cluster, sessionId: field(Type.String({ pattern: UUID.pattern }), 'InvalidSessionId', 'a session id (a UUID)') });
export const AdminSessionParams = Type.Object({ sessionId: field(Type.String({ pattern: UUID.pattern }), 'InvalidAdminSessionId', 'a browser session id (a UUID)') });
export const RequestParams = Type.Object({ cluster: ClusterParams.properties.cluster, requestId: field(Type.String({ pattern: UUID.pattern }), 'InvalidRequestId', 'an access request id (a UUID)') });
export const ApprovalParams = Type.Object({ cluster: ClusterParams.properties.cluster, approvalId: field(Type.String({ pattern: UUID.pattern }), 'ApprovalNotFound', 'an approval id (a UUID) from GET approvals') });
export const OperationParams = Type.Object({ cluster: ClusterParams.properties.cluster, operationId: field(Type.String({ pattern: UUID.pattern }), 'InvalidOperationId', 'an operation id (a UUID)') });

export const TestFault = strictObject({
  node: field(Type.String(), 'InvalidTestFault', 'a node name of the cluster'),
  offline: Type.Optional(field(Type.Boolean(), 'InvalidTestFault', 'true or false')),
  hang: Type.Optional(field(Type.Boolean(), 'InvalidTestFault', 'true or false')),
  delayMs: Type.Optional(field(Type.Integer({ minimum: 0, maximum: 600_000 }), 'InvalidTestFault', 'a whole number of milliseconds from 0 to 600000')),
});
export const TestClockAdvance = strictObject({
  advanceMs: field(Type.Integer({ minimum: 0 }), 'InvalidTestClockAdvance', 'a whole number of milliseconds, 0 or more'),
});
export const TestClock = Type.Object({ now: Time, offsetMs: Type.Integer() });

export type GrantRequest = Static<typeof GrantRequest>;
export type RepairDecisionRequest = Static<typeof RepairDecisionRequest>;
export type DenyListRequest = Static<typeof DenyListRequest>;
export type AgentRequest = Static<typeof AgentRequest>;
export type CommandsQuery = Static<typeof CommandsQuery>;
export type AccessQuery = Static<typeof AccessQuery>;
export type HistoryQuery = Static<typeof HistoryQuery>;
export type RecordReadQuery = Static<typeof RecordReadQuery>;
export type RequestListQuery = Static<typeof RequestListQuery>;
export type RequestWaitQuery = Static<typeof RequestWaitQuery>;
export type NewAccessRequest = Static<typeof NewAccessRequest>;
export type RequestReply = Static<typeof RequestReply>;
export type RequestQuestion = Static<typeof RequestQuestion>;
export type RequestDenial = Static<typeof RequestDenial>;
export type RequestApproval = Static<typeof RequestApproval>;
export type AccessRequest = Static<typeof AccessRequest>;
export type AccessRequestList = Static<typeof AccessRequestList>;
export type AccessRequestResult = Static<typeof AccessRequestResult>;
export type ApprovalResult = Static<typeof ApprovalResult>;
export type RecordRead = Static<typeof RecordRead>;
export type RecordReadList = Static<typeof RecordReadList>;
export type NotificationDeliveryList = Static<typeof NotificationDeliveryList>;
export type SessionQuery = Static<typeof SessionQuery>;
export type SearchQuery = Static<typeof SearchQuery>;
export type ExportQuery = Static<typeof ExportQuery>;
export type TestFault = Static<typeof TestFault>;
export type TranscriptExport = Static<typeof TranscriptExport>;

// What the API answers with, for clients written in TypeScript (the CLI; the extension uses the generated copy).
export type GrantView = Static<typeof GrantView>;
export type SessionView = Static<typeof SessionView>;
export type NodeProgress = Static<typeof NodeProgress>;
export type AgentOperation = Static<typeof AgentOperation>;
export type ClusterStatus = Static<typeof ClusterStatus>;
export type PrerequisiteCheck = Static<typeof PrerequisiteCheck>;
export type Prerequisites = Static<typeof Prerequisites>;
export type TranscriptEntry = Static<typeof TranscriptEntry>;
export type TranscriptPage = Static<typeof TranscriptPage>;
export type SessionDetail = Static<typeof SessionDetail>;
export type SessionHistory = Static<typeof SessionHistory>;
export type SearchResult = Static<typeof SearchResult>;
export type ChainCheck = Static<typeof ChainCheck>;
export type Verification = Static<typeof Verification>;
export type GrantResult = Static<typeof GrantResult>;
export type RevokeResult = Static<typeof RevokeResult>;
export type AccessList = Static<typeof AccessList>;
export type OperationResult = Static<typeof OperationResult>;
export type LoginLink = Static<typeof LoginLink>;
export type AdminSessionView = Static<typeof AdminSessionView>;
export type AdminSessionList = Static<typeof AdminSessionList>;

/**
 * The named shapes, in the order the OpenAPI document and the generated
 * extension types list them.
 */
export const NAMED_SCHEMAS = {
  AccessLevel, TranscriptKind, SessionEndReason, GrantState, AgentState, PrerequisiteStatus,
  ErrorBody, ErrorResponse, GrantView, SessionView, NodeStatus, NodeProgress, AgentOperation, DataDisk, RelayView, ClusterStatus,
  PrerequisiteCheck, Prerequisites, Terms, CommandEntry, LevelCommands, CommandList, JeaFileList,
  TranscriptEntry, TranscriptPage, SessionDetail, SessionResult, SessionHistory, SearchHit, SearchResult,
  ChainCheck, Verification, TranscriptExport, GrantRequest, GrantResult, RevokeResult, AccessList, RecordRead, RecordReadList, NotificationDelivery, NotificationDeliveryList, NewAccessRequest, RequestReply, RequestQuestion, RequestDenial, RequestApproval,
  AccessRequest, AccessRequestList, AccessRequestResult, ApprovalResult, OperationResult,
  AgentRequest, GatewayInfo, LoginLink, Actor, ApprovalState, RepairApprovalView, RepairApprovalList, RepairApprovalResult, RepairDecisionRequest,
  DenyRule, DenyListView, DenyListRequest, AdminSessionState, AdminSessionView, AdminSessionList, AdminSessionResult, SignOutResult,
} as const;
