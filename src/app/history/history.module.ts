import { CommonModule } from '@angular/common';
import { NgModule } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterModule } from '@angular/router';
import { DataTableModule } from '@microsoft/windows-admin-center-sdk/angular';
import { SharedUiModule } from '../shared/shared-ui.module';
import { TranscriptModule } from '../transcript/transcript.module';
import { HistoryComponent } from './history.component';

@NgModule({
  imports: [CommonModule, FormsModule, RouterModule, DataTableModule, SharedUiModule, TranscriptModule],
  declarations: [HistoryComponent],
  exports: [HistoryComponent],
})
export class HistoryModule {}
