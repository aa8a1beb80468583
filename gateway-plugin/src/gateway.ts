import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { buildAdminApi, FEATURE_PREFIX } from './api/admin-api';
import { serveFolder } from './api/static-files';
import { AdminAuthenticator, EntraAdminAuthenticator, LocalCredentialAuthenticator } from './auth/admin-auth';
import { loadFixture, SimulatedCluster } from './cluster/simulated-cluster';
import type { ClusterTarget } from './cluster/cluster-target';
import { PowerShellClusterTarget } from './cluster/powershell-cluster';
import { GatewayConfig } from './config/config';
import { Clock, SystemClock } from './domain/clock';
import { EventHub } from './events/event-hub';
import { ExpiryScheduler } from './lifecycle/expiry-scheduler';
import { RetentionJanitor } from './lifecycle/retention-janitor';
import { AgentDeployer, defaultJeaOptions } from './operations/agent-deployer';
import { jeaFiles } from './policy/jea-files';
import { RemoteSupportDesk } from './service/remote-support-desk';
import { ConsentLedger } from './store/consent-ledger';
import { Db, openDatabase } from './store/database';
import { SecretBox } from './store/secret-box';
import { SessionLedger } from './store/session-ledger';
import { loadOrCreateTls } from './tls/certificates';
import { EntraTokenValidator, trustingFetch } from './auth/entra-token-validator';
import { SupportChannel } from './channel/support-channel';
import { LiveSessionDeps } from './channel/live-session';
import { DEFAULT_ENGINEER_ROLE, DEFAULT_GATEWAY_AUDIENCE, LocalIdentityProvider } from './identity/local-identity-provider';
import { NodeExecutor } from './executors/node-executor';
import { SimulatedNodeExecutor } from './executors/simulated-executor';
import { PowerShellNodeExecutor } from './executors/powershell-executor';
import { checkCommand } from './policy/command-checker';
import { TranscriptWriter } from './store/transcript-writer';
import { MINUTE_MS } from './domain/clock';

/** What the CLI reads to find a running gateway: written to `dataDir/gateway.json`. */
export interface GatewayPointer {
  url: string;
  cluster: string;
  caFile: string;
  pid: number;
  mode: string;
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
  scheduler: ExpiryScheduler;
  janitor: RetentionJanitor;
  sessions: SessionLedger;
  consent: ConsentLedger;
  agents: AgentDeployer;
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
  close(): Promise<void>;
}

/**
 * The composition root: opens the store, recovers what a previous run left
 * (expiries that came due, interrupted sessions and agent operations), wires
 * the parts and starts listening.
 */
