/**
 * The one catalog of coded errors. Every error the gateway, its API and its
 * CLI report comes from a factory here: a stable code and a message that
 * names the field and the values it accepts. The HTTP status of each code is
 * the API's concern (api/error-status.ts).
 */

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** The request field the error is about, when there is one. */
  field?: string;
  /** The values or range the field accepts, as words. */
  allowed?: string;
}

export const ERROR_CATALOG = {
  FieldRequired: { summary: 'A required field is missing.' },
  UnknownField: { summary: 'The request carries a field the operation does not accept.' },
  InvalidBody: { summary: 'The request body is not a JSON object.' },
  InvalidAccessLevel: { summary: 'accessLevel is not Diagnostics or DiagnosticsRepair.' },
  InvalidExpireInMinutes: { summary: 'expireInMinutes is not an integer from 60 to 20160.' },
  ConsentRequired: { summary: 'The grant does not carry an explicit agreement to the terms.' },
  TermsVersionMismatch: { summary: 'The terms the caller agreed to are not the current terms.' },
  InvalidSupportCaseNumber: { summary: 'supportCaseNumber has characters or a length that is not allowed.' },
  SasCredentialRequired: { summary: 'The cluster is not registered with Azure, so the grant needs a SAS credential.' },
  SasCredentialNotAccepted: { summary: 'The cluster is registered with Azure, which supplies the credential itself.' },
  InvalidSasCredential: { summary: 'sasCredential is not a well-formed, unexpired Shared Access Signature.' },
  InvalidBoolean: { summary: 'A flag is not true or false.' },
  InvalidDate: { summary: 'A date is not an ISO 8601 date or date-time.' },
  InvalidSessionId: { summary: 'sessionId is not a session id (a UUID).' },
  InvalidExportFormat: { summary: 'format is not json or text.' },
  InvalidPaging: { summary: 'offset or limit is out of range, or cursor is not a nextCursor the gateway gave.' },
  InvalidNodeName: { summary: 'A node name does not belong to the cluster.' },
  InvalidOperationId: { summary: 'operationId is not an operation id (a UUID).' },
  InvalidSearchQuery: { summary: 'q is missing, longer than 200 characters, or has no word to search for.' },
  InvalidSearchCursor: { summary: "cursor is not the nextCursor of an earlier search's page." },
  InvalidTestFault: { summary: 'A test-mode fault names no node of the cluster or has a value out of range.' },
  InvalidTestClockAdvance: { summary: 'The test clock can only move forward by a whole number of milliseconds.' },
  ClusterNotFound: { summary: 'The cluster in the URL is not served by this gateway.' },
  SessionNotFound: { summary: 'No session with that id exists within the 90-day retention window.' },
  OperationNotFound: { summary: 'No agent operation with that id exists.' },
  RouteNotFound: { summary: 'No API operation answers that method and path.' },
  AgentNotInstalled: { summary: 'The remote support agent is not installed on every node.' },
  AgentOperationInProgress: { summary: 'An agent install or remove is already running on the cluster.' },
  ActiveGrantBlocksRemoval: { summary: 'The agent cannot be removed while a grant is active.' },
  InvalidChannelMessage: { summary: 'A support channel message is not one of open, run or close with valid fields.' },
  InvalidNodeSelection: { summary: 'A command or session names a node that is not in the session or the cluster.' },
  NoActiveGrant: { summary: 'No grant gives access to the cluster now: none was given, or it was revoked or expired.' },
  SupportCaseMismatch: { summary: 'The support case named by the engineer is not the one the grant names.' },
  SessionBusy: { summary: 'The session is still running a command; send the next one when it is done.' },
  SessionNotLive: { summary: 'The session has already ended.' },
  SearchTooBroad: { summary: 'A search took longer than its time budget (2 s); narrow it with more words or a later fromDate.' },
  RecordReadTooLong: { summary: 'Verifying or exporting a session took longer than its time budget (30 s); try again when the gateway is less busy.' },
  SessionLimitReached: { summary: 'The engineer or the grant already holds as many live sessions as the gateway allows.' },
  DiskSpaceLow: { summary: "The gateway's data disk is below its free-space floor, so no new session opens." },
  Unauthenticated: { summary: 'The request carries no valid admin credential.' },
  InvalidCallerIdentity: { summary: 'A call made with the machine credential does not name its caller in x-remotesupport-caller, or names it badly.' },
  Forbidden: { summary: 'The caller is authenticated but lacks the admin role.' },
  CsrfTokenInvalid: { summary: 'A cookie-authenticated change lacks a matching x-xsrf-token header.' },
  LoginCodeInvalid: { summary: 'The login link has no valid one-time code: wrong, used, expired, or the retired link that carried the credential.' },
  TooManySignInAttempts: { summary: 'Too many failed sign-ins from the address (or overall) in the last minute; Retry-After says when to try again.' },
  LocalSignInOnly: { summary: 'Login links and browser sessions exist only with the local admin credential (embedded default and test modes).' },
  AdminSessionNotFound: { summary: 'No signed-in browser session with that id exists.' },
  InvalidAdminSessionId: { summary: 'sessionId is not a browser session id (a UUID).' },
  InvalidUrl: { summary: 'The request URL is malformed (a bad percent-encoding) or a path segment is too long.' },
  HeadersTooLarge: { summary: 'The request headers (with the URL) are larger than the gateway accepts.' },
  BodyTooLarge: { summary: 'The request body is larger than the gateway accepts.' },
  UnsupportedMediaType: { summary: 'The request body is not sent as application/json.' },
  MalformedRequest: { summary: 'The request is not well-formed HTTP.' },
  RequestTimeout: { summary: 'The request headers or body did not arrive in time.' },
  TooManyEventStreams: { summary: 'The gateway or the admin already has as many live event streams open as allowed.' },
  TestModeOnly: { summary: 'The operation exists only when the gateway runs in test mode.' },
  InvalidPowerShellCommand: { summary: "A request to the WAC PowerShell API stand-in is not the SDK's command packet." },
  PowerShellSessionNotFound: { summary: 'No PowerShell session of the WAC PowerShell API stand-in has that id on that node.' },
  PowerShellSessionLimit: { summary: 'Every PowerShell session the WAC PowerShell API stand-in allows is running a command.' },
  GatewayUnreachable: { summary: 'The CLI could not reach the gateway.' },
  RelayRefused: { summary: 'The Azure Relay refused the support console: no gateway listens on the Hybrid Connection (no access is granted now), or the Send SAS is not valid for it.' },
  InvalidCliUsage: { summary: 'A CLI verb or flag is unknown or has a bad value.' },
  InvalidRequestId: { summary: 'requestId is not an access request id (a UUID).' },
  InvalidRequestText: { summary: "A request's reason, a question, an answer or a denial is empty or longer than 1,000 characters." },
  InvalidStartAt: { summary: "startAt is not an ISO 8601 time, or a later start is asked with a shared access signature (the gateway keeps none for later)." },
  RequestNotFound: { summary: 'No access request with that id exists on the cluster (or, for an engineer, none of theirs).' },
  RequestNotOpen: { summary: 'The access request was already approved, denied or expired, or has no question to answer.' },
  RequestTampered: { summary: 'The access request was changed in the database without the record key, so it cannot be answered.' },
  ApprovalExceedsRequest: { summary: 'An approval gives more than the engineer asked (a higher level, a longer time) or starts in the past or more than 7 days ahead.' },
  NoGrantToExtend: { summary: 'An extension is asked or approved while its grant is no longer the active one.' },
  InvalidRepairApproval: { summary: 'repairApproval is given for a Diagnostics grant, which runs no repair command, or is not true or false.' },
  ApprovalNotFound: { summary: 'No repair approval with that id is waiting (or was decided) on the cluster.' },
  ApprovalAlreadyDecided: { summary: 'The repair approval was already answered, timed out or cancelled; it can be decided once.' },
  InvalidDecision: { summary: 'decision is not approve or refuse, or reason is too long.' },
  DenyListChanged: { summary: 'Someone saved the deny list after it was read (expectedVersion is not its version now); nothing was saved: read it again and make the change on the list in force.' },
  InvalidDenyRule: { summary: 'A deny list rule names a cmdlet outside the command table, a parameter the cmdlet does not take, a node outside the cluster, or lacks a reason.' },
  Internal: { summary: 'The gateway failed in a way it did not expect.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** An error with a code from the catalog. */
export class RemoteSupportError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly field?: string, readonly allowed?: string) {
    super(message);
    this.name = 'RemoteSupportError';
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    if (this.allowed !== undefined) body.allowed = this.allowed;
    return body;
  }
}

/** Builds an error about one field: the message names the field and what it accepts. */
export function fieldError(code: ErrorCode, field: string, allowed: string, got?: unknown): RemoteSupportError {
  const shown = got === undefined ? '' : ` (got ${describe(got)})`;
  return new RemoteSupportError(code, `${field} must be ${allowed}${shown}`, field, allowed);
}

export function createError(code: ErrorCode, message: string): RemoteSupportError {
  return new RemoteSupportError(code, message);
}

export function isRemoteSupportError(e: unknown): e is RemoteSupportError {
  return e instanceof RemoteSupportError;
}

/** Shows a rejected value briefly and safely: never echoes secrets at length. */
function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
