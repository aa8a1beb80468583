import { ChangeDetectionStrategy, Component, EventEmitter, Input, Output } from '@angular/core';
import { SessionView } from '../core/api-models';
import { formatDateTime } from '../core/format';
import { extensionStrings } from '../core/strings';

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
            <td>{{ s.engineer }}</td>
            <td>{{ s.supportCase || strings.Common.none }}</td>
            <td>{{ strings.Level[s.accessLevel] }}</td>
            <td>{{ s.nodes.join(', ') }}</td>
            <td>{{ time(s.startedAt) }}</td>
            <td data-testid="command-count">{{ s.commandCount }}</td>
            <td class="rs-row-actions">
              <a [routerLink]="['sessions', s.id]" data-testid="view-transcript">{{ strings.Sessions.watch }}</a>
              <button type="button" data-testid="end-session" [disabled]="ending.has(s.id)" (click)="endSession.emit(s)"
                [attr.aria-label]="strings.Sessions.endAria + ' ' + s.engineer">
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
  @Output() readonly endSession = new EventEmitter<SessionView>();

  readonly strings = extensionStrings();
  readonly time = formatDateTime;

  byId(_: number, s: SessionView): string {
    return s.id;
  }
}
