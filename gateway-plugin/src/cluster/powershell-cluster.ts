import { ExecutorError, ExecutorErrorCode, protocolError } from '../executors/executor-error';
import { exitWithoutError, isObject, readFrameLine, runPowerShell } from '../executors/powershell-child';
import { ACCESS_LEVELS } from '../domain/access-level';
import { Clock, SystemClock } from '../domain/clock';
import { classifyRemotingError, parseFrame, RemotingError } from '../executors/powershell-executor';
import { defaultPowerShellPath, winrmTransportModule } from '../executors/powershell-files';
import {
  DEFAULT_TRANSCRIPT_DIRECTORY, endpointName, JeaFile, MODULE_MANIFEST_PATH, SESSION_CONFIGURATION_NAME, sessionConfigurationPath,
} from '../policy/jea-files';
import {
  AGENT_MODULE_DIRECTORY, CLUSTER_PROTOCOL_VERSION, clusterScriptArgs, ClusterOperation, INSTALL_STEP_IDS, REMOVE_STEP_IDS,
} from './cluster-scripts';
import { DEFAULT_PROXY_ENDPOINTS, ProxyEndpoint } from './proxy-endpoints';
import {
  moduleFilePathProblem, NODE_CONFIG_DIRECTORY, NODE_MODULE_DIRECTORY, NODE_MODULE_NAME, NodeGatewayConfig, nodeGatewayConfigProblem, nodeGatewayJson,
} from './node-module';
import { AgentInstallResult, ClusterNodeInfo, ClusterTarget, MIN_AZ_STACK_HCI_VERSION, PrerequisiteCheck, versionAtLeast } from './cluster-target';

export { DEFAULT_PROXY_ENDPOINTS } from './proxy-endpoints';
export type { ProxyEndpoint } from './proxy-endpoints';

/**
 * The cluster target of a real deployment: installs and removes the agent
 * (the JEA endpoint) on the nodes and checks the prerequisites by starting
 * PowerShell on the gateway machine with a fixed script per operation (see
 * `cluster-scripts.ts`), writing the request as JSON to its stdin and reading
 * JSON frames from its stdout, the same design as the remoting executor.
 * Install and remove report each step as the script reaches it.
 */


/** The module the prerequisites look for on each node, and the oldest version that passes. */
export const AZ_STACK_HCI_MODULE = 'Az.StackHCI';

/** How long one run may take unless configured: an install waits out a WinRM restart. */
export const DEFAULT_CLUSTER_TIMEOUT_MS = 180_000;

export interface PowerShellClusterOptions {
  /** The cluster's DNS name, e.g. hci-cl01.contoso.local. */
  name: string;
  /** The nodes' host names. */
  nodes: readonly string[];
  /** Whether the cluster is registered with Azure. */
  registered: boolean;
  /** The PowerShell to start: `pwsh` on the PATH (or the .NET tool's) by default. */
  powershellPath?: string;
  /** The module that reaches the nodes: PowerShell remoting over WinRM by default; tests give a local stand-in. */
  transportModule?: string;
  /** Where JEA writes its transcripts on the nodes; the install limits it to Administrators and SYSTEM. */
  transcriptDirectory?: string;
  /** What the prerequisites probe on 443: host names or https URLs, or `{endpoint, probe}` for a wildcard; the reference's list by default. */
  proxyEndpoints?: readonly (string | ProxyEndpoint)[];
  /** The environment PowerShell starts with (default: the gateway's). */
  env?: NodeJS.ProcessEnv;
  /** How long one run (an install, a removal, the prerequisites) may take before PowerShell is killed (default 180 s). */
  timeoutMs?: number;
  /** The clock a run's deadline runs on (the system clock by default). */
  clock?: Clock;
  /** Told the process id of every PowerShell started, for diagnostics. */
  onSpawn?: (info: { operation: ClusterOperation; target: string; pid: number }) => void;
}

