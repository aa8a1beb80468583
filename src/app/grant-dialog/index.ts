export * from './grant-access-dialog.component';
export * from './grant-dialog.module';
export * from './grant-form';
