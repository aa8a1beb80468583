import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { renderCell } from '../text/text-table';
import type { ChannelClient } from './channel-client';
import { CONSOLE_EXIT } from './console-exit';
import { badNodeName, CONSOLE_COMMAND_HELP, reasonProblem, splitNodeNames } from './console-flags';
import { checkLine } from './console-line';
import { approvalPendingLine, Ended, endedLine, formatTimeLeft, Opened, promptText, renderReply, sessionBanner, wrapWords } from './console-render';

/** What the interactive console reads from and writes to. */
export interface InteractiveIo {
  stdout: (text: string) => void;
  stdin: NodeJS.ReadableStream;
  /** A terminal: line editing and arrow-key history. Piped input is read line by line without them. */
  isTTY: boolean;
}

/** How many lines the arrow keys can recall. */
export const HISTORY_SIZE = 1000;

/**
 * The interactive console: a prompt with the level, case and time left;
 * `:`-commands handled here; every other line sent to the gateway as typed.
 * Resolves with the exit code: 0 when the engineer quits (:quit, Ctrl-D,
 * Ctrl-C, end of input), 3 when the gateway ends the session.
 */
export async function runInteractive(client: ChannelClient, opened: Opened, supportCase: string, io: InteractiveIo): Promise<number> {
  const write = io.stdout;
  const session = new PromptState(opened, supportCase);
  const output = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      write(chunk.toString());
      done();
    },
  });
  const rl = createInterface({
    input: io.stdin,
    output,
    terminal: io.isTTY,
    history: [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: session.prompt(),
  });

  let ended: Ended | null = null;
  let quitting = false;
  // The gateway may end the session while the engineer is at the prompt: say so at once and stop reading.
  const stopFor = (e: Ended) => {
    if (quitting || ended) return;
    ended = e;
    rl.close();
  };
  client.onEnded(stopFor);
  // A repair may wait minutes for the cluster administrator: say so at once, not when the answer comes.
  client.onApprovalPending((pending) => write(approvalPendingLine(pending)));
  void client.closed().then(() => stopFor(client.ended ?? { type: 'ended', reason: 'disconnected', message: 'The connection to the gateway closed.' }));
  rl.on('SIGINT', () => rl.close());

  write(sessionBanner(opened, supportCase));
  write(`Sessions end after ${formatTimeLeft(opened.idleTimeoutSeconds)} without a command. Type :help for the console's commands, :quit to leave.\n`);
  rl.prompt();
  try {
    for await (const line of rl as AsyncIterable<string>) {
      if (ended) break;
      // A terminal echoes what is typed; piped input is echoed here so the output reads like a session.
      if (!io.isTTY) write(`${renderCell(line)}\n`);
      const trimmed = line.trim();
      if (trimmed.startsWith(':')) {
        if (consoleCommand(trimmed, session, write) === 'quit') break;
      } else if (trimmed !== '') {
        const tooLong = checkLine(line);
        if (tooLong) {
          write(`Error ${tooLong.code}: ${tooLong.message}\n`);
        } else {
          const reason = session.takeReason();
          const reply = await client.run(line, session.nodes, reason);
          write(renderReply(reply));
          if (reply.ended) {
            stopFor(reply.ended);
            break;
          }
          if (reply.accessLevel !== null && reply.secondsLeft !== null) session.update(reply.accessLevel, reply.secondsLeft, write);
        }
      }
      if (ended) break;
      rl.setPrompt(session.prompt());
      rl.prompt();
    }
  } finally {
    rl.close();
  }

  if (ended) {
    write(`\n${endedLine(ended)}`);
    return CONSOLE_EXIT.sessionEnded;
  }
  quitting = true;
  write('\n');
  await client.close();
  write('Session closed.\n');
  return CONSOLE_EXIT.ok;
}

/** Level, time left and node selection, as the prompt shows them. */
class PromptState {
  accessLevel: string;
  /** The nodes the next command runs on, or undefined for every node of the session. */
  nodes: string[] | undefined;
  /** The reason sent with the next command (:reason), then cleared. */
  reason: string | undefined;
  private secondsLeft: number;
  private at = performance.now();

