export * from './tool-frame.component';
