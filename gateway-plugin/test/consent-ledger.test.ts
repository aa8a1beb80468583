import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Clock, DAY_MS, MINUTE_MS } from '../src/domain/clock';
import { FakeClock } from '../src/test-support/fake-clock';
import { expiryLateness, GrantRequest } from '../src/domain/grant';
import { grantTable } from '../src/cli/access-commands';
import { LIST_PAGE } from '../src/domain/list-page';
import { presentGrant } from '../src/service/remote-support-desk';
import { TERMS_VERSION } from '../src/domain/terms';
import { EventHub, LiveEvent } from '../src/events/event-hub';
import { ExpiryScheduler } from '../src/lifecycle/expiry-scheduler';
import { RetentionJanitor } from '../src/lifecycle/retention-janitor';
import { ConsentLedger } from '../src/store/consent-ledger';
import { Db, openDatabase } from '../src/store/database';
import { RecordSeal } from '../src/store/record-seal';
import { SecretBox } from '../src/store/secret-box';
import { SessionLedger } from '../src/store/session-ledger';
import { tempDir } from './helpers/gateway-fixture';

/** One page that holds every row these tests make. */
const ALL = { limit: LIST_PAGE.max };
const C = 'hci-cl01.contoso.local';
const request = (over: Partial<GrantRequest> = {}): GrantRequest => ({
  accessLevel: 'Diagnostics',
  expireInMinutes: 480,
  supportCaseNumber: null,
  sasCredential: null,
  termsVersion: TERMS_VERSION,
  ...over,
});

interface World {
  dir: { path: string; remove: () => void };
  clock: FakeClock;
  db: Db;
  events: EventHub;
  seen: LiveEvent[];
  ledger: ConsentLedger;
  sessions: SessionLedger;
  scheduler: ExpiryScheduler;
}

function open(dirPath: string, clock: FakeClock): Omit<World, 'dir'> {
  const db = openDatabase(dirPath);
  const events = new EventHub(() => clock.now());
  const seen: LiveEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const seal = RecordSeal.open(dirPath, db);
  const ledger = new ConsentLedger(db, clock, SecretBox.open(dirPath), events, seal);
  const sessions = new SessionLedger(db, clock, events, seal);
  const scheduler = new ExpiryScheduler(ledger, clock);
  scheduler.start();
  return { clock, db, events, seen, ledger, sessions, scheduler };
}

/** A new store with a fake clock in a temporary directory. */
function freshWorld(): World {
  const dir = tempDir();
  return { dir, ...open(dir.path, new FakeClock()) };
}

function closeWorld(w: World): void {
  w.scheduler.dispose();
  w.db.close();
  w.dir.remove();
}

