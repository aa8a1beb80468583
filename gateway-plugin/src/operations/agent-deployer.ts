import { ActorLike, actorOf } from '../domain/actor';
import { randomUUID } from 'node:crypto';
import { ClusterTarget } from '../cluster/cluster-target';
import type { NodeGatewayConfig } from '../cluster/node-module';
import { Clock } from '../domain/clock';
import { createError, fieldError } from '../domain/errors';
import { EventHub } from '../events/event-hub';
import type { AgentOperation, AgentState, AgentStore, NodeAgent, NodeProgress, OperationKind, OperationStatus } from '../ports/store-ports';
import { JeaFile, jeaFiles, JeaOptions } from '../policy/jea-files';

/**
 * JEA groups when none are configured: CONTOSO\RemoteSupport-Diagnostics and
 * CONTOSO\RemoteSupport-DiagnosticsRepair for a cluster in contoso.local.
 */
export function defaultJeaOptions(clusterName: string): JeaOptions {
  const parts = clusterName.split('.');
  const netbios = (parts.length > 1 ? parts[1]! : 'DOMAIN').toUpperCase().slice(0, 15);
  return { groups: { Diagnostics: `${netbios}\\RemoteSupport-Diagnostics`, DiagnosticsRepair: `${netbios}\\RemoteSupport-DiagnosticsRepair` } };
}

export type { AgentOperation, AgentState, NodeAgent, NodeProgress, OperationKind, OperationStatus } from '../ports/store-ports';

/**
 * Installs and removes the remote support agent on a cluster's nodes, all
 * nodes in parallel, one operation per cluster at a time. Each step is
 * recorded and published (agent.progress), so the extension and the CLI
 * show per-node progress; an operation cut by a restart is marked interrupted.
 */
export class AgentDeployer {
  private readonly running = new Map<string, Promise<AgentOperation>>();
  private gatewayConfig: (() => NodeGatewayConfig) | null = null;

  constructor(
    private readonly store: AgentStore,
    private readonly cluster: ClusterTarget,
    private readonly clock: Clock,
    private readonly events: EventHub,
    /** The files an install puts on each node: the JEA files generated from the command table, and the PowerShell module's. */
    private readonly files: readonly JeaFile[] = jeaFiles(defaultJeaOptions(cluster.name)),
  ) {}

  /**
   * Where the nodes' module reaches this gateway, read at each install (the
   * URL and the credential are known once the gateway listens; the credential
   * file may be replaced). Without it an install writes no gateway.json.
   */
  attachGatewayConfig(read: () => NodeGatewayConfig): void {
    this.gatewayConfig = read;
  }

  /** Marks operations a previous run left running as interrupted, and their nodes as failed. */
  recoverAfterRestart(): number {
    return this.store.recoverAfterRestart(this.clock.now());
  }

  /** The agent state of every node of the cluster. */
  nodes(): NodeAgent[] {
    const states = this.store.nodeStates(this.cluster.name);
    return this.cluster.nodes().map((n) => {
      const recorded = states.get(n.name);
      return recorded ? { node: n.name, ...recorded } : { node: n.name, state: 'NotInstalled', version: null, detail: null, updatedAt: null };
    });
  }

  /** Nodes where the agent is installed, for restoring a simulated cluster's state. */
  installedNodes(): string[] {
    return this.nodes().filter((n) => n.state === 'Installed').map((n) => n.node);
  }

  /**
   * Starts an install or remove on `nodes` (all nodes when empty) and returns
   * at once with the operation; `done` settles when every node has finished.
   */
  start(kind: OperationKind, nodes: string[], startedBy: ActorLike): { operation: AgentOperation; done: Promise<AgentOperation> } {
    const all = this.cluster.nodes().map((n) => n.name);
    for (const n of nodes) {
      if (!all.includes(n)) throw fieldError('InvalidNodeName', 'nodes', `node names of ${this.cluster.name}: ${all.join(', ')}`, n);
    }
    const targets = nodes.length ? [...new Set(nodes)] : all;
    if (this.running.has(this.cluster.name)) {
      throw createError('AgentOperationInProgress', `An agent operation is already running on ${this.cluster.name}; wait for it to finish`);
    }
    const id = randomUUID();
    const stepsTotal = this.cluster.agentSteps(kind).length;
    const progress: NodeProgress[] = targets.map((node) => ({ node, status: 'pending', step: null, stepsDone: 0, stepsTotal, error: null }));
    const now = this.clock.now();
    const busyState: AgentState = kind === 'install' ? 'Installing' : 'Removing';
    const by = actorOf(startedBy);
    this.store.beginOperation({ id, cluster: this.cluster.name, kind, startedAt: now, startedBy: by.name, startedById: by.id, nodes: progress }, busyState);
    const operation = this.operation(id)!;
    this.events.publish('agent.progress', this.cluster.name, operation);
    const done = this.run(id, kind, progress);
    this.running.set(this.cluster.name, done);
    void done.finally(() => this.running.delete(this.cluster.name));
    return { operation, done };
  }

  operation(id: string): AgentOperation | null {
    return this.store.operation(id);
  }

  /** The cluster's most recent operation, or null. */
  latest(): AgentOperation | null {
    return this.store.latest(this.cluster.name);
  }

  /** The files an install puts on each node. */
  get packageFiles(): readonly JeaFile[] {
    return this.files;
  }

  /** Waits for any running operation (used at shutdown and in tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async run(id: string, kind: OperationKind, progress: NodeProgress[]): Promise<AgentOperation> {
    const save = () => {
      this.store.saveProgress(id, progress);
      this.events.publish('agent.progress', this.cluster.name, this.operation(id));
    };
    let gateway: NodeGatewayConfig | undefined;
    let unreadable: string | null = null;
    if (kind === 'install' && this.gatewayConfig) {
      try {
        gateway = this.gatewayConfig();
      } catch (e) {
        unreadable = `the gateway configuration for the nodes could not be read: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    await Promise.all(
      progress.map(async (p) => {
        p.status = 'running';
        const step = (title: string) => {
          if (p.step !== null) p.stepsDone++;
          p.step = title;
          save();
        };
        try {
          if (kind === 'install') {
            if (unreadable) throw new Error(unreadable);
            const result = await this.cluster.installAgent(p.node, this.files, step, undefined, gateway);
            this.setNode(p.node, 'Installed', result.version, null);
          } else {
            await this.cluster.removeAgent(p.node, step);
            this.setNode(p.node, 'NotInstalled', null, null);
          }
          p.stepsDone++;
          p.status = 'succeeded';
          p.step = null;
        } catch (e) {
          p.status = 'failed';
          p.error = e instanceof Error ? e.message : String(e);
          this.setNode(p.node, 'Failed', null, p.error);
        }
        save();
      }),
    );
    const status: OperationStatus = progress.every((p) => p.status === 'succeeded') ? 'succeeded' : 'failed';
    this.store.finishOperation(id, status, this.clock.now(), progress);
    const finished = this.operation(id)!;
    this.events.publish('agent.finished', this.cluster.name, finished);
    return finished;
  }

  private setNode(node: string, state: AgentState, version: string | null, detail: string | null): void {
    this.store.setNode(this.cluster.name, node, state, version, detail, this.clock.now());
  }
}
