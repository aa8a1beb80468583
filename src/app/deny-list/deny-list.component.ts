import { ChangeDetectorRef, Component, OnDestroy, OnInit } from '@angular/core';
import { DialogService } from '@microsoft/windows-admin-center-sdk/angular';
import { Subscription } from 'rxjs';
import { filter, finalize } from 'rxjs/operators';
import type { CommandEntry, DenyListView, DenyRule } from '../core/api-models';
import { formatDateTime, formatUtc } from '../core/format';
import { GatewayError } from '../core/gateway-error';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { CONFIRMATION_DIALOG_ID, ConfirmationOptions, ConfirmationResult } from '../shared/confirmation-dialog.component';
import { AlertLedger } from '../shared/alert-ledger';
import { ToolRefresh } from '../tool/tool-refresh';
import {
  draftFromRule,
  draftProblems,
  emptyDraft,
  firstProblemElement,
  gatewayRuleProblem,
  hasProblems,
  parametersInWords,
  ParameterDraft,
  ruleFromDraft,
  RuleDraft,
  RuleProblems,
  sameRules,
} from './deny-list-form';

/** A command of the command table the select offers, with whether it is a repair and its switch parameters. */
interface CommandOption {
  name: string;
  repair: boolean;
  parameters: string[];
  switches: string[];
}

/**
 * The Deny list tab: the customer's rules that refuse commands before they
 * run or ask, the list's version and who saved it, and its last changes.
 * A list whose seal does not match (`intact: false`) is flagged: every
 * command is refused until an admin saves it again.
 *
 * Editing works on a copy: add, edit or remove rules, then **Save** sends the
 * whole list (it replaces the one in force) or **Cancel changes** drops the
 * copy. The form checks what it can (a command and a reason on every rule,
 * whole parameter rows) before sending; the gateway checks the rest and its
 * `InvalidDenyRule` is shown at the rule and field it names. Removing rules
 * asks first, through the SDK's dialog.
 */
@Component({
  selector: 'rs-deny-list',
  templateUrl: './deny-list.component.html',
  styles: [
    `
      .rs-deny-rules { list-style: none; margin: 0; padding: 0; }
      .rs-deny-rule h3 { font-size: 14px; font-weight: 600; margin: 0 0 8px; }
      .rs-deny-rule code { font-family: Consolas, 'Courier New', monospace; }
      .rs-deny-field { margin: 0 0 12px; border: 0; padding: 0; }
      .rs-deny-field > label, .rs-deny-field > legend { display: block; font-weight: 600; margin-bottom: 4px; padding: 0; }
      .rs-deny-field input[type='text'], .rs-deny-field select { width: 100%; max-width: 480px; }
      .rs-deny-param { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 4px; }
      .rs-deny-param input[type='text'] { width: 200px; }
      .rs-deny-nodes { display: flex; flex-wrap: wrap; gap: 4px 16px; }
      .rs-deny-changes td, .rs-deny-changes th { word-break: normal; overflow-wrap: normal; }
    `,
  ],
})
export class DenyListComponent implements OnInit, OnDestroy {
  readonly strings = extensionStrings();
  readonly time = formatDateTime;
  readonly utc = formatUtc;
  readonly confirmationDialogId = CONFIRMATION_DIALOG_ID;

  view: DenyListView | null = null;
  loading = false;
  loadFailed = false;
  /** The working copy of the rules, in order. */
  drafts: RuleDraft[] = [];
  commands: CommandOption[] = [];
  /** The cluster's nodes (from the status); null until read or when they could not be. */
  clusterNodes: string[] | null = null;
  saving = false;
  /** Shown beside Save: why the list was not saved. */
  saveProblem: string | null = null;
  /** Each rule's problems by its key: the form's own once Save was tried, and the gateway's. */
  problems = new Map<number, RuleProblems>();
  /** Save was tried: from then on each rule's own problems follow what the admin types. */
  private checked = false;
  private nextKey = 1;
  private readonly subscriptions = new Subscription();

  constructor(
    private readonly gateway: RemoteSupportGateway,
    private readonly alerts: AlertLedger,
    private readonly dialogs: DialogService,
    private readonly refresh: ToolRefresh,
    private readonly changes: ChangeDetectorRef,
  ) {}

