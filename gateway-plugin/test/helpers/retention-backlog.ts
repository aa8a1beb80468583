import { DAY_MS, MINUTE_MS } from '../../src/domain/clock';
import { TERMS_VERSION } from '../../src/domain/terms';
import { EventHub } from '../../src/events/event-hub';
import type { PendingEntry } from '../../src/ports/store-ports';
import { ConsentLedger } from '../../src/store/consent-ledger';
import { Db, openDatabase } from '../../src/store/database';
import { RecordSeal } from '../../src/store/record-seal';
import { SecretBox } from '../../src/store/secret-box';
import { SessionLedger } from '../../src/store/session-ledger';
import { FakeClock } from '../../src/test-support/fake-clock';
import { CLUSTER } from './gateway-fixture';

/** What a backlog holds: sessions spread over days, each with its entries, all ended before `endedBefore`. */
export interface BacklogShape {
  days: number;
  sessionsPerDay: number;
  entriesPerSession: number;
  /** Every session ends before this time (epoch ms). */
  endedBefore: number;
  /** Sessions that get `bigSessionEntries` entries instead (sessions bigger than a purge batch). */
  bigSessions?: number;
  bigSessionEntries?: number;
}

/** The stores a backlog is written through: the gateway's own ledgers, so rows, chains, seals, registry and index are real. */
export interface BacklogStore {
  db: Db;
  clock: FakeClock;
  sessions: SessionLedger;
  consent: ConsentLedger;
  close(): void;
}

/**
 * The ledgers on `dataDir`, with a fake clock at `start`. Commits skip fsync:
 * the rows are the ones the gateway writes, only faster to make, and what a
 * crash would do to them is no concern of a backlog.
 */
export function openBacklogStore(dataDir: string, start: number): BacklogStore {
  const db = openDatabase(dataDir);
  db.pragma('synchronous = OFF');
  const clock = new FakeClock(start);
  const events = new EventHub(() => clock.now());
  const seal = RecordSeal.open(dataDir, db);
  return {
    db,
    clock,
    sessions: new SessionLedger(db, clock, events, seal),
    consent: new ConsentLedger(db, clock, SecretBox.open(dataDir), events, seal),
    close: () => db.close(),
  };
}

/**
 * Writes sessions and transcripts that ended long ago, through the real
 * writer (one grant per day, its sessions, their entries in group commits),
 * and returns how many sessions and entries it wrote.
 */
export function writeBacklog(store: BacklogStore, shape: BacklogShape): { sessions: number; entries: number } {
  const { sessions, consent, clock } = store;
  let written = { sessions: 0, entries: 0 };
  const dayStart = (d: number) => shape.endedBefore - (shape.days - d) * DAY_MS;
  for (let d = 0; d < shape.days; d++) {
    clock.set(dayStart(d));
    const grant = consent.grant(CLUSTER, { accessLevel: 'Diagnostics', expireInMinutes: 480, supportCaseNumber: null, sasCredential: null, termsVersion: TERMS_VERSION }, 'backlog').grant;
    for (let i = 0; i < shape.sessionsPerDay; i++) {
      const big = written.sessions < (shape.bigSessions ?? 0);
      const count = big ? shape.bigSessionEntries ?? shape.entriesPerSession : shape.entriesPerSession;
      const s = sessions.open({ cluster: CLUSTER, grantId: grant.id, engineer: `eng${i % 7}`, supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
      for (let from = 0; from < count; from += 1000) {
        const batch: PendingEntry[] = [];
        for (let k = from; k < Math.min(count, from + 1000); k++) {
          batch.push(k % 2 === 0
            ? { sessionId: s.id, kind: 'command', node: 'hci-n01', text: `Get-VM -Name web${k % 50}` }
            : { sessionId: s.id, kind: 'output', node: 'hci-n01', text: `web${k % 50} Running 4 8192 backlog` });
        }
        sessions.appendBatch(batch);
      }
      sessions.end(s.id, 'closed');
      written = { sessions: written.sessions + 1, entries: written.entries + count };
    }
    clock.advance(MINUTE_MS);
    consent.revoke(CLUSTER, 'backlog');
  }
  return written;
}
