import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:http';
import { WebSocket } from 'ws';
import { hybridConnectionOf } from './sas';

/**
 * The listener side of Azure Relay Hybrid Connections (the published
 * protocol, docs/relay.md): a control channel `wss://NAMESPACE/$hc/NAME?sb-hc-action=listen`
 * kept open with pings, its token renewed before it expires, reconnected with
 * backoff and jitter when it drops; `accept` messages answered by connecting
 * to the rendezvous address (accept) or to it with a status (reject).
 */

export type RelayState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface RelayStatus {
  state: RelayState;
  /** The Hybrid Connection, without any token. */
  address: string;
  /** Epoch ms of the last change of state. */
  since: number;
  /** Why the listener is not connected (the last failure), else null. */
  error: string | null;
  /** Failed attempts since the last connection. */
  attempts: number;
  /** When the next attempt is due (reconnecting), else null. */
  nextRetryAt: number | null;
  /** When the control channel last opened, else null. */
  connectedAt: number | null;
}

/** A listener token and when it expires (epoch ms). */
export interface ListenerToken {
  token: string;
  expiresAt: number;
}

/** The service's `accept` notification. */
export interface AcceptMessage {
  address: string;
  id: string;
  connectHeaders: Record<string, string>;
  remoteEndpoint?: { address?: string; port?: number };
}

/** How the application answers one accept: take the rendezvous socket, or refuse with an HTTP status. */
export interface Rendezvous {
  accept(protocol?: string): Promise<WebSocket>;
  reject(status: number, description: string): Promise<void>;
}

export interface HybridConnectionListenerOptions {
  /** The Hybrid Connection: wss://NAMESPACE/$hc/NAME. */
  address: string;
  /** A token conferring Listen; called for each connection attempt and each renewal. Throwing stops this attempt (the message is the error shown). */
  token: () => ListenerToken;
  /** Whether `token` mints fresh tokens (a key from configuration) or always returns the same one (a grant's SAS credential). */
  renewable: boolean;
  /** Called for each accept; must answer with `rendezvous.accept` or `rendezvous.reject`. */
  onAccept: (accept: AcceptMessage, rendezvous: Rendezvous) => void;
  /** Called on every change of status. */
  onStatus?: (status: RelayStatus) => void;
  log?: (line: string) => void;
  /** An extra CA to trust (the local relay, a TLS-inspecting proxy); the system's CAs otherwise. */
  ca?: string;
  /** The outbound proxy's tunnel (relay.proxy), if any. */
  agent?: Agent;
  /** Reconnection backoff: first delay, and the cap. Each delay is drawn from [d/2, d] (jitter). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** How often to ping the control channel, and how long a pong may take before the channel counts as dead. */
  pingIntervalMs?: number;
  /** Renew this long before the token expires (at most half its remaining life). */
  renewBeforeMs?: number;
  /** Largest message a relayed connection may carry (the support channel's limit). */
  maxPayload?: number;
  now?: () => number;
  random?: () => number;
}

const DEFAULT_BACKOFF = { initialMs: 1000, maxMs: 60_000 };
const HANDSHAKE_TIMEOUT_MS = 30_000;

export class HybridConnectionListener {
  private ws: WebSocket | null = null;
  private current: RelayStatus;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly hc: { host: string; hostname: string; path: string };

