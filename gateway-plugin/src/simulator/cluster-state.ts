import type { Clock } from '../domain/clock';
import type { ResultObject, ResultValue } from '../executors/node-executor';
import type { SimulatedClusterFixture } from './fixture';

/**
 * The live state of a simulated Azure Stack HCI cluster: the objects the
 * allowlisted cmdlets read (from the fixture's `objects` key), and what
 * changes them: services started and stopped per node, nodes going down and
 * their roles failing over, repair jobs progressing with the clock, and the
 * faults a test injects. The simulated cluster target (installs and
 * prerequisites) and the simulated executor (commands) read one instance, so
 * a node taken offline is offline to both; two states built from one fixture
 * share nothing.
 *
 * Times (VM uptime, job progress, Azure sync) come from the injected clock,
 * so a fake clock moves a repair job to completion without waiting.
 */

/** Faults a node can have; `slowMs` delays every answer, `hang` never answers, `offline` refuses at once. */
export interface NodeFaults {
  offline: boolean;
  slowMs: number;
  hang: boolean;
}

/** The fixture keys the executors add to the cluster fixture (all optional, so older fixtures still load). */
export interface ExecutorFixture extends Omit<SimulatedClusterFixture, 'nodes'> {
  nodes: (SimulatedClusterFixture['nodes'][number] & { faults?: Partial<NodeFaults> })[];
  objects?: SimulatedObjectsFixture;
}

/** A fixture object: property names are the real cmdlet's; a few lower-case keys are simulation data (see docs/executors.md). */
export type FixtureObject = ResultObject;

export interface SimulatedObjectsFixture {
  cluster?: FixtureObject;
  azureStackHci?: FixtureObject;
  storageSubsystem?: FixtureObject;
  services?: FixtureObject[];
  storageEnclosures?: FixtureObject[];
  virtualDisks?: FixtureObject[];
  storageJobs?: FixtureObject[];
  clusterSharedVolumes?: FixtureObject[];
  volumes?: FixtureObject[];
  virtualMachines?: FixtureObject[];
  vhds?: FixtureObject[];
  clusterGroups?: FixtureObject[];
  clusterResources?: FixtureObject[];
  nodes?: Record<string, NodeObjectsFixture>;
}

export interface NodeObjectsFixture {
  hardware?: FixtureObject;
  vmHost?: FixtureObject;
  physicalDisks?: FixtureObject[];
  netAdapters?: FixtureObject[];
  netAdapterRdma?: FixtureObject[];
  vmSwitches?: FixtureObject[];
  volumes?: FixtureObject[];
}

export type ServiceStatus = 'Running' | 'Stopped';

/** What the simulation knows about one service on one node; `starts` counts starts since the state was built. */
export interface ServiceState {
  name: string;
  status: ServiceStatus;
  /** Epoch ms of the last start (by the clock), or null while stopped. */
  startedAt: number | null;
  starts: number;
}

interface JobState {
  name: string;
  virtualDisk: string;
  isBackgroundTask: boolean;
  bytesTotal: number;
  startedAt: number;
  durationMs: number;
}

/** The service that the cluster's state depends on; stopping it takes the node out of the cluster. */
export const CLUSTER_SERVICE = 'ClusSvc';
/** The service behind the Hyper-V cmdlets. */
export const HYPERV_SERVICE = 'vmms';

/** Bytes per second a simulated repair job moves. */
const REPAIR_BYTES_PER_SECOND = 400 * 1024 ** 2;
/** Share of a degraded virtual disk a new repair job has to rebuild. */
const REPAIR_SHARE = 0.12;

const lower = (s: string) => s.toLowerCase();

export class SimulatedClusterState {
  /** The cluster's FQDN, as the fixture names it. */
  readonly fqdn: string;
  /** The cluster's short name (`hci-cl01`), as Get-Cluster shows it. */
  readonly clusterName: string;
  readonly domain: string;
  readonly registered: boolean;
  readonly objects: Readonly<SimulatedObjectsFixture>;
  /** What the prerequisites check finds in the domain and on the network. */
  readonly kdsRootKey: Readonly<SimulatedClusterFixture['kdsRootKey']>;
  readonly proxyEndpoints: readonly Readonly<SimulatedClusterFixture['proxyEndpoints'][number]>[];
  private readonly moduleVersions = new Map<string, string | null>();

  private readonly nodeList: string[];
  private readonly faults = new Map<string, NodeFaults>();
  private readonly services = new Map<string, Map<string, ServiceState>>();
  private readonly groupOwners = new Map<string, string>();
  private readonly csvOwners = new Map<string, string>();
  private readonly vmStarts = new Map<string, number | null>();
  private readonly jobs: JobState[] = [];
  private readonly createdAt: number;

