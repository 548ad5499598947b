// ESM + TypeScript: ts-jest transpiles each file on its own (isolatedModules in tsconfig);
// `npm test` runs `tsc --noEmit` first, so types are still checked once for the whole tree.
const tsJest = ['ts-jest', { useESM: true }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
export const unitProject = {
  ...common,
  displayName: 'unit',
  testMatch: ['<rootDir>/services/**/*.test.ts'],
  testEnvironment: '<rootDir>/tests/fixtures/time-zone-environment.cjs',
  testEnvironmentOptions: { timezone: 'America/Los_Angeles' },
};

/** @type {import('jest').Config} */
export default {
  projects: [
    // Fast tests beside the code: no broker, no database server. They run in a zone that is neither
    // UTC nor China Standard Time, with daylight saving time, so code that uses local time fails.
    unitProject,
    // Integration and end-to-end tests: a real Kafka broker (one per test run) and real databases.
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/fixtures/global-setup.mjs',
      globalTeardown: '<rootDir>/tests/fixtures/global-teardown.mjs',
    },
  ],
  testTimeout: 120000,
};
