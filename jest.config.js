// Jest for the WAC extension (src/): jest-preset-angular on jsdom. The
// gateway's own tests run with Node's test runner (npm test in gateway-plugin).
process.env.TZ = 'UTC';

const sdk = '<rootDir>/node_modules/@microsoft/windows-admin-center-sdk';

/** @type {import('jest').Config} */
module.exports = {
  preset: 'jest-preset-angular',
  rootDir: __dirname,
  roots: ['<rootDir>/src'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/jest.setup.ts'],
  testEnvironment: 'jsdom',
  cacheDirectory: '<rootDir>/.angular/jest-cache',
  moduleNameMapper: {
    // The SDK's angular entry has no "main": point jest at its flat ES module.
    '^@microsoft/windows-admin-center-sdk/angular$': `${sdk}/angular/fesm2020/microsoft-windows-admin-center-sdk-angular.mjs`,
  },
  // The SDK ships untranspiled ES modules (core/*.js, angular/fesm2020): let jest transform them.
  transformIgnorePatterns: ['node_modules/(?!(@angular|@microsoft/windows-admin-center-sdk|rxjs|tslib|.*\\.mjs$))'],
  transform: {
    '^.+\\.(ts|js|mjs|html|svg)$': [
      'jest-preset-angular',
      { tsconfig: '<rootDir>/tsconfig.spec.json', stringifyContentPathRegex: '\\.(html|svg)$' },
    ],
  },
  moduleFileExtensions: ['ts', 'html', 'js', 'json', 'mjs'],
};