  ngOnInit(): void {
    this.load();
    this.loadCommands();
    this.loadNodes();
    this.subscriptions.add(this.refresh.requests$.subscribe(() => this.reloadIfUnchanged()));
  }

  ngOnDestroy(): void {
    this.subscriptions.unsubscribe();
  }

  /** Reads the list in force and starts a fresh copy of it. */
  load(): void {
    this.loading = true;
    this.gateway
      .denyList()
      .pipe(finalize(() => (this.loading = false)))
      .subscribe({
        next: (view) => {
          this.loadFailed = false;
          this.show(view);
        },
        error: (error: unknown) => {
          this.loadFailed = true;
          this.alerts.error(this.strings.DenyList.loadFailed, error);
        },
      });
  }

  private loadCommands(): void {
    this.gateway.commands().subscribe({
      next: ({ levels }) => (this.commands = commandOptions(levels.flatMap((l) => l.commands))),
      error: (error: unknown) => this.alerts.error(this.strings.DenyList.commandsFailed, error),
    });
  }

  private loadNodes(): void {
    this.gateway.status().subscribe({
      next: (status) => (this.clusterNodes = status.nodes.map((n) => n.name)),
      error: (error: unknown) => this.alerts.error(this.strings.DenyList.nodesFailed, error),
    });
  }

  /** The toolbar's Refresh: reads the list again, but never drops changes the admin has not saved. */
  private reloadIfUnchanged(): void {
    if (this.dirty || this.drafts.some((d) => d.editing)) return;
    this.load();
    this.loadNodes();
  }

  private show(view: DenyListView): void {
    this.view = view;
    this.drafts = view.rules.map((rule, i) => draftFromRule(rule, i, this.nextKey++));
    this.problems = new Map();
    this.checked = false;
    this.saveProblem = null;
    this.changes.markForCheck();
  }

  // ---- what the page shows ----

  get repairCommands(): CommandOption[] {
    return this.commands.filter((c) => c.repair);
  }

  get diagnosticsCommands(): CommandOption[] {
    return this.commands.filter((c) => !c.repair);
  }

  /** A rule's command that the table does not list (an older rule): still shown, so the select keeps it. */
  unlisted(d: RuleDraft): string | null {
    return d.cmdlet && !this.commands.some((c) => c.name === d.cmdlet) ? d.cmdlet : null;
  }

  /** The nodes to tick: the cluster's, and any a rule names that the cluster no longer lists. */
  nodesFor(d: RuleDraft): string[] {
    const all = [...(this.clusterNodes ?? [])];
    for (const n of d.nodes) if (!all.some((c) => c.toLowerCase() === n.toLowerCase())) all.push(n);
    return all;
  }

  parametersText(d: RuleDraft): string {
    return parametersInWords(ruleFromDraft(d)) ?? this.strings.DenyList.anyParameters;
  }

  nodesText(d: RuleDraft): string {
    return d.nodes.length ? d.nodes.join(', ') : this.strings.DenyList.everyNode;
  }

  rolesText(d: RuleDraft): string {
    const roles = ruleFromDraft(d).hostsRoles;
    return roles?.length ? roles.join(', ') : this.strings.DenyList.noRoles;
  }

  versionText(view: DenyListView): string {
    return view.version > 0 && view.updatedAt ? format(this.strings.DenyList.version, view.version, view.updatedBy ?? '', formatDateTime(view.updatedAt)) : this.strings.DenyList.neverChanged;
  }

  changeRulesText(rules: DenyRule[]): string {
    const s = this.strings.DenyList;
    const names = rules.map((r) => r.cmdlet).join(', ');
    return rules.length === 0 ? s.changeNoRules : rules.length === 1 ? format(s.changeOneRule, names) : format(s.changeManyRules, rules.length, names);
  }

  /** The copy differs from the list in force. */
  get dirty(): boolean {
    if (!this.view) return false;
    return !sameRules(this.drafts.map(ruleFromDraft), this.view.rules);
  }

