import { ChangeDetectionStrategy, ChangeDetectorRef, Component, EventEmitter, Inject, Input, NgZone, OnChanges, OnDestroy, OnInit, Output } from '@angular/core';
import { interval, Subscription } from 'rxjs';
import { Clock, CLOCK } from '../core/clock';
import { formatSpan } from '../core/format';
import { extensionStrings } from '../core/strings';

/**
 * The time left until `expiresAt`, ticking every second. `serverOffsetMs`
 * (gateway time minus this browser's time) keeps it true to the gateway's
 * clock. Emits `expired` once when it reaches zero.
 */
@Component({
  selector: 'rs-countdown',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<time class="rs-countdown" [attr.datetime]="expiresAt" [class.rs-countdown-expired]="remainingMs <= 0"
    [attr.aria-label]="ariaLabel">{{ text }}</time>`,
})
export class CountdownComponent implements OnInit, OnChanges, OnDestroy {
  @Input() expiresAt: string | null = null;
  @Input() serverOffsetMs = 0;
  @Output() readonly expired = new EventEmitter<void>();

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

  ngOnChanges(): void {
    this.update();
  }

  ngOnDestroy(): void {
    this.ticks?.unsubscribe();
  }

  private update(): void {
    const strings = extensionStrings();
    const end = this.expiresAt ? Date.parse(this.expiresAt) : Number.NaN;
    this.remainingMs = Number.isNaN(end) ? 0 : end - (this.clock.now() + this.serverOffsetMs);
    this.text = this.remainingMs > 0 ? formatSpan(this.remainingMs) : strings.Time.expired;
    this.ariaLabel = this.remainingMs > 0 ? `${strings.Grant.timeLeft}: ${this.text}` : strings.Time.expired;
    if (this.remainingMs <= 0 && this.expiresAt && this.firedFor !== this.expiresAt) {
      this.firedFor = this.expiresAt;
      this.zone.run(() => this.expired.emit());
    }
  }
}
