import { disable, enable, getAccess } from './access-commands';
import { install, remove } from './agent-commands';
import { parseArgs } from './args';
import { EXIT, toCliError } from './cli-error';
import { loginLink, prerequisites, status } from './cluster-commands';
import { CommandHandler } from './command-context';
import { GatewayClient, resolveTarget } from './gateway-client';
import { helpText } from './help';
import { CliIo, CliOutput } from './output';
import { approveRepair, getDenyList, getRepairApprovals, refuseRepair, setDenyList } from './repair-commands';
import { approveAccessRequest, askAccessRequest, denyAccessRequest, getAccessRequests } from './request-commands';
import { getSessionHistory } from './session-commands';
import { exportSession, getRecordReads, searchTranscript, verifySession } from './transcript-commands';
import { VerbName } from './verbs';

export type { CliIo } from './output';

const HANDLERS: Record<VerbName, CommandHandler> = {
  install,
  remove,
  enable,
  disable,
  'get-access': getAccess,
  'get-session-history': getSessionHistory,
  'search-transcript': searchTranscript,
  'verify-session': verifySession,
  'export-session': exportSession,
  status,
  prerequisites,
  'login-link': loginLink,
  'get-access-requests': getAccessRequests,
  'approve-access-request': approveAccessRequest,
  'deny-access-request': denyAccessRequest,
  'ask-access-request': askAccessRequest,
  'get-repair-approvals': getRepairApprovals,
  'approve-repair': approveRepair,
  'refuse-repair': refuseRepair,
  'get-deny-list': getDenyList,
  'set-deny-list': setDenyList,
  'get-record-reads': getRecordReads,
};

/**
 * The `remote-support` CLI, runnable in-process: reads `argv` (without
 * `node` and the script name), writes through `io`, and resolves to the exit
 * code (0 done, 1 refused or failed, 2 usage error). It never calls
 * process.exit and closes every connection it opened before it returns.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // --json decides the shape of errors too, even those found while reading argv.
  const out = new CliOutput(io, argv.includes('--json'));
  let client: GatewayClient | null = null;
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout(helpText(args.verb));
      return EXIT.ok;
    }
    const flags = args.flags;
    return await HANDLERS[args.verb!]({
      flags,
      out,
      gateway: () =>
        (client ??= new GatewayClient(
          resolveTarget(
            {
              gateway: flags.value('--gateway'),
              cluster: flags.value('--cluster'),
              dataDir: flags.value('--data-dir'),
              token: flags.value('--token'),
              caFile: flags.value('--ca-file'),
            },
            io.env,
          ),
        )),
    });
  } catch (e) {
    return out.fail(toCliError(e));
  } finally {
    // Assigned inside the gateway() closure, which the compiler cannot follow.
    (client as GatewayClient | null)?.dispose();
  }
}

