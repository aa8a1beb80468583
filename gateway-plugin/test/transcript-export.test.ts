import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../src/cli/run-cli';
import { CLUSTER, FEATURE, installAgent, startTestGateway, tempDir, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';

async function cli(t: TestGateway, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv, '--data-dir', t.dataDir], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {} });
  return { code, stdout, stderr };
}

describe('transcript verification and export (API and CLI)', () => {
  let t: TestGateway;
  let sessionId: string;
  const out = tempDir('rs-export-');

  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
    const grant = (await t.api.post(`${FEATURE}/access`, VALID_GRANT)).body.grant;
    const s = t.gateway.sessions.open({ cluster: CLUSTER, grantId: grant.id, engineer: 'eve@vendor', supportCase: '42', accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
    sessionId = s.id;
    t.gateway.sessions.append(s.id, 'command', 'hci-n01', 'Get-ClusterNode');
    t.gateway.sessions.append(s.id, 'output', 'hci-n01', 'Name    State\n----    -----\nhci-n01 Up');
    t.gateway.sessions.append(s.id, 'denied', null, 'Stop-Service -Name ClusSvc\n-> denied (level-too-low)');
  });
  after(async () => {
    await t.stop();
    out.remove();
  });

  it('exports JSON with every entry, its hashes and the integrity result', async () => {
    const res = await t.api.get(`${FEATURE}/sessions/${sessionId}/export?format=json`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-disposition']), /attachment; filename="transcript-.*\.json"/);
    assert.equal(res.body.format, 'remote-support-transcript/1');
    assert.equal(res.body.verification.valid, true);
    assert.deepEqual(res.body.entries.map((e: { kind: string }) => e.kind), ['command', 'output', 'denied']);
    assert.equal(res.body.session.cluster, CLUSTER);
  });

  it('exports plain text with the same entries', async () => {
    const res = await t.api.get(`${FEATURE}/sessions/${sessionId}/export?format=text`);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.text, /^Remote support session /);
    assert.match(res.text, /Integrity: +verified, 3 entries/);
    assert.match(res.text, /#2 .* output \[hci-n01\]\n {4}Name {4}State/);
    assert.match(res.text, /#3 .* denied\n {4}Stop-Service -Name ClusSvc/);
    const bad = await t.api.get(`${FEATURE}/sessions/${sessionId}/export?format=pdf`);
    assert.equal(bad.body.error.code, 'InvalidExportFormat');
  });

  it('verifies from the CLI and writes exports to files without overwriting', async () => {
    const ok = await cli(t, 'verify-session', '--session-id', sessionId);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /verified: 3 entries/);
    const file = join(out.path, 'case.json');
    const exported = await cli(t, 'export-session', '--session-id', sessionId, '--format', 'json', '--output', file);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).entries.length, 3);
    const again = await cli(t, 'export-session', '--session-id', sessionId, '--output', file);
    assert.equal(again.code, 2);
    const text = await cli(t, 'export-session', '--session-id', sessionId);
    assert.match(text.stdout, /Support case: 42/);
    const missing = await cli(t, 'verify-session');
    assert.equal(missing.code, 2);
  });

  it('reports the first bad entry once a stored entry is altered', async () => {
    t.gateway.db.prepare("UPDATE transcript_entries SET text = 'nothing to see' WHERE session_id = ? AND seq = 2").run(sessionId);
    const api = await t.api.get(`${FEATURE}/sessions/${sessionId}/verify`);
    assert.equal(api.body.verification.valid, false);
    assert.equal(api.body.verification.firstBadSeq, 2);
    const res = await cli(t, 'verify-session', '--session-id', sessionId);
    assert.equal(res.code, 1);
    assert.match(res.stdout, /BROKEN at entry 2/);
    const text = await t.api.get(`${FEATURE}/sessions/${sessionId}/export?format=text`);
    assert.match(text.text, /Integrity: +BROKEN at entry 2/);
  });
});
