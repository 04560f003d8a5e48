import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { InventoryLoaderStack } from '../../examples/inventory-loader-stack';
import { SharedLoggingStack } from '../../examples/shared-logging-stack';
import { testApp } from '../support/cdk-context';

test('InventoryLoader sample stack matches its snapshot', () => {
  const app = testApp();
  const logging = new SharedLoggingStack(app, 'SharedLogging');
  const stack = new InventoryLoaderStack(app, 'InventoryLoader', { accessLogBucket: logging.accessLogBucket });
  const template = Template.fromStack(stack);
  expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
    ['BucketName', 'FunctionName', 'ReportPrefix', 'TableName', 'UploadPrefix'].sort(),
  );
  expect(template.toJSON()).toMatchSnapshot();
  expect(Template.fromStack(logging as Stack).toJSON()).toMatchSnapshot();
});
