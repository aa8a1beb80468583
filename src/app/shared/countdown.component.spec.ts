import { Component } from '@angular/core';
import { ComponentFixture, discardPeriodicTasks, fakeAsync, TestBed, tick } from '@angular/core/testing';
import { FakeClock, iso, NOW, provideFakeClock } from '../testing';
import { SharedUiModule } from './shared-ui.module';

@Component({ template: `<rs-countdown [expiresAt]="expiresAt" [serverOffsetMs]="offset" [paused]="paused" (expired)="expiredCount = expiredCount + 1"></rs-countdown>` })
class HostComponent {
  paused = false;
  expiresAt: string | null = iso(NOW + 2 * 3_600_000 + 5_000);
  offset = 0;
  expiredCount = 0;
}

describe('CountdownComponent', () => {
  let clock: FakeClock;
  let fixture: ComponentFixture<HostComponent>;
  const text = () => (fixture.nativeElement as HTMLElement).querySelector('time')!.textContent!.trim();

  beforeEach(() => {
    clock = new FakeClock();
    TestBed.configureTestingModule({ imports: [SharedUiModule], declarations: [HostComponent], providers: [provideFakeClock(clock)] });
    fixture = TestBed.createComponent(HostComponent);
  });

  it('counts down every second', fakeAsync(() => {
    fixture.detectChanges();
    expect(text()).toBe('2 h 00 min');
    clock.advance(2 * 3_600_000 - 59_000);
    tick(1000);
    fixture.detectChanges();
    expect(text()).toBe('1 min 04 s');
    clock.advance(1000);
    tick(1000);
    fixture.detectChanges();
    expect(text()).toBe('1 min 03 s');
    discardPeriodicTasks();
  }));

  it('follows the gateway clock, not the browser clock', fakeAsync(() => {
    fixture.componentInstance.offset = 3_600_000; // the gateway is an hour ahead
    fixture.detectChanges();
    expect(text()).toBe('1 h 00 min');
    discardPeriodicTasks();
  }));

  it('says Expired and tells once when the time is up', fakeAsync(() => {
    fixture.detectChanges();
    clock.advance(2 * 3_600_000 + 5_000);
    tick(1000);
    fixture.detectChanges();
    expect(text()).toBe('Expired');
    tick(3000);
    fixture.detectChanges();
    expect(fixture.componentInstance.expiredCount).toBe(1);
    discardPeriodicTasks();
  }));

  it('stops ticking when destroyed', fakeAsync(() => {
    fixture.detectChanges();
    fixture.destroy();
    tick(5000); // no pending interval left: fakeAsync would fail on one
  }));

  it('highlights the last minute', fakeAsync(() => {
    const time = () => (fixture.nativeElement as HTMLElement).querySelector('time')!;
    fixture.detectChanges();
    clock.advance(2 * 3_600_000 + 5_000 - 61_000);
    tick(1000);
    fixture.detectChanges();
    expect(text()).toBe('1 min 01 s');
    expect(time().classList.contains('rs-countdown-last-minute')).toBe(false);
    clock.advance(1000);
    tick(1000);
    fixture.detectChanges();
    expect(text()).toBe('1 min 00 s');
    expect(time().classList.contains('rs-countdown-last-minute')).toBe(true);
    clock.advance(60_000);
    tick(1000);
    fixture.detectChanges();
    expect(text()).toBe('Expired');
    expect(time().classList.contains('rs-countdown-last-minute')).toBe(false);
    discardPeriodicTasks();
  }));

  it('stops while paused, without telling that the time is up, and shows the true time again when resumed', fakeAsync(() => {
    fixture.detectChanges();
    fixture.componentInstance.paused = true;
    fixture.detectChanges();
    clock.advance(2 * 3_600_000 + 10_000);
    tick(3000);
    fixture.detectChanges();
    expect(text()).toBe('2 h 00 min');
    expect(fixture.componentInstance.expiredCount).toBe(0);
    fixture.componentInstance.paused = false;
    fixture.detectChanges();
    tick(1000);
    fixture.detectChanges();
    expect(text()).toBe('Expired');
    expect(fixture.componentInstance.expiredCount).toBe(1);
    discardPeriodicTasks();
  }));
});
