import type { Clock } from '../domain/clock';
import type { ChainCheck, TranscriptEntry } from '../domain/transcript';
import { EventHub } from '../events/event-hub';
import type { SearchPage } from '../ports/store-ports';
import { tamperedGrants } from './consent-ledger';
import { openReadOnlyDatabase } from './database';
import { RecordSeal } from './record-seal';
import { SessionLedger } from './session-ledger';

/** What a read worker is asked: one read, with the clock's time of the request. */
export type ReadRequest = { id: number; now: number } & (
  | { op: 'search'; cluster: string; query: string; from: number; limit: number; before: number | null }
  | { op: 'verify'; cluster: string; sessionId: string }
  | { op: 'export'; cluster: string; sessionId: string }
);

/** What a read worker answers: the value, or the message of what it threw. */
export type ReadReply = { id: number; ok: true; value: SearchPage | ChainCheck | { verification: ChainCheck; entries: TranscriptEntry[] } } | { id: number; ok: false; message: string };

/** Where a read worker takes requests and sends replies: its parentPort (tests wrap it to hold requests). */
export interface ReadPort {
  on(event: 'message', listener: (request: ReadRequest) => void): unknown;
  postMessage(reply: ReadReply): void;
}

/**
 * Answers reads on `port` from a read-only connection of its own to the
 * database in `dataDir`, with the very code the main thread would run (the
 * session ledger's search and verify), so the answers are the same. Runs in a
 * worker thread (see ReadPool). `checkpoint` runs at each candidate row of a
 * search: the point where the thread can be stopped (tests slow it down there).
 */
export function serveReads(port: ReadPort, dataDir: string, checkpoint?: () => void): void {
  const db = openReadOnlyDatabase(dataDir);
  const seal = RecordSeal.read(dataDir);
  let now = 0;
  // The request's time: retention is judged by the gateway's clock (which tests move), not the worker's.
  const clock: Clock = {
    now: () => now,
    setTimer: () => {
      throw new Error('A read worker sets no timers');
    },
  };
  const sessions = new SessionLedger(db, clock, new EventHub(() => now), seal, checkpoint);
  const verify = (cluster: string, sessionId: string): ChainCheck => ({
    ...sessions.verify(sessionId),
    clusterProblems: [...sessions.verifyRegistry(cluster), ...tamperedGrants(db, seal, cluster)],
  });
  // One snapshot per read: an export's entries are the ones its verification checked.
  const answer = db.transaction((m: ReadRequest) => {
    switch (m.op) {
      case 'search':
        return sessions.searchPage(m.cluster, m.query, m.from, m.limit, m.before);
      case 'verify':
        return verify(m.cluster, m.sessionId);
      case 'export':
        return { verification: verify(m.cluster, m.sessionId), entries: sessions.allEntries(m.sessionId) };
    }
  });
  port.on('message', (m: ReadRequest) => {
    now = m.now;
    let reply: ReadReply;
    try {
      reply = { id: m.id, ok: true, value: answer(m) };
    } catch (e) {
      reply = { id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  });
}
