import { REQUEST_TTL_MINUTES } from '../domain/access-request';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EntraAuthOptions } from '../auth/admin-auth';
import { DEFAULT_REPAIR_APPROVAL_TIMEOUT_SECONDS } from '../domain/repair-approval';
import { EntraTokenOptions } from '../auth/entra-token-validator';
import { readFlags } from '../cli-kit/flag-reader';
import { jeaFiles, JeaOptions, SESSION_CONFIGURATION_NAME } from '../policy/jea-files';
import { ConfigFile, configProblem, MODES, RELAY_MODES, WAC_TRANSPORTS } from './config-schema';
import { WIRE_LIMIT_DEFAULTS, WireLimits } from '../domain/wire-limits';
import { NOTIFICATION_TYPES, NotificationType, SmtpSecurity, WebhookFormat } from '../domain/notification-types';

export { MODES, RELAY_MODES, WAC_TRANSPORTS };
/** Where engineers' connections come in besides the direct channel. */
export type RelayMode = (typeof RELAY_MODES)[number];

/** The relay settings (docs/relay.md). */
export interface RelayConfig {
  /** local: a Hybrid Connections relay on loopback (embedded default); azure: an Azure Relay namespace; off: the direct channel only. */
  mode: RelayMode;
  /** wss://NAMESPACE/$hc/NAME: required for a registered cluster in azure mode; for an unregistered one the grant's SAS names it. */
  address?: string;
  /** A shared access policy with the Listen right, and the file holding its key (registered clusters). */
  keyName?: string;
  keyFile?: string;
  /** A CA to trust besides the system's (a TLS-inspecting proxy). */
  caFile?: string;
  /** The outbound HTTP proxy the listener and the prerequisites check tunnel through. */
  proxy?: string;
  /** The local relay's port (0: a free one). */
  port?: number;
}
/** How the gateway runs. */
export type GatewayMode = (typeof MODES)[number];
/** How the extension in the host page reaches the gateway. */
export type WacTransport = (typeof WAC_TRANSPORTS)[number];

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
  /** Access requests: how long one waits for an answer before it expires (12 hours by default). */
  requests?: { expireAfterMinutes: number };
  /**
   * Where commands run: the simulated cluster (embedded default), or
   * PowerShell remoting to the JEA endpoint on each node (a real deployment).
   */
  executor: { kind: 'simulated' } | { kind: 'powershell'; powershellPath?: string; endpointName?: string; workers?: number };
  /** The Active Directory groups mapped to each level in the JEA session configuration, and its transcript directory. */
  jea?: JeaOptions;
  channel: ChannelSettings;
  /** The Windows Admin Center origin allowed to frame the extension, besides the gateway's own (CSP frame-ancestors). */
  wacOrigin?: string;
  /**
   * The URL the AzStackHCI.RemoteSupport module on each node reaches the
   * gateway at, written into the nodes' gateway.json by the agent install
   * (default: the gateway's own URL, which is loopback unless `host` says otherwise).
   */
  moduleEndpoint?: string;
  /**
   * How the extension in the host page reaches the gateway: `direct` (the
   * admin API), or `powershell` (the module's cmdlets through the WAC
   * PowerShell API stand-in the gateway then serves; embedded and test modes only).
   */
  wacTransport: WacTransport;
  /** What one connection, one address and the event streams may hold (DEFAULT_LIMITS where the file is silent). */
  limits: GatewayLimits;
  /** How engineers outside the network reach the gateway: Azure Relay Hybrid Connections, outbound only. */
  relay: RelayConfig;
  /** Webhooks and email that tell admins what happens (docs/notifications.md); none when left out. */
  notifications?: NotificationsConfig;
}

/** The notifications section (docs/notifications.md): files named here are read at start. */
export interface NotificationsConfig {
  /** The Windows Admin Center URL the messages link to. */
  wacUrl?: string;
  webhooks: { url: string; secretFile: string; format: WebhookFormat; events: NotificationType[]; caFile?: string }[];
  email?: {
    host: string;
    port: number;
    security: SmtpSecurity;
    caFile?: string;
    user?: string;
    passwordFile?: string;
    from: string;
    to: string[];
    events: NotificationType[];
  };
}

/** The SMTP port each kind of protection usually listens on. */
export const SMTP_DEFAULT_PORTS: Readonly<Record<SmtpSecurity, number>> = { tls: 465, starttls: 587, none: 25 };

