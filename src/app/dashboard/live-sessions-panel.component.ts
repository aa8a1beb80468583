import { ChangeDetectionStrategy, Component, EventEmitter, Input, Output } from '@angular/core';
import { AccessLevel, GrantView, SessionView } from '../core/api-models';
import { formatDateTime } from '../core/format';
import { extensionStrings, format } from '../core/strings';

/** Sessions running now: engineer, case, nodes, start, commands so far; view the transcript live or end the session. */
@Component({
  selector: 'rs-live-sessions-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="rs-card" aria-labelledby="rs-live-heading" data-testid="live-sessions">
      <h2 id="rs-live-heading">{{ strings.Sessions.title }} <span class="rs-count">({{ sessions.length }})</span></h2>
      <p *ngIf="!sessions.length" data-testid="no-sessions">{{ strings.Sessions.none }}</p>
      <table *ngIf="sessions.length" class="rs-table">
        <thead>
          <tr>
            <th scope="col">{{ strings.Sessions.engineer }}</th>
            <th scope="col">{{ strings.Sessions.supportCase }}</th>
            <th scope="col">{{ strings.Sessions.level }}</th>
            <th scope="col">{{ strings.Sessions.nodes }}</th>
            <th scope="col">{{ strings.Sessions.started }}</th>
            <th scope="col">{{ strings.Sessions.commands }}</th>
            <th scope="col"><span class="sme-screen-reader">{{ strings.Common.actions }}</span></th>
          </tr>
        </thead>
        <tbody>
          <tr *ngFor="let s of sessions; trackBy: byId" [attr.data-session-id]="s.id">
            <td [id]="'rs-engineer-' + s.id">{{ s.engineer }}</td>
            <td>{{ s.supportCase || strings.Common.none }}</td>
            <td data-testid="session-level">{{ strings.Level[levelOf(s)] }}</td>
            <td><ng-container *ngFor="let n of s.nodes; let last = last"><span class="rs-nowrap">{{ n }}</span>{{ last ? '' : ', ' }}</ng-container></td>
            <td class="rs-nowrap">{{ time(s.startedAt) }}</td>
            <td data-testid="command-count" class="rs-nowrap">{{ countText(s) }}</td>
            <td class="rs-row-actions rs-row-actions-stacked">
              <a [routerLink]="['sessions', s.id]" data-testid="view-transcript">{{ strings.Sessions.watch }}</a>
              <button type="button" data-testid="end-session" [disabled]="ending.has(s.id)" (click)="endSession.emit(s)"
                [attr.aria-describedby]="'rs-engineer-' + s.id">
                {{ ending.has(s.id) ? strings.Sessions.ending : strings.Sessions.end }}
              </button>
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  `,
})
export class LiveSessionsPanelComponent {
  @Input() sessions: SessionView[] = [];
  /** Ids of sessions being ended now. */
  @Input() ending: ReadonlySet<string> = new Set();
  /** The grant in force: a live session works at its level from its next command on. */
  @Input() grant: GrantView | null = null;
  /** Denied attempts per session, where known: they count as commands too. */
  @Input() denied: ReadonlyMap<string, number> = new Map();
  @Output() readonly endSession = new EventEmitter<SessionView>();

  readonly strings = extensionStrings();
  readonly time = formatDateTime;

  /**
   * The level the session works at: the gateway moves a live session to a new grant of the same support
   * case at its next command, and the admin who just changed access expects to see the new level at once.
   */
  levelOf(s: SessionView): AccessLevel {
    const g = this.grant;
    return g && g.id !== s.grantId && (g.supportCaseNumber ?? null) === (s.supportCase ?? null) ? g.accessLevel : s.accessLevel;
  }

  /** "12 commands", "1 command", or "12 commands, 2 denied" when attempts were denied: the count includes them. */
  countText(s: SessionView): string {
    const t = this.strings.Sessions;
    const denied = this.denied.get(s.id) ?? 0;
    const total = s.commandCount + denied;
    const commands = total === 1 ? t.commandCount.one : format(t.commandCount.other, total);
    return denied > 0 ? format(t.deniedCount, commands, denied) : commands;
  }

  byId(_: number, s: SessionView): string {
    return s.id;
  }
}
