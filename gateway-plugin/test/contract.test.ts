import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OPENAPI_PATH } from '../src/api/admin-api';
import { parseClientMessage } from '../src/contract/channel';
import { AgentRequest, GrantRequest, SessionQuery } from '../src/contract/admin-api';
import { validator } from '../src/contract/validation';
import { refusal } from './helpers/refusal';
import { MAX_COMMAND_LINE } from '../src/domain/identifiers';
import { startTestGateway, TestGateway } from './helpers/gateway-fixture';

const GATEWAY = join(__dirname, '..', '..');
const DOC = join(GATEWAY, '..', 'docs', 'openapi.json');

describe('the API contract', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => t.stop());

  it('serves a valid OpenAPI 3.1 document at /api/openapi.json without sign-in', async () => {
    const res = await t.anonymous.get(OPENAPI_PATH);
    assert.equal(res.status, 200, res.text);
    // The validator is an ES module.
    const { Validator } = (await import('@seriousme/openapi-schema-validator')) as typeof import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(res.body);
    assert.deepEqual(result.errors ?? [], [], 'the document validates');
    assert.equal(result.valid, true);
    assert.equal(validator.version, '3.1');
    assert.ok(res.body.paths['/api/nodes/{cluster}/features/remoteSupport/access'].post, 'the document lists the feature routes');
  });

  it('is checked in as docs/openapi.json, as served (regenerate with npm run contract)', async () => {
    const served = (await t.anonymous.get(OPENAPI_PATH)).body;
    assert.deepEqual(JSON.parse(readFileSync(DOC, 'utf8')), served, 'docs/openapi.json is stale: run `npm run build && npm run contract` in gateway-plugin');
  });

  it("keeps the extension's generated types in step with the contract (write-contract --check)", () => {
    const run = spawnSync(process.execPath, [join(GATEWAY, 'scripts', 'write-contract.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr || run.stdout);
  });
});

describe('the contract checks input with the catalog errors', () => {
  it('names an unknown field and lists the fields', () => {
    const e = refusal(() => validator(GrantRequest, 'body')({ accessLevel: 'Diagnostics', level: 'x' }));
    assert.equal(e.code, 'UnknownField');
    assert.equal(e.field, 'level');
    assert.match(e.message, /accessLevel, expireInMinutes/);
  });

  it('names a missing field with what it accepts', () => {
    const e = refusal(() => validator(GrantRequest, 'body')({}));
    assert.equal(e.code, 'FieldRequired');
    assert.equal(e.field, 'accessLevel');
    assert.match(e.message, /one of Diagnostics, DiagnosticsRepair/);
  });

  it('reads whole numbers and booleans from a query string, and nothing else', () => {
    assert.deepEqual(validator(SessionQuery, 'querystring')({ includeTranscript: 'true', offset: '5', limit: '10' }), { includeTranscript: true, offset: 5, limit: 10 });
    assert.equal(refusal(() => validator(SessionQuery, 'querystring')({ limit: '1.5' })).code, 'InvalidPaging');
    assert.equal(refusal(() => validator(SessionQuery, 'querystring')({ includeTranscript: 'yes' })).code, 'InvalidBoolean');
  });

  it('refuses a body that reads numbers from strings', () => {
    assert.equal(refusal(() => validator(GrantRequest, 'body')({ accessLevel: 'Diagnostics', expireInMinutes: '480' })).code, 'InvalidExpireInMinutes');
  });

  it('refuses node names that are not Windows computer names, in a request and in a channel frame', () => {
    for (const bad of ['hci-n01.contoso.local', 'hci-n01-', '-hci', 'a'.repeat(16), 'hci n01']) {
      assert.equal(refusal(() => validator(AgentRequest, 'body')({ nodes: [bad] })).code, 'InvalidNodeName', bad);
      const e = refusal(() => parseClientMessage(JSON.stringify({ type: 'run', id: 'r1', line: 'Get-VM', nodes: [bad] })));
      assert.equal(e.code, 'InvalidChannelMessage', bad);
      assert.equal(e.field, 'nodes');
    }
    assert.deepEqual(validator(AgentRequest, 'body')({ nodes: ['hci-n01', 'N2'] }), { nodes: ['hci-n01', 'N2'] });
  });

  it('takes a command line up to the one limit, and no longer', () => {
    const frame = (line: string) => JSON.stringify({ type: 'run', id: 'r1', line });
    assert.equal(parseClientMessage(frame('a'.repeat(MAX_COMMAND_LINE))).type, 'run');
    const e = refusal(() => parseClientMessage(frame('a'.repeat(MAX_COMMAND_LINE + 1))));
    assert.equal(e.code, 'InvalidChannelMessage');
    assert.equal(e.field, 'line');
    assert.ok(!e.message.includes('aaaa'), 'a long line is not echoed back');
  });

  it('answers unknown channel message types and fields with their codes', () => {
    assert.equal(refusal(() => parseClientMessage('{"type":"exec"}')).field, 'type');
    assert.equal(refusal(() => parseClientMessage('{"type":"close","x":1}')).code, 'UnknownField');
    assert.equal(refusal(() => parseClientMessage('[1]')).code, 'InvalidChannelMessage');
  });
});
