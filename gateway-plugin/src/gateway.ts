import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildAdminApi, FEATURE_PREFIX } from './api/admin-api';
import { connectionLimitsOf, type ConnectionLimits } from './api/connection-limits';
import { pagePolicy } from './api/security-headers';
import { serveFolder } from './api/static-files';
import { createGatewayLogger, lineSink, logLevelFrom, Logger } from './logging/gateway-logger';
import { AdminAuthenticator, EntraAdminAuthenticator, LocalCredentialAuthenticator } from './auth/admin-auth';
import { EntraTokenValidator, trustingFetch } from './auth/entra-token-validator';
import { MachineCredential, WithMachineCredential } from './auth/machine-credential';
import { LiveSessionDeps } from './channel/live-session';
import { SupportChannel } from './channel/support-channel';
import type { ClusterBackend } from './cluster/cluster-backend';
import type { ClusterTarget, PrerequisiteCheck } from './cluster/cluster-target';
import { PowerShellBackend } from './cluster/powershell-backend';
import { moduleFiles } from './cluster/node-module';
import { GatewayConfig } from './config/config';
import { AdjustableClock, Clock, MINUTE_MS, SystemClock } from './domain/clock';
import { expiryLateness, lateExpiryText } from './domain/grant';
import { EventHub } from './events/event-hub';
import { EventStreams, eventStreamLimitsOf } from './events/event-streams';
import type { NodeExecutor } from './executors/node-executor';
import type { LocalIdentityProvider } from './identity/local-identity-provider';
import { ExpiryScheduler } from './lifecycle/expiry-scheduler';
import { PurgeTuning, RetentionJanitor } from './lifecycle/retention-janitor';
import { AgentDeployer, defaultJeaOptions } from './operations/agent-deployer';
import { checkCommand } from './policy/command-checker';
import { jeaFiles } from './policy/jea-files';
import { RemoteSupportDesk } from './service/remote-support-desk';
import type { SimulatedCluster } from './simulator/simulated-cluster';
import { AdminSessionLedger } from './store/admin-session-ledger';
import { AgentLedger } from './store/agent-ledger';
import { ConsentLedger } from './store/consent-ledger';
import { DenyListLedger } from './store/deny-list-ledger';
import { RepairApprovals } from './channel/repair-approvals';
import { DEFAULT_REPAIR_APPROVAL_TIMEOUT_SECONDS } from './domain/repair-approval';
import { presentApproval } from './service/remote-support-desk';
import { secureDataDir } from './store/data-dir';
import { DiskSpaceGuard, FreeSpaceProbe, statfsProbe } from './store/disk-space';
import { Db, openDatabase } from './store/database';
import { ReadPool, ReadPoolOptions } from './store/read-pool';
import { RecordReadLedger } from './store/record-read-ledger';
import { RequestLedger } from './store/request-ledger';
import { AccessRequests } from './service/access-requests';
import { REQUEST_TTL_MINUTES } from './domain/access-request';
import { WalCheckpointer } from './store/wal-checkpointer';
import { RecordSeal } from './store/record-seal';
import { SecretBox } from './store/secret-box';
import { SessionLedger } from './store/session-ledger';
import { TranscriptWriter } from './store/transcript-writer';
import { Teardown } from './teardown';
import { loadOrCreateTls, TlsMaterial } from './tls/certificates';
import type { WacHost } from './wac-host/wac-host';
import type { LocalRelay } from './local-relay/local-relay';
import { RelayManager, RelayManagerOptions, RelaySettings } from './relay/relay-manager';
import { ProxyTunnelAgent } from './relay/proxy-tunnel';
import { probeRelay } from './relay/relay-probe';
import { randomBytes } from 'node:crypto';
import { Notifier } from './notify/notifier';
import { readPrivateFile } from './notify/secret-file';
import { rootCertificates } from 'node:tls';

/** What the CLI reads to find a running gateway: written to `dataDir/gateway.json`. */
export interface GatewayPointer {
  url: string;
  cluster: string;
  caFile: string;
  pid: number;
  mode: string;
  /** The local relay engineers connect through (embedded default): its Hybrid Connection, a Send key's name and file, the CA that vouches for it. */
  relay?: RelayPointer;
}

/** How the support console reaches the cluster through the local relay. */
export interface RelayPointer {
  address: string;
  keyName: string;
  keyFile: string;
  caFile: string;
}

