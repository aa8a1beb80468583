import { Injectable } from '@angular/core';
import { Observable, Subject } from 'rxjs';

/**
 * The toolbar's Refresh: the frame asks, the view on screen reads its data
 * again (the Overview: status and prerequisites).
 */
@Injectable({ providedIn: 'root' })
export class ToolRefresh {
  private readonly subject = new Subject<void>();
  readonly requests$: Observable<void> = this.subject.asObservable();

  request(): void {
    this.subject.next();
  }
}
