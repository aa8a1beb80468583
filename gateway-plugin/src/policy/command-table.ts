import { AccessLevel, levelsIncludedBy } from '../domain/access-level';

/**
 * The allowlist: the one place that spells a cmdlet name. Each entry gives the
 * lowest access level that may run it and why it is there. The API's command
 * list, the extension's list and (with the command policy) the checks and the
 * JEA files all come from this table.
 */
export interface CommandEntry {
  name: string;
  level: AccessLevel;
  reason: string;
}

export const COMMAND_TABLE: readonly CommandEntry[] = [
  { name: 'Get-AzureStackHCI', level: 'Diagnostics', reason: 'Shows registration and connection state with Azure, the first thing to check in most cases.' },
  { name: 'Get-Cluster', level: 'Diagnostics', reason: 'Shows cluster-wide settings such as quorum and functional level.' },
  { name: 'Get-ClusterGroup', level: 'Diagnostics', reason: 'Shows cluster roles, their owner nodes and states, to find failed or moving roles.' },
  { name: 'Get-ClusterNode', level: 'Diagnostics', reason: 'Shows which nodes are up, down or paused.' },
  { name: 'Get-ClusterOwnerNode', level: 'Diagnostics', reason: 'Shows preferred owners of a group or resource, to explain placement.' },
  { name: 'Get-ClusterResource', level: 'Diagnostics', reason: 'Shows resources and their states, to find the failing piece of a role.' },
  { name: 'Get-ClusterSharedVolume', level: 'Diagnostics', reason: 'Shows CSV ownership and state, to diagnose redirected or offline volumes.' },
  { name: 'Get-NetAdapter', level: 'Diagnostics', reason: 'Shows physical and virtual adapters, link speed and status.' },
  { name: 'Get-NetAdapterRdma', level: 'Diagnostics', reason: 'Shows whether RDMA is enabled, which storage traffic depends on.' },
  { name: 'Get-PhysicalDisk', level: 'Diagnostics', reason: 'Shows disk health and operational status, to find failing drives.' },
  { name: 'Get-StorageEnclosure', level: 'Diagnostics', reason: 'Shows enclosure health, for hardware faults outside the disks.' },
  { name: 'Get-StorageJob', level: 'Diagnostics', reason: 'Shows repair and rebalance jobs and their progress.' },
  { name: 'Get-StorageNode', level: 'Diagnostics', reason: 'Shows each node\'s view of storage.' },
  { name: 'Get-StorageSubsystem', level: 'Diagnostics', reason: 'Shows the health of the Storage Spaces Direct subsystem.' },
  { name: 'Get-VHD', level: 'Diagnostics', reason: 'Shows virtual hard disk format, size and fragmentation.' },
  { name: 'Get-VirtualDisk', level: 'Diagnostics', reason: 'Shows virtual disk resiliency and health, to find degraded volumes.' },
  { name: 'Get-VM', level: 'Diagnostics', reason: 'Shows virtual machines and their state on the node.' },
  { name: 'Get-VMHost', level: 'Diagnostics', reason: 'Shows Hyper-V host settings.' },
  { name: 'Get-VMSwitch', level: 'Diagnostics', reason: 'Shows virtual switches and their teaming, for network faults.' },
  { name: 'Get-Volume', level: 'Diagnostics', reason: 'Shows volumes, free space and health.' },
  { name: 'Get-Service', level: 'Diagnostics', reason: 'Shows whether the cluster and storage services are running before any repair.' },
  { name: 'Start-Service', level: 'DiagnosticsRepair', reason: 'Starts a stopped HCI service from a named set.' },
  { name: 'Stop-Service', level: 'DiagnosticsRepair', reason: 'Stops a misbehaving HCI service from a named set, before a restart.' },
  { name: 'Restart-Service', level: 'DiagnosticsRepair', reason: 'Restarts an HCI service from a named set, the most common repair.' },
];

/** The commands a grant at `level` allows, in table order. */
export function commandsForLevel(level: AccessLevel): CommandEntry[] {
  const levels = levelsIncludedBy(level);
  return COMMAND_TABLE.filter((c) => levels.includes(c.level));
}