export async function startGateway(
  config: GatewayConfig,
  options: { clock?: Clock; log?: (line: string) => void; executor?: NodeExecutor } = {},
): Promise<RunningGateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const systemClock = new SystemClock(config.mode === 'test');
  const clock = options.clock ?? systemClock;

  if (config.mode === 'production' && !config.engineerAuth) throw new Error('production mode needs engineerAuth; the local identity provider is refused');
  const tls = await loadOrCreateTls(config.dataDir, config.tls.certFile, config.tls.keyFile);

  // Whatever start-up opens is closed again, in reverse order, if a later step fails.
  const opened: (() => unknown)[] = [];
  try {
    const db = openDatabase(config.dataDir);
    opened.push(() => db.close());
    const secrets = SecretBox.open(config.dataDir);
    const events = new EventHub(() => clock.now());
    const consent = new ConsentLedger(db, clock, secrets, events);
    const sessions = new SessionLedger(db, clock, events);

    // A real deployment installs the agent with PowerShell on the configured nodes; the embedded default simulates them.
    const cluster: ClusterTarget = config.executor.kind === 'powershell' ? realCluster(config, clock) : new SimulatedCluster(loadFixture(config.cluster.fixture), { stepDelayMs: config.cluster.stepDelayMs });
    if (cluster instanceof PowerShellClusterTarget) opened.push(() => cluster.dispose());
    const agents = new AgentDeployer(db, cluster, clock, events, jeaFiles(config.jea ?? defaultJeaOptions(cluster.name)));
    agents.recoverAfterRestart();
    if (cluster instanceof SimulatedCluster) cluster.restoreInstalled(agents.installedNodes());
    const interrupted = sessions.interruptOpenSessions();
    if (interrupted) log(`${interrupted} session(s) open at the last shutdown were marked interrupted`);

    const logError = (what: string) => (e: unknown) => log(`${what} failed: ${e instanceof Error ? e.stack : String(e)}`);
    const scheduler = new ExpiryScheduler(consent, clock, logError('expiring grants'));
    opened.push(() => scheduler.dispose());
    const janitor = new RetentionJanitor(sessions, consent, clock, undefined, logError('purging old transcripts'));
    opened.push(() => janitor.dispose());
    janitor.start();

    const desk = new RemoteSupportDesk(cluster, clock, consent, sessions, agents);
    const desks = new Map([[desk.name, desk]]);

    let auth: AdminAuthenticator;
    let localCredential: LocalCredentialAuthenticator | null = null;
    if (config.auth.mode === 'entra') {
      auth = new EntraAdminAuthenticator(config.auth, log);
    } else {
      localCredential = LocalCredentialAuthenticator.open(config.dataDir);
      auth = localCredential;
    }

    // Engineers' tokens: Entra ID when configured, else the local identity provider (never in production).
    let identityProvider: LocalIdentityProvider | null = null;
    let validator: EntraTokenValidator;
    let engineerRole: string;
    if (config.engineerAuth) {
      validator = new EntraTokenValidator(config.engineerAuth, log);
      engineerRole = config.engineerAuth.engineerRole;
    } else {
      identityProvider = await LocalIdentityProvider.start({ dataDir: config.dataDir, certFile: tls.certFile, keyFile: tls.keyFile, host: '127.0.0.1' });
      const idp = identityProvider;
      opened.push(() => idp.stop());
      validator = new EntraTokenValidator(
        { issuer: identityProvider.issuer, audience: DEFAULT_GATEWAY_AUDIENCE, jwksUri: identityProvider.jwksUri, fetch: trustingFetch(tls.cert) },
        log,
      );
      engineerRole = DEFAULT_ENGINEER_ROLE;
    }

    const writer = new TranscriptWriter(sessions);
    // The embedded default runs commands on the simulated cluster; a deployment passes the PowerShell remoting executor.
    const executor =
      options.executor ??
      (config.executor.kind === 'powershell'
        ? new PowerShellNodeExecutor({
            nodes: cluster.nodes().map((n) => n.name),
            ...(config.executor.powershellPath ? { powershellPath: config.executor.powershellPath } : {}),
            ...(config.executor.endpointName ? { endpointName: config.executor.endpointName } : {}),
            ...(config.executor.workers ? { workers: config.executor.workers } : {}),
            clock,
          })
        : new SimulatedNodeExecutor({ fixture: loadFixture(config.cluster.fixture), clock }));
    opened.push(() => executor.dispose?.());
    const deps: LiveSessionDeps = {
      cluster,
      clock,
      consent,
      sessions,
      writer,
      executor,
      check: checkCommand,
      idleTimeoutMs: config.channel.idleTimeoutMinutes * MINUTE_MS,
      commandTimeoutMs: config.channel.commandTimeoutSeconds * 1000,
    };

    const app = buildAdminApi({
      desks,
      auth,
      events,
      tls,
      log,
      ...(config.mode === 'test' && !options.clock ? { testClock: systemClock } : {}),
      ...(config.mode === 'test' ? { testFaults: faultInjector(cluster, executor) } : {}),
    });
    // The extension in the project's WAC-shell host page, when built; else a status page.
    const repoRoot = resolve(__dirname, '..', '..', '..');
    const hostDir = join(repoRoot, 'host');
    const extensionDir = join(repoRoot, 'dist', 'extension');
    const uiBuilt = existsSync(join(hostDir, 'index.html')) && existsSync(join(extensionDir, 'index.html'));
    if (uiBuilt) {
      serveFolder(app, '/extension/', extensionDir, { spaFallback: true });
      serveFolder(app, '/', hostDir);
    } else {
      app.get('/', async (_r, reply) => reply.type('text/html; charset=utf-8').send(landingPage(desk.name)));
    }

    const channel = new SupportChannel({ server: app.server, validator, engineerRole, clusters: new Map([[cluster.name, deps]]), log, clock });
    opened.push(() => channel.close());
    desk.attachLiveSessions(channel);
    // Expiry (noticed by the timer or by a later grant or revoke) ends every live session of the cluster, and any session still recorded as open.
    scheduler.onExpired((grant) => {
      channel
        .endSessionsOfCluster(grant.cluster, 'expired')
        .then(() => sessions.endForGrant(grant.id, 'expired'))
        .catch(logError('ending the sessions of an expired grant'));
    });
    scheduler.start();

    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EADDRINUSE') throw new Error(`Port ${config.port} on ${config.host} is in use; stop what uses it or pass --port <another port> (0 picks a free one)`);
      throw e;
    }
    const port = (app.server.address() as AddressInfo).port;
    const hostInUrl = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `https://${hostInUrl}:${port}`;
    const pointer: GatewayPointer = { url, cluster: desk.name, caFile: tls.certFile, pid: process.pid, mode: config.mode };
    const pointerPath = join(config.dataDir, 'gateway.json');
    writeFileSync(pointerPath, JSON.stringify(pointer, null, 2) + '\n', { mode: 0o600 });

    let closed = false;
    return {
      url,
      port,
      config,
      desk,
      cluster,
      simulatedCluster: cluster instanceof SimulatedCluster ? cluster : null,
      clock,
      events,
      scheduler,
      janitor,
      sessions,
      consent,
      agents,
      localCredential,
      caCert: tls.cert,
      uiServed: uiBuilt,
      db,
      channel,
      writer,
      executor,
      identityProvider,
      channelUrl: `${url.replace(/^https:/, 'wss:')}/api/channel/${encodeURIComponent(cluster.name)}`,
      async close() {
        if (closed) return;
        closed = true;
        await channel.close();
        await app.close();
        await identityProvider?.stop();
        executor.dispose?.();
        if (cluster instanceof PowerShellClusterTarget) cluster.dispose();
        await agents.idle();
        removePointer(pointerPath, url);
        scheduler.dispose();
        janitor.dispose();
        db.close();
      },
    };
  } catch (e) {
    for (const close of opened.reverse()) {
      try {
        await close();
      } catch {
        // Keep closing the rest; the start-up error is the one to report.
      }
    }
    throw e;
  }
}

