/**
 * Runs in every jest worker before the tests, so that `npm test` prints the test summary and the compliance table
 * and nothing else (issue: quiet tests).
 *
 * - The AWS SDK v3 warns once per process that its releases after January 2027 need Node.js 22; the tests run on
 *   Node.js 20 on purpose (the machine's), and the Lambda functions run on 22/24. The SDK reads this variable.
 * - aws-cdk-lib prints the validation report (cdk-nag findings, annotation warnings) with `console.error` on every
 *   synth that has one. Tests read the same report from `validation-report.json` or through `Annotations` and assert
 *   on it; printing it again for warnings a test provokes on purpose is noise. Only that report is dropped: any other
 *   console.error still prints.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const printError = console.error.bind(console);
console.error = (...args: unknown[]): void => {
  const first = args[0];
  if (typeof first === 'string' && first.includes('A copy of this report can be found in:')) return;
  printError(...args);
};

/**
 * aws-cdk-lib's own StepScalingPolicy passes `cooldown: undefined` to StepScalingAction, and jsii's deprecation
 * check reports the key even when it is undefined (HighlyAvailableFleet's `cpuStepScaling` sets no cooldown). Only
 * that one message is dropped; every other deprecation warning still prints.
 */
const printWarning = console.warn.bind(console);
console.warn = (...args: unknown[]): void => {
  // jsii prints it as console.warn('[WARNING]', message): read every argument.
  if (args.map(String).join(' ').includes('aws_autoscaling.StepScalingActionProps#cooldown is deprecated')) return;
  printWarning(...args);
};
