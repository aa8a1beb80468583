export * from './transcript-find';
export * from './transcript-viewer.component';
export * from './transcript.module';
