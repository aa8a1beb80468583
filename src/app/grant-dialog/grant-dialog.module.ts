import { CommonModule } from '@angular/common';
import { NgModule } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { DialogModule } from '@microsoft/windows-admin-center-sdk/angular';
import { FormatPipe } from '../shared/format.pipe';
import { GrantAccessDialogComponent } from './grant-access-dialog.component';

@NgModule({
  imports: [CommonModule, FormsModule, DialogModule, FormatPipe],
  declarations: [GrantAccessDialogComponent],
  exports: [GrantAccessDialogComponent],
})
export class GrantDialogModule {}
