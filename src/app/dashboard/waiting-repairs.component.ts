import { ChangeDetectorRef, Component, EventEmitter, Inject, Input, NgZone, OnChanges, OnDestroy, Output } from '@angular/core';
import { finalize } from 'rxjs/operators';
import type { RepairApprovalView } from '../core/api-models';
import { Clock, CLOCK } from '../core/clock';
import { formatDateTime, formatUtc } from '../core/format';
import { GatewayError } from '../core/gateway-error';
import { RemoteSupportGateway, RepairDecision } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { AlertLedger } from '../shared/alert-ledger';
import { RepairAnswersHere } from './repair-notifications';
import { repairCommandLine } from './waiting-repair-command';

/** What the admin is doing with one waiting repair. */
interface CardState {
  /** The note that goes with an approval (optional). */
  note: string;
  /** Refuse was selected: the reason field shows. */
  refusing: boolean;
  refuseReason: string;
  /** Refuse was confirmed without a reason: say what is missing. */
  reasonMissing: boolean;
  /** An answer is on its way. */
  sending: RepairDecision | null;
  /** The gateway took this answer; the card stays, disabled, until the status no longer lists it. */
  answered: RepairDecision | null;
}

/** The longest reason the gateway accepts with an answer. */
const MAX_DECISION_REASON = 500;

/**
 * On the Overview, above everything else while any repair waits: one card
 * per repair command waiting for the admin's live yes, oldest first, with
 * the engineer, the node, the command exactly as it will run, the engineer's
 * reason and a countdown to its automatic refusal. **Approve** (with an
 * optional note) and **Refuse** (with a reason, required) answer through
 * the gateway. The card goes when the status no longer lists the repair
 * (the Overview reads it again on `repair.decided`); an answer that comes
 * too late says so and asks for the status again (`reload`).
 *
 * The countdown ticks on the injected clock, outside Angular's zone, and
 * holds still while `stopped` (the gateway cannot be reached).
 */
