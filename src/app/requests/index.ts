export * from './open-requests-summary.component';
export * from './request-answer-form';
export * from './request-notifications';
export * from './request-words';
export * from './requests.component';
export * from './requests.module';
