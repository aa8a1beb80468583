import { ChangeDetectionStrategy, Component, Input } from '@angular/core';
import { NgFor, NgIf } from '@angular/common';
import { highlight, TextPart } from './transcript-find';

/** Text with every occurrence of the find text marked (`<mark>`), as find-in-transcript shows it. */
@Component({
  selector: 'rs-marked',
  standalone: true,
  imports: [NgFor, NgIf],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: '<ng-container *ngFor="let part of parts"><mark *ngIf="part.match">{{ part.text }}</mark><ng-container *ngIf="!part.match">{{ part.text }}</ng-container></ng-container>',
})
export class MarkedTextComponent {
  @Input() text = '';
  @Input() find = '';

  get parts(): TextPart[] {
    return highlight(this.text, this.find.trim());
  }
}
