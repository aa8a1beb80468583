import { Injectable, Optional } from '@angular/core';
import { AppContextService } from '@microsoft/windows-admin-center-sdk/angular';
import type { ClientNotification } from '@microsoft/windows-admin-center-sdk/core';
import { NotificationState } from '@microsoft/windows-admin-center-sdk/core';
import { RemoteSupportGateway } from '../core/remote-support-gateway';

/** How a notification reads in WAC's notification center: in progress, done, failed, or an event to see. */
export type NotificationLevel = 'progress' | 'success' | 'error' | 'critical' | 'warning' | 'info';

const STATE: Record<NotificationLevel, NotificationState> = {
  progress: NotificationState.InProgress,
  success: NotificationState.Success,
  error: NotificationState.Error,
  critical: NotificationState.Critical,
  warning: NotificationState.Warning,
  info: NotificationState.Informational,
};

/**
 * The tool's side of WAC's notification center (the SDK's
 * `appContext.notification`): long work (installing or removing the agent,
 * one notification updated as each node finishes) and events an admin must
 * not miss (access expired or revoked, the gateway lost). A notification sent
 * again with the same id updates the one the admin already has.
 */
@Injectable({ providedIn: 'root' })
export class AdminNotifications {
  constructor(@Optional() private readonly appContext: AppContextService | null, private readonly gateway: RemoteSupportGateway) {}

  /** Adds or updates notification `id`. Does nothing where the SDK has no notification connection (unit tests). */
  notify(id: string, level: NotificationLevel, title: string, message: string): void {
    const connection = this.appContext?.notification;
    if (!connection) return;
    const notification: ClientNotification = { id: `rs-${id}`, state: STATE[level], title, message };
    // A shell that cannot show it must not break the tool: the alert bar and the banner still tell.
    connection.notify(this.gateway.cluster, notification).subscribe({ error: () => undefined });
  }
}
