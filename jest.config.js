const { availableParallelism } = require('node:os');

/** What every project shares. */
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // @middy/core 6 ships ESM only; let swc turn it into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/test/setup.ts'],
  // The drill's virtual clock, loaded outside the test file's vm context: the same library, at plain Node's speed
  // (test/support/fake-timers-outside-vm.ts says why).
  moduleNameMapper: { '^@sinonjs/fake-timers$': '<rootDir>/test/support/fake-timers-outside-vm.ts' },
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  testTimeout: 60000,
};

const project = (displayName, ...folders) => ({ ...common, displayName, testMatch: folders.map((f) => `<rootDir>/test/${f}/**/*.test.ts`) });

/**
 * One project per kind of test, so that one kind runs on its own (`npx jest --selectProjects infra`) and the
 * output says which kind a file is.
 *
 * Files run in parallel, one per worker (a worker is a process of its own); the tests of one file run one after
 * the other. So the drills, which install a process-wide virtual clock (local/sim/virtual-time.ts), never
 * overlap in one process: keep it so (no test.concurrent). The browser and manual-approval tests are the only
 * ones on the real clock, and they assert no durations, so sharing the machine with another worker changes
 * how long they take, never what they find.
 *
 * @type {import('jest').Config}
 */
module.exports = {
  projects: [
    project('unit', 'unit', 'property'),
    project('asl', 'asl'),
    // One entry loads every infra test file into one registry, so aws-cdk-lib loads once (test/infra/all-stacks.test.ts).
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/all-stacks.test.ts', '<rootDir>/test/infra/cloudformation-validation.test.ts'] },
    project('drills', 'e2e', 'failure-modes'),
    project('browser', 'browser'),
  ],
  // Jest's default is one worker fewer than the cores, which on two cores runs every file in one process, one
  // after the other; the tests are CPU-bound, so one worker per core.
  maxWorkers: availableParallelism(),
  testTimeout: 60000,
};
