import { MAX_COMMAND_LINE } from '../domain/identifiers';

/**
 * Checks only what the channel itself cannot carry (a line longer than the
 * channel's limit is refused by the gateway as a malformed frame; saying so
 * here gives a clearer message). Whether a command is allowed is the
 * gateway's decision alone, so nothing else is checked here.
 */
export function checkLine(line: string): { code: string; message: string } | null {
  if (line.length <= MAX_COMMAND_LINE) return null;
  return {
    code: 'InvalidChannelMessage',
    message: `The command line is ${line.length} characters long; the support channel carries at most ${MAX_COMMAND_LINE}. It was not sent.`,
  };
}
