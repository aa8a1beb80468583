import { request } from 'node:https';
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { until } from './until';

/**
 * Raw `ws` clients playing Hybrid Connections listener and sender, written
 * from the protocol document (relay-hybrid-connections-protocol.md), not
 * from the local relay: a listener is a WebSocket to
 * `wss://ns/$hc/{path}?sb-hc-action=listen`, the service sends it
 * `{"accept":{address,id,connectHeaders}}` text frames, and it accepts by
 * opening a WebSocket to the address as-is (or rejects by appending
 * `sb-hc-statusCode` and `sb-hc-statusDescription` and expecting a 410).
 */

export interface Refusal {
  status: number;
  statusMessage: string;
  body: string;
}

export interface Received {
  data: string | Buffer;
  binary: boolean;
}

/** Everything a socket receives, and how it closed, for tests to wait on. */
export class Recorder {
  readonly messages: Received[] = [];
  closed?: { code: number; reason: string };

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: RawData, binary: boolean) => this.messages.push({ data: binary ? Buffer.from(data as Buffer) : data.toString(), binary }));
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    ws.on('error', () => undefined);
  }

  async message(index: number): Promise<Received> {
    await until(() => this.messages.length > index);
    return this.messages[index]!;
  }

  async close(): Promise<{ code: number; reason: string }> {
    await until(() => this.closed !== undefined);
    return this.closed!;
  }
}

/** Opens a WebSocket; resolves once open, rejects with the handshake's refusal (status, reason phrase, body). */
export function openSocket(url: string, options: ClientOptions, protocols?: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols ?? [], { perMessageDeflate: false, ...options });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => reject(Object.assign(new Error(`refused ${res.statusCode}`), { refusal: { status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', body } })));
      res.on('error', () => reject(Object.assign(new Error(`refused ${res.statusCode}`), { refusal: { status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', body } })));
    });
    ws.once('error', (e) => reject(e));
  });
}

/** The refusal a handshake ends in; fails when the WebSocket opens. */
export async function refusalOf(url: string, options: ClientOptions, protocols?: string[]): Promise<Refusal> {
  try {
    const ws = await openSocket(url, options, protocols);
    ws.terminate();
  } catch (e) {
    const refusal = (e as { refusal?: Refusal }).refusal;
    if (refusal) return refusal;
    throw e;
  }
  throw new Error(`expected ${url} to be refused`);
}

/** A plain HTTPS GET: status and body. */
export function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface AcceptMessage {
  address: string;
  id: string;
  connectHeaders: Record<string, string>;
  remoteEndpoint?: { address: string; port: number };
}

/** A listener's control channel and the accept messages it receives. */
export class TestListener {
  readonly recorder: Recorder;

  private constructor(readonly ws: WebSocket) {
    this.recorder = new Recorder(ws);
  }

  static async open(address: string, token: string, ca: string, via: 'query' | 'ServiceBusAuthorization' | 'Authorization' = 'query'): Promise<TestListener> {
    const url = via === 'query' ? `${address}?sb-hc-action=listen&sb-hc-token=${encodeURIComponent(token)}` : `${address}?sb-hc-action=listen`;
    const headers = via === 'query' ? {} : { [via]: token };
    return new TestListener(await openSocket(url, { ca, headers }));
  }

  get accepts(): AcceptMessage[] {
    return this.recorder.messages.filter((m) => !m.binary).map((m) => (JSON.parse(m.data as string) as { accept: AcceptMessage }).accept).filter(Boolean);
  }

  /** The `index`th accept message (0-based), once it has come. */
  async accept(index = 0): Promise<AcceptMessage> {
    await until(() => this.accepts.length > index);
    return this.accepts[index]!;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}
