import { ChangeDetectionStrategy, Component, EventEmitter, Input, Output } from '@angular/core';
import { GrantView } from '../core/api-models';
import { formatDateTime } from '../core/format';
import { extensionStrings } from '../core/strings';

/** The current grant: level, who granted it, expiry with a live countdown, support case; Grant and Revoke. */
@Component({
  selector: 'rs-grant-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="rs-card" aria-labelledby="rs-grant-heading" data-testid="grant-panel">
      <h2 id="rs-grant-heading">{{ strings.Grant.title }}</h2>
      <ng-container *ngIf="grant; else noGrant">
        <dl class="rs-facts">
          <dt>{{ strings.Grant.level }}</dt><dd data-testid="grant-level">{{ strings.Level[grant.accessLevel] }}</dd>
          <dt>{{ strings.Grant.grantedBy }}</dt><dd data-testid="grant-by">{{ grant.grantedBy }}</dd>
          <dt>{{ strings.Grant.grantedAt }}</dt><dd>{{ time(grant.grantedAt) }}</dd>
          <dt>{{ strings.Grant.expiresAt }}</dt><dd data-testid="grant-expires">{{ time(grant.expiresAt) }}</dd>
          <dt>{{ strings.Grant.timeLeft }}</dt>
          <dd data-testid="grant-countdown"><rs-countdown [expiresAt]="grant.expiresAt" [serverOffsetMs]="serverOffsetMs" [paused]="stopped" (expired)="expired.emit()"></rs-countdown></dd>
          <dt>{{ strings.Grant.supportCase }}</dt><dd data-testid="grant-case">{{ grant.supportCaseNumber || strings.Common.none }}</dd>
        </dl>
      </ng-container>
      <ng-template #noGrant><p data-testid="no-grant">{{ strings.Grant.none }}</p></ng-template>
      <p *ngIf="!agentReady" class="rs-hint" data-testid="agent-needed">{{ strings.Grant.agentNeeded }}</p>
      <div class="rs-actions">
        <button type="button" class="sme-button-primary" data-testid="open-grant" [disabled]="!agentReady" (click)="grantRequested.emit()">
          {{ grant ? strings.Grant.changeButton : strings.Grant.grantButton }}
        </button>
        <button *ngIf="grant" type="button" class="sme-button-critical" data-testid="revoke" [disabled]="revoking" (click)="revokeRequested.emit()">
          {{ revoking ? strings.Grant.revoking : strings.Grant.revokeButton }}
        </button>
      </div>
    </section>
  `,
})
export class GrantPanelComponent {
  @Input() grant: GrantView | null = null;
  @Input() serverOffsetMs = 0;
  /** Whether the agent is installed on every node (the API refuses grants otherwise). */
  @Input() agentReady = true;
  @Input() revoking = false;
  /** The gateway cannot be reached: the countdown stops at what it showed. */
  @Input() stopped = false;
  @Output() readonly grantRequested = new EventEmitter<void>();
  @Output() readonly revokeRequested = new EventEmitter<void>();
  @Output() readonly expired = new EventEmitter<void>();

  readonly strings = extensionStrings();
  readonly time = formatDateTime;
}