  /** Save does something: there are changes, or the list must be saved again to be trusted. */
  get canSave(): boolean {
    return !!this.view && !this.saving && (this.dirty || !this.view.intact);
  }

  get canCancel(): boolean {
    return !this.saving && (this.dirty || this.drafts.some((d) => d.editing));
  }

  problemsOf(d: RuleDraft): RuleProblems {
    return this.problems.get(d.key) ?? {};
  }

  rowProblem(d: RuleDraft, row: number): string | null {
    return this.problemsOf(d).parameters?.[row] ?? null;
  }

  byKey(_: number, d: RuleDraft): number {
    return d.key;
  }

  /** `aria-describedby` of a field: its hint and, when there is one, its problem. */
  describedBy(...ids: Array<string | null | false | undefined>): string {
    return ids.filter(Boolean).join(' ');
  }

  // ---- editing ----

  add(): void {
    const d = emptyDraft(this.nextKey++);
    this.drafts = [...this.drafts, d];
    this.focusSoon(`rs-deny-${d.key}-cmdlet`);
  }

  edit(d: RuleDraft): void {
    d.editing = true;
    this.focusSoon(`rs-deny-${d.key}-cmdlet`);
  }

  /** Done with a rule's form: it shows as text again, unless something in it is wrong. */
  done(d: RuleDraft): void {
    const problems = draftProblems(d);
    if (hasProblems(problems)) {
      this.problems.set(d.key, problems);
      this.focusSoon(firstProblemElement(d.key, problems));
      return;
    }
    this.problems.delete(d.key);
    d.editing = false;
    this.focusSoon(`rs-deny-${d.key}-edit`);
  }

  remove(d: RuleDraft): void {
    const i = this.drafts.indexOf(d);
    this.drafts = this.drafts.filter((x) => x !== d);
    this.problems.delete(d.key);
    const next = this.drafts[Math.min(i, this.drafts.length - 1)];
    this.focusSoon(next ? (next.editing ? `rs-deny-${next.key}-cmdlet` : `rs-deny-${next.key}-edit`) : 'rs-deny-add');
  }

  addParameter(d: RuleDraft): void {
    d.parameters = [...d.parameters, { name: '', values: '', present: false }];
    this.changed(d);
    this.focusSoon(`rs-deny-${d.key}-param-${d.parameters.length - 1}-name`);
  }

  removeParameter(d: RuleDraft, row: number): void {
    d.parameters = d.parameters.filter((_, i) => i !== row);
    this.changed(d);
  }

  /** A parameter's name changed: a switch of the command table is given as present. */
  parameterNamed(d: RuleDraft, p: ParameterDraft): void {
    const command = this.commands.find((c) => c.name === d.cmdlet);
    if (command?.switches.some((s) => s.toLowerCase() === p.name.trim().toLowerCase())) p.present = true;
    this.changed(d);
  }

  parameterNames(d: RuleDraft): string[] {
    return this.commands.find((c) => c.name === d.cmdlet)?.parameters ?? [];
  }

  toggleNode(d: RuleDraft, node: string, event: Event): void {
    const on = (event.target as HTMLInputElement).checked;
    d.nodes = on ? [...d.nodes, node] : d.nodes.filter((n) => n !== node);
    this.changed(d);
  }

  /** A field of the rule changed: the gateway's word about it is moot, and the form's own follow the input once Save was tried. */
  changed(d: RuleDraft): void {
    if (this.checked) {
      const problems = draftProblems(d);
      if (hasProblems(problems)) this.problems.set(d.key, problems);
      else this.problems.delete(d.key);
    } else {
      this.problems.delete(d.key);
    }
    this.saveProblem = null;
  }

  /** Cancel changes: back to the list in force. */
  cancel(): void {
    if (this.view) this.show(this.view);
  }

