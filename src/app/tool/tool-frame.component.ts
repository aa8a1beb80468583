import { ChangeDetectorRef, Component, Inject, NgZone, OnDestroy, OnInit } from '@angular/core';
import { NavigationEnd, Router } from '@angular/router';
import { Subscription } from 'rxjs';
import { filter } from 'rxjs/operators';
import { Clock, CLOCK } from '../core/clock';
import { formatDateTime } from '../core/format';
import { LiveEventStream, StreamState } from '../core/live-event-stream';
import { RemoteSupportGateway } from '../core/remote-support-gateway';
import { extensionStrings, format } from '../core/strings';
import { AdminNotifications } from '../shared/admin-notifications';
import { AlertLedger } from '../shared/alert-ledger';
import { RepairNotifications } from '../dashboard/repair-notifications';
import { RequestNotifications } from '../requests/request-notifications';
import { SessionNotifications } from '../shared/session-notifications';
import { ToolRefresh } from './tool-refresh';

/**
 * The tool's frame inside WAC, laid out as WAC's tools are: title and
 * cluster, the Overview / History tabs, a toolbar with Refresh, the banner
 * when the gateway cannot be reached, the alert bar, then the view in the one
 * region that scrolls. Nothing above the view scrolls away.
 */
@Component({
  selector: 'rs-tool-frame',
  template: `
    <div class="rs-tool sme-layout-absolute sme-position-inset-none sme-arrange-stack-v" data-testid="tool">
      <header class="rs-tool-header sme-position-flex-none" data-testid="tool-header">
        <h1 class="rs-tool-title">{{ strings.title }} <span class="rs-tool-cluster" data-testid="cluster-name">{{ cluster }}</span></h1>
        <nav class="rs-tabs" [attr.aria-label]="strings.Tabs.label">
          <a routerLink="./" [class.rs-tab-active]="tab === 'overview'" [attr.aria-current]="tab === 'overview' ? 'page' : null" data-testid="tab-overview">{{ strings.Tabs.overview }}</a>
          <a routerLink="requests" [class.rs-tab-active]="tab === 'requests'" [attr.aria-current]="tab === 'requests' ? 'page' : null" data-testid="tab-requests">{{ strings.Tabs.requests }}<span *ngIf="requests.waiting" class="rs-tab-badge" data-testid="requests-badge"><span aria-hidden="true">{{ requests.waiting }}</span><span class="sme-screen-reader">{{ requests.waitingLabel }}</span></span></a>
          <a routerLink="history" [class.rs-tab-active]="tab === 'history'" [attr.aria-current]="tab === 'history' ? 'page' : null" data-testid="tab-history">{{ strings.Tabs.history }}</a>
          <a routerLink="deny-list" [class.rs-tab-active]="tab === 'deny-list'" [attr.aria-current]="tab === 'deny-list' ? 'page' : null" data-testid="tab-deny-list">{{ strings.Tabs.denyList }}</a>
        </nav>
      </header>
      <div class="rs-tool-toolbar sme-position-flex-none" role="toolbar" [attr.aria-label]="strings.Toolbar.label">
        <button type="button" class="rs-toolbar-button" data-testid="refresh" (click)="refresh.request()">
          <span class="rs-toolbar-glyph" aria-hidden="true">⟳</span>{{ strings.Toolbar.refresh }}
        </button>
        <span class="rs-stream rs-stream-{{ state }}" role="status" data-testid="stream-state">{{ streamText(state) }}</span>
      </div>
      <div *ngIf="gatewayLost" class="rs-banner sme-position-flex-none" role="alert" data-testid="gateway-banner">
        <span class="rs-glyph rs-glyph-error" aria-hidden="true">✕</span>
        <div *ngIf="!signedOut; else signIn"><strong>{{ strings.Gateway.lostTitle }}</strong> {{ lostMessage }}</div>
        <ng-template #signIn><div data-testid="signed-out"><strong>{{ strings.Gateway.signedOutTitle }}</strong> {{ strings.Gateway.signedOutMessage }}</div></ng-template>
      </div>
      <rs-alerts class="sme-position-flex-none"></rs-alerts>
      <main class="rs-tool-content sme-position-flex-auto" data-testid="tool-content">
        <router-outlet></router-outlet>
      </main>
    </div>
  `,
})
export class ToolFrameComponent implements OnInit, OnDestroy {
  readonly strings = extensionStrings();
  /** The tab of the view on screen: a transcript belongs to History. */
  tab: ToolTab = 'overview';
  state: StreamState = 'idle';
  /** The live updates stopped after they had flowed: the gateway cannot be reached. */
  gatewayLost = false;
  /**
   * The gateway answers, but not to this browser: its sign-in ended (a read failed with Unauthenticated).
   * The live updates fail then too; the banner says what to do instead of "cannot be reached".
   */
  signedOut = false;
  /** When the gateway last answered (this browser's clock), for "last updated at". */
  lastReachedAt: number | null = null;

