import type { NodeExecutor } from '../executors/node-executor';
import type { ClusterTarget } from './cluster-target';

/** Faults a test can put on a simulated node: offline, slower answers, or none at all. */
export interface NodeFaultsRequest {
  offline?: boolean;
  delayMs?: number;
  hang?: boolean;
}

/**
 * A cluster as the gateway uses it: the target that installs the agent and
 * checks prerequisites, and the executor that runs checked commands on the
 * nodes. The PowerShell backend reaches a real cluster; the simulator is the
 * embedded default. Whoever builds a backend disposes it.
 */
export interface ClusterBackend {
  readonly target: ClusterTarget;
  readonly executor: NodeExecutor;
  /** Tells the backend which nodes the store records as installed (a simulator forgets them between runs). */
  restoreInstalled?(nodes: readonly string[]): void;
  /** Test mode only: puts faults on a node; false when the cluster has no such node. Only a simulated backend offers it. */
  injectFaults?(node: string, faults: NodeFaultsRequest): boolean;
  /** Stops every run in flight and releases the processes behind them. */
  dispose(): void;
}
