import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startGateway } from '../src/gateway';
import { Teardown } from '../src/teardown';
import { tempDir, testConfig } from './helpers/gateway-fixture';

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
