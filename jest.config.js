/** @type {import('jest').Config} */
// @swc/jest transpiles without type-checking; `npm test` runs `tsc --noEmit` first so types are still checked.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/services', '<rootDir>/gateway'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // A leaked handle (a timer, a socket) must not keep CI waiting for its 90-minute limit after the last
  // test has reported: end the run once every test file is done.
  forceExit: true,
  maxWorkers: 2,
};
