/**
 * A rule of the customer's deny list (checked by policy/deny-list.ts, kept
 * by the store): the shape only, so the store's port can name it.
 */
/** One rule, as stored and as the API shows it (names in the command table's spelling). */
export interface DenyRule {
  /** A cmdlet of the command table. */
  cmdlet: string;
  /**
   * Parameter values the rule covers: the rule applies when the command gives
   * the parameter one of these values (compared without case; a list in the
   * command matches when any of its values does). A switch is given as true.
   * Left out, any parameters match.
   */
  parameters?: Record<string, string | string[] | true>;
  /** The nodes it applies on; left out, every node. */
  nodes?: string[];
  /**
   * Cluster roles (groups, as Get-ClusterGroup names them): the rule applies
   * on a node only while that node owns one of them. Asked of the cluster
   * when a matching command is checked; if the cluster cannot tell, the rule
   * applies (a deny list fails closed).
   */
  hostsRoles?: string[];
  /** Why the customer forbids it: the engineer and the transcript see it. */
  reason: string;
}


/** A cluster's deny list as stored: its rules, and its last change. */
export interface DenyList {
  rules: DenyRule[];
  /** 0 before the first change; one more with each. */
  version: number;
  updatedAt: number | null;
  updatedBy: string | null;
  updatedById: string | null;
  /** False when the stored list was changed without the record key: every command is then refused until an admin saves the list again. */
  intact: boolean;
}

/** One change of a deny list: who saved which rules, when. */
export interface DenyListChange {
  version: number;
  at: number;
  by: string;
  byId: string | null;
  rules: DenyRule[];
}
