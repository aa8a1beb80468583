import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentOperation, NodeProgress, OperationResult } from '../contract/admin-api';
import { EXIT } from './cli-error';
import { CommandContext, CommandHandler } from './command-context';
import { CliOutput } from './output';
import { renderTable } from '../text/text-table';

/** How often the CLI asks for an agent operation's progress. */
export const POLL_INTERVAL_MS = 200;

type OperationKind = AgentOperation['kind'];

/** `install` (Install-AzStackHCIRemoteSupport): puts the agent on the nodes and follows it. */
export const install: CommandHandler = (ctx) => runAgentOperation('install', ctx);

/** `remove` (Remove-AzStackHCIRemoteSupport): takes the agent off the nodes and follows it. */
export const remove: CommandHandler = (ctx) => runAgentOperation('remove', ctx);

async function runAgentOperation(kind: OperationKind, ctx: CommandContext): Promise<number> {
  // PowerShell passes arrays comma-separated; accept that as well as repeated flags.
  const nodes = ctx.flags.all('--node').flatMap((v) => v.split(',')).map((n) => n.trim()).filter(Boolean);
  const gateway = ctx.gateway();
  let { operation } = await gateway.post<OperationResult>(`agent/${kind}`, nodes.length ? { nodes } : {});
  const printer = new ProgressPrinter(ctx.out, operation);
  printer.update(operation);
  // The 202 answer is taken before the first step starts: ask again at once, then every interval.
  for (let first = true; operation.status === 'running'; first = false) {
    if (!first) await sleep(POLL_INTERVAL_MS);
    ({ operation } = await gateway.get<OperationResult>(`agent/operations/${encodeURIComponent(operation.id)}`));
    printer.update(operation);
  }

  ctx.out.result({ operation });
  ctx.out.text(
    '\n' +
      renderTable(operation.nodes, [
        { header: 'Node', value: (n) => n.node },
        { header: 'Result', value: (n) => n.status },
        { header: 'Steps', value: (n) => n.stepsDone },
        { header: 'Error', value: (n) => n.error },
      ]),
  );

  const failed = operation.nodes.filter((n) => n.status !== 'succeeded');
  if (operation.status === 'succeeded' && failed.length === 0) {
    ctx.out.text(`\n${kind === 'install' ? 'Installed the agent on' : 'Removed the agent from'} ${operation.nodes.map((n) => n.node).join(', ')}.`);
    return EXIT.ok;
  }
  const why = operation.status === 'interrupted' ? ' (the gateway restarted during the operation; run it again)' : '';
  ctx.out.warn(
    [
      `${kind} failed on ${failed.length} of ${operation.nodes.length} node(s)${why}: ${failed.map((n) => n.node).join(', ')}`,
      ...failed.map((n) => `  ${n.node}: ${n.error ?? `stopped while ${n.status}${n.step ? ` at "${n.step}"` : ''}`}`),
    ].join('\n'),
  );
  return EXIT.failed;
}

/** Prints a line each time a node's step or status changes, so a long install shows where it is. */
class ProgressPrinter {
  private readonly seen = new Map<string, string>();
  private readonly width: number;

  constructor(private readonly out: CliOutput, operation: AgentOperation) {
    this.width = Math.max(...operation.nodes.map((n) => n.node.length));
    out.note(`${operation.kind === 'install' ? 'Installing the agent on' : 'Removing the agent from'} ${operation.nodes.map((n) => n.node).join(', ')} (operation ${operation.id})`);
  }

  update(operation: AgentOperation): void {
    for (const n of operation.nodes) {
      const line = describe(n);
      if (line === null || this.seen.get(n.node) === line) continue;
      this.seen.set(n.node, line);
      this.out.note(`${n.node.padEnd(this.width)}  ${line}`);
    }
  }
}

function describe(n: NodeProgress): string | null {
  // A string, so a status a newer gateway adds is printed rather than dropped.
  const status: string = n.status;
  switch (status) {
    case 'pending':
      return null;
    case 'running': {
      if (n.step === null) return null;
      const at = n.stepsDone + 1;
      return `${n.step} (${at}/${n.stepsTotal})`;
    }
    case 'succeeded':
      return `succeeded (${n.stepsDone}/${n.stepsTotal})`;
    case 'failed':
      return `failed: ${n.error ?? 'no reason given'}`;
    default:
      return status;
  }
}