  /** Save: checks every rule, asks first when rules go, then replaces the list in force with exactly these rules. */
  save(): void {
    if (!this.view || this.saving) return;
    this.checked = true;
    this.problems = new Map();
    for (const d of this.drafts) {
      const problems = draftProblems(d);
      if (hasProblems(problems)) this.problems.set(d.key, problems);
    }
    const wrong = this.drafts.find((d) => this.problems.has(d.key));
    if (wrong) {
      wrong.editing = true;
      for (const d of this.drafts) if (this.problems.has(d.key)) d.editing = true;
      this.saveProblem = this.strings.DenyList.Problem.summary;
      this.focusSoon(firstProblemElement(wrong.key, this.problems.get(wrong.key)!));
      return;
    }
    const rules = this.drafts.map(ruleFromDraft);
    const kept = new Set(this.drafts.map((d) => d.origin).filter((o): o is number => o !== null));
    const removed = this.view.rules.filter((_, i) => !kept.has(i));
    if (removed.length === 0) {
      this.send(rules);
      return;
    }
    const c = this.strings.DenyList.Confirm;
    const count = removed.length === 1 ? c.oneRule : format(c.rules, removed.length);
    const options: ConfirmationOptions = {
      title: format(c.title, count),
      message: format(c.message, removed.map((r) => `${r.cmdlet} (${r.reason})`).join('; ')),
      confirmLabel: c.ok,
    };
    this.dialogs
      .show<ConfirmationOptions, ConfirmationResult>(CONFIRMATION_DIALOG_ID, options)
      .pipe(filter((r) => !!r?.confirmed))
      .subscribe(() => this.send(rules));
  }

  private send(rules: DenyRule[]): void {
    this.saving = true;
    this.saveProblem = null;
    this.gateway
      // The version as read: a list someone else saved meanwhile is refused, not overwritten.
      .setDenyList(rules, this.view?.version)
      .pipe(finalize(() => (this.saving = false)))
      .subscribe({
        next: (view) => {
          this.show(view);
          this.alerts.show('success', format(this.strings.DenyList.saved, view.version));
        },
        error: (error: unknown) => this.refused(error),
      });
  }

  /** The gateway refused the list: nothing changed; its word goes to the rule and field it names. */
  private refused(error: unknown): void {
    const p = this.strings.DenyList.Problem;
    if (error instanceof GatewayError && error.code === 'DenyListChanged') {
      // Nothing was saved, and saving these edits again would undo the other admin's: show the list in force instead.
      this.gateway.denyList().subscribe({
        next: (view) => {
          this.show(view);
          this.saveProblem = format(p.changedMeanwhile, view.version, view.updatedBy ?? '?');
          this.changes.markForCheck();
        },
        error: (e: unknown) => this.alerts.error(this.strings.DenyList.loadFailed, e),
      });
      return;
    }
    if (error instanceof GatewayError && error.code === 'InvalidDenyRule') {
      const found = gatewayRuleProblem(error, this.drafts);
      if (found) {
        const d = this.drafts[found.index]!;
        d.editing = true;
        this.problems.set(d.key, found.problems);
        this.saveProblem = format(p.gatewayRefused, found.index + 1);
        this.focusSoon(firstProblemElement(d.key, found.problems));
        this.changes.markForCheck();
        return;
      }
      if (error.field === 'rules') {
        this.saveProblem = p.tooMany;
        return;
      }
    }
    this.alerts.error(this.strings.DenyList.saveFailed, error);
  }

  /** Moves the focus to an element once the view shows it. */
  private focusSoon(id: string | null): void {
    if (!id) return;
    this.changes.detectChanges();
    document.getElementById(id)?.focus();
  }
}

/** The command table's commands, once each, repairs first: the ones a deny list matters most for. */
function commandOptions(entries: readonly CommandEntry[]): CommandOption[] {
  const byName = new Map<string, CommandOption>();
  for (const e of entries) {
    if (byName.has(e.name)) continue;
    const parameters = (e.parameters as Array<{ name?: unknown; rule?: { kind?: unknown } }>).filter((p) => typeof p?.name === 'string');
    byName.set(e.name, {
      name: e.name,
      repair: e.level !== 'Diagnostics',
      parameters: parameters.map((p) => p.name as string),
      switches: parameters.filter((p) => p.rule?.kind === 'switch').map((p) => p.name as string),
    });
  }
  return [...byName.values()].sort((a, b) => Number(b.repair) - Number(a.repair) || a.name.localeCompare(b.name));
}
