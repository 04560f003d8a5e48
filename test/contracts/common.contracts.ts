/**
 * Runtime contracts of the shared building blocks in lib/common: the alarm
 * topic and its key, the log-group key, and the VPC flow log.
 */
import { arn, ContractGroup, ref, role, RuntimeContract, service, Value } from '../support/runtime-contracts';

const ALARM_KEY = 'CdkComputePatternsAlarmsKey';
const ALARM_TOPIC = 'CdkComputePatternsAlarms';
const LOG_KEY = 'CdkComputePatternsLogKey';

/** CloudWatch alarms publishing to the library's encrypted alarm topic (lib/common/alarm-topic.ts). */
export function alarmTopicContracts(p: { alarm: string }): ContractGroup {
  const alarmArn = arn('AWS::CloudWatch::Alarm', p.alarm);
  const own = { 'aws:SourceArn': alarmArn, 'aws:SourceAccount': '{account}' };
  const foreign = {
    'aws:SourceArn': 'arn:aws:cloudwatch:{region}:{otherAccount}:alarm:their-alarm',
    'aws:SourceAccount': '{otherAccount}',
  };
  const topic = ref('AWS::SNS::Topic', ALARM_TOPIC);
  const key = arn('AWS::KMS::Key', ALARM_KEY);
  return {
    pattern: 'Alarm topic (lib/common)',
    contracts: [
      {
        caller: service('cloudwatch.amazonaws.com'),
        action: 'sns:Publish',
        resource: topic,
        context: own,
        phase: 'run',
        why: 'An alarm of this stack changes state and notifies the alarm topic.',
        expect: 'allowed',
      },
      {
        caller: service('cloudwatch.amazonaws.com'),
        action: 'kms:GenerateDataKey',
        resource: key,
        context: own,
        phase: 'run',
        why: 'CloudWatch encrypts the notification for the topic with the alarm key.',
        expect: 'allowed',
      },
      {
        caller: service('cloudwatch.amazonaws.com'),
        action: 'kms:Decrypt',
        resource: key,
        context: own,
        phase: 'run',
        why: 'CloudWatch decrypts the data key it generated for the topic.',
        expect: 'allowed',
      },
      {
        caller: service('cloudwatch.amazonaws.com'),
        action: 'sns:Publish',
        resource: topic,
        context: foreign,
        phase: 'run',
        why: "Confused deputy: another account's alarm must not publish to this topic.",
        expect: 'denied',
      },
      {
        caller: service('cloudwatch.amazonaws.com'),
        action: 'kms:GenerateDataKey',
        resource: key,
        context: foreign,
        phase: 'run',
        why: "Confused deputy: CloudWatch acting for another account's alarm must not use the alarm key.",
        expect: 'denied',
      },
    ],
  };
}

/**
 * CloudWatch alarms using the key of an alarm topic the user gave (lib/common/alarm-topic.ts `alarmTopicFor`): the
 * key statement the construct adds when the key is managed in the app. (The topic's publish permission is the
 * user's own topic policy, or SNS's default one, which the template does not show.)
 */
export function alarmTopicKeyContracts(p: { alarm: string; key: string }): ContractGroup {
  const key = arn('AWS::KMS::Key', p.key);
  const own = { 'aws:SourceArn': arn('AWS::CloudWatch::Alarm', p.alarm), 'aws:SourceAccount': '{account}' };
  return {
    pattern: "Alarm topic of the user's (lib/common)",
    contracts: [
      ...(['kms:GenerateDataKey', 'kms:Decrypt'] as const).map((action): RuntimeContract => ({
        caller: service('cloudwatch.amazonaws.com'),
        action,
        resource: key,
        context: own,
        phase: 'run',
        why: `CloudWatch encrypts the notification of an alarm of this stack for the user's topic with its key (${action}).`,
        expect: 'allowed',
      })),
      {
        caller: service('cloudwatch.amazonaws.com'),
        action: 'kms:GenerateDataKey',
        resource: key,
        context: {
          'aws:SourceArn': 'arn:aws:cloudwatch:{region}:{otherAccount}:alarm:their-alarm',
          'aws:SourceAccount': '{otherAccount}',
        },
        phase: 'run',
        why: "Confused deputy: CloudWatch acting for another account's alarm must not use the user's key.",
        expect: 'denied',
      },
    ],
  };
}

/**
 * CloudWatch Logs using the library's log key for the given log groups
 * (lib/common/log-group.ts): the service encrypts with the log group's ARN as
 * encryption context.
 */
export function logKeyContracts(p: { logGroups: string[] }): ContractGroup {
  const key = arn('AWS::KMS::Key', LOG_KEY);
  const logs = service('logs.{region}.amazonaws.com');
  return {
    pattern: 'Log key (lib/common)',
    contracts: [
      ...p.logGroups.flatMap((logGroup) => {
        const context = {
          'kms:EncryptionContext:aws:logs:arn': [
            'arn:aws:logs:{region}:{account}:log-group:',
            ref('AWS::Logs::LogGroup', logGroup),
          ],
        };
        return [
          {
            caller: logs,
            action: 'kms:GenerateDataKey',
            resource: key,
            context,
            phase: 'deploy' as const,
            why: `CloudWatch Logs checks, when ${logGroup} is created, and later uses the key to encrypt its events.`,
            expect: 'allowed' as const,
          },
          {
            caller: logs,
            action: 'kms:Decrypt',
            resource: key,
            context,
            phase: 'run' as const,
            why: `CloudWatch Logs decrypts ${logGroup}'s events when they are read.`,
            expect: 'allowed' as const,
          },
        ];
      }),
      {
        caller: logs,
        action: 'kms:GenerateDataKey',
        resource: key,
        context: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:{region}:{otherAccount}:log-group:theirs' },
        phase: 'run',
        why: "Confused deputy: another account's log group must not be encrypted with this key.",
        expect: 'denied',
      },
    ],
  };
}

