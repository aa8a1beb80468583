import { Component, Input } from '@angular/core';
import type { RepairApprovalView } from '../core/api-models';

/** On the Overview: repair commands waiting for the admin's live yes, each with approve and refuse. */
@Component({
  selector: 'rs-waiting-repairs',
  template: ``,
})
export class WaitingRepairsComponent {
  @Input() approvals: RepairApprovalView[] | undefined;
  /** The gateway cannot be reached: the list is out of date and its countdowns stop. */
  @Input() stopped = false;
}
