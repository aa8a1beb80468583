export * from './history.component';
export * from './history.module';