describe('ConsentLedger with the expiry scheduler', () => {
  let w: World;
  beforeEach(() => {
    w = freshWorld();
  });
  afterEach(() => closeWorld(w));

  it('gives access at once and ends it at the exact expiry millisecond', () => {
    const { grant } = w.ledger.grant(C, request({ expireInMinutes: 60 }), 'alice');
    assert.equal(w.ledger.active(C)?.id, grant.id);
    assert.equal(w.scheduler.nextFireAt, grant.expiresAt);
    w.clock.advance(60 * MINUTE_MS - 1);
    assert.equal(w.ledger.active(C)?.id, grant.id);
    assert.equal(w.seen.filter((e) => e.type === 'grant.expired').length, 0);
    w.clock.advance(1);
    assert.equal(w.ledger.active(C), null);
    const expired = w.seen.filter((e) => e.type === 'grant.expired');
    assert.equal(expired.length, 1);
    assert.equal(expired[0]!.at, grant.expiresAt, 'the expiry event fires at the expiry time');
    const [stored] = w.ledger.list(C, true, ALL).items;
    assert.equal(stored!.endReason, 'expired');
    assert.equal(stored!.endedAt, grant.expiresAt);
    assert.equal(w.clock.pendingTimers, 0, 'no timer is left once nothing is open');
  });

  it('lets a new grant supersede the active one', () => {
    const first = w.ledger.grant(C, request({ accessLevel: 'DiagnosticsRepair' }), 'alice').grant;
    w.clock.advance(MINUTE_MS);
    const { grant: second, superseded } = w.ledger.grant(C, request({ expireInMinutes: 60 }), 'bob');
    assert.equal(superseded?.id, first.id);
    assert.equal(superseded?.endReason, 'superseded');
    assert.equal(superseded?.endedBy, 'bob');
    assert.equal(w.ledger.active(C)?.id, second.id);
    assert.equal(w.ledger.active(C)?.accessLevel, 'Diagnostics');
    assert.equal(w.scheduler.nextFireAt, second.expiresAt, 'the timer follows the new grant');
    assert.deepEqual(w.seen.map((e) => e.type), ['grant.created', 'grant.superseded', 'grant.created']);
  });

  it('revokes the active grant at once and reports nothing to revoke afterwards', () => {
    const { grant } = w.ledger.grant(C, request(), 'alice');
    w.clock.advance(5 * MINUTE_MS);
    const revoked = w.ledger.revoke(C, 'carol');
    assert.equal(revoked?.id, grant.id);
    assert.equal(revoked?.endReason, 'revoked');
    assert.equal(revoked?.endedAt, w.clock.now());
    assert.equal(w.ledger.active(C), null);
    assert.equal(w.ledger.revoke(C, 'carol'), null);
    assert.equal(w.scheduler.nextFireAt, null);
    w.clock.advance(DAY_MS);
    assert.equal(w.seen.filter((e) => e.type === 'grant.expired').length, 0, 'a revoked grant never expires later');
  });

  it('lists ended grants of the last 30 days only with includeExpired', () => {
    const old = w.ledger.grant(C, request({ expireInMinutes: 60 }), 'alice').grant;
    w.clock.advance(60 * MINUTE_MS); // old expires now
    const mid = w.ledger.grant(C, request(), 'alice').grant;
    w.clock.advance(MINUTE_MS);
    w.ledger.revoke(C, 'alice');
    const current = w.ledger.grant(C, request({ expireInMinutes: 20160 }), 'alice').grant;

    assert.deepEqual(w.ledger.list(C, false, ALL).items.map((g) => g.id), [current.id]);
    assert.deepEqual(w.ledger.list(C, true, ALL).items.map((g) => g.id), [current.id, mid.id, old.id]);

    // 30 days after the old grant ended, it is still listed; a millisecond later it is not.
    w.clock.set(old.expiresAt + 30 * DAY_MS);
    assert.ok(w.ledger.list(C, true, ALL).items.some((g) => g.id === old.id));
    w.clock.set(old.expiresAt + 30 * DAY_MS + 1);
    assert.ok(!w.ledger.list(C, true, ALL).items.some((g) => g.id === old.id));
    assert.ok(w.ledger.list(C, true, ALL).items.some((g) => g.id === mid.id), 'mid ended later and is still inside the window');
  });

  it('keeps the SAS credential encrypted at rest and out of every read', () => {
    const sas = 'SharedAccessSignature sr=https%3A%2F%2Frelay%2Fhc&sig=VERYSECRETSIGNATURE&se=9999999999&skn=key';
    const { grant } = w.ledger.grant(C, request({ sasCredential: sas }), 'alice');
    assert.equal(grant.sasCredentialProvided, true);
    assert.ok(!JSON.stringify(w.ledger.list(C, true, ALL).items).includes('VERYSECRET'));
    w.db.pragma('wal_checkpoint(TRUNCATE)');
    const file = readFileSync(join(w.dir.path, 'remote-support.db'));
    assert.equal(file.includes(Buffer.from('VERYSECRETSIGNATURE')), false, 'the database file does not hold the credential in clear');
    assert.equal(w.ledger.sasCredentialOf(grant.id), sas);
  });

  it('refuses two open grants for one cluster at the storage level', () => {
    w.ledger.grant(C, request(), 'alice');
    assert.throws(() =>
      w.db
        .prepare("INSERT INTO grants (id, cluster, access_level, expire_in_minutes, granted_at, expires_at, granted_by, terms_version) VALUES ('x', ?, 'Diagnostics', 60, 0, 1, 'x', 'x')")
        .run(C),
    /UNIQUE/);
  });

  it('expires, on restart, a grant whose time came while the gateway was down', () => {
    const { grant } = w.ledger.grant(C, request({ expireInMinutes: 60 }), 'alice');
    w.scheduler.dispose();
    w.db.close();
    const later = new FakeClock(grant.expiresAt + 5 * MINUTE_MS);
    const again = open(w.dir.path, later);
    Object.assign(w, again);
    assert.equal(w.ledger.active(C), null);
    const [g] = w.ledger.list(C, true, ALL).items;
    assert.equal(g!.endReason, 'expired');
    assert.equal(g!.endedAt, grant.expiresAt, 'recorded at the expiry time, not at the restart time');
    assert.equal(w.seen.filter((e) => e.type === 'grant.expired').length, 1);
  });

  it('records an expiry noticed only after a restart as late, by how much, and the record still verifies', () => {
    const { grant } = w.ledger.grant(C, request({ expireInMinutes: 60 }), 'alice');
    w.scheduler.dispose();
    w.db.close();
    const later = new FakeClock(grant.expiresAt + 5 * MINUTE_MS);
    Object.assign(w, open(w.dir.path, later));
    const g = w.ledger.byId(grant.id)!;
    assert.equal(g.endedAt, grant.expiresAt, 'access ended at the expiry time');
    assert.equal(g.expiryRecordedAt, later.now(), 'the expiry was recorded at the restart');
    assert.equal(expiryLateness(g), 5 * MINUTE_MS);
    assert.deepEqual(w.ledger.verifyGrants(C), []);
    const view = presentGrant(g, later.now());
    assert.equal(view.expiryRecordedAt, new Date(later.now()).toISOString());
    assert.match(grantTable([view]), /expiry recorded \S+, 300 s late/);
    w.db.prepare('UPDATE grants SET expiry_recorded_at = expires_at WHERE id = ?').run(grant.id);
    assert.equal(w.ledger.verifyGrants(C).length, 1, 'passing a late expiry off as on time breaks the MAC');
  });

  it('records an expiry whose timer was held up (the event loop busy) as late, by how much', () => {
    w.scheduler.dispose();
    // Every timer runs 5 s after its time, as behind a long synchronous read.
    const held: Clock = { now: () => w.clock.now(), setTimer: (at, fn) => w.clock.setTimer(at + 5000, fn) };
    w.scheduler = new ExpiryScheduler(w.ledger, held);
    w.scheduler.start();
    const { grant } = w.ledger.grant(C, request({ expireInMinutes: 60 }), 'alice');
    w.clock.advance(60 * MINUTE_MS);
    assert.equal(w.ledger.active(C), null, 'no access past expiresAt, timer or not');
    assert.equal(w.ledger.byId(grant.id)!.endedAt, null, 'not recorded yet');
    w.clock.advance(5000);
    const g = w.ledger.byId(grant.id)!;
    assert.equal(g.endedAt, grant.expiresAt);
    assert.equal(expiryLateness(g), 5000);
    assert.deepEqual(w.ledger.verifyGrants(C), []);
  });

  it('records an expiry the timer fired on time as on time', () => {
    const { grant } = w.ledger.grant(C, request({ expireInMinutes: 60 }), 'alice');
    w.clock.advance(60 * MINUTE_MS);
    const g = w.ledger.byId(grant.id)!;
    assert.equal(g.expiryRecordedAt, grant.expiresAt);
    assert.equal(expiryLateness(g), null);
    assert.equal('expiryRecordedAt' in presentGrant(g, w.clock.now()), false);
    assert.doesNotMatch(grantTable([presentGrant(g, w.clock.now())]), /late/);
    assert.deepEqual(w.ledger.verifyGrants(C), []);
  });

  it('tells expiry listeners about a grant whose expiry a later revoke noticed first', () => {
    w.scheduler.dispose(); // no timer: only the revoke can notice the expiry
    const heard: string[] = [];
    w.ledger.onExpired((g) => heard.push(g.id));
    const { grant } = w.ledger.grant(C, request({ expireInMinutes: 60 }), 'alice');
    w.clock.set(grant.expiresAt + 1000);
    assert.equal(w.ledger.revoke(C, 'bob'), null);
    assert.deepEqual(heard, [grant.id]);
  });

  it('calls expiry listeners so live sessions can be cut', () => {
    const cut: string[] = [];
    w.scheduler.onExpired((g) => cut.push(g.id));
    const { grant } = w.ledger.grant(C, request({ expireInMinutes: 60 }), 'alice');
    w.clock.advance(60 * MINUTE_MS);
    assert.deepEqual(cut, [grant.id]);
  });
});

