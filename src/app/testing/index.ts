export * from './dom-harness';
export * from './fake-clock';
export * from './fake-gateway';
export * from './fake-live-event-stream';
export * from './fixtures';
export * from './grant-dialog.harness';
export * from './sdk-stubs';
