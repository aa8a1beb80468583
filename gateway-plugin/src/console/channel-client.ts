import { WebSocket } from 'ws';
import { NodeOutcome, ServerMessage } from '../channel/protocol';

type Opened = Extract<ServerMessage, { type: 'opened' }>;
type Ended = Extract<ServerMessage, { type: 'ended' }>;
/** A repair waiting for the cluster administrator's approval. */
export type ApprovalPending = Extract<ServerMessage, { type: 'approval-pending' }>;

/** Everything the gateway answered to one command. */
export interface CommandReply {
  id: string;
  accepted: Extract<ServerMessage, { type: 'accepted' }> | null;
  denied: Extract<ServerMessage, { type: 'denied' }> | null;
  /** Set when the command (a repair) waited for the cluster administrator's approval. */
  approvalPending: ApprovalPending | null;
  outputs: NodeOutcome[];
  error: { code: string; message: string } | null;
  /** Time left on the grant after the command, when the gateway said. */
  secondsLeft: number | null;
  accessLevel: string | null;
  /** Set when the session ended while the command was pending. */
  ended: Ended | null;
}

/**
 * A refused upgrade as a ChannelError: the gateway's JSON error body; through
 * a relay, the gateway's `Code: message` rejection; else the relay's own
 * refusal (no listener, a bad Send token) as RelayRefused.
 */
function refusalOf(status: number, statusMessage: string, body: string, where: string): ChannelError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string') return new ChannelError(parsed.error.code, parsed.error.message, status);
  } catch {
    // Not the gateway's JSON.
  }
  for (const text of [body.trim(), statusMessage.trim()]) {
    const coded = /^([A-Z][A-Za-z]+): (.+)$/s.exec(text);
    if (coded) return new ChannelError(coded[1]!, coded[2]!, status);
  }
  if (where === 'the relay') return new ChannelError('RelayRefused', `The relay refused the connection: HTTP ${status} ${(body.trim() || statusMessage).slice(0, 300)}`.trim(), status);
  return new ChannelError('ChannelRefused', `The gateway refused the connection (HTTP ${status})`, status);
}

export class ChannelError extends Error {
  constructor(readonly code: string, message: string, readonly status?: number) {
    super(message);
    this.name = 'ChannelError';
  }
}

/**
 * The engineer's side of the support channel: a TLS WebSocket with the
 * bearer token on the upgrade, then open / run / close.
 */
export class ChannelClient {
  private pending = new Map<string, { reply: CommandReply; resolve: (r: CommandReply) => void }>();
  private nextId = 1;
  private endedMessage: Ended | null = null;
  private readonly endedListeners = new Set<(ended: Ended) => void>();
  private readonly approvalListeners = new Set<(pending: ApprovalPending) => void>();
  private closeWaiter: Promise<{ code: number; reason: string }>;
  private openWaiter: ((m: Opened) => void) | null = null;
  private openFail: ((e: Error) => void) | null = null;

