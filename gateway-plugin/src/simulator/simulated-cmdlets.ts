import type { ParameterValue } from '../policy/command-table';
import { CLUSTER_SERVICE, FixtureObject, formatTimeSpan, HYPERV_SERVICE, num, SimulatedClusterState, str, strings } from './cluster-state';
import type { CommandErrorRecord } from '../executors/executor-error';
import type { ResultObject } from '../executors/node-executor';
import { filterByName, sameEnumValue, valueList } from './wildcard';

/**
 * What each allowlisted cmdlet does on the simulated cluster: reads (or, for
 * the repair cmdlets, changes) the {@link SimulatedClusterState} and writes
 * objects with the real cmdlet's property names, plus PowerShell-like error
 * records for names that match nothing. Every cmdlet in the command table
 * has an entry here; the executor tests fail when one is missing.
 */

export interface CmdletContext {
  state: SimulatedClusterState;
  /** The node the command runs on, as the fixture spells it. */
  node: string;
  cmdlet: string;
  parameters: Readonly<Record<string, ParameterValue>>;
}

export interface CmdletOutput {
  objects: ResultObject[];
  /** Non-terminating errors: the command still completes. */
  errors: CommandErrorRecord[];
}

/** A terminating error: the cmdlet stops and writes nothing more. */
export class TerminatingError extends Error {
  constructor(readonly record: CommandErrorRecord) {
    super(record.message);
    this.name = 'TerminatingError';
  }
}

export type CmdletSimulation = (ctx: CmdletContext) => CmdletOutput;

// ---- error records, in the words the real cmdlets use ----

function errorRecord(cmdlet: string, message: string, category: string, reason: string, fullyQualifiedErrorId: string, targetName = '', targetType = ''): CommandErrorRecord {
  return { message, category, activity: cmdlet, reason, targetName, targetType, fullyQualifiedErrorId };
}

/** The CDXML (Storage, NetAdapter) cmdlets' error for a name that matches no object. */
function cimNotFound(cmdlet: string, cimClass: string, property: string, value: string): CommandErrorRecord {
  return errorRecord(
    cmdlet,
    `No ${cimClass} objects found with property '${property}' equal to '${value}'.  Verify the value of the property and retry.`,
    'ObjectNotFound', 'CimJobException', `CmdletizationQuery_NotFound_${property},${cmdlet}`, value, 'String',
  );
}

const clusterCommandClass = (cmdlet: string) => `Microsoft.FailoverClusters.PowerShell.${cmdlet.replace('-', '')}Command`;

function clusterNotFound(cmdlet: string, kind: string, name: string): CommandErrorRecord {
  return errorRecord(
    cmdlet,
    `An error occurred while opening cluster ${kind} '${name}'.\nThe cluster ${kind} could not be found.`,
    'ObjectNotFound', 'ClusterCmdletException', `ClusterObjectNotFound,${clusterCommandClass(cmdlet)}`, name, 'String',
  );
}

function hyperVNotFound(cmdlet: string, kind: string, name: string): CommandErrorRecord {
  return errorRecord(
    cmdlet, `Hyper-V was unable to find a ${kind} with name "${name}".`,
    'InvalidArgument', 'VirtualizationException', `InvalidParameter,Microsoft.HyperV.PowerShell.Commands.${cmdlet.replace('-', '')}`, name, 'String',
  );
}

function serviceNotFound(cmdlet: string, name: string): CommandErrorRecord {
  return errorRecord(
    cmdlet, `Cannot find any service with service name '${name}'.`,
    'ObjectNotFound', 'ServiceCommandException', `NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.${cmdlet.replace('-', '')}Command`, name, 'String',
  );
}

function missingMandatory(cmdlet: string, parameter: string): TerminatingError {
  return new TerminatingError(errorRecord(
    cmdlet, `Cannot process command because of one or more missing mandatory parameters: ${parameter}.`,
    'InvalidArgument', 'ParameterBindingException', `MissingMandatoryParameter,${cmdlet}`,
  ));
}

/** The failover cluster cmdlets fail on a node whose cluster service is stopped. */
function requireClusterService(ctx: CmdletContext): void {
  if (ctx.state.serviceStatus(ctx.node, CLUSTER_SERVICE) === 'Stopped') {
    throw new TerminatingError(errorRecord(
      ctx.cmdlet,
      `The cluster service is not running on ${ctx.node}.  Make sure that the service is running on all nodes in the cluster.`,
      'ConnectionError', 'ClusterCmdletException', `ClusterServiceNotRunning,${clusterCommandClass(ctx.cmdlet)}`, ctx.node, 'String',
    ));
  }
}

