import { Template } from 'aws-cdk-lib/assertions';
import { ServerlessApiStack } from '../../examples/serverless-api-stack';
import { testApp } from '../support/cdk-context';

test('ServerlessApi sample stack matches its snapshot', () => {
  // GIVEN the sample stack as bin/app.ts builds it
  const stack = new ServerlessApiStack(testApp(), 'ServerlessApi');
  // THEN it emits the outputs verify reads, and its template is the reviewed one
  const template = Template.fromStack(stack);
  expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
    // the verify outputs, and the endpoint output aws-apigateway's RestApi always adds
    ['ApiUrl', 'CollectionName', 'KeyAttribute', 'TableName', 'UsersApiEndpointB6BCE2E2'].sort(),
  );
  expect(template.toJSON()).toMatchSnapshot();
});
