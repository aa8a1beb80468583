import { ChangeDetectorRef, Component, Inject, NgZone, OnDestroy, OnInit } from '@angular/core';
import { ActivatedRoute, Router } from '@angular/router';
import { DialogService } from '@microsoft/windows-admin-center-sdk/angular';
import { EMPTY, Subject, Subscription } from 'rxjs';
import { catchError, filter, switchMap } from 'rxjs/operators';
import { AccessLevel, AccessRequest, AccessRequestList, ApprovalResult, GrantView, Terms } from '../core/api-models';
import { Clock, CLOCK } from '../core/clock';
import { formatDateTime, formatUtc, zoneName } from '../core/format';
import { LiveEventStream } from '../core/live-event-stream';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { durationInWords } from '../grant-dialog/grant-times';
import { AlertLedger } from '../shared/alert-ledger';
import { ToolRefresh } from '../tool/tool-refresh';
import {
  answerErrorFor,
  ApprovalField,
  ApprovalFormValue,
  ApprovalProblems,
  approvalFormFor,
  approvalProblems,
  levelsUpTo,
  MAX_START_DELAY_MS,
  minMinutes,
  REQUEST_TEXT_MAX,
  requestChangedMeanwhile,
  textProblem,
  toLocalInput,
  toRequestApproval,
} from './request-answer-form';
import { ConfirmationOptions, ConfirmationResult } from '../shared/confirmation-dialog.component';
import { REQUEST_EVENTS, RequestNotifications } from './request-notifications';
import { askedWords, isAnswerable, nodesWords, sortRequests, stateWords, withinHistory } from './request-words';

export type RequestFilter = 'open' | 'all';

/** The approval's fields in the order the form shows them (and "still needed" lists them). */
/** The id of the dialog that asks before a denial (its own instance of the shared confirmation dialog). */
export const DENY_CONFIRMATION_DIALOG_ID = 'rs-deny-request-dialog';

const APPROVAL_ORDER: readonly ApprovalField[] = ['accessLevel', 'expireInMinutes', 'startAt', 'sasCredential', 'termsVersion', 'agreeToRemoteSupportConsent'];

/**
 * The Requests tab: engineers' access requests, open ones first, then those
 * answered in the last 90 days, kept current by the live events. Selecting
 * one shows everything asked, the conversation and the answer; an open one
 * can be approved (as asked or less, now or later, with the terms agreed to),
 * denied with a reason, or questioned.
 *
 * The form's fields are native controls with their own labels, as in the
 * grant pane (see GrantAccessDialogComponent on why not the SDK's form fields).
 */
@Component({
  selector: 'rs-requests',
  templateUrl: './requests.component.html',
  styles: [
    // A word never breaks inside a cell at 1024 px: cells wrap between words only.
    '.rs-requests .rs-table td, .rs-requests .rs-table th { word-break: normal; overflow-wrap: normal; hyphens: none; }',
    '.rs-requests tr[data-request-id] { cursor: pointer; }',
    '.rs-requests tr.rs-request-selected { background: #deecf9; }',
    '.rs-requests .rs-conversation { list-style: none; padding: 0; margin: 0 0 8px; }',
    '.rs-requests .rs-conversation li { margin: 0 0 6px; }',
    '.rs-requests .rs-answer-forms { display: grid; gap: 16px; }',
    '.rs-requests textarea { width: 100%; max-width: 48em; }',
    '.rs-requests .rs-link-button { background: none; border: 0; padding: 0; min-width: 0; height: auto; font: inherit; color: #0067b8; text-decoration: underline; cursor: pointer; text-align: left; }',
  ],
})
export class RequestsComponent implements OnInit, OnDestroy {
  readonly strings = extensionStrings();
  readonly s = this.strings.Requests;
  readonly textMax = REQUEST_TEXT_MAX;
  readonly denyDialogId = DENY_CONFIRMATION_DIALOG_ID;

