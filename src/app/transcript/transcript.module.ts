import { CommonModule } from '@angular/common';
import { NgModule } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterModule } from '@angular/router';
import { SharedUiModule } from '../shared/shared-ui.module';
import { MarkedTextComponent } from './marked-text.component';
import { RecordReadsComponent } from './record-reads.component';
import { TranscriptViewerComponent } from './transcript-viewer.component';

@NgModule({
  imports: [CommonModule, FormsModule, RouterModule, SharedUiModule, MarkedTextComponent],
  declarations: [TranscriptViewerComponent, RecordReadsComponent],
  exports: [TranscriptViewerComponent, RecordReadsComponent],
})
export class TranscriptModule {}
