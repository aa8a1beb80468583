import { ChangeDetectorRef, Component, ElementRef, Inject, OnDestroy, ViewChild } from '@angular/core';
import { BaseDialogComponent, DialogComponent, DialogOptions, DialogResult, DialogService } from '@microsoft/windows-admin-center-sdk/angular';
import { forkJoin, Subscription } from 'rxjs';
import { ACCESS_LEVELS, AccessLevel, CommandEntry, GrantResult, GrantView, LevelCommands, Terms } from '../core/api-models';
import { Clock, CLOCK } from '../core/clock';
import { amountLimits, DURATION_UNITS, DurationUnit, EXPIRE_IN_MINUTES, isRounded, switchUnit, toMinutes } from '../core/duration';
import { GatewayError } from '../core/gateway-error';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import {
  adminMessageFor,
  formFromGrant,
  GRANT_FIELDS,
  GrantChange,
  grantChanges,
  GrantField,
  GrantFormValue,
  GrantProblems,
  grantFormProblems,
  initialGrantForm,
  missingForGrant,
  toGrantRequest,
} from './grant-form';
import { durationInWords, formatLocalWithZone, utcTitle } from './grant-times';

export interface GrantAccessDialogOptions extends DialogOptions {
  /** Whether the cluster is registered with Azure (status.registered): no SAS credential then. */
  registered: boolean;
  /** The active grant, which a new grant supersedes: the pane opens filled with it (Change access). */
  activeGrant: GrantView | null;
  /** The gateway's time minus this browser's, so the time left and the end follow the gateway's clock. */
  serverOffsetMs?: number;
}

export interface GrantAccessDialogResult extends DialogResult {
  /** The API's answer when access was granted; null when the admin cancelled. */
  granted: GrantResult | null;
}

/** The id the dashboard shows the dialog by. */
export const GRANT_ACCESS_DIALOG_ID = 'rs-grant-access-dialog';

/** How often the "Access ends" time is brought up to date while the pane is open. */
const ENDS_AT_REFRESH_MS = 15_000;

/** The element each field's problem sends the admin to, from the summary beside Grant. */
const FIELD_ELEMENT: Readonly<Record<GrantField, string>> = {
  accessLevel: 'rs-level-Diagnostics',
  expireInMinutes: 'rs-duration-amount',
  supportCaseNumber: 'rs-case',
  sasCredential: 'rs-sas',
  termsVersion: 'rs-agree',
  agreeToRemoteSupportConsent: 'rs-agree',
};

/**
 * "Grant remote support access": a WAC pane where the admin picks the access
 * level (seeing exactly which commands it allows), the duration (and sees
 * when access will end), the support case, the shared access signature when
 * the cluster is not registered, and agrees to the terms shown in full.
 * Grant stays disabled until everything is valid, and a summary beside it
 * says what is missing; an error of the API is shown next to the field it
 * names, in an admin's words. With an active grant it is "Change access":
 * filled with that grant, and it lists what will change before Grant.
 *
 * The fields are native controls in WAC's styles, not the SDK's
 * `sme-form-field`s: those label their inner control with aria-label only
 * (the visible label is aria-hidden) and take no id or aria-describedby for
 * it, so the hints, the live "Access ends" line and each field's message could
 * not be tied to the control for a screen reader, and the summary beside Grant
 * could not move the focus to it; their description shows only as an
 * info-bubble tooltip, where the SAS explanation must be read in full; and the
 * checkbox is drawn with the icon font only the WAC shell supplies.
 */
@Component({
  selector: 'rs-grant-access-dialog',
  templateUrl: './grant-access-dialog.component.html',
})
export class GrantAccessDialogComponent extends BaseDialogComponent<GrantAccessDialogOptions, GrantAccessDialogResult> implements OnDestroy {
  @ViewChild('dialog', { static: true }) override dialog!: DialogComponent;

  readonly strings = extensionStrings();
  readonly levels = ACCESS_LEVELS;
  readonly units = DURATION_UNITS;
  readonly limits = EXPIRE_IN_MINUTES;