export { FEATURE_PREFIX };

/**
 * Test mode only: takes a simulated node offline (for agent installs and
 * commands alike), slows it or hangs it.
 */
function faultInjector(cluster: ClusterTarget, executor: NodeExecutor) {
  return (node: string, faults: { offline?: boolean; delayMs?: number; hang?: boolean }) => {
    if (!(executor instanceof SimulatedNodeExecutor) || !(cluster instanceof SimulatedCluster)) throw new Error('fault injection needs the simulated cluster and executor');
    if (!cluster.nodes().some((n) => n.name === node)) return false;
    if (faults.offline !== undefined) {
      cluster.setNodeOnline(node, !faults.offline);
      executor.setOffline(node, faults.offline);
    }
    if (faults.delayMs !== undefined) executor.setDelay(node, faults.delayMs);
    if (faults.hang !== undefined) executor.setHang(node, faults.hang);
    return true;
  };
}

/** The configured real cluster, installed and checked through PowerShell (config.ts makes sure the section is complete). */
function realCluster(config: GatewayConfig, clock: Clock): PowerShellClusterTarget {
  const { name, nodes, registered } = config.cluster;
  if (name === undefined || nodes === undefined || registered === undefined) {
    throw new Error('executor.kind "powershell" needs cluster.name, cluster.nodes and cluster.registered');
  }
  const powershellPath = config.executor.kind === 'powershell' ? config.executor.powershellPath : undefined;
  const transcriptDirectory = config.jea?.transcriptDirectory;
  return new PowerShellClusterTarget({ name, nodes, registered, clock, ...(powershellPath ? { powershellPath } : {}), ...(transcriptDirectory ? { transcriptDirectory } : {}) });
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
