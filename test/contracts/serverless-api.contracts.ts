/**
 * Runtime contracts of ServerlessApi (lib/serverless-api): API Gateway invoking the live aliases of the read,
 * write and delete functions with its invoke role, each function's DynamoDB, KMS, X-Ray, Logs and network
 * calls (least privilege per route group), CodeDeploy shifting the aliases, API Gateway writing its logs with
 * the account's CloudWatch role, and AWS WAF delivering its logs.
 */
import { arn, ContractGroup, ref, role, RuntimeContract, service, Value } from '../support/runtime-contracts';
import { vpcFunctionRoleContracts } from './common.contracts';

export interface ServerlessApiContractOptions {
  /** The construct id of the ServerlessApi (logical-id prefix of what it creates). */
  readonly prefix: string;
  /** Logical-id prefix of a bring-your-own table key. @default - the construct's own `<prefix>TableKey` */
  readonly tableKey?: string;
  /** The stage name. @default 'prod' */
  readonly stageName?: string;
  /** The collection's name (the first path segment). @default 'users' */
  readonly collection?: string;
}

type Group = 'Read' | 'Write' | 'Delete';
const GROUPS: Group[] = ['Read', 'Write', 'Delete'];

/** What each route group's role may do on the table, and what it must not (docs/SERVERLESS-API.md). */
const TABLE_ACTIONS: Record<Group, { allowed: string[]; denied: string[]; routes: string }> = {
  Read: {
    allowed: ['dynamodb:GetItem', 'dynamodb:Scan'],
    denied: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
    routes: 'GET /{collection} (one bounded Scan page) and GET /{collection}/{id} (GetItem)',
  },
  Write: {
    allowed: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
    denied: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:BatchWriteItem'],
    routes: 'POST (conditional PutItem) and PUT (conditional UpdateItem)',
  },
  Delete: {
    allowed: ['dynamodb:DeleteItem'],
    denied: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:Scan'],
    routes: 'DELETE /{collection}/{id} (conditional DeleteItem)',
  },
};

