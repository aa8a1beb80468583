import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EntraAuthOptions } from '../auth/admin-auth';
import { EntraTokenOptions } from '../auth/entra-token-validator';
import { matches, MAX_NODES, NODE_NAME } from '../domain/identifiers';
import { jeaFiles, JeaOptions, SESSION_CONFIGURATION_NAME } from '../policy/jea-files';

/** How the gateway runs. */
export const MODES = ['embedded', 'production', 'test'] as const;
export type GatewayMode = (typeof MODES)[number];

export interface GatewayConfig {
  /** embedded: the one-machine default (simulated cluster, local credential). production: Entra ID, configured TLS. test: embedded plus a movable clock. */
  mode: GatewayMode;
  host: string;
  port: number;
  dataDir: string;
  tls: { certFile?: string; keyFile?: string };
  auth: { mode: 'local' } | ({ mode: 'entra' } & EntraAuthOptions);
  /**
   * How engineers' tokens are verified. Left out (embedded and test modes
   * only), the gateway runs a local identity provider on loopback.
   */
  engineerAuth?: EntraTokenOptions & { engineerRole: string };
  /**
   * The simulated cluster (fixture, step delay), or, with executor.kind
   * "powershell", the real cluster: its DNS name, its nodes' names and
   * whether it is registered with Azure.
   */
  cluster: { fixture?: string; stepDelayMs: number; name?: string; nodes?: string[]; registered?: boolean };
  /**
   * Where commands run: the simulated cluster (embedded default), or
   * PowerShell remoting to the JEA endpoint on each node (a real deployment).
   */
  executor: { kind: 'simulated' } | { kind: 'powershell'; powershellPath?: string; endpointName?: string; workers?: number };
  /** The Active Directory groups mapped to each level in the JEA session configuration, and its transcript directory. */
  jea?: JeaOptions;
  channel: { idleTimeoutMinutes: number; commandTimeoutSeconds: number };
}

export const DEFAULT_PORT = 6600;