/** A started gateway and its parts. */
export interface RunningGateway {
  url: string;
  port: number;
  config: GatewayConfig;
  desk: RemoteSupportDesk;
  /** The cluster target: PowerShellClusterTarget when executor.kind is "powershell", else the simulated cluster. */
  cluster: ClusterTarget;
  /** The simulated cluster (embedded default and tests), or null on a real deployment. */
  simulatedCluster: SimulatedCluster | null;
  clock: Clock;
  events: EventHub;
  /** The admin API's live event streams (their caps, and how many were dropped for falling behind). */
  eventStreams: EventStreams;
  scheduler: ExpiryScheduler;
  janitor: RetentionJanitor;
  sessions: SessionLedger;
  consent: ConsentLedger;
  /** The read workers behind search, verify and export. */
  reads: ReadPool;
  agents: AgentDeployer;
  /** Where the PowerShell module finds this gateway (module-config.json): see writeModuleConfig. */
  moduleConfigPath: string;
  /** The local admin credential (embedded and test modes), and whether this start created it. */
  localCredential: LocalCredentialAuthenticator | null;
  caCert: string;
  /** Whether the extension and its host page are built and served at /. */
  uiServed: boolean;
  /** The open database; for diagnostics and tests. */
  db: Db;
  channel: SupportChannel;
  writer: TranscriptWriter;
  executor: NodeExecutor;
  /** The local identity provider (embedded and test modes), or null when engineers' tokens come from Entra ID. */
  identityProvider: LocalIdentityProvider | null;
  /** The URL engineers connect to: wss://…/api/channel/<cluster>. */
  channelUrl: string;
  /** The WAC PowerShell API stand-in (`--wac-transport powershell`), or null. */
  wacHost: WacHost | null;
  /** The relay listener (null when relay.mode is off) and, in local mode, the local relay with its keys. */
  relay: RelayParts | null;
  /** Webhooks and email to admins (null when notifications are not configured). */
  notifier: Notifier | null;
  close(): Promise<void>;
}

export interface RelayParts {
  manager: RelayManager;
  /** The prerequisites' check that the gateway reaches the relay endpoint (through relay.proxy when set). */
  check: () => Promise<PrerequisiteCheck>;
  local: { relay: LocalRelay; listen: { keyName: string; key: string }; send: { keyName: string; key: string }; pointer: RelayPointer } | null;
}

export interface StartOptions {
  /** The clock every expiry, retention and idle decision asks; test mode's movable wall clock when absent. */
  clock?: Clock;
  /** Takes every log line instead of the pino logger (tests that read what was logged). */
  log?: (line: string) => void;
  /** The pino logger; one writing JSON lines to stdout (pretty on a terminal) when neither it nor `log` is given. */
  logger?: Logger;
  /** Runs commands instead of the configured executor (tests). */
  executor?: NodeExecutor;
  /** Reads the data disk's free bytes instead of statfs (tests simulate a full disk). */
  freeSpace?: FreeSpaceProbe;
  /** The relay listener's timing: backoff, pings, token lifetime and renewal (tests shorten them). */
  relayTuning?: Pick<RelayManagerOptions, 'listener' | 'tokenLifetimeMs'>;
  /** The read workers (search, verify, export): their number, time budgets, script (tests shorten and slow them). */
  reads?: Omit<ReadPoolOptions, 'dataDir' | 'clock'>;
  /** The retention purge's batches: their size, what runs between them, a report of each (tests and bench/startup.mjs). */
  purgeTuning?: Partial<PurgeTuning>;
}

type Log = (line: string) => void;

/**
 * The composition root: opens the store, recovers what a previous run left
 * (expiries that came due, interrupted sessions and agent operations), wires
 * the parts and starts listening. Test-only parts (the simulator, the local
 * identity provider, the movable clock) are loaded only in the modes that use
 * them.
 */
