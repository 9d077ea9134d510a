/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2023', parser: { syntax: 'typescript' } } }],
  },
  // middy 7, ky 2 and fauxqs are ESM-only: compile them to CJS for jest's module system.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|ky|lossless-json)/)'],
  // middy 7's package.json "exports" has only an "import" condition, which jest's CJS resolver cannot match.
  moduleNameMapper: { '^@middy/([^/]+)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  // Emulators (DynamoDB Local, fauxqs) start once for the whole run; see test/support/global-setup.ts.
  setupFiles: ['<rootDir>/test/support/env.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