const INSTALL_TITLES: Record<(typeof INSTALL_STEP_IDS)[number], string> = {
  check: 'Checking the node',
  copy: 'Copying the JEA files',
  secure: 'Restricting the JEA transcript folder to Administrators and SYSTEM',
  module: `Installing the ${NODE_MODULE_NAME} module and its gateway configuration`,
  register: `Registering the ${SESSION_CONFIGURATION_NAME} session configurations`,
  verify: `Verifying the ${SESSION_CONFIGURATION_NAME} endpoints`,
};
const REMOVE_TITLES: Record<(typeof REMOVE_STEP_IDS)[number], string> = {
  check: 'Checking the node',
  unregister: `Unregistering the ${SESSION_CONFIGURATION_NAME} session configurations`,
  remove: 'Removing the JEA files',
  module: `Removing the ${NODE_MODULE_NAME} module and its gateway configuration`,
};
const INSTALL_STEPS = INSTALL_STEP_IDS.map((id) => ({ id, title: INSTALL_TITLES[id] }));
const REMOVE_STEPS = REMOVE_STEP_IDS.map((id) => ({ id, title: REMOVE_TITLES[id] }));

const WHAT: Record<ClusterOperation, string> = {
  install: 'Installing the agent',
  remove: 'Removing the agent',
  prerequisites: 'Checking the prerequisites',
};

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const PATH_SEGMENT = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,98}[A-Za-z0-9])?$/;
const AGENT_FILE_TYPE = /\.(?:psd1|psrc|pssc)$/i;
const MAX_FILES = 64;
const MAX_FILE_CHARS = 1024 * 1024;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
const PROBE_TIMEOUT_MS = 5000;

/** The manifest and session configurations an install needs among its files. */
const NEEDED_FILES = [MODULE_MANIFEST_PATH, ...ACCESS_LEVELS.map((level) => sessionConfigurationPath(level))];

/**
 * Why a path may not be written on a node, or null when it may: either a
 * JEA file ({@link jeaFilePathProblem}) or a file of the AzStackHCI.RemoteSupport
 * module ({@link moduleFilePathProblem}), each folder with its own file types.
 */
export function agentFilePathProblem(path: unknown): string | null {
  if (typeof path === 'string' && path.toLowerCase().startsWith(`${NODE_MODULE_DIRECTORY}\\`.toLowerCase())) return moduleFilePathProblem(path);
  return jeaFilePathProblem(path);
}

/** Whether a package path goes to the AzStackHCI.RemoteSupport module folder (rather than the JEA folder). */
function isModuleFile(path: string): boolean {
  return path.toLowerCase().startsWith(`${NODE_MODULE_DIRECTORY}\\`.toLowerCase());
}

/**
 * Why a path may not be written as a JEA file on a node, or null when it may:
 * a .psd1, .psrc or .pssc file under the agent's JEA module folder, made of
 * plain names (no empty, `.` or `..` segments, no `/`, wildcards or
 * colons). The install script applies the same rule again.
 */
export function jeaFilePathProblem(path: unknown): string | null {
  if (typeof path !== 'string') return 'is not a string';
  const prefix = `${AGENT_MODULE_DIRECTORY}\\`;
  if (path.length > 240) return 'is longer than 240 characters';
  if (!path.toLowerCase().startsWith(prefix.toLowerCase())) return `is not under ${prefix}`;
  if (!path.slice(prefix.length).split('\\').every((segment) => PATH_SEGMENT.test(segment))) {
    return 'has a folder or file name that is empty, . or .., or holds characters other than letters, digits, spaces and . _ -';
  }
  if (!AGENT_FILE_TYPE.test(path)) return 'is not a .psd1, .psrc or .pssc file';
  return null;
}

/** The frames a cluster script writes; `fatal` has the remoting executor's error shape. */
export type ClusterFrame =
  | { frame: 'step'; step: string }
  | { frame: 'done'; value: Record<string, unknown> }
  | { frame: 'fatal'; error: RemotingError };

/** Parses one stdout line of a cluster script, or throws saying what is wrong with it. */
export function parseClusterFrame(line: string): ClusterFrame {
  const value = readFrameLine(line);
  switch (value['frame']) {
    case 'step':
      if (typeof value['step'] !== 'string') throw new Error('a step frame names no step');
      return { frame: 'step', step: value['step'] };
    case 'done': {
      const { frame: _frame, ...rest } = value;
      return { frame: 'done', value: rest };
    }
    case 'fatal': {
      // The error has the remoting executor's shape: its parser checks and normalises it.
      const parsed = parseFrame(line);
      if (parsed.frame !== 'fatal') throw new Error('a fatal frame has no error');
      return parsed;
    }
    default:
      throw new Error(`unknown frame ${JSON.stringify(value['frame'])}`);
  }
}

