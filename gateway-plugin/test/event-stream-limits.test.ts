import assert from 'node:assert/strict';
import { connect, TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../src/config/config';
import { CLUSTER, FEATURE, openEventStream, startTestGateway, TestGateway } from './helpers/gateway-fixture';
import { until } from './helpers/until';

const BUFFER_KIB = 64;

/** Opens an event stream over a real TLS socket and then never reads from it again. */
function stalledSubscriber(t: TestGateway): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: t.gateway.port, ca: t.gateway.caCert, servername: 'localhost' }, () => {
      socket.write(`GET ${FEATURE}/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${t.gateway.localCredential!.secret}\r\n\r\n`);
    });
    socket.on('error', () => {});
    socket.once('data', (chunk: Buffer) => {
      // The answer's head arrived: from here on the client stops reading.
      socket.pause();
      if (!chunk.toString('latin1').startsWith('HTTP/1.1 200')) reject(new Error(chunk.toString('latin1')));
      else resolve(socket);
    });
  });
}

describe('live event streams under stalled subscribers', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ config: { limits: { ...DEFAULT_LIMITS, eventBufferKiB: BUFFER_KIB, eventStreams: 50, eventStreamsPerAdmin: 50 } } });
  });
  after(async () => t.stop());

  it('drops subscribers that stop reading, holds no more than the buffer for each, and keeps feeding readers', async () => {
    const stalled = await Promise.all(Array.from({ length: 8 }, () => stalledSubscriber(t)));
    const reader = await openEventStream(t.gateway.url, t.gateway.caCert, { authorization: `Bearer ${t.gateway.localCredential!.secret}` });
    await until(() => t.gateway.eventStreams.stats().open === 9);
    const line = 'x'.repeat(8 * 1024);
    let published = 0;
    // Publishes until every stalled subscriber is dropped; kernel socket buffers take some megabytes first.
    while (t.gateway.eventStreams.stats().dropped < stalled.length) {
      // 80 MB per subscriber is far past what the kernel's socket buffers take: by then all must be dropped.
      assert.ok(published < 10_000, `after ${published} events only ${t.gateway.eventStreams.stats().dropped} of ${stalled.length} stalled subscribers were dropped`);
      for (let i = 0; i < 4; i++) t.gateway.events.publish('transcript.entry', CLUSTER, { line, n: published++ });
      await until(() => reader.events.length === published);
    }
    const stats = t.gateway.eventStreams.stats();
    assert.equal(stats.open, 1, 'only the reading subscriber is left');
    assert.equal(stats.dropped, stalled.length);
    assert.ok(stats.peakBufferedBytes <= BUFFER_KIB * 1024, `a stream held ${stats.peakBufferedBytes} bytes`);
    assert.ok(published * line.length > 4 * stats.peakBufferedBytes, 'far more was published than any stream held');
    assert.deepEqual(reader.events.map((e) => e.data.n), Array.from({ length: published }, (_, i) => i));
    reader.close();
    for (const s of stalled) s.destroy();
  });

  it('lets a dropped subscriber resume with Last-Event-ID and get what it missed', async () => {
    const first = t.gateway.events.publish('transcript.entry', CLUSTER, { n: 'a' });
    t.gateway.events.publish('transcript.entry', CLUSTER, { n: 'b' });
    t.gateway.events.publish('transcript.entry', CLUSTER, { n: 'c' });
    const resumed = await openEventStream(t.gateway.url, t.gateway.caCert, { authorization: `Bearer ${t.gateway.localCredential!.secret}`, 'last-event-id': String(first.id) });
    await until(() => resumed.events.length >= 2);
    assert.deepEqual(resumed.events.map((e) => e.data.n), ['b', 'c']);
    resumed.close();
  });
});

describe('caps on live event streams', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ config: { limits: { ...DEFAULT_LIMITS, eventStreams: 3, eventStreamsPerAdmin: 2 } } });
  });
  after(async () => t.stop());

  it('refuses an admin\'s stream beyond the per-admin cap with a catalog error, and takes it again once one closes', async () => {
    const headers = { authorization: `Bearer ${t.gateway.localCredential!.secret}` };
    const open = [await openEventStream(t.gateway.url, t.gateway.caCert, headers), await openEventStream(t.gateway.url, t.gateway.caCert, headers)];
    const refused = await t.api.get(`${FEATURE}/events`);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'TooManyEventStreams');
    assert.match(refused.body.error.message, /2 event streams open/);
    open.pop()!.close();
    await until(() => t.gateway.eventStreams.stats().open === 1);
    open.push(await openEventStream(t.gateway.url, t.gateway.caCert, headers));
    for (const s of open) s.close();
    await until(() => t.gateway.eventStreams.stats().open === 0);
  });

  it('refuses streams beyond the gateway\'s total', () => {
    const streams = t.gateway.eventStreams;
    const sink = { write: () => {}, bufferedBytes: 0, drop: () => {} };
    const held = ['ana', 'ben', 'cy'].map((admin) => streams.subscribe(admin, CLUSTER, undefined, sink));
    assert.throws(() => streams.subscribe('dee', CLUSTER, undefined, sink), (e: Error & { code?: string }) => e.code === 'TooManyEventStreams' && /3 event streams/.test(e.message));
    for (const s of held) s.dispose();
    assert.equal(streams.stats().open, 0);
  });
});
