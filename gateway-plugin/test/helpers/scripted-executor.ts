import { Clock, startTimeout, SystemClock } from '../../src/domain/clock';
import { cancelled, commandTimedOut, nodeUnreachable } from '../../src/executors/executor-error';
import { NodeExecutor, NodeResult, RunOptions } from '../../src/executors/node-executor';
import { CheckedCommand } from '../../src/policy/command-table';

/**
 * A NodeExecutor for channel tests whose behaviour each test sets: answers
 * at once with an echo of the command, or hangs until cancelled or timed out,
 * or reports a node down. It records every command it was given. A hung
 * run times out on `clock`, like the real executors.
 */
export class ScriptedExecutor implements NodeExecutor {
  readonly received: { node: string; command: CheckedCommand }[] = [];
  readonly hanging = new Set<string>();
  readonly down = new Set<string>();
  /** Resolves when a run starts hanging (tests wait on it before revoking). */
  private hangStarted: (() => void)[] = [];

  constructor(private readonly clock: Clock = new SystemClock()) {}

  async run(node: string, command: CheckedCommand, options: RunOptions): Promise<NodeResult> {
    this.received.push({ node, command });
    if (this.down.has(node)) throw nodeUnreachable(node, 'WinRM cannot complete the operation');
    if (this.hanging.has(node)) {
      for (const w of this.hangStarted.splice(0)) w();
      await new Promise<void>((_resolve, reject) => {
        const timer = startTimeout(this.clock, options.timeoutMs, () => reject(commandTimedOut(node, options.timeoutMs)));
        options.signal?.addEventListener('abort', () => {
          timer.dispose();
          reject(cancelled(node));
        }, { once: true });
      });
    }
    const objects = [{ Node: node, Cmdlet: command.cmdlet, Parameters: JSON.stringify(command.parameters) }];
    return { node, cmdlet: command.cmdlet, objects, errors: [], text: `${command.cmdlet} on ${node} ${JSON.stringify(command.parameters)}\n`, elapsedMs: 0 };
  }

  /** Resolves when the next hanging run has started. */
  nextHang(): Promise<void> {
    return new Promise((resolve) => this.hangStarted.push(resolve));
  }
}