  form: GrantFormValue = initialGrantForm();
  registered = true;
  activeGrant: GrantView | null = null;
  terms: Terms | null = null;
  commandsByLevel = new Map<AccessLevel, CommandEntry[]>();
  loading = false;
  loadError: string | null = null;
  submitting = false;
  /** Errors the API answered with, by field; cleared when that field changes. */
  serverProblems: GrantProblems = {};
  /** An API error that names no field of the form. */
  generalError: string | null = null;
  /** Fields the admin has changed or left: their problems are shown from then on. */
  readonly touched = new Set<GrantField>();

  /** Gateway time minus this browser's time. */
  serverOffsetMs = 0;
  /** Moves on a timer so the "Access ends" time follows the clock while the pane is open. */
  nowMs = 0;

  private loads?: Subscription;
  private submission?: Subscription;
  private cancelTick?: () => void;

  constructor(
    dialogService: DialogService,
    private readonly gateway: RemoteSupportGateway,
    private readonly changes: ChangeDetectorRef,
    private readonly host: ElementRef<HTMLElement>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super(dialogService);
    this.keepOpen = true;
  }

  override show(options: GrantAccessDialogOptions) {
    const result = super.show(options);
    this.registered = options.registered;
    this.activeGrant = options.activeGrant;
    this.serverOffsetMs = options.serverOffsetMs ?? 0;
    this.tick();
    this.form = options.activeGrant ? formFromGrant(options.activeGrant, this.nowMs) : initialGrantForm();
    this.touched.clear();
    this.serverProblems = {};
    this.generalError = null;
    this.submitting = false;
    this.load();
    return result;
  }

  override closeRequested(): void {
    this.cancel();
  }

  override ngOnDestroy(): void {
    this.stopTicking();
    this.loads?.unsubscribe();
    this.submission?.unsubscribe();
    super.ngOnDestroy();
  }

  /** Loads the terms and the commands of each level (again on every opening: both may change). */
  load(): void {
    this.loading = true;
    this.loadError = null;
    this.loads?.unsubscribe();
    this.loads = forkJoin({ terms: this.gateway.terms(), commands: this.gateway.commands() }).subscribe({
      next: ({ terms, commands }) => {
        this.terms = terms;
        this.commandsByLevel = new Map(commands.levels.map((l: LevelCommands) => [l.accessLevel, l.commands]));
        this.loading = false;
        this.changes.markForCheck();
      },
      error: (error: unknown) => {
        this.loading = false;
        this.loadError = format(this.strings.Dialog.loadFailed, error instanceof Error ? error.message : String(error));
        this.changes.markForCheck();
      },
    });
  }

  /** Whether this is Change access: a grant is active and the pane opened filled with it. */
  get changing(): boolean {
    return !!this.activeGrant;
  }

  /** Every problem of the form now (client rules, then what the API said). */
  get problems(): GrantProblems {
    return { ...grantFormProblems(this.form, this.registered, this.nowMs), ...this.serverProblems };
  }

  /** The problem to show next to a field: only once the admin has touched it, and always for API errors. */
  problemFor(field: GrantField): string | null {
    if (this.serverProblems[field]) return this.serverProblems[field]!;
    return this.touched.has(field) ? grantFormProblems(this.form, this.registered, this.nowMs)[field] ?? null : null;
  }

  get canGrant(): boolean {
    return !!this.terms && !this.loading && !this.submitting && Object.keys(this.problems).length === 0;
  }

  /** What keeps Grant disabled, as short phrases (the terms while they load, then each field's problem). */
  get missing(): Array<{ field: GrantField | null; text: string }> {
    if (this.submitting) return [];
    const items: Array<{ field: GrantField | null; text: string }> = [];
    if (!this.terms) items.push({ field: null, text: this.strings.Dialog.Blocked.loading });
    return [...items, ...missingForGrant(this.problems)];
  }

  /** What Change access changes about the current grant, in words; empty when not changing. */
  get changeSummary(): GrantChange[] {
    return this.activeGrant ? grantChanges(this.activeGrant, this.form, this.registered, this.nowMs) : [];
  }

  get minutes(): number {
    return toMinutes(this.form.duration);
  }

  /** When access would end if granted now, in the admin's time zone (null while the duration is not valid). */
  get endsAt(): string | null {
    return this.problems.expireInMinutes || !this.minutesKnown ? null : formatLocalWithZone(this.nowMs + this.minutes * 60_000);
  }

  /** The same end in UTC, for the tooltip. */
  get endsAtUtc(): string {
    return utcTitle(this.nowMs + this.minutes * 60_000);
  }

