/** Production build settings (see angular.json fileReplacements). */
export const environment = {
  production: true,
};