/** The Hyper-V cmdlets fail on a node whose Virtual Machine Management service is stopped. */
function requireHyperV(ctx: CmdletContext): void {
  if (ctx.state.serviceStatus(ctx.node, HYPERV_SERVICE) === 'Stopped') {
    const cls = ctx.cmdlet === 'Get-VHD' ? 'Microsoft.Vhd.PowerShell.Cmdlets.GetVHD' : `Microsoft.HyperV.PowerShell.Commands.${ctx.cmdlet.replace('-', '')}`;
    throw new TerminatingError(errorRecord(
      ctx.cmdlet,
      `Hyper-V encountered an error trying to access an object on computer '${ctx.node}' because the object was not found. The object might have been deleted. Verify that the Virtual Machine Management service on the computer is running.`,
      'ObjectNotFound', 'VirtualizationException', `ObjectNotFound,${cls}`,
    ));
  }
}

// ---- helpers ----

function omit(o: FixtureObject | undefined, ...keys: string[]): ResultObject {
  const out: ResultObject = {};
  for (const [k, v] of Object.entries(o ?? {})) if (!keys.includes(k)) out[k] = v;
  return out;
}

const param = (ctx: CmdletContext, name: string): ParameterValue | undefined => ctx.parameters[name];
const names = (ctx: CmdletContext, name: string): string[] | undefined => valueList(param(ctx, name));

function byName(
  ctx: CmdletContext,
  items: readonly ResultObject[],
  parameter: string,
  property: string,
  notFound: (name: string) => CommandErrorRecord,
): CmdletOutput {
  const { items: kept, missing } = filterByName(items, (o) => str(o[property]), names(ctx, parameter));
  return { objects: kept, errors: missing.map(notFound) };
}

const output = (objects: ResultObject[], errors: CommandErrorRecord[] = []): CmdletOutput => ({ objects, errors });

// ---- objects built from the state ----

function clusterNodes(ctx: CmdletContext): ResultObject[] {
  const { state } = ctx;
  return state.nodes.map((n) => {
    const hw = state.nodeObjects(n).hardware ?? {};
    const up = state.isNodeUp(n);
    return {
      Name: n,
      State: state.clusterNodeState(n),
      Type: 'Node',
      Id: str(hw['Id']) ?? String(state.nodes.indexOf(n) + 1),
      NodeName: n,
      Cluster: state.clusterName,
      DrainStatus: 'NotInitiated',
      DynamicWeight: up ? 1 : 0,
      NodeWeight: 1,
      StatusInformation: 'Normal',
      ...omit(hw, 'Id'),
    };
  });
}

function clusterGroups(ctx: CmdletContext): ResultObject[] {
  const { state } = ctx;
  return (state.objects.clusterGroups ?? []).map((g) => {
    const name = str(g['Name'])!;
    const owner = state.groupOwner(name) ?? null;
    const ownerUp = owner !== null && state.isNodeUp(owner);
    return {
      Name: name,
      OwnerNode: owner,
      State: ownerUp ? (str(g['State']) ?? 'Online') : 'Offline',
      Cluster: state.clusterName,
      ...omit(g, 'Name', 'OwnerNode', 'State', 'PreferredOwners'),
    };
  });
}

function clusterResources(ctx: CmdletContext): ResultObject[] {
  const { state } = ctx;
  const groups = state.objects.clusterGroups ?? [];
  return (state.objects.clusterResources ?? []).map((r) => {
    const group = str(r['OwnerGroup'])!;
    const owner = state.groupOwner(group) ?? null;
    const ownerUp = owner !== null && state.isNodeUp(owner);
    return {
      Name: str(r['Name'])!,
      State: ownerUp ? (str(r['State']) ?? 'Online') : 'Offline',
      OwnerGroup: group,
      ResourceType: str(r['ResourceType']) ?? '',
      OwnerNode: owner,
      IsCoreResource: groups.find((g) => g['Name'] === group)?.['IsCoreGroup'] === true,
      Cluster: state.clusterName,
      ...omit(r, 'Name', 'State', 'OwnerGroup', 'ResourceType', 'PossibleOwners'),
    };
  });
}

