import { ComponentFixture, TestBed } from '@angular/core/testing';
import { ActivatedRoute, convertToParamMap } from '@angular/router';
import { RouterTestingModule } from '@angular/router/testing';
import { of, Subject } from 'rxjs';
import { SessionDetail, TranscriptEntry } from '../core/api-models';
import { AlertLedger } from '../shared/alert-ledger';
import { DomHarness, entries, FakeGateway, FakeLiveEventStream, gatewayError, iso, NOW, provideAppContextStub, provideFakeEvents, provideFakeGateway, session } from '../testing';
import { TRANSCRIPT_PAGE_SIZE, TranscriptViewerComponent } from './transcript-viewer.component';
import { TranscriptModule } from './transcript.module';

/** The transcript viewer as an admin or auditor uses it. */
class TranscriptHarness extends DomHarness {
  rows(): HTMLElement[] {
    return this.queryAll('[data-testid="entries"] li');
  }
  seqs(): number[] {
    return this.rows().map((r) => Number(r.getAttribute('data-seq')));
  }
  async find(text: string): Promise<void> {
    await this.type('[data-testid="find-input"]', text);
  }
  findCount(): string {
    return this.testIdText('find-count');
  }
  currentSeq(): number | null {
    const el = this.query('.rs-entry-current');
    return el ? Number(el.getAttribute('data-seq')) : null;
  }
}

