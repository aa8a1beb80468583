import { Injectable } from '@angular/core';
import { BehaviorSubject } from 'rxjs';
import { GatewayError } from '../core/gateway-error';
import { extensionStrings, format } from '../core/strings';

export type AlertKind = 'error' | 'warning' | 'success' | 'info';

export interface ExtensionAlert {
  id: number;
  kind: AlertKind;
  message: string;
  /** The catalog code of a gateway error, shown for support. */
  code: string | null;
}

/**
 * The alerts the tool shows above its content: errors of any view (never a
 * blank page), and confirmations of what an action did. Repeats of the same
 * message replace the earlier one instead of stacking up.
 */
@Injectable({ providedIn: 'root' })
export class AlertLedger {
  private nextId = 1;
  private readonly subject = new BehaviorSubject<ExtensionAlert[]>([]);
  readonly alerts$ = this.subject.asObservable();

  get alerts(): ExtensionAlert[] {
    return this.subject.value;
  }

  show(kind: AlertKind, message: string, code: string | null = null): ExtensionAlert {
    const alert: ExtensionAlert = { id: this.nextId++, kind, message, code };
    this.subject.next([...this.subject.value.filter((a) => a.message !== message), alert]);
    return alert;
  }

  /** Shows what failed (`action`, e.g. "Could not load the status") and the gateway's reason. */
  error(action: string, error: unknown): ExtensionAlert {
    const s = extensionStrings().Errors;
    if (error instanceof GatewayError) {
      if (error.unreachable) return this.show('error', format(s.withReason, action, s.unreachable), error.code);
      if (error.code === 'Unauthenticated') return this.show('error', format(s.withReason, action, s.signIn), error.code);
      return this.show('error', format(s.withReason, action, error.message), error.code);
    }
    const reason = error instanceof Error ? error.message : String(error);
    return this.show('error', format(s.withReason, action, reason));
  }

  dismiss(id: number): void {
    this.subject.next(this.subject.value.filter((a) => a.id !== id));
  }

  clear(): void {
    this.subject.next([]);
  }
}