export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  // pino (JSON lines on stdout, through fastify too), unless a test captures the lines itself.
  const logger = options.logger ?? (options.log ? undefined : createGatewayLogger({ level: logLevelFrom(process.env) }));
  const partLog = (part: string): Log => options.log ?? lineSink(logger!, part);
  const log = partLog('gateway');
  if (config.mode === 'production' && !config.engineerAuth) throw new Error('production mode needs engineerAuth; the local identity provider is refused');
  const { clock, testClock } = await buildClock(config, options.clock);
  // Before anything writes there: the directory 0700 and every file in it 0600.
  secureDataDir(config.dataDir);
  const tls = await loadOrCreateTls(config.dataDir, config.tls.certFile, config.tls.keyFile);
  const teardown = new Teardown();
  try {
    const logError = (what: string) => (e: unknown) => log(`${what} failed: ${e instanceof Error ? e.stack : String(e)}`);
    const store = buildStore(config, clock, teardown, logError('checkpointing the WAL'));
    // A grant changed without the record key gives no access; say so at error level every time it is met.
    teardown.add(store.consent.onTampered((problem) => (logger ? logger.error({ part: 'records' }, `RECORD TAMPERED: ${problem}`) : log(`RECORD TAMPERED: ${problem}`))));
    const { backend, agents } = await buildCluster(config, clock, store, options.executor, teardown);
    const interrupted = store.sessions.interruptOpenSessions();
    if (interrupted) log(`${interrupted} session(s) open at the last shutdown were marked interrupted`);
    const { scheduler, janitor } = buildLifecycle(store, clock, logError, options.purgeTuning, teardown);
    const reads = new ReadPool({ ...options.reads, dataDir: config.dataDir, clock });
    teardown.add(() => reads.close());
    const desk = new RemoteSupportDesk(backend.target, clock, store.consent, store.sessions, agents, reads, store.recordReads);
    const requests = new AccessRequests(backend.target, clock, store.requests, store.consent, desk, config.requests?.expireAfterMinutes ?? REQUEST_TTL_MINUTES.default, logError('answering access requests on time'));
    teardown.add(() => requests.dispose());
    desk.attachRequests(requests);
    const { auth, localCredential, machineCredential } = buildAdminAuth(config, store, clock, partLog('auth'));
    const engineers = await buildEngineerAuth(config, tls, partLog('auth'), teardown);
    const { eventStreams, connections } = buildWireLimits(config, store.events);
    const wacHost = await buildWacHost(config, clock, backend, teardown);
    const notifier = buildNotifier(config, { clock, store, cluster: desk.name, log: partLog('notify') }, teardown);
    const app = buildHttpServer(config, { desk, auth, events: store.events, eventStreams, connections, tls, log: partLog('api'), logger, testClock, backend, wacHost, engineers, notifier }, teardown);
    const uiServed = serveUi(app, desk.name, config.wacOrigin);
    const disk = buildDiskGuard(config, options.freeSpace, partLog('channel'));
    const channel = buildChannel(config, app, { backend, clock, store, engineers, log: partLog('channel'), disk }, teardown);
    desk.attachLiveSessions(channel);
    desk.attachIntegrityAlarm((facts) => store.events.publish('integrity.failed', desk.name, { kind: 'transcript', ...facts }));
    desk.attachApprovals(channel.approvals);
    desk.attachDenyList(store.denyLists, (list) => store.events.publish('denylist.changed', desk.name, { version: list.version, updatedBy: list.updatedBy, rules: list.rules }));
    desk.attachDataDisk(() => {
      disk.check();
      return disk.status;
    });
    endSessionsOnExpiry(scheduler, channel, store.sessions, logError('ending the sessions of an expired grant'));
    logLateExpiries(scheduler, partLog('lifecycle'), teardown);
    const relay = await buildRelay(config, { cluster: backend.target, tls, channel, store, log: partLog('relay'), tuning: options.relayTuning }, teardown);
    desk.attachRelay(relay ? () => relay.manager.status : null);
    if (relay) desk.attachRelayCheck(relay.check);
    // Expiries that fell due while the gateway was down are recorded (as late) and their sessions ended before anyone can connect.
    const expired = scheduler.start();
    if (expired.length) log(`${expired.length} grant(s) expired while the gateway was down; recorded as expired before listening`);
    // Requests that expired while the gateway was down are recorded so; approvals whose start has come grant now.
    requests.start();
    const { url, port } = await listen(app, config);
    // The retention purge runs in the background, in short batches: however large the backlog, the gateway listens at once.
    janitor.start();
    // After the expiries that fell due while down: a grant still active gets its listener back.
    relay?.manager.reconcile();
    writePointer(config, { url, cluster: desk.name, caFile: tls.certFile, pid: process.pid, mode: config.mode, ...(relay?.local ? { relay: relay.local.pointer } : {}) }, teardown);
    writeModuleConfig(config, { url, clusters: [desk.name], cert: tls.cert, credentialPath: machineCredential.path });
    // What the agent install writes into each node's gateway.json, read at every install.
    agents.attachGatewayConfig(() => ({
      endpoint: config.moduleEndpoint ?? url,
      cluster: desk.name,
      clusters: [desk.name],
      certificateSha256: certificateSha256(tls.cert),
      credential: readFileSync(machineCredential.path, 'utf8').trim(),
    }));

    return {
      url,
      port,
      config,
      desk,
      cluster: backend.target,
      simulatedCluster: backend.simulatedCluster,
      clock,
      events: store.events,
      eventStreams,
      scheduler,
      janitor,
      sessions: store.sessions,
      consent: store.consent,
      reads,
      agents,
      localCredential,
      moduleConfigPath: join(config.dataDir, MODULE_CONFIG_FILE),
      caCert: tls.cert,
      uiServed,
      db: store.db,
      channel,
      writer: store.writer,
      executor: backend.executor,
      identityProvider: engineers.identityProvider,
      channelUrl: `${url.replace(/^https:/, 'wss:')}/api/channel/${encodeURIComponent(desk.name)}`,
      wacHost,
      relay,
      notifier,
      close: () => teardown.close(),
    };
  } catch (e) {
    // The start-up error is the one to report; closing what was opened is best effort.
    await teardown.close().catch(() => {});
    throw e;
  }
}

export { FEATURE_PREFIX };

/** The wire's limits: event streams with bounded buffers and caps, and the connections' caps and timeouts. */
function buildWireLimits(config: GatewayConfig, events: EventHub) {
  const eventStreams = new EventStreams(events, eventStreamLimitsOf(config.limits));
  const connections = connectionLimitsOf(config.limits);
  return { eventStreams, connections };
}

/** The given clock, else the wall clock; test mode's wall clock can be moved through the test API. */
async function buildClock(config: GatewayConfig, given: Clock | undefined): Promise<{ clock: Clock; testClock: AdjustableClock | undefined }> {
  if (given) return { clock: given, testClock: undefined };
  if (config.mode !== 'test') return { clock: new SystemClock(), testClock: undefined };
  const { TestClock } = await import('./test-support/test-clock.js');
  const testClock = new TestClock();
  return { clock: testClock, testClock };
}

interface Store {
  db: Db;
  events: EventHub;
  consent: ConsentLedger;
  sessions: SessionLedger;
  agentLedger: AgentLedger;
  writer: TranscriptWriter;
  recordReads: RecordReadLedger;
  requests: RequestLedger;
  denyLists: DenyListLedger;
}

