import { ChangeDetectorRef, Component, OnDestroy, ViewChild } from '@angular/core';
import { BaseDialogComponent, DialogComponent, DialogOptions, DialogResult, DialogService } from '@microsoft/windows-admin-center-sdk/angular';
import { forkJoin, Subscription } from 'rxjs';
import { ACCESS_LEVELS, AccessLevel, CommandEntry, GrantResult, GrantView, LevelCommands, Terms } from '../core/api-models';
import { amountLimits, DURATION_UNITS, DurationUnit, EXPIRE_IN_MINUTES, MINUTES_PER, toMinutes } from '../core/duration';
import { GatewayError } from '../core/gateway-error';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { GrantField, GrantFormValue, GrantProblems, grantFormProblems, initialGrantForm, toGrantRequest } from './grant-form';

export interface GrantAccessDialogOptions extends DialogOptions {
  /** Whether the cluster is registered with Azure (status.registered): no SAS credential then. */
  registered: boolean;
  /** The active grant, which a new grant supersedes. */
  activeGrant: GrantView | null;
}

export interface GrantAccessDialogResult extends DialogResult {
  /** The API's answer when access was granted; null when the admin cancelled. */
  granted: GrantResult | null;
}

/** The id the dashboard shows the dialog by. */
export const GRANT_ACCESS_DIALOG_ID = 'rs-grant-access-dialog';

const KNOWN_FIELDS: readonly GrantField[] = ['accessLevel', 'expireInMinutes', 'supportCaseNumber', 'sasCredential', 'agreeToRemoteSupportConsent', 'termsVersion'];

/**
 * "Grant remote support access": a WAC pane where the admin picks the access
 * level (seeing exactly which commands it allows), the duration, the support
 * case, the SAS credential when the cluster is not registered, and agrees to
 * the terms shown in full. Grant stays disabled until everything is valid;
 * an error of the API is shown next to the field it names.
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

  private loads?: Subscription;
  private submission?: Subscription;

  constructor(dialogService: DialogService, private readonly gateway: RemoteSupportGateway, private readonly changes: ChangeDetectorRef) {
    super(dialogService);
    this.keepOpen = true;
  }

  override show(options: GrantAccessDialogOptions) {
    const result = super.show(options);
    this.registered = options.registered;
    this.activeGrant = options.activeGrant;
    this.form = initialGrantForm(options.activeGrant?.accessLevel ?? 'Diagnostics');
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

  /** Every problem of the form now (client rules, then what the API said). */
  get problems(): GrantProblems {
    return { ...grantFormProblems(this.form, this.registered), ...this.serverProblems };
  }

  /** The problem to show next to a field: only once the admin has touched it, and always for API errors. */
  problemFor(field: GrantField): string | null {
    if (this.serverProblems[field]) return this.serverProblems[field]!;
    return this.touched.has(field) ? grantFormProblems(this.form, this.registered)[field] ?? null : null;
  }

  get canGrant(): boolean {
    return !!this.terms && !this.loading && !this.submitting && Object.keys(this.problems).length === 0;
  }

  get minutes(): number {
    return toMinutes(this.form.duration);
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

  /** Switching units keeps the same length of time when it can be shown in the new unit. */
  unitChanged(unit: DurationUnit): void {
    const minutes = this.minutes;
    const per = MINUTES_PER[unit];
    const amount = Number.isFinite(minutes) ? Math.round((minutes / per) * 1000) / 1000 : null;
    this.form = { ...this.form, duration: { unit, amount } };
    this.changed('expireInMinutes');
  }

  grant(): void {
    if (!this.canGrant || !this.terms) {
      for (const f of KNOWN_FIELDS) this.touched.add(f);
      return;
    }
    this.submitting = true;
    this.generalError = null;
    this.submission = this.gateway.grant(toGrantRequest(this.form, this.registered, this.terms.version)).subscribe({
      next: (granted) => {
        this.submitting = false;
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
    this.hide({ granted: null });
  }

  private showApiError(error: unknown): void {
    if (error instanceof GatewayError && error.field && (KNOWN_FIELDS as readonly string[]).includes(error.field)) {
      const field = error.field as GrantField;
      this.serverProblems = { ...this.serverProblems, [field]: error.message };
      // The terms changed since they were shown: show the current ones, the admin agrees again.
      if (field === 'termsVersion') {
        this.form = { ...this.form, agreed: false };
        this.load();
      }
      return;
    }
    this.generalError = error instanceof GatewayError ? `${error.message} (${error.code})` : String(error);
  }
}
