import { Component, Input } from '@angular/core';
import type { AccessRequest } from '../core/api-models';

/** On the Overview: the access requests waiting for an answer, with a link to the Requests tab. */
@Component({
  selector: 'rs-open-requests-summary',
  template: ``,
})
export class OpenRequestsSummaryComponent {
  @Input() requests: AccessRequest[] | undefined;
}