/** The SQLite store and the event hub its changes are published on. */
function buildStore(config: GatewayConfig, clock: Clock, teardown: Teardown, onCheckpointError: (e: unknown) => void): Store {
  const db = openDatabase(config.dataDir);
  teardown.add(() => db.close());
  // The WAL goes into the database file on a worker thread, never inside one of the writer's commits.
  const checkpointer = new WalCheckpointer(db, { dataDir: config.dataDir, onError: onCheckpointError });
  teardown.add(() => checkpointer.close());
  const secrets = SecretBox.open(config.dataDir);
  const seal = RecordSeal.open(config.dataDir, db);
  const events = new EventHub(() => clock.now());
  const sessions = new SessionLedger(db, clock, events, seal);
  return {
    db,
    events,
    consent: new ConsentLedger(db, clock, secrets, events, seal),
    sessions,
    agentLedger: new AgentLedger(db),
    writer: new TranscriptWriter(sessions),
    recordReads: new RecordReadLedger(db, clock, seal),
    requests: new RequestLedger(db, clock, events, seal),
    denyLists: new DenyListLedger(db, clock, seal),
  };
}

/** A cluster backend as the gateway holds it: the parts, and the simulated cluster when there is one. */
interface BuiltBackend {
  target: ClusterTarget;
  executor: NodeExecutor;
  simulatedCluster: SimulatedCluster | null;
  injectFaults: ClusterBackend['injectFaults'];
}

/**
 * The cluster backend and the agent deployer that installs on it. A real
 * deployment reaches its nodes with PowerShell; the embedded default and
 * tests load the simulator.
 */
async function buildCluster(
  config: GatewayConfig,
  clock: Clock,
  store: Store,
  executor: NodeExecutor | undefined,
  teardown: Teardown,
): Promise<{ backend: BuiltBackend; agents: AgentDeployer }> {
  let backend: ClusterBackend;
  let simulatedCluster: SimulatedCluster | null = null;
  if (config.executor.kind === 'powershell') {
    backend = powershellBackend(config, clock, executor);
  } else {
    const { SimulatedBackend } = await import('./simulator/simulated-backend.js');
    const { loadFixture } = await import('./simulator/fixture.js');
    const simulated = new SimulatedBackend({ fixture: loadFixture(config.cluster.fixture), clock, stepDelayMs: config.cluster.stepDelayMs, ...(executor ? { executor } : {}) });
    simulatedCluster = simulated.target;
    backend = simulated;
  }
  // The package: the JEA files from the command table, and the AzStackHCI.RemoteSupport module the cmdlets run from on each node.
  const files = [...jeaFiles(config.jea ?? defaultJeaOptions(backend.target.name)), ...moduleFiles()];
  const agents = new AgentDeployer(store.agentLedger, backend.target, clock, store.events, files);
  // Disposing the backend first cuts any install still running, so waiting for the deployer is short.
  teardown.add(async () => {
    backend.dispose();
    await agents.idle();
  });
  agents.recoverAfterRestart();
  backend.restoreInstalled?.(agents.installedNodes());
  return {
    backend: { target: backend.target, executor: backend.executor, simulatedCluster, injectFaults: backend.injectFaults?.bind(backend) },
    agents,
  };
}

/** The configured real cluster, installed, checked and reached through PowerShell (config.ts makes sure the section is complete). */
function powershellBackend(config: GatewayConfig, clock: Clock, executor: NodeExecutor | undefined): PowerShellBackend {
  const { name, nodes, registered } = config.cluster;
  if (name === undefined || nodes === undefined || registered === undefined || config.executor.kind !== 'powershell') {
    throw new Error('executor.kind "powershell" needs cluster.name, cluster.nodes and cluster.registered');
  }
  const { powershellPath, endpointName, workers } = config.executor;
  const transcriptDirectory = config.jea?.transcriptDirectory;
  return new PowerShellBackend(
    { name, nodes, registered, clock, ...(powershellPath ? { powershellPath } : {}), ...(transcriptDirectory ? { transcriptDirectory } : {}) },
    executor ?? { ...(powershellPath ? { powershellPath } : {}), ...(endpointName ? { endpointName } : {}), ...(workers ? { workers } : {}), clock },
  );
}

/** The expiry timer and the retention janitor; startGateway starts them, the timer before listening and the janitor after. */
function buildLifecycle(store: Store, clock: Clock, logError: (what: string) => (e: unknown) => void, purgeTuning: Partial<PurgeTuning> | undefined, teardown: Teardown) {
  const scheduler = new ExpiryScheduler(store.consent, clock, logError('expiring grants'));
  teardown.add(() => scheduler.dispose());
  const janitor = new RetentionJanitor(store.sessions, store.consent, clock, undefined, logError('purging old transcripts'), purgeTuning, [store.recordReads, store.requests]);
  teardown.add(() => janitor.dispose());
  return { scheduler, janitor };
}

