import { randomInt, randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { SAS_PREFIX, verifySasToken, type RelayRight, type SasRule } from '../relay/sas';

/**
 * A local Azure Relay Hybrid Connections service on loopback, for the
 * embedded default and the tests: the WebSocket half of the published
 * protocol (listen, accept, reject, renewToken, connect), with SAS checks as
 * the service makes them. HTTP `request` forwarding is left out
 * (docs/local-relay.md lists what is and is not implemented).
 */
export interface LocalRelayOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (a free port); a restart passes the old port. */
  port?: number;
  /** wss only, TLS 1.2 or later. */
  tls: { cert: string; key: string };
  /** Each Hybrid Connection and its SAS rules (Listen/Send/Manage). */
  hybridConnections: { path: string; rules: SasRule[] }[];
  /** Namespace-wide keys: their tokens (sr http://host/) cover every Hybrid Connection. */
  namespaceRules?: SasRule[];
  /** How long a sender waits for the listener to accept; default 30000. */
  acceptTimeoutMs?: number;
  /** Default 25 (the service's quota). */
  maxListenersPerConnection?: number;
  /** Clock for token checks; default Date.now. */
  now?: () => number;
  log?: (line: string) => void;
}

export interface LocalRelayStats {
  listens: number;
  renewals: number;
  connects: number;
  accepted: number;
  rejected: { status: number; description: string }[];
  refused: { action: string; status: number; reason: string }[];
}

/** The reason phrase of the 404 a sender gets when no listener is connected (the service's wording, as clients of it match it). */
export const NO_LISTENERS = 'There are no listeners connected for the endpoint';
/** The reason phrase of the 404 for a Hybrid Connection the namespace does not have. */
export const ENDPOINT_NOT_FOUND = 'Endpoint does not exist';
/** The 403 for an accept or reject address that is unknown, used or expired. */
export const URL_NOT_VALID = 'The URL is not valid';
/** The 504 a sender gets when no listener accepted in time. */
export const ACCEPT_TIMED_OUT = 'The listener did not accept the connection in time';

const MAX_PAYLOAD = 64 * 1024 * 1024;
/** setTimeout's longest delay; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const ACTIONS = new Set(['listen', 'connect', 'accept']);

interface HybridConnection {
  path: string;
  rules: SasRule[];
  listeners: Set<ControlChannel>;
}

interface ControlChannel {
  hc: HybridConnection;
  ws: WebSocket;
  /** The namespace host name the listener used: renewed tokens must name the same. */
  hostname: string;
  expiresAt: number;
  timer?: NodeJS.Timeout;
}

interface PendingSender {
  id: string;
  hc: HybridConnection;
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  timer: NodeJS.Timeout;
  /** A listener's accept handshake is under way on this address. */
  claimed: boolean;
  forget: () => void;
}

interface RelayedPair {
  hc: HybridConnection;
  sender: WebSocket;
  listener: WebSocket;
  dropped: boolean;
}

/** Printable ASCII only, at most 512 characters: safe in a status line. */
function reasonPhrase(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 512);
}

