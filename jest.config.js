const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  // jest-environment-node plus what a worker shares between its test files: one construction of aws-cdk-lib's
  // template-validation engine (see test/support/worker-environment.js; the mapping below hands it to aws-cdk-lib).
  testEnvironment: '<rootDir>/test/support/worker-environment.js',
  moduleNameMapper: {
    '^@aws/cloudformation-validate$': '<rootDir>/test/support/cfn-validate-shared.js',
  },
  roots: ['<rootDir>/test'],
  // One temporary directory per run (TMPDIR for the workers), removed at the end: aws-cdk-lib leaves a cdk.out*
  // directory per App in the system temp directory (test/support/global-setup.js).
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  // The files that build the values shared across the run start first (see the sequencer).
  testSequencer: '<rootDir>/test/support/sequencer.js',
  testMatch: ['**/*.test.ts'],
  transform: {
    // tsconfig.json sets isolatedModules: tests are transpiled file by file, by esbuild (see the transform), and
    // `tsc --noEmit` (npm run static-checks, part of npm test) type-checks them.
    '^.+\\.tsx?$': '<rootDir>/test/support/esbuild-transform.js',
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/support/jest-setup.ts'],
  snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.js'],
  testTimeout: 120000,
  // Jest's default is one worker fewer than the cores, which on a 2-core machine is one worker: every suite ran in
  // band, one core idle. Most suites are CPU-bound synths that share nothing, so use every core (at least two).
  maxWorkers: Math.max(2, os.availableParallelism()),
};
