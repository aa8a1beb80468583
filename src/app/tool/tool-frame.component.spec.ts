import { Component, NgZone } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { RouterTestingModule } from '@angular/router/testing';
import { SharedUiModule } from '../shared/shared-ui.module';
import { DomHarness, FakeGateway, FakeLiveEventStream, provideFakeEvents, provideFakeGateway } from '../testing';
import { ToolFrameComponent } from './tool-frame.component';

@Component({ template: '<p data-testid="view">a view</p>' })
class ViewComponent {}

const navigate = (url: string) => TestBed.inject(NgZone).run(() => TestBed.inject(Router).navigateByUrl(url));

describe('ToolFrameComponent', () => {
  let events: FakeLiveEventStream;
  let page: DomHarness;

  beforeEach(async () => {
    events = new FakeLiveEventStream();
    await TestBed.configureTestingModule({
      imports: [
        SharedUiModule,
        RouterTestingModule.withRoutes([{ path: '', component: ToolFrameComponent, children: [{ path: '', component: ViewComponent }, { path: 'history', component: ViewComponent }] }]),
      ],
      declarations: [ToolFrameComponent, ViewComponent],
      providers: [provideFakeGateway(new FakeGateway()), provideFakeEvents(events)],
    }).compileComponents();
    const fixture = TestBed.createComponent(ToolFrameComponent);
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

  it('says when live updates are interrupted', async () => {
    expect(page.testIdText('stream-state')).toBe('Live updates on');
    events.setState('reconnecting');
    await page.settle();
    expect(page.testIdText('stream-state')).toContain('reconnecting');
  });
});
