import { AccessLevel, levelsIncludedBy } from '../domain/access-level';
import { NODE_NAME } from '../domain/identifiers';

/**
 * The allowlist: the one place that spells a cmdlet name. Like a JEA role
 * capability's VisibleCmdlets, each entry names a cmdlet, the lowest access
 * level that may run it, why it is there, and each parameter it may take
 * with the values that parameter accepts. The gateway's command check, the
 * API's and extension's command lists, and the generated JEA files
 * (.psrc / .pssc) all come from this table.
 */

/** What a parameter's value may be. */
export type ValueRule =
  /** A switch: present or not, no value (`-Physical`). */
  | { kind: 'switch' }
  /** One of a fixed set, compared without case, like JEA's ValidateSet. `list` allows `a,b`. */
  | { kind: 'set'; values: readonly string[]; list?: boolean }
  /** A string matching an anchored pattern, like JEA's ValidatePattern. `list` allows `a,b`. */
  | { kind: 'pattern'; pattern: string; description: string; list?: boolean };

export interface ParameterSpec {
  name: string;
  rule: ValueRule;
  /** Accepts the value without the parameter name when it comes first (`Get-VM web01`). */
  position?: 0;
}

/**
 * The PowerShell module that provides a command on an HCI node. JEA turns
 * module autoloading off, so every one of these must be in the session's
 * ModulesToImport, or JEA silently skips the command.
 */
export type NodeModule = 'AzureStackHCI' | 'FailoverClusters' | 'Hyper-V' | 'Storage' | 'NetAdapter' | 'Microsoft.PowerShell.Management';

/**
 * How the module provides the command: a compiled cmdlet (VisibleCmdlets in
 * a role capability) or a function, such as the CIM-based Storage and
 * NetAdapter commands (VisibleFunctions). JEA exposes a command only under
 * the key of its kind.
 */
export type CommandKind = 'cmdlet' | 'function';

export interface CommandEntry {
  name: string;
  level: AccessLevel;
  reason: string;
  /** The module that provides it on a node. */
  module: NodeModule;
  kind: CommandKind;
  parameters: readonly ParameterSpec[];
}

/** Names of cluster objects (nodes, groups, resources, VMs, disks): letters, digits, space, . _ ( ) -, and * as a wildcard. */
const OBJECT_NAME: ValueRule = {
  kind: 'pattern',
  pattern: '^[A-Za-z0-9*][A-Za-z0-9 ._()*-]{0,127}$',
  description: 'a name of 1 to 128 letters, digits, spaces or . _ ( ) - characters; * is a wildcard',
  list: true,
};
/** The exact name of one object, for commands that change something: no wildcard, no list. */
const EXACT_NAME: ValueRule = {
  kind: 'pattern',
  pattern: '^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,127}$',
  description: 'the exact name of one object: 1 to 128 letters, digits, spaces or . _ ( ) - characters, no wildcard',
};
/** A node name (the domain's one rule), no wildcard. */
const NODE_NAME_VALUE: ValueRule = {
  kind: 'pattern',
  pattern: NODE_NAME.pattern,
  description: `a node name: ${NODE_NAME.allowed}`,
  list: true,
};
/** Virtual hard disks may only be read under the cluster's shared volumes, with no way up the tree. */
const VHD_PATH: ValueRule = {
  kind: 'pattern',
  // A segment may hold dots but not start with one, so "." and ".." segments cannot match.
  pattern: '^C:\\\\ClusterStorage\\\\[A-Za-z0-9 _-]{1,64}(\\\\[A-Za-z0-9 _-][A-Za-z0-9 ._-]{0,127}){0,8}\\.(vhdx|vhd|avhdx)$',
  description: 'a .vhdx, .vhd or .avhdx path under C:\\ClusterStorage\\, without ..',
};

/**
 * The services a DiagnosticsRepair grant may start, stop or restart: the
 * ones HCI support restarts most. WinRM is left out on purpose: stopping it
 * would cut the remoting that the session itself runs on.
 */
export const REPAIRABLE_SERVICES = ['ClusSvc', 'HciSvc', 'vmms', 'vmcompute', 'NetworkATC', 'smphost'] as const;

const SERVICE_NAME: ValueRule = { kind: 'set', values: REPAIRABLE_SERVICES, list: true };