/** The VPC flow log of a SecureVpc (lib/common/secure-vpc.ts) delivering to its encrypted log group. */
export function vpcFlowLogContracts(vpc: string): ContractGroup {
  const flowRole = `${vpc}FlowLogRole`;
  return {
    pattern: 'VPC flow log (lib/common)',
    contracts: [
      {
        caller: service('vpc-flow-logs.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', flowRole),
        context: {
          'aws:SourceAccount': '{account}',
          'aws:SourceArn': 'arn:aws:ec2:{region}:{account}:vpc-flow-log/fl-0123456789abcdef0',
        },
        phase: 'deploy',
        why: 'VPC Flow Logs assumes the delivery role when the flow log is created.',
        expect: 'allowed',
      },
      {
        caller: service('vpc-flow-logs.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', flowRole),
        context: {
          'aws:SourceAccount': '{account}',
          'aws:SourceArn': 'arn:aws:ec2:ca-west-1:{account}:vpc-flow-log/fl-0123456789abcdef0',
        },
        phase: 'deploy',
        why: 'Confused deputy: a flow log of another Region of the account cannot be delivered with this role.',
        expect: 'denied',
      },
      {
        caller: service('vpc-flow-logs.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', flowRole),
        context: { 'aws:SourceAccount': '{otherAccount}' },
        phase: 'deploy',
        why: "Confused deputy: another account's flow log cannot be delivered with this role.",
        expect: 'denied',
      },
      {
        caller: role(flowRole),
        action: 'logs:PutLogEvents',
        resource: [
          'arn:aws:logs:{region}:{account}:log-group:',
          ref('AWS::Logs::LogGroup', `${vpc}FlowLogGroup`),
          ':log-stream:eni-0123456789abcdef0-all',
        ],
        phase: 'run',
        why: 'The flow log writes records to its log group.',
        expect: 'allowed',
      },
    ],
  };
}

/**
 * The network-interface calls of a VPC Lambda function's role (lib/common/vpc-function-role.ts): Lambda's
 * checks at CreateFunction, and the same call denied to the function's own code (lambda:SourceFunctionArn).
 */
export function vpcFunctionRoleContracts(p: { role: string; fn: Value; what: string }): RuntimeContract[] {
  const eni = 'arn:aws:ec2:{region}:{account}:network-interface/eni-0123456789abcdef0';
  return [
    ...['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface'].map(
      (action): RuntimeContract => ({
        caller: role(p.role),
        action,
        resource: action === 'ec2:DescribeNetworkInterfaces' ? '*' : eni,
        phase: 'deploy',
        why: `Lambda checks at CreateFunction that a VPC function's role allows ${action} (Hyperplane ENIs), and rejects the function otherwise.`,
        expect: 'allowed',
      }),
    ),
    {
      caller: role(p.role),
      action: 'ec2:CreateNetworkInterface',
      resource: eni,
      context: { 'lambda:SourceFunctionArn': p.fn },
      phase: 'run',
      why: `Least privilege: ${p.what} (the role's credentials inside the function) must not create network interfaces.`,
      expect: 'denied',
    },
  ];
}

const PREFIX_LISTS = 'CdkComputePatternsPrefixLists';

/**
 * The deploy-time lookup of the AWS-managed S3 and DynamoDB prefix-list ids (lib/common/managed-prefix-lists.ts):
 * CloudFormation invokes aws-cdk-lib's AwsCustomResource provider function, which runs with the lookup's role.
 */
export function prefixListLookupContracts(): ContractGroup {
  const lookupRole = role(`${PREFIX_LISTS}Role`);
  const logStream: Value = [
    'arn:aws:logs:{region}:{account}:log-group:',
    ref('AWS::Logs::LogGroup', `${PREFIX_LISTS}LogGroup`),
    ':log-stream:2026/01/01/[$LATEST]0123',
  ];
  return {
    pattern: 'Prefix-list lookup (lib/common)',
    contracts: [
      {
        caller: service('lambda.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', `${PREFIX_LISTS}Role`),
        phase: 'deploy',
        why: 'Lambda assumes the lookup role to run the AwsCustomResource provider function.',
        expect: 'allowed',
      },
      {
        caller: lookupRole,
        action: 'ec2:DescribeManagedPrefixLists',
        resource: '*',
        phase: 'deploy',
        why: 'The lookup reads the ids of com.amazonaws.<region>.s3 and .dynamodb (prefix-list-name filter) for the egress rules.',
        expect: 'allowed',
      },
      {
        caller: lookupRole,
        action: 'ec2:ModifyManagedPrefixList',
        resource: 'arn:aws:ec2:{region}:{account}:prefix-list/pl-0123456789abcdef0',
        phase: 'deploy',
        why: 'The lookup only reads: it must not change a prefix list.',
        expect: 'denied',
      },
      ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action): RuntimeContract => ({
        caller: lookupRole,
        action,
        resource: logStream,
        phase: 'deploy',
        why: `The provider function writes its logs to the lookup's own log group (${action}).`,
        expect: 'allowed',
      })),
    ],
  };
}
