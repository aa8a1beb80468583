import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHANNEL_LIMIT_DEFAULTS, DEFAULT_LIMITS, GatewayConfig } from '../../src/config/config';
import { Clock } from '../../src/domain/clock';
import { NodeExecutor } from '../../src/executors/node-executor';
import { RunningGateway, startGateway, StartOptions } from '../../src/gateway';

/**
 * What tests read from JSON answers: loosely typed on purpose, since each
 * test's assertions check the shape it reads.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one loose type of the test suite, named so its uses are visible
export type Loose = any;

export const CLUSTER = 'hci-cl01.contoso.local';
export const FEATURE = `/api/nodes/${CLUSTER}/features/remoteSupport`;

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = 'rs-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function testConfig(dataDir: string, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    mode: 'embedded',
    host: '127.0.0.1',
    port: 0,
    dataDir,
    tls: {},
    auth: { mode: 'local' },
    cluster: { stepDelayMs: 0 },
    channel: { ...CHANNEL_LIMIT_DEFAULTS, idleTimeoutMinutes: 20, commandTimeoutSeconds: 30 },
    limits: DEFAULT_LIMITS,
    executor: { kind: 'simulated' },
    wacTransport: 'direct',
    relay: { mode: 'off' },
    ...overrides,
  };
}

export interface HttpResult<T = Loose> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

/** An HTTPS client that trusts the gateway's certificate and speaks JSON. */
export class ApiClient {
  constructor(readonly baseUrl: string, private readonly ca: string, private readonly defaultHeaders: Record<string, string> = {}) {}

  withHeaders(headers: Record<string, string>): ApiClient {
    return new ApiClient(this.baseUrl, this.ca, { ...this.defaultHeaders, ...headers });
  }

  send<T = Loose>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          ca: this.ca,
          headers: {
            ...this.defaultHeaders,
            ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              /* not JSON: keep the text */
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed as T, text });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get<T = Loose>(path: string, headers?: Record<string, string>) {
    return this.send<T>('GET', path, undefined, headers);
  }
  post<T = Loose>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.send<T>('POST', path, body, headers);
  }
  delete<T = Loose>(path: string, headers?: Record<string, string>) {
    return this.send<T>('DELETE', path, undefined, headers);
  }
}

export interface TestGateway {
  gateway: RunningGateway;
  /** Authenticated with the local admin credential as a bearer token. */
  api: ApiClient;
  /** No credential at all. */
  anonymous: ApiClient;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts a real gateway (real SQLite in a temp dir, real TLS) on a free port. */
export async function startTestGateway(
  options: { clock?: Clock; config?: Partial<GatewayConfig>; dataDir?: string; executor?: NodeExecutor; log?: (line: string) => void; freeSpace?: () => number; relayTuning?: StartOptions['relayTuning']; reads?: StartOptions['reads']; purgeTuning?: StartOptions['purgeTuning'] } = {},
): Promise<TestGateway> {
  const dir = options.dataDir ? { path: options.dataDir, remove: () => {} } : tempDir();
  const gateway = await startGateway(testConfig(dir.path, options.config), {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.executor ? { executor: options.executor } : {}),
    ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}),
    ...(options.relayTuning ? { relayTuning: options.relayTuning } : {}),
    ...(options.reads ? { reads: options.reads } : {}),
    ...(options.purgeTuning ? { purgeTuning: options.purgeTuning } : {}),
    log: options.log ?? (() => {}),
  });
  const anonymous = new ApiClient(gateway.url, gateway.caCert);
  const api = gateway.localCredential ? anonymous.withHeaders({ authorization: `Bearer ${gateway.localCredential.secret}` }) : anonymous;
  return {
    gateway,
    api,
    anonymous,
    dataDir: dir.path,
    async stop() {
      await gateway.close();
      dir.remove();
    },
  };
}

/** Installs the agent on every node and waits for it, so grants are allowed. */
export async function installAgent(t: TestGateway): Promise<void> {
  const res = await t.api.post(`${FEATURE}/agent/install`, {});
  if (res.status !== 202) throw new Error(`install answered ${res.status}: ${res.text}`);
  await t.gateway.agents.idle();
}

export const VALID_GRANT = { accessLevel: 'Diagnostics', expireInMinutes: 480, agreeToRemoteSupportConsent: true } as const;

export interface EventStream {
  events: { id: number; event: string; data: Loose }[];
  /** Resolves with the first event of `type` (already received or still to come). */
  waitFor(type: string, timeoutMs?: number): Promise<{ id: number; event: string; data: Loose }>;
  close(): void;
}

/** Opens the admin API's server-sent event stream and collects its events. */
export function openEventStream(baseUrl: string, ca: string, headers: Record<string, string>, path = `${FEATURE}/events`): Promise<EventStream> {
  const events: EventStream['events'] = [];
  const waiters: (() => void)[] = [];
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, baseUrl), { ca, headers }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`event stream answered ${res.statusCode}`));
        return;
      }
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          const id = /^id: (.*)$/m.exec(block)?.[1];
          if (event && data) {
            events.push({ id: Number(id), event, data: JSON.parse(data) });
            for (const w of waiters.splice(0)) w();
          }
        }
      });
      resolve({
        events,
        waitFor(type, timeoutMs = 10_000) {
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`no ${type} event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(', ')}`)), timeoutMs);
            const check = () => {
              const found = events.find((e) => e.event === type);
              if (found) {
                clearTimeout(timer);
                ok(found);
              } else waiters.push(check);
            };
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', (e) => reject(e));
    req.end();
  });
}

/** A browser signed in through a one-time login link: its cookie header and XSRF token. */
export interface BrowserSession {
  cookie: string;
  xsrf: string;
}

/** Mints a one-time login link with the admin credential (POST /api/login-links); returns its path. */
export async function mintLoginLink(t: TestGateway): Promise<string> {
  const res = await t.api.post('/api/login-links');
  if (res.status !== 201) throw new Error(`login-links answered ${res.status}: ${res.text}`);
  return res.body.path as string;
}

/** Signs a browser in the way a person does: a fresh one-time link, traded at /login for cookies. */
export async function signInBrowser(t: TestGateway, from: ApiClient = t.anonymous): Promise<BrowserSession> {
  const login = await from.get(await mintLoginLink(t));
  if (login.status !== 303) throw new Error(`/login answered ${login.status}: ${login.text}`);
  return cookiesOf(login);
}

/** The cookie header and XSRF token a /login answer sets. */
export function cookiesOf(login: HttpResult): BrowserSession {
  const pairs = (login.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]!);
  return { cookie: pairs.join('; '), xsrf: pairs.find((p) => p.startsWith('XSRF-TOKEN='))!.slice('XSRF-TOKEN='.length) };
}
