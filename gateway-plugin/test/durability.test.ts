import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE, openEventStream, tempDir, VALID_GRANT } from './helpers/gateway-fixture';
import { GatewayProcess, spawnGateway } from './helpers/gateway-process';

const HOUR = 60 * 60 * 1000;

describe('durability under SIGKILL', () => {
  const dir = tempDir('rs-kill-');
  const running: GatewayProcess[] = [];
  after(async () => {
    for (const g of running) await g.stop();
    dir.remove();
  });

  async function start(): Promise<GatewayProcess> {
    const g = await spawnGateway(dir.path, ['--mode', 'test']);
    running.push(g);
    return g;
  }

  it('keeps every acknowledged grant and revoke when the gateway is killed mid-work', async () => {
    const first = await start();
    const install = await first.api.post(`${FEATURE}/agent/install`, {});
    assert.equal(install.status, 202);
    for (let i = 0; i < 200; i++) {
      const op = await first.api.get(`${FEATURE}/agent/operations/${install.body.operation.id}`);
      if (op.body.operation.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }

    const acknowledgedGrants: string[] = [];
    const acknowledgedRevokes: string[] = [];
    let killed = false;
    let inFlightAtKill = 0;
    let inFlight = 0;
    const worker = async (n: number) => {
      for (let i = 0; !killed; i++) {
        inFlight++;
        try {
          if ((i + n) % 3 === 2) {
            const res = await first.api.delete(`${FEATURE}/access`);
            if (res.status === 200 && res.body.revoked) acknowledgedRevokes.push(res.body.revoked.id);
          } else {
            const res = await first.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: `case-${n}-${i}` });
            if (res.status === 201) acknowledgedGrants.push(res.body.grant.id);
          }
        } catch {
          // The connection died with the process: not acknowledged, so not promised.
        } finally {
          inFlight--;
        }
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    while (acknowledgedGrants.length < 60) await new Promise((r) => setTimeout(r, 5));
    inFlightAtKill = inFlight;
    await first.kill9();
    killed = true;
    await Promise.all(workers);
    assert.ok(inFlightAtKill > 0, 'the kill landed while requests were in flight');

    const second = await start();
    const all = await second.api.get(`${FEATURE}/access?includeExpired=true`);
    assert.equal(all.status, 200);
    const byId = new Map<string, { state: string }>(all.body.grants.map((g: { id: string; state: string }) => [g.id, g]));
    for (const id of acknowledgedGrants) assert.ok(byId.has(id), `acknowledged grant ${id} survived`);
    for (const id of acknowledgedRevokes) assert.equal(byId.get(id)?.state, 'revoked', `acknowledged revoke of ${id} survived`);
    const active = all.body.grants.filter((g: { state: string }) => g.state === 'active');
    assert.ok(active.length <= 1, 'at most one grant is active after recovery');
    const status = await second.api.get(`${FEATURE}/status`);
    assert.deepEqual(status.body.nodes.map((n: { agent: { state: string } }) => n.agent.state), ['Installed', 'Installed', 'Installed', 'Installed'], 'the agent state survived');
    await second.stop();
  });

  it('still expires a grant on time after a SIGKILL and restart', async () => {
    const g1 = await start();
    const granted = await g1.api.post(`${FEATURE}/access`, { ...VALID_GRANT, expireInMinutes: 60 });
    assert.equal(granted.status, 201);
    await g1.kill9();

    const g2 = await start();
    const status = await g2.api.get(`${FEATURE}/status`);
    assert.equal(status.body.activeGrant?.id, granted.body.grant.id, 'the grant is active again after the restart');

    // Test mode only: move the gateway's clock to one hour later; the scheduler must fire by itself.
    const credential = readFileSync(join(dir.path, 'admin-credential'), 'utf8').trim();
    const stream = await openEventStream(g2.url, readFileSync(join(dir.path, 'tls', 'gateway.crt'), 'utf8'), { authorization: `Bearer ${credential}` });
    const moved = await g2.api.post('/api/test/clock', { advanceMs: HOUR });
    assert.equal(moved.status, 200);
    const expired = await stream.waitFor('grant.expired');
    stream.close();
    assert.equal(expired.data.id, granted.body.grant.id, 'the scheduler announced the expiry without anyone asking');
    const after = await g2.api.get(`${FEATURE}/access?includeExpired=true`);
    const g = after.body.grants.find((x: { id: string }) => x.id === granted.body.grant.id);
    assert.equal(g.state, 'expired');
    assert.equal(g.endedAt, granted.body.grant.expiresAt, 'recorded at the exact expiry time');
    const row = await g2.api.get(`${FEATURE}/status`);
    assert.equal(row.body.activeGrant, null);
    await g2.stop();
  });

  it('refuses the test clock in the embedded default', async () => {
    const g = await spawnGateway(dir.path);
    running.push(g);
    const res = await g.api.post('/api/test/clock', { advanceMs: HOUR });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'TestModeOnly');
    await g.stop();
  });
});