@Component({
  selector: 'rs-waiting-repairs',
  template: `
    <div aria-live="polite" aria-relevant="additions text">
      <section *ngIf="repairs.length" class="rs-card rs-waiting-repairs" data-testid="waiting-repairs" aria-labelledby="rs-repairs-heading">
        <h2 id="rs-repairs-heading">{{ strings.Repairs.title }}</h2>
        <p class="rs-hint">{{ strings.Repairs.intro }}</p>
        <article *ngFor="let a of repairs; trackBy: byId" class="rs-repair" data-testid="waiting-repair" [attr.data-approval-id]="a.id"
          [attr.aria-labelledby]="'rs-repair-title-' + a.id">
          <h3 class="rs-repair-title" [id]="'rs-repair-title-' + a.id">{{ strings.Repairs.cardTitle | rsFormat: a.engineer.name : a.node }}</h3>
          <dl class="rs-facts">
            <dt>{{ strings.Repairs.command }}</dt>
            <dd><code class="rs-repair-command" data-testid="repair-command">{{ commandOf(a) }}</code></dd>
            <dt>{{ strings.Repairs.node }}</dt><dd data-testid="repair-node">{{ a.node }}</dd>
            <dt>{{ strings.Repairs.engineer }}</dt><dd data-testid="repair-engineer">{{ a.engineer.name }}</dd>
            <dt>{{ strings.Repairs.reason }}</dt>
            <dd data-testid="repair-reason" [class.rs-hint]="!a.reason">{{ a.reason || strings.Repairs.noReason }}</dd>
            <dt>{{ strings.Repairs.askedAt }}</dt><dd><time [attr.datetime]="a.askedAt" [title]="utc(a.askedAt)">{{ time(a.askedAt) }}</time></dd>
            <dt>{{ strings.Repairs.answerBy }}</dt>
            <dd>
              <time data-testid="repair-countdown" class="rs-repair-countdown" aria-live="off" [attr.datetime]="a.expiresAt" [title]="utc(a.expiresAt)"
                [class.rs-text-critical]="remainingMs(a) <= lastMinuteMs" [attr.data-paused]="stopped ? 'true' : null">{{ countdownText(a) }}</time>
              <span *ngIf="stopped" class="rs-hint"> {{ strings.Repairs.countdownPaused }}</span>
            </dd>
          </dl>
          <ng-container *ngIf="state(a) as s">
            <p *ngIf="s.answered" class="rs-repair-answered" role="status">{{ s.answered === 'approve' ? strings.Repairs.approvedHere : strings.Repairs.refusedHere }}</p>
            <div *ngIf="!s.answered && !s.refusing" class="rs-repair-approve">
              <p class="rs-hint" [id]="'rs-repair-runs-' + a.id">{{ strings.Repairs.whatRuns | rsFormat: a.node }} <code>{{ commandOf(a) }}</code></p>
              <label [for]="'rs-repair-note-' + a.id">{{ strings.Repairs.noteLabel }}</label>
              <input type="text" class="rs-repair-input" [id]="'rs-repair-note-' + a.id" data-testid="repair-note" autocomplete="off" [maxLength]="maxReason"
                [value]="s.note" (input)="s.note = valueOf($event)" [disabled]="disabled(a)" [attr.aria-describedby]="'rs-repair-note-hint-' + a.id">
              <div class="rs-hint" [id]="'rs-repair-note-hint-' + a.id">{{ strings.Repairs.noteHint }}</div>
              <div class="rs-actions">
                <button type="button" class="sme-button-primary" data-testid="repair-approve" [disabled]="disabled(a)" (click)="approve(a)"
                  [attr.aria-describedby]="'rs-repair-runs-' + a.id">{{ s.sending === 'approve' ? strings.Repairs.approving : strings.Repairs.approve }}</button>
                <button type="button" data-testid="repair-refuse" [disabled]="disabled(a)" (click)="startRefusing(a)">{{ strings.Repairs.refuse }}</button>
              </div>
            </div>
            <div *ngIf="!s.answered && s.refusing" class="rs-repair-refuse">
              <label [for]="'rs-repair-refuse-reason-' + a.id">{{ strings.Repairs.refuseReasonLabel }}</label>
              <input type="text" class="rs-repair-input" [id]="'rs-repair-refuse-reason-' + a.id" data-testid="repair-refuse-reason" autocomplete="off"
                [maxLength]="maxReason" [value]="s.refuseReason" (input)="s.refuseReason = valueOf($event); s.reasonMissing = false" [disabled]="disabled(a)" aria-required="true"
                [attr.aria-invalid]="s.reasonMissing ? 'true' : 'false'"
                [attr.aria-describedby]="'rs-repair-refuse-hint-' + a.id + ' rs-repair-refuse-error-' + a.id">
              <div class="rs-hint" [id]="'rs-repair-refuse-hint-' + a.id">{{ strings.Repairs.refuseReasonHint }}</div>
              <div class="rs-field-error" role="alert" [id]="'rs-repair-refuse-error-' + a.id">
                <ng-container *ngIf="s.reasonMissing">{{ strings.Repairs.refuseReasonRequired }}</ng-container>
              </div>
              <div class="rs-actions">
                <button type="button" class="sme-button-primary sme-button-critical" data-testid="repair-refuse-confirm" [disabled]="disabled(a)"
                  (click)="refuse(a)">{{ s.sending === 'refuse' ? strings.Repairs.refusing : strings.Repairs.refuseConfirm }}</button>
                <button type="button" data-testid="repair-refuse-cancel" [disabled]="!!s.sending" (click)="s.refusing = false; s.reasonMissing = false">{{ strings.Common.cancel }}</button>
              </div>
            </div>
          </ng-container>
        </article>
      </section>
    </div>
  `,
  styles: [
    `
      .rs-waiting-repairs { border-left: 4px solid #a4262c; }
      .rs-repair { border-top: 1px solid #edebe9; padding: 8px 0; }
      .rs-repair:first-of-type { border-top: 0; }
      .rs-repair-title { font-size: 14px; font-weight: 600; margin: 4px 0 8px; }
      .rs-repair-command { font-family: Consolas, 'Courier New', monospace; overflow-wrap: anywhere; }
      .rs-repair-input { display: block; width: 100%; max-width: 480px; margin-top: 4px; }
      .rs-repair-answered { font-weight: 600; }
    `,
  ],
})
export class WaitingRepairsComponent implements OnChanges, OnDestroy {
  @Input() approvals: RepairApprovalView[] | undefined;
  /** The gateway cannot be reached: the list is out of date and its countdowns stop. */
  @Input() stopped = false;
  /** The gateway's time minus this browser's, so the countdowns follow the gateway's clock. */
  @Input() serverOffsetMs = 0;
  /** The list is out of date (an answer came too late, or a repair timed out here): read the status again. */
  @Output() readonly reload = new EventEmitter<void>();

