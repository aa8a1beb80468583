import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE, openEventStream, tempDir, VALID_GRANT } from './helpers/gateway-fixture';
import { GatewayProcess, spawnGateway } from './helpers/gateway-process';
import { ChannelClient } from '../src/console/channel-client';
import { acquireToken } from '../src/console/token-source';

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
    // Until the install has finished, however long a loaded machine takes (the test runner's timeout bounds it).
    for (;;) {
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

describe('durability of transcripts under SIGKILL', () => {
  const dir = tempDir('rs-kill-sessions-');
  const running: GatewayProcess[] = [];
  after(async () => {
    for (const g of running) await g.stop();
    dir.remove();
  });

  it('loses no acknowledged transcript entry when the gateway is killed during busy sessions, and marks them interrupted', async () => {
    const g1 = await spawnGateway(dir.path, ['--mode', 'test']);
    running.push(g1);
    const install = await g1.api.post(`${FEATURE}/agent/install`, {});
    // Until the install has finished, however long a loaded machine takes (the test runner's timeout bounds it).
    for (;;) {
      const op = await g1.api.get(`${FEATURE}/agent/operations/${install.body.operation.id}`);
      if (op.body.operation.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const granted = await g1.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: 'kill-test' });
    assert.equal(granted.status, 201, granted.text);

    const reg = JSON.parse(readFileSync(join(dir.path, 'engineer-client.json'), 'utf8'));
    const ca = readFileSync(join(dir.path, 'tls', 'gateway.crt'), 'utf8');
    const token = await acquireToken({ kind: 'client-credentials', authority: reg.authority, clientId: reg.clientId, clientSecret: reg.clientSecret, scope: reg.scope, ca });
    const channelUrl = `${g1.url.replace('https:', 'wss:')}/api/channel/${encodeURIComponent('hci-cl01.contoso.local')}`;

    // What each engineer saw: an output message is sent only after its entry is durable.
    const acknowledged: { sessionId: string; node: string; text: string }[] = [];
    const sessionIds: string[] = [];
    let stop = false;
    const engineers = [0, 1, 2, 3].map(async () => {
      const c = await ChannelClient.connect(channelUrl, token, { ca });
      const opened = await c.open('kill-test');
      sessionIds.push(opened.sessionId);
      const lines = ['Get-ClusterNode', 'Get-VM', 'Get-Volume', 'Get-NetAdapter'];
      for (let i = 0; !stop; i++) {
        const reply = await c.run(lines[i % lines.length]!);
        if (reply.ended) break;
        for (const o of reply.outputs) if (o.ok) acknowledged.push({ sessionId: opened.sessionId, node: o.node, text: o.text });
      }
      c.terminate();
    });
    while (acknowledged.length < 80) await new Promise((r) => setTimeout(r, 5));
    await g1.kill9();
    stop = true;
    await Promise.all(engineers);

    const g2 = await spawnGateway(dir.path, ['--mode', 'test']);
    running.push(g2);
    for (const id of sessionIds) {
      const res = await g2.api.get(`${FEATURE}/sessions/${id}?includeTranscript=true&limit=1000`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.session.endReason, 'interrupted', 'a session open at the crash is marked interrupted');
      const outputs = new Set(res.body.transcript.entries.filter((e: { kind: string }) => e.kind === 'output').map((e: { node: string; text: string }) => `${e.node}\n${e.text}`));
      for (const a of acknowledged.filter((x) => x.sessionId === id)) assert.ok(outputs.has(`${a.node}\n${a.text}`), 'an acknowledged output survived');
      const verify = await g2.api.get(`${FEATURE}/sessions/${id}/verify`);
      assert.equal(verify.body.verification.valid, true, JSON.stringify(verify.body));
      // The seal moves with every committed batch: a kill -9 leaves it exactly at the last durable entry.
      assert.equal(verify.body.verification.chain, 'keyed');
      assert.equal(verify.body.verification.sealedEntries, verify.body.verification.entries);
      assert.deepEqual(verify.body.verification.clusterProblems, [], 'no session lost, no grant unsealed by the crash');
    }
    await g2.stop();
  });
});
