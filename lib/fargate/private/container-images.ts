import { Token } from 'aws-cdk-lib';

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
