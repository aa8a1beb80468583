import { writeFileSync } from 'node:fs';
import { loadFixture, SimulatedClusterFixture } from '../../src/simulator/fixture';
import { FakeClock } from '../../src/test-support/fake-clock';
import { ExecutorFixture, SimulatedClusterState, str } from '../../src/simulator/cluster-state';
import type { ResultObject } from '../../src/executors/node-executor';
import { simulationFor, TerminatingError } from '../../src/simulator/simulated-cmdlets';
import { COMMAND_TABLE, ParameterValue } from '../../src/policy/command-table';

/**
 * The data file of the HCI test modules (powershell/test/hci): a JSON
 * snapshot of what the simulated cluster answers, taken with the simulator's
 * own code (SIMULATED_CMDLETS on a SimulatedClusterState) at a fixed time, so
 * that the stand-in cmdlets in real PowerShell answer exactly what the
 * simulated executor answers for the same node. The stand-ins find the file
 * through the environment variable HCI_TEST_FIXTURE.
 *
 * Layout (format 'hci-test-fixture/1'):
 * - nodes.<node>.commands.<Command>: the objects the command writes on that
 *   node when run with no parameters (every table command that runs without
 *   one; the repairs, Get-VHD and Get-ClusterOwnerNode are not run).
 * - nodes.<node>.netAdapters: Get-NetAdapter -IncludeHidden (the stand-in drops
 *   Hidden ones itself unless -IncludeHidden).
 * - nodes.<node>.vhds: Get-VHD -Path <p> for every virtual hard disk of the cluster.
 * - nodes.<node>.hang: the fixture's `faults.hang`: every command on that node blocks.
 * - ownerNodes.groups / ownerNodes.resources: Get-ClusterOwnerNode -Group * / -Resource *.
 * - virtualDiskRepairs.<FriendlyName>: what Repair-VirtualDisk changes when it
 *   starts a repair: the disk's Get-VirtualDisk object and the new
 *   Get-StorageJob object (null when the disk needs no repair).
 * - hang: an optional { cmdlet, mode } that makes one command block on every node.
 */

/** The time every snapshot is taken at: uptimes, job progress and Azure sync times depend on it. */
export const HCI_FIXTURE_NOW = Date.UTC(2026, 10, 25, 9, 0, 0);

/** A clock stopped at {@link HCI_FIXTURE_NOW}, for a simulator whose answers should equal the snapshot's. */
export function hciFixtureClock(): FakeClock {
  return new FakeClock(HCI_FIXTURE_NOW);
}

export type HangMode = 'stop' | 'ignoreStop';

export interface HciFixtureOptions {
  /** Makes `cmdlet` ('*' for all) block on every node: 'stop' until PowerShell stops it, 'ignoreStop' for ever (Thread.Sleep). */
  hang?: { cmdlet: string; mode?: HangMode };
}

export interface HciNodeSnapshot {
  hang: boolean;
  commands: Record<string, ResultObject[]>;
  netAdapters: ResultObject[];
  vhds: ResultObject[];
}

export interface HciSnapshot {
  format: 'hci-test-fixture/1';
  takenAt: string;
  cluster: string;
  domain: string;
  nodes: Record<string, HciNodeSnapshot>;
  ownerNodes: { groups: ResultObject[]; resources: ResultObject[] };
  virtualDiskRepairs: Record<string, { virtualDisk: ResultObject; job: ResultObject } | null>;
  hang: { cmdlet: string; mode: HangMode } | null;
}

/** Runs one simulated command; undefined when it ends with a terminating error (e.g. a mandatory parameter is missing). */
function simulate(state: SimulatedClusterState, node: string, cmdlet: string, parameters: Record<string, ParameterValue> = {}): ResultObject[] | undefined {
  const run = simulationFor(cmdlet);
  if (!run) throw new Error(`${cmdlet} has no simulation`);
  try {
    return structuredClone(run({ state, node, cmdlet, parameters }).objects);
  } catch (error) {
    if (error instanceof TerminatingError) return undefined;
    throw error;
  }
}