  readonly strings = extensionStrings();
  readonly time = formatDateTime;
  readonly utc = formatUtc;
  readonly maxReason = MAX_DECISION_REASON;
  readonly lastMinuteMs = 60_000;
  /** The waiting repairs, oldest first. */
  repairs: RepairApprovalView[] = [];
  /** The time the countdowns show (this browser's clock); it holds still while stopped. */
  now: number;

  private readonly cards = new Map<string, CardState>();
  private readonly timedOut = new Set<string>();
  private cancelTick: (() => void) | null = null;

  constructor(
    private readonly gateway: RemoteSupportGateway,
    private readonly alerts: AlertLedger,
    private readonly changes: ChangeDetectorRef,
    private readonly zone: NgZone,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly answersHere: RepairAnswersHere,
  ) {
    this.now = clock.now();
  }

  ngOnChanges(): void {
    this.repairs = [...(this.approvals ?? [])].sort((a, b) => Date.parse(a.askedAt) - Date.parse(b.askedAt));
    const ids = new Set(this.repairs.map((a) => a.id));
    for (const id of [...this.cards.keys()]) if (!ids.has(id)) this.cards.delete(id);
    for (const id of [...this.timedOut]) if (!ids.has(id)) this.timedOut.delete(id);
    if (!this.stopped) this.now = this.clock.now();
    this.schedule();
  }

  ngOnDestroy(): void {
    this.stopTicking();
  }

  /** What a text field holds now. */
  valueOf(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }

  byId(_: number, a: RepairApprovalView): string {
    return a.id;
  }

  commandOf(a: RepairApprovalView): string {
    return repairCommandLine(a.cmdlet, a.parameters);
  }

  state(a: RepairApprovalView): CardState {
    let s = this.cards.get(a.id);
    if (!s) {
      s = { note: '', refusing: false, refuseReason: '', reasonMissing: false, sending: null, answered: null };
      this.cards.set(a.id, s);
    }
    return s;
  }

  remainingMs(a: RepairApprovalView): number {
    const end = Date.parse(a.expiresAt);
    return Number.isNaN(end) ? 0 : end - (this.now + this.serverOffsetMs);
  }

  /** "Refused automatically in 4:32", or that the time is up. */
  countdownText(a: RepairApprovalView): string {
    const left = this.remainingMs(a);
    return left > 0 ? format(this.strings.Repairs.countdown, clockText(left)) : this.strings.Repairs.timedOut;
  }

  /** No answer can go: one is on its way or taken, or the repair's time is up. */
  disabled(a: RepairApprovalView): boolean {
    const s = this.state(a);
    return !!s.sending || !!s.answered || this.remainingMs(a) <= 0;
  }

  approve(a: RepairApprovalView): void {
    const note = this.state(a).note.trim();
    this.send(a, 'approve', note || undefined);
  }