/** Admins: Entra ID tokens when configured, else the local credential (embedded and test modes); the module's machine credential in both. */
function buildAdminAuth(config: GatewayConfig, store: Store, clock: Clock, log: Log): { auth: AdminAuthenticator; localCredential: LocalCredentialAuthenticator | null; machineCredential: MachineCredential } {
  // The PowerShell module's credential, in every mode (see auth/machine-credential.ts).
  const machineCredential = MachineCredential.open(config.dataDir);
  if (config.auth.mode === 'entra') return { auth: new WithMachineCredential(machineCredential, new EntraAdminAuthenticator(config.auth, log)), localCredential: null, machineCredential };
  const localCredential = LocalCredentialAuthenticator.open(config.dataDir, { sessions: new AdminSessionLedger(store.db), clock, log });
  return { auth: new WithMachineCredential(machineCredential, localCredential), localCredential, machineCredential };
}

interface EngineerAuth {
  validator: EntraTokenValidator;
  engineerRole: string;
  identityProvider: LocalIdentityProvider | null;
}

/** Engineers' tokens: Entra ID when configured, else the local identity provider (never in production). */
async function buildEngineerAuth(config: GatewayConfig, tls: TlsMaterial, log: Log, teardown: Teardown): Promise<EngineerAuth> {
  if (config.engineerAuth) {
    return { validator: new EntraTokenValidator(config.engineerAuth, log), engineerRole: config.engineerAuth.engineerRole, identityProvider: null };
  }
  const { DEFAULT_ENGINEER_ROLE, DEFAULT_GATEWAY_AUDIENCE, LocalIdentityProvider } = await import('./identity/local-identity-provider.js');
  const identityProvider = await LocalIdentityProvider.start({ dataDir: config.dataDir, certFile: tls.certFile, keyFile: tls.keyFile, host: '127.0.0.1' });
  teardown.add(() => identityProvider.stop());
  const validator = new EntraTokenValidator(
    { issuer: identityProvider.issuer, audience: DEFAULT_GATEWAY_AUDIENCE, jwksUri: identityProvider.jwksUri, fetch: trustingFetch(tls.cert) },
    log,
  );
  return { validator, engineerRole: DEFAULT_ENGINEER_ROLE, identityProvider };
}

/**
 * The WAC PowerShell API stand-in, with --wac-transport powershell (never in
 * production: config.ts refuses it there). Loaded only when used.
 */
async function buildWacHost(config: GatewayConfig, clock: Clock, backend: BuiltBackend, teardown: Teardown): Promise<WacHost | null> {
  if (config.wacTransport !== 'powershell') return null;
  if (config.mode === 'production') throw new Error('the WAC PowerShell API stand-in is for the embedded default and tests only');
  const { buildWacHost: build } = await import('./wac-host/wac-host.js');
  const target = backend.target;
  const powershellPath = config.executor.kind === 'powershell' ? config.executor.powershellPath : undefined;
  const host = build({ dataDir: config.dataDir, clock, knownNodes: () => [target.name, ...target.nodes().map((n) => n.name)], ...(powershellPath ? { powershellPath } : {}) });
  teardown.add(() => host.dispose());
  return host;
}

/** The admin API (and, in test mode, the clock and fault routes). */
function buildHttpServer(
  config: GatewayConfig,
  parts: {
    desk: RemoteSupportDesk;
    auth: AdminAuthenticator;
    events: EventHub;
    eventStreams: EventStreams;
    connections: ConnectionLimits;
    tls: TlsMaterial;
    log: Log;
    logger: Logger | undefined;
    testClock: AdjustableClock | undefined;
    backend: BuiltBackend;
    wacHost: WacHost | null;
    engineers: EngineerAuth;
    notifier: Notifier | null;
  },
  teardown: Teardown,
): FastifyInstance {
  const { desk, auth, events, eventStreams, connections, tls, log, logger, testClock, backend, wacHost, engineers, notifier } = parts;
  const injectFaults = backend.injectFaults;
  const app = buildAdminApi({
    desks: new Map([[desk.name, desk]]),
    auth,
    events,
    eventStreams,
    connections,
    ...(config.wacOrigin ? { wacOrigin: config.wacOrigin } : {}),
    wacTransport: config.wacTransport === 'powershell' ? 'powershell' : 'direct',
    ...(wacHost ? { powerShellApi: { prefix: wacHost.prefix, register: wacHost.register } } : {}),
    // Engineers ask for access with the token they use on the support channel.
    engineers: { authenticate: async (token) => {
      const identity = await engineers.validator.verify(token, engineers.engineerRole, 'engineer');
      return { name: identity.name, id: identity.id };
    } },
    ...(notifier ? { notificationDeliveries: (cluster: string) => deliveryList(notifier, cluster) } : {}),
    tls,
    log,
    ...(logger ? { logger } : {}),
    ...(config.mode === 'test' && testClock ? { testClock } : {}),
    ...(config.mode === 'test'
      ? {
          testFaults: (node: string, faults: { offline?: boolean; delayMs?: number; hang?: boolean }) => {
            if (!injectFaults) throw new Error('fault injection needs the simulated cluster');
            return injectFaults(node, faults);
          },
        }
      : {}),
  });
  teardown.add(() => app.close());
  return app;
}

