import { ChangeDetectionStrategy, ChangeDetectorRef, Component, EventEmitter, Inject, Input, NgZone, OnChanges, OnDestroy, OnInit, Output, SimpleChanges } from '@angular/core';
import { interval, Subscription } from 'rxjs';
import { Clock, CLOCK } from '../core/clock';
import { formatSpan } from '../core/format';
import { extensionStrings } from '../core/strings';

/** From here on the countdown is highlighted: access ends within the minute. */
export const LAST_MINUTE_MS = 60_000;

/**
 * The time left until `expiresAt`, ticking every second. `serverOffsetMs`
 * (gateway time minus this browser's time) keeps it true to the gateway's
 * clock. The last minute is highlighted. Emits `expired` once when it reaches
 * zero. `paused` (the gateway cannot be reached) holds the last value shown:
 * the page cannot know whether access still runs.
 */
@Component({
  selector: 'rs-countdown',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<time class="rs-countdown" [attr.datetime]="expiresAt" [class.rs-countdown-expired]="remainingMs <= 0"
    [class.rs-countdown-last-minute]="remainingMs > 0 && remainingMs <= lastMinuteMs" [class.rs-countdown-paused]="paused"
    [attr.data-paused]="paused ? 'true' : null" [attr.aria-label]="ariaLabel">{{ text }}</time>`,
})
export class CountdownComponent implements OnInit, OnChanges, OnDestroy {
  @Input() expiresAt: string | null = null;
  @Input() serverOffsetMs = 0;
  @Input() paused = false;
  @Output() readonly expired = new EventEmitter<void>();

  readonly lastMinuteMs = LAST_MINUTE_MS;
  remainingMs = 0;
  text = '';
  ariaLabel = '';
  private ticks?: Subscription;
  private firedFor: string | null = null;

  constructor(@Inject(CLOCK) private readonly clock: Clock, private readonly changes: ChangeDetectorRef, private readonly zone: NgZone) {}

  ngOnInit(): void {
    this.update();
    // The tick runs outside Angular's zone so a ticking countdown never keeps the app "busy";
    // it refreshes only its own view.
    this.zone.runOutsideAngular(() => {
      this.ticks = interval(1000).subscribe(() => {
        this.update();
        this.changes.detectChanges();
      });
    });
  }

  ngOnChanges(changes: SimpleChanges): void {
    // Pausing alone keeps the value shown; resuming shows the true value at once.
    if (changes['expiresAt'] || changes['serverOffsetMs'] || !this.text || (changes['paused'] && !this.paused)) this.update(true);
  }

  ngOnDestroy(): void {
    this.ticks?.unsubscribe();
  }

  private update(changed = false): void {
    if (this.paused && !changed && this.text) return;
    const strings = extensionStrings();
    const end = this.expiresAt ? Date.parse(this.expiresAt) : Number.NaN;
    this.remainingMs = Number.isNaN(end) ? 0 : end - (this.clock.now() + this.serverOffsetMs);
    this.text = this.remainingMs > 0 ? formatSpan(this.remainingMs) : strings.Time.expired;
    this.ariaLabel = this.remainingMs > 0 ? `${strings.Grant.timeLeft}: ${this.text}` : strings.Time.expired;
    if (this.paused) return;
    if (this.remainingMs <= 0 && this.expiresAt && this.firedFor !== this.expiresAt) {
      this.firedFor = this.expiresAt;
      this.zone.run(() => this.expired.emit());
    }
  }
}
