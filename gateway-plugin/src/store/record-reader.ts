import type { Clock } from '../domain/clock';
import type { ChainCheck, TranscriptEntry } from '../domain/transcript';
import { EventHub } from '../events/event-hub';
import type { ListPage, PageKey } from '../domain/list-page';
import { exportBody, exportDocument } from '../ports/record-view';
import type { SearchPage, SessionRecord } from '../ports/store-ports';
import { tamperedGrants } from './consent-ledger';
import { openReadOnlyDatabase } from './database';
import { RecordSeal } from './record-seal';
import { SessionLedger } from './session-ledger';

/** What a read worker is asked: one read, with the clock's time of the request. */
export type ReadRequest = { id: number; now: number } & (
  | { op: 'search'; cluster: string; query: string; from: number; limit: number; before: number | null }
  | { op: 'history'; cluster: string; from: number; limit: number; after: PageKey | null }
  | { op: 'verify'; cluster: string; sessionId: string }
  | { op: 'export'; cluster: string; sessionId: string; format: 'json' | 'text' }
);

/** What a read worker answers with. */
export type ReadValue = SearchPage | ListPage<SessionRecord> | ChainCheck | Uint8Array;

/** What a read worker answers: the value (an export's file as bytes), or the message of what it threw. */
export type ReadReply = { id: number; ok: true; value: ReadValue } | { id: number; ok: false; message: string };

/** Where a read worker takes requests and sends replies: its parentPort (tests wrap it to hold requests). */
export interface ReadPort {
  on(event: 'message', listener: (request: ReadRequest) => void): unknown;
  /** `transfer`: buffers handed over, not copied (an export's bytes). */
  postMessage(reply: ReadReply, transfer?: ArrayBuffer[]): void;
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
      case 'history':
        return sessions.history(m.cluster, m.from, { limit: m.limit, after: m.after });
      case 'export': {
        const session = sessions.get(m.cluster, m.sessionId);
        if (!session) throw new Error(`No session ${m.sessionId} exists on ${m.cluster} within the last 90 days`);
        return { session, verification: verify(m.cluster, m.sessionId), entries: sessions.allEntries(m.sessionId) };
      }
    }
  });
  // An export's whole file is written here, outside the snapshot's transaction: the main thread only sends its bytes.
  const value = (m: ReadRequest): ReadValue => {
    const read = answer(m);
    if (m.op !== 'export') return read as ReadValue;
    const { session, verification, entries } = read as { session: SessionRecord; verification: ChainCheck; entries: TranscriptEntry[] };
    return new TextEncoder().encode(exportBody(exportDocument(session, verification, entries, m.now), m.format));
  };
  port.on('message', (m: ReadRequest) => {
    now = m.now;
    let reply: ReadReply;
    try {
      reply = { id: m.id, ok: true, value: value(m) };
    } catch (e) {
      reply = { id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply, reply.ok && reply.value instanceof Uint8Array ? [reply.value.buffer as ArrayBuffer] : []);
  });
}
