import type { AccessRequest, AccessRequestList, AccessRequestResult, ApprovalResult } from '../contract/admin-api';
import { renderTable } from '../text/text-table';
import { CliError, EXIT, usageError, withFlagNames } from './cli-error';
import { CommandContext, CommandHandler } from './command-context';

/** The API field each request flag sets, read backwards to name flags in errors. */
const REQUEST_FLAG_OF: Readonly<Record<string, string>> = {
  requestId: '--request-id',
  accessLevel: '--access-level',
  expireInMinutes: '--expire-in-minutes',
  startAt: '--start-at',
  agreeToRemoteSupportConsent: '--agree-to-remote-support-consent',
  sasCredential: '--sas-credential',
  reason: '--reason',
  question: '--question',
};

function requestId(ctx: CommandContext): string {
  const id = ctx.flags.value('--request-id');
  if (id === undefined) throw usageError('--request-id is required: name the request (get-access-requests lists them)', '--request-id ID', '--request-id');
  return id;
}

/** Calls the gateway; its errors name this CLI's flags instead of the API's fields. */
async function call<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    if (e instanceof CliError) throw withFlagNames(e.body, REQUEST_FLAG_OF);
    throw e;
  }
}

function requestTable(requests: readonly AccessRequest[]): string {
  return renderTable(requests, [
    { header: 'RequestId', value: (r) => r.id },
    { header: 'State', value: (r) => r.state },
    { header: 'Kind', value: (r) => r.kind },
    { header: 'Engineer', value: (r) => r.engineer },
    { header: 'Case', value: (r) => r.supportCase },
    { header: 'AccessLevel', value: (r) => r.accessLevel },
    { header: 'Minutes', value: (r) => String(r.expireInMinutes) },
    { header: 'RequestedAt', value: (r) => r.requestedAt },
    { header: 'ExpiresAt', value: (r) => r.expiresAt },
  ]);
}

/** One request as a person reads it: what was asked and why, the conversation, and the answer. */
function describe(r: AccessRequest): string {
  const lines = [
    `Access request ${r.id} (${r.state})${r.intact ? '' : ' - CHANGED WITHOUT THE RECORD KEY: it cannot be answered'}`,
    `${r.engineer} asks for ${r.kind === 'extension' ? `${r.expireInMinutes} more minutes on the active grant` : `${r.accessLevel} for ${r.expireInMinutes} minutes`} on support case ${r.supportCase}` +
      `${r.nodes ? `, on ${r.nodes.join(', ')}` : ''}.`,
    `Reason: ${r.reason}`,
    `Asked at ${r.requestedAt}; ${r.state === 'pending' || r.state === 'info-requested' ? 'expires unanswered at' : 'would have expired at'} ${r.expiresAt}.`,
  ];
  for (const m of r.messages) lines.push(`  ${m.at} ${m.from} ${m.by}: ${m.text}`);
  if (r.approved) lines.push(`Approved by ${r.answeredBy} at ${r.answeredAt}: ${r.approved.accessLevel} for ${r.approved.expireInMinutes} minutes from ${r.approved.startAt}${r.grantId && r.state === 'approved' ? ` (grant ${r.grantId})` : ''}.`);
  if (r.denial) lines.push(`Denied${r.answeredBy ? ` by ${r.answeredBy}` : ''}${r.answeredAt ? ` at ${r.answeredAt}` : ''}: ${r.denial}`);
  return lines.join('\n');
}

/** `get-access-requests`: every request (or only the open ones), newest first; or one with its conversation. */
export const getAccessRequests: CommandHandler = async (ctx) => {
  const id = ctx.flags.value('--request-id');
  if (id !== undefined) {
    const result = await call(() => ctx.gateway().get<AccessRequestResult>(`requests/${encodeURIComponent(id)}`));
    ctx.out.result(result);
    ctx.out.text(describe(result.request));
    return EXIT.ok;
  }
  const open = ctx.flags.has('--open');
  const { items } = await ctx.gateway().allPages<AccessRequestList, AccessRequest>('requests', { open }, (page) => page.requests);
  ctx.out.result({ requests: items });
  ctx.out.text(items.length === 0 ? (open ? 'No access request waits for an answer.' : 'No access requests in the last 90 days.') : requestTable(items));
  return EXIT.ok;
};

/** `approve-access-request`: approves as asked, or less, or later; needs the admin's agreement to the terms, as enable does. */
export const approveAccessRequest: CommandHandler = async (ctx) => {
  const id = requestId(ctx);
  const body: Record<string, unknown> = { agreeToRemoteSupportConsent: ctx.flags.has('--agree-to-remote-support-consent') };
  const level = ctx.flags.value('--access-level');
  if (level !== undefined) body['accessLevel'] = level;
  const minutes = ctx.flags.value('--expire-in-minutes');
  if (minutes !== undefined) body['expireInMinutes'] = /^\d+$/.test(minutes) ? Number(minutes) : minutes;
  const startAt = ctx.flags.value('--start-at');
  if (startAt !== undefined) body['startAt'] = startAt;
  const sas = ctx.flags.value('--sas-credential');
  if (sas !== undefined) body['sasCredential'] = sas;
  const result = await call(() => ctx.gateway().post<ApprovalResult>(`requests/${encodeURIComponent(id)}/approve`, body));
  ctx.out.result(result);
  const g = result.grant;
  ctx.out.text(g ? `Approved: ${g.accessLevel} access granted on ${g.cluster} until ${g.expiresAt} (${g.expireInMinutes} minutes).` : `Approved for a later start: access will be granted at ${result.request.approved?.startAt}.`);
  return EXIT.ok;
};

/** `deny-access-request`: denies, with the reason the engineer reads. */
export const denyAccessRequest: CommandHandler = async (ctx) => {
  const id = requestId(ctx);
  const reason = ctx.flags.value('--reason');
  if (reason === undefined) throw usageError('--reason is required: say why, the engineer reads it', '--reason TEXT', '--reason');
  const result = await call(() => ctx.gateway().post<AccessRequestResult>(`requests/${encodeURIComponent(id)}/deny`, { reason }));
  ctx.out.result(result);
  ctx.out.text(`Denied access request ${id}: ${result.request.denial}`);
  return EXIT.ok;
};

/** `ask-access-request`: asks the engineer for more information before answering. */
export const askAccessRequest: CommandHandler = async (ctx) => {
  const id = requestId(ctx);
  const question = ctx.flags.value('--question');
  if (question === undefined) throw usageError('--question is required: what do you want to know?', '--question TEXT', '--question');
  const result = await call(() => ctx.gateway().post<AccessRequestResult>(`requests/${encodeURIComponent(id)}/ask`, { question }));
  ctx.out.result(result);
  ctx.out.text(`Asked ${result.request.engineer}; the request waits for their answer (until ${result.request.expiresAt}).`);
  return EXIT.ok;
};