/** The extension in the project's WAC-shell host page, when built; else a status page. Returns whether the extension is served. */
function serveUi(app: FastifyInstance, cluster: string, wacOrigin: string | undefined): boolean {
  const repoRoot = resolve(__dirname, '..', '..', '..');
  const hostDir = join(repoRoot, 'host');
  const extensionDir = join(repoRoot, 'dist', 'extension');
  const uiBuilt = existsSync(join(hostDir, 'index.html')) && existsSync(join(extensionDir, 'index.html'));
  if (uiBuilt) {
    serveFolder(app, '/extension/', extensionDir, { spaFallback: true });
    serveFolder(app, '/', hostDir);
  } else {
    const page = landingPage(cluster);
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)![1]!;
    app.get('/', async (_r, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', pagePolicy(wacOrigin, [script])).send(page));
  }
  return uiBuilt;
}

/** The data disk's free-space check: warns in the log below one threshold, refuses new sessions below the floor. */
function buildDiskGuard(config: GatewayConfig, probe: FreeSpaceProbe | undefined, log: Log): DiskSpaceGuard {
  const limits = config.channel;
  const MB = 1024 * 1024;
  return new DiskSpaceGuard({
    probe: probe ?? statfsProbe(config.dataDir),
    warnBelowBytes: limits.diskWarnFreeMegabytes * MB,
    refuseBelowBytes: limits.diskMinFreeMegabytes * MB,
    log,
  });
}

/** The engineers' WebSocket channel, on the admin API's server. */
function buildChannel(
  config: GatewayConfig,
  app: FastifyInstance,
  parts: { backend: BuiltBackend; clock: Clock; store: Store; engineers: EngineerAuth; log: Log; disk: DiskSpaceGuard },
  teardown: Teardown,
): SupportChannel {
  const { backend, clock, store, engineers, log, disk } = parts;
  const limits = config.channel;
  const approvals = new RepairApprovals(clock, (config.channel.repairApprovalTimeoutSeconds ?? DEFAULT_REPAIR_APPROVAL_TIMEOUT_SECONDS) * 1000, (type, cluster, approval) => {
    store.events.publish(type, cluster, presentApproval(approval));
  });
  teardown.add(() => approvals.dispose());
  const deps: LiveSessionDeps = {
    cluster: backend.target,
    clock,
    consent: store.consent,
    sessions: store.sessions,
    writer: store.writer,
    executor: backend.executor,
    check: checkCommand,
    idleTimeoutMs: config.channel.idleTimeoutMinutes * MINUTE_MS,
    commandTimeoutMs: config.channel.commandTimeoutSeconds * 1000,
    limits: {
      maxSessionsPerEngineer: limits.maxSessionsPerEngineer,
      maxSessionsPerGrant: limits.maxSessionsPerGrant,
      maxRefusedLinesPerSession: limits.maxRefusedLinesPerSession,
      diskSpace: () => disk.check(),
    },
    denyList: store.denyLists,
    approvals,
  };
  const channel = new SupportChannel({
    server: app.server,
    validator: engineers.validator,
    engineerRole: engineers.engineerRole,
    clusters: new Map([[backend.target.name, deps]]),
    log,
    clock,
    approvals,
  });
  teardown.add(() => channel.close());
  return channel;
}

/**
 * The relay listener (relay.mode local or azure): it listens while a grant is
 * active and hands each connection to the support channel, which checks it
 * exactly as a direct one. In local mode a Hybrid Connections relay on
 * loopback stands in for Azure Relay, with a Listen key for the gateway and a
 * Send key the support console finds through gateway.json.
 */
async function buildRelay(
  config: GatewayConfig,
  parts: { cluster: ClusterTarget; tls: TlsMaterial; channel: SupportChannel; store: Store; log: Log; tuning: StartOptions['relayTuning'] },
  teardown: Teardown,
): Promise<RelayParts | null> {
  const relay = config.relay ?? { mode: 'off' };
  if (relay.mode === 'off') return null;
  const { cluster, tls, channel, store, log } = parts;
  let settings: RelaySettings;
  let local: RelayParts['local'] = null;
  if (relay.mode === 'local') {
    if (config.mode === 'production') throw new Error('the local relay is for the embedded default and tests only');
    const { LocalRelay: Relay } = await import('./local-relay/local-relay.js');
    // Fresh keys at every start: nothing outside this run holds them but the console's key file.
    const listen = { keyName: 'gateway-listen', key: randomBytes(32).toString('base64') };
    const send = { keyName: 'support-send', key: randomBytes(32).toString('base64') };
    const localRelay = await Relay.start({
      tls: { cert: tls.cert, key: tls.key },
      ...(relay.port !== undefined ? { port: relay.port } : {}),
      hybridConnections: [{ path: cluster.name, rules: [{ ...listen, rights: ['Listen'] }, { ...send, rights: ['Send'] }] }],
      log,
    });
    teardown.add(() => localRelay.stop());
    const keyFile = join(config.dataDir, 'relay-send.key');
    writeFileSync(keyFile, send.key + '\n', { mode: 0o600 });
    const pointer: RelayPointer = { address: localRelay.addressOf(cluster.name), keyName: send.keyName, keyFile, caFile: tls.certFile };
    local = { relay: localRelay, listen, send, pointer };
    settings = { address: pointer.address, key: listen, ca: tls.cert };
  } else {
    settings = {
      ...(relay.address ? { address: relay.address } : {}),
      ...(relay.keyName && relay.keyFile ? { key: { keyName: relay.keyName, key: readSecretFile(relay.keyFile, 'relay.keyFile') } } : {}),
      // Node's `ca` replaces the system's CAs; the setting adds one to them.
      ...(relay.caFile ? { ca: [...rootCertificates, readSecretFile(relay.caFile, 'relay.caFile')].join('\n') } : {}),
      ...(relay.proxy ? { agent: new ProxyTunnelAgent({ proxy: relay.proxy }) } : {}),
    };
  }
  const manager = new RelayManager({
    cluster: cluster.name,
    registered: cluster.registered,
    settings,
    activeGrant: () => {
      const grant = store.consent.active(cluster.name);
      return grant ? { id: grant.id, sasCredential: store.consent.sasCredentialOf(grant.id) } : null;
    },
    onAccept: (accept, rendezvous) => {
      const remote = accept.remoteEndpoint?.address ? `${accept.remoteEndpoint.address}:${accept.remoteEndpoint.port ?? '?'}` : accept.id;
      void channel.acceptRelayed(cluster.name, accept.connectHeaders, remote, { accept: () => rendezvous.accept(), reject: (status, text) => rendezvous.reject(status, text) });
    },
    onStatus: (view) => store.events.publish('relay.state', cluster.name, view),
    log,
    ...parts.tuning,
  });
  teardown.add(() => manager.close());
  const subscription = store.events.subscribe((event) => {
    if (event.type.startsWith('grant.') && event.cluster === cluster.name) manager.reconcile();
  });
  teardown.add(() => subscription.dispose());
  // Shutdown ends relayed sessions as interrupted before the relay goes (which would cut them).
  teardown.add(() => channel.close());
  const check = () => relayCheck(settings.address ?? manager.status.address, settings, relay.proxy);
  return { manager, local, check };
}

/**
 * The gateway's own prerequisite: it reaches the relay's endpoint on 443
 * (through the proxy when one is configured), as its listener must. For an
 * unregistered cluster the address comes from a grant's SAS, so without one
 * the check can only say so.
 */
async function relayCheck(address: string | null, settings: RelaySettings, proxy: string | undefined): Promise<PrerequisiteCheck> {
  const title = 'Gateway reaches Azure Relay';
  if (!address) {
    return { id: 'relay', title, node: null, status: 'warning', detail: "The relay address comes from the SAS credential of a grant, and no grant carries one yet.", remedy: 'Grant access with the SAS credential from Microsoft support, then check again.' };
  }
  const result = await probeRelay(address, { ...(settings.ca ? { ca: settings.ca } : {}), ...(settings.agent ? { agent: settings.agent } : {}), ...(proxy ? { proxy } : {}) });
  return {
    id: 'relay',
    title,
    node: null,
    status: result.reachable ? 'passed' : 'failed',
    detail: result.detail,
    remedy: result.reachable ? null : proxy ? `Allow ${new URL(address).hostname} on port 443 in the proxy ${new URL(proxy).host} (relay.proxy), and check that the proxy is up.` : `Allow outbound HTTPS to ${new URL(address).hostname} on port 443 from the gateway, or set relay.proxy to the proxy that does.`,
  };
}

/** A file the configuration names (a key, a CA), read whole; a clear error when it cannot be. */
function readSecretFile(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new Error(`${setting}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * The notifications (docs/notifications.md): webhooks and email told of the
 * events admins care about. Secrets and CAs are read now, so a missing or
 * readable-by-others file stops the start naming the setting. A tampered
 * grant met by the ledger is an integrity.failed event too.
 */
function buildNotifier(config: GatewayConfig, parts: { clock: Clock; store: Store; cluster: string; log: Log }, teardown: Teardown): Notifier | null {
  const { clock, store, cluster, log } = parts;
  teardown.add(store.consent.onTampered((problem) => store.events.publish('integrity.failed', cluster, { kind: 'grant', problem })));
  const n = config.notifications;
  if (!n || (n.webhooks.length === 0 && !n.email)) return null;
  const webhooks = n.webhooks.map((w, i) => ({
    url: w.url,
    secret: readPrivateFile(w.secretFile, `notifications.webhooks.${i}.secretFile`),
    format: w.format,
    events: w.events,
    ...(w.caFile ? { ca: readSecretFile(w.caFile, `notifications.webhooks.${i}.caFile`) } : {}),
  }));
  const e = n.email;
  const email = e
    ? {
        host: e.host, port: e.port, security: e.security, from: e.from, to: e.to, events: e.events,
        ...(e.caFile ? { ca: readSecretFile(e.caFile, 'notifications.email.caFile') } : {}),
        ...(e.user !== undefined && e.passwordFile ? { user: e.user, password: readPrivateFile(e.passwordFile, 'notifications.email.passwordFile') } : {}),
      }
    : undefined;
  const notifier = new Notifier({
    clock, events: store.events, webhooks, ...(email ? { email } : {}), ...(n.wacUrl ? { wacUrl: n.wacUrl } : {}), log, plainLoopback: config.mode === 'test',
  });
  teardown.add(() => notifier.close());
  log(`notifications: ${webhooks.length} webhook(s)${email ? `, email to ${email.to.length} recipient(s)` : ''}`);
  return notifier;
}

/** The deliveries as the API shows them: times in ISO 8601 UTC. */
function deliveryList(notifier: Notifier, cluster: string) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    configured: true,
    deliveries: notifier.deliveries(cluster).map((d) => ({ ...d, queuedAt: iso(d.queuedAt), updatedAt: iso(d.updatedAt), nextAttemptAt: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt) })),
    dropped: notifier.dropped,
  };
}

/** Expiry (noticed by the timer or by a later grant or revoke) ends every live session of the cluster, and any session still recorded as open. */
function endSessionsOnExpiry(scheduler: ExpiryScheduler, channel: SupportChannel, sessions: SessionLedger, onError: (e: unknown) => void): void {
  scheduler.onExpired((grant) => {
    channel
      .endSessionsOfCluster(grant.cluster, 'expired')
      .then(() => sessions.endForGrant(grant.id, 'expired'))
      .catch(onError);
  });
}

/** An expiry recorded late (the gateway down or busy at the time) is logged with how late, as the grant's record says. */
function logLateExpiries(scheduler: ExpiryScheduler, log: Log, teardown: Teardown): void {
  const subscription = scheduler.onExpired((grant) => {
    if (expiryLateness(grant) === null) return;
    log(`grant ${grant.id} expired at ${new Date(grant.expiresAt).toISOString()}: ${lateExpiryText(grant.expiresAt, grant.expiryRecordedAt!)}`);
  });
  teardown.add(() => subscription.dispose());
}

/** Listens on the configured address; returns the URL clients use. */
async function listen(app: FastifyInstance, config: GatewayConfig): Promise<{ url: string; port: number }> {
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new Error(`Port ${config.port} on ${config.host} is in use; stop what uses it or pass --port <another port> (0 picks a free one)`);
    throw e;
  }
  const port = (app.server.address() as AddressInfo).port;
  const hostInUrl = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `https://${hostInUrl}:${port}`, port };
}

/** Writes gateway.json for the CLI, and removes it again on shutdown. */
function writePointer(config: GatewayConfig, pointer: GatewayPointer, teardown: Teardown): void {
  const path = join(config.dataDir, 'gateway.json');
  writeFileSync(path, JSON.stringify(pointer, null, 2) + '\n', { mode: 0o600 });
  teardown.add(() => removePointer(path, pointer.url));
}

/** The PowerShell module's configuration file in the data directory. */
export const MODULE_CONFIG_FILE = 'module-config.json';

/**
 * Writes what the PowerShell module needs to reach this gateway (the
 * endpoint, the clusters, the SHA-256 pin of the TLS certificate and where
 * the machine credential is) to `dataDir/module-config.json`, mode 0600, at
 * every start: the port and the certificate may have changed. It holds no
 * secret; $env:AZSHCI_REMOTESUPPORT_CONFIG or the module's own gateway.json
 * points at it (docs/powershell-module.md).
 */
function writeModuleConfig(config: GatewayConfig, parts: { url: string; clusters: string[]; cert: string; credentialPath: string }): void {
  const moduleConfig = {
    endpoint: parts.url,
    cluster: parts.clusters[0],
    clusters: parts.clusters,
    certificateSha256: certificateSha256(parts.cert),
    credentialPath: parts.credentialPath,
  };
  writeFileSync(join(config.dataDir, MODULE_CONFIG_FILE), JSON.stringify(moduleConfig, null, 2) + '\n', { mode: 0o600 });
}

/** The module's certificate pin: the lowercase hex SHA-256 of the certificate's DER, no colons. */
function certificateSha256(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}

/** Removes gateway.json on shutdown, unless another gateway has since written its own there. */
function removePointer(path: string, url: string): void {
  try {
    const current = JSON.parse(readFileSync(path, 'utf8')) as GatewayPointer;
    if (current.url === url && current.pid === process.pid) rmSync(path, { force: true });
  } catch {
    // Already gone or unreadable: nothing to clean up.
  }
}

function landingPage(cluster: string): string {
  const api = `/api/nodes/${encodeURIComponent(cluster)}/features/remoteSupport`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Remote Support for Azure Stack HCI</title>
<style>body{font:15px/1.5 "Segoe UI",system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}pre{background:#f4f4f4;padding:1rem;overflow:auto}</style></head>
<body><h1>Remote Support for Azure Stack HCI</h1>
<p>The gateway is running for cluster <strong>${cluster}</strong>. The admin API answers under <code>${api}</code>;
the <code>remote-support</code> CLI drives it from a shell.</p>
<h2>Status</h2><pre id="status">Loading…</pre>
<script>
fetch(${JSON.stringify(api + '/status')}).then(async r => {
  document.getElementById('status').textContent = r.ok ? JSON.stringify(await r.json(), null, 2)
    : 'Not signed in: open the login link the gateway printed.';
}).catch(e => { document.getElementById('status').textContent = 'The gateway did not answer: ' + e; });
</script></body></html>`;
}