/** A close reason fits in a control frame: at most 123 bytes. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

/** Close codes a peer may not put in a close frame (1005, 1006, 1015 and undefined ranges) become 1001 toward the other side. */
function sendableCode(code: number): number {
  const sendable = (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
  return sendable ? code : 1001;
}

/**
 * Whether a request is a handshake ws will complete (the checks of its
 * handleUpgrade): checked first, so that ws never aborts one of the two
 * handshakes of a pair behind the relay's back.
 */
function isWebSocketHandshake(req: IncomingMessage): boolean {
  const key = req.headers['sec-websocket-key'];
  const protocols = req.headers['sec-websocket-protocol'];
  return (
    req.method === 'GET' &&
    (req.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key.trim()) &&
    req.headers['sec-websocket-version'] === '13' &&
    (protocols === undefined || /^\s*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(\s*,\s*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*\s*$/.test(protocols))
  );
}

/** Answers a WebSocket handshake with an HTTP error and closes the socket. */
function refuseHandshake(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const phrase = reasonPhrase(reason) || STATUS_CODES[status] || 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${phrase}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(phrase)}\r\n\r\n${phrase}`,
  );
}

/** setTimeout for delays beyond 24.8 days: re-arms until the clock reaches `at`. */
function timerAt(at: number, now: () => number, fire: () => void, set: (t: NodeJS.Timeout) => void): void {
  const wait = at - now();
  if (wait <= 0) {
    fire();
    return;
  }
  const t = setTimeout(() => timerAt(at, now, fire, set), Math.min(wait, MAX_TIMER_MS));
  t.unref();
  set(t);
}

export class LocalRelay {
  readonly port: number;
  readonly namespace: string;
  readonly stats: LocalRelayStats = { listens: 0, renewals: 0, connects: 0, accepted: 0, rejected: [], refused: [] };

  private readonly hcs: HybridConnection[];
  private readonly pending = new Map<string, PendingSender>();
  private readonly pairs = new Set<RelayedPair>();
  private readonly sockets = new Set<Duplex>();
  /** The subprotocol each handshake is to be answered with (the listener's choice, for its sender). */
  private readonly protocolOf = new WeakMap<IncomingMessage, string>();
  private stopping?: Promise<void>;
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_PAYLOAD,
    handleProtocols: (protocols: Set<string>, req: IncomingMessage): string | false => this.chooseProtocol(protocols, req),
  });

  private constructor(
    private readonly server: Server,
    private readonly options: LocalRelayOptions,
    port: number,
  ) {
    const host = options.host ?? '127.0.0.1';
    this.port = port;
    this.namespace = `wss://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.hcs = options.hybridConnections.map((hc) => ({ path: hc.path, rules: hc.rules, listeners: new Set() }));
  }

  /** Starts the relay; resolves once it listens. */
  static async start(options: LocalRelayOptions): Promise<LocalRelay> {
    const server = createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const relay = new LocalRelay(server, options, typeof address === 'object' && address ? address.port : 0);
    server.on('connection', (socket: Duplex) => {
      relay.sockets.add(socket);
      socket.once('close', () => relay.sockets.delete(socket));
    });
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: this relay takes WebSocket upgrades at /$hc/{path}');
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      relay.upgrade(req, socket, head);
    });
    server.on('tlsClientError', () => undefined);
    return relay;
  }

  /** `${namespace}/$hc/${encodeURIComponent(path)}` */
  addressOf(path: string): string {
    return `${this.namespace}/$hc/${encodeURIComponent(path)}`;
  }

  /** Control channels open now on that Hybrid Connection. */
  listenerCount(path: string): number {
    const hc = this.hcs.find((h) => h.path === path);
    return hc ? [...hc.listeners].filter((c) => c.ws.readyState === WebSocket.OPEN).length : 0;
  }

  /** Relayed sender<->listener pairs open now (on one Hybrid Connection, or all). */
  liveConnections(path?: string): number {
    return [...this.pairs].filter((p) => path === undefined || p.hc.path === path).length;
  }

  /** Fault: the service closes the control channels (default 1011, as when something goes wrong in the service). */
  dropListeners(path?: string, code = 1011, reason = 'Something went wrong in the service'): void {
    for (const hc of this.hcs) {
      if (path !== undefined && hc.path !== path) continue;
      for (const control of hc.listeners) this.closeControl(control, code, reason);
    }
  }

  /** Fault: the service cuts relayed connections; both ends see 1011, never a clean 1000. */
  dropConnections(path?: string): void {
    for (const pair of this.pairs) {
      if (path !== undefined && pair.hc.path !== path) continue;
      pair.dropped = true;
      for (const ws of [pair.sender, pair.listener]) {
        if (ws.readyState === WebSocket.OPEN) ws.close(1011, 'Something went wrong in the service');
        else ws.terminate();
      }
    }
  }

  /** Closes every socket (control channels 1001, pending senders 503, relayed pairs 1001) and stops listening. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    const sockets: WebSocket[] = [];
    const refused: Duplex[] = [];
    for (const hc of this.hcs) {
      for (const control of hc.listeners) {
        sockets.push(control.ws);
        this.closeControl(control, 1001, 'The relay is shutting down');
      }
    }
    for (const pending of [...this.pending.values()]) {
      pending.forget();
      refused.push(pending.socket);
      refuseHandshake(pending.socket, 503, 'The relay is shutting down');
    }
    for (const pair of this.pairs) {
      pair.dropped = true;
      for (const ws of [pair.sender, pair.listener]) {
        sockets.push(ws);
        if (ws.readyState === WebSocket.OPEN) ws.close(1001, 'The relay is shutting down');
      }
    }
    // Each close frame is answered and each 503 delivered before the sockets go; a peer that
    // never answers is cut after a grace period rather than ws's 30 s.
    const closed = [
      ...sockets.map((ws) => (ws.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => ws.once('close', () => resolve())))),
      ...refused.map((socket) => (socket.destroyed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve())))),
    ];
    const grace = setTimeout(() => {
      for (const ws of sockets) ws.terminate();
      for (const socket of refused) socket.destroy();
    }, 2000);
    await Promise.all(closed);
    clearTimeout(grace);
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private log(line: string): void {
    this.options.log?.(`local relay: ${line}`);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private refuse(socket: Duplex, action: string, status: number, reason: string): void {
    this.stats.refused.push({ action, status, reason });
    this.log(`${action} refused ${status}: ${reason}`);
    refuseHandshake(socket, status, reason);
  }

  /**
   * The subprotocol a handshake is answered with: a sender gets the one its
   * listener chose (or none); a listener gets the first it offers, which for
   * an accept is the one it chose from the sender's offer.
   */
  private chooseProtocol(protocols: Set<string>, req: IncomingMessage): string | false {
    const chosen = this.protocolOf.get(req);
    if (chosen !== undefined) return chosen;
    if (/[?&]sb-hc-action=connect(&|$)/i.test(req.url ?? '')) return false;
    return protocols.values().next().value ?? false;
  }

  /** The Hybrid Connection a request path names (`/$hc/{path}[/suffix]`), matched case-insensitively, longest path first. */
  private hybridConnectionAt(pathname: string): HybridConnection | null | undefined {
    const match = /^\/\$hc\/(.+)$/i.exec(pathname);
    if (!match) return undefined;
    let rest: string;
    try {
      rest = decodeURIComponent(match[1]!).toLowerCase();
    } catch {
      return null;
    }
    const found = this.hcs
      .filter((hc) => rest === hc.path.toLowerCase() || rest.startsWith(hc.path.toLowerCase() + '/'))
      .sort((a, b) => b.path.length - a.path.length);
    return found[0] ?? null;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.stopping) return refuseHandshake(socket, 503, 'The relay is shutting down');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://relay.invalid');
    } catch {
      return this.refuse(socket, 'none', 404, 'Not found: this relay takes WebSocket upgrades at /$hc/{path}');
    }
    const action = (url.searchParams.get('sb-hc-action') ?? '').toLowerCase();
    const hc = this.hybridConnectionAt(url.pathname);
    if (hc === undefined) return this.refuse(socket, action || 'none', 404, 'Not found: this relay takes WebSocket upgrades at /$hc/{path}');
    if (hc === null) return this.refuse(socket, action || 'none', 404, ENDPOINT_NOT_FOUND);
    if (!ACTIONS.has(action)) return this.refuse(socket, action || 'none', 400, 'The sb-hc-action must be listen, connect or accept');
    if (!isWebSocketHandshake(req)) return this.refuse(socket, action, 400, 'Not a WebSocket handshake (version 13)');
    if (action === 'accept') return this.rendezvous(req, socket, head, hc, url);
    const token = this.tokenOf(req, url);
    const right: RelayRight = action === 'listen' ? 'Listen' : 'Send';
    const verdict = this.verify(token.value, req, hc, right);
    if (!verdict.ok) return this.refuse(socket, action, verdict.status, verdict.reason);
    if (action === 'listen') return this.listen(req, socket, head, hc, verdict.expiresAt);
    return this.connect(req, socket, head, hc, url, token.header);
  }

  /** The relay token: `sb-hc-token`, else ServiceBusAuthorization, else an Authorization that carries a SAS. */
  private tokenOf(req: IncomingMessage, url: URL): { value: string | undefined; header?: 'servicebusauthorization' | 'authorization' } {
    const query = url.searchParams.get('sb-hc-token');
    if (query !== null) return { value: query };
    const sb = req.headers['servicebusauthorization'];
    if (typeof sb === 'string') return { value: sb, header: 'servicebusauthorization' };
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && auth.startsWith(SAS_PREFIX)) return { value: auth, header: 'authorization' };
    return { value: undefined };
  }

  private verify(token: string | undefined, req: IncomingMessage, hc: HybridConnection, right: RelayRight): { ok: true; expiresAt: number } | { ok: false; status: number; reason: string } {
    const hostname = this.hostnameOf(req);
    const verdict = verifySasToken(token, `http://${hostname}/${encodeURIComponent(hc.path)}`, right, [...hc.rules, ...(this.options.namespaceRules ?? [])], this.now());
    return verdict.ok ? { ok: true, expiresAt: verdict.token.expiresAt } : verdict;
  }

  private hostnameOf(req: IncomingMessage): string {
    try {
      return new URL(`https://${req.headers.host ?? this.options.host ?? '127.0.0.1'}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    } catch {
      return this.options.host ?? '127.0.0.1';
    }
  }

  private listen(req: IncomingMessage, socket: Duplex, head: Buffer, hc: HybridConnection, expiresAt: number): void {
    const max = this.options.maxListenersPerConnection ?? 25;
    if (this.listenerCount(hc.path) >= max) return this.refuse(socket, 'listen', 403, `The Hybrid Connection ${hc.path} already has the most listeners allowed (${max})`);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const control: ControlChannel = { hc, ws, hostname: this.hostnameOf(req), expiresAt };
      hc.listeners.add(control);
      this.stats.listens++;
      this.log(`listener joined ${hc.path} (${this.listenerCount(hc.path)} now)`);
      this.armExpiry(control);
      ws.on('message', (data, isBinary) => this.controlMessage(control, data, isBinary));
      ws.on('error', () => undefined);
      ws.on('close', (code) => {
        clearTimeout(control.timer);
        hc.listeners.delete(control);
        this.log(`listener left ${hc.path} (${code}; ${this.listenerCount(hc.path)} now)`);
      });
    });
  }

  private armExpiry(control: ControlChannel): void {
    clearTimeout(control.timer);
    const at = control.expiresAt;
    timerAt(
      at,
      () => this.now(),
      () => this.closeControl(control, 1008, 'The security token has expired, therefore the authorization policy is violated'),
      (t) => (control.timer = t),
    );
  }

  private closeControl(control: ControlChannel, code: number, reason: string): void {
    clearTimeout(control.timer);
    if (control.ws.readyState === WebSocket.OPEN || control.ws.readyState === WebSocket.CONNECTING) control.ws.close(code, closeReason(reason));
  }

  /**
   * A listener's message on its control channel: `renewToken` replaces the
   * token; other JSON objects are ignored (later protocol versions may add
   * messages); anything that is not a JSON text message breaks the protocol
   * and closes the channel with 1008.
   */
  private controlMessage(control: ControlChannel, data: RawData, isBinary: boolean): void {
    let message: unknown;
    try {
      if (isBinary) throw new Error('binary');
      message = JSON.parse(data.toString());
    } catch {
      this.log(`listener on ${control.hc.path} sent a message that is not JSON text; closing its control channel`);
      return this.closeControl(control, 1008, 'The control channel takes JSON text messages only');
    }
    if (typeof message !== 'object' || message === null || !('renewToken' in message)) return;
    const renew = (message as { renewToken?: { token?: unknown } }).renewToken;
    const token = typeof renew?.token === 'string' ? renew.token : undefined;
    const verdict = verifySasToken(token, `http://${control.hostname}/${encodeURIComponent(control.hc.path)}`, 'Listen', [...control.hc.rules, ...(this.options.namespaceRules ?? [])], this.now());
    if (!verdict.ok) {
      this.stats.refused.push({ action: 'renewToken', status: verdict.status, reason: verdict.reason });
      this.log(`renewToken refused ${verdict.status} on ${control.hc.path}: ${verdict.reason}`);
      return this.closeControl(control, 1008, verdict.reason);
    }
    this.stats.renewals++;
    control.expiresAt = verdict.token.expiresAt;
    this.armExpiry(control);
  }

  private connect(req: IncomingMessage, socket: Duplex, head: Buffer, hc: HybridConnection, url: URL, tokenHeader?: string): void {
    const listeners = [...hc.listeners].filter((c) => c.ws.readyState === WebSocket.OPEN);
    if (listeners.length === 0) return this.refuse(socket, 'connect', 404, NO_LISTENERS);
    const id = url.searchParams.get('sb-hc-id') || randomUUID();
    if (this.pending.has(id)) return this.refuse(socket, 'connect', 400, `The sb-hc-id ${id} is already used by a pending connection`);
    const connectHeaders: Record<string, string> = {};
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      const lower = name.toLowerCase();
      if (lower === 'servicebusauthorization' || (lower === 'authorization' && tokenHeader === 'authorization')) continue;
      const existing = Object.keys(connectHeaders).find((k) => k.toLowerCase() === lower);
      if (existing) connectHeaders[existing] += `, ${req.rawHeaders[i + 1]}`;
      else connectHeaders[name] = req.rawHeaders[i + 1]!;
    }
    const query = new URLSearchParams();
    for (const [k, v] of url.searchParams) if (!k.toLowerCase().startsWith('sb-hc-')) query.append(k, v);
    query.append('sb-hc-action', 'accept');
    query.append('sb-hc-id', id);
    const address = `${this.namespace}${url.pathname}?${query.toString()}`;

    const onClose = () => pending.forget();
    const pending: PendingSender = {
      id,
      hc,
      req,
      socket,
      head,
      claimed: false,
      timer: setTimeout(() => {
        pending.forget();
        this.refuse(socket, 'connect', 504, ACCEPT_TIMED_OUT);
      }, this.options.acceptTimeoutMs ?? 30_000),
      forget: () => {
        clearTimeout(pending.timer);
        socket.off('close', onClose);
        if (this.pending.get(id) === pending) this.pending.delete(id);
      },
    };
    socket.once('close', onClose);
    this.pending.set(id, pending);
    this.stats.connects++;
    const chosen = listeners[randomInt(listeners.length)]!;
    const remoteEndpoint = { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 };
    chosen.ws.send(JSON.stringify({ accept: { address, id, connectHeaders, remoteEndpoint } }));
  }

  /** The listener's accept or reject handshake on an address from an `accept` message. */
  private rendezvous(req: IncomingMessage, socket: Duplex, head: Buffer, hc: HybridConnection, url: URL): void {
    const id = url.searchParams.get('sb-hc-id') ?? '';
    const pending = this.pending.get(id);
    if (!pending || pending.claimed || pending.hc !== hc || pending.socket.destroyed) return this.refuse(socket, 'accept', 403, URL_NOT_VALID);
    const statusText = url.searchParams.get('sb-hc-statusCode');
    if (statusText !== null) {
      const status = /^\d{3}$/.test(statusText) ? Number(statusText) : NaN;
      if (!(status >= 100 && status <= 599)) return this.refuse(socket, 'reject', 400, 'The sb-hc-statusCode must be an HTTP status code (100-599)');
      const description = reasonPhrase(url.searchParams.get('sb-hc-statusDescription') ?? '');
      pending.forget();
      this.stats.rejected.push({ status, description });
      this.log(`listener on ${hc.path} rejected connection ${id}: ${status} ${description}`);
      refuseHandshake(pending.socket, status, description || STATUS_CODES[status] || 'Rejected');
      refuseHandshake(socket, 410, 'Gone: the connection was rejected');
      return;
    }
    // Claimed, not yet forgotten: a second use is refused, and the sender's timer still runs
    // in case the listener's handshake fails.
    pending.claimed = true;
    this.wss.handleUpgrade(req, socket, head, (listenerWs, listenerReq) => {
      pending.forget();
      const protocol = listenerWs.protocol;
      if (protocol) this.protocolOf.set(pending.req, protocol);
      this.protocolOf.delete(listenerReq);
      if (pending.socket.destroyed) {
        listenerWs.close(1001, 'The sender went away');
        return;
      }
      let paired = false;
      // ws completes an upgrade synchronously (there is no verifyClient), so `paired` tells whether it did.
      this.wss.handleUpgrade(pending.req, pending.socket, pending.head, (senderWs) => {
        paired = true;
        this.pair(hc, senderWs, listenerWs);
      });
      if (!paired) listenerWs.close(1011, 'The sender handshake failed');
    });
  }

  private pair(hc: HybridConnection, sender: WebSocket, listener: WebSocket): void {
    const pair: RelayedPair = { hc, sender, listener, dropped: false };
    this.pairs.add(pair);
    this.stats.accepted++;
    let open = 2;
    const wire = (from: WebSocket, to: WebSocket) => {
      from.on('message', (data, isBinary) => {
        if (to.readyState === WebSocket.OPEN) to.send(data, { binary: isBinary });
      });
      from.on('error', () => undefined);
      from.on('close', (code, reason) => {
        if (--open === 0) this.pairs.delete(pair);
        // A dropped pair has had its close frames sent to both ends already.
        if (pair.dropped) return;
        if (to.readyState === WebSocket.OPEN) to.close(sendableCode(code), sendableCode(code) === code ? reason.toString() : 'going away');
      });
    };
    wire(sender, listener);
    wire(listener, sender);
  }
}
