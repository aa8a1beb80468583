import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NotificationsConfig } from '../src/config/config';
import { NOTIFICATION_TYPES } from '../src/domain/notification-types';
import { EventHub } from '../src/events/event-hub';
import { DeliveryQueue, DeliveryRecord, DeliveryTarget } from '../src/notify/delivery-queue';
import { Notifier } from '../src/notify/notifier';
import { keyFacts, NotificationEvent, toNotification } from '../src/notify/notification-event';
import { AttemptOutcome, backoffMs, DEFAULT_RETRY, outcomeOfStatus, parseRetryAfter } from '../src/notify/retry-policy';
import { teamsMessage } from '../src/notify/teams-card';
import { webhookTarget } from '../src/notify/webhook-target';
import { signedHeaders, verifySignature } from '../src/notify/webhook-signature';
import { FakeClock } from '../src/test-support/fake-clock';
import { loadOrCreateTls, TlsMaterial } from '../src/tls/certificates';
import { CLUSTER, FEATURE, installAgent, Loose, startTestGateway, tempDir, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { until } from './helpers/until';
import { WebhookReceiver } from './helpers/webhook-receiver';

const SECRET = 'b6f1c0e2a9d84e7f9a1c3e5d7f9b1d3e';
const WAC_URL = 'https://wac.contoso.com/';

const event = (overrides: Partial<NotificationEvent> = {}): NotificationEvent => ({
  id: '5b0c4a63-8f8e-4a55-9d0b-2f6a1f0e9a10', type: 'session.started', cluster: CLUSTER, at: '2026-11-25T09:00:00.000Z',
  summary: 'A support session on hci-cl01.contoso.local started by eve@vendor at Diagnostics.', data: { id: 's1', engineer: 'eve@vendor', accessLevel: 'Diagnostics' },
  ...overrides,
});

/** A TCP server that accepts connections and never answers: a receiver that hangs. */
async function hangingServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}/hook`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port nothing listens on: a receiver that is down. */
async function deadUrl(): Promise<string> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return `https://localhost:${port}/hook`;
}

function secretFile(dir: string, name = 'webhook.secret', mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, SECRET + '\n', { mode });
  chmodSync(path, mode);
  return path;
}

describe('webhook signatures (what receivers run)', () => {
  const now = Date.UTC(2026, 10, 25, 9, 0, 0);
  const body = JSON.stringify(event());
  const headers = signedHeaders(SECRET, event(), Math.floor(now / 1000), body);

  it('accepts a delivery signed with the shared secret, its headers in any case', () => {
    assert.deepEqual(verifySignature(SECRET, headers, body, now), { valid: true });
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    assert.deepEqual(verifySignature(SECRET, lower, body, now + 60_000), { valid: true });
  });

  it('refuses a signature made with another secret', () => {
    const forged = signedHeaders('not-the-secret', event(), Math.floor(now / 1000), body);
    assert.equal(verifySignature(SECRET, forged, body, now).valid, false);
  });

  it('refuses a body changed after signing', () => {
    const changed = body.replace('Diagnostics', 'DiagnosticsRepair');
    const check = verifySignature(SECRET, headers, changed, now);
    assert.equal(check.valid, false);
    assert.match((check as { reason: string }).reason, /does not match the body/);
  });

  it('refuses a genuine delivery replayed after the tolerance, and a timestamp moved to hide it', () => {
    const replay = verifySignature(SECRET, headers, body, now + 301_000, 300);
    assert.equal(replay.valid, false);
    assert.match((replay as { reason: string }).reason, /replay/);
    const moved = { ...headers, 'X-RemoteSupport-Timestamp': String(Math.floor(now / 1000) + 301) };
    assert.equal(verifySignature(SECRET, moved, body, now + 301_000, 300).valid, false);
  });

  it('refuses an unsigned delivery and a malformed signature', () => {
    assert.equal(verifySignature(SECRET, {}, body, now).valid, false);
    assert.equal(verifySignature(SECRET, { ...headers, 'X-RemoteSupport-Signature': 'sha256=abc' }, body, now).valid, false);
    assert.equal(verifySignature(SECRET, { ...headers, 'X-RemoteSupport-Signature': ['a', 'b'] }, body, now).valid, false);
  });
});

