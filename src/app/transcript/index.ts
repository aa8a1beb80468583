export * from './record-reads.component';
export * from './transcript-find';
export * from './transcript-viewer.component';
export * from './transcript.module';
