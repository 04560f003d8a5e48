import { Template } from 'aws-cdk-lib/assertions';
import { FargateServiceStack } from '../../examples/fargate-service-stack';
import { SharedLoggingStack } from '../../examples/shared-logging-stack';
import { testApp } from '../support/cdk-context';

describe('FargateServiceStack sample', () => {
  test('synthesizes the template in the snapshot', () => {
    // GIVEN the sample app's wiring: the central log bucket from SharedLogging
    const app = testApp();
    const logging = new SharedLoggingStack(app, 'SharedLogging');
    // WHEN the sample stack is built
    const stack = new FargateServiceStack(app, 'FargateService', {
      accessLogBucket: logging.accessLogBucket,
      deletionProtection: true,
    });
    // THEN its template matches the reviewed snapshot
    const template = Template.fromStack(stack);
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(['ClusterName', 'ServiceName', 'ServiceUrl']);
    expect(template.toJSON()).toMatchSnapshot();
  });
});
