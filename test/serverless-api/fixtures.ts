import { Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CollectionAttributeType, CollectionSchema, SecureKey, ServerlessApiProps } from '../../lib';

export const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

/** Every option of ServerlessApi on (the compliance matrix's `full` column uses the same). */
export function fullServerlessApiProps(stack: Stack): ServerlessApiProps {
  return {
    schema: CollectionSchema.of({
      name: 'books',
      keyAttribute: 'isbn',
      attributes: [
        { name: 'title', type: CollectionAttributeType.STRING, required: true, maxLength: 200 },
        { name: 'pages', type: CollectionAttributeType.INTEGER, min: 1 },
      ],
    }),
    allowedOrigins: ['https://app.example.com'],
    apiKeyRequired: true,
    throttlingRateLimit: 50,
    throttlingBurstLimit: 100,
    domainName: 'api.example.com',
    certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
    stageName: 'live',
    memorySize: 1024,
    provisionedConcurrency: 2,
    reservedConcurrency: 5,
    deploymentConfig: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
    latencyThreshold: Duration.millis(800),
    encryptionKey: new SecureKey(stack, 'TableKey', { description: 'books table' }),
    logRetention: logs.RetentionDays.TWO_YEARS,
  };
}