/** The default data directory: under the user's data directory. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32' && env['LOCALAPPDATA']) return join(env['LOCALAPPDATA'], 'RemoteSupportHCI');
  const base = env['XDG_DATA_HOME'] || join(homedir(), '.local', 'share');
  return join(base, 'remote-support-hci');
}

export class ConfigError extends Error {}

const FLAGS: Record<string, string> = {
  '--config': 'a JSON configuration file',
  '--mode': MODES.join(' | '),
  '--host': 'the address to listen on (default 127.0.0.1)',
  '--port': `the port to listen on, 0..65535 (default ${DEFAULT_PORT}; 0 picks a free port)`,
  '--data-dir': 'where the database, credential and certificate live',
  '--cluster-fixture': 'a JSON file describing the simulated cluster',
  '--step-delay-ms': 'how long each simulated agent install step takes (default 400)',
};

export function usage(): string {
  return ['Usage: remote-support-gateway [flags]', '', ...Object.entries(FLAGS).map(([f, d]) => `  ${f.padEnd(18)} ${d}`)].join('\n');
}

/**
 * Reads configuration from a JSON file (--config or REMOTE_SUPPORT_CONFIG),
 * then flags, which win. Every bad value is a ConfigError naming the setting
 * and what it accepts.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!(name in FLAGS)) throw new ConfigError(`Unknown flag ${name}; the flags are ${Object.keys(FLAGS).join(', ')}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new ConfigError(`${name} needs a value: ${FLAGS[name]}`);
    flags.set(name, value);
  }
  const file = flags.get('--config') ?? env['REMOTE_SUPPORT_CONFIG'];
  let raw: Record<string, unknown> = {};
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`Cannot read the configuration file ${file}: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${file} must hold a JSON object`);
  }
  const known = ['mode', 'host', 'port', 'dataDir', 'tls', 'auth', 'engineerAuth', 'cluster', 'executor', 'jea', 'channel'];
  for (const k of Object.keys(raw)) if (!known.includes(k)) throw new ConfigError(`Unknown setting ${k}; the settings are ${known.join(', ')}`);

  const mode = flags.get('--mode') ?? (raw['mode'] as string | undefined) ?? 'embedded';
  if (!(MODES as readonly string[]).includes(mode)) throw new ConfigError(`mode must be one of ${MODES.join(', ')} (got ${mode})`);

  const portRaw = flags.get('--port') ?? raw['port'] ?? DEFAULT_PORT;
  const port = typeof portRaw === 'string' && /^\d+$/.test(portRaw) ? Number(portRaw) : portRaw;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`port must be an integer from 0 to 65535 (got ${String(portRaw)})`);
  }

  const host = flags.get('--host') ?? (raw['host'] as string | undefined) ?? '127.0.0.1';
  const dataDir = flags.get('--data-dir') ?? (raw['dataDir'] as string | undefined) ?? env['REMOTE_SUPPORT_DATA_DIR'] ?? defaultDataDir(env);

  const tls = (raw['tls'] ?? {}) as GatewayConfig['tls'];
  const auth = (raw['auth'] ?? { mode: 'local' }) as GatewayConfig['auth'];
  if (auth.mode !== 'local' && auth.mode !== 'entra') throw new ConfigError('auth.mode must be local or entra');
  if (auth.mode === 'entra') {
    for (const k of ['issuer', 'audience', 'adminRole'] as const) {
      if (typeof auth[k] !== 'string' || !auth[k]) throw new ConfigError(`auth.${k} must be set for Entra ID authentication`);
    }
    if (!auth.jwksUri && !auth.jwks) throw new ConfigError('auth.jwksUri (or auth.jwks) must be set for Entra ID authentication');
  }

  const clusterRaw = (raw['cluster'] ?? {}) as { fixture?: string; stepDelayMs?: number; name?: unknown; nodes?: unknown; registered?: unknown };
  const stepRaw = flags.get('--step-delay-ms') ?? clusterRaw.stepDelayMs ?? 400;
  const stepDelayMs = typeof stepRaw === 'string' && /^\d+$/.test(stepRaw) ? Number(stepRaw) : stepRaw;
  if (typeof stepDelayMs !== 'number' || !Number.isInteger(stepDelayMs) || stepDelayMs < 0 || stepDelayMs > 60_000) {
    throw new ConfigError(`cluster.stepDelayMs must be an integer from 0 to 60000 (got ${String(stepRaw)})`);
  }
  const fixture = flags.get('--cluster-fixture') ?? clusterRaw.fixture;

  const engineerAuth = raw['engineerAuth'] as GatewayConfig['engineerAuth'];
  if (engineerAuth !== undefined) {
    for (const k of ['issuer', 'audience', 'engineerRole'] as const) {
      if (typeof engineerAuth[k] !== 'string' || !engineerAuth[k]) throw new ConfigError(`engineerAuth.${k} must be set`);
    }
    if (!engineerAuth.jwksUri && !engineerAuth.jwks) throw new ConfigError('engineerAuth.jwksUri (or engineerAuth.jwks) must be set');
  }

  const channelRaw = (raw['channel'] ?? {}) as Partial<GatewayConfig['channel']>;
  const channel = { idleTimeoutMinutes: channelRaw.idleTimeoutMinutes ?? 20, commandTimeoutSeconds: channelRaw.commandTimeoutSeconds ?? 120 };
  if (!Number.isInteger(channel.idleTimeoutMinutes) || channel.idleTimeoutMinutes < 1 || channel.idleTimeoutMinutes > 1440) {
    throw new ConfigError(`channel.idleTimeoutMinutes must be an integer from 1 to 1440 (got ${String(channelRaw.idleTimeoutMinutes)})`);
  }
  if (!Number.isInteger(channel.commandTimeoutSeconds) || channel.commandTimeoutSeconds < 1 || channel.commandTimeoutSeconds > 3600) {
    throw new ConfigError(`channel.commandTimeoutSeconds must be an integer from 1 to 3600 (got ${String(channelRaw.commandTimeoutSeconds)})`);
  }

  const executor = (raw['executor'] ?? { kind: 'simulated' }) as GatewayConfig['executor'];
  if (executor.kind !== 'simulated' && executor.kind !== 'powershell') throw new ConfigError('executor.kind must be simulated or powershell');
  if (executor.kind === 'powershell' && executor.endpointName !== undefined && executor.endpointName !== SESSION_CONFIGURATION_NAME) {
    // The agent install registers this one session configuration; commands must go to the same one.
    throw new ConfigError(`executor.endpointName must be ${SESSION_CONFIGURATION_NAME}, the base name of the session configurations the agent install registers (got ${executor.endpointName})`);
  }
  if (executor.kind === 'powershell' && executor.workers !== undefined && (!Number.isInteger(executor.workers) || executor.workers < 1 || executor.workers > 64)) {
    throw new ConfigError(`executor.workers must be an integer from 1 to 64 (got ${JSON.stringify(executor.workers)})`);
  }

  const realCluster = readRealCluster(clusterRaw, executor.kind);

  const jea = raw['jea'] as JeaOptions | undefined;
  if (jea !== undefined) {
    try {
      jeaFiles(jea);
    } catch (e) {
      throw new ConfigError(`jea: ${(e as Error).message}`);
    }
  }

  const config: GatewayConfig = {
    mode: mode as GatewayMode,
    host,
    port,
    dataDir,
    tls,
    auth,
    ...(engineerAuth ? { engineerAuth } : {}),
    cluster: { stepDelayMs, ...(fixture ? { fixture } : {}), ...realCluster },
    executor,
    ...(jea ? { jea } : {}),
    channel,
  };
  if (config.mode === 'production') {
    if (config.auth.mode !== 'entra') throw new ConfigError('production mode needs auth.mode "entra": the local admin credential is for the embedded default only');
    if (!config.tls.certFile || !config.tls.keyFile) throw new ConfigError('production mode needs tls.certFile and tls.keyFile');
    if (config.executor.kind !== 'powershell') throw new ConfigError('production mode needs executor.kind "powershell": the simulated cluster is for the embedded default and tests only');
    if (!config.engineerAuth) throw new ConfigError('production mode needs engineerAuth: the local identity provider is for the embedded default and tests only');
  }
  return config;
}

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * cluster.name, cluster.nodes and cluster.registered: the real cluster the
 * PowerShell executor and agent installs work on. Required with
 * executor.kind "powershell" (so always in production), refused with the
 * simulated cluster, which comes from cluster.fixture.
 */
