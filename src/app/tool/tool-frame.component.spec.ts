import { Component, NgZone } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { RouterTestingModule } from '@angular/router/testing';
import { GatewayError } from '../core/gateway-error';
import { AlertLedger } from '../shared/alert-ledger';
import { FakeNotificationCenter, provideNotificationCenter } from '../shared/notification-center.fake';
import { SharedUiModule } from '../shared/shared-ui.module';
import { DomHarness, FakeClock, FakeGateway, FakeLiveEventStream, provideFakeClock, provideFakeEvents, provideFakeGateway } from '../testing';
import { ToolFrameComponent } from './tool-frame.component';
import { ToolRefresh } from './tool-refresh';

@Component({ template: '<p data-testid="view">a view</p>' })
class ViewComponent {}

/** The app's root as the SDK bootstraps it: only an outlet, where the routes put the frame. */
@Component({ template: '<router-outlet></router-outlet>' })
class RootComponent {}

const navigate = (url: string) => TestBed.inject(NgZone).run(() => TestBed.inject(Router).navigateByUrl(url));

describe('ToolFrameComponent', () => {
  let events: FakeLiveEventStream;
  let center: FakeNotificationCenter;
  let page: DomHarness;

  beforeEach(async () => {
    events = new FakeLiveEventStream();
    center = new FakeNotificationCenter();
    await TestBed.configureTestingModule({
      imports: [
        SharedUiModule,
        RouterTestingModule.withRoutes([
          {
            path: '',
            component: ToolFrameComponent,
            children: [
              { path: '', component: ViewComponent },
              { path: 'history', component: ViewComponent },
              { path: 'sessions/:sessionId', component: ViewComponent },
            ],
          },
        ]),
      ],
      declarations: [ToolFrameComponent, ViewComponent, RootComponent],
      providers: [provideFakeGateway(new FakeGateway()), provideFakeEvents(events), provideNotificationCenter(center), provideFakeClock(new FakeClock())],
    }).compileComponents();
    TestBed.inject(AlertLedger).clear();
    const fixture = TestBed.createComponent(RootComponent);
    page = new DomHarness(fixture);
    await navigate('/');
    await page.settle();
  });

  it('names the tool and the cluster', () => {
    expect(page.text('h1')).toBe('Remote support hci-cl01.contoso.local');
  });

  it('links Overview and History, marking the current one for screen readers', async () => {
    expect(page.byTestId('tab-overview')!.getAttribute('aria-current')).toBe('page');
    await navigate('/history');
    await page.settle();
    expect(page.byTestId('tab-history')!.getAttribute('aria-current')).toBe('page');
    expect(page.byTestId('tab-overview')!.getAttribute('aria-current')).toBeNull();
  });

  it('keeps the History tab active on a transcript, wherever it was opened from', async () => {
    for (const url of ['/sessions/s-1?from=history', '/sessions/s-1']) {
      await navigate(url);
      await page.settle();
      expect(page.byTestId('tab-history')!.classList.contains('rs-tab-active')).toBe(true);
      expect(page.byTestId('tab-history')!.getAttribute('aria-current')).toBe('page');
      expect(page.byTestId('tab-overview')!.getAttribute('aria-current')).toBeNull();
    }
  });

  it('lays out title, tabs and a toolbar with Refresh outside the one scrolling content region', async () => {
    const content = page.byTestId('tool-content')!;
    expect(content.contains(page.byTestId('view'))).toBe(true);
    for (const fixed of ['tool-header', 'refresh']) expect(content.contains(page.byTestId(fixed))).toBe(false);
    expect(page.query('[role="toolbar"]')!.contains(page.byTestId('refresh'))).toBe(true);
    // Its accessible name is its label: the glyph is hidden from screen readers, and no aria-label differs.
    expect(page.testIdText('refresh').replace('⟳', '')).toBe('Refresh');
    expect(page.byTestId('refresh')!.querySelector('[aria-hidden="true"]')!.textContent).toBe('⟳');
    expect(page.byTestId('refresh')!.hasAttribute('aria-label')).toBe(false);
    let asked = 0;
    TestBed.inject(ToolRefresh).requests$.subscribe(() => asked++);
    await page.clickTestId('refresh');
    expect(asked).toBe(1);
  });

  it('says when live updates are interrupted', async () => {
    expect(page.testIdText('stream-state')).toBe('Live updates on');
    events.setState('reconnecting');
    await page.settle();
    expect(page.testIdText('stream-state')).toContain('reconnecting');
  });

  it('shows a banner and raises a WAC notification while the gateway cannot be reached, and clears both when it answers', async () => {
    expect(page.byTestId('gateway-banner')).toBeNull();
    events.setState('reconnecting');
    await page.settle();
    const banner = page.byTestId('gateway-banner')!;
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('The remote support gateway cannot be reached.');
    expect(banner.textContent).toContain('What you see is from 2026-11-25 12:00');
    const [lost] = center.find('rs-gateway-');
    expect(lost).toMatchObject({ title: 'Remote support gateway lost' });
    expect(FakeNotificationCenter.stateName(lost!.state)).toBe('Critical');

    events.setState('open');
    await page.settle();
    expect(page.byTestId('gateway-banner')).toBeNull();
    const [back] = center.find('rs-gateway-');
    expect(back).toMatchObject({ title: 'Remote support gateway reached again', updates: 1 });
    expect(FakeNotificationCenter.stateName(back!.state)).toBe('Success');
  });

  it('says the sign-in ended, and how to sign in, when the gateway refuses this browser', async () => {
    events.setState('reconnecting');
    TestBed.inject(AlertLedger).error('Could not read the remote support status', new GatewayError('Unauthenticated', 'Sign in first', 401), 'gateway');
    await page.settle();
    const banner = page.byTestId('gateway-banner')!;
    expect(banner.textContent).toContain('You are not signed in to the remote support gateway.');
    expect(banner.textContent).toContain('npx remote-support login-link');
    expect(banner.textContent).not.toContain('cannot be reached');
  });
});
