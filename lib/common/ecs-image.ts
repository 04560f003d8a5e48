import { Annotations, Stack, Token } from 'aws-cdk-lib';
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