/** jsdom's Blob has no text(): read it the older way. */
function readBlob(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

describe('TranscriptViewerComponent', () => {
  const SESSION = session();
  let gateway: FakeGateway;
  let events: FakeLiveEventStream;
  let fixture: ComponentFixture<TranscriptViewerComponent>;
  let page: TranscriptHarness;
  let all: TranscriptEntry[];

  function serve(list: TranscriptEntry[], s = SESSION): void {
    all = list;
    gateway.session.mockImplementation((_id: string, p?: { offset: number; limit: number }) =>
      of(p ? { session: s, transcript: { offset: p.offset, limit: p.limit, total: all.length, entries: all.slice(p.offset, p.offset + p.limit) } } : { session: s }),
    );
  }

  async function create(query: Record<string, string> = {}): Promise<void> {
    await TestBed.configureTestingModule({
      imports: [TranscriptModule, RouterTestingModule],
      providers: [
        provideFakeGateway(gateway),
        provideFakeEvents(events),
        provideAppContextStub(),
        { provide: ActivatedRoute, useValue: { paramMap: of(convertToParamMap({ sessionId: SESSION.id })), snapshot: { queryParamMap: convertToParamMap(query) } } },
      ],
    }).compileComponents();
    TestBed.inject(AlertLedger).clear();
    fixture = TestBed.createComponent(TranscriptViewerComponent);
    page = new TranscriptHarness(fixture);
    await page.settle();
  }

  beforeEach(() => {
    gateway = new FakeGateway();
    events = new FakeLiveEventStream();
    serve(entries(8));
  });

  it('shows every entry in order with its time (zone named, UTC on hover), node and kind', async () => {
    await create();
    expect(page.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const first = page.rows()[0]!;
    expect(first.querySelector('time')!.textContent).toBe('2026-11-25 11:50:00 UTC');
    expect(first.querySelector('time')!.getAttribute('title')).toBe('2026-11-25 11:50:00 UTC');
    expect(first.querySelector('.rs-entry-kind')!.textContent).toBe('Command');
    expect(first.querySelector('[data-testid="entry-command"]')!.textContent).toBe('hci-n01 · Diagnostics> Get-ClusterNode -Name node0');
    expect(page.rows()[1]!.querySelector('.rs-entry-node')!.textContent).toBe('hci-n02');
    expect(page.rows()[2]!.getAttribute('data-kind')).toBe('denied');
    expect(page.rows()[3]!.querySelector('.rs-entry-node')).toBeNull(); // a system event has no node
    expect(page.text('[data-testid="session-facts"]')).toContain('engineer@support.example');
  });

  it('says in words when the relay cut the session', async () => {
    serve(entries(4), session({ endedAt: iso(NOW - 60_000), endReason: 'relay-disconnected', durationSeconds: 540 }));
    await create();
    expect(page.testIdText('session-state')).toBe('2026-11-25 11:59 UTC (Relay connection lost, 9 min 00 s)');
  });

  it('reads a long transcript a page at a time until it has every entry', async () => {
    serve(entries(2 * TRANSCRIPT_PAGE_SIZE + 300));
    await create();
    expect(gateway.session.mock.calls.map((c) => c[1])).toEqual([
      { offset: 0, limit: TRANSCRIPT_PAGE_SIZE },
      { offset: TRANSCRIPT_PAGE_SIZE, limit: TRANSCRIPT_PAGE_SIZE },
      { offset: 2 * TRANSCRIPT_PAGE_SIZE, limit: TRANSCRIPT_PAGE_SIZE },
    ]);
    expect(page.rows()).toHaveLength(2300);
    expect(page.seqs()[2299]).toBe(2300);
  });

  it('finds text in the transcript and steps through the matches', async () => {
    await create();
    await page.find('NODE');
    expect(page.findCount()).toBe('1 of 4'); // node0, node1, node4, node5
    expect(page.currentSeq()).toBe(1);
    expect(page.queryAll('.rs-entry-current mark').map((m) => m.textContent)).toEqual(['Node', 'node']);
    await page.clickTestId('find-next');
    expect(page.findCount()).toBe('2 of 4');
    await page.clickTestId('find-previous');
    await page.clickTestId('find-previous');
    expect(page.findCount()).toBe('4 of 4');
    await page.find('no such text');
    expect(page.findCount()).toBe('No match');
    expect(page.queryAll('mark')).toHaveLength(0);
  });

  it('follows a live session: new entries appear in order, other sessions\' do not', async () => {
    await create();
    expect(page.query('[data-testid="follow"]')).not.toBeNull();
    events.emit('transcript.entry', { sessionId: SESSION.id, seq: 9, at: NOW, kind: 'command', node: 'hci-n02', text: 'Get-VM', prevHash: 'x', hash: 'y' });
    events.emit('transcript.entry', { sessionId: 'another', seq: 9, at: NOW, kind: 'command', node: 'hci-n02', text: 'Nope', prevHash: 'x', hash: 'y' });
    events.emit('transcript.entry', { sessionId: SESSION.id, seq: 9, at: NOW, kind: 'command', node: 'hci-n02', text: 'Get-VM', prevHash: 'x', hash: 'y' });
    await page.settle();
    expect(page.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(page.rows()[8]!.textContent).toContain('Get-VM');
    expect(page.rows()[8]!.querySelector('time')!.textContent).toBe('2026-11-25 12:00:00 UTC');
  });

  it('reads as a person reads it: prompt with nodes and level, the command as typed, output in its own box, a denial in words, no JSON or internal names', async () => {
    const at = (i: number) => iso(NOW - 60_000 + i * 1000);
    const e = (seq: number, kind: TranscriptEntry['kind'], node: string | null, text: string): TranscriptEntry => ({ seq, at: at(seq), kind, node, text, prevHash: '0'.repeat(64), hash: '1'.repeat(64) });
    serve([
      e(1, 'system', null, 'Session opened by engineer@support.example (entra:x) for support case CASE-1 at level Diagnostics on hci-n01, hci-n02; access expires 2026-11-25T19:50:00.000Z'),
      e(2, 'command', 'hci-n01,hci-n02', 'Get-Service -Name WinRM\n-> {"cmdlet":"Get-Service","parameters":{"Name":"WinRM"}}'),
      e(3, 'output', 'hci-n01', 'Status   Name               DisplayName\n------   ----               -----------\nRunning  WinRM              Windows Remote Management (WS-Management)'),
      e(4, 'denied', null, 'Stop-Service -Name ClusSvc\n-> denied (level-too-low): Stop-Service needs the DiagnosticsRepair access level; this grant is Diagnostics.'),
      e(5, 'system', null, 'A new grant replaced the previous one: access level Diagnostics -> DiagnosticsRepair, expires 2026-11-25T20:00:00.000Z'),
      e(6, 'denied', null, 'Get-VM | Stop-VM\n-> denied (pipeline): The line pipes into another command with "|".'),
      e(7, 'system', null, 'Session ended: revoked by CONTOSO\\admin. Remote support access was revoked'),
    ], session({ accessLevel: 'DiagnosticsRepair' }));
    await create();
    const rows = page.rows();
    const text = page.text('[data-testid="entries"]');
    expect(text).not.toMatch(/-> \{|-> denied|\{"cmdlet"|DiagnosticsRepair|level-too-low|\(pipeline\)|Session ended: revoked|\d{4}-\d\d-\d\dT/);
    expect(rows[1]!.querySelector('[data-testid="entry-command"]')!.textContent).toBe('hci-n01, hci-n02 · Diagnostics> Get-Service -Name WinRM');
    expect(rows[2]!.querySelector('.rs-output-box [data-testid="entry-output"]')!.textContent).toContain('Running  WinRM');
    expect(rows[3]!.querySelector('[data-testid="entry-command"]')!.textContent).toBe('hci-n01, hci-n02 · Diagnostics> Stop-Service -Name ClusSvc');
    expect(rows[3]!.querySelector('[data-testid="denial-reason"] strong')!.textContent).toBe('Not allowed at the Diagnostics level');
    expect(rows[3]!.querySelector('.rs-denial-detail')!.textContent).toBe('Stop-Service needs the Diagnostics and repair access level; this grant is Diagnostics.');
    expect(rows[4]!.textContent).toContain('access level Diagnostics -> Diagnostics and repair, expires 2026-11-25 20:00 UTC');
    // After the new grant, the prompt carries the new level.
    expect(rows[5]!.querySelector('[data-testid="entry-command"]')!.textContent).toBe('hci-n01, hci-n02 · Diagnostics and repair> Get-VM | Stop-VM');
    expect(rows[5]!.querySelector('[data-testid="denial-reason"] strong')!.textContent).toBe('Not allowed: pipes into another command');
    expect(rows[6]!.textContent).toContain('Session ended: Access revoked by CONTOSO\\admin.');
    expect(rows[0]!.textContent).toContain('access expires 2026-11-25 19:50 UTC');
  });

  it('reads a repair\'s approval and the deny list in words: the question, who approved or refused it and when, the time-out, the cancel, the rule\'s reason', async () => {
    const at = (i: number) => iso(NOW - 60_000 + i * 1000);
    const e = (seq: number, kind: TranscriptEntry['kind'], node: string | null, text: string): TranscriptEntry => ({ seq, at: at(seq), kind, node, text, prevHash: '0'.repeat(64), hash: '1'.repeat(64) });
    const id = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
    const admin = 'admin@contoso.com (entra:72f988bf/6a1f0c2e)';
    serve([
      e(1, 'system', 'hci-n02', `Repair approval ${id} asked of the cluster administrator: Restart-Service -Name ClusSvc\n-> {"cmdlet":"Restart-Service","parameters":{"Name":"ClusSvc"}} on hci-n02 by engineer@support.example (entra:72f988bf/0d9e8c7b); reason: Cluster service hung; answer due by 2026-11-25T12:05:00.000Z`),
      e(2, 'system', 'hci-n02', `Repair approval ${id} approved by ${admin} at 2026-11-25T12:01:00.000Z: go ahead, tonight only`),
      e(3, 'command', 'hci-n02', 'Restart-Service -Name ClusSvc\n-> {"cmdlet":"Restart-Service","parameters":{"Name":"ClusSvc"}}'),
      e(4, 'denied', 'hci-n01', `Restart-Service -Name ClusSvc\n-> denied (repair-refused): repair approval ${id} refused by ${admin} at 2026-11-25T12:02:00.000Z: not during business hours`),
      e(5, 'denied', 'hci-n01', `Restart-Service -Name WinRM\n-> denied (repair-approval-timed-out): repair approval ${id} had no answer by 2026-11-25T12:08:00.000Z`),
      e(6, 'denied', 'hci-n02', "Restart-Service -Name ClusSvc\n-> denied (deny-list): The customer's deny list refuses Restart-Service on hci-n02: hci-n02 hosts the billing SQL role; restarts only in the Sunday window"),
      e(7, 'system', 'hci-n01', `Repair approval ${id} cancelled at 2026-11-25T12:09:00.000Z: the session ended (revoked)`),
      e(8, 'system', 'hci-n01', `Repair approval ${id} approved by local:admin at 2026-11-25T12:10:00.000Z`),
    ], session({ accessLevel: 'DiagnosticsRepair' }));
    await create();
    const rows = page.rows();
    const note = (i: number) => rows[i]!.querySelector('.rs-entry-note')!.textContent;
    const denial = (i: number) => [rows[i]!.querySelector('[data-testid="denial-reason"] strong')!.textContent, rows[i]!.querySelector('.rs-denial-detail')!.textContent];
    // Never the approval's id, the command as JSON, a reason code, a stable id or a UTC timestamp.
    expect(page.text('[data-testid="entries"]')).not.toMatch(new RegExp(`${id}|\\{"cmdlet"|repair-refused|timed-out|deny-list\\)|entra:|\\d{4}-\\d\\d-\\d\\dT|\\(none given\\)`));
    expect(rows[0]!.querySelector('[data-testid="entry-command"]')!.textContent).toBe('hci-n02 · Diagnostics and repair> Restart-Service -Name ClusSvc');
    expect(note(0)).toBe('Waiting for the cluster administrator\'s approval: asked by engineer@support.example; reason: Cluster service hung; answer due by 2026-11-25 12:05 UTC');
    expect(note(1)).toBe('Repair approved by admin@contoso.com at 2026-11-25 12:01 UTC: go ahead, tonight only');
    expect(denial(3)).toEqual(['Refused by the administrator: the repair was not approved', 'Refused by admin@contoso.com at 2026-11-25 12:02 UTC: not during business hours']);
    expect(denial(4)).toEqual(['Not run: nobody approved the repair in time', 'No answer by 2026-11-25 12:08 UTC, so it did not run']);
    expect(denial(5)).toEqual(["Refused by the cluster's deny list", "The deny list's rule for Restart-Service on hci-n02: hci-n02 hosts the billing SQL role; restarts only in the Sunday window"]);
    expect(rows[5]!.querySelector('[data-testid="entry-command"]')!.textContent).toBe('hci-n02 · Diagnostics and repair> Restart-Service -Name ClusSvc');
    expect(note(6)).toBe('The repair stopped waiting for approval at 2026-11-25 12:09 UTC: the session ended (Access revoked)');
    expect(note(7)).toBe('Repair approved by local:admin at 2026-11-25 12:10 UTC');
    await page.find('cluster service hung');
    expect(page.findCount()).toBe('1 of 1');
  });

  it('finds text as it is shown, not in the JSON the gateway recorded', async () => {
    serve([{ seq: 1, at: iso(NOW), kind: 'command', node: 'hci-n01', text: 'Get-Service -Name WinRM\n-> {"cmdlet":"Get-Service","parameters":{"Name":"WinRM"}}', prevHash: '0'.repeat(64), hash: '1'.repeat(64) }]);
    await create();
    await page.find('cmdlet');
    expect(page.findCount()).toBe('No match');
    await page.find('winrm');
    expect(page.findCount()).toBe('1 of 1');
  });

  it('watches the shown session\'s transcript while open (a polling transport reads it then), and stops when closed', async () => {
    await create();
    expect(events.watching).toEqual([SESSION.id]);
    fixture.destroy();
    expect(events.watching).toEqual([]);
  });

  it('ignores the entry-less command counts a polling transport sends', async () => {
    await create();
    events.emit('transcript.entry', { sessionId: SESSION.id, kind: 'command', seq: null });
    await page.settle();
    expect(page.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(gateway.session).toHaveBeenCalledTimes(1);
  });

  it('reads on after a read that was under way when a live entry came, so the entry is not lost', async () => {
    await create();
    // A slow read (the PowerShell path) of the first 8 entries; the 9th is written and announced meanwhile.
    const slow = new Subject<SessionDetail>();
    gateway.session.mockImplementationOnce(() => slow);
    events.emit('transcript.entry', { sessionId: SESSION.id, ...entries(10)[9]! }); // a gap: read from entry 9
    all = entries(10);
    events.emit('transcript.entry', { sessionId: SESSION.id, ...all[9]! });
    slow.next({ session: SESSION, transcript: { offset: 8, limit: TRANSCRIPT_PAGE_SIZE, total: 9, entries: all.slice(8, 9) } });
    slow.complete();
    await page.settle();
    expect(page.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('reads what it missed when a live entry skips ahead', async () => {
    await create();
    all = entries(12);
    events.emit('transcript.entry', { sessionId: SESSION.id, ...all[11]! });
    await page.settle();
    expect(gateway.session).toHaveBeenLastCalledWith(SESSION.id, { offset: 8, limit: TRANSCRIPT_PAGE_SIZE });
    expect(page.seqs()).toHaveLength(12);
  });

  it('shows the integrity check plainly', async () => {
    await create();
    gateway.answer('verify', { verification: { valid: true, entries: 8, firstBadSeq: null, problem: null } });
    await page.clickTestId('verify');
    expect(page.testIdText('verification')).toContain('Intact: the hash chain of all 8 entries is unbroken');
    gateway.answer('verify', { verification: { valid: false, entries: 8, firstBadSeq: 5, problem: 'entry 5 was changed after it was written' } });
    await page.clickTestId('verify');
    expect(page.byTestId('verification')!.getAttribute('data-valid')).toBe('false');
    expect(page.testIdText('verification')).toContain('Not intact: entry 5 does not fit the hash chain (entry 5 was changed after it was written)');
  });

  describe('downloads', () => {
    let saved: { name: string; blob: Blob }[];
    beforeEach(() => {
      saved = [];
      let blob: Blob | null = null;
      (URL as unknown as { createObjectURL: (b: Blob) => string }).createObjectURL = (b: Blob) => ((blob = b), 'blob:test');
      (URL as unknown as { revokeObjectURL: () => void }).revokeObjectURL = () => undefined;
      jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
        saved.push({ name: this.download, blob: blob! });
      });
    });
    afterEach(() => jest.restoreAllMocks());

    it("saves the gateway's export, as text and as JSON, under the gateway's file names", async () => {
      gateway.exportTranscript.mockImplementation((_id: string, format: 'json' | 'text') =>
        of(format === 'text' ? 'Remote support session (text from the gateway)\n' : JSON.stringify({ format: 'remote-support-transcript/1', session: { id: SESSION.id }, entries: [] })),
      );
      await create();
      await page.clickTestId('download-text');
      await page.clickTestId('download-json');
      expect(gateway.exportTranscript.mock.calls).toEqual([[SESSION.id, 'text'], [SESSION.id, 'json']]);
      expect(saved.map((s) => s.name)).toEqual([`transcript-${SESSION.id}.txt`, `transcript-${SESSION.id}.json`]);
      expect(await readBlob(saved[0]!.blob)).toBe('Remote support session (text from the gateway)\n');
      const json = JSON.parse(await readBlob(saved[1]!.blob));
      expect(json.format).toBe('remote-support-transcript/1');
      expect(json.session.id).toBe(SESSION.id);
    });

    it('shows an alert when the export cannot be downloaded', async () => {
      gateway.fail('exportTranscript', gatewayError('SessionNotFound', 'No session exists within the last 90 days', null, 404));
      await create();
      await page.clickTestId('download-json');
      expect(saved).toEqual([]);
      expect(TestBed.inject(AlertLedger).alerts[0]!.message).toContain('No session exists within the last 90 days');
    });
  });

  it('highlights the entry a search result points at', async () => {
    await create({ seq: '5', find: 'node4' });
    expect(page.query('.rs-entry-focus')!.getAttribute('data-seq')).toBe('5');
    expect(page.findCount()).toBe('1 of 1');
  });

  it('goes back to where the admin came from', async () => {
    await create({ from: 'history' });
    expect(page.testIdText('back')).toContain('Back to the history');
  });

  it('shows an alert and a retry when the transcript cannot be read', async () => {
    gateway.fail('session', gatewayError('SessionNotFound', 'No session exists within the last 90 days', null, 404));
    await create();
    expect(TestBed.inject(AlertLedger).alerts[0]!.message).toContain('No session exists within the last 90 days');
    expect(page.byTestId('transcript-unavailable')).not.toBeNull();
  });
});