function readRealCluster(raw: { name?: unknown; nodes?: unknown; registered?: unknown }, executorKind: string): { name: string; nodes: string[]; registered: boolean } | Record<string, never> {
  const { name, nodes, registered } = raw;
  if (executorKind !== 'powershell') {
    if (name !== undefined || nodes !== undefined || registered !== undefined) {
      throw new ConfigError('cluster.name, cluster.nodes and cluster.registered describe a real cluster and need executor.kind "powershell"; the simulated cluster comes from cluster.fixture');
    }
    return {};
  }
  if (name === undefined || nodes === undefined || registered === undefined) {
    throw new ConfigError('executor.kind "powershell" (always so in production) needs cluster.name, cluster.nodes and cluster.registered: the cluster to install the agent on and run commands against');
  }
  if (typeof name !== 'string' || !DNS_NAME.test(name)) {
    throw new ConfigError(`cluster.name must be the cluster's DNS name, such as hci-cl01.contoso.local (got ${JSON.stringify(name)})`);
  }
  if (!Array.isArray(nodes) || nodes.length < 1 || nodes.length > MAX_NODES) {
    throw new ConfigError(`cluster.nodes must list 1 to ${MAX_NODES} node names (got ${Array.isArray(nodes) ? `${nodes.length}` : JSON.stringify(nodes)})`);
  }
  for (const node of nodes) {
    if (typeof node !== 'string' || !matches(NODE_NAME, node)) {
      throw new ConfigError(`cluster.nodes must each be ${NODE_NAME.allowed} (got ${JSON.stringify(node)})`);
    }
  }
  const lowered = (nodes as string[]).map((n) => n.toLowerCase());
  const twice = lowered.find((n, i) => lowered.indexOf(n) !== i);
  if (twice !== undefined) throw new ConfigError(`cluster.nodes names ${twice} twice`);
  if (typeof registered !== 'boolean') throw new ConfigError(`cluster.registered must be true or false (got ${JSON.stringify(registered)})`);
  return { name, nodes: [...(nodes as string[])], registered };
}
