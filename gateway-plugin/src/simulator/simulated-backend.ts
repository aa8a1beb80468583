import type { ClusterBackend, NodeFaultsRequest } from '../cluster/cluster-backend';
import type { Clock } from '../domain/clock';
import type { NodeExecutor } from '../executors/node-executor';
import { SimulatedClusterState } from './cluster-state';
import { loadFixture, SimulatedClusterFixture } from './fixture';
import { SimulatedCluster } from './simulated-cluster';
import { SimulatedNodeExecutor } from './simulated-executor';

export interface SimulatedBackendOptions {
  /** The cluster to simulate; the built-in 4-node cluster when absent. */
  fixture?: SimulatedClusterFixture;
  /** Time for uptimes, job progress and Azure sync. */
  clock: Clock;
  /** Time each install/remove step takes, so progress is visible (0 in tests). */
  stepDelayMs?: number;
  /** Runs commands instead of the simulated executor (a test's scripted executor); disposed with the backend. */
  executor?: NodeExecutor;
}

/**
 * The embedded default: one simulated cluster state, read by both the
 * cluster target (installs, prerequisites) and the executor (commands), so a
 * fault put on a node is seen by both.
 */
export class SimulatedBackend implements ClusterBackend {
  readonly state: SimulatedClusterState;
  readonly target: SimulatedCluster;
  readonly executor: NodeExecutor;

  constructor(options: SimulatedBackendOptions) {
    this.state = new SimulatedClusterState(options.fixture ?? loadFixture(), options.clock);
    this.target = new SimulatedCluster(this.state, { stepDelayMs: options.stepDelayMs ?? 0 });
    this.executor = options.executor ?? new SimulatedNodeExecutor({ state: this.state, clock: options.clock });
  }

  restoreInstalled(nodes: readonly string[]): void {
    this.target.restoreInstalled([...nodes]);
  }

  injectFaults(node: string, faults: NodeFaultsRequest): boolean {
    if (!this.state.resolveNode(node)) return false;
    if (faults.offline !== undefined) this.state.setOffline(node, faults.offline);
    if (faults.delayMs !== undefined) this.state.setDelay(node, faults.delayMs);
    if (faults.hang !== undefined) this.state.setHang(node, faults.hang);
    return true;
  }

  dispose(): void {
    this.executor.dispose?.();
  }
}
