import type { Actor, ActorLike } from '../domain/actor';
import { IncomingHttpHeaders, IncomingMessage, Server as HttpServer, STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { bearer } from '../auth/admin-auth';
import { EntraTokenValidator } from '../auth/entra-token-validator';
import { statusOf } from '../api/error-status';
import { createError, isRemoteSupportError, RemoteSupportError } from '../domain/errors';
import { SessionEndReason } from '../domain/transcript';
import { Clock } from '../domain/clock';
import { CHANNEL_PATH } from './channel-path';
import { LiveSession, LiveSessionDeps } from './live-session';
import { parseClientMessage, requestIdOf, ServerMessage } from './protocol';
import { RepairApprovals } from './repair-approvals';

export { CHANNEL_PATH };

export interface SupportChannelOptions {
  /** The gateway's HTTPS server (TLS 1.2 or newer); the channel takes its upgrade requests. */
  server: HttpServer;
  validator: EntraTokenValidator;
  engineerRole: string;
  /** One set of session dependencies per cluster, by cluster name. */
  clusters: Map<string, LiveSessionDeps>;
  log: (line: string) => void;
  /** The gateway's clock (open timeouts). */
  clock: Clock;
  /** How long a new connection may take to send `open`. */
  openTimeoutMs?: number;
  /** The repairs waiting for the admin's live yes (the same registry the sessions' dependencies hold). */
  approvals: RepairApprovals;
}

/**
 * The support channel: authenticated WebSocket sessions for engineers. The
 * upgrade is refused (401/403/404, with the reason logged) unless the bearer
 * token verifies, carries the engineer role and the cluster has an active
 * grant; then the engineer opens a session and runs commands through it.
 */
export class SupportChannel {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly live = new Map<string, LiveSession>();
  private readonly sockets = new Set<WebSocket>();
  /** Upgrade requests still being authenticated, so shutdown can drop them. */
  private readonly pending = new Set<Duplex>();
  private readonly upgradeListener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  private closing = false;

  constructor(private readonly options: SupportChannelOptions) {
    this.upgradeListener = (req, socket, head) => void this.upgrade(req, socket, head);
    options.server.on('upgrade', this.upgradeListener);
  }

  /** Engineers' sockets open now (direct and relayed), for tests and diagnostics. */
  get connections(): number {
    return this.sockets.size;
  }

  /** The repairs waiting for the admin's answer (the admin API decides them through it). */
  get approvals(): RepairApprovals {
    return this.options.approvals;
  }

  /** Live sessions, for status and tests. */
  get sessions(): LiveSession[] {
    return [...this.live.values()];
  }

  /**
   * Ends every live session on a cluster (revoke or expiry: at most one grant
   * gives access to a cluster, so its end ends them all). Resolves once each
   * is recorded as ended and its socket told.
   */
  async endSessionsOfCluster(cluster: string, reason: SessionEndReason, by?: ActorLike): Promise<number> {
    const ending = [...this.live.values()].filter((s) => s.record.cluster === cluster);
    await Promise.all(ending.map((s) => s.end(reason, by)));
    return ending.length;
  }

  /** Ends one live session (an admin's request); false when it is not live here. */
  async endSession(sessionId: string, reason: SessionEndReason, by?: ActorLike): Promise<boolean> {
    const session = this.live.get(sessionId);
    if (!session) return false;
    await session.end(reason, by);
    return true;
  }

  private closed: Promise<void> | null = null;

  /** Ends every session as interrupted and stops taking connections; once, however often it is called. */
  close(): Promise<void> {
    this.closed ??= this.closeOnce();
    return this.closed;
  }

  private async closeOnce(): Promise<void> {
    this.closing = true;
    this.options.server.off('upgrade', this.upgradeListener);
    await Promise.all([...this.live.values()].map((s) => s.end('interrupted')));
    for (const ws of this.sockets) ws.terminate();
    for (const socket of this.pending) socket.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const match = CHANNEL_PATH.exec(req.url ?? '');
    if (!match) {
      // The channel is the only upgrade the gateway serves; anything else would hang unanswered.
      refuse(socket, createError('RouteNotFound', `No WebSocket is served at ${(req.url ?? '').split('?')[0]}; the support channel is /api/channel/<cluster>`));
      return;
    }
    this.pending.add(socket);
    socket.once('close', () => this.pending.delete(socket));
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    try {
      const { engineer, deps, tokenExpiresAt } = await this.authorize(() => decodedSegment(match[1]!), req.headers, remote);
      this.pending.delete(socket);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, engineer, deps, tokenExpiresAt, false));
    } catch (e) {
      this.pending.delete(socket);
      refuse(socket, this.refusal(e));
    }
  }

  /**
   * A connection the Azure Relay listener was offered (an `accept`): the same
   * checks as a direct upgrade, on the headers the engineer's console sent
   * through the relay; then the rendezvous socket carries the session, or the
   * rejection carries the catalog code and message back to the console.
   */
  async acceptRelayed(cluster: string, headers: Record<string, string>, remote: string, rendezvous: RelayRendezvous): Promise<void> {
    let authorized: Authorized;
    try {
      authorized = await this.authorize(() => cluster, lowerCaseKeys(headers), `relay ${remote}`);
    } catch (e) {
      const err = this.refusal(e);
      await rendezvous.reject(statusOf(err.code), `${err.code}: ${err.message}`).catch((r) => this.options.log(`channel: rejecting a relayed connection failed: ${r instanceof Error ? r.message : String(r)}`));
      return;
    }
    let ws: WebSocket;
    try {
      ws = await rendezvous.accept();
    } catch (e) {
      this.options.log(`channel: the relayed connection of ${authorized.engineer.name} failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (this.closing) {
      ws.close(1001, 'interrupted');
      return;
    }
    this.accept(ws, authorized.engineer, authorized.deps, authorized.tokenExpiresAt, true);
  }

  /** Who is connecting and to which cluster's session dependencies; throws the catalog error that refuses the connection. */
  private async authorize(clusterOf: () => string, headers: IncomingHttpHeaders, remote: string): Promise<Authorized> {
    if (this.closing) throw createError('Internal', 'The gateway is shutting down');
    const cluster = clusterOf();
    const deps = [...this.options.clusters.entries()].find(([name]) => name.toLowerCase() === cluster.toLowerCase())?.[1];
    if (!deps) throw new RemoteSupportError('ClusterNotFound', `${cluster} is not served by this gateway`, 'cluster', [...this.options.clusters.keys()].join(', '));
    const token = bearer(headers);
    if (token === null) {
      this.options.log(`channel: connection from ${remote} refused: no bearer token`);
      throw createError('Unauthenticated', 'Send an Entra ID access token as "Authorization: Bearer <token>"');
    }
    const identity = await this.options.validator.verify(token, this.options.engineerRole, 'engineer');
    if (!deps.consent.active(deps.cluster.name)) {
      this.options.log(`channel: ${identity.name} refused on ${deps.cluster.name}: no active grant`);
      throw createError('NoActiveGrant', `No remote support access is granted on ${deps.cluster.name} now; ask the cluster administrator to grant it`);
    }
    return { engineer: { name: identity.name, id: identity.id }, deps, tokenExpiresAt: tokenExpiry(identity.claims.exp) };
  }

  private refusal(e: unknown): RemoteSupportError {
    if (isRemoteSupportError(e)) return e;
    this.options.log(`channel: upgrade failed: ${e instanceof Error ? e.stack : String(e)}`);
    return createError('Internal', 'The gateway failed to open the channel');
  }

  private accept(ws: WebSocket, engineer: Actor, deps: LiveSessionDeps, tokenExpiresAt: number, relayed: boolean): void {
    this.sockets.add(ws);
    let session: LiveSession | null = null;
    let opening = false;
    // Frames sent in one turn of the event loop (a node's output and the command's done) leave in one
    // TLS write: the socket is corked at the first and uncorked once the turn's work is done.
    const tcp = (ws as unknown as { _socket?: Duplex })._socket;
    let corked = false;
    const send = (m: ServerMessage) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (tcp && !corked) {
        corked = true;
        tcp.cork();
        process.nextTick(() => {
          corked = false;
          tcp.uncork();
        });
      }
      ws.send(JSON.stringify(m));
    };
    const socket = { send, close: (code: number, reason: string) => closeAndWait(ws, code, reason) };
    const clock = this.options.clock;
    const openTimer = clock.setTimer(clock.now() + (this.options.openTimeoutMs ?? 10_000), () => {
      if (!session) ws.close(4008, 'open-timeout');
    });

    // Messages of one connection are handled one after another, in order.
    let queue = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      queue = queue.then(async () => {
        if (isBinary) {
          send({ type: 'error', code: 'InvalidChannelMessage', message: 'Send JSON text frames' });
          return;
        }
        let message;
        const frame = data.toString('utf8');
        try {
          message = parseClientMessage(frame);
        } catch (e) {
          const err = e as RemoteSupportError;
          const id = requestIdOf(frame);
          send({ type: 'error', code: err.code, message: err.message, ...(id ? { id } : {}) });
          return;
        }
        if (!session) {
          if (message.type === 'close') {
            ws.close(1000, 'closed');
            return;
          }
          if (message.type !== 'open' || opening) {
            send({ type: 'error', code: 'InvalidChannelMessage', message: 'Open a session first: {"type":"open","supportCase":"<case number>"}' });
            return;
          }
          opening = true;
          try {
            // Registered as live before its first await, so a revoke or expiry during the open reaches it.
            session = await LiveSession.open(engineer, message, deps, socket, {
              started: (s) => this.live.set(s.id, s),
              ended: (s) => this.live.delete(s.id),
              live: () => this.live.values(),
            }, tokenExpiresAt);
            openTimer.dispose();
          } catch (e) {
            opening = false;
            const err = isRemoteSupportError(e) ? e : createError('Internal', 'The gateway failed to open the session');
            send({ type: 'error', code: err.code, message: err.message });
            if (err.code === 'NoActiveGrant' || err.code === 'SupportCaseMismatch') ws.close(4403, err.code);
          }
          return;
        }
        await session.handle(message);
      }).catch((e) => this.options.log(`channel: a message failed: ${e instanceof Error ? e.stack : String(e)}`));
    });
    ws.on('close', (code) => {
      openTimer.dispose();
      this.sockets.delete(ws);
      // The engineer went away (a relay passes a console's goodbye on as 1000, its going away as 1001);
      // any other close of a relayed socket is the relay cutting it. End the session after anything already queued.
      const reason = relayed && code !== 1000 && code !== 1001 ? 'relay-disconnected' : 'closed';
      queue
        .then(() => session?.end(reason))
        .catch((e) => this.options.log(`channel: ending a closed session failed: ${e instanceof Error ? e.stack : String(e)}`));
    });
    ws.on('error', () => ws.terminate());
  }
}

/**
 * Closes a socket and resolves once it is closed: when the engineer's side
 * answers the close, or, if it does not within two seconds, when it is cut.
 */
function closeAndWait(ws: WebSocket, code: number, reason: string): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const cut = setTimeout(() => ws.terminate(), 2000);
    ws.once('close', () => {
      clearTimeout(cut);
      resolve();
    });
    ws.close(code, reason);
  });
}

/** An engineer allowed in, and the session dependencies of the cluster. */
interface Authorized {
  engineer: Actor;
  deps: LiveSessionDeps;
  tokenExpiresAt: number;
}

/** How a relayed connection is answered (the relay listener's rendezvous). */
export interface RelayRendezvous {
  accept(): Promise<WebSocket>;
  reject(status: number, description: string): Promise<void>;
}

function lowerCaseKeys(headers: Record<string, string>): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** A token's `exp` (seconds) as epoch ms; the validator requires it, so a token without one never gets here. */
function tokenExpiry(exp: number | undefined): number {
  return typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY;
}

/** A percent-encoded URL segment, decoded; a malformed encoding is the client's error (400), not the gateway's. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw createError('InvalidUrl', 'The channel URL has a malformed percent-encoding; it is /api/channel/<cluster>');
  }
}

/** Answers a refused upgrade with a plain HTTP error carrying the catalog body. */
function refuse(socket: Duplex, err: RemoteSupportError): void {
  const status = statusOf(err.code);
  const body = JSON.stringify({ error: err.toBody() });
  const reason = STATUS_CODES[status] ?? 'Error';
  try {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  } catch {
    socket.destroy();
  }
}
