import type { ErrorCode } from '../domain/errors';

/**
 * The HTTP status the admin API and the channel's refused upgrades answer
 * with, for each code of the error catalog. docs/errors.md shows both.
 */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  FieldRequired: 400,
  UnknownField: 400,
  InvalidBody: 400,
  InvalidAccessLevel: 400,
  InvalidExpireInMinutes: 400,
  ConsentRequired: 400,
  TermsVersionMismatch: 409,
  InvalidSupportCaseNumber: 400,
  SasCredentialRequired: 400,
  SasCredentialNotAccepted: 400,
  InvalidSasCredential: 400,
  InvalidBoolean: 400,
  InvalidDate: 400,
  InvalidSessionId: 400,
  InvalidExportFormat: 400,
  InvalidPaging: 400,
  InvalidNodeName: 400,
  InvalidOperationId: 400,
  InvalidSearchQuery: 400,
  InvalidTestFault: 400,
  InvalidTestClockAdvance: 400,
  ClusterNotFound: 404,
  SessionNotFound: 404,
  OperationNotFound: 404,
  RouteNotFound: 404,
  AgentNotInstalled: 409,
  AgentOperationInProgress: 409,
  ActiveGrantBlocksRemoval: 409,
  InvalidChannelMessage: 400,
  InvalidNodeSelection: 400,
  NoActiveGrant: 403,
  SupportCaseMismatch: 403,
  SessionBusy: 409,
  SessionNotLive: 409,
  SessionLimitReached: 429,
  DiskSpaceLow: 503,
  Unauthenticated: 401,
  InvalidCallerIdentity: 400,
  Forbidden: 403,
  CsrfTokenInvalid: 403,
  LoginCodeInvalid: 401,
  TooManySignInAttempts: 429,
  LocalSignInOnly: 409,
  AdminSessionNotFound: 404,
  InvalidAdminSessionId: 400,
  InvalidUrl: 400,
  HeadersTooLarge: 431,
  BodyTooLarge: 413,
  UnsupportedMediaType: 415,
  MalformedRequest: 400,
  RequestTimeout: 408,
  TooManyEventStreams: 429,
  TestModeOnly: 404,
  GatewayUnreachable: 503,
  InvalidCliUsage: 400,
  Internal: 500,
};

/** The HTTP status of an error code. */
export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