function virtualDisks(ctx: CmdletContext): ResultObject[] {
  return (ctx.state.objects.virtualDisks ?? []).map((vd) => ({ ...omit(vd), ...ctx.state.virtualDiskStatus(vd) }));
}

function services(ctx: CmdletContext): ResultObject[] {
  const { state, node } = ctx;
  return state.serviceDefinitions().map((def) => {
    const name = str(def['Name'])!;
    const status = state.serviceStatus(node, name) ?? 'Stopped';
    return {
      Status: status,
      Name: name,
      DisplayName: str(def['DisplayName']) ?? name,
      ServiceName: name,
      StartType: str(def['StartType']) ?? 'Manual',
      ServiceType: str(def['ServiceType']) ?? 'Win32OwnProcess',
      CanStop: status === 'Running',
      CanPauseAndContinue: false,
      DependentServices: state.dependentServices(name),
      ServicesDependedOn: state.requiredServices(name),
      MachineName: '.',
    };
  });
}

/** Resolves -Name of the service cmdlets to the node's services, with an error per unknown name. */
function targetServices(ctx: CmdletContext): { found: string[]; errors: CommandErrorRecord[] } {
  const wanted = names(ctx, 'Name');
  if (!wanted) throw missingMandatory(ctx.cmdlet, 'Name');
  const { items, missing } = filterByName(ctx.state.serviceDefinitions(), (d) => str(d['Name']), wanted);
  return { found: items.map((d) => str(d['Name'])!), errors: missing.map((n) => serviceNotFound(ctx.cmdlet, n)) };
}

function dependentsError(ctx: CmdletContext, name: string): CommandErrorRecord {
  const display = str(ctx.state.serviceDefinition(name)?.['DisplayName']) ?? name;
  return errorRecord(
    ctx.cmdlet,
    `Cannot stop service '${display} (${name})' because it has dependent services. It can only be stopped if the Force flag is set.`,
    'InvalidOperation', 'ServiceCommandException', `ServiceHasDependentServices,Microsoft.PowerShell.Commands.${ctx.cmdlet.replace('-', '')}Command`,
    'System.ServiceProcess.ServiceController', 'ServiceController',
  );
}

// ---- the cmdlets ----

