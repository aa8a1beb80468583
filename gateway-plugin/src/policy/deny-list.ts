import type { DenyRule } from '../domain/deny-rule';
import { RemoteSupportError } from '../domain/errors';
import { CheckedCommand, findCommand, ParameterValue } from './command-table';

/**
 * The customer's deny list: rules that refuse a command before it runs, and
 * before a repair even asks for approval, at any access level. A rule names a
 * cmdlet of the command table and narrows it by parameter values, by nodes,
 * and by the cluster roles (groups) a node owns when the command is checked.
 * The allowlist stays the one source of truth for what can run at all; the
 * deny list only takes away. Described for admins in docs/repair-approval.md.
 */

export type { DenyRule };

/** The most rules a cluster's deny list holds. */
export const MAX_DENY_RULES = 100;
/** The longest reason a rule may give. */
export const MAX_DENY_REASON = 500;
const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,127}$/;
const VALUE_TEXT = /^[\x20-\x7e]{1,128}$/;

const invalid = (field: string, allowed: string, message: string) => new RemoteSupportError('InvalidDenyRule', message, field, allowed);

/**
 * Checks the rules the customer sent and returns them in the table's
 * spelling (cmdlet, parameter and node names). Throws InvalidDenyRule naming
 * the first bad field (`rules[2].parameters.Nmae`) and what it accepts.
 */
export function parseDenyRules(input: readonly unknown[], clusterNodes: readonly string[]): DenyRule[] {
  if (input.length > MAX_DENY_RULES) throw invalid('rules', `at most ${MAX_DENY_RULES} rules`, `rules holds ${input.length} rules; a deny list holds at most ${MAX_DENY_RULES}`);
  return input.map((raw, i) => parseRule(raw, i, clusterNodes));
}

function parseRule(raw: unknown, i: number, clusterNodes: readonly string[]): DenyRule {
  const at = `rules[${i}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(at, 'an object with cmdlet, reason and optionally parameters, nodes, hostsRoles', `${at} must be an object`);
  const r = raw as Record<string, unknown>;
  const known = ['cmdlet', 'parameters', 'nodes', 'hostsRoles', 'reason'];
  const extra = Object.keys(r).find((k) => !known.includes(k));
  if (extra !== undefined) throw invalid(`${at}.${extra}`, known.join(', '), `${at}.${extra} is not a field of a deny rule; the fields are ${known.join(', ')}`);

  const entry = typeof r['cmdlet'] === 'string' ? findCommand(r['cmdlet']) : undefined;
  if (!entry) throw invalid(`${at}.cmdlet`, 'a cmdlet of the command table (GET commands lists them)', `${at}.cmdlet must be a cmdlet of the command table (GET commands lists them)${typeof r['cmdlet'] === 'string' ? ` (got ${JSON.stringify(r['cmdlet'].slice(0, 60))})` : ''}`);
  const rule: DenyRule = { cmdlet: entry.name, reason: '' };

  if (r['parameters'] !== undefined) {
    const params = r['parameters'];
    const names = entry.parameters.map((p) => p.name);
    const allowedNames = names.length ? names.join(', ') : 'none: the cmdlet takes no parameters';
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw invalid(`${at}.parameters`, `an object of ${entry.name}'s parameters (${allowedNames})`, `${at}.parameters must be an object of parameter names and values`);
    const out: Record<string, string | string[] | true> = {};
    for (const [name, value] of Object.entries(params as Record<string, unknown>)) {
      const spec = entry.parameters.find((p) => p.name.toLowerCase() === name.toLowerCase());
      const field = `${at}.parameters.${name}`;
      if (!spec) throw invalid(field, allowedNames, `${field}: ${entry.name} has no parameter ${name}; its parameters are ${allowedNames}`);
      out[spec.name] = parseValue(value, spec.rule, field);
    }
    if (Object.keys(out).length) rule.parameters = out;
  }

  if (r['nodes'] !== undefined) {
    const nodes = r['nodes'];
    const allowed = `a non-empty list of nodes of the cluster: ${clusterNodes.join(', ')}`;
    if (!Array.isArray(nodes) || nodes.length === 0) throw invalid(`${at}.nodes`, allowed, `${at}.nodes must be ${allowed}`);
    rule.nodes = [...new Set(nodes.map((n, j) => {
      const found = typeof n === 'string' ? clusterNodes.find((c) => c.toLowerCase() === n.toLowerCase()) : undefined;
      if (found === undefined) throw invalid(`${at}.nodes[${j}]`, allowed, `${at}.nodes[${j}] must be a node of the cluster (${clusterNodes.join(', ')})${typeof n === 'string' ? `; ${JSON.stringify(n.slice(0, 60))} is not one` : ''}`);
      return found;
    }))];
  }

  if (r['hostsRoles'] !== undefined) {
    const roles = r['hostsRoles'];
    const allowed = 'a non-empty list of cluster role (group) names, each 1 to 128 letters, digits, spaces or . _ ( ) - characters';
    if (!Array.isArray(roles) || roles.length === 0 || roles.length > 50) throw invalid(`${at}.hostsRoles`, allowed, `${at}.hostsRoles must be ${allowed} (at most 50)`);
    roles.forEach((g, j) => {
      if (typeof g !== 'string' || !ROLE_NAME.test(g)) throw invalid(`${at}.hostsRoles[${j}]`, allowed, `${at}.hostsRoles[${j}] must be a cluster role name: 1 to 128 letters, digits, spaces or . _ ( ) - characters`);
    });
    rule.hostsRoles = [...new Set(roles as string[])];
  }

  const reason = r['reason'];
  const reasonAllowed = `a text of 1 to ${MAX_DENY_REASON} printable characters saying why`;
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_DENY_REASON || /[\p{Cc}]/u.test(reason)) {
    throw invalid(`${at}.reason`, reasonAllowed, `${at}.reason must be ${reasonAllowed}: the engineer and the transcript see it`);
  }
  rule.reason = reason.trim();
  return rule;
}

