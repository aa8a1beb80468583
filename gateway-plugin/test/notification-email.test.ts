import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';
import { EventHub } from '../src/events/event-hub';
import { DeliveryRecord } from '../src/notify/delivery-queue';
import { EmailSettings, outcomeOfSmtpError } from '../src/notify/email-target';
import { NOTIFICATION_TYPES } from '../src/notify/notification-event';
import { Notifier } from '../src/notify/notifier';
import { FakeClock } from '../src/test-support/fake-clock';
import { loadOrCreateTls, TlsMaterial } from '../src/tls/certificates';
import { CLUSTER, FEATURE, installAgent, startTestGateway, tempDir, VALID_GRANT } from './helpers/gateway-fixture';
import { until } from './helpers/until';

interface Mail {
  raw: string;
  secure: boolean;
  user: string | undefined;
  from: string | undefined;
  to: string[];
}

/** A real SMTP server (smtp-server) on loopback that keeps every message it accepts. */
async function smtp(options: SMTPServerOptions): Promise<{ port: number; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
        });
        callback();
      });
    },
  });
  // A refused handshake is an 'error' of the server: the outcome the TLS tests look for, on the client's side.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('notifications by email through a real SMTP server on loopback', () => {
  const dir = tempDir('rs-notify-mail-');
  let tls: TlsMaterial;
  let clock: FakeClock;
  const closers: (() => Promise<void>)[] = [];

  /** A notifier that emails `settings`, and the hub it listens to. */
  const notifier = (settings: Omit<EmailSettings, 'from' | 'to' | 'events'>) => {
    const hub = new EventHub(() => clock.now());
    const lines: string[] = [];
    const n = new Notifier({
      clock, events: hub, webhooks: [], log: (l) => lines.push(l), wacUrl: 'https://wac.contoso.com/',
      email: { from: 'remote-support@contoso.com', to: ['hci-admins@contoso.com', 'oncall@contoso.com'], events: [...NOTIFICATION_TYPES], ...settings },
      queue: { random: () => 0.5 },
    });
    closers.push(() => n.close());
    return { hub, n, lines, record: (): DeliveryRecord | undefined => n.deliveries()[0] };
  };
  const session = { id: '6f1d2c3b-0a9e-4d8c-b7a6-5e4f3a2b1c0d', engineer: 'eve@vendor', accessLevel: 'Diagnostics', supportCase: '4242', nodes: ['hci-n01'], startedAt: Date.UTC(2026, 10, 25, 9, 0, 0) };

  before(async () => {
    tls = await loadOrCreateTls(dir.path);
    clock = new FakeClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  });
  after(async () => {
    for (const close of closers) await close();
    dir.remove();
  });

  it('arrives over STARTTLS, signed in, with a subject and a plain-text body that say what happened and what to do', async () => {
    const server = await smtp({
      key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2',
      onAuth: (auth, _s, cb) => (auth.username === 'notify' && auth.password === 'p4ss-w0rd' ? cb(null, { user: 'notify' }) : cb(new Error('bad credentials'))),
    });
    closers.push(server.close);
    const { hub, record } = notifier({ host: 'localhost', port: server.port, security: 'starttls', ca: tls.cert, user: 'notify', password: 'p4ss-w0rd' });
    hub.publish('session.started', CLUSTER, session);
    await until(() => server.mails.length === 1);
    const mail = server.mails[0]!;
    assert.equal(mail.secure, true);
    assert.equal(mail.user, 'notify');
    assert.equal(mail.from, 'remote-support@contoso.com');
    assert.deepEqual(mail.to, ['hci-admins@contoso.com', 'oncall@contoso.com']);
    assert.match(mail.raw, new RegExp(`^Subject: \\[Remote Support\\] Support session started on ${CLUSTER.replace(/\./g, '\\.')}\\r?$`, 'm'));
    assert.match(mail.raw, /^Content-Type: text\/plain/m);
    const body = mail.raw.split(/\r?\n\r?\n/).slice(1).join('\n\n').replace(/=\r?\n/g, '');
    assert.match(body, /A support session on hci-cl01\.contoso\.local started by eve@vendor at Diagnostics for support case 4242\./);
    assert.match(body, /Engineer: eve@vendor/);
    assert.match(body, /Time \(UTC\): 2026-11-25T09:00:00\.000Z/);
    assert.match(body, /What to do: Watch the session live in Windows Admin Center/);
    assert.match(body, /Windows Admin Center: https:\/\/wac\.contoso\.com\//);
    await until(() => record()?.state === 'delivered');
    assert.equal(record()!.kind, 'email');
    assert.equal(record()!.lastStatus, 250);
  });

  it('arrives over implicit TLS', async () => {
    const server = await smtp({ secure: true, key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' });
    closers.push(server.close);
    const { hub } = notifier({ host: 'localhost', port: server.port, security: 'tls', ca: tls.cert });
    hub.publish('grant.revoked', CLUSTER, { accessLevel: 'Diagnostics', endedBy: 'ann' });
    await until(() => server.mails.length === 1);
    assert.equal(server.mails[0]!.secure, true);
    assert.match(server.mails[0]!.raw, /Subject: \[Remote Support\] Access revoked on/);
  });

  it('is refused to a server that offers no STARTTLS when STARTTLS is required, and not retried', async () => {
    const plain = await smtp({ disabledCommands: ['STARTTLS'] });
    closers.push(plain.close);
    const { hub, record, lines } = notifier({ host: 'localhost', port: plain.port, security: 'starttls', ca: tls.cert });
    hub.publish('session.ended', CLUSTER, { ...session, endedAt: session.startedAt + 60_000, endReason: 'closed' });
    await until(() => record()?.state === 'failed');
    assert.equal(plain.mails.length, 0);
    assert.equal(record()!.attempts, 1);
    assert.match(record()!.lastError ?? '', /does not offer the TLS required/);
    assert.ok(lines.some((l) => /FAILED after 1 attempt/.test(l)));
  });

  it('is refused by a server whose certificate another CA signed', async () => {
    const otherDir = tempDir('rs-notify-other-');
    closers.push(async () => otherDir.remove());
    const other = await loadOrCreateTls(otherDir.path);
    const server = await smtp({ key: tls.key, cert: tls.cert });
    closers.push(server.close);
    const { hub, record } = notifier({ host: 'localhost', port: server.port, security: 'starttls', ca: other.cert });
    hub.publish('session.started', CLUSTER, session);
    await until(() => (record()?.attempts ?? 0) >= 1);
    assert.equal(server.mails.length, 0);
    assert.match(record()!.lastError ?? '', /certificate|self.signed/i);
  });

  it('is refused by a server that offers nothing newer than TLS 1.1', async () => {
    const old = await smtp({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
    closers.push(old.close);
    const { hub, record } = notifier({ host: 'localhost', port: old.port, security: 'starttls', ca: tls.cert });
    hub.publish('session.started', CLUSTER, session);
    await until(() => (record()?.attempts ?? 0) >= 1);
    assert.equal(old.mails.length, 0);
    assert.notEqual(record()!.state, 'delivered');
  });

  it('goes in plain text only when configured so (test mode)', async () => {
    const plain = await smtp({ disabledCommands: ['STARTTLS'] });
    closers.push(plain.close);
    const { hub } = notifier({ host: 'localhost', port: plain.port, security: 'none' });
    hub.publish('integrity.failed', CLUSTER, { kind: 'grant', problem: 'grant g1 was changed without the record key' });
    await until(() => plain.mails.length === 1);
    assert.equal(plain.mails[0]!.secure, false);
    assert.match(plain.mails[0]!.raw, /Subject: \[Remote Support\] Integrity check failed on/);
  });

  it('arrives from a running gateway configured with a CA file and a password file', async () => {
    const server = await smtp({
      key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2',
      onAuth: (auth, _s, cb) => (auth.username === 'notify' && auth.password === 'from-the-file' ? cb(null, { user: 'notify' }) : cb(new Error('bad credentials'))),
    });
    closers.push(server.close);
    const passwordFile = join(dir.path, 'smtp.password');
    writeFileSync(passwordFile, 'from-the-file\n', { mode: 0o600 });
    const email = { host: 'localhost', port: server.port, security: 'starttls' as const, caFile: tls.certFile, user: 'notify', passwordFile, from: 'rs@contoso.com', to: ['hci-admins@contoso.com'], events: ['grant.revoked' as const] };
    const t = await startTestGateway({ clock: new FakeClock(Date.now()), config: { notifications: { webhooks: [], email } } });
    closers.push(() => t.stop());
    await installAgent(t);
    assert.equal((await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: '777' })).status, 201);
    assert.equal((await t.api.delete(`${FEATURE}/access`)).status, 200);
    await until(() => server.mails.length === 1);
    assert.equal(server.mails[0]!.user, 'notify');
    assert.match(server.mails[0]!.raw, /Subject: \[Remote Support\] Access revoked on hci-cl01\.contoso\.local/);
    assert.match(server.mails[0]!.raw, /Support case: 777/);
  });

  it('is tried again on a 4xx reply or a network failure, and given up on a 5xx or a refused sign-in', () => {
    assert.equal(outcomeOfSmtpError(Object.assign(new Error('try later'), { responseCode: 451 })).kind, 'retry');
    assert.equal(outcomeOfSmtpError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' })).kind, 'retry');
    assert.equal(outcomeOfSmtpError(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 })).kind, 'give-up');
    assert.equal(outcomeOfSmtpError(Object.assign(new Error('Invalid login'), { code: 'EAUTH', responseCode: 535 })).kind, 'give-up');
  });
});
