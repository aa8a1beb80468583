import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChannelClient } from '../src/console/channel-client';
import { FEATURE, installAgent, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';

const CASE = '2612030010009999';

/** Issue 15, item 14: the Overview's command count names the refused lines too, also after a reload. */
describe('a live session in the status', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
  });
  after(async () => t.stop());

  it('counts the lines refused so far, apart from the commands, and history rows carry no such count', async () => {
    assert.equal((await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: CASE })).status, 201);
    const c = await ChannelClient.connect(t.gateway.channelUrl, await t.gateway.identityProvider!.buildToken(), { ca: t.gateway.caCert });
    try {
      const { sessionId } = await c.open(CASE);
      await c.run('Get-ClusterNode');
      await c.run('Stop-Service -Name ClusSvc');
      await c.run('Remove-Item C:\\ -Recurse');
      const [live] = (await t.api.get(`${FEATURE}/status`)).body.liveSessions;
      assert.equal(live.id, sessionId);
      assert.equal(live.commandCount, 1);
      assert.equal(live.deniedCount, 2);
      const [row] = (await t.api.get(`${FEATURE}/sessions`)).body.sessions;
      assert.equal('deniedCount' in row, false);
    } finally {
      await c.close();
    }
  });
});
