export * from './alert-ledger';
export * from './alerts.component';
export * from './countdown.component';
export * from './shared-ui.module';
export * from './format.pipe';
export * from './admin-notifications';
export * from './confirmation-dialog.component';
