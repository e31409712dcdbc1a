/** @type {import('jest').Config} */
// @swc/jest transpiles without type-checking; `npm test` runs `tsc --noEmit` first so types are still checked.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/services', '<rootDir>/gateway'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // The options `npm run import` compiles with too (services/shared/ts-hook.js).
    '^.+\\.ts$': ['@swc/jest', require('./services/shared/swc-options')],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // A leaked handle (a timer, a socket) must not keep CI waiting for its 90-minute limit after the last
  // test has reported: end the run once every test file is done.
  forceExit: true,
  maxWorkers: 2,
};
