import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/**
 * Context key that pins the fleets' default Amazon Linux 2023 image:
 * `{ "arm64": { "<region>": "ami-..." }, "x86_64": { ... } }`.
 */
export const MACHINE_IMAGES_CONTEXT_KEY = 'cdk-compute-patterns:fleetMachineImages';

const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * The default Amazon Linux 2023 image of a fleet, chosen so that a deploy
 * never replaces the instances because Amazon Linux released an image:
 *
 * - pinned: when the context value {@link MACHINE_IMAGES_CONTEXT_KEY} lists
 *   images for `architecture`, the AMI id of the stack's region is in the
 *   template (a CloudFormation mapping in environment-agnostic stacks), and it
 *   changes only when the context value does. Roll forward by editing it.
 * - otherwise: the launch template names the public SSM parameter and EC2
 *   resolves it when each instance launches (`resolve:ssm:`). The template is
 *   the same whatever the current release, so deploys leave the instances
 *   alone; instances launched later (scale-out, replacements) boot the release
 *   current then, and an instance refresh rolls the running ones forward.
 *
 * Neither needs credentials or context at synth, in any kind of stack (a
 * `cachedInContext` lookup needs both, and an SSM parameter resolved at deploy
 * time, CDK's `latestAmazonLinux2023()`, rolls the fleet on unrelated deploys).
 */
export function defaultMachineImage(scope: Construct, architecture: ec2.InstanceArchitecture): ec2.IMachineImage {
  const pins = readPins(scope)?.[architecture];
  if (pins) {
    const region = Stack.of(scope).region;
    if (!Token.isUnresolved(region) && !pins[region]) {
      throw new Error(
        `${scope.node.path}: the context value ${MACHINE_IMAGES_CONTEXT_KEY} pins ${architecture} images for ${Object.keys(pins).join(', ')} but not for this stack's region ${region}; add "${region}": "ami-..." under "${architecture}", or pass machineImage`,
      );
    }
    return ec2.MachineImage.genericLinux(pins);
  }
  const parameterName = ec2.AmazonLinux2023ImageSsmParameter.ssmParameterName({
    cpuType:
      architecture === ec2.InstanceArchitecture.ARM_64 ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64,
  });
  return ec2.MachineImage.resolveSsmParameterAtLaunch(parameterName, { os: ec2.OperatingSystemType.LINUX });
}

function readPins(scope: Construct): Record<string, Record<string, string>> | undefined {
  let value: unknown = scope.node.tryGetContext(MACHINE_IMAGES_CONTEXT_KEY);
  if (value === undefined) return undefined;
  // `cdk synth -c key=...` passes strings.
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      // reported below
    }
  }
  const expected = `expected { "arm64": { "<region>": "ami-..." }, "x86_64": { ... } }`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(
      `${scope.node.path}: the context value ${MACHINE_IMAGES_CONTEXT_KEY} must be an object; ${expected}, received ${JSON.stringify(value)}`,
    );
  }
  for (const [arch, regions] of Object.entries(value)) {
    if (typeof regions !== 'object' || regions === null || Array.isArray(regions)) {
      throw new Error(
        `${scope.node.path}: the context value ${MACHINE_IMAGES_CONTEXT_KEY} must map each architecture to regions and AMI ids; ${expected}, received ${JSON.stringify(regions)} for "${arch}"`,
      );
    }
    for (const [region, ami] of Object.entries(regions)) {
      if (typeof ami !== 'string' || !AMI_ID.test(ami)) {
        throw new Error(
          `${scope.node.path}: the context value ${MACHINE_IMAGES_CONTEXT_KEY} names ${JSON.stringify(ami)} for ${arch} in ${region}, which is not an AMI id; expected ami- and 8 or 17 hexadecimal digits`,
        );
      }
    }
  }
  return value as Record<string, Record<string, string>>;
}