export function serverlessApiContracts(o: ServerlessApiContractOptions): ContractGroup {
  const p = o.prefix;
  const stage = o.stageName ?? 'prod';
  const collection = o.collection ?? 'users';
  const table = arn('AWS::DynamoDB::Table', `${p}Table`);
  const tableKey = arn('AWS::KMS::Key', o.tableKey ?? `${p}TableKey`);
  const invokeRole = role(`${p}InvokeRole`);
  const deploymentRole = role(`${p}DeploymentRole`);
  const alias = (g: Group) => ref('AWS::Lambda::Alias', `${p}${g}LiveAlias`);
  const fn = (g: Group) => arn('AWS::Lambda::Function', `${p}${g}Function`);
  const logStream = (g: Group): Value => [
    'arn:aws:logs:{region}:{account}:log-group:',
    ref('AWS::Logs::LogGroup', `${p}${g}LogGroup`),
    ':log-stream:2026/01/01/[live]0123',
  ];
  const viaDynamo = { 'kms:ViaService': 'dynamodb.{region}.amazonaws.com' };
  const run = (c: Omit<RuntimeContract, 'phase'>): RuntimeContract => ({ phase: 'run', ...c });

  const apiGateway: RuntimeContract[] = [
    run({
      caller: service('apigateway.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${p}InvokeRole`),
      why: "API Gateway assumes the integration's credentials role for each request; it sets neither aws:SourceArn nor aws:SourceAccount on that call, so the trust policy must not require them.",
      expect: 'allowed',
    }),
    run({
      caller: service('apigateway.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${p}InvokeRole`),
      context: { 'aws:SourceAccount': '{otherAccount}' },
      why: "Confused deputy: should API Gateway name the source account, another account's API must not get the invoke role (API Gateway already refuses another account's credentials role).",
      expect: 'denied',
    }),
    ...GROUPS.map((g) =>
      run({
        caller: invokeRole,
        action: 'lambda:InvokeFunction',
        resource: alias(g),
        why: `API Gateway invokes the ${g.toLowerCase()} function's live alias (the Lambda proxy integration's URI) with the invoke role.`,
        expect: 'allowed',
      }),
    ),
    ...GROUPS.map((g) =>
      run({
        caller: invokeRole,
        action: 'lambda:InvokeFunction',
        resource: fn(g),
        why: `Only the live alias takes traffic, so CodeDeploy's canary decides which version answers: the invoke role cannot call the unqualified ${g.toLowerCase()} function ($LATEST).`,
        expect: 'denied',
      }),
    ),
    run({
      caller: invokeRole,
      action: 'lambda:InvokeFunction',
      resource: 'arn:aws:lambda:{region}:{account}:function:someone-elses-function',
      why: 'Least privilege: the invoke role invokes the three live aliases and nothing else.',
      expect: 'denied',
    }),
    ...GROUPS.flatMap((g) => [
      run({
        caller: service('apigateway.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        resource: alias(g),
        context: {
          'aws:SourceArn': `arn:aws:execute-api:{region}:{otherAccount}:theirapi/${stage}/GET/${collection}`,
          'aws:SourceAccount': '{otherAccount}',
        },
        why: `Confused deputy: another account's API (an integration without credentials, through the function's resource policy) must not invoke the ${g.toLowerCase()} alias.`,
        expect: 'denied',
      }),
      run({
        caller: service('apigateway.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        resource: alias(g),
        context: {
          'aws:SourceArn': `arn:aws:execute-api:{region}:{account}:otherapi/${stage}/GET/${collection}`,
          'aws:SourceAccount': '{account}',
        },
        why: `Confused deputy: another API of the same account must not invoke the ${g.toLowerCase()} alias: its resource policy stays empty.`,
        expect: 'denied',
      }),
    ]),
  ];

  const functions: RuntimeContract[] = GROUPS.flatMap((g, i) => {
    const fnRole = role(`${p}${g}Role`);
    const actions = TABLE_ACTIONS[g];
    const next = GROUPS[(i + 1) % GROUPS.length];
    return [
      {
        caller: service('lambda.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', `${p}${g}Role`),
        phase: 'deploy' as const,
        why: `Lambda assumes the ${g.toLowerCase()} role to run the function.`,
        expect: 'allowed' as const,
      },
      ...vpcFunctionRoleContracts({
        role: `${p}${g}Role`,
        fn: fn(g),
        what: `the ${g.toLowerCase()} routes' code`,
      }),
      ...actions.allowed.map((action) =>
        run({
          caller: fnRole,
          action,
          resource: table,
          why: `The ${g.toLowerCase()} function serves ${actions.routes.replace(/\{collection\}/g, collection)} with ${action}.`,
          expect: 'allowed',
        }),
      ),
      ...actions.denied.map((action) =>
        run({
          caller: fnRole,
          action,
          resource: table,
          why: `Least privilege per route group: the ${g.toLowerCase()} function must not ${action.split(':')[1]}.`,
          expect: 'denied',
        }),
      ),
      run({
        caller: fnRole,
        action: actions.allowed[0],
        resource: 'arn:aws:dynamodb:{region}:{account}:table/someone-elses-table',
        why: `Least privilege: the ${g.toLowerCase()} function reaches the collection's table only.`,
        expect: 'denied',
      }),
      run({
        caller: fnRole,
        action: 'kms:Decrypt',
        resource: tableKey,
        context: viaDynamo,
        why: "DynamoDB decrypts the table's key material with the table key for the function.",
        expect: 'allowed',
      }),
      ...(g === 'Write'
        ? [
            run({
              caller: fnRole,
              action: 'kms:GenerateDataKey',
              resource: tableKey,
              context: viaDynamo,
              why: 'DynamoDB encrypts the items the write function creates and updates with the table key.',
              expect: 'allowed',
            }),
          ]
        : []),
      ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) =>
        run({
          caller: fnRole,
          action,
          resource: logStream(g),
          why: `The ${g.toLowerCase()} function writes its JSON logs to its own log group (${action}).`,
          expect: 'allowed',
        }),
      ),
      run({
        caller: fnRole,
        action: 'logs:PutLogEvents',
        resource: logStream(next),
        why: `Least privilege: the ${g.toLowerCase()} function cannot write into the ${next.toLowerCase()} function's log.`,
        expect: 'denied',
      }),
      run({
        caller: fnRole,
        action: 'xray:PutTraceSegments',
        resource: '*',
        why: 'Active tracing sends the trace segments.',
        expect: 'allowed',
      }),
    ];
  });

  const alarms = ['ServerErrorRateAlarm', 'LatencyAlarm', 'FunctionErrorsAlarm', 'ThrottlesAlarm'];
  const deployments: RuntimeContract[] = [
    run({
      caller: service('codedeploy.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${p}DeploymentRole`),
      why: 'CodeDeploy assumes the deployment role for each deployment of a new function version.',
      expect: 'allowed',
    }),
    ...GROUPS.flatMap((g) => [
      ...['lambda:GetAlias', 'lambda:UpdateAlias'].map((action) =>
        run({
          caller: deploymentRole,
          action,
          // IAM authorizes the alias actions on the function (the alias is a request parameter).
          resource: fn(g),
          why: `CodeDeploy reads and shifts the ${g.toLowerCase()} function's live alias (${action}) step by step, and back on rollback.`,
          expect: 'allowed',
        }),
      ),
    ]),
    ...alarms.map((a) =>
      run({
        caller: deploymentRole,
        action: 'cloudwatch:DescribeAlarms',
        resource: arn('AWS::CloudWatch::Alarm', `${p}${a}`),
        why: `CodeDeploy watches ${a} during each shift and rolls back when it fires.`,
        expect: 'allowed',
      }),
    ),
    run({
      caller: deploymentRole,
      action: 'lambda:UpdateFunctionCode',
      resource: fn('Write'),
      why: 'Least privilege: CodeDeploy only moves aliases; it cannot change code.',
      expect: 'denied',
    }),
    run({
      caller: deploymentRole,
      action: 'lambda:InvokeFunction',
      resource: alias('Write'),
      why: 'Least privilege: the deployment role invokes only CodeDeployHook_* functions, not the API.',
      expect: 'denied',
    }),
  ];

  // The RestApi's children: CDK drops the repeated 'Api' from `<prefix>Api` logical ids (UsersApi/Api -> UsersApi).
  const api = p.endsWith('Api') ? p : `${p}Api`;
  const cloudWatchRole = role(`${api}CloudWatchRole`);
  const logging: RuntimeContract[] = [
    {
      caller: service('apigateway.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${api}CloudWatchRole`),
      phase: 'deploy',
      why: "API Gateway checks, when AWS::ApiGateway::Account sets the account's CloudWatch role, that it can assume it; it writes the logs with it later.",
      expect: 'allowed',
    },
    ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) =>
      run({
        caller: cloudWatchRole,
        action,
        resource: [
          'arn:aws:logs:{region}:{account}:log-group:',
          ref('AWS::Logs::LogGroup', `${p}AccessLogs`),
          ':log-stream:0123456789abcdef',
        ],
        why: `API Gateway writes the stage's JSON access logs to the encrypted access-log group with the account's CloudWatch role (${action}).`,
        expect: 'allowed',
      }),
    ),
    run({
      caller: cloudWatchRole,
      action: 'logs:CreateLogGroup',
      resource: [
        'arn:aws:logs:{region}:{account}:log-group:API-Gateway-Execution-Logs_',
        ref('AWS::ApiGateway::RestApi', p),
        `/${stage}`,
      ],
      why: 'API Gateway creates the execution-log group (ERROR level) of the stage on first use.',
      expect: 'allowed',
    }),
    ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) =>
      run({
        caller: service('delivery.logs.amazonaws.com'),
        action,
        resource: [
          'arn:aws:logs:{region}:{account}:log-group:',
          ref('AWS::Logs::LogGroup', `${p}WebAclLogs`),
          ':log-stream:eu-west-1_webacl_0',
        ],
        context: { 'aws:SourceAccount': '{account}', 'aws:SourceArn': 'arn:aws:logs:{region}:{account}:*' },
        why: `AWS WAF delivers the web ACL's logs to its aws-waf-logs-* group through CloudWatch Logs log delivery (${action}), which the log group's account resource policy must allow.`,
        expect: 'allowed',
        knownGap:
          'WAF log delivery: the template has no AWS::Logs::ResourcePolicy for delivery.logs.amazonaws.com (account-level policies are limited to 10 per Region); WAF creates or extends AWSWAF-LOGS at deploy if the deployer may logs:PutResourcePolicy and the account has room, which `cdk-compute-patterns preflight` checks (logs-resource-policies) (web ACL, lib/common)',
      }),
    ),
  ];

  return { pattern: 'ServerlessApi', contracts: [...apiGateway, ...functions, ...deployments, ...logging] };
}