  startRefusing(a: RepairApprovalView): void {
    const s = this.state(a);
    s.refusing = true;
    s.reasonMissing = false;
    // The reason field replaces the buttons: the focus goes to it.
    this.changes.detectChanges();
    document.getElementById(`rs-repair-refuse-reason-${a.id}`)?.focus();
  }

  /** Sends the refusal only with a reason: the engineer is told why. */
  refuse(a: RepairApprovalView): void {
    const s = this.state(a);
    const reason = s.refuseReason.trim();
    if (!reason) {
      s.reasonMissing = true;
      document.getElementById(`rs-repair-refuse-reason-${a.id}`)?.focus();
      return;
    }
    this.send(a, 'refuse', reason);
  }

  private send(a: RepairApprovalView, decision: RepairDecision, reason: string | undefined): void {
    const s = this.state(a);
    if (this.disabled(a)) return;
    s.sending = decision;
    const r = this.strings.Repairs;
    this.gateway
      .decideRepair(a.id, decision, reason)
      .pipe(finalize(() => (s.sending = null)))
      .subscribe({
        next: () => {
          s.answered = decision;
          this.alerts.show('success', format(decision === 'approve' ? r.approved : r.refused, a.cmdlet, a.node));
          this.answersHere.answered(a, decision);
          this.changes.markForCheck();
        },
        error: (error: unknown) => {
          this.showFailure(a, decision, error);
          this.changes.markForCheck();
        },
      });
  }

  /** Says in words why the answer did not count; when the repair no longer waits, asks for the status again. */
  private showFailure(a: RepairApprovalView, decision: RepairDecision, error: unknown): void {
    const r = this.strings.Repairs;
    const code = error instanceof GatewayError ? error.code : null;
    if (code === 'ApprovalNotFound' || code === 'ApprovalAlreadyDecided') {
      const settled = code === 'ApprovalAlreadyDecided' ? /\((timed-out|cancelled)\b/.exec(error instanceof Error ? error.message : '')?.[1] : undefined;
      const words = settled === 'timed-out' || this.remainingMs(a) <= 0 ? r.alreadyTimedOut : settled === 'cancelled' ? r.alreadyCancelled : code === 'ApprovalNotFound' ? r.notFound : r.alreadyDecided;
      this.alerts.show('warning', format(words, a.cmdlet, a.node), code);
      this.reload.emit();
      return;
    }
    const action = format(decision === 'approve' ? r.approveFailed : r.refuseFailed, a.cmdlet, a.node);
    if (code === 'InvalidDecision') {
      this.alerts.show('error', format(this.strings.Errors.withReason, action, r.invalidReason), code);
      return;
    }
    this.alerts.error(action, error);
  }

  /** Ticks once a second while a repair waits and the gateway answers; holds still otherwise. */
  private schedule(): void {
    this.stopTicking();
    if (this.stopped || this.repairs.length === 0) return;
    // Outside Angular's zone, so a ticking countdown never keeps the app "busy"; it refreshes only this view.
    this.zone.runOutsideAngular(() => {
      this.cancelTick = this.clock.setTimer(1000, () => {
        this.cancelTick = null;
        this.now = this.clock.now();
        this.noticeTimeOuts();
        this.changes.detectChanges();
        this.schedule();
      });
    });
  }

  /** A repair whose time ran out here: the gateway refused it; read the status again (once per repair). */
  private noticeTimeOuts(): void {
    const due = this.repairs.filter((a) => this.remainingMs(a) <= 0 && !this.timedOut.has(a.id));
    if (due.length === 0) return;
    for (const a of due) this.timedOut.add(a.id);
    this.zone.run(() => this.reload.emit());
  }

  private stopTicking(): void {
    this.cancelTick?.();
    this.cancelTick = null;
  }
}

/** `4:32`, `0:05`, `1:02:03`: the time left as a clock shows it. */
export function clockText(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}
