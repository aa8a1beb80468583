import type { AccessLevel } from '../domain/access-level';
import { Clock, Disposable, startTimeout, SystemClock } from '../domain/clock';
import type { CheckedCommand } from '../policy/command-table';
import { cancelled, commandTimedOut, ExecutorError, toExecutorError } from './executor-error';
import type { NodeExecutor, NodeResult, ResultChunk } from './node-executor';

/**
 * Runs one checked command on several nodes at once, each with its own
 * timeout, and reports every node's outcome: a failing, slow or hung node
 * never holds up or fails the others, and the whole never rejects.
 */

export interface FanOutOptions {
  /** The grant's current access level, handed to the executor (it picks the node's endpoint of that level). */
  level?: AccessLevel;
  /** Per node: a node without an answer after this long fails with CommandTimedOut. */
  timeoutMs: number;
  /** Cancels every node still running (each fails with Cancelled). */
  signal?: AbortSignal;
  /** Every node's chunks as they arrive; `chunk.node` tells them apart. */
  onChunk?: (chunk: ResultChunk) => void;
  /** Each node's outcome as soon as it is known, before the whole finishes. */
  onNodeSettled?: (outcome: NodeOutcome) => void;
  /**
   * How long past its timeout (or a cancel) a node's executor may take to
   * settle before fan-out settles the node itself (default 1000 ms). Executors
   * in this folder settle on time; this guards against one that does not.
   */
  graceMs?: number;
  /** The clock the per-node safety nets run on (the system clock by default); the executor keeps its own for its deadlines. */
  clock?: Clock;
}

export type NodeOutcome =
  | { node: string; ok: true; result: NodeResult; elapsedMs: number }
  | { node: string; ok: false; error: ExecutorError; elapsedMs: number };

export interface FanOutReport {
  cmdlet: string;
  /** One per node, in the order the nodes were given (duplicates dropped). */
  outcomes: NodeOutcome[];
  succeeded: string[];
  failed: string[];
  elapsedMs: number;
}

export async function fanOut(executor: NodeExecutor, nodes: readonly string[], command: CheckedCommand, options: FanOutOptions): Promise<FanOutReport> {
  const started = performance.now();
  const unique = nodes.filter((n, i) => nodes.findIndex((m) => m.toLowerCase() === n.toLowerCase()) === i);
  const outcomes = await Promise.all(unique.map((node) => runOne(executor, node, command, options)));
  return {
    cmdlet: command.cmdlet,
    outcomes,
    succeeded: outcomes.filter((o) => o.ok).map((o) => o.node),
    failed: outcomes.filter((o) => !o.ok).map((o) => o.node),
    elapsedMs: Math.round(performance.now() - started),
  };
}

function runOne(executor: NodeExecutor, node: string, command: CheckedCommand, options: FanOutOptions): Promise<NodeOutcome> {
  const started = performance.now();
  const grace = options.graceMs ?? 1000;
  const clock = options.clock ?? new SystemClock();
  const controller = new AbortController();
  const relay = () => controller.abort();
  return new Promise<NodeOutcome>((resolve) => {
    let done = false;
    let guard: Disposable | undefined;
    const elapsed = () => Math.round(performance.now() - started);
    const finish = (outcome: NodeOutcome) => {
      if (done) return;
      done = true;
      guard?.dispose();
      options.signal?.removeEventListener('abort', relay);
      controller.signal.removeEventListener('abort', onCancel);
      try {
        options.onNodeSettled?.(outcome);
      } catch {
        // A consumer's failure is its own; the other nodes go on.
      }
      resolve(outcome);
    };
    const fail = (error: ExecutorError) => finish({ node, ok: false, error, elapsedMs: elapsed() });
    // The safety net: settle the node even if its executor ignores the timeout or the cancel.
    const onCancel = () => {
      guard?.dispose();
      guard = startTimeout(clock, grace, () => fail(cancelled(node)));
    };
    guard = startTimeout(clock, options.timeoutMs + grace, () => {
      fail(commandTimedOut(node, options.timeoutMs));
      controller.abort();
    });
    controller.signal.addEventListener('abort', onCancel, { once: true });
    if (options.signal?.aborted) controller.abort();
    else options.signal?.addEventListener('abort', relay, { once: true });

    let run: Promise<NodeResult>;
    try {
      run = executor.run(node, command, { timeoutMs: options.timeoutMs, signal: controller.signal, onChunk: options.onChunk, ...(options.level ? { level: options.level } : {}) });
    } catch (error) {
      fail(toExecutorError(error, node));
      return;
    }
    run.then(
      (result) => finish({ node, ok: true, result, elapsedMs: elapsed() }),
      (error: unknown) => fail(toExecutorError(error, node)),
    );
  });
}
