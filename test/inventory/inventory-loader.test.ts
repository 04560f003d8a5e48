import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { InventoryColumnType, InventoryLoader, InventorySchema, SecureBucket } from '../../lib';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';
import { checkNag } from '../support/nag-check';
import { importedIsolatedVpc } from './imported-vpc';

function synth(stack: Stack = agnosticStack(), props = {}): { template: Template; loader: InventoryLoader } {
  const loader = new InventoryLoader(stack, 'Loader', props);
  return { template: Template.fromStack(stack), loader };
}

/** Every statement of every IAM policy in the template, flattened. */
function statements(template: Template): { Action: string | string[]; Resource: unknown }[] {
  return Object.values(identityPolicies(template)).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** Inline (AWS::IAM::Policy) and customer managed (AWS::IAM::ManagedPolicy) policies, by logical id. */
function identityPolicies(template: Template): ReturnType<Template['findResources']> {
  return { ...template.findResources('AWS::IAM::Policy'), ...template.findResources('AWS::IAM::ManagedPolicy') };
}

describe('InventoryLoader', () => {
  describe('with defaults', () => {
    const { template, loader } = synth();

    test('creates a secure upload bucket that sends events to EventBridge natively', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]),
        },
      });
      // no BucketNotificationsHandler custom resource
      template.resourceCountIs('Custom::S3BucketNotifications', 0);
    });

    test('creates an inventory table keyed by sku with PITR, a customer managed key, deletion protection and RETAIN', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          KeySchema: [{ AttributeName: 'sku', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
          DeletionProtectionEnabled: true,
        }),
      });
    });

    test('creates a ledger table keyed by pk with a TTL', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
    });

    test('runs the prebuilt handler on Node.js 24, arm64, with tracing, JSON logs and import-sized limits', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 1024,
        Timeout: 900,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: Match.anyValue() }),
        VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
        Environment: {
          Variables: Match.objectLike({
            TABLE_NAME: Match.anyValue(),
            LEDGER_TABLE_NAME: Match.anyValue(),
            REPORT_PREFIX: 'reports/',
            NODE_OPTIONS: '--max-semi-space-size=4',
          }),
        },
      });
      const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
      expect(fn.Properties.Environment.Variables.INVENTORY_SCHEMA).toBeUndefined();
      // no reservation by default: Lambda refuses one that leaves less than its minimum unreserved pool
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
    });

    test('triggers on .csv/.xlsx uploads under uploads/ only, through EventBridge with retries and a DLQ', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: {
            bucket: { name: [Match.anyValue()] },
            object: {
              key: [
                { wildcard: 'uploads/*.csv' },
                { wildcard: 'uploads/*.CSV' },
                { wildcard: 'uploads/*.xlsx' },
                { wildcard: 'uploads/*.XLSX' },
              ],
            },
          },
        },
        Targets: [
          Match.objectLike({
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
            DeadLetterConfig: { Arn: Match.anyValue() },
          }),
        ],
      });
    });

    test('sends failed async invocations to the encrypted dead-letter queue with bounded retries', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        KmsMasterKeyId: Match.anyValue(),
        RedriveAllowPolicy: { redrivePermission: 'allowAll' },
      });
    });

    test('alarms on dead letters, errors and throttles, notifying the encrypted alarm topic', () => {
      for (const metric of ['ApproximateNumberOfMessagesVisible', 'Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metric,
          Threshold: 1,
          AlarmActions: [{ Ref: Match.stringLikeRegexp('CdkComputePatternsAlarms') }],
        });
      }
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    });

    test('grants read on the upload prefix, write on the report prefix and writes on the two tables only', () => {
      const all = statements(template);
      const s3Statements = all.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
      expect(s3Statements.map((s) => [s.Action].flat().sort())).toEqual([
        ['s3:GetObject', 's3:GetObjectVersion'],
        ['s3:ListBucket'],
        ['s3:AbortMultipartUpload', 's3:PutObject'],
      ]);
      expect(JSON.stringify(s3Statements[0].Resource)).toContain('/uploads/*');
      expect(JSON.stringify(s3Statements[2].Resource)).toContain('/reports/*');
      const actions = all.flatMap((s) => [s.Action].flat());
      expect(actions).not.toContain('s3:*');
      expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
        [
          'dynamodb:BatchWriteItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ].sort(),
      );
    });

    test('may list the bucket under the upload prefix only, so a vanished upload reads as NoSuchKey, not AccessDenied', () => {
      const list = statements(template).filter((s) => [s.Action].flat().includes('s3:ListBucket'));
      expect(list).toEqual([
        {
          Action: 's3:ListBucket',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LoaderBucket/), 'Arn'] },
          Condition: { StringLike: { 's3:prefix': ['uploads/*'] } },
        },
      ]);
    });

    test('gives the role the ENI permissions Lambda checks when it creates a VPC function, before the function exists', () => {
      // AWS requires the actions of AWSLambdaVPCAccessExecutionRole (without logs) for a function in a VPC
      const eniActions = [
        'ec2:AssignPrivateIpAddresses',
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:UnassignPrivateIpAddresses',
      ];
      const policies = Object.fromEntries(
        Object.entries(identityPolicies(template)).filter(([, p]) =>
          p.Properties.PolicyDocument.Statement.some(
            (s: { Effect: string; Action: string[]; Resource: unknown }) =>
              s.Effect === 'Allow' &&
              s.Resource === '*' &&
              JSON.stringify([s.Action].flat().sort()) === JSON.stringify(eniActions),
          ),
        ),
      );
      const [policyId] = Object.keys(policies);
      expect(policyId).toBeDefined();
      // on the function's role; Lambda validates them at create time, so the function waits for the policy
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(policies[policyId].Properties.Roles).toEqual([{ Ref: fn.Properties.Role['Fn::GetAtt'][0] }]);
      expect(fn.DependsOn).toEqual(expect.arrayContaining([policyId]));
      // the function's own code cannot use them (Lambda's ENI calls carry no lambda:SourceFunctionArn)
      expect(policies[policyId].Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { ArnLike: { 'lambda:SourceFunctionArn': 'arn:*:lambda:*:*:function:*' } },
          }),
        ]),
      );
    });

    test("keeps the statements that only work on * (ENI actions, X-Ray writes) out of the role's own policy", () => {
      // the role's grants are in its customer managed policy (Role/Policy), never inline
      template.resourceCountIs('AWS::IAM::Policy', 0);
      const defaults = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) =>
        id.startsWith('LoaderRolePolicy'),
      );
      expect(defaults).toHaveLength(1);
      const wildcard = defaults[0][1].Properties.PolicyDocument.Statement.filter(
        (s: { Effect: string; Resource: unknown }) => s.Effect === 'Allow' && JSON.stringify(s.Resource) === '"*"',
      );
      expect(wildcard).toEqual([]);
      // a customer managed policy (NIST/HIPAA/PCI IAMNoInlinePolicy)
      const service = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) =>
        id.includes('LambdaServicePolicy'),
      );
      expect(service).toHaveLength(1);
      expect(service[0][1].Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' }),
        ]),
      );
    });

    test('acknowledges IAM5[Resource::*] with a reason that names exactly the actions the service policy allows', () => {
      const metadata = loader.node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .map((m) => m.data as Record<string, string>);
      const reason = metadata.map((d) => d['Annotation::AwsSolutions-IAM5[Resource::*]']).find(Boolean) ?? '';
      const policy = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).find(([id]) =>
        id.includes('LambdaServicePolicy'),
      )?.[1];
      const allowed = policy?.Properties.PolicyDocument.Statement.filter(
        (s: { Effect: string }) => s.Effect === 'Allow',
      )
        .flatMap((s: { Action: string | string[] }) => [s.Action].flat())
        .sort();
      const named = [...reason.matchAll(/\b(ec2|xray):[A-Za-z]+/g)].map((m) => m[0]);
      expect([...new Set(named)].sort()).toEqual(allowed);
      expect(reason).toContain('lambda:SourceFunctionArn');
    });

    test('lets EventBridge use the dead-letter key only for the upload rule, in this account', () => {
      const rule = Object.values(template.findResources('AWS::Events::Rule'))[0];
      const ruleName = rule.Properties.Name as string;
      expect(ruleName).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowEventBridgeDeadLettersOfTheUploadRule',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: '*',
              Condition: {
                ArnEquals: {
                  'aws:SourceArn': {
                    'Fn::Join': [
                      '',
                      [
                        'arn:',
                        { Ref: 'AWS::Partition' },
                        ':events:',
                        { Ref: 'AWS::Region' },
                        ':',
                        { Ref: 'AWS::AccountId' },
                        `:rule/${ruleName}`,
                      ],
                    ],
                  },
                },
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              },
            },
          ]),
        },
      });
      // no other statement of any key names EventBridge without those conditions
      for (const key of Object.values(template.findResources('AWS::KMS::Key'))) {
        for (const s of key.Properties.KeyPolicy.Statement) {
          if (JSON.stringify(s.Principal ?? {}).includes('events.amazonaws.com')) {
            expect(s.Condition).toEqual(expect.objectContaining({ ArnEquals: expect.anything() }));
          }
        }
      }
    });

    test('runs in isolated subnets of its own VPC with an X-Ray endpoint only the function reaches', () => {
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.resourceCountIs('AWS::EC2::InternetGateway', 0);
      const endpoints = Object.values(
        template.findResources('AWS::EC2::VPCEndpoint', {
          Properties: { VpcEndpointType: 'Interface' },
        }),
      );
      expect(endpoints).toHaveLength(1);
      expect(JSON.stringify(endpoints[0].Properties.ServiceName)).toContain('.xray');
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: Match.anyValue(),
      });
    });
  });

  test('works in an environment-specific stack', () => {
    const { template } = synth(specificStack());
    // the import function and the provider function of the prefix-list lookup (AwsCustomResource)
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowEventBridgeDeadLettersOfTheUploadRule',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
          }),
        ]),
      },
    });
  });

  test('reserves concurrency when asked to', () => {
    const { template } = synth(agnosticStack(), { reservedConcurrency: 3 });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 3 });
  });

  describe.each([
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ])('in isolated subnets of a VPC you bring (%s stack)', (_kind, makeStack) => {
    const isolatedVpc = (stack: Stack) =>
      new ec2.Vpc(stack, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      });

    test('adds the S3 and DynamoDB gateway endpoints and an X-Ray endpoint only the function reaches', () => {
      const stack = makeStack();
      const loader = new InventoryLoader(stack, 'Loader', { vpc: isolatedVpc(stack) });
      const template = Template.fromStack(stack);
      const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e) =>
        JSON.stringify(e.Properties.ServiceName).replace(/.*\.([a-z0-9]+)"?\]*\]?\}?$/, '$1'),
      );
      expect(services.sort()).toEqual(['dynamodb', 's3', 'xray']);
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: stack.resolve(loader.securityGroup.securityGroupId),
      });
      template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: stack.resolve(loader.securityGroup.securityGroupId),
        FromPort: 443,
        DestinationSecurityGroupId: Match.anyValue(),
      });
    });

    test('fails when the VPC is imported and its endpoints are not declared', () => {
      const stack = makeStack();
      const vpc = importedIsolatedVpc(stack);
      expect(() => new InventoryLoader(stack, 'Loader', { vpc })).toThrow(
        new Error(
          `${stack.stackName}/Loader: the selected subnets have no route to the internet (2 PRIVATE_ISOLATED subnets) and the imported VPC ${stack.stackName}/Imported has no S3 or DynamoDB gateway endpoint in this app, so the import function could not reach S3 or DynamoDB. Add them where the VPC is defined (vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 }), and DYNAMODB), select subnets with a NAT route, or set vpcEndpointsProvided: true if they exist outside this app (verify checks them)`,
        ),
      );
    });

    /** A second stack of the same app and environment, holding the network. */
    const networkStack = (stack: Stack) =>
      new Stack(stack.node.root as Construct, 'Network', {
        env: Token.isUnresolved(stack.region) ? undefined : { account: stack.account, region: stack.region },
      });

    test('fails when the VPC of another stack has isolated subnets and no DynamoDB gateway endpoint', () => {
      // GIVEN an isolated VPC in another stack, with an S3 gateway endpoint but none for DynamoDB
      const stack = makeStack();
      const vpc = isolatedVpc(networkStack(stack));
      vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
      // WHEN / THEN
      expect(() => new InventoryLoader(stack, 'Loader', { vpc })).toThrow(
        new Error(
          `${stack.stackName}/Loader: the selected subnets have no route to the internet (2 PRIVATE_ISOLATED subnets) and the VPC Network/Vpc (another stack) has no DynamoDB gateway endpoint in this app, so the import function could not reach DynamoDB. Add them where the VPC is defined (vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 }), and DYNAMODB), select subnets with a NAT route, or set vpcEndpointsProvided: true if they exist outside this app (verify checks them)`,
        ),
      );
    });

    test('with both gateway endpoints in the other stack, asks only for the X-Ray interface endpoint', () => {
      // GIVEN an isolated VPC in another stack with the S3 and DynamoDB gateway endpoints
      const stack = makeStack();
      const vpc = isolatedVpc(networkStack(stack));
      vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
      vpc.addGatewayEndpoint('DynamoDB', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
      // WHEN / THEN the data routes pass; the X-Ray endpoint is what remains
      expect(() => new InventoryLoader(stack, 'Loader', { vpc })).toThrow(
        new Error(
          `${stack.stackName}/Loader: the selected subnets have no route to the internet (PRIVATE_ISOLATED), so the compute needs VPC interface endpoints for xray; they can only be added here to a VPC defined in the same stack. Select subnets with egress (NAT), create the endpoints yourself and set vpcEndpointsProvided: true, or define the VPC in this stack`,
        ),
      );
    });

    test('counts gateway endpoints the app creates for an imported VPC, wherever they are defined', () => {
      // GIVEN the S3 and DynamoDB gateway endpoints of an imported VPC, defined next to it (not under it)
      const stack = makeStack();
      const vpc = importedIsolatedVpc(stack);
      new ec2.GatewayVpcEndpoint(stack, 'S3', { vpc, service: ec2.GatewayVpcEndpointAwsService.S3 });
      new ec2.GatewayVpcEndpoint(stack, 'DynamoDB', { vpc, service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
      // WHEN / THEN the data routes pass; the X-Ray interface endpoint is what remains
      expect(() => new InventoryLoader(stack, 'Loader', { vpc })).toThrow(
        new Error(
          `${stack.stackName}/Loader: the selected subnets have no route to the internet (PRIVATE_ISOLATED), so the compute needs VPC interface endpoints for xray; they can only be added here to a VPC defined in the same stack. Select subnets with egress (NAT), create the endpoints yourself and set vpcEndpointsProvided: true, or define the VPC in this stack`,
        ),
      );
    });

    test('trusts vpcEndpointsProvided and adds nothing', () => {
      const stack = makeStack();
      const vpc = importedIsolatedVpc(stack, '10.20.0.0/16');
      new InventoryLoader(stack, 'Loader', { vpc, vpcEndpointsProvided: true });
      Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    });
  });

  test('uses a bucket and table you bring, and passes a custom schema to the function', () => {
    const stack = agnosticStack();
    const bucket = new s3.Bucket(stack, 'Mine');
    SecureBucket.enableNativeEventBridge(bucket);
    const table = new dynamodb.Table(stack, 'MyTable', {
      partitionKey: { name: 'code', type: dynamodb.AttributeType.STRING },
    });
    const schema = InventorySchema.of({
      keyColumn: 'code',
      columns: [
        { name: 'code', type: InventoryColumnType.STRING, required: true },
        { name: 'stock', type: InventoryColumnType.INTEGER, required: true, min: 0 },
      ],
      keepExtraColumns: false,
    });
    const loader = new InventoryLoader(stack, 'Loader', { bucket, table, schema, memorySize: 2048 });
    expect(loader.bucket).toBe(bucket);
    expect(loader.table).toBe(table);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Environment: { Variables: Match.objectLike({ INVENTORY_SCHEMA: schema.toJson() }) },
    });
    expect(JSON.parse(schema.toJson())).toMatchObject({ key: 'code', extraColumns: 'ignore' });
  });

  test('acknowledges its prefix-scoped S3 grants on an imported bucket too, leaving no open cdk-nag finding', () => {
    const report = checkNag((outdir) => {
      const app = testApp({ outdir });
      const stack = new Stack(app, 'Imported');
      new InventoryLoader(stack, 'Loader', { bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'existing-bucket') });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
      return app;
    });
    expect(report.stacks[0].nagViolations).toEqual([]);
    expect(report.stacks[0].acknowledged.map((a) => a.id)).toEqual(
      expect.arrayContaining([
        'Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::existing-bucket/uploads/*]',
        'Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::existing-bucket/reports/*]',
      ]),
    );
  });

  test('runs in a VPC you bring, in its private subnets', () => {
    const stack = agnosticStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    new InventoryLoader(stack, 'Loader', { vpc });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' }, 0);
  });

  describe.each([
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ])('with a table you bring (%s stack)', (_kind, makeStack) => {
    test('fails when its partition key is not the schema key column', () => {
      const stack = makeStack();
      const table = new dynamodb.Table(stack, 'Items', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      });
      expect(() => new InventoryLoader(stack, 'Loader', { table })).toThrow(
        `${stack.stackName}/Loader: the table's partition key must be the schema's key column 'sku' of type S (string); received 'id' of type S. Pass a table keyed by 'sku' of type STRING, or a schema whose keyColumn names the table's partition key`,
      );
    });

    test('fails when its partition key is not a string', () => {
      const stack = makeStack();
      const table = new dynamodb.Table(stack, 'Items', {
        partitionKey: { name: 'sku', type: dynamodb.AttributeType.NUMBER },
      });
      expect(() => new InventoryLoader(stack, 'Loader', { table })).toThrow(
        `${stack.stackName}/Loader: the table's partition key must be the schema's key column 'sku' of type S (string); received 'sku' of type N. Pass a table keyed by 'sku' of type STRING, or a schema whose keyColumn names the table's partition key`,
      );
    });

    test('fails when it has a sort key', () => {
      const stack = makeStack();
      const table = new dynamodb.Table(stack, 'Items', {
        partitionKey: { name: 'sku', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'warehouse', type: dynamodb.AttributeType.STRING },
      });
      expect(() => new InventoryLoader(stack, 'Loader', { table })).toThrow(
        `${stack.stackName}/Loader: the table must not have a sort key, because the import engine writes each row by 'sku' alone; received sort key 'warehouse'. Pass a table with the partition key 'sku' only`,
      );
    });
  });

  describe.each([
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ])('with a bucket you bring (%s stack)', (_kind, makeStack) => {
    test('fails when it does not send events to EventBridge', () => {
      const stack = makeStack();
      new InventoryLoader(stack, 'Loader', { bucket: new s3.Bucket(stack, 'Plain') });
      expect(() => Template.fromStack(stack)).toThrow(
        `${stack.stackName}/Loader: the bucket ${stack.stackName}/Plain does not send its events to EventBridge, so no upload would start an import. Call SecureBucket.enableNativeEventBridge(bucket) (plain CloudFormation) or create it with eventBridgeEnabled: true, or let the InventoryLoader create its bucket`,
      );
    });

    test('accepts EventBridge turned on after the loader, natively or with eventBridgeEnabled', () => {
      const stack = makeStack();
      const native = new s3.Bucket(stack, 'Native');
      new InventoryLoader(stack, 'Loader', { bucket: native });
      SecureBucket.enableNativeEventBridge(native);
      new InventoryLoader(stack, 'Loader2', {
        bucket: new s3.Bucket(stack, 'Cdk', { eventBridgeEnabled: true }),
        vpc: new ec2.Vpc(stack, 'Vpc2', { maxAzs: 2 }),
      });
      expect(() => Template.fromStack(stack)).not.toThrow();
    });
  });

  test('grantUpload and grantReadReports grant exact actions on their prefix and the bucket key through S3 only', () => {
    // GIVEN
    const stack = agnosticStack();
    const loader = new InventoryLoader(stack, 'Loader');
    const uploader = new iam.Role(stack, 'Uploader', { assumedBy: new iam.AccountRootPrincipal() });
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN
    loader.grantUpload(uploader);
    loader.grantReadReports(reader);
    // THEN each policy holds exactly these statements: no wildcard action (AwsSolutions-IAM5 the user could not avoid)
    const template = Template.fromStack(stack);
    const bucket = stack.resolve((loader.bucket as s3.Bucket).bucketArn);
    const key = stack.resolve(loader.bucket.encryptionKey!.keyArn);
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucket, `/${prefix}*`]] });
    const viaS3 = {
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
    };
    const statementsOf = (role: iam.Role) =>
      Object.values(template.findResources('AWS::IAM::Policy')).find(
        (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([stack.resolve(role.roleName)]),
      )?.Properties.PolicyDocument.Statement;
    expect(statementsOf(uploader)).toEqual([
      { Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: objects('uploads/') },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: key, Condition: viaS3 },
    ]);
    expect(statementsOf(reader)).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('reports/') },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: key, Condition: viaS3 },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucket,
        Condition: { StringLike: { 's3:prefix': ['reports/*'] } },
      },
    ]);
  });

  test('fails when the prefixes overlap', () => {
    expect(() => synth(agnosticStack(), { uploadPrefix: 'data/', reportPrefix: 'data/reports/' })).toThrow(
      new Error(
        `Agnostic/Loader: uploadPrefix ('data/') and reportPrefix ('data/reports/') must not overlap, or reports would trigger imports of themselves`,
      ),
    );
  });

  test('fails when a prefix does not end in a slash', () => {
    expect(() => synth(agnosticStack(), { uploadPrefix: 'uploads' })).toThrow(
      new Error(
        `Agnostic/Loader: uploadPrefix must be a non-empty key prefix ending in '/' (such as 'uploads/'); received 'uploads'`,
      ),
    );
  });

  test('fails when memory is below what a spreadsheet import needs', () => {
    expect(() => synth(agnosticStack(), { memorySize: 128 })).toThrow(
      new Error(`Agnostic/Loader: memorySize must be an integer between 512 and 10240; received 128`),
    );
  });

  test('fails when the timeout is the Lambda default of 3 seconds', () => {
    expect(() => synth(agnosticStack(), { timeout: Duration.seconds(3) })).toThrow(
      new Error(
        `Agnostic/Loader: timeout must be between 1 and 15 minutes for a spreadsheet import; received 3 seconds`,
      ),
    );
  });

  test('fails when reserved concurrency is zero (the function could never run)', () => {
    expect(() => synth(agnosticStack(), { reservedConcurrency: 0 })).toThrow(
      new Error(`Agnostic/Loader: reservedConcurrency must be an integer between 1 and 1000; received 0`),
    );
  });

  test('fails when the schema key is not a required string column', () => {
    expect(() =>
      InventorySchema.of({
        keyColumn: 'id',
        columns: [{ name: 'id', type: InventoryColumnType.INTEGER, required: true }],
      }),
    ).toThrow("Invalid inventory schema: key column 'id' must have type 'string' and required: true");
  });
});

