import type { DenyRule } from '../core/api-models';
import { GatewayError } from '../core/gateway-error';
import { extensionStrings, format } from '../core/strings';

/**
 * The deny list's editor, as pure rules: a rule as the form holds it (text
 * the admin types), the rule it sends, what is wrong with it before it is
 * sent, and where the gateway's `InvalidDenyRule` belongs in the form.
 */

/** One row of parameter values: a name, its values separated by commas, or a switch given as present. */
export interface ParameterDraft {
  name: string;
  values: string;
  present: boolean;
}

/** A rule as the form holds it. */
export interface RuleDraft {
  /** Stable while the page lives: ids of fields and Angular's tracking. */
  key: number;
  /** Its place in the list in force, or null for a rule added here. */
  origin: number | null;
  /** Shown as a form (added, or Edit selected), not as text. */
  editing: boolean;
  cmdlet: string;
  parameters: ParameterDraft[];
  /** Ticked nodes; none is every node. */
  nodes: string[];
  /** Cluster roles separated by commas. */
  roles: string;
  reason: string;
}

/** What is wrong with a rule, by field; `parameters` by row. */
export interface RuleProblems {
  cmdlet?: string;
  parameters?: Record<number, string>;
  /** A parameter problem that names no row the form has. */
  parametersGeneral?: string;
  nodes?: string;
  hostsRoles?: string;
  reason?: string;
  /** About the rule as a whole. */
  rule?: string;
}

/** The longest reason the gateway keeps with a rule. */
export const MAX_RULE_REASON = 500;

export function emptyDraft(key: number): RuleDraft {
  return { key, origin: null, editing: true, cmdlet: '', parameters: [], nodes: [], roles: '', reason: '' };
}

/** The rule in force, in the form's terms. */
export function draftFromRule(rule: DenyRule, origin: number, key: number): RuleDraft {
  const parameters = Object.entries(rule.parameters ?? {}).map(([name, value]): ParameterDraft => {
    if (value === true) return { name, values: '', present: true };
    return { name, values: Array.isArray(value) ? value.map(String).join(', ') : String(value ?? ''), present: false };
  });
  return { key, origin, editing: false, cmdlet: rule.cmdlet, parameters, nodes: [...(rule.nodes ?? [])], roles: (rule.hostsRoles ?? []).join(', '), reason: rule.reason };
}

/** `a, b,c` → `['a', 'b', 'c']`; empty items are dropped (the problems say so before a save). */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** A row that holds nothing: it is left out, not an error. */
const blankRow = (p: ParameterDraft) => p.name.trim() === '' && p.values.trim() === '' && !p.present;

/**
 * The rule the gateway gets: parameters, nodes and roles left out when
 * empty (any, every node, no role condition); one value as text, several
 * as a list, a switch as true; the reason trimmed.
 */
export function ruleFromDraft(d: RuleDraft): DenyRule {
  const rule: DenyRule = { cmdlet: d.cmdlet.trim(), reason: '' };
  const rows = d.parameters.filter((p) => !blankRow(p));
  if (rows.length) {
    rule.parameters = {};
    for (const p of rows) {
      const values = splitList(p.values);
      rule.parameters[p.name.trim()] = p.present ? true : values.length === 1 ? values[0] : values;
    }
  }
  if (d.nodes.length) rule.nodes = [...d.nodes];
  const roles = splitList(d.roles);
  if (roles.length) rule.hostsRoles = roles;
  // The reason last, as the docs write a rule.
  delete (rule as Partial<DenyRule>).reason;
  rule.reason = d.reason.trim();
  return rule;
}

/** Whether two lists hold the same rules in the same order (as the form would send them). */
export function sameRules(a: readonly DenyRule[], b: readonly DenyRule[]): boolean {
  const canonical = (rules: readonly DenyRule[]) => JSON.stringify(rules.map((r, i) => ruleFromDraft(draftFromRule(r, i, 0))));
  return canonical(a) === canonical(b);
}

