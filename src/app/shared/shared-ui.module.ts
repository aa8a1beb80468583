import { CommonModule } from '@angular/common';
import { NgModule } from '@angular/core';
import { AlertsComponent } from './alerts.component';
import { FormatPipe } from './format.pipe';
import { CountdownComponent } from './countdown.component';

/** Small building blocks shared by the views: the alert bar and the countdown. */
@NgModule({
  imports: [CommonModule, FormatPipe],
  declarations: [AlertsComponent, CountdownComponent],
  exports: [AlertsComponent, CountdownComponent, FormatPipe],
})
export class SharedUiModule {}
