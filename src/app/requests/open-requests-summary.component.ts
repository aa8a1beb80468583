import { Component, Input } from '@angular/core';
import type { AccessRequest } from '../core/api-models';
import { formatDateTime, formatUtc } from '../core/format';
import { extensionStrings, format } from '../core/strings';
import { askedWords, waitsForAdmin } from './request-words';

/** How many waiting requests the Overview lists; the rest are counted, on the Requests tab. */
export const SUMMARY_MAX_ITEMS = 3;

/**
 * On the Overview: the access requests waiting for the admin's answer, the
 * first few by name, each a link to the Requests tab with that request open.
 * Nothing shows when none waits.
 */
@Component({
  selector: 'rs-open-requests-summary',
  template: `
    <div aria-live="polite" aria-relevant="additions">
    <section *ngIf="waiting.length" class="rs-card" data-testid="open-requests-summary" aria-labelledby="rs-open-requests-title">
      <h2 id="rs-open-requests-title">{{ title }}</h2>
      <ul>
        <li *ngFor="let r of shown; trackBy: byId">
          <a class="rs-link" routerLink="requests" [queryParams]="{ id: r.id }" data-testid="open-request-link" [attr.data-request-id]="r.id"
            [title]="utc(r.requestedAt)">{{ s.Summary.item | rsFormat: r.engineer : r.supportCase : asked(r) : time(r.requestedAt) }}</a>
        </li>
      </ul>
      <p *ngIf="waiting.length > shown.length" class="rs-hint" data-testid="open-requests-more">{{ s.Summary.more | rsFormat: waiting.length - shown.length }}</p>
      <a class="rs-link" routerLink="requests">{{ s.Summary.open }}</a>
    </section>
    </div>
  `,
})
export class OpenRequestsSummaryComponent {
  /** Rows keep their elements (and focus) when the status is read again. */
  readonly byId = (_: number, r: AccessRequest) => r.id;

  readonly s = extensionStrings().Requests;
  @Input() requests: AccessRequest[] | undefined;

  /** The requests waiting for the admin, oldest first: the one waiting longest comes first. */
  get waiting(): AccessRequest[] {
    return (this.requests ?? []).filter(waitsForAdmin).sort((a, b) => Date.parse(a.requestedAt) - Date.parse(b.requestedAt));
  }

  get shown(): AccessRequest[] {
    return this.waiting.slice(0, SUMMARY_MAX_ITEMS);
  }

  get title(): string {
    const n = this.waiting.length;
    return n === 1 ? this.s.Summary.one : format(this.s.Summary.many, n);
  }

  asked(r: AccessRequest): string {
    return askedWords(r);
  }

  time(iso: string): string {
    return formatDateTime(iso);
  }

  utc(iso: string): string {
    return formatUtc(iso);
  }
}