  /** Rows and messages keep their elements (and focus) when the list is read again. */
  readonly byId = (_: number, r: AccessRequest) => r.id;
  readonly byMoment = (i: number, m: AccessRequest['messages'][number]) => `${m.at}#${i}`;
  filter: RequestFilter = 'all';
  /** The live updates stopped: what shows may be out of date, and countdowns stop. */
  stale = false;
  requests: AccessRequest[] = [];
  loading = false;
  loaded = false;
  selectedId: string | null = null;
  /** The active grant, for an extension's "ends at" (undefined: not read yet). */
  activeGrant: GrantView | null | undefined = undefined;
  /** Whether the cluster is registered with Azure (status.registered): if not, an approval carries a shared access signature. */
  registered = true;

  approval: ApprovalFormValue | null = null;
  terms: Terms | null = null;
  termsError: string | null = null;
  /** What the gateway said about a field; cleared when that field changes. */
  serverProblems: ApprovalProblems = {};
  /** Fields the admin has changed: their problems show from then on. */
  readonly touched = new Set<ApprovalField>();
  approveError: string | null = null;
  approving = false;

  denyReason = '';
  denyTouched = false;
  denying = false;
  denyError: string | null = null;

  question = '';
  questionTouched = false;
  asking = false;
  askError: string | null = null;

  private readonly loads = new Subject<void>();
  private readonly subscriptions = new Subscription();
  private answering?: Subscription;
  private termsLoad?: Subscription;

