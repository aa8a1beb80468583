import type { PowerShellCommand } from '@microsoft/windows-admin-center-sdk/core';
import { PowerShellScripts } from '../../generated/powershell-scripts';
import { ACCESS_LEVELS, DenyRule, EXPIRE_IN_MINUTES, GrantRequest, RequestApproval, SUPPORT_CASE_NUMBER } from './api-models';
import { GatewayError, toGatewayError } from './gateway-error';
import type { ListPageRequest, RepairDecision, TranscriptExportFormat } from './remote-support-gateway';

/** The module whose cmdlets the PowerShell transport runs on the cluster. */
export const REMOTE_SUPPORT_MODULE = 'AzStackHCI.RemoteSupport';

/** The script every call runs (powershell/extension/Invoke-RemoteSupportCommand.ps1). */
export const WRAPPER_SCRIPT_NAME = 'Invoke-RemoteSupportCommand';

/** The module's cmdlets the extension calls (the wrapper script's ValidateSet holds the same list). */
export type RemoteSupportCmdlet =
  | 'Get-AzStackHCIRemoteSupportStatus'
  | 'Test-AzStackHCIRemoteSupportPrerequisite'
  | 'Get-AzStackHCIRemoteSupportTerms'
  | 'Get-AzStackHCIRemoteSupportCommand'
  | 'Install-AzStackHCIRemoteSupport'
  | 'Remove-AzStackHCIRemoteSupport'
  | 'Get-AzStackHCIRemoteSupportOperation'
  | 'Enable-AzStackHCIRemoteSupport'
  | 'Disable-AzStackHCIRemoteSupport'
  | 'Get-AzStackHCIRemoteSupportAccess'
  | 'Get-AzStackHCIRemoteSupportSessionHistory'
  | 'Stop-AzStackHCIRemoteSupportSession'
  | 'Test-AzStackHCIRemoteSupportTranscript'
  | 'Export-AzStackHCIRemoteSupportTranscript'
  | 'Search-AzStackHCIRemoteSupportTranscript'
  | 'Get-AzStackHCIRemoteSupportAccessRequest'
  | 'Approve-AzStackHCIRemoteSupportAccessRequest'
  | 'Deny-AzStackHCIRemoteSupportAccessRequest'
  | 'Send-AzStackHCIRemoteSupportAccessRequestQuestion'
  | 'Get-AzStackHCIRemoteSupportRepairApproval'
  | 'Approve-AzStackHCIRemoteSupportRepair'
  | 'Deny-AzStackHCIRemoteSupportRepair'
  | 'Get-AzStackHCIRemoteSupportDenyList'
  | 'Set-AzStackHCIRemoteSupportDenyList'
  | 'Get-AzStackHCIRemoteSupportRecordRead';

type ArgumentValue = string | number | boolean | string[] | ReadonlyArray<Readonly<Record<string, unknown>>>;

/** One cmdlet call: its name, its arguments by parameter name, and whether it changes anything. */
export interface CmdletCall {
  readonly cmdlet: RemoteSupportCmdlet;
  readonly arguments: Readonly<Record<string, ArgumentValue>>;
  /** State-changing calls are written to WAC's audit log. */
  readonly changes: boolean;
}

/** Builds a call; unset values are left out and switches appear only when on, as a person would type them. */
function call(cmdlet: RemoteSupportCmdlet, args: Record<string, ArgumentValue | null | undefined> = {}, changes = false): CmdletCall {
  const kept: Record<string, ArgumentValue> = {};
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    kept[name] = value;
  }
  return { cmdlet, arguments: kept, changes };
}

/**
 * A date-only value as UTC midnight, as the gateway reads it: the cmdlet's
 * [DateTime] would otherwise take it as midnight in the node's time zone.
 */