/** The support channel's timeouts and limits; the configuration file may leave the limits out ({@link CHANNEL_LIMIT_DEFAULTS}). */
export interface ChannelSettings {
  idleTimeoutMinutes: number;
  commandTimeoutSeconds: number;
  /** Live sessions one engineer may hold at once. */
  maxSessionsPerEngineer: number;
  /** Live sessions one grant may carry at once. */
  maxSessionsPerGrant: number;
  /** Refused lines recorded in full per session; later ones are summarised ("N more refused lines"). */
  maxRefusedLinesPerSession: number;
  /** Free space on the data disk below which the gateway warns. */
  diskWarnFreeMegabytes: number;
  /** Free space on the data disk below which no new session opens. */
  diskMinFreeMegabytes: number;
  /** How long a repair waits for the admin's live yes before it is refused as timed out (docs/repair-approval.md); 300 when absent. */
  repairApprovalTimeoutSeconds?: number;
}

/** What the channel's limits are when the configuration leaves them out. */
export const CHANNEL_LIMIT_DEFAULTS: Readonly<Omit<ChannelSettings, 'idleTimeoutMinutes' | 'commandTimeoutSeconds'>> = {
  maxSessionsPerEngineer: 5,
  maxSessionsPerGrant: 50,
  maxRefusedLinesPerSession: 200,
  diskWarnFreeMegabytes: 2048,
  diskMinFreeMegabytes: 512,
  repairApprovalTimeoutSeconds: DEFAULT_REPAIR_APPROVAL_TIMEOUT_SECONDS,
};

/** Limits on the wire (`limits`): connections, how long a request may take to arrive, live event streams. */
export type GatewayLimits = WireLimits;
export const DEFAULT_LIMITS = WIRE_LIMIT_DEFAULTS;

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
  '--relay': `where engineers connect: ${RELAY_MODES.join(' | ')} (default local in the embedded default, azure when relay.address is set, else off)`,
  '--wac-transport': `how the host page's extension reaches the gateway: ${WAC_TRANSPORTS.join(' | ')} (default direct; powershell runs the module through the WAC PowerShell API stand-in)`,
};

export function usage(): string {
  return ['Usage: remote-support-gateway [flags]', '', ...Object.entries(FLAGS).map(([f, d]) => `  ${f.padEnd(18)} ${d}`)].join('\n');
}

/** The flags, through the CLIs' shared reader; a flag given twice keeps its last value, as before. */
function readGatewayFlags(argv: readonly string[]): Map<string, string> {
  const { values, problems } = readFlags(argv, (name) => (name in FLAGS ? { value: FLAGS[name]!, repeatable: true, description: FLAGS[name]! } : undefined));
  const first = problems[0];
  if (first?.kind === 'missing-value') throw new ConfigError(`${first.name} needs a value: ${FLAGS[first.name]}`);
  if (first !== undefined) throw new ConfigError(`Unknown flag ${first.kind === 'positional' ? first.arg : first.name}; the flags are ${Object.keys(FLAGS).join(', ')}`);
  return new Map(values.names().map((name) => [name, values.all(name).at(-1)!]));
}

