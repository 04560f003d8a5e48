import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { InventoryLoaderStack } from '../../examples/inventory-loader-stack';
import { SharedLoggingStack } from '../../examples/shared-logging-stack';
import { testApp } from '../support/cdk-context';
import { PACKS } from '../support/compliance';
import { checkNag } from '../support/nag-check';
import { once } from '../support/shared';

/** Built once for this file: both tests only read its templates. */
const sample = once((): { stack: InventoryLoaderStack; logging: SharedLoggingStack } => {
  const app = testApp();
  const logging = new SharedLoggingStack(app, 'SharedLogging');
  const stack = new InventoryLoaderStack(app, 'InventoryLoader', { accessLogBucket: logging.accessLogBucket });
  return { stack, logging };
});

test('InventoryLoader sample stack matches its snapshot', () => {
  const { stack, logging } = sample();
  const template = Template.fromStack(stack);
  expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
    ['BucketName', 'FunctionName', 'ReportPrefix', 'TableName', 'UploadPrefix', 'UploaderRoleArn'].sort(),
  );
  expect(template.toJSON()).toMatchSnapshot();
  expect(Template.fromStack(logging as Stack).toJSON()).toMatchSnapshot();
});

test('the guard exemption of the sample names only intrinsics its template uses', () => {
  // GIVEN the InventoryLoader entry of compliance/guard-exemptions.json and the sample template
  const exemptions = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', 'compliance', 'guard-exemptions.json'), 'utf8'),
  ) as { stack: string; reason: string }[];
  const reasons = exemptions.filter((e) => e.stack === 'InventoryLoader').map((e) => e.reason);
  const template = JSON.stringify(Template.fromStack(sample().stack).toJSON());
  // THEN every Fn::* the reasons name is in the template
  const named = reasons.flatMap((r) => [...r.matchAll(/Fn::[A-Za-z]+/g)].map((m) => m[0]));
  expect(named.length).toBeGreaterThan(0);
  for (const intrinsic of named) expect(template).toContain(`"${intrinsic}"`);
});

test("the sample's uploader role is clean under the five packs; its one acknowledgement is the upload prefix", () => {
  // GIVEN the sample stack (the uploader role given grantUpload) under every cdk-nag pack
  const report = checkNag((outdir) => {
    const app = testApp({ outdir });
    const logging = new SharedLoggingStack(app, 'SharedLogging');
    new InventoryLoaderStack(app, 'InventoryLoader', { accessLogBucket: logging.accessLogBucket });
    Validations.of(app).addPlugins(...PACKS.map((p) => p.create()));
    return app;
  });
  const inventory = report.stacks.find((s) => s.stack === 'InventoryLoader')!;
  // THEN nothing on the role is open, and the only acknowledgement on it is the upload-prefix resource wildcard
  const onRole = (p: string) => p.startsWith('InventoryLoader/UploaderRole');
  expect(inventory.nagViolations.filter((v) => onRole(v.path))).toEqual([]);
  expect(inventory.acknowledged.filter((a) => onRole(a.path)).map((a) => a.id)).toEqual([
    'Annotation::AwsSolutions-IAM5[Resource::<InventoryLoaderBucketF143B5E7.Arn>/uploads/*]',
  ]);
});
