import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MINUTE_MS } from '../src/domain/clock';
import { startGateway } from '../src/gateway';
import { openDatabase } from '../src/store/database';
import { Teardown } from '../src/teardown';
import { FakeClock } from '../src/test-support/fake-clock';
import { FEATURE, installAgent, startTestGateway, tempDir, testConfig, VALID_GRANT } from './helpers/gateway-fixture';

describe('the teardown list', () => {
  it('closes in reverse order of opening, once, and keeps closing past a failure', async () => {
    const closed: string[] = [];
    const teardown = new Teardown();
    teardown.add(() => closed.push('database'));
    teardown.add(() => {
      closed.push('cluster');
      throw new Error('the cluster would not stop');
    });
    teardown.add(async () => closed.push('server'));
    await assert.rejects(teardown.close(), /the cluster would not stop/);
    await assert.rejects(teardown.close(), /the cluster would not stop/, 'a second close reports the same outcome');
    assert.deepEqual(closed, ['server', 'cluster', 'database']);
  });
});

describe('starting the gateway', () => {
  it('names a port in use, and leaves no gateway.json behind', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const dir = tempDir();
    try {
      await assert.rejects(startGateway(testConfig(dir.path, { port }), { log: () => {} }), new RegExp(`Port ${port} on 127.0.0.1 is in use`));
      assert.equal(existsSync(join(dir.path, 'gateway.json')), false);
      // What the failed start opened was closed: the same data directory starts and stops cleanly.
      const gateway = await startGateway(testConfig(dir.path), { log: () => {} });
      await gateway.close();
    } finally {
      blocker.close();
      dir.remove();
    }
  });
});

describe('starting after downtime', () => {
  it('records the expiries that fell due while it was down, as late, before it listens', async () => {
    const dir = tempDir();
    const blocker = createServer();
    try {
      const first = await startTestGateway({ dataDir: dir.path, clock: new FakeClock(Date.now()) });
      await installAgent(first);
      const granted = await first.api.post(`${FEATURE}/access`, VALID_GRANT);
      assert.equal(granted.status, 201, granted.text);
      const { id, expiresAt } = granted.body.grant as { id: string; expiresAt: string };
      await first.gateway.close();

      // Back 9 hours later, on a port that is taken: the start fails at listen, after the expiry was recorded.
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as AddressInfo).port;
      const back = Date.parse(expiresAt) + 60 * MINUTE_MS;
      const lines: string[] = [];
      await assert.rejects(startGateway(testConfig(dir.path, { port }), { clock: new FakeClock(back), log: (l) => lines.push(l) }), /is in use/);
      const db = openDatabase(dir.path);
      const row = db.prepare('SELECT ended_at, end_reason, expiry_recorded_at FROM grants WHERE id = ?').get(id);
      db.close();
      assert.deepEqual(row, { ended_at: Date.parse(expiresAt), end_reason: 'expired', expiry_recorded_at: back });
      assert.ok(lines.some((l) => /1 grant\(s\) expired while the gateway was down; recorded as expired before listening/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes(`grant ${id} expired at ${expiresAt}: expiry recorded ${new Date(back).toISOString()}, 3600 s late`)), lines.join('\n'));

      const again = await startTestGateway({ dataDir: dir.path, clock: new FakeClock(back + 60_000) });
      try {
        const list = await again.api.get(`${FEATURE}/access?includeExpired=true`);
        const view = (list.body.grants as { id: string; state: string; endedAt: string; expiryRecordedAt?: string }[]).find((g) => g.id === id)!;
        assert.equal(view.state, 'expired');
        assert.equal(view.endedAt, expiresAt);
        assert.equal(view.expiryRecordedAt, new Date(back).toISOString());
      } finally {
        await again.gateway.close();
      }
    } finally {
      blocker.close();
      dir.remove();
    }
  });
});