/**
 * Reads configuration from a JSON file (--config or REMOTE_SUPPORT_CONFIG),
 * then flags, which win. Every bad value is a ConfigError naming the setting
 * and what it accepts.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const flags = readGatewayFlags(argv);
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

  // Flags win over the file; whole numbers given as flags are read as numbers, and then both are checked as one.
  const number = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);
  const settings: Record<string, unknown> = { ...raw };
  for (const [flag, key] of [['--mode', 'mode'], ['--host', 'host'], ['--data-dir', 'dataDir'], ['--wac-transport', 'wacTransport']] as const) {
    if (flags.has(flag)) settings[key] = flags.get(flag);
  }
  if (flags.has('--port')) settings['port'] = number(flags.get('--port')!);
  if (flags.has('--relay')) settings['relay'] = { ...(typeof raw['relay'] === 'object' && raw['relay'] !== null ? raw['relay'] : {}), mode: flags.get('--relay') };
  if (flags.has('--cluster-fixture') || flags.has('--step-delay-ms')) {
    const cluster = typeof raw['cluster'] === 'object' && raw['cluster'] !== null ? raw['cluster'] : {};
    settings['cluster'] = {
      ...cluster,
      ...(flags.has('--cluster-fixture') ? { fixture: flags.get('--cluster-fixture') } : {}),
      ...(flags.has('--step-delay-ms') ? { stepDelayMs: number(flags.get('--step-delay-ms')!) } : {}),
    };
  }
  const problem = configProblem(settings);
  if (problem) throw new ConfigError(problem);
  const f = settings as ConfigFile;

  const mode: GatewayMode = f.mode ?? 'embedded';
  const port = f.port ?? DEFAULT_PORT;
  const host = f.host ?? '127.0.0.1';
  const dataDir = f.dataDir ?? env['REMOTE_SUPPORT_DATA_DIR'] ?? defaultDataDir(env);
  const tls = f.tls ?? {};

  const auth = (f.auth ?? { mode: 'local' }) as GatewayConfig['auth'];
  if (auth.mode === 'entra') {
    for (const k of ['issuer', 'audience', 'adminRole'] as const) {
      if (!auth[k]) throw new ConfigError(`auth.${k} must be set for Entra ID authentication`);
    }
    if (!auth.jwksUri && !auth.jwks) throw new ConfigError('auth.jwksUri (or auth.jwks) must be set for Entra ID authentication');
  }

  const engineerAuth = f.engineerAuth as GatewayConfig['engineerAuth'];
  if (engineerAuth !== undefined) {
    for (const k of ['issuer', 'audience', 'engineerRole'] as const) {
      if (!engineerAuth[k]) throw new ConfigError(`engineerAuth.${k} must be set`);
    }
    if (!engineerAuth.jwksUri && !engineerAuth.jwks) throw new ConfigError('engineerAuth.jwksUri (or engineerAuth.jwks) must be set');
  }

  const clusterFile = f.cluster ?? {};
  const stepDelayMs = clusterFile.stepDelayMs ?? 400;
  const fixture = clusterFile.fixture;
  const channel: ChannelSettings = { ...CHANNEL_LIMIT_DEFAULTS, ...f.channel, idleTimeoutMinutes: f.channel?.idleTimeoutMinutes ?? 20, commandTimeoutSeconds: f.channel?.commandTimeoutSeconds ?? 120 };
  if (channel.diskMinFreeMegabytes! > channel.diskWarnFreeMegabytes!) {
    throw new ConfigError(`channel.diskMinFreeMegabytes (${channel.diskMinFreeMegabytes}) must not be above channel.diskWarnFreeMegabytes (${channel.diskWarnFreeMegabytes})`);
  }

  const executor = (f.executor ?? { kind: 'simulated' }) as GatewayConfig['executor'];
  if (executor.kind === 'powershell' && executor.endpointName !== undefined && executor.endpointName !== SESSION_CONFIGURATION_NAME) {
    // The agent install registers this one session configuration; commands must go to the same one.
    throw new ConfigError(`executor.endpointName must be ${SESSION_CONFIGURATION_NAME}, the base name of the session configurations the agent install registers (got ${executor.endpointName})`);
  }

  const realCluster = readRealCluster(clusterFile, executor.kind);

  const jea = f.jea as JeaOptions | undefined;
  if (jea !== undefined) {
    try {
      jeaFiles(jea);
    } catch (e) {
      throw new ConfigError(`jea: ${(e as Error).message}`);
    }
  }

  const config: GatewayConfig = {
    mode,
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
    ...(f.wacOrigin ? { wacOrigin: f.wacOrigin } : {}),
    ...(f.moduleEndpoint ? { moduleEndpoint: f.moduleEndpoint.replace(/\/$/, '') } : {}),
    wacTransport: f.wacTransport ?? 'direct',
    limits: { ...DEFAULT_LIMITS, ...f.limits },
    relay: readRelay(f.relay ?? {}, mode),
    ...(f.notifications ? { notifications: readNotifications(f.notifications, mode) } : {}),
    requests: { expireAfterMinutes: f.requests?.expireAfterMinutes ?? REQUEST_TTL_MINUTES.default },
  };
  if (config.limits.headersTimeoutSeconds > config.limits.bodyTimeoutSeconds) {
    throw new ConfigError(`limits.headersTimeoutSeconds (${config.limits.headersTimeoutSeconds}) must not be longer than limits.bodyTimeoutSeconds (${config.limits.bodyTimeoutSeconds}): both count from the request's first byte`);
  }
  if (config.mode === 'production') {
    if (config.auth.mode !== 'entra') throw new ConfigError('production mode needs auth.mode "entra": the local admin credential is for the embedded default only');
    if (!config.tls.certFile || !config.tls.keyFile) throw new ConfigError('production mode needs tls.certFile and tls.keyFile');
    if (config.executor.kind !== 'powershell') throw new ConfigError('production mode needs executor.kind "powershell": the simulated cluster is for the embedded default and tests only');
    if (!config.engineerAuth) throw new ConfigError('production mode needs engineerAuth: the local identity provider is for the embedded default and tests only');
    if (config.wacTransport !== 'direct') throw new ConfigError('wacTransport "powershell" is for the embedded default and tests only: in production a real Windows Admin Center runs the PowerShell');
  }
  return config;
}

/**
 * The relay section: its mode defaults to local in the embedded default,
 * azure when an address is configured, else off. The local relay is a
 * stand-in, never started in production; azure mode with a key needs the
 * address it is for.
 */
