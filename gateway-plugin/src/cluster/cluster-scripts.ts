import { gatewayScript } from '../executors/powershell-files';
import { MODULE_DIRECTORY } from '../policy/jea-files';

/**
 * The fixed PowerShell scripts that {@link PowerShellClusterTarget} runs on
 * the gateway machine to install the agent on a node, remove it, and check
 * the cluster's prerequisites. Each is a .ps1 file under `powershell/gateway/`
 * (parsed by PowerShell's own parser in the tests), started with fixed
 * arguments: the script and the transport module. Everything that varies
 * (the node, the files, the endpoints to probe) arrives as one JSON request
 * on stdin and is used as data.
 *
 * Protocol (see docs/executors.md, "The cluster target"): stdin is one JSON
 * request `{protocol: 1, operation, ...}`; the script refuses a request for
 * another operation. Every stdout line is one compressed JSON frame:
 *   `{"frame":"step","step":"copy"}`  the script has reached a step (install and remove only)
 *   `{"frame":"done", ...}`           finished; the operation's answer; exit code 0
 *   `{"frame":"fatal","error":{...}}` a terminating error; exit code 1
 * A fatal error has the same fields as the command worker's, so the same
 * classification applies; `stage` is input, connect or invoke.
 */
export const CLUSTER_PROTOCOL_VERSION = 1;

export type ClusterOperation = 'install' | 'remove' | 'prerequisites';

/** Where the agent's files go on a node: the JEA module folder. Nothing is ever written outside it. */
export const AGENT_MODULE_DIRECTORY = MODULE_DIRECTORY;

/** The steps the install script reports, in order. */
export const INSTALL_STEP_IDS = ['check', 'copy', 'secure', 'module', 'register', 'verify'] as const;
/** The steps the remove script reports, in order. */
export const REMOVE_STEP_IDS = ['check', 'unregister', 'remove', 'module'] as const;

/** The script file of each operation, under `powershell/gateway/`. */
export const CLUSTER_SCRIPT_FILES: Readonly<Record<ClusterOperation, string>> = Object.freeze({
  install: 'Install-Agent.ps1',
  remove: 'Remove-Agent.ps1',
  prerequisites: 'Test-Prerequisites.ps1',
});

/** The arguments PowerShell gets for an operation: no profile, no prompts, the fixed script and transport. Nothing from a request is ever added. */
export function clusterScriptArgs(operation: ClusterOperation, transportModule: string): string[] {
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', gatewayScript(CLUSTER_SCRIPT_FILES[operation]), '-TransportModule', transportModule];
}