describe('SessionLedger retention', () => {
  let w: World;
  beforeEach(() => {
    w = freshWorld();
  });
  afterEach(() => closeWorld(w));

  function session(engineer = 'eve') {
    const grant = w.ledger.active(C) ?? w.ledger.grant(C, request({ expireInMinutes: 20160 }), 'alice').grant;
    const s = w.sessions.open({ cluster: C, grantId: grant.id, engineer, supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
    w.sessions.append(s.id, 'command', 'hci-n01', 'Get-ClusterNode');
    w.sessions.append(s.id, 'output', 'hci-n01', 'Name State\nhci-n01 Up');
    return s;
  }

  it('shows the last 7 days by default and older sessions from an earlier fromDate', () => {
    const old = session('old');
    w.sessions.end(old.id, 'closed');
    w.clock.advance(8 * DAY_MS);
    const recent = session('recent');
    const now = w.clock.now();
    assert.deepEqual(w.sessions.history(C, now - 7 * DAY_MS, ALL).items.map((s) => s.engineer), ['recent']);
    assert.deepEqual(w.sessions.history(C, now - 9 * DAY_MS, ALL).items.map((s) => s.engineer), ['recent', 'old']);
    assert.equal(w.sessions.get(C, recent.id)?.commandCount, 1);
  });

  it('never returns a session that ended more than 90 days ago, and purges it', async () => {
    const s = session();
    w.sessions.end(s.id, 'closed');
    const janitor = new RetentionJanitor(w.sessions, w.ledger, w.clock, 1000 * DAY_MS);
    w.clock.advance(90 * DAY_MS);
    assert.ok(w.sessions.get(C, s.id), 'still there on day 90');
    w.clock.advance(1);
    assert.equal(w.sessions.get(C, s.id), null, 'hidden right after day 90 even before the purge');
    assert.equal(w.sessions.history(C, 0, ALL).items.length, 0);
    const removed = await janitor.purgeNow();
    assert.equal(removed.sessions, 1);
    assert.equal(w.db.prepare('SELECT COUNT(*) FROM transcript_entries').pluck().get(), 0, 'transcript entries go with their session');
    janitor.dispose();
  });

  it('purges on its own every interval', async () => {
    const s = session();
    w.sessions.end(s.id, 'closed');
    const janitor = new RetentionJanitor(w.sessions, w.ledger, w.clock, DAY_MS);
    janitor.start();
    await janitor.idle();
    w.clock.advance(91 * DAY_MS);
    await janitor.idle();
    assert.equal(w.db.prepare('SELECT COUNT(*) FROM sessions').pluck().get(), 0);
    janitor.dispose();
  });

  it('marks sessions left open by a crash as interrupted', () => {
    const s = session();
    assert.equal(w.sessions.interruptOpenSessions(), 1);
    assert.equal(w.sessions.get(C, s.id)?.endReason, 'interrupted');
  });
});
