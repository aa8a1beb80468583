import { CommonModule } from '@angular/common';
import { NgModule } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterModule } from '@angular/router';
import { SharedUiModule } from '../shared/shared-ui.module';
import { DenyListComponent } from './deny-list.component';

@NgModule({
  imports: [CommonModule, FormsModule, RouterModule, SharedUiModule],
  declarations: [DenyListComponent],
  exports: [DenyListComponent],
})
export class DenyListModule {}
