import { Clock, Disposable, startTimeout, SystemClock } from '../domain/clock';
import type { CheckedCommand } from '../policy/command-table';
import { SimulatedClusterState } from './cluster-state';
import { loadFixture, SimulatedClusterFixture } from './fixture';
import {
  cancelled, commandFailed, commandTimedOut, ExecutorError, executorUnavailable, nodeUnreachable, toExecutorError, unknownNode,
} from '../executors/executor-error';
import { assertCommandShape, completeResult, NodeExecutor, NodeResult, ResultChunk, RunOptions } from '../executors/node-executor';
import { CmdletOutput, simulationFor, TerminatingError } from './simulated-cmdlets';

export interface SimulatedExecutorOptions {
  /** The cluster state to run against, shared with the simulated cluster target; built from `fixture` and `clock` when absent. */
  state?: SimulatedClusterState;
  /** The cluster to simulate; the built-in 4-node cluster when absent. Its `nodes[].faults` seed the faults. */
  fixture?: SimulatedClusterFixture;
  /** Time for uptimes, job progress, Azure sync, latency, slow nodes and deadlines; the system clock when absent. */
  clock?: Clock;
  /** Objects per streamed chunk (default 4), so consoles see output arrive in parts. */
  chunkSize?: number;
  /** A round trip every answer takes, like WinRM's (default 0). Faults add to it. */
  latencyMs?: number;
}

/**
 * The embedded default executor: a simulated Azure Stack HCI cluster that
 * answers every allowlisted cmdlet with realistic objects, changes its state
 * on repair commands, and fails the way real nodes do when told to (offline,
 * slow, hung). It has its own cluster state unless given one to share.
 */
export class SimulatedNodeExecutor implements NodeExecutor {
  /** The cluster's live state; a test-mode API reads it and injects faults through the methods below. */
  readonly cluster: SimulatedClusterState;
  private readonly chunkSize: number;
  private readonly latencyMs: number;
  private readonly clock: Clock;
  private readonly inFlight = new Set<() => void>();
  private disposed = false;

  constructor(options: SimulatedExecutorOptions = {}) {
    this.clock = options.clock ?? new SystemClock();
    this.cluster = options.state ?? new SimulatedClusterState(options.fixture ?? loadFixture(), this.clock);
    this.chunkSize = Math.max(1, Math.floor(options.chunkSize ?? 4));
    this.latencyMs = Math.max(0, options.latencyMs ?? 0);
  }

  /** The cluster's node names. */
  nodes(): string[] {
    return [...this.cluster.nodes];
  }

  /** Offline: the node refuses at once (`NodeUnreachable`) and the other nodes see it Down. */
  setOffline(node: string, offline: boolean): void {
    this.cluster.setOffline(node, offline);
  }

  /** Slow: every answer from the node comes `ms` later. */
  setDelay(node: string, ms: number): void {
    this.cluster.setDelay(node, ms);
  }

  /** Hung: the node never answers; runs end only by their timeout or cancellation. */
  setHang(node: string, hang: boolean): void {
    this.cluster.setHang(node, hang);
  }

  run(node: string, command: CheckedCommand, options: RunOptions): Promise<NodeResult> {
    const startedAt = performance.now();
    if (!(options.timeoutMs > 0) || !Number.isFinite(options.timeoutMs)) throw new RangeError(`timeoutMs must be a positive number of milliseconds (got ${options.timeoutMs})`);
    return new Promise<NodeResult>((resolve, reject) => {
      if (this.disposed) return reject(executorUnavailable(node, 'the simulated executor was disposed'));
      const name = this.cluster.resolveNode(node);
      if (!name) return reject(unknownNode(node, this.cluster.nodes));
      try {
        assertCommandShape(name, command);
      } catch (error) {
        return reject(error);
      }
      if (options.signal?.aborted) return reject(cancelled(name));

      const timers = new Set<Disposable>();
      const immediates = new Set<NodeJS.Immediate>();
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        for (const t of timers) t.dispose();
        for (const i of immediates) clearImmediate(i);
        options.signal?.removeEventListener('abort', onAbort);
        this.inFlight.delete(cancelRun);
        fn();
      };
      const fail = (error: ExecutorError) => settle(() => reject(error));
      const cancelRun = () => fail(cancelled(name));
      const onAbort = cancelRun;
      const later = (ms: number, fn: () => void) => {
        if (ms <= 0) {
          const i = setImmediate(() => {
            immediates.delete(i);
            fn();
          });
          immediates.add(i);
        } else {
          const t = startTimeout(this.clock, ms, () => {
            timers.delete(t);
            fn();
          });
          timers.add(t);
        }
      };

      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.inFlight.add(cancelRun);
      const deadline = startTimeout(this.clock, options.timeoutMs, () => fail(commandTimedOut(name, options.timeoutMs)));
      timers.add(deadline);

      const faults = this.cluster.faultsOf(name);
      if (faults.offline) {
        later(0, () => fail(nodeUnreachable(name, `connecting to remote server ${name} failed: WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled.`)));
        return;
      }
      // A hung node accepted the command and never answers: only the deadline or a cancel ends the run.
      if (faults.hang) return;

      later(this.latencyMs + faults.slowMs, () => {
        const simulate = simulationFor(command.cmdlet);
        let out: CmdletOutput;
        try {
          if (!simulate) throw new TerminatingError({
            message: `The term '${command.cmdlet}' is not recognized as the name of a cmdlet, function, script file, or operable program.`,
            category: 'ObjectNotFound', activity: command.cmdlet, reason: 'CommandNotFoundException',
            targetName: command.cmdlet, targetType: 'String', fullyQualifiedErrorId: 'CommandNotFoundException',
          });
          out = simulate({ state: this.cluster, node: name, cmdlet: command.cmdlet, parameters: command.parameters });
        } catch (error) {
          fail(error instanceof TerminatingError ? commandFailed(name, error.record) : toExecutorError(error, name));
          return;
        }
        const objects = structuredClone(out.objects);
        const errors = out.errors;
        const chunks: ResultChunk[] = [];
        for (let i = 0; i < objects.length; i += this.chunkSize) {
          chunks.push({ node: name, cmdlet: command.cmdlet, sequence: chunks.length, objects: objects.slice(i, i + this.chunkSize), errors: [] });
        }
        if (errors.length > 0) {
          if (chunks.length === 0) chunks.push({ node: name, cmdlet: command.cmdlet, sequence: 0, objects: [], errors: [] });
          chunks.at(-1)!.errors = [...errors];
        }
        // Each chunk on its own turn of the event loop, as output arriving over the wire would.
        const emit = (index: number) => {
          if (settled) return;
          if (index >= chunks.length) {
            settle(() => resolve(completeResult(name, command.cmdlet, objects, errors, startedAt)));
            return;
          }
          try {
            options.onChunk?.(structuredClone(chunks[index]!));
          } catch {
            // A consumer's failure is its own; the run goes on.
          }
          later(0, () => emit(index + 1));
        };
        emit(0);
      });
    });
  }

  /** Cancels every run in flight and refuses new ones. */
  dispose(): void {
    this.disposed = true;
    for (const cancelRun of [...this.inFlight]) cancelRun();
  }
}
