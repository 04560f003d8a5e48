/**
 * InventoryLoader `largeFiles`: what the construct synthesizes (router, state machine, worker, alarm, IAM), the
 * state machine definition (assertions, asl-validator, snapshot) and the option validation, in
 * environment-agnostic and environment-specific stacks.
 */
import { Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { InventoryLoader, InventoryLoaderProps } from '../../../lib';
import { definitionFromTemplate } from '../../../scripts/lib/large-file-local';
import { agnosticStack, specificStack } from '../../support/cdk-context';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- asl-validator ships CommonJS without types
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: unknown[] };

type TemplateJson = Parameters<typeof definitionFromTemplate>[0];

function synth(
  stack: Stack,
  props: InventoryLoaderProps = { largeFiles: {} },
): { template: Template; loader: InventoryLoader } {
  const loader = new InventoryLoader(stack, 'Loader', props);
  return { template: Template.fromStack(stack), loader };
}

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('InventoryLoader largeFiles (%s stack)', (_kind, makeStack) => {
  test('the upload rule targets the router, which knows the threshold, the state machine and the import function', () => {
    // GIVEN / WHEN
    const { template, loader } = synth(makeStack(), { largeFiles: { threshold: Size.mebibytes(200) } });

    // THEN
    const stack = Stack.of(loader);
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: stack.resolve(loader.largeFileRouter!.functionArn) })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'router.handler',
      Environment: {
        Variables: {
          LARGE_FILE_THRESHOLD_BYTES: String(200 * 1024 * 1024),
          LARGE_FILE_STATE_MACHINE_ARN: Match.anyValue(),
          IMPORT_FUNCTION_NAME: stack.resolve(loader.function.functionArn),
        },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: stack.resolve(loader.deadLetterQueue.queueArn) } },
    });
  });

  test('the state machine logs everything to an encrypted log group, traces with X-Ray and alarms on failed executions', () => {
    // GIVEN
    const stack = makeStack();
    const topic = new sns.Topic(stack, 'Ops');

    // WHEN
    const { template, loader } = synth(stack, { largeFiles: {}, alarmTopic: topic });

    // THEN
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [Match.anyValue()] },
      TracingConfiguration: { Enabled: true },
    });
    // A vended-logs name (no resource policy needed), ending with the stack id's UUID: the group is kept on delete,
    // and a destroyed stack can be deployed again without a name clash.
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: {
        'Fn::Join': [
          '',
          [
            Match.stringLikeRegexp('^/aws/vendedlogs/states/.+-$'),
            { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] },
          ],
        ],
      },
      KmsKeyId: Match.anyValue(),
    });
    expect(loader.largeFileFailedAlarm).toBeDefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: `Large-file imports of ${loader.node.path} failed, timed out or were aborted (the report may be missing)`,
      Threshold: 1,
      AlarmActions: [Stack.of(topic).resolve(topic.topicArn)],
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'failed + timedOut + aborted' }),
        Match.objectLike({
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsFailed' }) }),
        }),
      ]),
    });
  });

  test('the state machine role may start only its own child workflows and invoke only the worker', () => {
    // GIVEN / WHEN
    const { template, loader } = synth(makeStack());

    // THEN
    const stack = Stack.of(loader);
    const policies = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Description: Match.stringLikeRegexp('^Invokes the large-file steps') },
    });
    const [policy] = Object.values(policies) as {
      Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } };
    }[];
    const bySid = Object.fromEntries(policy.Properties.PolicyDocument.Statement.map((s) => [s.Sid, s]));
    expect(bySid.InvokeSteps).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Resource: stack.resolve(loader.largeFileWorker!.functionArn),
    });
    expect(bySid.StartChildWorkflows).toMatchObject({ Action: 'states:StartExecution' });
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as {
      Properties: { StateMachineName: string };
    }[];
    const name = machine.Properties.StateMachineName;
    expect(name).toMatch(/LoaderLargeFiles[0-9A-F]{8}$/);
    expect(JSON.stringify(bySid.StartChildWorkflows.Resource)).toContain(`:stateMachine:${name}`);
    expect(bySid.ManageChildWorkflows).toMatchObject({ Action: ['states:DescribeExecution', 'states:StopExecution'] });
    expect(JSON.stringify(bySid.ManageChildWorkflows.Resource)).toContain(`:execution:${name}:*`);
    expect(bySid.ReadRows).toMatchObject({ Action: ['s3:GetObject', 's3:GetObjectVersion'] });
    expect(JSON.stringify(bySid.ReadRows.Resource)).toContain('/uploads/*');
    expect(JSON.stringify(bySid.WriteResults.Resource)).toContain('/reports/large-file-work/*');
    // nothing on the role's default policy: a statement the user adds there stands alone
    template.resourcePropertiesCountIs(
      'AWS::IAM::Policy',
      { Roles: [{ Ref: Match.stringLikeRegexp('LargeFilesStateMachineRole') }] },
      0,
    );
  });

  test('the definition is valid Amazon States Language with a Distributed Map as the issue asks', () => {
    // GIVEN / WHEN
    const { template } = synth(makeStack(), {
      largeFiles: { maxConcurrency: 25, toleratedFailurePercentage: 5, batchSize: 400 },
    });
    const definition = definitionFromTemplate(template.toJSON() as TemplateJson);

    // THEN
    const validation = aslValidator(definition);
    expect(validation.errors).toEqual([]);
    expect(validation.isValid).toBe(true);
    const map = (definition.States as Record<string, Record<string, unknown>>).ImportRows;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
      },
      ItemBatcher: { MaxItemsPerBatch: 400, MaxInputBytesPerBatch: 262144 },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } },
      MaxConcurrency: 25,
      ToleratedFailurePercentage: 5,
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject' },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Finish' }],
    });
  });
});

describe('InventoryLoader largeFiles definition', () => {
  test('matches the snapshot (defaults)', () => {
    const { template } = synth(agnosticStack());
    expect(definitionFromTemplate(template.toJSON() as TemplateJson)).toMatchSnapshot();
  });

  test('without largeFiles nothing of it is created and the rule targets the import function', () => {
    const stack = agnosticStack();
    const { template, loader } = synth(stack, {});
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(loader.largeFileRouter).toBeUndefined();
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: stack.resolve(loader.function.functionArn) })],
    });
  });
});

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('InventoryLoader largeFiles validation (%s stack)', (_kind, makeStack) => {
  test.each([
    [
      'maxConcurrency',
      { maxConcurrency: 0 },
      "Loader: largeFiles.maxConcurrency must be an integer between 1 and 10000; received 0. It is the Distributed Map's MaxConcurrency (at most 10,000 child workflows at once)",
    ],
    [
      'toleratedFailurePercentage',
      { toleratedFailurePercentage: 101 },
      'Loader: largeFiles.toleratedFailurePercentage must be an integer between 0 and 100; received 101. It is a percentage of batches',
    ],
    [
      'batchSize',
      { batchSize: 2.5 },
      'Loader: largeFiles.batchSize must be an integer between 1 and 10000; received 2.5. Rows per batch; a batch is also capped at 256 KiB of input',
    ],
    [
      'threshold',
      { threshold: Size.kibibytes(512) },
      'Loader: largeFiles.threshold must be at least 1 MiB (smaller files load faster in one invocation); received 524288 bytes. Pass Size.mebibytes(n) with n >= 1',
    ],
  ])('fails when %s is out of range', (_name, largeFiles, message) => {
    expect(() => new InventoryLoader(makeStack(), 'Loader', { largeFiles })).toThrow(message);
  });
});