export const SIMULATED_CMDLETS: Readonly<Record<string, CmdletSimulation>> = {
  'Get-AzureStackHCI': ({ state }) => {
    const a = state.objects.azureStackHci ?? {};
    const r = state.registered;
    const sync = r ? state.azureSync() : { LastConnected: null, NextSync: null };
    return output([{
      ClusterStatus: str(a['ClusterStatus']) ?? 'Clustered',
      RegistrationStatus: r ? 'Registered' : 'NotYet',
      RegistrationDate: r ? (str(a['RegistrationDate']) ?? null) : null,
      AzureResourceName: r ? (str(a['AzureResourceName']) ?? state.clusterName) : null,
      AzureResourceUri: r ? (str(a['AzureResourceUri']) ?? null) : null,
      ConnectionStatus: r ? 'Connected' : 'NotYet',
      LastConnected: sync.LastConnected,
      NextSync: sync.NextSync,
      IMDSAttestation: str(a['IMDSAttestation']) ?? 'Disabled',
      DiagnosticLevel: str(a['DiagnosticLevel']) ?? 'Basic',
      Region: r ? (str(a['Region']) ?? null) : null,
    }]);
  },

  'Get-Cluster': (ctx) => {
    requireClusterService(ctx);
    return output([{ Name: ctx.state.clusterName, Domain: ctx.state.domain, ...omit(ctx.state.objects.cluster, 'Name', 'Domain') }]);
  },

  'Get-ClusterGroup': (ctx) => {
    requireClusterService(ctx);
    return byName(ctx, clusterGroups(ctx), 'Name', 'Name', (n) => clusterNotFound(ctx.cmdlet, 'group', n));
  },

  'Get-ClusterNode': (ctx) => {
    requireClusterService(ctx);
    return byName(ctx, clusterNodes(ctx), 'Name', 'Name', (n) => clusterNotFound(ctx.cmdlet, 'node', n));
  },

  'Get-ClusterOwnerNode': (ctx) => {
    requireClusterService(ctx);
    const groups = names(ctx, 'Group');
    const resources = names(ctx, 'Resource');
    if ((groups && resources) || (!groups && !resources)) {
      throw new TerminatingError(errorRecord(
        ctx.cmdlet,
        groups ? 'Parameter set cannot be resolved using the specified named parameters.' : 'Specify either -Group or -Resource.',
        'InvalidArgument', 'ParameterBindingException', `AmbiguousParameterSet,${clusterCommandClass(ctx.cmdlet)}`,
      ));
    }
    const { state } = ctx;
    if (groups) {
      const { items, missing } = filterByName(state.objects.clusterGroups ?? [], (g) => str(g['Name']), groups);
      return output(
        items.map((g) => ({ ClusterObject: str(g['Name'])!, OwnerNodes: strings(g['PreferredOwners']) })),
        missing.map((n) => clusterNotFound(ctx.cmdlet, 'group', n)),
      );
    }
    const { items, missing } = filterByName(state.objects.clusterResources ?? [], (r) => str(r['Name']), resources);
    return output(
      items.map((r) => {
        const possible = strings(r['PossibleOwners']);
        return { ClusterObject: str(r['Name'])!, OwnerNodes: possible.length > 0 ? possible : [...state.nodes] };
      }),
      missing.map((n) => clusterNotFound(ctx.cmdlet, 'resource', n)),
    );
  },

  'Get-ClusterResource': (ctx) => {
    requireClusterService(ctx);
    return byName(ctx, clusterResources(ctx), 'Name', 'Name', (n) => clusterNotFound(ctx.cmdlet, 'resource', n));
  },

  'Get-ClusterSharedVolume': (ctx) => {
    requireClusterService(ctx);
    const { state } = ctx;
    const root = str(state.objects.cluster?.['SharedVolumesRoot']) ?? 'C:\\ClusterStorage';
    const csvs = (state.objects.clusterSharedVolumes ?? []).map((c) => {
      const name = str(c['Name'])!;
      const owner = state.csvOwner(name) ?? null;
      return {
        Name: name,
        State: owner !== null && state.isNodeUp(owner) ? 'Online' : 'Offline',
        OwnerNode: owner,
        Id: str(c['Id']) ?? null,
        SharedVolumeInfo: [{ FriendlyVolumeName: `${root}\\${str(c['VirtualDisk']) ?? name}`, MaintenanceMode: false, RedirectedAccess: false }],
      };
    });
    return byName(ctx, csvs, 'Name', 'Name', (n) => clusterNotFound(ctx.cmdlet, 'shared volume', n));
  },

  'Get-NetAdapter': (ctx) => {
    let adapters = (ctx.state.nodeObjects(ctx.node).netAdapters ?? []).map((a): ResultObject => ({ ...omit(a), SystemName: ctx.node }));
    if (param(ctx, 'IncludeHidden') !== true) adapters = adapters.filter((a) => a['Hidden'] !== true);
    if (param(ctx, 'Physical') === true) adapters = adapters.filter((a) => a['ConnectorPresent'] === true);
    return byName(ctx, adapters, 'Name', 'Name', (n) => cimNotFound(ctx.cmdlet, 'MSFT_NetAdapter', 'Name', n));
  },

  'Get-NetAdapterRdma': (ctx) => {
    const rdma = (ctx.state.nodeObjects(ctx.node).netAdapterRdma ?? []).map((a) => omit(a));
    return byName(ctx, rdma, 'Name', 'Name', (n) => cimNotFound(ctx.cmdlet, 'MSFT_NetAdapterRdmaSettingData', 'Name', n));
  },

  'Get-PhysicalDisk': (ctx) => {
    let disks = (ctx.state.nodeObjects(ctx.node).physicalDisks ?? []).map((d) => omit(d));
    const health = param(ctx, 'HealthStatus');
    if (typeof health === 'string') disks = disks.filter((d) => sameEnumValue(str(d['HealthStatus']) ?? '', health));
    const usage = param(ctx, 'Usage');
    if (typeof usage === 'string') disks = disks.filter((d) => sameEnumValue(str(d['Usage']) ?? '', usage));
    const bySerial = filterByName(disks, (d) => str(d['SerialNumber']), names(ctx, 'SerialNumber'));
    const byFriendly = filterByName(bySerial.items, (d) => str(d['FriendlyName']), names(ctx, 'FriendlyName'));
    return output(byFriendly.items, [
      ...byFriendly.missing.map((n) => cimNotFound(ctx.cmdlet, 'MSFT_PhysicalDisk', 'FriendlyName', n)),
      ...bySerial.missing.map((n) => cimNotFound(ctx.cmdlet, 'MSFT_PhysicalDisk', 'SerialNumber', n)),
    ]);
  },

  'Get-StorageEnclosure': (ctx) => {
    const enclosures = (ctx.state.objects.storageEnclosures ?? []).map((e) => omit(e, 'node'));
    return byName(ctx, enclosures, 'FriendlyName', 'FriendlyName', (n) => cimNotFound(ctx.cmdlet, 'MSFT_StorageEnclosure', 'FriendlyName', n));
  },

  'Get-StorageJob': (ctx) => byName(ctx, ctx.state.storageJobs(), 'Name', 'Name', (n) => cimNotFound(ctx.cmdlet, 'MSFT_StorageJob', 'Name', n)),

  'Get-StorageNode': (ctx) => {
    const { state } = ctx;
    const nodes = state.nodes.map((n) => {
      const hw = state.nodeObjects(n).hardware ?? {};
      return {
        Name: `${n}.${state.domain}`,
        Manufacturer: str(hw['Manufacturer']) ?? null,
        Model: str(hw['Model']) ?? null,
        SerialNumber: str(hw['SerialNumber']) ?? null,
        OperationalStatus: state.clusterNodeState(n),
        NameFormat: 'FullyQualifiedDomainName',
      };
    });
    return byName(ctx, nodes, 'Name', 'Name', (n) => cimNotFound(ctx.cmdlet, 'MSFT_StorageNode', 'Name', n));
  },

  'Get-StorageSubsystem': (ctx) => {
    const { state } = ctx;
    const base = state.objects.storageSubsystem;
    const subsystems = base
      ? [{ FriendlyName: str(base['FriendlyName']) ?? `Clustered Windows Storage on ${state.clusterName}`, ...state.storageHealth(), ...omit(base, 'FriendlyName', 'HealthStatus', 'OperationalStatus') }]
      : [];
    return byName(ctx, subsystems, 'FriendlyName', 'FriendlyName', (n) => cimNotFound(ctx.cmdlet, 'MSFT_StorageSubSystem', 'FriendlyName', n));
  },

  'Get-VHD': (ctx) => {
    requireHyperV(ctx);
    const paths = names(ctx, 'Path');
    if (!paths) throw missingMandatory(ctx.cmdlet, 'Path');
    const { state, node } = ctx;
    const objects: ResultObject[] = [];
    const errors: CommandErrorRecord[] = [];
    for (const path of paths) {
      const vhd = (state.objects.vhds ?? []).find((v) => (str(v['Path']) ?? '').toLowerCase() === path.toLowerCase());
      if (!vhd) {
        errors.push(errorRecord(
          ctx.cmdlet, `Getting the mounted storage instance for the path '${path}' failed.\nThe system cannot find the file specified.`,
          'ObjectNotFound', 'VirtualizationException', 'ObjectNotFound,Microsoft.Vhd.PowerShell.Cmdlets.GetVHD', path, 'String',
        ));
        continue;
      }
      const vm = str(vhd['vm']);
      const attached = vm !== undefined && state.vmStartedAt(vm) !== null && state.vmHost(vm) === node;
      objects.push({ ComputerName: node, ...omit(vhd, 'vm', 'Attached'), Attached: attached });
    }
    return output(objects, errors);
  },

  'Get-VirtualDisk': (ctx) => byName(ctx, virtualDisks(ctx), 'FriendlyName', 'FriendlyName', (n) => cimNotFound(ctx.cmdlet, 'MSFT_VirtualDisk', 'FriendlyName', n)),

  'Get-VM': (ctx) => {
    requireHyperV(ctx);
    const { state, node } = ctx;
    const now = state.now();
    const vms = (state.objects.virtualMachines ?? [])
      .filter((vm) => state.vmHost(str(vm['Name'])!) === node)
      .map((vm) => {
        const name = str(vm['Name'])!;
        const started = state.vmStartedAt(name);
        return {
          Name: name,
          State: started === null ? 'Off' : 'Running',
          CPUUsage: started === null ? 0 : num(vm['CPUUsage']),
          MemoryAssigned: started === null ? 0 : num(vm['MemoryAssigned']),
          Uptime: formatTimeSpan(started === null ? 0 : now - started),
          Status: str(vm['Status']) ?? 'Operating normally',
          Version: str(vm['Version']) ?? '11.0',
          ComputerName: node,
          VMName: name,
          ...omit(vm, 'Name', 'State', 'CPUUsage', 'MemoryAssigned', 'Uptime', 'Status', 'Version', 'uptimeSeconds'),
        };
      });
    return byName(ctx, vms, 'Name', 'Name', (n) => hyperVNotFound(ctx.cmdlet, 'virtual machine', n));
  },

  'Get-VMHost': (ctx) => {
    requireHyperV(ctx);
    const { state, node } = ctx;
    return output([{ Name: node, ComputerName: node, FullyQualifiedDomainName: `${node}.${state.domain}`, ...omit(state.nodeObjects(node).vmHost, 'Name') }]);
  },

  'Get-VMSwitch': (ctx) => {
    requireHyperV(ctx);
    let switches = (ctx.state.nodeObjects(ctx.node).vmSwitches ?? []).map((s): ResultObject => ({ ...omit(s), ComputerName: ctx.node }));
    const type = param(ctx, 'SwitchType');
    if (typeof type === 'string') switches = switches.filter((s) => sameEnumValue(str(s['SwitchType']) ?? '', type));
    return byName(ctx, switches, 'Name', 'Name', (n) => hyperVNotFound(ctx.cmdlet, 'virtual switch', n));
  },

  'Get-Volume': (ctx) => {
    const { state, node } = ctx;
    const volumes = [...(state.nodeObjects(node).volumes ?? []), ...(state.objects.volumes ?? [])].map((v) => omit(v));
    const byLabel = filterByName(volumes, (v) => str(v['FileSystemLabel']), names(ctx, 'FileSystemLabel'));
    const letters = names(ctx, 'DriveLetter');
    let kept = byLabel.items;
    const missingLetters: string[] = [];
    if (letters) {
      kept = kept.filter((v) => letters.some((l) => l.toLowerCase() === (str(v['DriveLetter']) ?? '').toLowerCase()));
      for (const l of letters) if (!kept.some((v) => (str(v['DriveLetter']) ?? '').toLowerCase() === l.toLowerCase())) missingLetters.push(l);
    }
    return output(kept, [
      ...byLabel.missing.map((n) => cimNotFound(ctx.cmdlet, 'MSFT_Volume', 'FileSystemLabel', n)),
      ...missingLetters.map((l) => cimNotFound(ctx.cmdlet, 'MSFT_Volume', 'DriveLetter', l)),
    ]);
  },

  'Get-Service': (ctx) => byName(ctx, services(ctx), 'Name', 'Name', (n) => serviceNotFound(ctx.cmdlet, n)),

  'Start-Service': (ctx) => {
    const { found, errors } = targetServices(ctx);
    for (const name of found) ctx.state.startService(ctx.node, name);
    return output([], errors);
  },

  'Stop-Service': (ctx) => stopServices(ctx, false),

  'Restart-Service': (ctx) => stopServices(ctx, true),

  'Repair-VirtualDisk': (ctx) => {
    const wanted = names(ctx, 'FriendlyName');
    if (!wanted) throw missingMandatory(ctx.cmdlet, 'FriendlyName');
    const { items, missing } = filterByName(ctx.state.objects.virtualDisks ?? [], (vd) => str(vd['FriendlyName']), wanted);
    for (const vd of items) ctx.state.repairVirtualDisk(vd);
    return output([], missing.map((n) => cimNotFound(ctx.cmdlet, 'MSFT_VirtualDisk', 'FriendlyName', n)));
  },
};

export function simulationFor(cmdlet: string): CmdletSimulation | undefined {
  return Object.prototype.hasOwnProperty.call(SIMULATED_CMDLETS, cmdlet) ? SIMULATED_CMDLETS[cmdlet] : undefined;
}

/**
 * Stop-Service and Restart-Service: a service with running dependents is
 * refused, as PowerShell refuses it without -Force (which the allowlist does
 * not offer); stop the dependents in the set first.
 */
function stopServices(ctx: CmdletContext, restart: boolean): CmdletOutput {
  const { found, errors } = targetServices(ctx);
  for (const name of found) {
    if (ctx.state.runningDependents(ctx.node, name).length > 0) {
      errors.push(dependentsError(ctx, name));
      continue;
    }
    ctx.state.stopService(ctx.node, name);
    if (restart) ctx.state.startService(ctx.node, name);
  }
  return output([], errors);
}