  private readonly subscriptions = new Subscription();

  constructor(
    private readonly gateway: RemoteSupportGateway,
    readonly events: LiveEventStream,
    readonly refresh: ToolRefresh,
    private readonly router: Router,
    private readonly notifications: AdminNotifications,
    private readonly alerts: AlertLedger,
    readonly repairNotifications: RepairNotifications, // injected to start it: repairs waiting reach WAC's notification center on every tab
    private readonly changes: ChangeDetectorRef,
    private readonly zone: NgZone,
    @Inject(CLOCK) private readonly clock: Clock,
    readonly requests: RequestNotifications,
    private readonly sessionNotifications: SessionNotifications,
  ) {}

  get cluster(): string {
    return this.gateway.cluster;
  }

  get lostMessage(): string {
    return this.lastReachedAt === null ? this.strings.Gateway.lostNever : format(this.strings.Gateway.lostMessage, formatDateTime(new Date(this.lastReachedAt).toISOString()));
  }

  ngOnInit(): void {
    this.tab = tabOf(this.router.url);
    this.requests.start();
    this.sessionNotifications.start();
    this.subscriptions.add(
      this.router.events.pipe(filter((e): e is NavigationEnd => e instanceof NavigationEnd)).subscribe((e) => {
        this.tab = tabOf(e.urlAfterRedirects);
        this.changes.markForCheck();
      }),
    );
    // The stream's state may change in a callback outside Angular's zone: the banner must show all the same.
    this.subscriptions.add(this.events.state$.subscribe((state) => this.zone.run(() => this.onState(state))));
    this.subscriptions.add(
      this.alerts.alerts$.subscribe((alerts) => {
        const signedOut = alerts.some((a) => a.code === 'Unauthenticated');
        if (signedOut !== this.signedOut) {
          this.signedOut = signedOut;
          this.changes.markForCheck();
        }
      }),
    );
  }

  ngOnDestroy(): void {
    this.subscriptions.unsubscribe();
  }

  streamText(state: StreamState): string {
    return state === 'open' ? this.strings.Stream.open : state === 'reconnecting' ? this.strings.Stream.reconnecting : state === 'connecting' ? this.strings.Stream.connecting : '';
  }

  private onState(state: StreamState): void {
    this.state = state;
    if (state === 'open') this.lastReachedAt = this.clock.now();
    // No view listens (History reads without live updates): nothing tells whether the gateway answers.
    if (state === 'idle') this.gatewayLost = false;
    if (state === 'reconnecting' && !this.gatewayLost) {
      this.gatewayLost = true;
      this.notifications.notify(`gateway-${this.cluster}`, 'critical', this.strings.Gateway.notificationLost, `${this.strings.Gateway.lostTitle} ${this.lostMessage}`);
    }
    if (state === 'open' && this.gatewayLost) {
      this.gatewayLost = false;
      // The errors the gateway's absence caused are moot now; the success says so and goes by itself.
      this.alerts.dismissTopic('gateway');
      this.alerts.show('success', this.strings.Gateway.back);
      this.notifications.notify(`gateway-${this.cluster}`, 'success', this.strings.Gateway.notificationBack, this.strings.Gateway.back);
    }
    this.changes.markForCheck();
  }
}

/** The tool's tabs. */
type ToolTab = 'overview' | 'requests' | 'history' | 'deny-list';

/** Overview at the root; History for the history and every transcript (sessions/…), wherever it was opened from. */
function tabOf(url: string): ToolTab {
  const path = url.split(/[?#]/)[0]!.replace(/^\/+/, '');
  if (path.startsWith('history') || path.startsWith('sessions/')) return 'history';
  if (path.startsWith('requests')) return 'requests';
  if (path.startsWith('deny-list')) return 'deny-list';
  return 'overview';
}
