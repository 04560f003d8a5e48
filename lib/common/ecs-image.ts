import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';

/** Tags that are moved to every new build by convention. */
const MOVING_TAGS = ['latest', 'stable', 'main', 'master', 'mainline', 'edge', 'nightly'];

/**
 * The tag of an image reference, or undefined when it is pinned by digest. An image without a tag
 * is `latest`. Works on images whose name holds tokens (`fromEcrRepository`): the tag is the literal
 * text after the last `:` of the last path component.
 */
export function imageTag(scope: Construct, image: ecs.ContainerImage): string | undefined {
  const name = imageNameOf(scope, image);
  if (name === undefined) return undefined;
  if (name.includes('@sha256:')) return undefined;
  const last = name.slice(name.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon < 0 ? 'latest' : last.slice(colon + 1);
}

/**
 * Warns (`cdk-compute-patterns:mutableImageTag`) when `image` is named by a tag that is moved to new
 * builds (`latest` and friends, or no tag at all): tasks pull at every start, so a scale-out or a
 * rollback can run a different image than the one deployed.
 */
export function imageTagAdvice(scope: Construct, image: ecs.ContainerImage): void {
  const tag = imageTag(scope, image);
  if (tag === undefined || Token.isUnresolved(tag) || !MOVING_TAGS.includes(tag.toLowerCase())) return;
  Annotations.of(scope).addWarningV2(
    'cdk-compute-patterns:mutableImageTag',
    `the image is named by the tag '${tag}', which is moved to each new build: every task start (deploy, scale-out, instance replacement, rollback) pulls whatever the tag names then, so tasks of one deployment can run different code and a rollback does not restore the previous image. Deploy by digest (SecureRepository.imageForDigest or repository@sha256:...) or by a unique tag per build in a repository with immutable tags`,
  );
}

/** The image name as a string with tokens resolved to placeholders, or undefined for asset images. */
function imageNameOf(scope: Construct, image: ecs.ContainerImage): string | undefined {
  const raw = (image as unknown as { imageName?: string }).imageName;
  if (raw === undefined) return undefined;
  if (!Token.isUnresolved(raw)) return raw;
  const resolved = Stack.of(scope).resolve(raw) as unknown;
  const flatten = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Record<string, unknown>;
    if (o && o['Fn::Join']) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(sep);
    }
    return 'TOKEN';
  };
  return flatten(resolved);
}

/** Where a container image is pulled from, as far as synthesis can tell. */
export enum ImageSource {
  /** A private Amazon ECR repository (`<account>.dkr.ecr.<region>.amazonaws.com`), or an image whose name is only known at deploy time (`fromAsset`, `fromEcrRepository`). */
  PRIVATE_ECR = 'PRIVATE_ECR',
  /** Docker Hub, including names without a registry such as `nginx` or `library/nginx`. */
  DOCKER_HUB = 'DOCKER_HUB',
  /** Any other registry reached over the internet (ECR Public, ghcr.io, quay.io, ...). */
  OTHER_PUBLIC = 'OTHER_PUBLIC',
}

const DOCKER_HUB_HOSTS = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'];
const PRIVATE_ECR_HOST = /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/**
 * The registry host of an image reference, following Docker's rule: the first path component is a
 * registry only when it holds a `.` or a `:` or is `localhost`; otherwise the image is on Docker Hub.
 */
export function registryHost(imageName: string): string {
  const slash = imageName.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = imageName.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first.toLowerCase() : 'docker.io';
}

/** Classifies `imageName` (the container definition's image). Names holding tokens come from ECR. */
export function imageSource(imageName: string): ImageSource {
  if (Token.isUnresolved(imageName)) return ImageSource.PRIVATE_ECR;
  const host = registryHost(imageName);
  if (DOCKER_HUB_HOSTS.includes(host)) return ImageSource.DOCKER_HUB;
  return PRIVATE_ECR_HOST.test(host) ? ImageSource.PRIVATE_ECR : ImageSource.OTHER_PUBLIC;
}

/** Where `image` is pulled from: the name of a registry image, or PRIVATE_ECR for asset and ECR images. */
export function containerImageSource(image: ecs.ContainerImage): { source: ImageSource; name?: string } {
  const name = (image as unknown as { imageName?: string }).imageName;
  return name === undefined ? { source: ImageSource.PRIVATE_ECR } : { source: imageSource(name), name };
}

/**
 * The registry checks of an ECS service's container (FargateWebService and Ec2WebService, for the application
 * container and every sidecar), made before the container is added:
 *
 * - an image on Docker Hub synthesizes with the warning `cdk-compute-patterns:dockerHubImage`: Docker Hub
 *   rate-limits anonymous pulls per source IP address, and every task pulls through the VPC's NAT address;
 * - an image from any public registry is refused when the tasks run in subnets without egress (`isolated`): VPC
 *   endpoints serve AWS APIs and private ECR only, so no task could start (a template cannot show it).
 *
 * `subject` names the container in the messages: `image` for the application container, `addSidecar('id') image` for
 * a sidecar.
 */
export function checkImageRegistry(
  scope: Construct,
  image: ecs.ContainerImage,
  isolated: ec2.ISubnet[],
  subject = 'image',
): void {
  const { source, name } = containerImageSource(image);
  if (source === ImageSource.PRIVATE_ECR) return;
  if (isolated.length > 0) {
    throw new Error(
      `${scope.node.path}: ${subject} '${name}' comes from a public registry, which tasks in subnets without egress (PRIVATE_ISOLATED: ${isolated.map((s) => s.node.path).join(', ')}) cannot reach: VPC endpoints serve AWS APIs and private ECR only. Copy the image to a private ECR repository (or create an ECR pull-through cache rule) and use ecs.ContainerImage.fromEcrRepository, build it with ecs.ContainerImage.fromAsset, or select subnets with egress (NAT)`,
    );
  }
  if (source === ImageSource.DOCKER_HUB) {
    Annotations.of(scope).addWarningV2(
      'cdk-compute-patterns:dockerHubImage',
      `${subject} '${name}' is pulled from Docker Hub, which rate-limits anonymous pulls per source IP address: every task pulls through the VPC's NAT address, so scale-outs and rollbacks can fail to start tasks. Use ECR Public (public.ecr.aws/...), an ECR pull-through cache rule, or your own ECR repository (ecs.ContainerImage.fromAsset / fromEcrRepository)`,
    );
  }
}