  constructor(
    private readonly gateway: RemoteSupportGateway,
    private readonly live: LiveEventStream,
    private readonly refresh: ToolRefresh,
    private readonly alerts: AlertLedger,
    private readonly waiting: RequestNotifications,
    private readonly route: ActivatedRoute,
    private readonly router: Router,
    private readonly changes: ChangeDetectorRef,
    private readonly zone: NgZone,
    private readonly dialogs: DialogService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  ngOnInit(): void {
    this.subscriptions.add(
      this.loads
        .pipe(
          // A failed read is said and ends that read only: Refresh, an event or an answer reads again.
          switchMap(() =>
            this.gateway.accessRequests(this.filter === 'open').pipe(
              catchError((e: unknown) => {
                this.zone.run(() => this.loadFailed(e));
                return EMPTY;
              }),
            ),
          ),
        )
        .subscribe((list) => this.zone.run(() => this.loadedList(list))),
    );
    this.subscriptions.add(
      this.route.queryParamMap.subscribe((params) => {
        const id = params.get('id');
        if (id && id !== this.selectedId) this.select(id, false);
      }),
    );
    // Someone asked, answered (here or elsewhere) or a request expired: read the list again, keeping the selection.
    this.subscriptions.add(this.live.events$.pipe(filter((e) => REQUEST_EVENTS.has(e.type))).subscribe(() => this.zone.run(() => this.reload())));
    // The gateway cannot be reached: the list is out of date and its countdowns stop, as on the Overview.
    this.subscriptions.add(this.live.state$.subscribe((state) => this.zone.run(() => (this.stale = state === 'reconnecting'))));
    this.subscriptions.add(this.refresh.requests$.subscribe(() => this.reload()));
    this.reload();
    this.loadStatus();
  }

  ngOnDestroy(): void {
    this.subscriptions.unsubscribe();
    this.answering?.unsubscribe();
    this.termsLoad?.unsubscribe();
  }

  reload(): void {
    this.loading = true;
    this.loads.next();
  }

  setFilter(value: RequestFilter): void {
    if (value === this.filter) return;
    this.filter = value;
    this.reload();
  }

  get selected(): AccessRequest | null {
    return this.requests.find((r) => r.id === this.selectedId) ?? null;
  }

  get countText(): string {
    const n = this.requests.length;
    return n === 1 ? this.s.countOne : format(this.s.countMany, n);
  }

  /** The admin's time zone as times show it (`UTC`, `PST`). */
  get timeZone(): string {
    return zoneName(this.clock.now());
  }

  /** Shows a request's detail (and puts its id in the address, so a link can open it). */
  select(id: string, updateUrl = true): void {
    if (id !== this.selectedId) {
      this.selectedId = id;
      this.resetForms();
    }
    if (updateUrl) void this.router.navigate([], { relativeTo: this.route, queryParams: { id }, replaceUrl: true });
    if (this.selected?.kind === 'extension') this.loadStatus();
  }

  canAnswer(request: AccessRequest): boolean {
    return isAnswerable(request);
  }

  state(request: AccessRequest): string {
    return stateWords(request);
  }

  asked(request: AccessRequest): string {
    return askedWords(request);
  }

  nodes(request: AccessRequest): string {
    return nodesWords(request);
  }

  time(iso: string | null | undefined): string {
    return formatDateTime(iso);
  }

  utc(iso: string | null | undefined): string {
    return formatUtc(iso);
  }

  level(level: AccessLevel): string {
    return this.strings.Level[level];
  }

  words(minutes: number): string {
    return durationInWords(minutes);
  }

  /** Whether a request still runs towards its expiry unanswered (the countdown is shown). */
  counting(request: AccessRequest): boolean {
    return request.state === 'pending' || request.state === 'info-requested';
  }

  messageFrom(message: AccessRequest['messages'][number]): string {
    return format(message.from === 'admin' ? this.s.Detail.fromAdmin : this.s.Detail.fromEngineer, message.by);
  }

  // ---- An extension: which grant, and where its end would move

  /** The grant an extension lengthens, when it is still the active one. */
  get extendedGrant(): GrantView | null {
    const r = this.selected;
    return r?.kind === 'extension' && this.activeGrant && this.activeGrant.id === r.grantId ? this.activeGrant : null;
  }

  /** Where the grant's end would move if approved now with the minutes chosen (at most 14 days from now, as the gateway rules). */
  get extendedEnd(): string {
    const g = this.extendedGrant;
    const minutes = this.approval?.minutes ?? this.selected?.expireInMinutes ?? 0;
    if (!g) return '';
    const now = this.clock.now();
    const left = Math.max(0, Math.ceil((Date.parse(g.expiresAt) - now) / 60_000));
    const total = Math.min(20_160, Math.max(60, left + minutes));
    return formatDateTime(new Date(now + total * 60_000).toISOString());
  }

  // ---- Approve

  get levels(): AccessLevel[] {
    return this.selected ? levelsUpTo(this.selected.accessLevel) : [];
  }

  get minMinutes(): number {
    return this.selected ? minMinutes(this.selected) : 1;
  }

  /** The length's limits in words, the maximum being what was asked. */
  get minutesHint(): string {
    const r = this.selected;
    if (!r) return '';
    const a = this.s.Approve;
    return format(a.minutesHint, this.minMinutes, r.expireInMinutes, this.words(r.expireInMinutes));
  }

  get startAtMin(): string {
    return toLocalInput(this.clock.now());
  }

  get startAtMax(): string {
    return toLocalInput(this.clock.now() + MAX_START_DELAY_MS);
  }

  get startAtMaxWords(): string {
    return formatDateTime(new Date(this.clock.now() + MAX_START_DELAY_MS).toISOString());
  }

  get problems(): ApprovalProblems {
    const r = this.selected;
    if (!r || !this.approval) return {};
    return { ...approvalProblems(this.approval, r, this.clock.now(), this.registered), ...this.serverProblems };
  }

  problemFor(field: ApprovalField): string | null {
    if (this.serverProblems[field]) return this.serverProblems[field]!;
    return this.touched.has(field) ? this.problems[field] ?? null : null;
  }

  get canApprove(): boolean {
    return !!this.terms && !this.approving && Object.keys(this.problems).length === 0;
  }

  /** What keeps Approve disabled, in a few words each. */
  get stillNeeded(): string {
    const a = this.s.Approve;
    const p = this.problems;
    const items: string[] = [];
    if (!this.terms) items.push(a.needTerms);
    for (const f of APPROVAL_ORDER) {
      if (!p[f]) continue;
      if (f === 'expireInMinutes') items.push(a.needMinutes);
      else if (f === 'startAt') items.push(a.needStartAt);
      else if (f === 'sasCredential') items.push(a.needSas);
      else if (f === 'agreeToRemoteSupportConsent' || f === 'termsVersion') {
        if (!items.includes(a.needConsent)) items.push(a.needConsent);
      } else items.push(p[f]!);
    }
    return items.length ? format(a.stillNeeded, items.join('; ')) : '';
  }

  changed(field: ApprovalField): void {
    this.touched.add(field);
    if (this.serverProblems[field]) {
      const { [field]: _, ...rest } = this.serverProblems;
      this.serverProblems = rest;
    }
    if (field === 'agreeToRemoteSupportConsent' && this.serverProblems.termsVersion && this.approval?.agreed) {
      const { termsVersion: _, ...rest } = this.serverProblems;
      this.serverProblems = rest;
    }
    this.approveError = null;
  }

  approve(): void {
    const request = this.selected;
    if (!request || !this.approval || !this.terms || !this.canApprove) {
      for (const f of APPROVAL_ORDER) this.touched.add(f);
      return;
    }
    const approval = toRequestApproval(this.approval, request, this.terms.version, this.registered);
    this.approving = true;
    this.approveError = null;
    this.answering = this.gateway.approveRequest(request.id, approval).subscribe({
      next: (result) => this.zone.run(() => this.approved(request, result)),
      error: (e: unknown) => this.zone.run(() => this.approveFailed(e)),
    });
  }

  // ---- Deny

  get denyProblem(): string | null {
    return this.denyTouched ? textProblem(this.denyReason) : null;
  }

  deny(): void {
    const request = this.selected;
    this.denyTouched = true;
    if (!request || textProblem(this.denyReason) || this.denying) return;
    const reason = this.denyReason.trim();
    const d = this.s.Deny;
    // It cannot be undone: the SDK's dialog asks first, naming who asked and the reason they will read.
    this.dialogs
      .show<ConfirmationOptions, ConfirmationResult>(DENY_CONFIRMATION_DIALOG_ID, {
        title: d.confirmTitle,
        message: format(d.confirmText, request.engineer, askedWords(request), request.supportCase, reason),
        confirmLabel: d.confirm,
      })
      .pipe(filter((r) => !!r?.confirmed))
      .subscribe(() => this.zone.run(() => this.sendDenial(request, reason)));
  }

  private sendDenial(request: AccessRequest, reason: string): void {
    this.denying = true;
    this.denyError = null;
    this.answering = this.gateway.denyRequest(request.id, reason).subscribe({
      next: () =>
        this.zone.run(() => {
          this.denying = false;
          this.alerts.show('success', format(this.s.Deny.done, request.engineer));
          this.afterAnswer();
        }),
      error: (e: unknown) =>
        this.zone.run(() => {
          this.denying = false;
          if (!this.changedMeanwhile(e)) this.denyError = answerErrorFor(e).message;
        }),
    });
  }

  // ---- Ask

  get questionProblem(): string | null {
    return this.questionTouched ? textProblem(this.question) : null;
  }

  ask(): void {
    const request = this.selected;
    this.questionTouched = true;
    if (!request || textProblem(this.question) || this.asking) return;
    this.asking = true;
    this.askError = null;
    this.answering = this.gateway.askAboutRequest(request.id, this.question.trim()).subscribe({
      next: ({ request: updated }) =>
        this.zone.run(() => {
          this.asking = false;
          if (updated) this.requests = sortRequests(this.requests.map((r) => (r.id === updated.id ? updated : r)));
          this.question = '';
          this.questionTouched = false;
          this.alerts.show('success', format(this.s.Ask.done, request.engineer));
          this.afterAnswer();
        }),
      error: (e: unknown) =>
        this.zone.run(() => {
          this.asking = false;
          if (!this.changedMeanwhile(e)) this.askError = answerErrorFor(e).message;
        }),
    });
  }

  // ---- Loading

  loadTerms(): void {
    this.termsLoad?.unsubscribe();
    this.termsError = null;
    this.termsLoad = this.gateway.terms().subscribe({
      next: (terms) =>
        this.zone.run(() => {
          this.terms = terms;
          this.changes.markForCheck();
        }),
      error: (e: unknown) => this.zone.run(() => (this.termsError = format(this.s.Approve.termsFailed, e instanceof Error ? e.message : String(e)))),
    });
  }

  private loadedList(list: AccessRequestList): void {
    const now = this.clock.now();
    const before = this.selected;
    this.requests = sortRequests(list.requests.filter((r) => withinHistory(r, now) || r.state === 'pending' || r.state === 'info-requested' || r.state === 'scheduled'));
    this.loading = false;
    this.loaded = true;
    const after = this.selected;
    // The selected request was answered meanwhile (elsewhere, or it expired): its forms go.
    if (before && after && before.state !== after.state && !isAnswerable(after)) this.resetForms();
    if (after && isAnswerable(after) && !this.approval) this.prepareForms(after);
    if (after?.kind === 'extension') this.loadStatus();
    this.changes.markForCheck();
  }

  private loadFailed(error: unknown): void {
    this.loading = false;
    this.loaded = true;
    this.alerts.error(this.s.loadFailed, error);
    this.changes.markForCheck();
  }

  /** The cluster's registration and active grant (an extension's grant; whether an approval needs a signature). */
  private loadStatus(): void {
    this.gateway.status().subscribe({
      next: (status) =>
        this.zone.run(() => {
          this.activeGrant = status.activeGrant;
          this.registered = status.registered;
          this.changes.markForCheck();
        }),
      error: () => undefined,
    });
  }

  private resetForms(): void {
    this.answering?.unsubscribe();
    this.approval = null;
    this.serverProblems = {};
    this.touched.clear();
    this.approveError = null;
    this.approving = false;
    this.denyReason = '';
    this.denyTouched = false;
    this.denying = false;
    this.denyError = null;
    this.question = '';
    this.questionTouched = false;
    this.asking = false;
    this.askError = null;
    const r = this.selected;
    if (r && isAnswerable(r)) this.prepareForms(r);
  }

  private prepareForms(request: AccessRequest): void {
    this.approval = approvalFormFor(request, this.clock.now());
    if (!this.terms) this.loadTerms();
  }

  private approved(request: AccessRequest, result: ApprovalResult): void {
    this.approving = false;
    const a = this.s.Approve;
    if (result.request?.state === 'scheduled' && result.request.approved) {
      this.alerts.show('success', format(a.scheduled, request.engineer, formatDateTime(result.request.approved.startAt)));
    } else if (request.kind === 'extension') {
      this.alerts.show('success', format(a.extended, request.engineer, formatDateTime(result.grant?.expiresAt)));
    } else {
      this.alerts.show('success', format(a.granted, request.engineer, formatDateTime(result.grant?.expiresAt)));
    }
    this.afterAnswer();
  }

  /** Answered or expired meanwhile (or tampered): says so above the list and shows the request as it is now. */
  private changedMeanwhile(error: unknown): boolean {
    if (!requestChangedMeanwhile(error)) return false;
    this.alerts.show('warning', answerErrorFor(error).message);
    this.reload();
    return true;
  }

  private approveFailed(error: unknown): void {
    this.approving = false;
    if (this.changedMeanwhile(error)) return;
    const { field, message } = answerErrorFor(error);
    if (field) {
      this.serverProblems = { ...this.serverProblems, [field]: message };
      this.touched.add(field);
    } else this.approveError = message;
    // The terms changed since they were shown: show the current ones; the admin agrees again.
    if (field === 'termsVersion' && this.approval) {
      this.approval = { ...this.approval, agreed: false };
      this.terms = null;
      this.loadTerms();
    }
    this.changes.markForCheck();
  }

  private afterAnswer(): void {
    this.reload();
    this.waiting.refresh();
    this.changes.markForCheck();
  }
}
