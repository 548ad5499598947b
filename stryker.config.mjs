// Mutation testing (`npm run test:mutation`, not part of `npm test`): StrykerJS changes one thing at a
// time in the modules whose bugs would change a published number or let personal data through, and
// checks that a unit test fails. Scores per module: README "Tests".
import { fileURLToPath } from 'node:url';
import { unitProject } from './jest.config.js';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // jest runs ESM through ts-jest, which needs the VM modules flag, as in `npm test`.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    projectType: 'custom',
    // The unit project only (no broker), and only the tests of the mutated modules, so a run stays short.
    config: {
      ...unitProject,
      // Stryker resolves the environment itself, without jest's <rootDir>.
      testEnvironment: fileURLToPath(new URL('./tests/fixtures/time-zone-environment.cjs', import.meta.url)),
      testMatch: [
        '<rootDir>/services/contract/{validate,validate-limits,month}.test.ts',
        '<rootDir>/services/report/{number-format,paragraph,report-labels}.test.ts',
        '<rootDir>/services/figures/*.test.ts',
        '<rootDir>/services/snapshot/{schedule,schedule-core}.test.ts',
        '<rootDir>/services/worker/batch-plan.test.ts',
      ],
    },
    enableFindRelatedTests: false,
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  mutate: [
    'services/contract/validate.ts',
    'services/contract/month.ts',
    'services/report/number-format.ts',
    'services/figures/window-figures.ts',
    'services/report/report-labels.ts',
    // The schedule's pure core: options, due times and dueSnapshotJobs (not the croner/p-queue shell).
    'services/snapshot/schedule.ts:1-129',
    'services/worker/batch-plan.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 5000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: '.data/mutation/index.html' },
  jsonReporter: { fileName: '.data/mutation/mutation.json' },
  // The sandbox copy leaves out local data (broker jars, stores, snapshots).
  ignorePatterns: ['/.data', '/coverage', '/infra/kafka/target'],
  tempDirName: '.data/stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: 85 },
};
