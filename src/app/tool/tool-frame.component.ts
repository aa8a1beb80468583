import { Component } from '@angular/core';
import { LiveEventStream } from '../core/live-event-stream';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings } from '../core/strings';

/**
 * The tool's frame inside WAC: title and cluster, the Overview / History
 * navigation, the alert bar, whether live updates flow, and the view.
 */
@Component({
  selector: 'rs-tool-frame',
  template: `
    <div class="rs-tool sme-layout-absolute sme-position-inset-none sme-arrange-stack-v">
      <header class="rs-tool-header">
        <h1 class="rs-tool-title">{{ strings.title }} <span class="rs-tool-cluster" data-testid="cluster-name">{{ cluster }}</span></h1>
        <nav class="rs-tabs" [attr.aria-label]="strings.Tabs.label">
          <a routerLink="./" [routerLinkActiveOptions]="{ exact: true }" routerLinkActive="rs-tab-active" #overview="routerLinkActive"
            [attr.aria-current]="overview.isActive ? 'page' : null" data-testid="tab-overview">{{ strings.Tabs.overview }}</a>
          <a routerLink="history" routerLinkActive="rs-tab-active" #history="routerLinkActive"
            [attr.aria-current]="history.isActive ? 'page' : null" data-testid="tab-history">{{ strings.Tabs.history }}</a>
        </nav>
        <span class="rs-stream rs-stream-{{ events.state$ | async }}" role="status" data-testid="stream-state">{{ streamText((events.state$ | async) || 'idle') }}</span>
      </header>
      <rs-alerts></rs-alerts>
      <main class="rs-tool-content sme-position-flex-auto sme-arrange-overflow-auto-y">
        <router-outlet></router-outlet>
      </main>
    </div>
  `,
})
export class ToolFrameComponent {
  readonly strings = extensionStrings();

  constructor(private readonly gateway: RemoteSupportGateway, readonly events: LiveEventStream) {}

  get cluster(): string {
    return this.gateway.cluster;
  }

  streamText(state: string): string {
    return state === 'open' ? this.strings.Stream.open : state === 'reconnecting' ? this.strings.Stream.reconnecting : state === 'connecting' ? this.strings.Stream.connecting : '';
  }
}