function readRelay(raw: NonNullable<ConfigFile['relay']>, mode: GatewayMode): RelayConfig {
  const relayMode: RelayMode = raw.mode ?? (mode === 'embedded' ? 'local' : raw.address ? 'azure' : 'off');
  if (relayMode === 'local' && mode === 'production') throw new ConfigError('relay.mode "local" is for the embedded default and tests only: in production the relay is an Azure Relay namespace (relay.mode "azure") or off');
  if ((raw.keyName === undefined) !== (raw.keyFile === undefined)) throw new ConfigError('relay.keyName and relay.keyFile go together: the shared access policy with the Listen right, and the file holding its key');
  if (relayMode !== 'azure') {
    for (const key of ['address', 'keyName', 'keyFile', 'proxy'] as const) {
      if (raw[key] !== undefined) throw new ConfigError(`relay.${key} is for relay.mode "azure" (relay.mode is ${relayMode})`);
    }
  }
  if (relayMode !== 'local' && raw.port !== undefined) throw new ConfigError(`relay.port is the local relay's port, for relay.mode "local" (relay.mode is ${relayMode})`);
  if (raw.keyName !== undefined && raw.address === undefined) throw new ConfigError('relay.keyName needs relay.address: the Hybrid Connection the key is for');
  return { mode: relayMode, ...raw };
}

/**
 * The notifications section: webhooks over HTTPS only (plain http to this
 * machine in test mode, for local receivers), email over TLS or required
 * STARTTLS (plain text in test mode only), a user and its password file
 * together. Every target gets every event type unless it lists some.
 */
function readNotifications(raw: NonNullable<ConfigFile['notifications']>, mode: GatewayMode): NotificationsConfig {
  const webhooks = (raw.webhooks ?? []).map((w, i) => {
    const name = `notifications.webhooks.${i}.url`;
    let url: URL;
    try {
      url = new URL(w.url);
    } catch {
      throw new ConfigError(`${name} must be an https:// URL (got ${w.url})`);
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(mode === 'test' && url.protocol === 'http:' && loopback)) {
      throw new ConfigError(`${name} must be an https:// URL: payloads and their signatures must not cross the network in the clear (plain http://127.0.0.1 or http://localhost is for test mode only) (got ${w.url})`);
    }
    if (url.username || url.password) throw new ConfigError(`${name} must not carry a user name or password: the payload is signed with secretFile instead`);
    return { url: w.url, secretFile: w.secretFile, format: w.format ?? 'json', events: [...(w.events ?? NOTIFICATION_TYPES)], ...(w.caFile ? { caFile: w.caFile } : {}) };
  });
  const e = raw.email;
  if (e) {
    if (e.security === 'none' && mode !== 'test') throw new ConfigError('notifications.email.security must be tls or starttls: "none" sends mail in plain text and is for test mode only');
    if ((e.user === undefined) !== (e.passwordFile === undefined)) throw new ConfigError("notifications.email.user and notifications.email.passwordFile go together: the SMTP user and the file holding its password");
    if (e.security === 'none' && e.user !== undefined) throw new ConfigError('notifications.email.user needs security tls or starttls: a password is never sent in plain text');
  }
  return {
    ...(raw.wacUrl ? { wacUrl: raw.wacUrl } : {}),
    webhooks,
    ...(e ? {
      email: {
        host: e.host, port: e.port ?? SMTP_DEFAULT_PORTS[e.security], security: e.security, from: e.from, to: [...e.to], events: [...(e.events ?? NOTIFICATION_TYPES)],
        ...(e.caFile ? { caFile: e.caFile } : {}), ...(e.user !== undefined ? { user: e.user, passwordFile: e.passwordFile! } : {}),
      },
    } : {}),
  };
}

/**
 * cluster.name, cluster.nodes and cluster.registered: the real cluster the
 * PowerShell executor and agent installs work on. Required with
 * executor.kind "powershell" (so always in production), refused with the
 * simulated cluster, which comes from cluster.fixture. Their shapes are
 * checked by the schema.
 */
function readRealCluster(raw: { name?: string; nodes?: string[]; registered?: boolean }, executorKind: string): { name: string; nodes: string[]; registered: boolean } | Record<string, never> {
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
  const lowered = nodes.map((n) => n.toLowerCase());
  const twice = lowered.find((n, i) => lowered.indexOf(n) !== i);
  if (twice !== undefined) throw new ConfigError(`cluster.nodes names ${twice} twice`);
  return { name, nodes: [...nodes], registered };
}
