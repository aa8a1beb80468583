import { Pipe, PipeTransform } from '@angular/core';
import { format } from '../core/strings';

/** `{{ strings.X | rsFormat: a : b }}`: fills `{0}`, `{1}`… of a display string. */
@Pipe({ name: 'rsFormat', standalone: true })
export class FormatPipe implements PipeTransform {
  transform(template: string, ...args: Array<string | number>): string {
    return format(template, ...args);
  }
}
