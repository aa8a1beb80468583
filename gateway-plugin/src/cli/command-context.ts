import { FlagValues } from './args';
import { GatewayClient } from './gateway-client';
import { CliOutput } from './output';

/** What a verb's handler gets: its flags, the output, and the gateway. */
export interface CommandContext {
  flags: FlagValues;
  out: CliOutput;
  /**
   * The gateway client, resolved on first use: a handler validates its input
   * first, so a refused value never needs (or waits for) a gateway.
   */
  gateway(): GatewayClient;
}

/** Runs one verb and returns the exit code. Failures are thrown as CliError. */
export type CommandHandler = (ctx: CommandContext) => Promise<number>;
