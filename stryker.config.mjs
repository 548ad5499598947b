// Mutation testing (`npm run test:mutation`, not part of `npm test`): StrykerJS changes one thing at a
// time in the modules whose bugs would change a published number or let personal data through, and
// checks that a unit test fails. Scores per module: README "Tests".
//
// `MUTATION_SCOPE=month npm run test:mutation` (or validate, number-format, labels, schedule,
// batch-plan) mutates one module group with only its own tests, which is much faster.
import { fileURLToPath } from 'node:url';
import { unitProject } from './jest.config.js';

const SCOPES = {
  month: { mutate: ['services/contract/month.ts'], tests: ['services/contract/month.test.ts'] },
  validate: { mutate: ['services/contract/validate.ts'], tests: ['services/contract/{validate,validate-limits}.test.ts'] },
  'number-format': { mutate: ['services/report/number-format.ts'], tests: ['services/report/{number-format,paragraph}.test.ts'] },
  labels: {
    mutate: ['services/figures/window-figures.ts', 'services/report/report-labels.ts'],
    tests: ['services/figures/window-figures.test.ts', 'services/report/report-labels.test.ts'],
  },
  schedule: {
    // The schedule's pure core: options, due times and dueSnapshotJobs (not the croner/p-queue shell).
    mutate: ['services/snapshot/schedule.ts:1-146'],
    tests: ['services/snapshot/{schedule,schedule-core}.test.ts'],
  },
  'batch-plan': { mutate: ['services/store/batch-plan.ts'], tests: ['services/store/batch-plan.test.ts'] },
};
const scope = process.env.MUTATION_SCOPE;
if (scope !== undefined && !(scope in SCOPES)) throw new Error(`MUTATION_SCOPE must be one of ${Object.keys(SCOPES).join(', ')}`);
const chosen = scope ? [SCOPES[scope]] : Object.values(SCOPES);
const name = scope ?? 'all';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // jest runs ESM through ts-jest, which needs the VM modules flag, as in `npm test`.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    projectType: 'custom',
    // The unit project only (no broker), and only the tests of the mutated modules.
    config: {
      ...unitProject,
      // Stryker resolves the environment itself, without jest's <rootDir>.
      testEnvironment: fileURLToPath(new URL('./tests/fixtures/time-zone-environment.cjs', import.meta.url)),
      testMatch: chosen.flatMap((s) => s.tests.map((t) => `<rootDir>/${t}`)),
    },
    enableFindRelatedTests: false,
  },
  checkers: ['typescript'],
  // The type checker sees only the mutation tests and what they import, so a mutant re-checks a few files.
  tsconfigFile: 'tsconfig.mutation.json',
  mutate: chosen.flatMap((s) => s.mutate),
  coverageAnalysis: 'perTest',
  // A mutant of a module-level constant ("static") needs every test file reloaded; on this shared
  // 2-core machine that costs about a minute per mutant, so by default they are left out of the run
  // (and of the score). MUTATION_STATIC=1 includes them.
  ignoreStatic: process.env.MUTATION_STATIC !== '1',
  // The machine is shared: one test runner.
  concurrency: 1,
  timeoutMS: 5000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `.data/mutation/${name}.html` },
  jsonReporter: { fileName: `.data/mutation/${name}.json` },
  // The sandbox copy leaves out local data (broker jars, stores, snapshots).
  ignorePatterns: ['/.data', '/coverage', '/infra/kafka/target'],
  tempDirName: `.data/stryker-tmp-${name}`,
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: 85 },
};
