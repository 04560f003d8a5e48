/**
 * Teardown of an Ec2WebService's container instances (a CloudFormation custom resource, bundled by
 * scripts/build-assets.mjs into assets/ecs-ec2-teardown/).
 *
 * With ECS managed termination protection, the instances running tasks are protected from scale-in, and the Auto
 * Scaling group protects every new instance (NewInstancesProtectedFromScaleIn). Only ECS lifts that protection,
 * and it stops doing so once the capacity provider is deleted (aws/containers-roadmap#2862). CloudFormation
 * deletes the capacity provider before the group it references, then the group's deletion waits for protected
 * instances that never terminate (aws/aws-cdk#14732, #18179).
 *
 * This resource sits between the two: it depends on the group (deleted before it) and the capacity provider
 * depends on it (deleted after it). On Delete it sets the group's minimum and desired capacity to 0, stops
 * protecting new instances, and removes scale-in protection from every instance of the group, so the group's own
 * deletion can terminate them. Create and Update do nothing. The function acts on the one group named in its
 * properties; its role allows nothing else.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetInstanceProtectionCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';

/** The CloudFormation custom resource request fields this handler reads. */
export interface TeardownEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: { readonly AutoScalingGroupName: string };
}

/** SetInstanceProtection takes at most 50 instance ids per call. */
export const PROTECTION_BATCH = 50;

/** What the Delete did, for the log and the response. */
export interface TeardownResult {
  readonly groupFound: boolean;
  readonly unprotected: string[];
}

const isGroupNotFound = (e: unknown): boolean =>
  (e as Error)?.name === 'ValidationError' && /not found/i.test((e as Error).message);

/** Lift every scale-in protection of the group and let it shrink to zero. */
export async function releaseGroup(client: AutoScalingClient, groupName: string): Promise<TeardownResult> {
  try {
    await client.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        MinSize: 0,
        DesiredCapacity: 0,
        NewInstancesProtectedFromScaleIn: false,
      }),
    );
  } catch (e) {
    if (isGroupNotFound(e)) return { groupFound: false, unprotected: [] };
    throw e;
  }
  const { AutoScalingGroups: groups } = await client.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
  );
  const protectedIds = (groups?.[0]?.Instances ?? [])
    .filter((i) => i.ProtectedFromScaleIn && i.InstanceId)
    .map((i) => i.InstanceId!);
  for (let i = 0; i < protectedIds.length; i += PROTECTION_BATCH) {
    await client.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: groupName,
        InstanceIds: protectedIds.slice(i, i + PROTECTION_BATCH),
        ProtectedFromScaleIn: false,
      }),
    );
  }
  return { groupFound: true, unprotected: protectedIds };
}

/** PUT the custom resource response to CloudFormation's pre-signed URL. */
export function respond(
  event: TeardownEvent,
  status: 'SUCCESS' | 'FAILED',
  reason: string,
  physicalResourceId: string,
): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 1000),
    PhysicalResourceId: physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    Data: {},
  });
  const url = new URL(event.ResponseURL);
  const request = url.protocol === 'http:' ? http.request : https.request;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () =>
          (res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`response PUT answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The handler with its client injected (tests point it at a loopback Auto Scaling endpoint). */
export async function onEvent(event: TeardownEvent, client: AutoScalingClient): Promise<void> {
  const groupName = event.ResourceProperties.AutoScalingGroupName;
  const physicalId = event.PhysicalResourceId ?? `teardown-${groupName}`;
  if (event.RequestType !== 'Delete') {
    await respond(event, 'SUCCESS', 'nothing to do before the stack is deleted', physicalId);
    return;
  }
  let result: TeardownResult;
  try {
    result = await releaseGroup(client, groupName);
  } catch (e) {
    const reason = `could not release Auto Scaling group ${groupName}: ${(e as Error).name}: ${(e as Error).message}`;
    console.error(JSON.stringify({ message: reason }));
    await respond(event, 'FAILED', reason, physicalId);
    return;
  }
  const reason = result.groupFound
    ? `group ${groupName} set to 0 instances; scale-in protection removed from ${result.unprotected.length} instance(s)`
    : `group ${groupName} no longer exists`;
  console.log(JSON.stringify({ message: reason, unprotected: result.unprotected }));
  await respond(event, 'SUCCESS', reason, physicalId);
}

let client: AutoScalingClient | undefined;

export async function handler(event: TeardownEvent): Promise<void> {
  client ??= new AutoScalingClient({});
  await onEvent(event, client);
}
