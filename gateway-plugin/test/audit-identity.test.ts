import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { OAuth2Server } from 'oauth2-mock-server';
import { ChannelClient } from '../src/console/channel-client';
import { TERMS_VERSION } from '../src/domain/terms';
import { GENESIS_HASH, entryHash } from '../src/domain/transcript';
import { EventHub } from '../src/events/event-hub';
import { LOCAL_TENANT_ID, localObjectId } from '../src/identity/local-identity-provider';
import { ConsentLedger } from '../src/store/consent-ledger';
import { Db, openDatabase } from '../src/store/database';
import { MIGRATIONS } from '../src/store/migrations';
import { RecordSeal } from '../src/store/record-seal';
import { SecretBox } from '../src/store/secret-box';
import { SessionLedger } from '../src/store/session-ledger';
import { FakeClock } from '../src/test-support/fake-clock';
import { FEATURE, installAgent, startTestGateway, tempDir, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';

const C = 'hci-cl01.contoso.local';
const HOUR = 3_600_000;
const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OID = '6a1f0c2e-5d4b-4e3a-9c8b-7a6f5e4d3c2b';
const request = { accessLevel: 'Diagnostics' as const, expireInMinutes: 480, supportCaseNumber: '123', sasCredential: null, termsVersion: TERMS_VERSION };

describe('stable ids in the sealed records', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  const clock = new FakeClock();
  const open = () => {
    db = openDatabase(dir.path);
    const events = new EventHub(() => clock.now());
    const seal = RecordSeal.open(dir.path, db);
    return { consent: new ConsentLedger(db, clock, SecretBox.open(dir.path), events, seal), sessions: new SessionLedger(db, clock, events, seal) };
  };

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    db?.close();
    dir.remove();
  });

  /** A database as the gateway left it before ids were recorded: schema 4, a grant and a session sealed then. */
  function sealedBeforeIds(now: number): void {
    const old = new Database(join(dir.path, 'remote-support.db'));
    MIGRATIONS.slice(0, 4).forEach((step, i) => {
      old.exec(step);
      old.pragma(`user_version = ${i + 1}`);
    });
    old.prepare("INSERT INTO grants (id, cluster, access_level, expire_in_minutes, granted_at, expires_at, granted_by, terms_version, support_case_number) VALUES ('g1', ?, 'Diagnostics', 480, ?, ?, 'alice', ?, '123')")
      .run(C, now - HOUR, now + 7 * HOUR, TERMS_VERSION);
    old.prepare("INSERT INTO sessions (id, cluster, grant_id, engineer, access_level, nodes, started_at, ended_at, end_reason, command_count) VALUES ('s1', ?, 'g1', 'eve', 'Diagnostics', '[\"hci-n01\"]', ?, ?, 'closed', 0)")
      .run(C, now - HOUR, now - HOUR / 2);
    const e = { sessionId: 's1', seq: 1, at: now - HOUR, kind: 'output' as const, node: 'hci-n01', text: 'opened', prevHash: GENESIS_HASH };
    old.prepare('INSERT INTO transcript_entries (session_id, seq, at, kind, node, text, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('s1', 1, e.at, e.kind, e.node, e.text, e.prevHash, entryHash(e));
    // The record key is created, and these rows sealed, by a gateway that knew no ids.
    RecordSeal.open(dir.path, old);
    old.close();
  }

  it('keeps rows sealed before the upgrade verifying, and seals the ids of who ends them', () => {
    sealedBeforeIds(clock.now());
    const { consent, sessions } = open();
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    const before = consent.active(C);
    assert.equal(before?.id, 'g1', 'the old grant still gives access');
    assert.equal(before?.grantedById, null);
    assert.deepEqual(consent.verifyGrants(C), []);
    assert.equal(sessions.verify('s1').valid, true, sessions.verify('s1').problems.join('; '));

    const revoked = consent.revoke(C, { name: 'bob@contoso.com', id: `entra:${TID}/${OID}` });
    assert.equal(revoked?.endedBy, 'bob@contoso.com');
    assert.equal(revoked?.endedById, `entra:${TID}/${OID}`);
    assert.deepEqual(consent.verifyGrants(C), [], 'the old row, ended now, is sealed with the id');

    db.prepare("UPDATE grants SET ended_by_id = NULL WHERE id = 'g1'").run();
    assert.equal(consent.verifyGrants(C).length, 1, 'clearing the id to pass the row off as an old one is caught');
  });

  it('seals a new grant with the id of who granted: changing or clearing it takes the grant away', () => {
    const { consent } = open();
    const { grant } = consent.grant(C, request, { name: 'alice@contoso.com', id: `entra:${TID}/${OID}` });
    assert.equal(grant.grantedById, `entra:${TID}/${OID}`);
    assert.equal(consent.active(C)?.id, grant.id);
    for (const forged of ['entra:someone/else', null]) {
      db.prepare('UPDATE grants SET granted_by_id = ? WHERE id = ?').run(forged, grant.id);
      assert.equal(consent.active(C), null, `granted_by_id set to ${forged}`);
      assert.equal(consent.verifyGrants(C).length, 1);
    }
  });

  it("seals a session's engineer id and who ended it", () => {
    const { consent, sessions } = open();
    const { grant } = consent.grant(C, request, 'alice');
    const s = sessions.open({ cluster: C, grantId: grant.id, engineer: 'eve@vendor', engineerId: `entra:${TID}/${OID}`, supportCase: '123', accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
    assert.equal(s.engineerId, `entra:${TID}/${OID}`);
    const ended = sessions.end(s.id, 'ended-by-admin', { name: 'bob', id: 'local:admin' });
    assert.equal(ended?.endedBy, 'bob');
    assert.equal(ended?.endedById, 'local:admin');
    assert.equal(sessions.verify(s.id).valid, true);
    db.prepare("UPDATE sessions SET engineer_id = 'entra:x/y' WHERE id = ?").run(s.id);
    assert.equal(sessions.verify(s.id).valid, false);
  });
});

describe('the audit trail through the API: Entra ID admins and engineers by tid/oid', () => {
  let oidc: OAuth2Server;
  let t: TestGateway;
  const audience = 'api://remote-support-gateway';
  const role = 'RemoteSupport.Admin';

  const adminToken = () =>
    oidc.issuer.buildToken({
      scopesOrTransform: (_h, p) => {
        p['aud'] = audience;
        p['roles'] = [role];
        p['preferred_username'] = 'admin@contoso.com';
        p['oid'] = OID;
        p['tid'] = TID;
      },
    });

  before(async () => {
    oidc = new OAuth2Server();
    await oidc.issuer.keys.generate('RS256');
    await oidc.start(0, '127.0.0.1');
    t = await startTestGateway({ config: { auth: { mode: 'entra', issuer: oidc.issuer.url!, audience, jwksUri: `${oidc.issuer.url}/jwks`, adminRole: role } } });
  });
  after(async () => {
    await t.stop();
    await oidc.stop();
  });

  it('records the admin by tid/oid next to the name for agent operations, grants and revokes', async () => {
    const admin = t.anonymous.withHeaders({ authorization: `Bearer ${await adminToken()}` });
    const install = await admin.post(`${FEATURE}/agent/install`, {});
    assert.equal(install.status, 202);
    assert.equal(install.body.operation.startedBy, 'admin@contoso.com');
    assert.equal(install.body.operation.startedById, `entra:${TID}/${OID}`);
    await t.gateway.agents.idle();

    const granted = await admin.post(`${FEATURE}/access`, VALID_GRANT);
    assert.equal(granted.status, 201, granted.text);
    assert.equal(granted.body.grant.grantedBy, 'admin@contoso.com');
    assert.equal(granted.body.grant.grantedById, `entra:${TID}/${OID}`);
    assert.equal(granted.body.grant.endedById, null);

    const revoked = await admin.delete(`${FEATURE}/access`);
    assert.equal(revoked.body.revoked.endedById, `entra:${TID}/${OID}`);
    const listed = await admin.get(`${FEATURE}/access?includeExpired=true`);
    assert.equal(listed.body.grants[0].grantedById, `entra:${TID}/${OID}`);
    assert.deepEqual(t.gateway.consent.verifyGrants(t.gateway.desk.name), []);
  });
});

describe('the audit trail through the API: the local admin and an engineer', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
  });
  after(async () => t.stop());

  it("records the engineer's tid/oid on the session, in the history and in the export, and the admin who ended it", async () => {
    const granted = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: '2611250010001234' });
    assert.equal(granted.body.grant.grantedById, 'local:admin');
    const token = await t.gateway.identityProvider!.buildToken();
    const client = await ChannelClient.connect(t.gateway.channelUrl, token, { ca: t.gateway.caCert });
    try {
      const { sessionId } = await client.open('2611250010001234');
      const engineer = t.gateway.identityProvider!.registration.engineer;
      const expected = `entra:${LOCAL_TENANT_ID}/${localObjectId(engineer)}`;
      const ended = await t.api.post(`${FEATURE}/sessions/${sessionId}/end`);
      assert.equal(ended.status, 200, ended.text);
      assert.equal(ended.body.session.engineer, engineer);
      assert.equal(ended.body.session.engineerId, expected);
      assert.equal(ended.body.session.endedBy, 'local-admin');
      assert.equal(ended.body.session.endedById, 'local:admin');
      const history = await t.api.get(`${FEATURE}/sessions`);
      assert.equal(history.body.sessions[0].engineerId, expected);
      const exported = await t.api.get(`${FEATURE}/sessions/${sessionId}/export?format=json`);
      assert.equal(exported.body.session.engineerId, expected);
      assert.equal(exported.body.verification.valid, true);
      const text = await t.api.get(`${FEATURE}/sessions/${sessionId}/export?format=text`);
      assert.match(text.text, new RegExp(`Engineer: +${engineer} \\(${expected}\\)`));
      assert.ok(exported.body.entries.some((e: { text: string }) => e.text.includes(`Session ended: ended-by-admin by local-admin (local:admin)`)));
    } finally {
      client.terminate();
    }
  });
});
