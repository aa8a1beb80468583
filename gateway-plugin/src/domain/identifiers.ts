/**
 * The names and numbers that cross the gateway's edges, each defined once:
 * the contract's schemas, the command policy, the configuration, the CLIs and
 * the simulator all use these rules.
 */

/** A rule for one kind of name: the pattern (as JSON Schema and .NET accept it) and what it allows, in words. */
export interface NameRule {
  /** A regular expression source, anchored at both ends. */
  readonly pattern: string;
  /** What the rule accepts, for error messages and help. */
  readonly allowed: string;
}

/**
 * A cluster node's name: a Windows (NetBIOS) computer name, 1 to 15 letters,
 * digits and hyphens, no hyphen at either end. Azure Stack HCI nodes are
 * domain-joined Windows servers, so no node has any other name. (Windows also
 * refuses all-digit names; the pattern leaves that to Windows, because it must
 * stay a plain regular expression that JEA, JSON Schema and the fuzz tests'
 * generators all read.)
 */
export const NODE_NAME: NameRule = {
  pattern: '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,13}[A-Za-z0-9])?$',
  allowed: 'a NetBIOS computer name: 1 to 15 letters, digits or hyphens, no hyphen at either end, such as hci-n01',
};

/** An Azure Stack HCI cluster has 1 to 16 nodes. */
export const MAX_NODES = 16;

/** A support case number, as the grant records it and the engineer names it. */
export const SUPPORT_CASE_NUMBER: NameRule = {
  pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,63}$',
  allowed: '1 to 64 letters, digits or hyphens',
};

/** Ids of grants, sessions and agent operations: UUIDs. */
export const UUID: NameRule = {
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$',
  allowed: 'a UUID',
};

/** The longest command line an engineer may send; the checker refuses longer ones before reading them. */
export const MAX_COMMAND_LINE = 2000;

const compiled = new Map<NameRule, RegExp>();

/** Whether `value` is a string the rule accepts. */
export function matches(rule: NameRule, value: unknown): boolean {
  let re = compiled.get(rule);
  if (!re) compiled.set(rule, (re = new RegExp(rule.pattern)));
  return typeof value === 'string' && re.test(value);
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && matches(UUID, value);
}
