import { Component } from '@angular/core';
import { extensionStrings } from '../core/strings';

/** The Requests tab: engineers' access requests, each with its conversation and the admin's answer. */
@Component({
  selector: 'rs-requests',
  template: `<section class="rs-requests" data-testid="requests"><h2>{{ strings.Tabs.requests }}</h2></section>`,
})
export class RequestsComponent {
  readonly strings = extensionStrings();
}
