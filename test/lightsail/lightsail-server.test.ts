import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { LightsailSiteStack } from '../../examples/lightsail-site-stack';
import { LightsailServer, LightsailServerProps, LightsailProtocol } from '../../lib';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';

const KINDS: [string, () => Stack][] = [
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
];

function build(props: LightsailServerProps = {}, stack: Stack = agnosticStack()) {
  const server = new LightsailServer(stack, 'Server', props);
  return { stack, server, template: Template.fromStack(stack) };
}

describe.each(KINDS)('LightsailServer (%s stack)', (_kind, makeStack) => {
  test('defaults: Amazon Linux 2023, small bundle, every port closed, daily snapshots, a static IP', () => {
    const { template } = build({}, makeStack());
    template.hasResourceProperties('AWS::Lightsail::Instance', {
      BlueprintId: 'amazon_linux_2023',
      BundleId: 'small_3_0',
      // THEN the firewall holds one placeholder rule that admits no client (HTTPS from TEST-NET-1): CloudFormation's
      // Lightsail handler sets the firewall only from a non-empty list, and an empty one would keep Lightsail's
      // default (22 and 80 from anywhere)
      Networking: { Ports: [{ FromPort: 443, ToPort: 443, Protocol: 'tcp', Cidrs: ['192.0.2.1/32'] }] },
      AddOns: [
        { AddOnType: 'AutoSnapshot', Status: 'Enabled', AutoSnapshotAddOnRequest: { SnapshotTimeOfDay: '06:00' } },
      ],
    });
    template.hasResourceProperties('AWS::Lightsail::StaticIp', {
      AttachedTo: { Ref: Match.stringLikeRegexp('^Server') },
    });
  });

  test('opens only the ports given, to the CIDRs given; SSH from your range or the console client only', () => {
    const { template } = build(
      {
        ports: [
          { fromPort: 443, cidrs: ['0.0.0.0/0'] },
          { fromPort: 60000, toPort: 61000, protocol: LightsailProtocol.UDP, cidrs: ['203.0.113.0/24'] },
        ],
        sshCidrs: ['198.51.100.7/32'],
        lightsailConnect: true,
      },
      makeStack(),
    );
    template.hasResourceProperties('AWS::Lightsail::Instance', {
      Networking: {
        Ports: [
          { FromPort: 443, ToPort: 443, Protocol: 'tcp', Cidrs: ['0.0.0.0/0'] },
          { FromPort: 60000, ToPort: 61000, Protocol: 'udp', Cidrs: ['203.0.113.0/24'] },
          {
            FromPort: 22,
            ToPort: 22,
            Protocol: 'tcp',
            Cidrs: ['198.51.100.7/32'],
            CidrListAliases: ['lightsail-connect'],
          },
        ],
      },
    });
  });

  test('fails when SSH would be open to the whole internet', () => {
    expect(() => build({ sshCidrs: ['0.0.0.0/0'] }, makeStack())).toThrow(
      "Server: sshCidrs must not open SSH to the whole internet; received 0.0.0.0/0. Name your own address range, or use lightsailConnect for the console's browser-based SSH",
    );
    expect(() => build({ ports: [{ fromPort: 20, toPort: 25, cidrs: ['0.0.0.0/0'] }] }, makeStack())).toThrow(
      'Server: ports opens SSH (22) with 20-25; open SSH with sshCidrs (your address range) or lightsailConnect instead',
    );
  });

  test('fails on ports outside 0-65535, reversed ranges, ports without CIDRs and bad CIDRs', () => {
    expect(() => build({ ports: [{ fromPort: 70000, cidrs: ['0.0.0.0/0'] }] }, makeStack())).toThrow(
      'Server: ports[].fromPort must be an integer from 0 to 65535; received 70000',
    );
    expect(() => build({ ports: [{ fromPort: 90, toPort: 80, cidrs: ['0.0.0.0/0'] }] }, makeStack())).toThrow(
      'Server: a port range must not end before it starts; received 90-80',
    );
    expect(() => build({ ports: [{ fromPort: 80, cidrs: [] }] }, makeStack())).toThrow(
      "Server: port 80 names no CIDRs; list who may connect (['0.0.0.0/0'] for a public website)",
    );
    expect(() => build({ ports: [{ fromPort: 80, cidrs: ['everyone'] }] }, makeStack())).toThrow(
      "Server: ports[].cidrs must contain IPv4 CIDR blocks such as '203.0.113.0/24'; received 'everyone'",
    );
  });

  test('fails when the snapshot time is not a whole hour; warns when snapshots are off', () => {
    expect(() => build({ snapshotTimeOfDay: '6am' }, makeStack())).toThrow(
      "Server: snapshotTimeOfDay must be a whole hour in UTC such as '06:00'; received '6am'",
    );
    const stack = makeStack();
    new LightsailServer(stack, 'Server', { automaticSnapshots: false, staticIp: false });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    expect(warnings.map((w) => w.entry.data)).toEqual([
      `${stack.stackName}/Server: automatic snapshots are off; the instance's disk is its only copy of the data [ack: cdk-compute-patterns:noSnapshots]`,
    ]);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lightsail::StaticIp', 0);
    template.hasResourceProperties('AWS::Lightsail::Instance', { AddOns: Match.absent() });
  });
});

describe('LightsailSiteStack sample', () => {
  test('synthesizes the template in the snapshot: a website open on 80 and 443 only, SSH through the console', () => {
    const stack = new LightsailSiteStack(testApp(), 'LightsailSite');
    const template = Template.fromStack(stack);
    const [instance] = Object.values(template.findResources('AWS::Lightsail::Instance'));
    expect(instance.Properties.Networking.Ports.map((p: { FromPort: number }) => p.FromPort)).toEqual([80, 443, 22]);
    expect(instance.Properties.Networking.Ports[2]).toEqual({
      FromPort: 22,
      ToPort: 22,
      Protocol: 'tcp',
      CidrListAliases: ['lightsail-connect'],
    });
    expect(template.toJSON()).toMatchSnapshot();
  });
});