/** What keeps a rule from being sent: a command and a reason, and parameter rows that say something whole. */
export function draftProblems(d: RuleDraft): RuleProblems {
  const p = extensionStrings().DenyList.Problem;
  const problems: RuleProblems = {};
  if (!d.cmdlet.trim()) problems.cmdlet = p.commandRequired;
  if (!d.reason.trim()) problems.reason = p.reasonRequired;
  else if (d.reason.trim().length > MAX_RULE_REASON) problems.reason = p.reasonTooLong;
  const rows: Record<number, string> = {};
  const seen = new Set<string>();
  d.parameters.forEach((row, i) => {
    if (blankRow(row)) return;
    const name = row.name.trim().toLowerCase();
    if (!name) rows[i] = p.parameterName;
    else if (seen.has(name)) rows[i] = p.parameterTwice;
    else if (!row.present && splitList(row.values).length === 0) rows[i] = p.parameterValue;
    else if (!row.present && hasEmptyItem(row.values)) rows[i] = p.listEmpty;
    seen.add(name);
  });
  if (Object.keys(rows).length) problems.parameters = rows;
  if (hasEmptyItem(d.roles)) problems.hostsRoles = p.listEmpty;
  return problems;
}

function hasEmptyItem(list: string): boolean {
  return list.trim() !== '' && list.split(',').some((v) => v.trim() === '');
}

export function hasProblems(problems: RuleProblems): boolean {
  return Object.keys(problems).length > 0;
}

const RULE_FIELD = /^rules\[(\d+)\](?:\.(\w+))?(?:\.(.+)|\[(\d+)\])?$/;

/**
 * Where the gateway's refusal of a rule belongs: `rules[2].parameters.Name`
 * is rule 2's row named Name; `rules[0].nodes[1]` its nodes; `rules[0].reason`
 * its reason. Null when the error names no rule (then it is said above the
 * list). The words are the extension's, with the gateway's `allowed`.
 */
export function gatewayRuleProblem(error: GatewayError, drafts: readonly RuleDraft[]): { index: number; problems: RuleProblems } | null {
  const p = extensionStrings().DenyList.Problem;
  const match = error.field ? RULE_FIELD.exec(error.field) : null;
  if (!match) return null;
  const index = Number(match[1]);
  const draft = drafts[index];
  if (!draft) return null;
  const field = match[2];
  const allowed = error.allowed ?? '';
  switch (field) {
    case 'cmdlet':
      return { index, problems: { cmdlet: p.gatewayCommand } };
    case 'parameters': {
      const name = match[3] ?? '';
      const message = format(p.gatewayParameter, name, allowed);
      const row = draft.parameters.findIndex((r) => r.name.trim().toLowerCase() === name.toLowerCase());
      return { index, problems: row >= 0 ? { parameters: { [row]: message } } : { parametersGeneral: message } };
    }
    case 'nodes':
      return { index, problems: { nodes: format(p.gatewayNodes, allowed) } };
    case 'hostsRoles':
      return { index, problems: { hostsRoles: format(p.gatewayRoles, allowed) } };
    case 'reason':
      return { index, problems: { reason: format(p.gatewayReason, allowed) } };
    default:
      return { index, problems: { rule: format(p.gatewayRule, error.message) } };
  }
}

/** The id of the element that shows a rule's first problem, to move the focus there. */
export function firstProblemElement(key: number, problems: RuleProblems): string | null {
  if (problems.cmdlet) return `rs-deny-${key}-cmdlet`;
  const row = problems.parameters ? Object.keys(problems.parameters).map(Number).sort((a, b) => a - b)[0] : undefined;
  if (row !== undefined) return `rs-deny-${key}-param-${row}-name`;
  if (problems.parametersGeneral) return `rs-deny-${key}-param-add`;
  if (problems.nodes) return `rs-deny-${key}-nodes`;
  if (problems.hostsRoles) return `rs-deny-${key}-roles`;
  if (problems.reason) return `rs-deny-${key}-reason`;
  return problems.rule ? `rs-deny-${key}-title` : null;
}

/** A rule's parameter values in words: `Name: vmms, vmcompute; Force: present`, or null for any. */
export function parametersInWords(rule: DenyRule): string | null {
  const present = extensionStrings().DenyList.present;
  const parts = Object.entries(rule.parameters ?? {}).map(([name, value]) => `${name}: ${value === true ? present : Array.isArray(value) ? value.join(', ') : String(value)}`);
  return parts.length ? parts.join('; ') : null;
}
