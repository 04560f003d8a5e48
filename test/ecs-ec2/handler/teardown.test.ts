import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { onEvent, PROTECTION_BATCH, TeardownEvent } from '../../../lib/ecs-ec2/handler';

/** A group as the fake Auto Scaling service holds it. */
interface Group {
  name: string;
  min: number;
  desired: number;
  newInstancesProtected: boolean;
  instances: { id: string; protected: boolean }[];
}

interface Fake {
  endpoint: string;
  calls: Record<string, string>[];
  responses: Record<string, unknown>[];
  close(): Promise<void>;
}

const xml = (action: string, result = '') =>
  `<${action}Response xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">${result}<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></${action}Response>`;
const error = (code: string, message: string) =>
  `<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;

/**
 * A loopback server speaking the EC2 Auto Scaling Query API (form-encoded POST, XML answers, ErrorResponse on
 * 400) for one group, plus the CloudFormation response URL (PUT /cfn-response).
 */
async function fakeAutoScaling(group: Group | undefined, failOn?: string): Promise<Fake> {
  const calls: Record<string, string>[] = [];
  const responses: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.method === 'PUT' && req.url === '/cfn-response') {
        responses.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(200).end();
        return;
      }
      const params = Object.fromEntries(new URLSearchParams(body));
      calls.push(params);
      const send = (status: number, text: string) => res.writeHead(status, { 'content-type': 'text/xml' }).end(text);
      if (params.Action === failOn) return send(400, error('AccessDenied', `not allowed to ${failOn}`));
      if (
        !group ||
        (params.AutoScalingGroupName !== group.name && params['AutoScalingGroupNames.member.1'] !== group.name)
      ) {
        return send(400, error('ValidationError', 'AutoScalingGroup name not found - no such group'));
      }
      switch (params.Action) {
        case 'UpdateAutoScalingGroup':
          group.min = Number(params.MinSize ?? group.min);
          group.desired = Number(params.DesiredCapacity ?? group.desired);
          group.newInstancesProtected = params.NewInstancesProtectedFromScaleIn === 'true';
          return send(200, xml('UpdateAutoScalingGroup'));
        case 'DescribeAutoScalingGroups':
          return send(
            200,
            xml(
              'DescribeAutoScalingGroups',
              `<DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>${group.name}</AutoScalingGroupName><MinSize>${group.min}</MinSize><MaxSize>4</MaxSize><DesiredCapacity>${group.desired}</DesiredCapacity><NewInstancesProtectedFromScaleIn>${group.newInstancesProtected}</NewInstancesProtectedFromScaleIn><Instances>${group.instances
                .map(
                  (i) =>
                    `<member><InstanceId>${i.id}</InstanceId><AvailabilityZone>us-east-1a</AvailabilityZone><LifecycleState>InService</LifecycleState><HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>${i.protected}</ProtectedFromScaleIn></member>`,
                )
                .join('')}</Instances></member></AutoScalingGroups></DescribeAutoScalingGroupsResult>`,
            ),
          );
        case 'SetInstanceProtection': {
          const ids = Object.keys(params)
            .filter((k) => k.startsWith('InstanceIds.member.'))
            .map((k) => params[k]);
          for (const instance of group.instances.filter((i) => ids.includes(i.id))) {
            instance.protected = params.ProtectedFromScaleIn === 'true';
          }
          return send(200, xml('SetInstanceProtection', '<SetInstanceProtectionResult/>'));
        }
        default:
          return send(400, error('InvalidAction', `unexpected ${params.Action}`));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    responses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const GROUP = 'Ec2Service-WebAutoScalingGroup-ABC';

function event(fake: Fake, type: TeardownEvent['RequestType']): TeardownEvent {
  return {
    RequestType: type,
    ResponseURL: `${fake.endpoint}/cfn-response`,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Ec2Service/1',
    RequestId: 'req-1',
    LogicalResourceId: 'WebTeardown',
    PhysicalResourceId: type === 'Create' ? undefined : `teardown-${GROUP}`,
    ResourceProperties: { AutoScalingGroupName: GROUP },
  };
}

const client = (fake: Fake) =>
  new AutoScalingClient({
    region: 'us-east-1',
    endpoint: fake.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

const protectedGroup = (count: number): Group => ({
  name: GROUP,
  min: 2,
  desired: count,
  newInstancesProtected: true,
  instances: Array.from({ length: count }, (_, n) => ({
    id: `i-${String(n).padStart(17, '0')}`,
    protected: n % 4 !== 3,
  })),
});

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});
beforeEach(() => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('teardown custom resource (against a loopback Auto Scaling Query API)', () => {
  test('Delete shrinks the group to 0, stops protecting new instances and unprotects every instance', async () => {
    // GIVEN a group of 60 instances, 45 of them protected from scale-in by ECS
    const group = protectedGroup(60);
    fake = await fakeAutoScaling(group);
    // WHEN CloudFormation deletes the resource
    await onEvent(event(fake, 'Delete'), client(fake));
    // THEN the group may terminate every instance
    expect(group).toMatchObject({ min: 0, desired: 0, newInstancesProtected: false });
    expect(group.instances.filter((i) => i.protected)).toEqual([]);
    // AND protection was lifted in one call for the 45, on this group only
    const sets = fake.calls.filter((c) => c.Action === 'SetInstanceProtection');
    expect(sets.map((c) => Object.keys(c).filter((k) => k.startsWith('InstanceIds.member.')).length)).toEqual([45]);
    expect(new Set(fake.calls.map((c) => c.AutoScalingGroupName ?? c['AutoScalingGroupNames.member.1']))).toEqual(
      new Set([GROUP]),
    );
    // AND CloudFormation was told it succeeded, with the same physical id
    expect(fake.responses).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        PhysicalResourceId: `teardown-${GROUP}`,
        RequestId: 'req-1',
        LogicalResourceId: 'WebTeardown',
        Reason: `group ${GROUP} set to 0 instances; scale-in protection removed from 45 instance(s)`,
      }),
    ]);
  });

  test('Delete lifts protection in batches of 50', async () => {
    const group = protectedGroup(120);
    fake = await fakeAutoScaling(group);
    await onEvent(event(fake, 'Delete'), client(fake));
    const sizes = fake.calls
      .filter((c) => c.Action === 'SetInstanceProtection')
      .map((c) => Object.keys(c).filter((k) => k.startsWith('InstanceIds.member.')).length);
    expect(sizes).toEqual([PROTECTION_BATCH, 40]);
    expect(group.instances.some((i) => i.protected)).toBe(false);
  });

  test('Delete succeeds when the group is already gone', async () => {
    fake = await fakeAutoScaling(undefined);
    await onEvent(event(fake, 'Delete'), client(fake));
    expect(fake.responses).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', Reason: `group ${GROUP} no longer exists` }),
    ]);
  });

  test('Delete reports FAILED with the service error when Auto Scaling refuses (the stack does not hang)', async () => {
    fake = await fakeAutoScaling(protectedGroup(2), 'SetInstanceProtection');
    await onEvent(event(fake, 'Delete'), client(fake));
    expect(fake.responses).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: `could not release Auto Scaling group ${GROUP}: AccessDenied: not allowed to SetInstanceProtection`,
      }),
    ]);
  });

  test.each(['Create', 'Update'] as const)('%s changes nothing and succeeds', async (type) => {
    const group = protectedGroup(2);
    fake = await fakeAutoScaling(group);
    await onEvent(event(fake, type), client(fake));
    expect(fake.calls).toEqual([]);
    expect(group).toMatchObject({ min: 2, desired: 2, newInstancesProtected: true });
    expect(fake.responses).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: `teardown-${GROUP}` }),
    ]);
  });

  test('the shipped bundle does the same (AWS_ENDPOINT_URL_AUTO_SCALING points its own client here)', async () => {
    // GIVEN the esbuild bundle (npm run build:assets), with its own copy of the SDK
    const bundle = path.join(__dirname, '..', '..', '..', 'assets', 'ecs-ec2-teardown', 'index.js');
    const group = protectedGroup(3);
    fake = await fakeAutoScaling(group);
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_AUTO_SCALING: fake.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    try {
      // WHEN
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { handler } = require(bundle) as { handler: (e: TeardownEvent) => Promise<void> };
      await handler(event(fake, 'Delete'));
    } finally {
      process.env = saved;
    }
    // THEN
    expect(group.instances.some((i) => i.protected)).toBe(false);
    expect(fake.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS' })]);
  });
});
