import { Component, Input } from '@angular/core';

/** Who read this transcript: viewed, exported or verified, by whom and when (the audit of the audit). */
@Component({
  selector: 'rs-record-reads',
  template: ``,
})
export class RecordReadsComponent {
  @Input() sessionId: string | null = null;
}