  constructor(fixture: SimulatedClusterFixture, readonly clock: Clock) {
    const f = structuredClone(fixture) as ExecutorFixture;
    this.fqdn = f.name;
    this.domain = f.domain;
    this.registered = f.registered;
    this.objects = f.objects ?? {};
    this.kdsRootKey = f.kdsRootKey;
    this.proxyEndpoints = f.proxyEndpoints;
    this.clusterName = str(this.objects.cluster?.['Name']) ?? f.name.split('.')[0]!;
    this.nodeList = f.nodes.map((n) => n.name);
    this.createdAt = clock.now();
    const now = this.createdAt;

    for (const n of f.nodes) {
      this.moduleVersions.set(n.name, n.azStackHciModuleVersion);
      this.faults.set(n.name, {
        offline: n.faults?.offline === true || !n.online,
        slowMs: Math.max(0, n.faults?.slowMs ?? 0),
        hang: n.faults?.hang ?? false,
      });
      const services = new Map<string, ServiceState>();
      for (const def of this.serviceDefinitions()) {
        const name = str(def['Name'])!;
        const running = (str(def['Status']) ?? 'Running') === 'Running';
        services.set(lower(name), { name, status: running ? 'Running' : 'Stopped', startedAt: running ? now : null, starts: 0 });
      }
      this.services.set(n.name, services);
    }
    for (const g of this.objects.clusterGroups ?? []) this.groupOwners.set(str(g['Name'])!, str(g['OwnerNode']) ?? this.nodeList[0]!);
    for (const c of this.objects.clusterSharedVolumes ?? []) this.csvOwners.set(str(c['Name'])!, str(c['OwnerNode']) ?? this.nodeList[0]!);
    for (const vm of this.objects.virtualMachines ?? []) {
      const running = str(vm['State']) === 'Running';
      this.vmStarts.set(str(vm['Name'])!, running ? now - num(vm['uptimeSeconds']) * 1000 : null);
    }
    for (const j of this.objects.storageJobs ?? []) {
      const elapsed = num(j['elapsedSeconds']) * 1000;
      this.jobs.push({
        name: str(j['Name'])!,
        virtualDisk: str(j['VirtualDisk'])!,
        isBackgroundTask: j['IsBackgroundTask'] === true,
        bytesTotal: num(j['BytesTotal']),
        startedAt: now - elapsed,
        durationMs: Math.max(1000, num(j['durationSeconds']) * 1000),
      });
    }
    // A node that starts out down has already failed its roles over.
    for (const n of this.nodeList) if (!this.isNodeUp(n)) this.failOver(n, true);
  }

  now(): number {
    return this.clock.now();
  }

  get nodes(): readonly string[] {
    return this.nodeList;
  }

  /** The node's name as the fixture spells it (node names compare without case), or undefined. */
  resolveNode(name: string): string | undefined {
    return this.nodeList.find((n) => lower(n) === lower(name));
  }

  nodeObjects(node: string): NodeObjectsFixture {
    return this.objects.nodes?.[node] ?? {};
  }

  /** The Az.StackHCI module version installed on the node, or null. */
  moduleVersion(node: string): string | null {
    return this.moduleVersions.get(this.must(node)) ?? null;
  }

  // ---- faults ----

  /** Whether the node answers on the network (it may still have its cluster service stopped). */
  isOnline(node: string): boolean {
    return !this.faultsOf(node).offline;
  }

  faultsOf(node: string): Readonly<NodeFaults> {
    return this.faults.get(this.must(node))!;
  }

  /** Takes a node off the network (it refuses connections at once) or brings it back. Its roles fail over; they do not fail back. */
  setOffline(node: string, offline: boolean): void {
    const n = this.must(node);
    const wasUp = this.isNodeUp(n);
    this.faults.get(n)!.offline = offline;
    if (wasUp && !this.isNodeUp(n)) this.failOver(n, true);
  }

