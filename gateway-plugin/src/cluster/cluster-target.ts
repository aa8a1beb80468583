import type { JeaFile } from '../policy/jea-files';
import type { NodeGatewayConfig } from './node-module';

/**
 * What the gateway needs from a cluster for the core: who its nodes are,
 * whether it is registered with Azure, its prerequisites, and putting the
 * remote support agent (the JEA endpoint) on a node or taking it off.
 * The simulated cluster implements it for the embedded default; a real
 * deployment implements it with PowerShell remoting.
 */
export interface ClusterTarget {
  readonly name: string;
  readonly registered: boolean;
  nodes(): ClusterNodeInfo[];
  prerequisites(): Promise<PrerequisiteCheck[]>;
  /** The titles of the steps an install or a removal reports, in order, so progress can show "2 of 4". */
  agentSteps(kind: 'install' | 'remove'): readonly string[];
  /**
   * Installs the agent on one node: copies the JEA files (generated from the
   * command table) and the AzStackHCI.RemoteSupport module's files, writes
   * the module's gateway.json and machine credential when `gateway` is given,
   * and registers the session configuration, reporting each step; rejects
   * with a reason the admin can act on.
   */
  installAgent(node: string, files: readonly JeaFile[], step: (title: string) => void, signal?: AbortSignal, gateway?: NodeGatewayConfig): Promise<AgentInstallResult>;
  removeAgent(node: string, step: (title: string) => void, signal?: AbortSignal): Promise<void>;
}

export interface ClusterNodeInfo {
  name: string;
  online: boolean;
}

export interface AgentInstallResult {
  version: string;
}

export type PrerequisiteStatus = 'passed' | 'failed' | 'warning';

export interface PrerequisiteCheck {
  /** Stable id: kdsRootKey, module:<node>, proxy:<endpoint>, jea:<node>, relay (the gateway's own path to Azure Relay). */
  id: string;
  title: string;
  node: string | null;
  status: PrerequisiteStatus;
  detail: string;
  /** What to do when the check does not pass. */
  remedy: string | null;
}

/** The oldest Az.StackHCI module remote support works with. */
export const MIN_AZ_STACK_HCI_VERSION = '2.1.0';

/** Whether a dotted version is at least `min` (missing parts count as 0). */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const b = min.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}
