import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ChannelClient, ChannelError } from '../src/console/channel-client';
import { acquireToken } from '../src/console/token-source';
import { entryHash, GENESIS_HASH, TranscriptEntry } from '../src/domain/transcript';
import { FakeClock } from '../src/test-support/fake-clock';
import { FEATURE, installAgent, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';
import { ScriptedExecutor } from './helpers/scripted-executor';

/*
 * The thirteen kinds of edit an attacker with write access to the SQLite file
 * (but not to record.key) tried in the attack run of issue 11, each made
 * directly in the database of a running gateway, each checked through the
 * admin API's verify (and, for grants, by trying to use the grant).
 */

const CASE = '2611250010001234';

interface Check {
  valid: boolean;
  entries: number;
  firstBadSeq: number | null;
  problem: string | null;
  problems: string[];
  chain: string;
  sealedEntries: number | null;
  clusterProblems: string[];
}

describe('records an attacker edits in the database without the record key', () => {
  let t: TestGateway;
  let clock: FakeClock;
  let token: string;
  const logs: string[] = [];
  const clients: ChannelClient[] = [];
  const detected = new Set<string>();

  const db = () => t.gateway.db;
  const connect = async () => {
    const c = await ChannelClient.connect(t.gateway.channelUrl, token, { ca: t.gateway.caCert });
    clients.push(c);
    return c;
  };
  const grant = async (body: Record<string, unknown> = {}) => {
    const res = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: CASE, ...body });
    assert.equal(res.status, 201, res.text);
    return res.body.grant as { id: string };
  };
  const verify = async (id: string): Promise<Check> => {
    const res = await t.api.get(`${FEATURE}/sessions/${id}/verify`);
    assert.equal(res.status, 200, res.text);
    return res.body.verification as Check;
  };
  /** A closed session: the opening, two commands each answered by 4 nodes, one refused command, the closing. */
  const recordedSession = async (): Promise<string> => {
    await grant();
    const c = await connect();
    const opened = await c.open(CASE);
    await c.run('Get-VM');
    await c.run('Get-ClusterNode');
    await c.run('Remove-VM -Name web01');
    await c.close();
    const id = opened.sessionId;
    const check = await verify(id);
    assert.equal(check.valid, true, `untouched session verifies: ${check.problems.join('; ')}`);
    assert.equal(check.chain, 'keyed');
    assert.equal(check.sealedEntries, check.entries);
    return id;
  };
  const entries = (id: string) =>
    (db().prepare('SELECT session_id AS sessionId, seq, at, kind, node, text, prev_hash AS prevHash, hash FROM transcript_entries WHERE session_id = ? ORDER BY seq').all(id) as TranscriptEntry[]);
  /** What an attacker without the key can do best: recompute the chain with the old, unkeyed SHA-256. */
  const recompute = (id: string) => {
    let prev = GENESIS_HASH;
    const set = db().prepare('UPDATE transcript_entries SET prev_hash = ?, hash = ? WHERE session_id = ? AND seq = ?');
    for (const e of entries(id)) {
      const hash = entryHash({ ...e, prevHash: prev });
      set.run(prev, hash, id, e.seq);
      prev = hash;
    }
  };
  const cut = (id: string, n: number) => db().prepare('DELETE FROM transcript_entries WHERE session_id = ? AND seq > (SELECT MAX(seq) FROM transcript_entries WHERE session_id = ?) - ?').run(id, id, n);
  const expectSessionTampered = async (kind: string, id: string, pattern: RegExp) => {
    const check = await verify(id);
    assert.equal(check.valid, false, `${kind} went undetected`);
    assert.ok(check.problems.some((p) => pattern.test(p)), `${kind}: ${check.problems.join('; ')}`);
    detected.add(kind);
    return check;
  };
  const expectGrantRefused = async (kind: string, grantId: string) => {
    logs.length = 0;
    await assert.rejects(connect(), (e: ChannelError) => e.code === 'NoActiveGrant', `${kind}: the tampered grant was used`);
    const status = await t.api.get(`${FEATURE}/status`);
    assert.equal(status.body.activeGrant, null, `${kind}: status shows the tampered grant as active`);
    assert.ok(status.body.tamperedGrants.some((p: string) => p.includes(`grant ${grantId}`)), `${kind}: status does not name the tampered grant`);
    const history = await t.api.get(`${FEATURE}/access?includeExpired=true`);
    assert.ok(!history.body.grants.some((g: { id: string }) => g.id === grantId), `${kind}: the access list shows the tampered grant`);
    assert.ok(logs.some((l) => l.includes('RECORD TAMPERED') && l.includes(grantId)), `${kind}: nothing was logged`);
    detected.add(kind);
  };

  before(async () => {
    clock = new FakeClock(Date.now());
    t = await startTestGateway({ clock, executor: new ScriptedExecutor(clock), log: (l) => logs.push(l) });
    await installAgent(t);
    const reg = t.gateway.identityProvider!.registration;
    token = await acquireToken({ kind: 'client-credentials', authority: reg.authority, clientId: reg.clientId, clientSecret: reg.clientSecret, scope: reg.scope, ca: t.gateway.caCert });
  });
  beforeEach(async () => {
    await t.api.delete(`${FEATURE}/access`);
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await t.stop();
    console.log(`tamper kinds detected: ${detected.size} of 13 (${[...detected].join(', ')})`);
  });

  it('detects the last entry cut', async () => {
    const id = await recordedSession();
    cut(id, 1);
    const check = await expectSessionTampered('cut last 1', id, /cut: (\d+) entries, the sealed head records \d+/);
    assert.equal(check.firstBadSeq, check.entries + 1);
    assert.equal(check.sealedEntries, check.entries + 1);
  });

  it('detects the last five entries cut', async () => {
    const id = await recordedSession();
    cut(id, 5);
    const check = await expectSessionTampered('cut last 5', id, /the transcript was cut/);
    assert.equal(check.sealedEntries! - check.entries, 5);
  });

  it('detects an entry rewritten', async () => {
    const id = await recordedSession();
    db().prepare("UPDATE transcript_entries SET text = 'Get-ClusterNode' WHERE session_id = ? AND kind = 'denied'").run(id);
    await expectSessionTampered('rewrite', id, /was changed after it was written/);
  });

  it('detects a refused Remove-VM rewritten as Get-ClusterNode with the chain recomputed', async () => {
    const id = await recordedSession();
    db().prepare("UPDATE transcript_entries SET kind = 'command', text = 'Get-ClusterNode' WHERE session_id = ? AND kind = 'denied'").run(id);
    recompute(id);
    const check = await expectSessionTampered('rewrite and recompute', id, /MAC does not match the record key/);
    assert.equal(check.firstBadSeq, 1, 'not one recomputed entry carries a valid MAC');
  });

  it('detects entries reordered, even with the chain recomputed', async () => {
    const id = await recordedSession();
    const swap = db().prepare('UPDATE transcript_entries SET seq = ? WHERE session_id = ? AND seq = ?');
    db().transaction(() => {
      swap.run(-1, id, 2);
      swap.run(2, id, 3);
      swap.run(3, id, -1);
    })();
    recompute(id);
    await expectSessionTampered('reorder', id, /MAC does not match|rewritten/);
  });

  it('detects an entry inserted', async () => {
    const id = await recordedSession();
    const all = entries(id);
    db().transaction(() => {
      for (const e of [...all].reverse()) if (e.seq >= 3) db().prepare('UPDATE transcript_entries SET seq = ? WHERE session_id = ? AND seq = ?').run(e.seq + 1, id, e.seq);
      db().prepare("INSERT INTO transcript_entries (session_id, seq, at, kind, node, text, prev_hash, hash) VALUES (?, 3, ?, 'output', 'hci-n01', 'all is well', '', '')").run(id, all[1]!.at);
    })();
    recompute(id);
    await expectSessionTampered('insert', id, /MAC does not match|added after the sealed head/);
  });

  it('detects a middle entry deleted', async () => {
    const id = await recordedSession();
    db().prepare('DELETE FROM transcript_entries WHERE session_id = ? AND seq = 6').run(id);
    const check = await expectSessionTampered('delete middle entry', id, /entry 6 is missing/);
    assert.equal(check.firstBadSeq, 7);
  });

  it("detects the session's engineer, level, nodes or times edited", async () => {
    const edits = [
      "engineer = 'someone-else'",
      "access_level = 'DiagnosticsRepair'",
      "support_case = 'OTHER'",
      `nodes = '["hci-n01"]'`,
      'started_at = started_at + 3600000',
      'ended_at = ended_at - 60000',
      'command_count = 1',
    ];
    for (const edit of edits) {
      const id = await recordedSession();
      db().prepare(`UPDATE sessions SET ${edit} WHERE id = ?`).run(id);
      await expectSessionTampered('edit session metadata', id, /session's record .* was changed/);
    }
  });

  it('detects a whole session deleted, and one deleted with its registration', async () => {
    const witness = await recordedSession();
    const gone = await recordedSession();
    db().prepare('DELETE FROM sessions WHERE id = ?').run(gone);
    let check = await verify(witness);
    assert.ok(check.clusterProblems.includes(`session ${gone} was deleted`), check.clusterProblems.join('; '));
    const last = await recordedSession();
    db().transaction(() => {
      db().prepare('DELETE FROM session_registry WHERE session_id = ?').run(last);
      db().prepare('DELETE FROM sessions WHERE id = ?').run(last);
    })();
    check = await verify(witness);
    assert.ok(check.clusterProblems.some((p) => /registration \d+ was deleted/.test(p)), check.clusterProblems.join('; '));
    detected.add('delete session');
  });

  it("refuses a grant whose level was raised, and says so", async () => {
    const g = await grant();
    db().prepare("UPDATE grants SET access_level = 'DiagnosticsRepair' WHERE id = ?").run(g.id);
    await expectGrantRefused('raise grant level', g.id);
    const witness = (db().prepare('SELECT id FROM sessions ORDER BY started_at DESC LIMIT 1').pluck().get() as string);
    assert.ok((await verify(witness)).clusterProblems.some((p) => p.includes(`grant ${g.id}`)));
  });

  it("refuses a grant whose expiry was extended", async () => {
    const g = await grant({ expireInMinutes: 60 });
    db().prepare('UPDATE grants SET expires_at = expires_at + 14 * 86400000, expire_in_minutes = 20160 WHERE id = ?').run(g.id);
    await expectGrantRefused('extend grant expiry', g.id);
  });

  it('refuses a revoked grant revived', async () => {
    const g = await grant();
    await t.api.delete(`${FEATURE}/access`);
    db().prepare('UPDATE grants SET ended_at = NULL, end_reason = NULL, ended_by = NULL WHERE id = ?').run(g.id);
    await expectGrantRefused('revive revoked grant', g.id);
  });

  it("refuses a grant whose case number was swapped", async () => {
    const g = await grant();
    db().prepare("UPDATE grants SET support_case_number = '2611250010009999' WHERE id = ?").run(g.id);
    await expectGrantRefused('swap grant case', g.id);
  });

  it('detected all thirteen kinds', () => {
    assert.equal(detected.size, 13, [...detected].join(', '));
  });
});
