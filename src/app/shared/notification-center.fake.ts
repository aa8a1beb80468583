import { AppContextService } from '@microsoft/windows-admin-center-sdk/angular';
import type { ClientNotification } from '@microsoft/windows-admin-center-sdk/core';
import { NotificationState } from '@microsoft/windows-admin-center-sdk/core';
import { EMPTY } from 'rxjs';
import { appContextStub } from '../testing/sdk-stubs';

/**
 * WAC's notification center as an admin sees it, for specs: one entry per
 * notification id, updated in place, with how many times it changed.
 */
export class FakeNotificationCenter {
  readonly items = new Map<string, ClientNotification & { updates: number }>();

  notify(_nodeName: string, n: ClientNotification) {
    const before = this.items.get(n.id);
    this.items.set(n.id, { ...n, updates: before ? before.updates + 1 : 0 });
    return EMPTY;
  }

  /** The notifications whose id starts with `prefix` (ids are `rs-<what>-<which>`). */
  find(prefix: string): Array<ClientNotification & { updates: number }> {
    return [...this.items.values()].filter((n) => n.id.startsWith(prefix));
  }

  static stateName(state: NotificationState): string {
    return NotificationState[state]!;
  }
}

/** Provides the SDK's AppContextService with `notification` going to `center`. */
export const provideNotificationCenter = (center: FakeNotificationCenter) => ({
  provide: AppContextService,
  useValue: { ...appContextStub(), notification: center },
});
