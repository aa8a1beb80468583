import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChannelClient } from '../src/console/channel-client';
import { DAY_MS } from '../src/domain/clock';
import { FakeClock } from '../src/test-support/fake-clock';
import { FEATURE, installAgent, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';

const CASE = '2611250010007777';

/**
 * The audit of the audit (issue 16): every transcript opened, exported or
 * verified, and every search, is recorded with who did it, and listed by
 * GET audit/reads.
 */
describe('who read the record', () => {
  let t: TestGateway;
  let clock: FakeClock;
  let sessionId: string;
  let admin: string;
  const reads = async (query = '') => {
    const res = await t.api.get(`${FEATURE}/audit/reads${query}`);
    assert.equal(res.status, 200, res.text);
    return res.body as { reads: { at: string; action: string; by: string; byId: string | null; sessionId: string | null; detail: string | null; intact: boolean }[]; nextCursor: string | null; total: number | null };
  };

  before(async () => {
    clock = new FakeClock(Date.now());
    t = await startTestGateway({ clock });
    await installAgent(t);
    const granted = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: CASE });
    assert.equal(granted.status, 201, granted.text);
    admin = granted.body.grant.grantedBy;
    const token = await t.gateway.identityProvider!.buildToken(undefined, 3600);
    const c = await ChannelClient.connect(t.gateway.channelUrl, token, { ca: t.gateway.caCert });
    sessionId = (await c.open(CASE)).sessionId;
    for (let i = 0; i < 3; i++) await c.run('Get-ClusterNode');
    await c.close();
  });
  after(async () => t.stop());

  it('records opening a transcript, an export, a verification and a search, with who did each, newest first', async () => {
    assert.deepEqual((await reads()).reads, [], 'nothing read yet');
    // Session details without the transcript, and later pages of it, are not a new reading.
    assert.equal((await t.api.get(`${FEATURE}/sessions/${sessionId}`)).status, 200);
    clock.advance(1000);
    assert.equal((await t.api.get(`${FEATURE}/sessions/${sessionId}?includeTranscript=true`)).status, 200);
    assert.equal((await t.api.get(`${FEATURE}/sessions/${sessionId}?includeTranscript=true&offset=2`)).status, 200);
    clock.advance(1000);
    assert.equal((await t.api.get(`${FEATURE}/sessions/${sessionId}/export?format=text`)).status, 200);
    clock.advance(1000);
    assert.equal((await t.api.get(`${FEATURE}/sessions/${sessionId}/verify`)).status, 200);
    clock.advance(1000);
    const search = await t.api.get(`${FEATURE}/transcripts/search?q=Get-ClusterNode&limit=1`);
    assert.equal(search.status, 200, search.text);
    assert.notEqual(search.body.nextCursor, null, 'the search has a second page');
    assert.equal((await t.api.get(`${FEATURE}/transcripts/search?q=Get-ClusterNode&limit=1&cursor=${search.body.nextCursor}`)).status, 200);

    const list = await reads();
    assert.deepEqual(
      list.reads.map((r) => [r.action, r.sessionId, r.detail, r.by, r.intact]),
      [
        ['searched', null, 'Get-ClusterNode', admin, true],
        ['verified', sessionId, 'valid', admin, true],
        ['exported', sessionId, 'text', admin, true],
        ['viewed', sessionId, null, admin, true],
      ],
    );
    assert.equal(list.total, 4);
    assert.ok(list.reads.every((r) => r.byId !== null), 'who read is recorded by a stable id too');
    assert.ok(Date.parse(list.reads[0]!.at) > Date.parse(list.reads[3]!.at));
  });

  it('lists one session\'s reads, pages with a cursor, and refuses a bad session id naming the field', async () => {
    const one = await reads(`?sessionId=${sessionId}`);
    assert.deepEqual(one.reads.map((r) => r.action), ['verified', 'exported', 'viewed']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await reads(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.reads.length <= 1);
      seen.push(...page.reads.map((r) => r.action));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, ['searched', 'verified', 'exported', 'viewed']);

    const bad = await t.api.get(`${FEATURE}/audit/reads?sessionId=not-a-session`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'InvalidSessionId');
    assert.equal(bad.body.error.field, 'sessionId');
  });

  it('shows a read changed in the database without the record key as not intact', async () => {
    t.gateway.db.prepare("UPDATE record_reads SET by_name = 'someone else' WHERE action = 'exported'").run();
    const list = await reads();
    const exported = list.reads.find((r) => r.action === 'exported')!;
    assert.equal(exported.by, 'someone else');
    assert.equal(exported.intact, false);
    assert.ok(list.reads.filter((r) => r !== exported).every((r) => r.intact));
  });

  it('keeps reads for 90 days, then the purge removes them with the transcripts', async () => {
    clock.advance(91 * DAY_MS);
    // A new read today stays.
    assert.equal((await t.api.get(`${FEATURE}/transcripts/search?q=anything`)).status, 200);
    // Moving the clock fired the hourly purge already; this one makes sure a run started after the read above ends.
    await t.gateway.janitor.purgeNow();
    await t.gateway.janitor.idle();
    assert.deepEqual((await reads()).reads.map((r) => [r.action, r.detail]), [['searched', 'anything']]);
  });
});