interface RunSpec {
  operation: ClusterOperation;
  /** The node, or the cluster for the prerequisites: whom errors name. */
  target: string;
  request: Record<string, unknown>;
  steps: readonly { id: string; title: string }[];
  step?: (title: string) => void;
  signal?: AbortSignal;
}

export class PowerShellClusterTarget implements ClusterTarget {
  readonly name: string;
  readonly registered: boolean;
  readonly powershellPath: string;
  readonly transportModule: string;
  readonly transcriptDirectory: string;
  readonly timeoutMs: number;
  readonly proxyEndpoints: readonly ProxyEndpoint[];
  private readonly nodeNames: readonly string[];
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly onSpawn: PowerShellClusterOptions['onSpawn'];
  private readonly clock: Clock;
  /** What the last run learned about each node; a node is taken to answer until a run finds it does not. */
  private readonly online = new Map<string, boolean>();
  private readonly inFlight = new Set<() => void>();
  private disposed = false;

  constructor(options: PowerShellClusterOptions) {
    if (typeof options.name !== 'string' || !DNS_NAME.test(options.name)) {
      throw new RangeError(`name must be the cluster's DNS name, such as hci-cl01.contoso.local (got ${JSON.stringify(options.name)})`);
    }
    if (!Array.isArray(options.nodes) || options.nodes.length === 0) throw new RangeError('nodes must name at least one node');
    for (const node of options.nodes) {
      if (typeof node !== 'string' || !DNS_NAME.test(node)) throw new RangeError(`nodes must be host names, such as hci-n01 (got ${JSON.stringify(node)})`);
    }
    if (new Set(options.nodes.map((n) => n.toLowerCase())).size !== options.nodes.length) throw new RangeError(`nodes names a node twice: ${options.nodes.join(', ')}`);
    if (typeof options.registered !== 'boolean') throw new RangeError('registered must be true or false');
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLUSTER_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive number of milliseconds (got ${timeoutMs})`);
    this.name = options.name;
    this.registered = options.registered;
    this.nodeNames = Object.freeze([...options.nodes]);
    this.powershellPath = options.powershellPath ?? defaultPowerShellPath();
    this.transportModule = options.transportModule ?? winrmTransportModule();
    this.transcriptDirectory = options.transcriptDirectory ?? DEFAULT_TRANSCRIPT_DIRECTORY;
    this.proxyEndpoints = Object.freeze((options.proxyEndpoints ?? DEFAULT_PROXY_ENDPOINTS).map(toProxyEndpoint));
    this.env = options.env;
    this.timeoutMs = timeoutMs;
    this.onSpawn = options.onSpawn;
    this.clock = options.clock ?? new SystemClock();
    for (const node of this.nodeNames) this.online.set(node, true);
  }

  nodes(): ClusterNodeInfo[] {
    return this.nodeNames.map((name) => ({ name, online: this.online.get(name) ?? true }));
  }

  agentSteps(kind: 'install' | 'remove'): readonly string[] {
    return (kind === 'install' ? INSTALL_STEPS : REMOVE_STEPS).map((s) => s.title);
  }

  async installAgent(node: string, files: readonly JeaFile[], step: (title: string) => void, signal?: AbortSignal, gateway?: NodeGatewayConfig): Promise<AgentInstallResult> {
    const target = this.node(node);
    checkAgentFiles(target, files);
    const problem = gateway ? nodeGatewayConfigProblem(gateway) : null;
    if (problem) throw new RangeError(`Refused to send the agent to ${target}: ${problem}`);
    const done = await this.runTracked({
      operation: 'install',
      target,
      request: {
        node: target,
        moduleDirectory: AGENT_MODULE_DIRECTORY,
        files: files.filter((f) => !isModuleFile(f.path)).map((f) => ({ path: f.path, content: f.content })),
        // The module and the node's gateway.json with the credential: data, like every other file.
        nodeModule: {
          directory: NODE_MODULE_DIRECTORY,
          files: files.filter((f) => isModuleFile(f.path)).map((f) => ({ path: f.path, content: f.content })),
        },
        nodeConfig: gateway ? { directory: NODE_CONFIG_DIRECTORY, gatewayJson: nodeGatewayJson(gateway), credential: gateway.credential } : null,
        configurations: ACCESS_LEVELS.map((level) => ({ name: endpointName(level), path: sessionConfigurationPath(level) })),
        manifestPath: MODULE_MANIFEST_PATH,
        transcriptDirectory: this.transcriptDirectory,
        ...this.winrmBudget(),
      },
      steps: INSTALL_STEPS,
      step,
      ...(signal ? { signal } : {}),
    });
    const version = done['version'];
    if (typeof version !== 'string' || !/^\d+(?:\.\d+){1,3}$/.test(version)) {
      throw protocolError(target, `the install reported no agent version (got ${JSON.stringify(version)})`);
    }
    return { version };
  }

  async removeAgent(node: string, step: (title: string) => void, signal?: AbortSignal): Promise<void> {
    const target = this.node(node);
    await this.runTracked({
      operation: 'remove',
      target,
      request: {
        node: target,
        moduleDirectory: AGENT_MODULE_DIRECTORY,
        configurationNames: ACCESS_LEVELS.map((level) => endpointName(level)),
        nodeModuleDirectory: NODE_MODULE_DIRECTORY,
        nodeConfigDirectory: NODE_CONFIG_DIRECTORY,
        ...this.winrmBudget(),
      },
      steps: REMOVE_STEPS,
      step,
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * One PowerShell run checks everything. A node that does not answer gives
   * failed checks that say why; a run that fails as a whole (PowerShell
   * missing, a timeout, malformed output) gives every check failed with the
   * reason, so the admin sees what to fix rather than an error page.
   */
  async prerequisites(): Promise<PrerequisiteCheck[]> {
    let report: PrerequisiteReport;
    try {
      const done = await this.run({
        operation: 'prerequisites',
        target: this.name,
        request: {
          nodes: this.nodeNames,
          configurationNames: ACCESS_LEVELS.map((level) => endpointName(level)),
          moduleName: AZ_STACK_HCI_MODULE,
          probeHosts: [...new Set(this.proxyEndpoints.map((p) => p.probe))],
          probeTimeoutMs: Math.min(PROBE_TIMEOUT_MS, Math.floor(this.timeoutMs / 4)),
          winrmTimeoutMs: this.winrmBudget().winrmTimeoutMs,
        },
        steps: [],
      });
      report = readPrerequisiteReport(done, this.name, this.nodeNames);
    } catch (error) {
      return this.uncheckable(error instanceof Error ? error.message : String(error));
    }
    for (const n of report.nodes) this.online.set(n.node, n.answered);
    return prerequisiteChecks(this.name, this.nodeNames, this.proxyEndpoints, report);
  }

  /** Kills every PowerShell still running (their runs fail with Cancelled) and refuses new runs. */
  dispose(): void {
    this.disposed = true;
    for (const cancel of [...this.inFlight]) cancel();
  }

  private node(name: string): string {
    const known = this.nodeNames.find((n) => n.toLowerCase() === String(name).toLowerCase());
    if (!known) throw new ExecutorError('UnknownNode', String(name), `${name} is not a node of ${this.name}; the nodes are ${this.nodeNames.join(', ')}`);
    return known;
  }

  /** WinRM's own timeouts stay inside the run's, so the script reports a WinRM failure before the gateway kills it. */
  private winrmBudget(): { winrmTimeoutMs: number; deadlineMs: number } {
    return {
      winrmTimeoutMs: Math.max(1000, Math.min(60_000, Math.floor(this.timeoutMs / 3))),
      deadlineMs: Math.max(1000, Math.floor(this.timeoutMs * 0.8)),
    };
  }

  /** Runs an install or removal and records whether the node answered. */
  private async runTracked(spec: RunSpec): Promise<Record<string, unknown>> {
    try {
      const done = await this.run(spec);
      this.online.set(spec.target, true);
      return done;
    } catch (error) {
      if (error instanceof ExecutorError && error.code === 'NodeUnreachable') this.online.set(spec.target, false);
      throw error;
    }
  }

  private uncheckable(reason: string): PrerequisiteCheck[] {
    const detail = `Could not be checked: ${reason}`;
    const remedy = `Check that PowerShell (${this.powershellPath}) runs on the gateway machine and that the cluster answers, then check again.`;
    const failed = (id: string, title: string, node: string | null): PrerequisiteCheck => ({ id, title, node, status: 'failed', detail, remedy });
    return [
      failed('kdsRootKey', KDS_TITLE, null),
      ...this.nodeNames.map((n) => failed(`module:${n}`, moduleTitle(n), n)),
      ...this.proxyEndpoints.map((p) => failed(`proxy:${p.endpoint}`, proxyTitle(p.endpoint), null)),
      ...this.nodeNames.map((n) => failed(`jea:${n}`, jeaTitle(n), n)),
    ];
  }

  /**
   * Starts PowerShell with the operation's fixed arguments, writes the
   * request to its stdin, reports steps as their frames arrive, and settles
   * with the done frame; rejects with an ExecutorError. On a timeout, an
   * abort or broken output PowerShell is killed, and the run settles once
   * the process is gone.
   */
  private run(spec: RunSpec): Promise<Record<string, unknown>> {
    const { operation, target } = spec;
    const what = WHAT[operation];
    return new Promise((resolve, reject) => {
      if (this.disposed) return reject(new ExecutorError('ExecutorUnavailable', target, `${what} on ${target} cannot start: the cluster target was disposed`));
      if (spec.signal?.aborted) return reject(new ExecutorError('Cancelled', target, `${what} on ${target} was cancelled before it started`));

      let next = 0;
      let at: string | null = null;
      let done: Record<string, unknown> | undefined;
      let fatal: RemotingError | undefined;
      const where = () => (at ? ` (at "${at}")` : '');

      const run = runPowerShell<ClusterFrame, Record<string, unknown>>({
        powershellPath: this.powershellPath,
        args: clusterScriptArgs(operation, this.transportModule),
        env: this.env,
        input: { protocol: CLUSTER_PROTOCOL_VERSION, operation, ...spec.request },
        timeoutMs: this.timeoutMs,
        clock: this.clock,
        signal: spec.signal,
        maxOutputBytes: MAX_OUTPUT_BYTES,
        onSpawn: (pid) => this.onSpawn?.({ operation, target, pid }),
        errors: {
          startFailed: (why) => unavailable(what, target, this.powershellPath, why),
          timedOut: () => new ExecutorError('CommandTimedOut', target, `${what} on ${target} did not finish within ${this.timeoutMs} ms${where()}; PowerShell was stopped`),
          cancelled: () => new ExecutorError('Cancelled', target, `${what} on ${target} was cancelled${where()}; PowerShell was stopped`),
          protocol: (message) => protocolError(target, message),
        },
        parseFrame: parseClusterFrame,
        onFrame: (frame) => {
          if (done || fatal) return protocolError(target, `a ${frame.frame} frame came after the run had ended`);
          switch (frame.frame) {
            case 'step': {
              const expected = spec.steps[next];
              if (!expected || expected.id !== frame.step) {
                return protocolError(target, `the script reported step ${JSON.stringify(frame.step)} where ${expected ? `"${expected.id}" was due` : 'no more steps were due'}`);
              }
              next++;
              at = expected.title;
              try {
                spec.step?.(expected.title);
              } catch {
                // A consumer's failure is its own; the run goes on.
              }
              return;
            }
            case 'done':
              if (next !== spec.steps.length) return protocolError(target, `the script finished after ${next} of ${spec.steps.length} steps`);
              done = frame.value;
              return;
            case 'fatal':
              fatal = frame.error;
              return;
          }
        },
        finish: (exit) => {
          if (fatal) throw fatalError(what, target, at, fatal);
          if (exit.code !== 0) throw protocolError(target, exitWithoutError(exit, where()));
          if (!done) throw protocolError(target, `the output ended without a done frame${where()}`);
          return done;
        },
      });
      this.inFlight.add(run.cancel);
      const forget = () => this.inFlight.delete(run.cancel);
      run.result.then(forget, forget);
      resolve(run.result);
    });
  }
}

/**
 * Refuses, before anything starts, a package PowerShell would refuse or
 * that is not an agent: a path outside the module folder, a path twice, no
 * session configuration or manifest, an oversized file.
 */
function checkAgentFiles(node: string, files: readonly JeaFile[]): void {
  const refuse = (why: string) => {
    throw new RangeError(`Refused to send the agent to ${node}: ${why}`);
  };
  if (!Array.isArray(files) || files.length === 0) refuse('the package has no files');
  if (files.length > MAX_FILES) refuse(`the package has ${files.length} files; at most ${MAX_FILES}`);
  const seen = new Set<string>();
  for (const file of files) {
    const problem = agentFilePathProblem(file?.path);
    if (problem) refuse(`${JSON.stringify(file?.path)} ${problem}`);
    if (typeof file.content !== 'string') refuse(`the content of ${file.path} is not text`);
    if (file.content.length > MAX_FILE_CHARS) refuse(`${file.path} is larger than ${MAX_FILE_CHARS} characters`);
    const key = file.path.toLowerCase();
    if (seen.has(key)) refuse(`${file.path} appears twice`);
    seen.add(key);
  }
  for (const needed of NEEDED_FILES) {
    if (!seen.has(needed.toLowerCase())) refuse(`the package has no ${needed}`);
  }
}

/** The script's terminating error as the admin reads it: the step, what happened, what to do. */
function fatalError(what: string, target: string, at: string | null, error: RemotingError): ExecutorError {
  const classified = classifyRemotingError(target, error);
  const hints: Partial<Record<ExecutorErrorCode, string>> = {
    NodeUnreachable: `; check that ${target} is running and answers on WinRM (Test-WSMan ${target}), then try again`,
    AccessDenied: `; the account the gateway runs as must be an administrator on ${target}`,
  };
  const hint = hints[classified.code];
  const message = hint ? `${classified.message.replace(/[.\s]+$/, '')}${hint}` : classified.message;
  return new ExecutorError(classified.code, target, `${at ?? what}: ${message}`, classified.record);
}

function unavailable(what: string, target: string, path: string, why: string): ExecutorError {
  return new ExecutorError(
    'ExecutorUnavailable',
    target,
    `${what} on ${target} could not start: ${path} could not be started (${why}); install PowerShell 7 or set executor.powershellPath`,
  );
}

function toProxyEndpoint(entry: string | ProxyEndpoint): ProxyEndpoint {
  if (typeof entry === 'object' && entry !== null) {
    if (typeof entry.endpoint !== 'string' || entry.endpoint === '' || typeof entry.probe !== 'string' || !DNS_NAME.test(entry.probe)) {
      throw new RangeError(`a proxy endpoint must be {endpoint, probe} with a host name to probe (got ${JSON.stringify(entry)})`);
    }
    return Object.freeze({ endpoint: entry.endpoint, probe: entry.probe });
  }
  if (typeof entry !== 'string') throw new RangeError(`a proxy endpoint must be a host name or an https URL (got ${JSON.stringify(entry)})`);
  const known = DEFAULT_PROXY_ENDPOINTS.find((p) => p.endpoint.toLowerCase() === entry.toLowerCase());
  if (known) return known;
  const host = entry.replace(/^https:\/\//i, '').replace(/\/$/, '');
  if (host.startsWith('*.')) throw new RangeError(`${entry} is a wildcard; give it as {endpoint: ${JSON.stringify(entry)}, probe: <a host name under it>}`);
  if (!DNS_NAME.test(host)) throw new RangeError(`a proxy endpoint must be a host name or an https URL (got ${JSON.stringify(entry)})`);
  return Object.freeze({ endpoint: entry, probe: host });
}

/** What the prerequisites script found. */
interface PrerequisiteReport {
  checkedAt: number;
  kdsRootKey: { available: boolean; effectiveTimes: number[]; error: string | null };
  nodes: {
    node: string;
    answered: boolean;
    error: string | null;
    module: string | null;
    moduleError: string | null;
    jea: boolean;
    jeaError: string | null;
    probes: { host: string; reachable: boolean; message: string }[];
  }[];
}

/** Checks the done frame of the prerequisites script field by field; a wrong shape is a protocol error. */
function readPrerequisiteReport(done: Record<string, unknown>, target: string, nodes: readonly string[]): PrerequisiteReport {
  const bad = (what: string): never => {
    throw protocolError(target, `the prerequisites report ${what}`);
  };
  const text = (v: unknown, what: string): string => (typeof v === 'string' ? v : bad(`has no ${what}`));
  const optionalText = (v: unknown, what: string): string | null => (v === null || v === undefined ? null : text(v, what));
  const flag = (v: unknown, what: string): boolean => (typeof v === 'boolean' ? v : bad(`has no ${what}`));
  const time = (v: unknown, what: string): number => {
    const ms = Date.parse(text(v, what));
    return Number.isFinite(ms) ? ms : bad(`has an unreadable ${what}`);
  };
  const list = (v: unknown, what: string): unknown[] => (Array.isArray(v) ? v : bad(`has no list of ${what}`));
  const object = (v: unknown, what: string): Record<string, unknown> => (isObject(v) ? v : bad(`has no ${what}`));

  const kds = object(done['kdsRootKey'], 'kdsRootKey');
  const report: PrerequisiteReport = {
    checkedAt: time(done['checkedAt'], 'checkedAt'),
    kdsRootKey: {
      available: flag(kds['available'], 'kdsRootKey.available'),
      effectiveTimes: list(kds['effectiveTimes'], 'KDS root key times').map((t) => time(t, 'KDS root key time')),
      error: optionalText(kds['error'], 'kdsRootKey.error'),
    },
    nodes: list(done['nodes'], 'nodes').map((raw) => {
      const n = object(raw, 'node entry');
      return {
        node: text(n['node'], 'node name'),
        answered: flag(n['answered'], 'answered'),
        error: optionalText(n['error'], 'node error'),
        module: optionalText(n['module'], 'module version'),
        moduleError: optionalText(n['moduleError'], 'module error'),
        jea: flag(n['jea'], 'jea'),
        jeaError: optionalText(n['jeaError'], 'jea error'),
        probes: list(n['probes'], 'probes').map((p) => {
          const probe = object(p, 'probe');
          return { host: text(probe['host'], 'probe host'), reachable: flag(probe['reachable'], 'probe result'), message: text(probe['message'] ?? '', 'probe message') };
        }),
      };
    }),
  };
  for (const node of nodes) if (!report.nodes.some((n) => n.node === node)) bad(`does not mention ${node}`);
  return report;
}

const KDS_TITLE = 'Key Distribution Services root key';
const moduleTitle = (node: string) => `Az.StackHCI PowerShell module on ${node}`;
const proxyTitle = (endpoint: string) => `Outbound HTTPS to ${endpoint}`;
const jeaTitle = (node: string) => `Remote support JEA endpoint on ${node}`;

/** The checks, in the simulated cluster's order, ids, titles and remedies. */
function prerequisiteChecks(cluster: string, nodes: readonly string[], endpoints: readonly ProxyEndpoint[], report: PrerequisiteReport): PrerequisiteCheck[] {
  const domain = cluster.includes('.') ? cluster.slice(cluster.indexOf('.') + 1) : 'the domain';
  const byNode = new Map(report.nodes.map((n) => [n.node, n]));
  const offline = (node: string, what: string) => `${node} does not answer (${byNode.get(node)?.error ?? 'no answer'}); ${what} could not be checked.`;
  const bringBack = (node: string) => `Bring ${node} back online and check that WinRM answers (Test-WSMan ${node}), then check again.`;
  const checks: PrerequisiteCheck[] = [];

  const kds = report.kdsRootKey;
  const effective = kds.effectiveTimes.filter((t) => t <= report.checkedAt);
  const earliest = kds.effectiveTimes.length ? new Date(Math.min(...kds.effectiveTimes)).toISOString() : null;
  const addKey = 'On a domain controller, run Add-KdsRootKey -EffectiveImmediately, then allow time for Active Directory replication (it can take hours) before granting access.';
  checks.push(
    !kds.available
      ? {
          id: 'kdsRootKey', title: KDS_TITLE, node: null, status: 'warning',
          detail: `Get-KdsRootKey could not run on the gateway machine${kds.error ? ` (${kds.error})` : ''}; the KDS root key of ${domain} was not checked.`,
          remedy: `Run Get-KdsRootKey on a domain controller of ${domain}; if it returns nothing: ${addKey}`,
        }
      : kds.effectiveTimes.length === 0
        ? {
            id: 'kdsRootKey', title: KDS_TITLE, node: null, status: 'failed',
            detail: `Get-KdsRootKey returns nothing in ${domain}: the agent's group managed service account cannot be created.`,
            remedy: addKey,
          }
        : effective.length === 0
          ? {
              id: 'kdsRootKey', title: KDS_TITLE, node: null, status: 'warning',
              detail: `A KDS root key exists in ${domain} but is not effective until ${earliest}.`,
              remedy: `Wait until ${earliest} (and for Active Directory replication) before granting access.`,
            }
          : {
              id: 'kdsRootKey', title: KDS_TITLE, node: null, status: 'passed',
              detail: `A KDS root key exists in ${domain}, effective ${new Date(Math.min(...effective)).toISOString()}.`,
              remedy: null,
            },
  );

  for (const node of nodes) {
    const n = byNode.get(node)!;
    const ok = n.answered && n.module !== null && versionAtLeast(n.module, MIN_AZ_STACK_HCI_VERSION);
    checks.push({
      id: `module:${node}`,
      title: moduleTitle(node),
      node,
      status: ok ? 'passed' : 'failed',
      detail: !n.answered
        ? offline(node, 'the module')
        : n.module === null
          ? `Az.StackHCI is not installed on ${node}${n.moduleError ? ` (${n.moduleError})` : ''}.`
          : `Az.StackHCI ${n.module} is installed${ok ? '' : `; ${MIN_AZ_STACK_HCI_VERSION} or newer is needed`}.`,
      remedy: ok ? null : !n.answered ? bringBack(node) : `On ${node}, run Install-Module -Name Az.StackHCI (or Update-Module -Name Az.StackHCI).`,
    });
  }

  const answering = report.nodes.filter((n) => n.answered && nodes.includes(n.node));
  for (const p of endpoints) {
    const failures = answering
      .map((n) => ({ node: n.node, probe: n.probes.find((x) => x.host.toLowerCase() === p.probe.toLowerCase()) }))
      .filter((x) => !x.probe?.reachable);
    const ok = answering.length > 0 && failures.length === 0;
    const reasons = [...new Set(failures.map((f) => f.probe?.message || 'not probed'))].join('; ');
    checks.push({
      id: `proxy:${p.endpoint}`,
      title: proxyTitle(p.endpoint),
      node: null,
      status: ok ? 'passed' : 'failed',
      detail: answering.length === 0
        ? `No node answered, so ${p.probe}:443 could not be probed.`
        : ok
          ? `${p.probe}:443 answered from ${answering.map((n) => n.node).join(', ')}.`
          : `${p.probe}:443 did not answer from ${failures.map((f) => f.node).join(', ')} (${reasons}).`,
      remedy: ok ? null : answering.length === 0 ? 'Bring the nodes online, then check again.' : `Allow ${p.endpoint} on port 443 in the proxy and firewall.`,
    });
  }

  for (const node of nodes) {
    const n = byNode.get(node)!;
    const ok = n.answered && n.jea;
    checks.push({
      id: `jea:${node}`,
      title: jeaTitle(node),
      node,
      status: ok ? 'passed' : 'failed',
      detail: !n.answered
        ? offline(node, 'the endpoint')
        : ok
          ? `The ${SESSION_CONFIGURATION_NAME} session configuration is registered.`
          : `The ${SESSION_CONFIGURATION_NAME} session configuration is not registered${n.jeaError ? ` (${n.jeaError})` : ''}.`,
      remedy: ok ? null : !n.answered ? bringBack(node) : 'Install the remote support agent on this node (Install in the dashboard, or remote-support install).',
    });
  }
  return checks;
}

