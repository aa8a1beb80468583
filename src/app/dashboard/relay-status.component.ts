import { ChangeDetectionStrategy, Component, Input } from '@angular/core';
import { RelayView } from '../core/api-models';
import { formatDateTime } from '../core/format';
import { extensionStrings, format } from '../core/strings';

/** How the line looks: the glyph's class (the prerequisites' glyph colours) and its plain-text mark. */
interface Look {
  glyph: 'passed' | 'warning' | 'info' | 'failed';
  mark: string;
}

const LOOK: Record<RelayView['state'] | 'unusable', Look> = {
  connected: { glyph: 'passed', mark: '✓' },
  connecting: { glyph: 'warning', mark: '!' },
  reconnecting: { glyph: 'warning', mark: '!' },
  closed: { glyph: 'info', mark: 'i' },
  /** Closed with an error: the relay cannot be used until someone fixes what the error says. */
  unusable: { glyph: 'failed', mark: '✕' },
};

/**
 * One line on the Overview saying whether engineers outside this network can
 * reach the cluster through the Azure Relay now: listening, reconnecting and
 * why, or not listening and why. Shows nothing when the relay is off (null)
 * or the gateway predates it (absent).
 */
@Component({
  selector: 'rs-relay-status',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section *ngIf="relay" class="rs-card rs-relay" data-testid="relay-status" [attr.data-state]="relay.state">
      <p role="status" data-testid="relay-summary" [class.rs-text-critical]="failed">
        <span class="rs-glyph rs-glyph-{{ look.glyph }}" aria-hidden="true">{{ look.mark }}</span>
        {{ summary }}
      </p>
      <p *ngIf="relay.address" class="rs-hint" data-testid="relay-address">{{ strings.Relay.address | rsFormat: relay.address }}</p>
    </section>
  `,
})
export class RelayStatusComponent {
  /** The status's `relay`: null when the relay is off, undefined from a gateway without one. */
  @Input() relay: RelayView | null | undefined = null;

  readonly strings = extensionStrings();

  get look(): Look {
    return this.failed ? LOOK.unusable : LOOK[this.relay!.state] ?? LOOK.closed;
  }

  /** Not listening for a reason other than "no access is granted". */
  get failed(): boolean {
    return this.relay!.state === 'closed' && !!this.relay!.error;
  }

  get summary(): string {
    const r = this.relay!;
    const s = this.strings.Relay;
    switch (r.state) {
      case 'connected':
        return format(s.connected, formatDateTime(r.connectedAt ?? r.since));
      case 'connecting':
        return s.connecting;
      case 'reconnecting': {
        const why = r.error ?? s.dropped;
        const attempts = r.attempts === 1 ? s.attempts.one : format(s.attempts.other, r.attempts);
        return r.nextRetryAt ? format(s.reconnecting, why, formatDateTime(r.nextRetryAt), attempts) : format(s.reconnectingNow, why, attempts);
      }
      default:
        return r.error ? format(s.notListeningError, r.error) : s.notListening;
    }
  }
}
