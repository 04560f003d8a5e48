import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { AccessLogBucket, SecureLoadBalancer, SecureVpc } from '../../lib';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';

function loadBalancerIn(stack: Stack): Template {
  const lb = new SecureLoadBalancer(stack, 'Lb', { vpc: new SecureVpc(stack, 'Vpc') });
  lb.listener.addAction('Ok', { action: elbv2.ListenerAction.fixedResponse(200) });
  return Template.fromStack(stack);
}

function logDeliveryStatement(template: Template): Record<string, unknown> {
  const policies = template.findResources('AWS::S3::BucketPolicy');
  const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
  const statement = statements.find((s: { Action: string }) => s.Action === 's3:PutObject');
  expect(statement).toBeDefined();
  return statement;
}

describe('load balancer access logs', () => {
  test('work in an environment-agnostic stack through a region mapping resolved at deploy time', () => {
    // GIVEN a stack without account or region (stock logAccessLogs() throws here)
    const template = loadBalancerIn(agnosticStack());
    // THEN the ALB logs to the shared bucket
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.bucket', Value: { Ref: Match.stringLikeRegexp('CdkComputePatternsAccessLogs') } },
      ]),
    });
    // AND the bucket policy names the service principal plus the legacy ELB account from the mapping
    const statement = logDeliveryStatement(template) as { Principal: { Service: string; AWS: unknown } };
    expect(statement.Principal.Service).toBe('logdelivery.elasticloadbalancing.amazonaws.com');
    expect(JSON.stringify(statement.Principal.AWS)).toContain('CdkComputePatternsLegacyElbRegion');
    const mapping = template.toJSON().Mappings.CdkComputePatternsElbAccounts;
    expect(mapping['us-east-1']).toEqual({ account: '127311923021' });
    expect(mapping['ap-southeast-5']).toEqual({ account: 'none' });
    expect(template.toJSON().Conditions.CdkComputePatternsLegacyElbRegion).toBeDefined();
  });

  test('use the legacy ELB account directly in an environment-specific stack of an older region', () => {
    const template = loadBalancerIn(specificStack('Specific', 'us-east-1'));
    const statement = logDeliveryStatement(template) as { Principal: { Service: string; AWS: unknown } };
    expect(statement.Principal.Service).toBe('logdelivery.elasticloadbalancing.amazonaws.com');
    expect(JSON.stringify(statement.Principal.AWS)).toContain('127311923021');
    expect(template.toJSON().Mappings).toBeUndefined();
  });

  test('use only the service principal in a region opened after August 2022', () => {
    const template = loadBalancerIn(specificStack('Specific', 'ap-southeast-5'));
    const statement = logDeliveryStatement(template) as { Principal: Record<string, unknown> };
    expect(statement.Principal).toEqual({ Service: 'logdelivery.elasticloadbalancing.amazonaws.com' });
  });

  test('go to a central bucket in another stack, with the policy in that stack', () => {
    const app = testApp();
    const logs = new AccessLogBucket(new Stack(app, 'Logs'), 'Bucket');
    const web = new Stack(app, 'Web');
    new SecureLoadBalancer(web, 'Lb', { vpc: new SecureVpc(web, 'Vpc'), accessLogBucket: logs }).listener.addAction(
      'Ok',
      { action: elbv2.ListenerAction.fixedResponse(200) },
    );
    const logsTemplate = Template.fromStack(logs.stack);
    expect(logsTemplate.toJSON().Conditions.CdkComputePatternsLegacyElbRegion).toBeDefined();
    expect(Template.fromStack(web).toJSON().Conditions).toBeUndefined();
  });
});

describe('AccessLogBucket', () => {
  test('is private, TLS-only, SSE-S3, versioned, object-lock capable and expiring', () => {
    const stack = agnosticStack();
    AccessLogBucket.of(stack);
    AccessLogBucket.of(stack); // shared: the second call returns the first bucket
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      ObjectLockEnabled: true,
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 365, Status: 'Enabled' })]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    // AND no notifications custom resource Lambda
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });
});
