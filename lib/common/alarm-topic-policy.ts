import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';

/** Topics that already carry the statement (several patterns may share one topic). */
const done = new WeakSet<object>();

/**
 * Lets CloudWatch alarms of this account and region publish to `topic`. A
 * topic with `enforceSSL` (like the shared alarm topic) has an explicit topic
 * policy, which replaces SNS's default owner policy, so without this statement
 * alarm actions fail with "not authorized to perform SNS:Publish". Does
 * nothing for imported topics (their policy is managed elsewhere).
 *
 * The statement is identical to the one HighlyAvailableFleet adds today
 * (lib/fleet/private/topic-permissions.ts), so a topic both patterns share
 * renders it once; the lead plans to fold it into alarm-topic.ts.
 */
export function allowCloudWatchAlarms(topic: sns.ITopic): void {
  if (done.has(topic)) return;
  const result = topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
      },
    }),
  );
  if (result.statementAdded) done.add(topic);
}
