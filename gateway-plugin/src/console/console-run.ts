import { CliError, toCliError, usageError } from '../cli/cli-error';
import { CliIo, CliOutput } from '../cli/output';
import { ChannelClient, ChannelError } from './channel-client';
import { runBatch } from './console-batch';
import { CONSOLE_EXIT } from './console-exit';
import { consoleHelpText, parseConsoleArgs } from './console-flags';
import { runInteractive } from './console-interactive';
import { runRequest } from './console-request';
import type { Opened } from './console-render';
import { planSignIn, signIn } from './console-sign-in';
import { ChannelTarget, resolveChannelTarget } from './console-target';

/** Where the console reads and writes; `stdin` is needed only by the interactive mode. */
export interface ConsoleIo extends CliIo {
  stdin?: NodeJS.ReadableStream;
  /** Standard input and output are a terminal: line editing and arrow-key history. */
  isTTY?: boolean;
}

/**
 * The `support-console` CLI, runnable in-process: reads `argv` (without
 * `node` and the script name), signs in, opens a session for the support
 * case and runs the --command lines, or reads lines from `io.stdin`. Resolves
 * to the exit code (see CONSOLE_EXIT); never calls process.exit, and closes
 * its connection before it returns.
 */
export async function runConsole(argv: string[], io: ConsoleIo): Promise<number> {
  // --json decides the shape of errors too, even those found while reading argv.
  const out = new CliOutput(io, argv.includes('--json'));
  let client: ChannelClient | null = null;
  try {
    const args = parseConsoleArgs(argv);
    if (args.help) {
      io.stdout(consoleHelpText());
      return CONSOLE_EXIT.ok;
    }
    if (args.commands.length === 0 && !args.request && !io.stdin) {
      throw usageError('The interactive console needs a standard input to read commands from; pass --command LINE to run commands without one', '--command LINE', '--command');
    }
    // Access requests go to the gateway itself (the relay listens only while access is granted).
    const target = resolveChannelTarget(args.request ? { ...args, direct: true } : args, io.env);
    // Decided before any network call, so a flag mistake never waits for a sign-in.
    const plan = planSignIn(args, io.env, target.dataDir);
    const token = await signIn(plan, (message) => io.stderr(`${message}\n`));
    if (args.request) {
      return await runRequest(args.request, { channelUrl: target.url, ca: target.ca, token, supportCase: args.supportCase, nodes: args.nodes, wait: args.wait }, out);
    }

    try {
      client = await ChannelClient.connect(target.url, token, { ...(target.ca !== undefined ? { ca: target.ca } : {}), headers: target.headers, relayed: target.via.kind === 'relay' });
    } catch (e) {
      throw refusal(e, target);
    }
    let opened: Opened;
    try {
      opened = await client.open(args.supportCase, args.nodes);
    } catch (e) {
      throw refusal(e, target);
    }

    if (args.commands.length) return await runBatch(client, opened, args.supportCase, args.commands, out, args.reason);
    return await runInteractive(client, opened, args.supportCase, { stdout: io.stdout, stdin: io.stdin!, isTTY: io.isTTY ?? false });
  } catch (e) {
    return out.fail(toCliError(e));
  } finally {
    // Normal ends have closed the session already; after a failure, drop the connection.
    (client as ChannelClient | null)?.terminate();
  }
}

/** The gateway's refusal (or an unreachable gateway) as a CliError with the gateway's code. */
function refusal(e: unknown, target: ChannelTarget): CliError {
  if (!(e instanceof ChannelError)) return toCliError(e);
  let message = e.message;
  let hint: string | undefined;
  if (e.code === 'InvalidNodeSelection') message = `--node: ${message}`;
  const relayed = target.via.kind === 'relay';
  if (e.code === 'GatewayUnreachable' && /certificate|CERT/i.test(message)) {
    hint = `the ${relayed ? 'relay' : "gateway"}'s TLS certificate is not vouched for by ${target.caSource ?? "the system's CAs"}; pass --ca-file with the CA certificate of ${target.url.split('?')[0]}`;
  } else if (e.code === 'RelayRefused' && e.status === 404) {
    hint = 'no gateway listens on this Hybrid Connection: the gateway listens only while access is granted, so ask the cluster administrator to grant it (or check --relay)';
  } else if (e.code === 'RelayRefused' && (e.status === 401 || e.status === 403)) {
    hint = 'the relay refused the Send token: it must be unexpired, carry the Send right and be for this Hybrid Connection (--relay-sas, or --relay-key-name and --relay-key-file)';
  } else if (e.code === 'Unauthenticated') {
    hint = 'the gateway refused the access token: check that it is for the gateway (audience), unexpired and carries the engineer role';
  }
  return new CliError({ code: e.code, message }, hint);
}