  constructor(readonly opened: Opened, readonly supportCase: string) {
    this.accessLevel = opened.accessLevel;
    this.secondsLeft = opened.secondsLeft;
  }

  /** The reason for the next command, once: a reason explains one command. */
  takeReason(): string | undefined {
    const reason = this.reason;
    this.reason = undefined;
    return reason;
  }

  /** Takes the level and time left the gateway gave with an answer. */
  update(accessLevel: string, secondsLeft: number, write: (text: string) => void): void {
    if (accessLevel !== this.accessLevel) {
      write(`The cluster administrator changed the access level: ${this.accessLevel} -> ${accessLevel}.\n`);
      this.accessLevel = accessLevel;
    }
    this.secondsLeft = secondsLeft;
    this.at = performance.now();
  }

  /** Counts down from the gateway's last word with a monotonic clock, so a changed wall clock cannot skew it. */
  left(): number {
    return this.secondsLeft - Math.floor((performance.now() - this.at) / 1000);
  }

  prompt(): string {
    return promptText({ accessLevel: this.accessLevel, supportCase: this.supportCase, secondsLeft: this.left(), cluster: this.opened.cluster, nodes: this.nodes });
  }
}

/** Runs one `:`-command; returns 'quit' to leave. */
function consoleCommand(line: string, session: PromptState, write: (text: string) => void): 'quit' | void {
  const [name = '', ...rest] = line.split(/\s+/);
  const argument = rest.join(' ');
  const sessionNodes = session.opened.nodes;
  switch (name.toLowerCase()) {
    case ':quit':
    case ':exit':
    case ':q':
      return 'quit';
    case ':help':
      write(`Console commands (every other line is sent to the gateway, which checks it):\n${CONSOLE_COMMAND_HELP.map(([u, d]) => `  ${u.padEnd(22)}  ${d}`).join('\n')}\n`);
      return;
    case ':commands': {
      const changed = session.accessLevel !== session.opened.accessLevel;
      write(`Cmdlets allowed at ${session.opened.accessLevel}${changed ? ` (when the session opened; the level is now ${session.accessLevel}, and the gateway checks each command at that level)` : ''}:\n`);
      write(wrapWords(session.opened.commands));
      return;
    }
    case ':reason': {
      if (argument === '') {
        write(session.reason === undefined ? 'No reason is set for the next command; :reason TEXT sets one.\n' : `The next command is sent with the reason: ${renderCell(session.reason)}\n`);
        return;
      }
      const problem = reasonProblem(argument);
      if (problem) {
        write(`:reason ${problem}\n`);
        return;
      }
      session.reason = argument;
      write('The next command is sent with this reason; the cluster administrator sees it with a repair that waits for approval.\n');
      return;
    }
    case ':nodes': {
      if (argument === '') {
        write(`Commands run on ${(session.nodes ?? sessionNodes).join(', ')}${session.nodes ? ` (of ${sessionNodes.join(', ')})` : ' (every node of the session)'}.\n`);
        return;
      }
      if (argument.toLowerCase() === 'all') {
        session.nodes = undefined;
        write(`Commands run on every node of the session: ${sessionNodes.join(', ')}.\n`);
        return;
      }
      const names = splitNodeNames([argument]);
      const bad = badNodeName(names);
      // Node names are case-insensitive on Windows; send them as the session spells them.
      const chosen = names.map((n) => sessionNodes.find((s) => s.toLowerCase() === n.toLowerCase()));
      const unknown = names.filter((_, i) => chosen[i] === undefined);
      if (bad !== undefined || unknown.length || names.length === 0) {
        write(`:nodes takes node names of this session separated by commas, or all; ${unknown.length ? `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not among them; ` : ''}the session's nodes are ${sessionNodes.join(', ')}.\n`);
        return;
      }
      session.nodes = [...new Set(chosen as string[])];
      write(`Commands run on ${session.nodes.join(', ')}.\n`);
      return;
    }
    default:
      write(`${name} is not a console command; the console commands are :nodes, :reason, :commands, :help and :quit.\n`);
  }
}