  private constructor(private readonly ws: WebSocket) {
    this.closeWaiter = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => this.receive(JSON.parse(data.toString('utf8')) as ServerMessage));
    ws.on('close', () => {
      const ended = this.endedMessage ?? { type: 'ended' as const, reason: 'disconnected', message: 'The connection to the gateway closed.' };
      if (!this.endedMessage) {
        // Closed without the gateway saying why (network, crash): listeners still hear of it.
        this.endedMessage = ended;
        for (const l of this.endedListeners) l(ended);
      }
      for (const { reply, resolve } of this.pending.values()) resolve({ ...reply, ended });
      this.pending.clear();
      this.openFail?.(new ChannelError('Disconnected', ended.message));
    });
  }

  /**
   * Connects with a bearer token (and, through a relay, its Send token in
   * `headers`); rejects with the gateway's coded refusal (401/403/404), which
   * a relay passes on as `Code: message` in the status line and body.
   */
  static connect(url: string, token: string, options: { ca?: string; headers?: Record<string, string>; relayed?: boolean } = {}): Promise<ChannelClient> {
    const where = options.relayed ? 'the relay' : 'the gateway';
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: { ...options.headers, authorization: `Bearer ${token}` },
        ...(options.ca ? { ca: options.ca } : {}),
        minVersion: 'TLSv1.2',
        maxPayload: 64 * 1024 * 1024,
        perMessageDeflate: !options.relayed,
      });
      ws.once('open', () => resolve(new ChannelClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(refusalOf(res.statusCode ?? 0, res.statusMessage ?? '', Buffer.concat(chunks).toString('utf8'), where)));
      });
      ws.once('error', (e) => reject(new ChannelError('GatewayUnreachable', `Cannot reach ${where} at ${url.split('?')[0]}: ${e.message}`)));
    });
  }

  /** Opens the session for a support case; rejects with the gateway's code when it refuses. */
  open(supportCase: string, nodes?: string[]): Promise<Opened> {
    return new Promise((resolve, reject) => {
      this.openWaiter = resolve;
      this.openFail = reject;
      this.ws.send(JSON.stringify({ type: 'open', supportCase, ...(nodes ? { nodes } : {}) }));
    });
  }

  /**
   * Runs a command line on the session's nodes (or `nodes`), with the
   * engineer's `reason` when given (the admin sees it with a repair that
   * waits for approval); resolves when the gateway is done with it.
   */
  run(line: string, nodes?: string[], reason?: string): Promise<CommandReply> {
    const id = `c${this.nextId++}`;
    const reply: CommandReply = { id, accepted: null, denied: null, approvalPending: null, outputs: [], error: null, secondsLeft: null, accessLevel: null, ended: null };
    return new Promise((resolve) => {
      if (this.endedMessage || this.ws.readyState !== WebSocket.OPEN) {
        resolve({ ...reply, ended: this.endedMessage ?? { type: 'ended', reason: 'disconnected', message: 'The connection to the gateway is closed.' } });
        return;
      }
      this.pending.set(id, { reply, resolve });
      this.ws.send(JSON.stringify({ type: 'run', id, line, ...(nodes ? { nodes } : {}), ...(reason !== undefined ? { reason } : {}) }));
    });
  }

  /** Called once when the gateway ends the session (revoke, expiry, admin, idle). */
  onEnded(listener: (ended: Ended) => void): void {
    this.endedListeners.add(listener);
    if (this.endedMessage) listener(this.endedMessage);
  }

  /** Called each time a repair starts waiting for the cluster administrator's approval, as soon as the gateway says so. */
  onApprovalPending(listener: (pending: ApprovalPending) => void): void {
    this.approvalListeners.add(listener);
  }

  get ended(): Ended | null {
    return this.endedMessage;
  }

  /** Resolves with the close code and reason once the socket closes. */
  closed(): Promise<{ code: number; reason: string }> {
    return this.closeWaiter;
  }

  /** Asks the gateway to end the session, then waits for the socket to close. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'close' }));
    const timer = setTimeout(() => this.ws.terminate(), 5000);
    await this.closeWaiter;
    clearTimeout(timer);
  }

  /** Drops the connection without a goodbye (tests: a crashed console). */
  terminate(): void {
    this.ws.terminate();
  }

  /** Sends a raw frame (tests: malformed messages). */
  sendRaw(frame: string): void {
    this.ws.send(frame);
  }

  private receive(m: ServerMessage): void {
    switch (m.type) {
      case 'opened':
        this.openWaiter?.(m);
        this.openWaiter = this.openFail = null;
        return;
      case 'ended':
        this.endedMessage = m;
        for (const l of this.endedListeners) l(m);
        return;
      case 'error':
        if (m.id && this.pending.has(m.id)) {
          const p = this.pending.get(m.id)!;
          this.pending.delete(m.id);
          p.resolve({ ...p.reply, error: { code: m.code, message: m.message } });
        } else if (this.openFail) {
          this.openFail(new ChannelError(m.code, m.message));
          this.openWaiter = this.openFail = null;
        }
        return;
      default: {
        const p = this.pending.get(m.id);
        if (!p) return;
        if (m.type === 'accepted') p.reply.accepted = m;
        else if (m.type === 'approval-pending') {
          p.reply.approvalPending = m;
          for (const l of this.approvalListeners) l(m);
        }
        else if (m.type === 'output') {
          const { type: _t, id: _i, ...outcome } = m;
          p.reply.outputs.push(outcome as NodeOutcome);
        } else if (m.type === 'denied' || m.type === 'done') {
          if (m.type === 'denied') p.reply.denied = m;
          p.reply.secondsLeft = m.secondsLeft;
          p.reply.accessLevel = m.accessLevel;
          this.pending.delete(m.id);
          p.resolve(p.reply);
        }
      }
    }
  }
}