describe('InventoryLoader connections, grants, alarms and metrics', () => {
  test('is IConnectable through the function security group and IGrantable through the function role', () => {
    // GIVEN
    const stack = agnosticStack();
    const loader = new InventoryLoader(stack, 'Loader');
    const dbSg = new ec2.SecurityGroup(stack, 'Db', { vpc: loader.vpc });
    // WHEN
    dbSg.connections.allowFrom(loader, ec2.Port.tcp(5432));
    new s3.Bucket(stack, 'Extra').grantRead(loader);
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      SourceSecurityGroupId: {
        'Fn::GetAtt': [stack.getLogicalId(loader.securityGroup.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'],
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: stack.getLogicalId(loader.function.role!.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']) })]),
      },
    });
  });

  test('exposes its alarms as a named object, each notifying alarmTopic on the metric its helper returns', () => {
    const stack = agnosticStack();
    const topic = new sns.Topic(stack, 'Ops');
    const loader = new InventoryLoader(stack, 'Loader', { alarmTopic: topic });
    const template = Template.fromStack(stack);
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const topicRef = { Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) };
    for (const [alarm, metric] of [
      [loader.alarms.deadLetter, loader.metricDeadLetterMessages()],
      [loader.alarms.errors, loader.metricErrors()],
      [loader.alarms.throttles, loader.metricThrottles()],
    ] as const) {
      const props = alarms[stack.getLogicalId(alarm.node.defaultChild as CfnAlarm)].Properties;
      expect(props).toMatchObject({ MetricName: metric.metricName, AlarmActions: [topicRef] });
    }
    expect(loader.alarmTopic).toBe(topic);
    expect(loader.metricErrors().statistic).toBe('Sum');
    expect(loader.metricDeadLetterMessages().statistic).toBe('Maximum');
  });
});
