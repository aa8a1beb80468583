export * from './tool-frame.component';
export * from './tool-refresh';