  constructor(private readonly options: HybridConnectionListenerOptions) {
    const hc = hybridConnectionOf(options.address);
    if (!hc || !options.address.startsWith('wss://')) throw new RangeError(`the relay address must be wss://NAMESPACE/$hc/NAME (got ${options.address})`);
    this.hc = hc;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => {});
    this.current = { state: 'closed', address: this.baseAddress(), since: this.now(), error: null, attempts: 0, nextRetryAt: null, connectedAt: null };
  }

  get status(): RelayStatus {
    return { ...this.current };
  }

  /** Opens the control channel (and keeps it open until close). */
  start(): void {
    if (this.stopped) throw new Error('a closed listener cannot start again');
    if (this.ws || this.retryTimer) return;
    this.connect();
  }

  /** Closes the control channel for good. Accepted connections are not touched: they belong to their sessions. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => ws.terminate(), 2000);
        ws.once('close', () => {
          clearTimeout(force);
          resolve();
        });
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'listener closed');
      });
    }
    this.setStatus({ state: 'closed', error: null, nextRetryAt: null });
  }

  private baseAddress(): string {
    return `wss://${this.hc.host}/$hc/${encodeURIComponent(this.hc.path)}`;
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.stopped) return;
    let token: ListenerToken;
    try {
      token = this.options.token();
    } catch (e) {
      this.failed(e instanceof Error ? e.message : String(e));
      return;
    }
    this.setStatus({ state: this.current.attempts > 0 || this.current.connectedAt !== null ? 'reconnecting' : 'connecting', nextRetryAt: null });
    const url = `${this.baseAddress()}?sb-hc-action=listen&sb-hc-id=${randomUUID()}`;
    const ws = new WebSocket(url, {
      headers: { ServiceBusAuthorization: token.token },
      ...(this.options.ca ? { ca: this.options.ca } : {}),
      ...(this.options.agent ? { agent: this.options.agent } : {}),
      minVersion: 'TLSv1.2',
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      maxPayload: 1024 * 1024,
    });
    this.ws = ws;
    let failure: string | null = null;
    ws.once('unexpected-response', (_req, res) => {
      failure = `the relay refused the listener: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim();
      res.resume();
      ws.terminate();
    });
    ws.on('error', (e) => {
      failure ??= `cannot reach the relay at ${this.hc.host}: ${e.message}`;
    });
    ws.once('open', () => {
      this.log(`relay: listening on ${this.baseAddress()}`);
      this.setStatus({ state: 'connected', error: null, attempts: 0, nextRetryAt: null, connectedAt: this.now() });
      this.keepAlive(ws);
      if (this.options.renewable) this.scheduleRenewal(ws, token.expiresAt);
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.onControlMessage(ws, data.toString('utf8'));
    });
    ws.once('close', (code, reason) => {
      this.clearTimers();
      if (this.ws === ws) this.ws = null;
      if (this.stopped) return;
      const why = failure ?? `the relay closed the control channel (${code}${reason.length ? ` ${reason.toString()}` : ''})`;
      this.failed(why);
    });
  }

  /** One failed attempt or a dropped channel: wait (backoff with jitter), then try again. */
  private failed(error: string): void {
    if (this.stopped) return;
    const attempts = this.current.attempts + 1;
    const { initialMs, maxMs } = { ...DEFAULT_BACKOFF, ...this.options.backoff };
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempts - 1, 30));
    const delay = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    this.log(`relay: ${error}; trying again in ${Math.round(delay / 100) / 10} s (attempt ${attempts})`);
    this.setStatus({ state: 'reconnecting', error, attempts, nextRetryAt: this.now() + delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref?.();
  }

  private onControlMessage(ws: WebSocket, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.log('relay: a control message was not JSON; ignored');
      return;
    }
    const accept = (message as { accept?: AcceptMessage } | null)?.accept;
    if (accept && typeof accept.address === 'string') {
      this.handleAccept(accept);
      return;
    }
    const request = (message as { request?: { id?: string } } | null)?.request;
    if (request && typeof request.id === 'string') {
      // HTTP requests are not part of the support channel: answer at once, so the service never waits on us.
      ws.send(JSON.stringify({ response: { requestId: request.id, statusCode: 501, statusDescription: 'Only WebSocket connections are served', body: false } }));
    }
  }

  private handleAccept(accept: AcceptMessage): void {
    const problem = this.rendezvousProblem(accept.address);
    if (problem) {
      this.log(`relay: an accept for ${accept.id} was ignored: ${problem}`);
      return;
    }
    let answered = false;
    const once = () => {
      if (answered) throw new Error('this connection was already answered');
      answered = true;
    };
    const rendezvous: Rendezvous = {
      accept: (protocol) => {
        once();
        return this.openRendezvous(accept.address, protocol);
      },
      reject: (status, description) => {
        once();
        return this.rejectRendezvous(accept.address, status, description);
      },
    };
    try {
      this.options.onAccept({ ...accept, connectHeaders: accept.connectHeaders ?? {} }, rendezvous);
    } catch (e) {
      this.log(`relay: handling an accept failed: ${e instanceof Error ? e.stack : String(e)}`);
      if (!answered) void rendezvous.reject(500, 'The listener failed to handle the connection').catch(() => {});
    }
  }

  /**
   * The rendezvous address must be wss: and on the relay's own host or a
   * sibling host of its domain (the service may hand out another front end),
   * so a forged accept cannot make the gateway connect elsewhere.
   */
  private rendezvousProblem(address: string): string | null {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return 'the address is not a URL';
    }
    if (url.protocol !== 'wss:') return `the address is ${url.protocol}, not wss:`;
    const host = url.hostname.toLowerCase();
    const domain = this.hc.hostname.includes('.') && !/^[\d.]+$/.test(this.hc.hostname) ? this.hc.hostname.slice(this.hc.hostname.indexOf('.') + 1) : null;
    if (host !== this.hc.hostname && !(domain && domain.includes('.') && host.endsWith('.' + domain))) return `the address is on ${host}, not on the relay`;
    return null;
  }

  private openRendezvous(address: string, protocol?: string): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(address, protocol ? [protocol] : [], {
        ...(this.options.ca ? { ca: this.options.ca } : {}),
        ...(this.options.agent ? { agent: this.options.agent } : {}),
        minVersion: 'TLSv1.2',
        perMessageDeflate: false,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        maxPayload: this.options.maxPayload ?? 64 * 1024,
      });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        reject(new Error(`the relay refused the rendezvous: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
      });
      ws.once('error', (e) => reject(new Error(`the rendezvous failed: ${e.message}`)));
    });
  }

  /** Rejects through the rendezvous address with a status; the service answers 410 when it passed the rejection on. */
  private rejectRendezvous(address: string, status: number, description: string): Promise<void> {
    const url = `${address}${address.includes('?') ? '&' : '?'}sb-hc-statusCode=${status}&sb-hc-statusDescription=${encodeURIComponent(reasonPhrase(description))}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        ...(this.options.ca ? { ca: this.options.ca } : {}),
        ...(this.options.agent ? { agent: this.options.agent } : {}),
        minVersion: 'TLSv1.2',
        perMessageDeflate: false,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      });
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        if (res.statusCode === 410) resolve();
        else reject(new Error(`the relay did not take the rejection: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
      });
      ws.once('open', () => {
        ws.terminate();
        reject(new Error('the relay opened a connection that was meant to be rejected'));
      });
      ws.once('error', (e) => reject(new Error(`the rejection failed: ${e.message}`)));
    });
  }

  /** Pings the control channel; a ping unanswered by the next one means the channel is dead. */
  private keepAlive(ws: WebSocket): void {
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    this.pingTimer = setInterval(() => {
      if (!alive) {
        this.log('relay: the control channel stopped answering pings');
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, this.options.pingIntervalMs ?? 30_000);
    this.pingTimer.unref?.();
  }

  /** Sends renewToken before the token expires, then again before the new one does. */
  private scheduleRenewal(ws: WebSocket, expiresAt: number): void {
    const remaining = expiresAt - this.now();
    const before = Math.min(this.options.renewBeforeMs ?? 5 * 60_000, remaining / 2);
    this.renewTimer = setTimeout(() => {
      if (this.ws !== ws || ws.readyState !== WebSocket.OPEN) return;
      let next: ListenerToken;
      try {
        next = this.options.token();
      } catch (e) {
        this.log(`relay: cannot renew the listener token: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      ws.send(JSON.stringify({ renewToken: { token: next.token } }));
      this.log(`relay: listener token renewed until ${new Date(next.expiresAt).toISOString()}`);
      this.scheduleRenewal(ws, next.expiresAt);
    }, Math.max(0, remaining - before));
    this.renewTimer.unref?.();
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.renewTimer]) if (t) clearTimeout(t);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = this.renewTimer = this.pingTimer = null;
  }

  private setStatus(change: Partial<RelayStatus>): void {
    const before = this.current;
    this.current = { ...before, ...change, since: change.state && change.state !== before.state ? this.now() : before.since };
    if (change.state !== undefined || change.error !== undefined) this.options.onStatus?.(this.status);
  }
}

/** A reason phrase the relay can put on a status line: printable ASCII, at most 512 characters. */
export function reasonPhrase(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 512);
}