/** Builds the snapshot of a cluster fixture (the built-in 4-node cluster when absent). */
export function hciSnapshot(fixture: SimulatedClusterFixture = loadFixture(), options: HciFixtureOptions = {}): HciSnapshot {
  const state = new SimulatedClusterState(fixture, hciFixtureClock());
  const f = fixture as ExecutorFixture;
  const readOnly = COMMAND_TABLE.filter((c) => c.level !== 'DiagnosticsRepair');
  const vhdPaths = (state.objects.vhds ?? []).map((v) => str(v['Path'])!).filter(Boolean);

  const nodes: Record<string, HciNodeSnapshot> = {};
  for (const node of state.nodes) {
    const commands: Record<string, ResultObject[]> = {};
    for (const c of readOnly) {
      const objects = simulate(state, node, c.name);
      if (objects) commands[c.name] = objects;
    }
    nodes[node] = {
      hang: f.nodes.find((n) => n.name === node)?.faults?.hang === true,
      commands,
      netAdapters: simulate(state, node, 'Get-NetAdapter', { IncludeHidden: true }) ?? [],
      vhds: vhdPaths.length > 0 ? (simulate(state, node, 'Get-VHD', { Path: vhdPaths }) ?? []) : [],
    };
  }

  const first = state.nodes[0]!;
  const ownerNodes = {
    groups: simulate(state, first, 'Get-ClusterOwnerNode', { Group: '*' }) ?? [],
    resources: simulate(state, first, 'Get-ClusterOwnerNode', { Resource: '*' }) ?? [],
  };

  // What a repair changes, each disk on a fresh state so one repair does not show in the next.
  const virtualDiskRepairs: HciSnapshot['virtualDiskRepairs'] = {};
  for (const vd of state.objects.virtualDisks ?? []) {
    const name = str(vd['FriendlyName'])!;
    const fresh = new SimulatedClusterState(fixture, hciFixtureClock());
    const jobsBefore = new Set((simulate(fresh, first, 'Get-StorageJob') ?? []).map((j) => JSON.stringify(j)));
    simulate(fresh, first, 'Repair-VirtualDisk', { FriendlyName: name });
    const job = (simulate(fresh, first, 'Get-StorageJob') ?? []).find((j) => !jobsBefore.has(JSON.stringify(j)));
    const disk = (simulate(fresh, first, 'Get-VirtualDisk', { FriendlyName: name }) ?? [])[0];
    virtualDiskRepairs[name] = job && disk ? { virtualDisk: disk, job } : null;
  }

  return {
    format: 'hci-test-fixture/1',
    takenAt: new Date(HCI_FIXTURE_NOW).toISOString(),
    cluster: state.clusterName,
    domain: state.domain,
    nodes,
    ownerNodes,
    virtualDiskRepairs,
    hang: options.hang ? { cmdlet: options.hang.cmdlet, mode: options.hang.mode ?? 'stop' } : null,
  };
}

/** Writes the snapshot of `fixture` (the built-in cluster when absent) to `path` as JSON; returns it. */
export function writeHciFixture(path: string, fixture?: SimulatedClusterFixture, options: HciFixtureOptions = {}): HciSnapshot {
  const snapshot = hciSnapshot(fixture, options);
  writeFileSync(path, `${JSON.stringify(snapshot, null, 1)}\n`);
  return snapshot;
}

/**
 * The test module that stands in for a node module: the service cmdlets'
 * Microsoft.PowerShell.Management is a core module that always loads from
 * $PSHOME (and has no service cmdlets on Linux), so they come from HciTest.Services.
 */
export function hciTestModuleFor(module: string): string {
  return module === 'Microsoft.PowerShell.Management' ? 'HciTest.Services' : module;
}

/** The modules Build-HciTestModules.ps1 builds, one folder each. */
export const HCI_TEST_MODULES = ['FailoverClusters', 'Hyper-V', 'AzureStackHCI', 'HciTest.Services', 'Storage', 'NetAdapter'] as const;