  /** Delays every answer from the node by `ms` (0 for none). */
  setDelay(node: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`delay must be 0 or more milliseconds (got ${ms})`);
    this.faults.get(this.must(node))!.slowMs = ms;
  }

  /** Makes the node accept commands and never answer, until the run times out or is cancelled. */
  setHang(node: string, hang: boolean): void {
    this.faults.get(this.must(node))!.hang = hang;
  }

  // ---- nodes and failover ----

  /** Up when the node is reachable and its cluster service runs; what the other nodes see. */
  isNodeUp(node: string): boolean {
    return !this.faults.get(node)!.offline && this.serviceStatus(node, CLUSTER_SERVICE) !== 'Stopped';
  }

  clusterNodeState(node: string): 'Up' | 'Down' {
    return this.isNodeUp(node) ? 'Up' : 'Down';
  }

  groupOwner(group: string): string | undefined {
    return this.groupOwners.get(group);
  }

  csvOwner(csv: string): string | undefined {
    return this.csvOwners.get(csv);
  }

  /** The node a virtual machine runs on: the owner of its cluster group. */
  vmHost(vm: string): string | undefined {
    return this.groupOwners.get(vm);
  }

  /** Epoch ms the VM started, or null when it is off. */
  vmStartedAt(vm: string): number | null {
    return this.vmStarts.get(vm) ?? null;
  }

  /**
   * Moves the roles of a node that went down to nodes that are up: each group
   * to its first preferred owner that is up, else the first node that is up;
   * each CSV to the first node that is up. A crash (`restart`) restarts the
   * group's running VMs; a service stop drains them by live migration.
   */
  private failOver(node: string, restart: boolean): void {
    const up = this.nodeList.filter((n) => n !== node && this.isNodeUp(n));
    if (up.length === 0) return;
    for (const g of this.objects.clusterGroups ?? []) {
      const name = str(g['Name'])!;
      if (this.groupOwners.get(name) !== node) continue;
      const preferred = strings(g['PreferredOwners']).find((p) => up.includes(p));
      this.groupOwners.set(name, preferred ?? up[0]!);
      if (restart && this.vmStarts.get(name) != null) this.vmStarts.set(name, this.clock.now());
    }
    for (const [csv, owner] of this.csvOwners) if (owner === node) this.csvOwners.set(csv, up[0]!);
  }

  // ---- services ----

  serviceDefinitions(): FixtureObject[] {
    return this.objects.services ?? [];
  }

  serviceDefinition(name: string): FixtureObject | undefined {
    return this.serviceDefinitions().find((d) => lower(str(d['Name'])!) === lower(name));
  }

  /** A copy of one service's state on a node, or undefined when the node has no such service. */
  service(node: string, name: string): ServiceState | undefined {
    const s = this.services.get(this.must(node))!.get(lower(name));
    return s ? { ...s } : undefined;
  }

  serviceStatus(node: string, name: string): ServiceStatus | undefined {
    return this.services.get(node)?.get(lower(name))?.status;
  }

  /** Names of the services that depend on `name` (the fixture's ServicesDependedOn, read backwards). */
  dependentServices(name: string): string[] {
    return this.serviceDefinitions()
      .filter((d) => strings(d['ServicesDependedOn']).some((x) => lower(x) === lower(name)))
      .map((d) => str(d['Name'])!);
  }

  requiredServices(name: string): string[] {
    return strings(this.serviceDefinition(name)?.['ServicesDependedOn']);
  }

  /** Starts a service and, first, the services it depends on (as the service control manager does). */
  startService(node: string, name: string): void {
    for (const required of this.requiredServices(name)) this.startService(node, required);
    const s = this.services.get(node)!.get(lower(name));
    if (!s || s.status === 'Running') return;
    s.status = 'Running';
    s.startedAt = this.clock.now();
    s.starts++;
  }

  /** Stops a service; the caller has already checked that no dependent runs or has stopped them (-Force). */
  stopService(node: string, name: string): void {
    const s = this.services.get(node)!.get(lower(name));
    if (!s || s.status === 'Stopped') return;
    const wasUp = this.isNodeUp(node);
    s.status = 'Stopped';
    s.startedAt = null;
    if (wasUp && !this.isNodeUp(node)) this.failOver(node, false);
  }

  /** The running services that depend on `name` on a node, dependents of dependents included, deepest first. */
  runningDependents(node: string, name: string): string[] {
    const out: string[] = [];
    const visit = (n: string) => {
      for (const d of this.dependentServices(n)) {
        visit(d);
        if (this.serviceStatus(node, d) === 'Running' && !out.includes(d)) out.push(d);
      }
    };
    visit(name);
    return out;
  }

  // ---- storage ----

  /** The virtual disk's status now: a finished repair makes it healthy, a running one keeps it in service. */
  virtualDiskStatus(vd: FixtureObject): { OperationalStatus: string; HealthStatus: string } {
    const name = str(vd['FriendlyName'])!;
    const job = this.latestJob(name);
    if (job) {
      if (this.jobProgress(job).done) return { OperationalStatus: 'OK', HealthStatus: 'Healthy' };
      return { OperationalStatus: 'In Service', HealthStatus: 'Warning' };
    }
    return { OperationalStatus: str(vd['OperationalStatus']) ?? 'OK', HealthStatus: str(vd['HealthStatus']) ?? 'Healthy' };
  }

  /**
   * Starts repairing a virtual disk: a new storage job, unless the disk is
   * healthy or a repair already runs. Returns the job's name, or null when
   * nothing needed starting.
   */
  repairVirtualDisk(vd: FixtureObject): string | null {
    const name = str(vd['FriendlyName'])!;
    const running = this.latestJob(name);
    if (running && !this.jobProgress(running).done) return running.name;
    if (this.virtualDiskStatus(vd).HealthStatus === 'Healthy') return null;
    const bytesTotal = Math.round((num(vd['Size']) * REPAIR_SHARE) / 4096) * 4096;
    const job: JobState = {
      name: `${name}-Repair`,
      virtualDisk: name,
      isBackgroundTask: false,
      bytesTotal,
      startedAt: this.clock.now(),
      durationMs: Math.max(1000, Math.round((bytesTotal / REPAIR_BYTES_PER_SECOND) * 1000)),
    };
    const previous = this.jobs.findIndex((j) => j.name === job.name);
    if (previous >= 0) this.jobs.splice(previous, 1);
    this.jobs.push(job);
    return job.name;
  }

  /** The storage jobs as Get-StorageJob shows them now. */
  storageJobs(): ResultObject[] {
    return this.jobs.map((j) => {
      const p = this.jobProgress(j);
      return {
        Name: j.name,
        IsBackgroundTask: j.isBackgroundTask,
        ElapsedTime: formatTimeSpan(p.elapsedMs),
        JobState: p.done ? 'Completed' : 'Running',
        PercentComplete: p.percent,
        BytesProcessed: p.bytesProcessed,
        BytesTotal: j.bytesTotal,
        Description: `Repair of ${j.virtualDisk}`,
        OperationType: 'Repair',
        StartTime: new Date(j.startedAt).toISOString(),
        IsDeleteable: p.done,
        RecoveryJob: j.isBackgroundTask,
      };
    });
  }

  private latestJob(virtualDisk: string): JobState | undefined {
    return this.jobs.filter((j) => j.virtualDisk === virtualDisk).at(-1);
  }

  private jobProgress(j: JobState): { done: boolean; percent: number; elapsedMs: number; bytesProcessed: number } {
    const elapsedMs = Math.max(0, Math.min(this.clock.now() - j.startedAt, j.durationMs));
    const fraction = elapsedMs / j.durationMs;
    const done = fraction >= 1;
    return { done, percent: Math.floor(fraction * 100), elapsedMs, bytesProcessed: done ? j.bytesTotal : Math.floor(j.bytesTotal * fraction) };
  }

  /** Healthy unless a virtual disk or a physical disk of any node is not. */
  storageHealth(): { HealthStatus: string; OperationalStatus: string } {
    const vds = (this.objects.virtualDisks ?? []).map((vd) => this.virtualDiskStatus(vd));
    const disks = this.nodeList.flatMap((n) => this.nodeObjects(n).physicalDisks ?? []).map((d) => str(d['HealthStatus']) ?? 'Healthy');
    const health = [...vds.map((v) => v.HealthStatus), ...disks];
    const worst = health.includes('Unhealthy') ? 'Unhealthy' : health.includes('Warning') ? 'Warning' : 'Healthy';
    return { HealthStatus: worst, OperationalStatus: vds.every((v) => v.OperationalStatus === 'OK') ? 'OK' : 'Degraded' };
  }

  // ---- Azure ----

  /** The last and next sync with Azure: every `syncIntervalHours` since `lastConnectedMinutesAgo` before the state was built. */
  azureSync(): { LastConnected: string; NextSync: string } {
    const a = this.objects.azureStackHci ?? {};
    const interval = Math.max(1, num(a['syncIntervalHours']) || 12) * 3600_000;
    const first = this.createdAt - num(a['lastConnectedMinutesAgo']) * 60_000;
    const last = first + Math.floor(Math.max(0, this.clock.now() - first) / interval) * interval;
    return { LastConnected: new Date(last).toISOString(), NextSync: new Date(last + interval).toISOString() };
  }

  private must(node: string): string {
    const n = this.resolveNode(node);
    if (!n) throw new RangeError(`${node} is not a node of ${this.fqdn}; the nodes are ${this.nodeList.join(', ')}`);
    return n;
  }
}

/** A .NET TimeSpan in its constant ("c") format: `[d.]hh:mm:ss[.fffffff]`. */
export function formatTimeSpan(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  const days = Math.floor(total / 86_400_000);
  const h = Math.floor(total / 3_600_000) % 24;
  const m = Math.floor(total / 60_000) % 60;
  const s = Math.floor(total / 1000) % 60;
  const frac = total % 1000;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days > 0 ? `${days}.` : ''}${pad(h)}:${pad(m)}:${pad(s)}${frac > 0 ? `.${String(frac).padStart(3, '0')}0000` : ''}`;
}

export function str(v: ResultValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: ResultValue | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function strings(v: ResultValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
