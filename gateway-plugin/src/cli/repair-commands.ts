import { readFileSync } from 'node:fs';
import type { Static } from '@sinclair/typebox';
import type * as C from '../contract/admin-api';
import { renderTable } from '../text/text-table';
import { CliError, EXIT, usageError, withFlagNames } from './cli-error';
import { CommandContext, CommandHandler } from './command-context';

type RepairApprovalView = Static<typeof C.RepairApprovalView>;
type RepairApprovalList = Static<typeof C.RepairApprovalList>;
type RepairApprovalResult = Static<typeof C.RepairApprovalResult>;
type DenyListView = Static<typeof C.DenyListView>;

function approvalId(ctx: CommandContext): string {
  const id = ctx.flags.value('--approval-id');
  if (id === undefined) throw usageError('--approval-id is required: name the waiting repair (get-repair-approvals lists them)', '--approval-id ID', '--approval-id');
  return id;
}

/** The command as the engineer sent it, as data: `Restart-Service -Name ClusSvc`. */
function commandText(a: RepairApprovalView): string {
  const parameters = Object.entries(a.parameters).map(([name, value]) => (value === true ? `-${name}` : `-${name} ${Array.isArray(value) ? value.join(',') : String(value)}`));
  return [a.cmdlet, ...parameters].join(' ');
}

/** `get-repair-approvals`: the repairs waiting for the admin's live yes, oldest first. */
export const getRepairApprovals: CommandHandler = async (ctx) => {
  const result = await ctx.gateway().get<RepairApprovalList>('approvals');
  ctx.out.result(result);
  if (result.approvals.length === 0) {
    ctx.out.text('No repair waits for approval.');
    return EXIT.ok;
  }
  ctx.out.text(
    renderTable(result.approvals, [
      { header: 'ApprovalId', value: (a) => a.id },
      { header: 'Engineer', value: (a) => a.engineer.name },
      { header: 'Node', value: (a) => a.node },
      { header: 'Command', value: commandText },
      { header: 'Reason', value: (a) => a.reason ?? '' },
      { header: 'ExpiresAt', value: (a) => a.expiresAt },
    ]),
  );
  return EXIT.ok;
};

async function decide(ctx: CommandContext, decision: 'approve' | 'refuse'): Promise<number> {
  const id = approvalId(ctx);
  const reason = ctx.flags.value('--reason');
  if (decision === 'refuse' && reason === undefined) throw usageError('--reason is required: say why, the engineer reads it', '--reason TEXT', '--reason');
  let result: RepairApprovalResult;
  try {
    result = await ctx.gateway().post<RepairApprovalResult>(`approvals/${encodeURIComponent(id)}`, { decision, ...(reason !== undefined ? { reason } : {}) });
  } catch (e) {
    if (e instanceof CliError) throw withFlagNames(e.body, { approvalId: '--approval-id', reason: '--reason', decision: decision === 'approve' ? 'approve-repair' : 'refuse-repair' });
    throw e;
  }
  ctx.out.result(result);
  const a = result.approval;
  ctx.out.text(`${decision === 'approve' ? 'Approved' : 'Refused'}: ${commandText(a)} on ${a.node} for ${a.engineer.name}.`);
  return EXIT.ok;
}

/** `approve-repair`: lets a waiting repair run. */
export const approveRepair: CommandHandler = (ctx) => decide(ctx, 'approve');

/** `refuse-repair`: refuses a waiting repair, saying why. */
export const refuseRepair: CommandHandler = (ctx) => decide(ctx, 'refuse');

/** `get-deny-list`: the customer's deny list and its last changes. */
export const getDenyList: CommandHandler = async (ctx) => {
  const list = await ctx.gateway().get<DenyListView>('deny-list');
  ctx.out.result(list);
  if (!list.intact) ctx.out.text('THE DENY LIST WAS CHANGED WITHOUT THE RECORD KEY: every command is refused until an admin saves it again (set-deny-list).');
  ctx.out.text(list.rules.length === 0 ? 'The deny list is empty.' : JSON.stringify(list.rules, null, 2));
  if (list.updatedAt) ctx.out.text(`Version ${list.version}, saved by ${list.updatedBy} at ${list.updatedAt}.`);
  return EXIT.ok;
};

/** `set-deny-list --file rules.json`: replaces the deny list with the rules in a JSON file (an array, or {"rules": [...]}). */
export const setDenyList: CommandHandler = async (ctx) => {
  const file = ctx.flags.value('--file');
  if (file === undefined) throw usageError('--file is required: a JSON file with the rules, [{ "cmdlet": …, "reason": …, "parameters"?, "nodes"?, "hostsRoles"? }]', '--file PATH', '--file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw usageError(`--file must be a readable JSON file (${(e as Error).message})`, 'a JSON file', '--file');
  }
  const rules = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) throw usageError('--file must hold a JSON array of rules, or an object with "rules"', 'a JSON array of rules', '--file');
  const expected = ctx.flags.value('--expected-version');
  if (expected !== undefined && !/^\d{1,9}$/.test(expected)) throw usageError(`--expected-version must be the version number get-deny-list shows (got ${JSON.stringify(expected)})`, 'an integer from 0', '--expected-version');
  const body = expected === undefined ? { rules } : { rules, expectedVersion: Number(expected) };
  let list: DenyListView;
  try {
    list = await ctx.gateway().put<DenyListView>('deny-list', body);
  } catch (e) {
    if (e instanceof CliError) throw withFlagNames(e.body, { expectedVersion: '--expected-version', rules: '--file' });
    throw e;
  }
  ctx.out.result(list);
  ctx.out.text(`Saved the deny list: ${list.rules.length === 1 ? '1 rule' : `${list.rules.length} rules`}, version ${list.version}.`);
  return EXIT.ok;
};
