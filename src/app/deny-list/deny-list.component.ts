import { Component } from '@angular/core';
import { extensionStrings } from '../core/strings';

/** The Deny list tab: the customer's rules that refuse commands before they run or ask. */
@Component({
  selector: 'rs-deny-list',
  template: `<section class="rs-deny-list" data-testid="deny-list"><h2>{{ strings.Tabs.denyList }}</h2></section>`,
})
export class DenyListComponent {
  readonly strings = extensionStrings();
}