  /** The length of time in words ("8 hours"). */
  get durationWords(): string {
    return durationInWords(this.minutes);
  }

  /** Whether the amount is shown rounded after a unit switch (the exact length is then spelled out). */
  get durationRounded(): boolean {
    return isRounded(this.form.duration);
  }

  /** Whether the duration field holds a number (its minutes can be shown). */
  get minutesKnown(): boolean {
    return Number.isFinite(this.minutes);
  }

  get amountMin(): number {
    return amountLimits(this.form.duration.unit).min;
  }

  get amountMax(): number {
    return amountLimits(this.form.duration.unit).max;
  }

  commandsOf(level: AccessLevel): CommandEntry[] {
    return this.commandsByLevel.get(level) ?? [];
  }

  levelName(level: AccessLevel): string {
    return this.strings.Level[level];
  }

  levelDescription(level: AccessLevel): string {
    return this.strings.Dialog.Level[level];
  }

  unitName(unit: DurationUnit): string {
    return this.strings.Dialog.Duration.Unit[unit];
  }

  /** Marks a field as changed: shows its problems and drops the API's error about it. */
  changed(field: GrantField): void {
    this.touched.add(field);
    if (this.serverProblems[field]) {
      const { [field]: _, ...rest } = this.serverProblems;
      this.serverProblems = rest;
    }
    if (field === 'expireInMinutes' || field === 'accessLevel') this.generalError = null;
  }

  /** The admin typed an amount: it counts as typed, in the unit shown (a length kept by a unit switch is dropped). */
  amountChanged(amount: number | null): void {
    this.form = { ...this.form, duration: { amount, unit: this.form.duration.unit } };
    this.changed('expireInMinutes');
  }

  /** Switching units keeps the same length of time (see switchUnit): a valid value stays valid and nothing drifts. */
  unitChanged(unit: DurationUnit): void {
    this.form = { ...this.form, duration: switchUnit(this.form.duration, unit) };
    this.changed('expireInMinutes');
  }

  /** From the summary beside Grant: shows the field's message and moves the focus to the field. */
  goToField(field: GrantField | null): void {
    if (!field) return;
    this.touched.add(field);
    this.changes.detectChanges();
    const id = field === 'accessLevel' ? `rs-level-${this.form.accessLevel}` : FIELD_ELEMENT[field];
    this.host.nativeElement.querySelector<HTMLElement>(`#${id}`)?.focus();
  }

  grant(): void {
    if (!this.canGrant || !this.terms) {
      for (const f of GRANT_FIELDS) this.touched.add(f);
      return;
    }
    this.submitting = true;
    this.generalError = null;
    this.submission = this.gateway.grant(toGrantRequest(this.form, this.registered, this.terms.version)).subscribe({
      next: (granted) => {
        this.submitting = false;
        this.stopTicking();
        this.hide({ granted });
      },
      error: (error: unknown) => {
        this.submitting = false;
        this.showApiError(error);
        this.changes.markForCheck();
      },
    });
  }

  cancel(): void {
    this.submission?.unsubscribe();
    this.submitting = false;
    this.stopTicking();
    this.hide({ granted: null });
  }

  /** Reads the clock (the gateway's time) and schedules the next reading while the pane is open. */
  private tick(): void {
    this.stopTicking();
    this.nowMs = this.clock.now() + this.serverOffsetMs;
    this.cancelTick = this.clock.setTimer(ENDS_AT_REFRESH_MS, () => {
      this.tick();
      this.changes.markForCheck();
    });
  }

  private stopTicking(): void {
    this.cancelTick?.();
    this.cancelTick = undefined;
  }

  private showApiError(error: unknown): void {
    if (!(error instanceof GatewayError)) {
      this.generalError = format(this.strings.Dialog.ApiError.general, String(error));
      return;
    }
    const { field, message } = adminMessageFor(error, this.form.sasCredential, this.nowMs);
    if (!field) {
      this.generalError = message;
      return;
    }
    this.serverProblems = { ...this.serverProblems, [field]: message };
    // The terms changed since they were shown: show the current ones, the admin agrees again.
    if (field === 'termsVersion') {
      this.form = { ...this.form, agreed: false };
      this.load();
    }
  }
}