const name = (rule: ValueRule = OBJECT_NAME): ParameterSpec => ({ name: 'Name', rule, position: 0 });

export const COMMAND_TABLE: readonly CommandEntry[] = [
  { name: 'Get-AzureStackHCI', level: 'Diagnostics', module: 'AzureStackHCI', kind: 'cmdlet', reason: 'Shows registration and connection state with Azure, the first thing to check in most cases.', parameters: [] },
  { name: 'Get-Cluster', level: 'Diagnostics', module: 'FailoverClusters', kind: 'cmdlet', reason: 'Shows cluster-wide settings such as quorum and functional level.', parameters: [] },
  { name: 'Get-ClusterGroup', level: 'Diagnostics', module: 'FailoverClusters', kind: 'cmdlet', reason: 'Shows cluster roles, their owner nodes and states, to find failed or moving roles.', parameters: [name()] },
  { name: 'Get-ClusterNode', level: 'Diagnostics', module: 'FailoverClusters', kind: 'cmdlet', reason: 'Shows which nodes are up, down or paused.', parameters: [name(NODE_NAME_VALUE)] },
  {
    name: 'Get-ClusterOwnerNode', level: 'Diagnostics', module: 'FailoverClusters', kind: 'cmdlet', reason: 'Shows the preferred owners of a role or resource, to explain where it runs.',
    parameters: [{ name: 'Group', rule: OBJECT_NAME }, { name: 'Resource', rule: OBJECT_NAME }],
  },
  { name: 'Get-ClusterResource', level: 'Diagnostics', module: 'FailoverClusters', kind: 'cmdlet', reason: 'Shows resources and their states, to find the failing piece of a role.', parameters: [name()] },
  { name: 'Get-ClusterSharedVolume', level: 'Diagnostics', module: 'FailoverClusters', kind: 'cmdlet', reason: 'Shows CSV ownership and state, to diagnose redirected or offline volumes.', parameters: [name()] },
  {
    name: 'Get-NetAdapter', level: 'Diagnostics', module: 'NetAdapter', kind: 'function', reason: 'Shows physical and virtual adapters, link speed and status.',
    parameters: [name(), { name: 'Physical', rule: { kind: 'switch' } }, { name: 'IncludeHidden', rule: { kind: 'switch' } }],
  },
  { name: 'Get-NetAdapterRdma', level: 'Diagnostics', module: 'NetAdapter', kind: 'function', reason: 'Shows whether RDMA is enabled, which storage traffic depends on.', parameters: [name()] },
  {
    name: 'Get-PhysicalDisk', level: 'Diagnostics', module: 'Storage', kind: 'function', reason: 'Shows disk health and operational status, to find failing drives.',
    parameters: [
      { name: 'FriendlyName', rule: OBJECT_NAME, position: 0 },
      { name: 'SerialNumber', rule: { kind: 'pattern', pattern: '^[A-Za-z0-9_*-]{1,64}$', description: '1 to 64 letters, digits, _ or -; * is a wildcard', list: true } },
      { name: 'HealthStatus', rule: { kind: 'set', values: ['Healthy', 'Warning', 'Unhealthy', 'Unknown'] } },
      { name: 'Usage', rule: { kind: 'set', values: ['AutoSelect', 'ManualSelect', 'HotSpare', 'Retired', 'Journal'] } },
    ],
  },
  { name: 'Get-StorageEnclosure', level: 'Diagnostics', module: 'Storage', kind: 'function', reason: 'Shows enclosure health, for hardware faults outside the disks.', parameters: [{ name: 'FriendlyName', rule: OBJECT_NAME, position: 0 }] },
  { name: 'Get-StorageJob', level: 'Diagnostics', module: 'Storage', kind: 'function', reason: 'Shows repair and rebalance jobs and their progress.', parameters: [name()] },
  { name: 'Get-StorageNode', level: 'Diagnostics', module: 'Storage', kind: 'function', reason: 'Shows each node\'s view of storage.', parameters: [name()] },
  { name: 'Get-StorageSubsystem', level: 'Diagnostics', module: 'Storage', kind: 'function', reason: 'Shows the health of the Storage Spaces Direct subsystem.', parameters: [{ name: 'FriendlyName', rule: OBJECT_NAME, position: 0 }] },
  { name: 'Get-VHD', level: 'Diagnostics', module: 'Hyper-V', kind: 'cmdlet', reason: 'Shows virtual hard disk format, size and fragmentation.', parameters: [{ name: 'Path', rule: VHD_PATH, position: 0 }] },
  { name: 'Get-VirtualDisk', level: 'Diagnostics', module: 'Storage', kind: 'function', reason: 'Shows virtual disk resiliency and health, to find degraded volumes.', parameters: [{ name: 'FriendlyName', rule: OBJECT_NAME, position: 0 }] },
  { name: 'Get-VM', level: 'Diagnostics', module: 'Hyper-V', kind: 'cmdlet', reason: 'Shows virtual machines and their state on the node.', parameters: [name()] },
  { name: 'Get-VMHost', level: 'Diagnostics', module: 'Hyper-V', kind: 'cmdlet', reason: 'Shows Hyper-V host settings.', parameters: [] },
  {
    name: 'Get-VMSwitch', level: 'Diagnostics', module: 'Hyper-V', kind: 'cmdlet', reason: 'Shows virtual switches and their teaming, for network faults.',
    parameters: [name(), { name: 'SwitchType', rule: { kind: 'set', values: ['External', 'Internal', 'Private'] } }],
  },
  {
    name: 'Get-Volume', level: 'Diagnostics', module: 'Storage', kind: 'function', reason: 'Shows volumes, free space and health.',
    parameters: [
      { name: 'FileSystemLabel', rule: OBJECT_NAME },
      { name: 'DriveLetter', rule: { kind: 'pattern', pattern: '^[A-Za-z]$', description: 'one drive letter', list: true } },
    ],
  },
  { name: 'Get-Service', level: 'Diagnostics', module: 'Microsoft.PowerShell.Management', kind: 'cmdlet', reason: 'Shows whether the cluster, Hyper-V and storage services run, before any repair.', parameters: [name(SERVICE_NAME)] },
  {
    name: 'Start-Service', level: 'DiagnosticsRepair', module: 'Microsoft.PowerShell.Management', kind: 'cmdlet', reason: 'Starts a stopped HCI service from the named set.',
    parameters: [name(SERVICE_NAME)],
  },
  {
    name: 'Stop-Service', level: 'DiagnosticsRepair', module: 'Microsoft.PowerShell.Management', kind: 'cmdlet', reason: 'Stops a misbehaving HCI service from the named set, before a restart. No -Force: it would also stop dependent services, which may lie outside the set; stop dependents in the set first.',
    parameters: [name(SERVICE_NAME)],
  },
  {
    name: 'Restart-Service', level: 'DiagnosticsRepair', module: 'Microsoft.PowerShell.Management', kind: 'cmdlet', reason: 'Restarts an HCI service from the named set, the most common repair.',
    parameters: [name(SERVICE_NAME)],
  },
  {
    name: 'Repair-VirtualDisk', level: 'DiagnosticsRepair', module: 'Storage', kind: 'function', reason: 'Starts the repair of a degraded virtual disk after a drive or node came back, instead of waiting for the automatic repair.',
    parameters: [{ name: 'FriendlyName', rule: EXACT_NAME, position: 0 }],
  },
];

/** The commands a grant at `level` allows, in table order. */
export function commandsForLevel(level: AccessLevel): CommandEntry[] {
  const levels = levelsIncludedBy(level);
  return COMMAND_TABLE.filter((c) => levels.includes(c.level));
}

/**
 * The table entry for a cmdlet name, compared without case (PowerShell's
 * rule), or undefined. Only ASCII names can match: toLowerCase would fold
 * lookalikes such as KELVIN SIGN into ASCII letters.
 */
export function findCommand(name: string): CommandEntry | undefined {
  if (!/^[\x21-\x7e]+$/.test(name)) return undefined;
  const lower = name.toLowerCase();
  return COMMAND_TABLE.find((c) => c.name.toLowerCase() === lower);
}

/** A parameter value after checking: typed, never text to evaluate. */
export type ParameterValue = string | true | readonly string[];

/**
 * A command that passed the policy: the only form in which a command reaches
 * an executor. The original command line is not kept.
 */
export interface CheckedCommand {
  /** The cmdlet's name exactly as the table spells it. */
  cmdlet: string;
  /** Parameters by the table's spelling of their names; switches are `true`. */
  parameters: Readonly<Record<string, ParameterValue>>;
  /** The level the command needs. */
  level: AccessLevel;
}
