import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseIsoDate, readDate } from '../src/domain/dates';
import { parseClientMessage } from '../src/contract/channel';
import { parseJsonBody } from '../src/contract/json-body';
import { FEATURE, installAgent, startTestGateway, TestGateway } from './helpers/gateway-fixture';

async function grantCount(t: TestGateway): Promise<number> {
  return t.gateway.db.prepare('SELECT COUNT(*) FROM grants').pluck().get() as number;
}

describe('input gaps the attack run found (issue 11, point 11)', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
  });
  after(async () => t.stop());

  const grantBody = (expire: string) => `{"accessLevel":"Diagnostics","agreeToRemoteSupportConsent":true,"expireInMinutes":${expire}}`;

  for (const spelling of ['null', '"1e3"', '"480"', '480.5', '1e400', 'true', '[480]', '{}']) {
    it(`refuses expireInMinutes ${spelling} with InvalidExpireInMinutes and creates no grant`, async () => {
      const res = await t.api.post(`${FEATURE}/access`, grantBody(spelling));
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, 'InvalidExpireInMinutes');
      assert.equal(res.body.error.field, 'expireInMinutes');
      assert.equal(await grantCount(t), 0);
    });
  }

  it('reads the JSON number 1e3 as 1000 minutes, as JSON defines it', async () => {
    const res = await t.api.post(`${FEATURE}/access`, grantBody('1e3'));
    assert.equal(res.status, 201, res.text);
    const grant = res.body.grant;
    assert.equal(Date.parse(grant.expiresAt) - Date.parse(grant.grantedAt), 1000 * 60_000);
    assert.equal((await t.api.delete(`${FEATURE}/access`)).status, 200);
  });

  it('refuses a body that names a field twice, naming the field, and creates no grant', async () => {
    const before = await grantCount(t);
    const body = '{"accessLevel":"Diagnostics","accessLevel":"DiagnosticsRepair","agreeToRemoteSupportConsent":true,"expireInMinutes":60}';
    const res = await t.api.post(`${FEATURE}/access`, body);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.code, 'InvalidBody');
    assert.equal(res.body.error.field, 'accessLevel');
    assert.match(res.body.error.message, /accessLevel more than once/);
    assert.equal(await grantCount(t), before);
  });

  it('answers a 2,000-character session id with InvalidSessionId naming the field, not RouteNotFound', async () => {
    const res = await t.api.get(`${FEATURE}/sessions/${'a'.repeat(2000)}`);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.code, 'InvalidSessionId');
    assert.equal(res.body.error.field, 'sessionId');
    assert.ok(res.text.length < 1000, 'the overlong id is not echoed back');
  });

  it('accepts the year 0001 as a date in a query', async () => {
    const res = await t.api.get(`${FEATURE}/sessions?fromDate=0001-01-01`);
    assert.equal(res.status, 200, res.text);
  });
});

describe('JSON bodies with duplicate keys', () => {
  it('finds a duplicate at any depth, comparing keys decoded', () => {
    for (const [text, field] of [
      ['{"a":1,"a":2}', 'a'],
      ['{"a":1,"\\u0061":2}', 'a'],
      ['{"x":{"b":1,"c":[{"d":1,"d":2}]}}', 'd'],
      ['{"s":"a\\",\\"s\\":\\"","s":1}', 's'],
    ] as const) {
      assert.throws(() => parseJsonBody(text), (e: { code: string; field: string }) => e.code === 'InvalidBody' && e.field === field, text);
    }
  });

  it('accepts the same key in sibling objects and a key equal to a value', () => {
    assert.deepEqual(parseJsonBody('[{"a":1},{"a":2}]'), [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(parseJsonBody('{"a":"a","b":{"a":1}}'), { a: 'a', b: { a: 1 } });
    assert.deepEqual(parseJsonBody('{"a":[1,2],"b":[]}'), { a: [1, 2], b: [] });
  });

  it('refuses a channel message that names a field twice', () => {
    assert.throws(
      () => parseClientMessage('{"type":"run","id":"c1","line":"Get-VM","line":"Remove-VM -Name web1"}'),
      (e: { code: string; field: string }) => e.code === 'InvalidChannelMessage' && e.field === 'line',
    );
    assert.equal((parseClientMessage('{"type":"run","id":"c1","line":"Get-VM"}') as { line: string }).line, 'Get-VM');
  });

  it('refuses text that is not JSON', () => {
    assert.throws(() => parseJsonBody('{"a":'), (e: { code: string }) => e.code === 'InvalidBody');
  });
});

describe('dates from the year 0001', () => {
  it('reads 0001-01-01 and years below 100 as written, and still refuses impossible days', () => {
    assert.equal(parseIsoDate('0001-01-01'), Date.parse('0001-01-01T00:00:00Z'));
    assert.equal(new Date(readDate('0001-01-01', 'fromDate')).getUTCFullYear(), 1);
    assert.equal(new Date(readDate('0099-12-31T23:59:59Z', 'fromDate')).getUTCFullYear(), 99);
    assert.equal(parseIsoDate('0001-02-29'), null);
    assert.equal(parseIsoDate('2026-02-30'), null);
    assert.notEqual(parseIsoDate('2024-02-29'), null);
  });
});
