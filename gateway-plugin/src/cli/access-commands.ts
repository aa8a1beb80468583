import { isRemoteSupportError, RemoteSupportError } from '../domain/errors';
import { lateExpiryText, parseGrantRequest } from '../domain/grant';
import { EXPIRED_GRANT_WINDOW_DAYS } from '../domain/retention';
import type { AccessList, GrantResult, GrantView, RevokeResult } from '../contract/admin-api';
import { CliError, EXIT, withFlagNames } from './cli-error';
import { CommandHandler } from './command-context';
import { renderTable } from '../text/text-table';

/** The API field each enable flag sets, read backwards to name flags in errors. */
export const ENABLE_FLAG_OF: Readonly<Record<string, string>> = {
  accessLevel: '--access-level',
  expireInMinutes: '--expire-in-minutes',
  agreeToRemoteSupportConsent: '--agree-to-remote-support-consent',
  supportCaseNumber: '--support-case-number',
  sasCredential: '--sas-credential',
  repairApproval: '--repair-approval',
};

/** The grant columns of get-access, enable and disable. */
export function grantTable(grants: readonly GrantView[]): string {
  return renderTable(grants, [
    { header: 'State', value: (g) => g.state },
    { header: 'AccessLevel', value: (g) => g.accessLevel },
    { header: 'GrantedBy', value: (g) => g.grantedBy },
    { header: 'GrantedAt', value: (g) => g.grantedAt },
    { header: 'ExpiresAt', value: (g) => g.expiresAt },
    { header: 'EndedAt', value: (g) => (g.expiryRecordedAt ? `${g.endedAt} (${lateExpiryText(g.expiresAt, g.expiryRecordedAt)})` : g.endedAt) },
    { header: 'Case', value: (g) => g.supportCaseNumber },
  ]);
}

/**
 * Builds the grant request body from the flags. --expire-in-minutes becomes a
 * number only when it is all digits, so "1.5" or "abc" reach the domain rule
 * as given and are refused with the value shown.
 */
export function grantBody(flags: { value(flag: string): string | undefined; has(flag: string): boolean }): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const level = flags.value('--access-level');
  if (level !== undefined) body['accessLevel'] = level;
  const minutes = flags.value('--expire-in-minutes');
  if (minutes !== undefined) body['expireInMinutes'] = /^\d+$/.test(minutes) ? Number(minutes) : minutes;
  body['agreeToRemoteSupportConsent'] = flags.has('--agree-to-remote-support-consent');
  const caseNumber = flags.value('--support-case-number');
  if (caseNumber !== undefined) body['supportCaseNumber'] = caseNumber;
  const sas = flags.value('--sas-credential');
  if (sas !== undefined) body['sasCredential'] = sas;
  const repairApproval = flags.value('--repair-approval');
  // true and false become booleans; anything else reaches the domain rule as given and is refused with the value shown.
  if (repairApproval !== undefined) body['repairApproval'] = repairApproval === 'true' ? true : repairApproval === 'false' ? false : repairApproval;
  return body;
}

/**
 * Checks a grant body with the gateway's own rule (parseGrantRequest) before
 * any network call. Two things only the gateway knows are left to it:
 * whether the cluster is registered (so whether a SAS is required or refused)
 * and, here, consent, which {@link enable} handles by showing the terms.
 */
export function validateGrantLocally(body: Record<string, unknown>, now: number): void {
  const hasSas = body['sasCredential'] !== undefined;
  try {
    // "registered" is chosen so the registration check passes either way; the SAS, if any, is still parsed.
    parseGrantRequest({ ...body, agreeToRemoteSupportConsent: true }, !hasSas, now);
  } catch (e) {
    if (isRemoteSupportError(e)) throw withFlagNames(e.toBody(), ENABLE_FLAG_OF);
    throw e;
  }
}

/** `enable` (Enable-AzStackHCIRemoteSupport): grants access; never prompts for consent. */
export const enable: CommandHandler = async (ctx) => {
  const body = grantBody(ctx.flags);
  validateGrantLocally(body, Date.now());

  if (body['agreeToRemoteSupportConsent'] !== true) {
    const consent = new RemoteSupportError(
      'ConsentRequired',
      '--agree-to-remote-support-consent is required: access is granted only with an explicit agreement to the remote support terms printed above; read them and run the command again with the flag',
      'agreeToRemoteSupportConsent',
      'true',
    );
    try {
      const terms = await ctx.gateway().get<{ version: string; text: string }>('terms');
      ctx.out.note(`${terms.text}\n\n(terms version ${terms.version})\n`);
    } catch (e) {
      // The consent error is the answer; a failed terms fetch only changes its wording.
      const reason = e instanceof CliError ? `${e.body.code}: ${e.body.message}` : String(e);
      throw new CliError({ ...consent.toBody(), message: `${consent.message.replace(' printed above', '')} (the terms could not be fetched: ${reason})` });
    }
    throw new CliError(consent.toBody());
  }

  let result: GrantResult;
  try {
    result = await ctx.gateway().post<GrantResult>('access', body);
  } catch (e) {
    if (e instanceof CliError) throw withFlagNames(e.body, ENABLE_FLAG_OF);
    throw e;
  }
  ctx.out.result(result);
  const g = result.grant;
  ctx.out.text(`Granted ${g.accessLevel} access on ${g.cluster} until ${g.expiresAt} (${g.expireInMinutes} minutes).`);
  if (g.accessLevel === 'DiagnosticsRepair') {
    ctx.out.text(g.repairApproval ? 'Each repair command waits for your approval (GET approvals lists the waiting ones).' : 'Repair commands run without asking for approval (--repair-approval false).');
  }
  if (result.superseded) {
    ctx.out.text(`It replaces the ${result.superseded.accessLevel} grant made by ${result.superseded.grantedBy} at ${result.superseded.grantedAt}, now superseded.`);
  }
  ctx.out.text('\n' + grantTable([g]));
  return EXIT.ok;
};

/** `disable` (Disable-AzStackHCIRemoteSupport): revokes the active grant, if any. */
export const disable: CommandHandler = async (ctx) => {
  const result = await ctx.gateway().delete<RevokeResult>('access');
  ctx.out.result(result);
  if (!result.revoked) {
    ctx.out.text('No active grant; nothing to revoke.');
    return EXIT.ok;
  }
  const g = result.revoked;
  const ended = result.sessionsEnded === 1 ? '1 live session was ended' : `${result.sessionsEnded} live sessions were ended`;
  ctx.out.text(`Revoked the ${g.accessLevel} grant made by ${g.grantedBy} at ${g.grantedAt}; ${ended} and new sessions are refused.`);
  ctx.out.text('\n' + grantTable([g]));
  return EXIT.ok;
};

/** `get-access` (Get-AzStackHCIRemoteSupportAccess): lists grants. */
export const getAccess: CommandHandler = async (ctx) => {
  const includeExpired = ctx.flags.has('--include-expired');
  // Every page, so the table and the JSON document hold every grant, as they did before the API paged them.
  const { items } = await ctx.gateway().allPages<AccessList, GrantView>('access', { includeExpired }, (page) => page.grants);
  const result = { grants: items };
  ctx.out.result(result);
  if (result.grants.length === 0) {
    ctx.out.text(includeExpired ? `No grants in the last ${EXPIRED_GRANT_WINDOW_DAYS} days.` : 'No active grant. (--include-expired also lists grants that ended.)');
  } else {
    ctx.out.text(grantTable(result.grants));
  }
  return EXIT.ok;
};