describe('retries: exponential backoff with jitter, and which answers are tried again', () => {
  it('waits 1 s, doubling to 5 min, each wait within ±20 %', () => {
    const mid = () => 0.5;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => backoffMs(n, mid)), [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000]);
    assert.equal(backoffMs(1, () => 0), 800);
    assert.equal(backoffMs(1, () => 0.999999), 1200);
    assert.equal(DEFAULT_RETRY.maxAttempts, 8);
  });

  it('tries 408, 429 and 5xx again and gives up on other 4xx at once', () => {
    for (const status of [408, 429, 500, 502, 503]) assert.equal(outcomeOfStatus(status, undefined, 0).kind, 'retry', String(status));
    for (const status of [400, 401, 403, 404, 410, 422]) assert.equal(outcomeOfStatus(status, undefined, 0).kind, 'give-up', String(status));
    assert.equal(outcomeOfStatus(204, undefined, 0).kind, 'delivered');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('30', 0), 30_000);
    const now = Date.UTC(2026, 10, 25, 9, 0, 0);
    assert.equal(parseRetryAfter(new Date(now + 90_000).toUTCString(), now), 90_000);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });
});

describe('the notification of each event', () => {
  it('maps events published by other parts generically, with a sentence from their fields', () => {
    const n = toNotification({ type: 'request.created', cluster: CLUSTER, at: Date.UTC(2026, 10, 25, 9, 0, 0), data: { requestedBy: 'eve@vendor', accessLevel: 'DiagnosticsRepair', supportCase: '1234', createdAt: Date.UTC(2026, 10, 25, 9, 0, 0) } }, () => 'id-1')!;
    assert.equal(n.summary, `Support engineer eve@vendor asks for access to ${CLUSTER} at DiagnosticsRepair for support case 1234; approve or deny it in Windows Admin Center.`);
    assert.equal(n.at, '2026-11-25T09:00:00.000Z');
    assert.equal(n.data['createdAt'], '2026-11-25T09:00:00.000Z');
    const more = toNotification({ type: 'request.created', cluster: CLUSTER, at: 0, data: { kind: 'extension', engineer: 'eve@vendor', supportCase: '1234', reason: 'the [fix](https://evil.example) needs an hour' } })!;
    assert.equal(more.summary, `Support engineer eve@vendor asks for more time on ${CLUSTER} for support case 1234; approve or deny it in Windows Admin Center.`);
    assert.equal(more.data['reason'], 'the [fix](https://evil.example) needs an hour');
    const repair = toNotification({ type: 'repair.pending', cluster: CLUSTER, at: 0, data: { node: 'hci-n01', command: 'Restart-Service ClusSvc' } })!;
    assert.match(repair.summary, /Restart-Service ClusSvc\) on hci-n01 waits for your approval/);
    // As the repair approvals publish it: the engineer an actor, the command a cmdlet with its parameters.
    const asked = toNotification({ type: 'repair.pending', cluster: CLUSTER, at: 0, data: { id: 'a1', sessionId: 's9', engineer: { name: 'eve@vendor', id: 'entra:t/o' }, node: 'hci-n02', cmdlet: 'Restart-Service', parameters: { Name: 'ClusSvc' }, askedAt: 0 } })!;
    assert.equal(asked.summary, `A repair (Restart-Service) on hci-n02 by eve@vendor waits for your approval on ${CLUSTER}.`);
    assert.deepEqual(keyFacts(asked).slice(0, 3), [{ title: 'Cluster', value: CLUSTER }, { title: 'Session', value: 's9' }, { title: 'Engineer', value: 'eve@vendor' }]);
  });

  it('leaves out events admins are not told about', () => {
    assert.equal(toNotification({ type: 'transcript.entry', cluster: CLUSTER, at: 0, data: {} }), null);
    assert.equal(toNotification({ type: 'grant.created', cluster: CLUSTER, at: 0, data: {} }), null);
  });

  it('is a Teams message whose Adaptive Card has every field the schema requires', () => {
    // The required properties of the Adaptive Card schema (adaptivecards.io/schemas/adaptive-card.json) for the elements the card uses.
    const REQUIRED: Record<string, string[]> = { AdaptiveCard: ['type', 'version', 'body'], TextBlock: ['type', 'text'], FactSet: ['type', 'facts'], 'Action.OpenUrl': ['type', 'url'] };
    const message = teamsMessage(event(), WAC_URL) as Loose;
    assert.equal(message.type, 'message');
    assert.equal(message.attachments.length, 1);
    assert.equal(message.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
    const card = message.attachments[0].content;
    const elements = [card, ...card.body, ...(card.actions ?? [])];
    for (const element of elements) {
      assert.ok(REQUIRED[element.type], `unexpected element ${element.type}`);
      for (const key of REQUIRED[element.type]!) assert.ok(element[key] !== undefined && element[key] !== '', `${element.type} lacks ${key}`);
    }
    const facts = card.body.find((e: Loose) => e.type === 'FactSet').facts;
    for (const fact of facts) assert.ok(typeof fact.title === 'string' && typeof fact.value === 'string' && fact.value !== '');
    assert.deepEqual(facts.map((f: Loose) => f.title), ['Cluster', 'Session', 'Engineer', 'Level', 'Time (UTC)']);
    assert.equal(card.body[0].text, `Support session started: ${CLUSTER}`);
    assert.deepEqual(card.actions, [{ type: 'Action.OpenUrl', title: 'Open Windows Admin Center', url: WAC_URL }]);
    assert.equal((teamsMessage(event()) as Loose).attachments[0].content.actions, undefined);
  });

  it('escapes markdown an engineer could put in a card, so it cannot become a link', () => {
    const sneaky = toNotification({ type: 'repair.pending', cluster: CLUSTER, at: 0, data: { node: 'hci-n01', command: 'Get-Item [approve here](https://evil.example/x) *now*', engineer: '[eve](https://evil.example)' } })!;
    const card = (teamsMessage(sneaky) as Loose).attachments[0].content;
    const texts: string[] = [...card.body.filter((e: Loose) => e.type === 'TextBlock').map((e: Loose) => e.text), ...card.body.find((e: Loose) => e.type === 'FactSet').facts.map((f: Loose) => f.value)];
    for (const text of texts) assert.doesNotMatch(text, /(?<!\\)\[[^\]]*(?<!\\)\]\(/, text);
    assert.ok(texts.some((t) => t.includes('Get-Item \\[approve here\\](https://evil.example/x) \\*now\\*')));
    assert.ok(texts.includes('\\[eve\\](https://evil.example)'));
  });
});

