/**
 * ServerlessApi under the five cdk-nag packs and the Control Tower cfn-guard rules, defaults and every option
 * on, in both kinds of stack; and acknowledgement scope probes: each acknowledgement covers the one finding on
 * the one resource it is about, so findings a user adds next to it stay visible.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { ServerlessApi, ServerlessApiProps } from '../../lib';
import { testApp } from '../support/cdk-context';
import { checkCompliance, StackCompliance } from '../support/compliance';
import { checkNag, StackNag } from '../support/nag-check';
import { fullServerlessApiProps } from './fixtures';

type Env = { account: string; region: string } | undefined;

/** An app with the ServerlessApi in stack 'Probe' under the five packs. */
function probeApp(
  env: Env,
  props: (stack: Stack) => ServerlessApiProps = () => ({}),
  addUserFindings?: (api: ServerlessApi) => void,
): (outdir: string) => App {
  return (outdir) => {
    const app = testApp({ outdir });
    const stack = new Stack(app, 'Probe', { env });
    const api = new ServerlessApi(stack, 'Api', props(stack));
    addUserFindings?.(api);
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app),
      new ServerlessChecks(app),
      new NIST80053R5Checks(app),
      new HIPAASecurityChecks(app),
      new PCIDSS321Checks(app),
    );
    return app;
  };
}

/** cdk-nag and cfn-guard. */
function audit(...args: Parameters<typeof probeApp>): StackCompliance {
  return checkCompliance(probeApp(...args), []).stacks[0];
}

/** cdk-nag alone, for the tests that read no cfn-guard result. */
function auditNag(...args: Parameters<typeof probeApp>): StackNag {
  return checkNag(probeApp(...args)).stacks[0];
}

const findings = (s: StackNag) => s.nagViolations.map((v) => `${v.rule} ${v.path}`).sort();

describe.each([
  ['environment-agnostic', undefined],
  ['environment-specific', { account: '123456789012', region: 'eu-west-1' }],
])('ServerlessApi compliance (%s stack)', (_kind, env) => {
  test('defaults: no open finding in five packs, no Control Tower failure', () => {
    const result = audit(env);
    expect(findings(result)).toEqual([]);
    expect(result.guardFailures.map((g) => g.rule)).toEqual([]);
  });

  test('every option on: no open finding in five packs, no Control Tower failure', () => {
    const result = audit(env, fullServerlessApiProps);
    expect(findings(result)).toEqual([]);
    expect(result.guardFailures.map((g) => g.rule)).toEqual([]);
  });
});

describe('ServerlessApi acknowledgements', () => {
  test('each sits on the one resource it is about', () => {
    const result = auditNag(undefined);
    const ours = result.acknowledged
      .filter((a) => a.path.startsWith('Probe/Api/'))
      .map((a) => `${a.id.replace(/^Annotation::/, '')} ${a.path}`);
    // never on the construct, a role or the API as a whole
    for (const line of ours) {
      const where = line.split(' ')[1];
      expect(['Probe/Api', 'Probe/Api/Api', 'Probe/Api/ReadRole', 'Probe/Api/WriteRole']).not.toContain(where);
    }
    expect(ours).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Resource::*] Probe/Api/ReadRole/LambdaServicePolicy',
        'AwsSolutions-COG4 Probe/Api/Api/Default/users/GET',
        'AwsSolutions-COG4 Probe/Api/Api/Default/users/{userId}/DELETE',
        'Serverless-LambdaDLQ Probe/Api/WriteFunction',
        'NIST.800.53.R5-APIGWSSLEnabled Probe/Api/Api/DeploymentStage.prod',
        'NIST.800.53.R5-DynamoDBInBackupPlan Probe/Api/Table/Resource',
      ]),
    );
  });

  test('do not hide the findings a user adds next to them', () => {
    // GIVEN one user finding next to each kind of acknowledged one
    const result = auditNag(undefined, undefined, (api) => {
      // next to IAM5[Resource::*] on the service policies: a Scan on * on the read role
      api.readFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: ['*'] }));
      // next to Serverless-LambdaDLQ on the route functions: another function in the construct
      new lambda.Function(api, 'UserFunction', {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
      });
      // next to COG4 on the IAM-authorized methods: a method without authorization on the same API
      api.api.root.addResource('open').addMethod('GET', new apigw.MockIntegration());
    });
    // THEN each is reported
    expect(findings(result)).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Resource::*] Probe/Api/ReadRole/Policy/Resource',
        'Serverless-LambdaDLQ Probe/Api/UserFunction/Resource',
        'AwsSolutions-APIG4 Probe/Api/Api/Default/open/GET/Resource',
        'AwsSolutions-COG4 Probe/Api/Api/Default/open/GET/Resource',
      ]),
    );
  });
});
