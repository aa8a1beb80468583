export * from './agent-panel.component';
export * from './dashboard.component';
export * from './dashboard.module';
export * from './grant-panel.component';
export * from './live-sessions-panel.component';
export * from './prerequisites-panel.component';
export * from './relay-status.component';
export * from './revoke-confirmation-dialog.component';