function parseValue(value: unknown, rule: { kind: string; values?: readonly string[] }, field: string): string | string[] | true {
  if (rule.kind === 'switch') {
    if (value !== true) throw invalid(field, 'true (a switch)', `${field} is a switch: give it as true`);
    return true;
  }
  const inSet = (v: string) => rule.kind !== 'set' || rule.values!.some((s) => s.toLowerCase() === v.toLowerCase());
  const allowed = rule.kind === 'set' ? `one or a list of ${rule.values!.join(', ')}` : 'a value or a non-empty list of values, each 1 to 128 printable ASCII characters';
  const values = typeof value === 'string' ? [value] : Array.isArray(value) && value.length > 0 ? value : null;
  if (!values || !values.every((v) => typeof v === 'string' && VALUE_TEXT.test(v) && inSet(v))) throw invalid(field, allowed, `${field} must be ${allowed}`);
  // Set values in the table's spelling, so the list reads as the allowlist does.
  const spelled = (values as string[]).map((v) => (rule.kind === 'set' ? rule.values!.find((s) => s.toLowerCase() === v.toLowerCase())! : v));
  return typeof value === 'string' ? spelled[0]! : spelled;
}

/**
 * Whether a rule's cmdlet and parameters cover a command (the node and role
 * conditions are checked by {@link findDenial}).
 */
export function ruleCovers(rule: DenyRule, command: CheckedCommand): boolean {
  if (rule.cmdlet !== command.cmdlet) return false;
  for (const [name, wanted] of Object.entries(rule.parameters ?? {})) {
    const given = command.parameters[name];
    if (given === undefined) return false;
    if (wanted === true) continue;
    const wantedValues = (typeof wanted === 'string' ? [wanted] : wanted).map((v) => v.toLowerCase());
    if (!valuesOf(given).some((v) => wantedValues.includes(v.toLowerCase()))) return false;
  }
  return true;
}

function valuesOf(value: ParameterValue): string[] {
  if (value === true) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/** A rule that refuses a command, and the node it refuses it on. */
export interface Denial {
  rule: DenyRule;
  node: string;
  /** Set when the rule applied because the cluster could not tell which roles the node owns. */
  unknownRoles?: string;
}

/**
 * The first rule that refuses `command` on any of `nodes`, or null.
 * `rolesOf` answers which cluster roles a node owns now (or throws when the
 * cluster cannot tell: the rule then applies). It is asked only for rules
 * with hostsRoles that cover the command, once per node.
 */
export async function findDenial(
  rules: readonly DenyRule[],
  command: CheckedCommand,
  nodes: readonly string[],
  rolesOf: (node: string) => Promise<string[]>,
): Promise<Denial | null> {
  const owned = new Map<string, Promise<{ roles: string[] } | { error: string }>>();
  const ownedBy = (node: string) => {
    let found = owned.get(node);
    if (!found) {
      found = rolesOf(node).then((roles) => ({ roles }), (e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
      owned.set(node, found);
    }
    return found;
  };
  for (const rule of rules) {
    if (!ruleCovers(rule, command)) continue;
    for (const node of nodes) {
      if (rule.nodes && !rule.nodes.some((n) => n.toLowerCase() === node.toLowerCase())) continue;
      if (!rule.hostsRoles) return { rule, node };
      const roles = await ownedBy(node);
      if ('error' in roles) return { rule, node, unknownRoles: roles.error };
      const lower = roles.roles.map((g) => g.toLowerCase());
      if (rule.hostsRoles.some((g) => lower.includes(g.toLowerCase()))) return { rule, node };
    }
  }
  return null;
}