describe('webhook delivery to a real HTTPS receiver on loopback, on a fake clock', () => {
  const dir = tempDir('rs-notify-q-');
  let tls: TlsMaterial;
  let receiver: WebhookReceiver;
  let clock: FakeClock;
  const lines: string[] = [];
  const queues: DeliveryQueue[] = [];

  /** A queue posting to `url` with the jitter fixed at its middle, and the record of its one delivery. */
  const queue = (url: string, options: { maxPending?: number; attemptTimeoutMs?: number; plainLoopback?: boolean } = {}) => {
    const records: DeliveryRecord[] = [];
    const { plainLoopback, ...tuning } = options;
    const q = new DeliveryQueue(webhookTarget({ url, secret: SECRET, format: 'json', events: NOTIFICATION_TYPES, ca: tls.cert }, { clock, plainLoopback: plainLoopback ?? false }), {
      clock, log: (l) => lines.push(l), random: () => 0.5, onRecord: (r) => { if (!records.includes(r)) records.push(r); }, ...tuning,
    });
    queues.push(q);
    return { q, records };
  };

  before(async () => {
    tls = await loadOrCreateTls(dir.path);
    clock = new FakeClock(Date.now());
    receiver = await WebhookReceiver.start(tls, () => clock.now());
  });
  after(async () => {
    for (const q of queues) await q.close();
    await receiver.stop();
    dir.remove();
  });

  it('tries a receiver answering 500 twice three times, 1 s and then 2 s apart, and signs each attempt', async () => {
    receiver.received.length = 0;
    receiver.answer(500, 500, 200);
    const { q, records } = queue(receiver.url);
    const t0 = clock.now();
    q.enqueue(event({ id: 'retry-1' }));
    await until(() => records[0]?.attempts === 1);
    assert.equal(records[0]!.nextAttemptAt, t0 + 1000);
    clock.advance(999);
    assert.equal(receiver.received.length, 1);
    clock.advance(1);
    await until(() => records[0]?.attempts === 2);
    assert.equal(records[0]!.nextAttemptAt, t0 + 3000);
    clock.advance(2000);
    await until(() => records[0]?.state === 'delivered');
    assert.deepEqual(receiver.received.map((r) => r.at), [t0, t0 + 1000, t0 + 3000]);
    assert.deepEqual({ attempts: records[0]!.attempts, lastStatus: records[0]!.lastStatus }, { attempts: 3, lastStatus: 200 });
    for (const r of receiver.received) assert.deepEqual(verifySignature(SECRET, r.headers, r.body, clock.now()), { valid: true });
    assert.equal(q.size, 0);
    assert.ok(lines.some((l) => /retry-1 attempt 1 failed \(status 500\); next in 1 s/.test(l)));
  });

  it('gives up on a 400 at once, with the status in its record and the log', async () => {
    receiver.received.length = 0;
    receiver.answer(400);
    const { q, records } = queue(receiver.url);
    q.enqueue(event({ id: 'bad-1' }));
    await until(() => records[0]?.state === 'failed');
    const before = clock.pendingTimers;
    clock.advance(10 * 60_000);
    assert.equal(receiver.received.length, 1);
    assert.deepEqual({ attempts: records[0]!.attempts, lastStatus: records[0]!.lastStatus, nextAttemptAt: records[0]!.nextAttemptAt }, { attempts: 1, lastStatus: 400, nextAttemptAt: null });
    assert.equal(before, clock.pendingTimers);
    assert.ok(lines.some((l) => /bad-1 FAILED after 1 attempt\(s\).*400.*\(not retried\)/.test(l)));
  });

  it("waits as long as a 429's Retry-After says", async () => {
    receiver.received.length = 0;
    receiver.answer({ status: 429, headers: { 'retry-after': '30' } }, 200);
    const { q, records } = queue(receiver.url);
    const t0 = clock.now();
    q.enqueue(event({ id: 'busy-1' }));
    await until(() => records[0]?.attempts === 1);
    assert.equal(records[0]!.nextAttemptAt, t0 + 30_000);
    clock.advance(30_000);
    await until(() => records[0]?.state === 'delivered');
  });

  it('gives up after 8 attempts on a receiver that keeps failing, the waits doubling', async () => {
    receiver.received.length = 0;
    receiver.answer(503, 503, 503, 503, 503, 503, 503, 503, 200);
    const { q, records } = queue(receiver.url);
    const t0 = clock.now();
    q.enqueue(event({ id: 'down-1' }));
    for (let n = 1; n < 8; n++) {
      await until(() => records[0]?.attempts === n);
      clock.set(records[0]!.nextAttemptAt!);
    }
    await until(() => records[0]?.state === 'failed');
    assert.equal(receiver.received.length, 8);
    assert.deepEqual(receiver.received.map((r) => r.at - t0), [0, 1000, 3000, 7000, 15000, 31000, 63000, 127000]);
    assert.equal(records[0]!.lastStatus, 503);
  });

  it('tries a receiver that is down again, saying why', async () => {
    const { q, records } = queue(await deadUrl());
    q.enqueue(event({ id: 'dead-1' }));
    await until(() => records[0]?.attempts === 1);
    assert.equal(records[0]!.state, 'pending');
    assert.match(records[0]!.lastError ?? '', /ECONNREFUSED/);
  });

  it('ends an attempt that gets no answer when the fake clock passes its time limit, and tries again', async () => {
    const hanging = await hangingServer();
    try {
      const { q, records } = queue(hanging.url, { attemptTimeoutMs: 10_000 });
      q.enqueue(event({ id: 'slow-1' }));
      clock.advance(9_999);
      assert.equal(records[0]!.attempts, 0);
      clock.advance(1);
      await until(() => records[0]?.attempts === 1);
      assert.match(records[0]!.lastError ?? '', /no answer within 10 s/);
      assert.equal(records[0]!.state, 'pending');
    } finally {
      await hanging.close();
    }
  });

  it('posts in plain http only to this machine and only in test mode, refusing it at once otherwise', async () => {
    const bodies: string[] = [];
    const plain = createHttpServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        bodies.push(text);
        res.end();
      });
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/hook`;
    try {
      const allowed = queue(url, { plainLoopback: true });
      allowed.q.enqueue(event({ id: 'plain-1' }));
      await until(() => allowed.records[0]?.state === 'delivered');
      assert.equal(bodies.length, 1);
      const refused = queue(url);
      refused.q.enqueue(event({ id: 'plain-2' }));
      await until(() => refused.records[0]?.state === 'failed');
      assert.equal(refused.records[0]!.attempts, 1);
      assert.match(refused.records[0]!.lastError ?? '', /is not an https:\/\/ address/);
      const remote = queue('http://hooks.contoso.com/hook', { plainLoopback: true });
      remote.q.enqueue(event({ id: 'plain-3' }));
      await until(() => remote.records[0]?.state === 'failed');
      assert.equal(bodies.length, 1);
    } finally {
      plain.closeAllConnections();
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it('holds at most maxPending deliveries per target, dropping the oldest and counting them', async () => {
    const hanging = await hangingServer();
    try {
      const { q, records } = queue(hanging.url, { maxPending: 3 });
      for (let i = 1; i <= 5; i++) q.enqueue(event({ id: `flood-${i}` }));
      assert.equal(q.size, 3);
      assert.equal(q.dropped, 2);
      assert.deepEqual(records.filter((r) => r.state === 'dropped').map((r) => r.eventId), ['flood-1', 'flood-2']);
      assert.equal(lines.filter((l) => /flood-\d DROPPED/.test(l)).length, 2);
    } finally {
      await hanging.close();
    }
  });
});

describe('notifications from a running gateway', () => {
  const dir = tempDir('rs-notify-gw-');
  let tls: TlsMaterial;
  let clock: FakeClock;
  let json: WebhookReceiver;
  let teams: WebhookReceiver;
  let t: TestGateway;
  const lines: string[] = [];

  before(async () => {
    tls = await loadOrCreateTls(dir.path);
    clock = new FakeClock(Date.now());
    json = await WebhookReceiver.start(tls, () => clock.now());
    teams = await WebhookReceiver.start(tls, () => clock.now(), '/workflows/abc');
    const secret = secretFile(dir.path);
    const notifications: NotificationsConfig = {
      wacUrl: WAC_URL,
      webhooks: [
        { url: json.url, secretFile: secret, format: 'json', events: [...NOTIFICATION_TYPES], caFile: tls.certFile },
        { url: teams.url, secretFile: secret, format: 'teams', events: ['grant.revoked'], caFile: tls.certFile },
      ],
    };
    t = await startTestGateway({ clock, config: { notifications }, log: (l) => lines.push(l) });
    await installAgent(t);
  });
  after(async () => {
    await t.stop();
    await json.stop();
    await teams.stop();
    dir.remove();
  });

  it('posts a session start and end and a revoke, each signed and naming its event', async () => {
    const grant = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: '4242' });
    assert.equal(grant.status, 201);
    const s = t.gateway.sessions.open({ cluster: CLUSTER, grantId: grant.body.grant.id, engineer: 'eve@vendor', supportCase: '4242', accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
    t.gateway.sessions.end(s.id, 'closed');
    assert.equal((await t.api.delete(`${FEATURE}/access`)).status, 200);
    await until(() => ['session.started', 'session.ended', 'grant.revoked'].every((type) => json.ofType(type).length === 1));
    for (const r of json.received) {
      assert.deepEqual(verifySignature(SECRET, r.headers, r.body, clock.now()), { valid: true });
      const body = JSON.parse(r.body) as NotificationEvent;
      assert.equal(r.headers['x-remotesupport-delivery'], body.id);
      assert.equal(r.headers['x-remotesupport-event'], body.type);
      assert.equal(body.cluster, CLUSTER);
      assert.match(body.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(r.path, '/hooks/remote-support?token=abc');
    }
    const started = JSON.parse(json.ofType('session.started')[0]!.body) as NotificationEvent;
    assert.equal(started.summary, `A support session on ${CLUSTER} started by eve@vendor at Diagnostics for support case 4242.`);
    assert.equal(started.data['id'], s.id);
    const revoked = JSON.parse(json.ofType('grant.revoked')[0]!.body) as NotificationEvent;
    assert.match(revoked.summary, /^Support access to .* at Diagnostics was revoked by .+ for support case 4242\.$/);
    assert.equal(revoked.data['sasCredential'], undefined);
  });

  it('sends the Teams webhook only the events it lists, as an Adaptive Card with a link to Windows Admin Center', async () => {
    await until(() => teams.received.length === 1);
    const r = teams.received[0]!;
    assert.equal(r.headers['x-remotesupport-event'], 'grant.revoked');
    assert.deepEqual(verifySignature(SECRET, r.headers, r.body, clock.now()), { valid: true });
    const card = (JSON.parse(r.body) as Loose).attachments[0].content;
    assert.equal(card.type, 'AdaptiveCard');
    assert.equal(card.body[0].text, `Access revoked: ${CLUSTER}`);
    assert.equal(card.actions[0].url, WAC_URL);
  });

  it('lists the deliveries newest first through the API, with attempts and status and without the query of the URL', async () => {
    await until(() => t.gateway.notifier!.deliveries().every((d) => d.state === 'delivered'));
    const res = await t.api.get(`${FEATURE}/notifications/deliveries`);
    assert.equal(res.status, 200);
    assert.equal(res.body.configured, true);
    assert.equal(res.body.dropped, 0);
    const list = res.body.deliveries as Loose[];
    assert.deepEqual(list.filter((d) => d.kind === 'webhook' && d.target.endsWith('/hooks/remote-support')).map((d) => d.eventType).reverse().slice(0, 3), ['session.started', 'session.ended', 'grant.revoked']);
    for (const d of list) {
      assert.equal(d.state, 'delivered');
      assert.equal(d.attempts, 1);
      assert.equal(d.lastStatus, 200);
      assert.doesNotMatch(d.target, /token/);
    }
    assert.ok(lines.some((l) => /webhook https:\/\/localhost:\d+\/hooks\/remote-support: grant\.revoked \S+ delivered \(attempt 1, 200\)/.test(l)));
  });

  it('shows a retry through the API: pending with the last status and the next attempt, then delivered', async () => {
    json.answer(500);
    const grant = await t.api.post(`${FEATURE}/access`, VALID_GRANT);
    assert.equal((await t.api.delete(`${FEATURE}/access`)).status, 200);
    await until(() => t.gateway.notifier!.deliveries().some((d) => d.eventType === 'grant.revoked' && d.lastStatus === 500));
    const waiting = (await t.api.get(`${FEATURE}/notifications/deliveries`)).body.deliveries.find((d: Loose) => d.eventType === 'grant.revoked' && d.lastStatus === 500);
    assert.deepEqual({ state: waiting.state, attempts: waiting.attempts, lastStatus: waiting.lastStatus }, { state: 'pending', attempts: 1, lastStatus: 500 });
    const next = Date.parse(waiting.nextAttemptAt);
    assert.ok(next - clock.now() >= 800 && next - clock.now() <= 1200, `the first retry waits 1 s ± 20 % (${next - clock.now()} ms)`);
    clock.set(next);
    await until(() => t.gateway.notifier!.deliveries().find((d) => d.eventId === waiting.eventId && d.kind === 'webhook' && d.target === waiting.target)?.state === 'delivered');
    const done = (await t.api.get(`${FEATURE}/notifications/deliveries`)).body.deliveries.find((d: Loose) => d.eventId === waiting.eventId && d.target === waiting.target);
    assert.deepEqual({ state: done.state, attempts: done.attempts, lastStatus: done.lastStatus, nextAttemptAt: done.nextAttemptAt }, { state: 'delivered', attempts: 2, lastStatus: 200, nextAttemptAt: null });
    assert.ok(grant.body.grant.id);
  });

  it('answers the deliveries only to a signed-in admin', async () => {
    assert.equal((await t.anonymous.get(`${FEATURE}/notifications/deliveries`)).status, 401);
  });

  it('posts integrity.failed when a verify finds a session record changed', async () => {
    const grant = await t.api.post(`${FEATURE}/access`, VALID_GRANT);
    const s = t.gateway.sessions.open({ cluster: CLUSTER, grantId: grant.body.grant.id, engineer: 'eve@vendor', supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
    t.gateway.sessions.end(s.id, 'closed');
    t.gateway.db.prepare("UPDATE sessions SET engineer = 'someone-else@vendor' WHERE id = ?").run(s.id);
    const verified = await t.api.get(`${FEATURE}/sessions/${s.id}/verify`);
    assert.equal(verified.status, 200);
    await until(() => json.ofType('integrity.failed').some((r) => (JSON.parse(r.body) as NotificationEvent).data['sessionId'] === s.id));
    const body = JSON.parse(json.ofType('integrity.failed').find((r) => (JSON.parse(r.body) as NotificationEvent).data['sessionId'] === s.id)!.body) as NotificationEvent;
    assert.equal(body.data['kind'], 'transcript');
    assert.match(body.summary, /^An integrity check on .* found a problem: .+; the record may have been changed\.$/);
    await t.api.delete(`${FEATURE}/access`);
  });

  it('posts integrity.failed when a grant changed without the record key is met', async () => {
    const grant = await t.api.post(`${FEATURE}/access`, VALID_GRANT);
    t.gateway.db.prepare("UPDATE grants SET access_level = 'DiagnosticsRepair' WHERE id = ?").run(grant.body.grant.id);
    await t.api.get(`${FEATURE}/status`);
    await until(() => json.ofType('integrity.failed').some((r) => (JSON.parse(r.body) as NotificationEvent).data['kind'] === 'grant'));
  });
});

describe('a receiver that hangs or is down', () => {
  it('never holds up a grant or a revoke', async () => {
    const dir = tempDir('rs-notify-slow-');
    const hanging = await hangingServer();
    const secret = secretFile(dir.path);
    const t = await startTestGateway({
      clock: new FakeClock(Date.now()),
      config: { notifications: { webhooks: [{ url: hanging.url, secretFile: secret, format: 'json', events: [...NOTIFICATION_TYPES] }, { url: await deadUrl(), secretFile: secret, format: 'json', events: [...NOTIFICATION_TYPES] }] } },
    });
    try {
      await installAgent(t);
      assert.equal((await t.api.post(`${FEATURE}/access`, VALID_GRANT)).status, 201);
      const s = t.gateway.sessions.open({ cluster: CLUSTER, grantId: t.gateway.consent.active(CLUSTER)!.id, engineer: 'eve@vendor', supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
      assert.equal((await t.api.delete(`${FEATURE}/access`)).status, 200);
      assert.ok(s.id);
      // The revoke has answered while the hanging receiver still holds the first delivery open.
      const toHanging = t.gateway.notifier!.deliveries().filter((d) => hanging.url.startsWith(d.target));
      assert.ok(toHanging.length >= 2);
      assert.ok(toHanging.some((d) => d.state === 'pending' && d.attempts === 0));
    } finally {
      await t.stop();
      await hanging.close();
      dir.remove();
    }
  });
});

describe('a gateway without notifications', () => {
  it('starts no notifier and lists no deliveries', async () => {
    const t = await startTestGateway();
    try {
      assert.equal(t.gateway.notifier, null);
      const res = await t.api.get(`${FEATURE}/notifications/deliveries`);
      assert.deepEqual(res.body, { configured: false, deliveries: [], dropped: 0 });
    } finally {
      await t.stop();
    }
  });
});

describe('a webhook secret file', () => {
  it('readable by others stops the start, naming the setting', { skip: process.platform === 'win32' }, async () => {
    const dir = tempDir('rs-notify-mode-');
    try {
      const secret = secretFile(dir.path, 'open.secret', 0o644);
      await assert.rejects(
        startTestGateway({ config: { notifications: { webhooks: [{ url: 'https://hooks.contoso.com/x', secretFile: secret, format: 'json', events: [...NOTIFICATION_TYPES] }] } } }),
        /notifications\.webhooks\.0\.secretFile: .*open\.secret can be read by others \(mode 0644\); make it readable by its owner only \(chmod 600\)/,
      );
    } finally {
      dir.remove();
    }
  });

  it('missing stops the start, naming the setting', async () => {
    await assert.rejects(
      startTestGateway({ config: { notifications: { webhooks: [{ url: 'https://hooks.contoso.com/x', secretFile: '/nonexistent/secret', format: 'json', events: [...NOTIFICATION_TYPES] }] } } }),
      /notifications\.webhooks\.0\.secretFile: cannot read \/nonexistent\/secret \(ENOENT\)/,
    );
  });
});

describe('the event hub and the notifier', () => {
  it('publishes integrity.failed as a live event type', () => {
    const hub = new EventHub(() => 0);
    assert.equal(hub.publish('integrity.failed', CLUSTER, { problem: 'x' }).type, 'integrity.failed');
  });

  /** A target that records what it is sent and answers as told. */
  const recorder = (answer: () => Promise<AttemptOutcome>) => {
    const sent: NotificationEvent[] = [];
    const target: DeliveryTarget = { kind: 'webhook', name: 'https://recorder/', send: async (e) => { sent.push(e); return answer(); }, close: async () => {} };
    return { sent, target };
  };

  it('hands each target the events it lists, including those other parts publish under their own topic names', async () => {
    const clock = new FakeClock();
    const hub = new EventHub(() => clock.now());
    const all = recorder(async () => ({ kind: 'delivered', status: 200 }));
    const revokes = recorder(async () => ({ kind: 'delivered', status: 200 }));
    const n = new Notifier({ clock, events: hub, webhooks: [], log: () => {}, targets: [{ target: all.target, events: NOTIFICATION_TYPES }, { target: revokes.target, events: ['grant.revoked'] }] });
    try {
      // Access requests and repair approvals publish on the hub under these names (repair.pending's part is built alongside).
      hub.publish('request.created', CLUSTER, { requestedBy: 'eve@vendor', accessLevel: 'Diagnostics' });
      hub.publish('repair.pending', CLUSTER, { node: 'hci-n02', command: 'Restart-Service ClusSvc', engineer: 'eve@vendor' });
      hub.publish('request.expired', CLUSTER, { requestedBy: 'eve@vendor' });
      hub.publish('transcript.entry', CLUSTER, { text: 'Get-ClusterNode' });
      hub.publish('grant.created', CLUSTER, {});
      hub.publish('grant.revoked', CLUSTER, { accessLevel: 'Diagnostics' });
      await until(() => all.sent.length === 4 && revokes.sent.length === 1);
      assert.deepEqual(all.sent.map((e) => e.type), ['request.created', 'repair.pending', 'request.expired', 'grant.revoked']);
      assert.deepEqual(revokes.sent.map((e) => e.type), ['grant.revoked']);
      assert.notEqual(all.sent[3]!.id, all.sent[0]!.id);
      assert.equal(all.sent[3]!.id, revokes.sent[0]!.id);
    } finally {
      await n.close();
    }
  });

  it('leaves no timer behind when closed with retries pending', async () => {
    const clock = new FakeClock();
    const hub = new EventHub(() => clock.now());
    const failing = recorder(async () => ({ kind: 'retry', status: 503, error: null }));
    const n = new Notifier({ clock, events: hub, webhooks: [], log: () => {}, targets: [{ target: failing.target, events: NOTIFICATION_TYPES }] });
    hub.publish('grant.expired', CLUSTER, {});
    await until(() => n.deliveries()[0]?.attempts === 1);
    assert.equal(clock.pendingTimers, 1);
    await n.close();
    assert.equal(clock.pendingTimers, 0);
    hub.publish('grant.expired', CLUSTER, {});
    assert.equal(failing.sent.length, 1);
  });
});
