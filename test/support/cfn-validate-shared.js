// What `require('@aws/cloudformation-validate')` gives aws-cdk-lib inside jest (jest.config.js `moduleNameMapper`):
// the package as loaded once by this worker, whose `CompositeEngine` is shared between test files. See
// ./worker-environment.js for why and how.
const shared = globalThis[Symbol.for('cdk-compute-patterns.worker-shared')];
if (!shared) {
  throw new Error(
    'test/support/cfn-validate-shared.js needs the test environment test/support/worker-environment.js ' +
      '(jest.config.js testEnvironment); a file that sets another @jest-environment cannot synthesize with it',
  );
}
module.exports = shared.cfnValidate();
