// What the sealed records cost (the tamper tests check the answers; speed on a
// shared machine is no pass/fail matter):
//   1. appending transcript entries, each keyed and re-sealing its session's
//      head in the same transaction: per entry alone (one fsync each) and in
//      batches of 50 (the group commit of busy sessions);
//   2. verifying a session of 10,000 entries (chain, head, seal, registry).
// Run: build the gateway, then node bench/records.mjs   (prints figures; no pass/fail)
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const dist = (p) => require(join(process.cwd(), 'gateway-plugin', 'dist', 'src', p));
const { openDatabase } = dist('store/database.js');
const { RecordSeal } = dist('store/record-seal.js');
const { SecretBox } = dist('store/secret-box.js');
const { ConsentLedger } = dist('store/consent-ledger.js');
const { SessionLedger } = dist('store/session-ledger.js');
const { EventHub } = dist('events/event-hub.js');

const C = 'hci-cl01.contoso.local';
const dir = mkdtempSync(join(tmpdir(), 'rs-bench-records-'));
const db = openDatabase(dir);
const clock = { now: () => Date.now() };
const events = new EventHub(() => clock.now());
const seal = RecordSeal.open(dir, db);
const consent = new ConsentLedger(db, clock, SecretBox.open(dir), events, seal);
const sessions = new SessionLedger(db, clock, events, seal);
const grant = consent.grant(C, { accessLevel: 'Diagnostics', expireInMinutes: 480, supportCaseNumber: null, sasCredential: null, termsVersion: '1' }, 'bench').grant;
const open = () => sessions.open({ cluster: C, grantId: grant.id, engineer: 'bench', supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] }).id;

const line = 'Get-VM -Name web*\n' + 'web01 Running 4 8192\n'.repeat(10);
const s1 = open();
let t = performance.now();
for (let i = 0; i < 500; i++) sessions.append(s1, 'output', 'hci-n01', line);
const alone = ((performance.now() - t) * 1000) / 500;

const s2 = open();
t = performance.now();
for (let i = 0; i < 200; i++) sessions.appendBatch(Array.from({ length: 50 }, () => ({ sessionId: s2, kind: 'output', node: 'hci-n01', text: line })));
const batched = ((performance.now() - t) * 1000) / 10_000;

t = performance.now();
const check = sessions.verify(s2);
const verifyMs = performance.now() - t;

console.log(`append, one entry per transaction:  ${alone.toFixed(0).padStart(6)} µs per entry`);
console.log(`append, 50 entries per transaction: ${batched.toFixed(0).padStart(6)} µs per entry`);
console.log(`verify a session of ${check.entries} entries: ${verifyMs.toFixed(0)} ms (${check.valid ? 'valid' : check.problem}, ${check.chain})`);
db.close();
rmSync(dir, { recursive: true, force: true });
