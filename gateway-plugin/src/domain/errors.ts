/**
 * The one catalog of coded errors. Every error the gateway, its API and its
 * CLI report comes from a factory here: a stable code, an HTTP status, and a
 * message that names the field and the values it accepts.
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
  FieldRequired: { status: 400, summary: 'A required field is missing.' },
  UnknownField: { status: 400, summary: 'The request carries a field the operation does not accept.' },
  InvalidBody: { status: 400, summary: 'The request body is not a JSON object.' },
  InvalidAccessLevel: { status: 400, summary: 'accessLevel is not Diagnostics or DiagnosticsRepair.' },
  InvalidExpireInMinutes: { status: 400, summary: 'expireInMinutes is not an integer from 60 to 20160.' },
  ConsentRequired: { status: 400, summary: 'The grant does not carry an explicit agreement to the terms.' },
  TermsVersionMismatch: { status: 409, summary: 'The terms the caller agreed to are not the current terms.' },
  InvalidSupportCaseNumber: { status: 400, summary: 'supportCaseNumber has characters or a length that is not allowed.' },
  SasCredentialRequired: { status: 400, summary: 'The cluster is not registered with Azure, so the grant needs a SAS credential.' },
  SasCredentialNotAccepted: { status: 400, summary: 'The cluster is registered with Azure, which supplies the credential itself.' },
  InvalidSasCredential: { status: 400, summary: 'sasCredential is not a well-formed, unexpired Shared Access Signature.' },
  InvalidBoolean: { status: 400, summary: 'A flag is not true or false.' },
  InvalidDate: { status: 400, summary: 'A date is not an ISO 8601 date or date-time.' },
  InvalidSessionId: { status: 400, summary: 'sessionId is not a session id (a UUID).' },
  InvalidExportFormat: { status: 400, summary: 'format is not json or text.' },
  InvalidPaging: { status: 400, summary: 'offset or limit is out of range.' },
  InvalidNodeName: { status: 400, summary: 'A node name does not belong to the cluster.' },
  InvalidOperationId: { status: 400, summary: 'operationId is not an operation id (a UUID).' },
  InvalidSearchQuery: { status: 400, summary: 'q is missing, longer than 200 characters, or has no word to search for.' },
  InvalidTestFault: { status: 400, summary: 'A test-mode fault names no node of the cluster or has a value out of range.' },
  InvalidTestClockAdvance: { status: 400, summary: 'The test clock can only move forward by a whole number of milliseconds.' },
  ClusterNotFound: { status: 404, summary: 'The cluster in the URL is not served by this gateway.' },
  SessionNotFound: { status: 404, summary: 'No session with that id exists within the 90-day retention window.' },
  OperationNotFound: { status: 404, summary: 'No agent operation with that id exists.' },
  RouteNotFound: { status: 404, summary: 'No API operation answers that method and path.' },
  AgentNotInstalled: { status: 409, summary: 'The remote support agent is not installed on every node.' },
  AgentOperationInProgress: { status: 409, summary: 'An agent install or remove is already running on the cluster.' },
  ActiveGrantBlocksRemoval: { status: 409, summary: 'The agent cannot be removed while a grant is active.' },
  InvalidChannelMessage: { status: 400, summary: 'A support channel message is not one of open, run or close with valid fields.' },
  InvalidNodeSelection: { status: 400, summary: 'A command or session names a node that is not in the session or the cluster.' },
  NoActiveGrant: { status: 403, summary: 'No grant gives access to the cluster now: none was given, or it was revoked or expired.' },
  SupportCaseMismatch: { status: 403, summary: 'The support case named by the engineer is not the one the grant names.' },
  SessionBusy: { status: 409, summary: 'The session is still running a command; send the next one when it is done.' },
  SessionNotLive: { status: 409, summary: 'The session has already ended.' },
  Unauthenticated: { status: 401, summary: 'The request carries no valid admin credential.' },
  Forbidden: { status: 403, summary: 'The caller is authenticated but lacks the admin role.' },
  CsrfTokenInvalid: { status: 403, summary: 'A cookie-authenticated change lacks a matching x-xsrf-token header.' },
  TestModeOnly: { status: 404, summary: 'The operation exists only when the gateway runs in test mode.' },
  GatewayUnreachable: { status: 503, summary: 'The CLI could not reach the gateway.' },
  InvalidCliUsage: { status: 400, summary: 'A CLI verb or flag is unknown or has a bad value.' },
  Internal: { status: 500, summary: 'The gateway failed in a way it did not expect.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** An error with a code from the catalog. */
export class RemoteSupportError extends Error {
  readonly status: number;

  constructor(readonly code: ErrorCode, message: string, readonly field?: string, readonly allowed?: string) {
    super(message);
    this.name = 'RemoteSupportError';
    this.status = ERROR_CATALOG[code].status;
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