function utcMidnight(date: string | undefined): string | undefined {
  return date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T00:00:00Z` : date;
}

/** The cmdlet call for each method of RemoteSupportGateway (the spec's table, docs/extension.md). */
export const cmdletCalls = {
  status: () => call('Get-AzStackHCIRemoteSupportStatus'),
  prerequisites: () => call('Test-AzStackHCIRemoteSupportPrerequisite'),
  terms: () => call('Get-AzStackHCIRemoteSupportTerms'),
  commands: () => call('Get-AzStackHCIRemoteSupportCommand'),
  // -NoWait: the cmdlet answers with the operation as started; progress comes from polling the status.
  installAgent: (nodes: string[] = []) => call('Install-AzStackHCIRemoteSupport', { Node: nodes, NoWait: true }, true),
  removeAgent: (nodes: string[] = []) => call('Remove-AzStackHCIRemoteSupport', { Node: nodes, NoWait: true }, true),
  operation: (id: string) => call('Get-AzStackHCIRemoteSupportOperation', { OperationId: id }),
  grant: (request: GrantRequest) =>
    call(
      'Enable-AzStackHCIRemoteSupport',
      {
        AccessLevel: request.accessLevel,
        ExpireInMinutes: request.expireInMinutes,
        SasCredential: request.sasCredential,
        AgreeToRemoteSupportConsent: request.agreeToRemoteSupportConsent === true,
        SupportCaseNumber: request.supportCaseNumber,
        TermsVersion: request.termsVersion,
      },
      true,
    ),
  revoke: () => call('Disable-AzStackHCIRemoteSupport', {}, true),
  access: (includeExpired: boolean, page?: ListPageRequest) =>
    call('Get-AzStackHCIRemoteSupportAccess', { IncludeExpired: includeExpired, PageSize: page?.limit, Cursor: page?.cursor }),
  sessions: (fromDate?: string, page?: ListPageRequest) =>
    call('Get-AzStackHCIRemoteSupportSessionHistory', { FromDate: utcMidnight(fromDate), PageSize: page?.limit, Cursor: page?.cursor }),
  session: (id: string, withTranscript: boolean) => call('Get-AzStackHCIRemoteSupportSessionHistory', { SessionId: id, IncludeSessionTranscript: withTranscript }),
  endSession: (id: string) => call('Stop-AzStackHCIRemoteSupportSession', { SessionId: id }, true),
  verify: (id: string) => call('Test-AzStackHCIRemoteSupportTranscript', { SessionId: id }),
  searchTranscripts: (q: string, fromDate?: string, page?: ListPageRequest) =>
    call('Search-AzStackHCIRemoteSupportTranscript', { Query: q, FromDate: utcMidnight(fromDate), PageSize: page?.limit, Cursor: page?.cursor }),
  exportTranscript: (id: string, format: TranscriptExportFormat) => call('Export-AzStackHCIRemoteSupportTranscript', { SessionId: id, Format: format }),
  accessRequests: (open: boolean) => call('Get-AzStackHCIRemoteSupportAccessRequest', { Open: open }),
  accessRequest: (id: string) => call('Get-AzStackHCIRemoteSupportAccessRequest', { RequestId: id }),
  approveRequest: (id: string, approval: RequestApproval) =>
    call(
      'Approve-AzStackHCIRemoteSupportAccessRequest',
      {
        RequestId: id,
        AgreeToRemoteSupportConsent: approval.agreeToRemoteSupportConsent === true,
        AccessLevel: approval.accessLevel,
        ExpireInMinutes: approval.expireInMinutes,
        StartAt: approval.startAt,
        SasCredential: approval.sasCredential,
        TermsVersion: approval.termsVersion,
      },
      true,
    ),
  denyRequest: (id: string, reason: string) => call('Deny-AzStackHCIRemoteSupportAccessRequest', { RequestId: id, Reason: reason }, true),
  askAboutRequest: (id: string, question: string) => call('Send-AzStackHCIRemoteSupportAccessRequestQuestion', { RequestId: id, Question: question }, true),
  repairApprovals: () => call('Get-AzStackHCIRemoteSupportRepairApproval'),
  decideRepair: (id: string, decision: RepairDecision, reason?: string) =>
    call(decision === 'approve' ? 'Approve-AzStackHCIRemoteSupportRepair' : 'Deny-AzStackHCIRemoteSupportRepair', { ApprovalId: id, Reason: reason }, true),
  denyList: () => call('Get-AzStackHCIRemoteSupportDenyList'),
  // An empty list clears the deny list: -Rule is sent even when empty.
  setDenyList: (rules: DenyRule[], expectedVersion?: number) => {
    const c = call('Set-AzStackHCIRemoteSupportDenyList', { ExpectedVersion: expectedVersion }, true);
    return { ...c, arguments: { ...c.arguments, Rule: rules as unknown as ReadonlyArray<Readonly<Record<string, unknown>>> } };
  },
  recordReads: (sessionId?: string, page?: ListPageRequest) =>
    call('Get-AzStackHCIRemoteSupportRecordRead', { SessionId: sessionId, PageSize: page?.limit, Cursor: page?.cursor }),
} as const;

/** UTF-8 JSON as base64: its alphabet holds no quote, dollar, backtick or newline, so it is inert as script text. */
export function requestBase64(request: Record<string, ArgumentValue>): string {
  const utf8 = encodeURIComponent(JSON.stringify(request)).replace(/%([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const encoded = btoa(utf8);
  if (!/^[A-Za-z0-9+/=]*$/.test(encoded)) throw new Error('base64 produced a character outside its alphabet');
  return encoded;
}

/**
 * The script text that decodes the request and runs the wrapper with it.
 * ConvertFrom-Json keeps dates as strings where it can (PowerShell 7's
 * -DateKind String; Windows PowerShell 5.1 never converts them).
 */
function envelope(encoded: string, wrapper: string): string {
  return [
    `$rsJson = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('${encoded}'))`,
    "$rsRead = @{}; if ((Get-Command ConvertFrom-Json).Parameters.ContainsKey('DateKind')) { $rsRead['DateKind'] = 'String' }",
    '$rsRequest = $rsJson | ConvertFrom-Json @rsRead',
    '$rsArguments = @{}; foreach ($rsProperty in $rsRequest.PSObject.Properties) { $rsArguments[$rsProperty.Name] = $rsProperty.Value }',
    '& {',
    wrapper,
    '} @rsArguments',
  ].join('\n');
}

/**
 * The SDK's PowerShell command for a call on a cluster. The cmdlet and every
 * argument travel as one base64 string of UTF-8 JSON inside the script text,
 * which the script decodes and splats onto the wrapper's fixed text
 * (powershell/extension/Invoke-RemoteSupportCommand.ps1); `parameters` is
 * empty. Why not `parameters`: the SDK's own commands (createCommand in
 * core/data/powershell.js) always write their arguments into the script text
 * and send `parameters` only with a JEA `command`, so a real Windows Admin
 * Center may well not bind `parameters` to a script; and the SDK's quoting
 * escapes only the ASCII apostrophe, while PowerShell also ends a string at
 * U+2018–U+201B. Base64 has none of those characters: nothing the admin
 * typed can become script.
 */
export function powerShellCommand(cluster: string, c: CmdletCall): PowerShellCommand {
  const encoded = requestBase64({ RemoteSupportCommand: c.cmdlet, Cluster: cluster, ...c.arguments });
  return {
    module: REMOTE_SUPPORT_MODULE,
    command: WRAPPER_SCRIPT_NAME,
    script: envelope(encoded, PowerShellScripts[WRAPPER_SCRIPT_NAME]),
    parameters: {},
    state: 'ready',
  };
}

/** Reads back the request a command carries (for tests and diagnostics). */
export function requestOf(command: PowerShellCommand): Record<string, unknown> {
  const m = /FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(command.script ?? '');
  if (!m) throw new Error('the command carries no request');
  const binary = atob(m[1]!);
  const escaped = Array.from(binary, (ch) => '%' + ch.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  return JSON.parse(decodeURIComponent(escaped)) as Record<string, unknown>;
}

// ---- reading what came back ----

/** What PowerShell refused before the cmdlet ran, in the catalog's terms: the API field, its code, what it accepts. */
const PARAMETER_FIELDS: Readonly<Record<string, { field: string; code: string; allowed: string }>> = {
  AccessLevel: { field: 'accessLevel', code: 'InvalidAccessLevel', allowed: `one of ${ACCESS_LEVELS.join(', ')}` },
  ExpireInMinutes: { field: 'expireInMinutes', code: 'InvalidExpireInMinutes', allowed: `an integer from ${EXPIRE_IN_MINUTES.min} to ${EXPIRE_IN_MINUTES.max}` },
  AgreeToRemoteSupportConsent: { field: 'agreeToRemoteSupportConsent', code: 'ConsentRequired', allowed: 'true' },
  SupportCaseNumber: { field: 'supportCaseNumber', code: 'InvalidSupportCaseNumber', allowed: SUPPORT_CASE_NUMBER.allowed },
  SasCredential: { field: 'sasCredential', code: 'InvalidSasCredential', allowed: 'a Shared Access Signature' },
  // The gateway answers a version that is not its own with TermsVersionMismatch, well-formed or not.
  TermsVersion: { field: 'termsVersion', code: 'TermsVersionMismatch', allowed: 'the current terms version (GET terms)' },
  Node: { field: 'nodes', code: 'InvalidNodeName', allowed: 'a list of node names of the cluster' },
  OperationId: { field: 'operationId', code: 'InvalidOperationId', allowed: 'an operation id (a UUID)' },
  SessionId: { field: 'sessionId', code: 'InvalidSessionId', allowed: 'a session id (a UUID)' },
  FromDate: { field: 'fromDate', code: 'InvalidDate', allowed: 'an ISO 8601 date such as 2026-11-18 or date-time such as 2026-11-18T09:30:00Z' },
  Query: { field: 'q', code: 'InvalidSearchQuery', allowed: 'a text of 1 to 200 characters with at least one word' },
  Limit: { field: 'limit', code: 'InvalidPaging', allowed: 'an integer from 1 to 500' },
  Format: { field: 'format', code: 'InvalidExportFormat', allowed: 'json or text' },
  PageSize: { field: 'limit', code: 'InvalidPaging', allowed: 'an integer from 1 to 500' },
  RequestId: { field: 'requestId', code: 'RequestNotFound', allowed: 'the id of an access request' },
  StartAt: { field: 'startAt', code: 'InvalidStartAt', allowed: 'an ISO 8601 date-time at most 7 days ahead' },
  ApprovalId: { field: 'approvalId', code: 'ApprovalNotFound', allowed: 'the id of a waiting repair' },
  Reason: { field: 'reason', code: 'FieldRequired', allowed: 'a text of 1 to 1,000 characters' },
  Question: { field: 'question', code: 'FieldRequired', allowed: 'a text of 1 to 1,000 characters' },
  Rule: { field: 'rules', code: 'InvalidDenyRule', allowed: 'a list of deny rules, each with cmdlet and reason' },
  ExpectedVersion: { field: 'expectedVersion', code: 'InvalidBody', allowed: 'an integer from 0: the version of the deny list as you read it' },
};

/** FullyQualifiedErrorIds of PowerShell's parameter binding (the cmdlet never ran). */
const BINDING_ERRORS = new Set([
  'ParameterArgumentValidationError',
  'ParameterArgumentTransformationError',
  'MissingMandatoryParameter',
  'ParameterBindingFailed',
  'CannotConvertArgumentNoMessage',
  'NamedParameterNotFound',
]);

/** Errors that mean the module (or this version of it) is not on the node. */
const MODULE_MISSING = /Modules_ModuleNotFound|CommandNotFoundException|AzStackHCI\.RemoteSupport'? was not loaded|module 'AzStackHCI\.RemoteSupport'/i;

/** The code the extension gives a cluster without the module. */
export const MODULE_MISSING_CODE = 'RemoteSupportModuleMissing';

export interface ResultMessages {
  /** Shown when the module is not installed on the cluster. */
  moduleMissing: string;
  /** Shown when PowerShell could not be reached at all. */
  unreachable: string;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim().length > 0 ? v : null);

/**
 * Turns the wrapper's error object (`{code, message, field?, allowed?}`) into
 * the GatewayError the HTTPS path would give: the module passes the gateway's
 * catalog body through; PowerShell's own refusals of an argument are named
 * by the API field and catalog code of that argument.
 */
export function errorFromWrapper(error: unknown, messages: ResultMessages): GatewayError {
  const e = (error && typeof error === 'object' ? error : {}) as Record<string, unknown>;
  const code = text(e['code']) ?? 'PowerShellError';
  const message = text(e['message']) ?? code;
  const field = text(e['field']);
  if (MODULE_MISSING.test(code)) return new GatewayError(MODULE_MISSING_CODE, messages.moduleMissing, 0);
  if (BINDING_ERRORS.has(code)) {
    const known = field ? PARAMETER_FIELDS[field] : undefined;
    if (known) return new GatewayError(known.code, message, 0, known.field, known.allowed);
    return new GatewayError('InvalidBody', message, 0, field);
  }
  return new GatewayError(code, message, 0, field, text(e['allowed']));
}

/** The single string the wrapper printed, from the SDK's PowerShell result (`{ results: [...] }`). */
function wrapperOutput(result: unknown): string | null {
  const results = (result && typeof result === 'object' ? (result as { results?: unknown }).results : result) as unknown;
  if (typeof results === 'string') return results;
  if (Array.isArray(results)) {
    const strings = results.filter((r): r is string => typeof r === 'string');
    return strings.length ? strings[strings.length - 1]! : null;
  }
  return null;
}

/** PowerShell errors the host reported beside (or instead of) output: `{ errors: [{ message, errorType }] }`. */
function hostErrors(value: unknown): Array<Record<string, unknown>> {
  const errors = value && typeof value === 'object' ? (value as { errors?: unknown }).errors : undefined;
  return Array.isArray(errors) ? errors.filter((e): e is Record<string, unknown> => !!e && typeof e === 'object') : [];
}

function fromHostErrors(errors: Array<Record<string, unknown>>, messages: ResultMessages): GatewayError {
  const first = errors[0]!;
  const message = text(first['message']) ?? text(first['errorType']) ?? 'PowerShell failed';
  const id = [first['fullyQualifiedErrorId'], first['errorId'], first['errorType'], message].filter((v) => typeof v === 'string').join(' ');
  if (MODULE_MISSING.test(id)) return new GatewayError(MODULE_MISSING_CODE, messages.moduleMissing, 0);
  return new GatewayError(text(first['fullyQualifiedErrorId'])?.split(',')[0] ?? 'PowerShellError', message, 0);
}

/**
 * Reads the SDK's result of one wrapper run: the cmdlet's output objects, or
 * a GatewayError (thrown) for `{ok:false}`, PowerShell errors, or anything
 * that is not the wrapper's JSON.
 */
export function readWrapperResult(result: unknown, messages: ResultMessages): unknown[] {
  const output = wrapperOutput(result);
  if (output === null) {
    const errors = hostErrors(result);
    if (errors.length) throw fromHostErrors(errors, messages);
    throw new GatewayError('UnexpectedResponse', 'PowerShell returned no result', 0);
  }
  let parsed: { ok?: unknown; data?: unknown; error?: unknown };
  try {
    parsed = JSON.parse(output) as typeof parsed;
  } catch {
    throw new GatewayError('UnexpectedResponse', `PowerShell returned something other than the expected JSON: ${output.slice(0, 200)}`, 0);
  }
  if (parsed && parsed.ok === true) return Array.isArray(parsed.data) ? parsed.data : parsed.data === null || parsed.data === undefined ? [] : [parsed.data];
  if (parsed && parsed.ok === false) throw errorFromWrapper(parsed.error, messages);
  throw new GatewayError('UnexpectedResponse', 'PowerShell returned JSON without "ok"', 0);
}

/**
 * A failed PowerShell request (the SDK's AjaxError): PowerShell's own errors
 * (a script that failed before the wrapper's try, a missing module), or the
 * request's failure as the HTTPS path reads it.
 */
export function powerShellFailure(error: unknown, messages: ResultMessages): GatewayError {
  if (error instanceof GatewayError) return error;
  const e = (error ?? {}) as { response?: unknown; xhr?: { response?: unknown } };
  const errors = [...hostErrors(e.response), ...hostErrors(e.xhr?.response)];
  if (errors.length) return fromHostErrors(errors, messages);
  return toGatewayError(error, messages.unreachable);
}

/** The one output object of a cmdlet that answers with one (status, terms, a grant result…). */
export function single<T>(items: unknown[], cmdlet: RemoteSupportCmdlet): T {
  if (items.length !== 1 || items[0] === null || typeof items[0] !== 'object') {
    throw new GatewayError('UnexpectedResponse', `${cmdlet} returned ${items.length} objects where one was expected`, 0);
  }
  return items[0] as T;
}
