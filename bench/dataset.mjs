// The benches' data set of a busy cluster: sessions spread over the last days,
// each with its transcript, written by the gateway's own writer
// (SessionLedger.open / appendBatch / end, ConsentLedger.grant), so its rows,
// hash chains, seals, registry and full-text index are the ones the gateway
// writes.
//
// The bulk path: the same writer, with two shortcuts that change when the disk
// is flushed, not what is written: PRAGMA synchronous = OFF, and many
// sessions' entries per appendBatch (one transaction each, like the gateway's
// group commit across sessions) with the sessions of a group opened and ended
// in one transaction. A checkpoint (TRUNCATE) at the end leaves the WAL empty.
//
// Used by bench/reads.mjs, bench/history-page.mjs and bench/scale.mjs.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
/** A module of the built gateway (gateway-plugin/dist/src/…). */
export const dist = (p) => require(join(process.cwd(), 'gateway-plugin', 'dist', 'src', p));

export const CLUSTER = 'hci-cl01.contoso.local';
export const FEATURE = `/api/nodes/${CLUSTER}/features/remoteSupport`;
export const DAY_MS = 24 * 3600 * 1000;
/** A word in one entry of every 50,000 (200 hits in 10,000,000 entries). */
export const RARE = 'kb5031234';
/** A word in about 3 entries of 7. */
export const COMMON = 'running';

const COMMANDS = ['Get-VM', 'Get-ClusterNode', 'Get-StoragePool', 'Get-VMSwitch', 'Get-Service', 'Get-ClusterResource', 'Get-NetAdapter', 'Get-HotFix'];

/** Opens the gateway's store on `dir` with a clock the caller moves; synchronous = OFF (see above). */
export function openWriter(dir, start) {
  const { openDatabase } = dist('store/database.js');
  const { RecordSeal } = dist('store/record-seal.js');
  const { SecretBox } = dist('store/secret-box.js');
  const { ConsentLedger } = dist('store/consent-ledger.js');
  const { SessionLedger } = dist('store/session-ledger.js');
  const { EventHub } = dist('events/event-hub.js');
  const db = openDatabase(dir);
  db.pragma('synchronous = OFF');
  const clock = { t: start, now() { return this.t; }, setTimer: () => ({ dispose() {} }) };
  const events = new EventHub(() => clock.now());
  const seal = RecordSeal.open(dir, db);
  const consent = new ConsentLedger(db, clock, SecretBox.open(dir), events, seal);
  const sessions = new SessionLedger(db, clock, events, seal);
  return { db, clock, consent, sessions };
}

/**
 * Writes `sessions` sessions with `entries` transcript entries between them
 * (commands and their outputs, the rare and the common word among them), spread
 * evenly over the `days` days before `end` (each its own start time), each ended
 * up to an hour later (and after its entries, which one appendBatch writes per group), and
 * optionally one long session of `longSession` entries a day before `end`.
 * `onProgress(written)` is called now and then. Returns what was written.
 */
export function buildDataset(dir, { sessions: count, entries, days, end = Date.now(), longSession = 0, onProgress = () => {} }) {
  const start = end - days * DAY_MS;
  const w = openWriter(dir, start);
  const { db, clock, sessions } = w;
  const grant = w.consent.grant(CLUSTER, { accessLevel: 'Diagnostics', expireInMinutes: 480, supportCaseNumber: null, sasCredential: null, termsVersion: '1' }, 'bench').grant;
  const perSession = Math.floor(entries / count);
  const group = Math.max(1, Math.floor(2000 / Math.max(1, perSession)));
  const step = (days * DAY_MS) / count;
  let written = 0;
  let lastReport = 0;
  const duration = Math.min(group * step, 3_600_000);
  for (let s = 0; s < count; s += group) {
    const size = Math.min(group, count - s);
    const openedAt = (g) => start + (s + g) * step;
    const ids = db.transaction(() => {
      const opened = [];
      for (let g = 0; g < size; g++) {
        clock.t = openedAt(g);
        opened.push(sessions.open({ cluster: CLUSTER, grantId: grant.id, engineer: `engineer${(s + g) % 40}@support.contoso.com`, supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01', 'hci-n02'] }).id);
      }
      return opened;
    })();
    const batch = [];
    for (const id of ids) {
      for (let e = 0; e < perSession; e++) {
        const n = written++;
        if (e % 2 === 0) batch.push({ sessionId: id, kind: 'command', node: 'hci-n01', text: `${COMMANDS[n % COMMANDS.length]} -Name vm${n % 997}*` });
        else {
          const hotfix = n % 50_000 === 1 ? ` ${RARE} installed` : '';
          batch.push({ sessionId: id, kind: 'output', node: 'hci-n01', text: `vm${n % 997} ${n % 7 === 0 ? 'Stopped' : 'Running'} ${n % 16} ${(n % 64) * 1024} host${n % 4}${hotfix}` });
        }
      }
    }
    const appendedAt = openedAt(size - 1) + 1;
    clock.t = appendedAt;
    if (batch.length) sessions.appendBatch(batch);
    // Each session ends up to an hour after it opened, and after its entries.
    db.transaction(() => {
      ids.forEach((id, g) => {
        clock.t = Math.max(openedAt(g) + duration, appendedAt + 1);
        sessions.end(id, 'closed');
      });
    })();
    if (written - lastReport >= 500_000) { onProgress(written); lastReport = written; }
  }
  let longId = null;
  if (longSession > 0) {
    clock.t = end - DAY_MS;
    longId = sessions.open({ cluster: CLUSTER, grantId: grant.id, engineer: 'long@support.contoso.com', supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] }).id;
    for (let i = 0; i < longSession; i += 2000) {
      sessions.appendBatch(Array.from({ length: Math.min(2000, longSession - i) }, (_, k) => ({ sessionId: longId, kind: 'output', node: 'hci-n01', text: `line ${i + k} Running ok` })));
    }
    sessions.end(longId, 'closed');
    written += longSession;
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { sessions: count + (longId ? 1 : 0), entries: written, longSession: longId };
}
