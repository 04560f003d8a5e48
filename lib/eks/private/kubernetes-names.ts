import { Token } from 'aws-cdk-lib';

/** A DNS-1123 label: what Kubernetes accepts as a namespace name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: what Kubernetes accepts as a service account name. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Fargate profile selector namespace: a DNS-1123 label in which `*` and `?` are wildcards. */
const NAMESPACE_PATTERN = /^[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$/;
/** An IAM role or user ARN, the principals an EKS access entry accepts. */
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/;

/** Throws unless `name` is a valid Kubernetes namespace name. */
export function validateNamespace(what: string, name: string): void {
  if (Token.isUnresolved(name)) return;
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    throw new Error(
      `${what} must be a Kubernetes namespace name (lowercase letters, digits and '-', at most 63 characters); received '${name}'`,
    );
  }
}

/** Throws unless `name` is a valid Fargate profile namespace selector. */
export function validateNamespaceSelector(what: string, name: string): void {
  if (Token.isUnresolved(name)) return;
  if (name.length > 63 || !NAMESPACE_PATTERN.test(name)) {
    throw new Error(
      `${what} must be Kubernetes namespace names (lowercase letters, digits and '-', '*' and '?' as wildcards, at most 63 characters); received '${name}'`,
    );
  }
}

/** Throws unless `name` is a valid Kubernetes service account name. */
export function validateServiceAccount(what: string, name: string): void {
  if (Token.isUnresolved(name)) return;
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new Error(
      `${what} must be a Kubernetes service account name (lowercase letters, digits, '-' and '.', at most 253 characters); received '${name}'`,
    );
  }
}

/** Throws unless `arn` is an IAM role or user ARN. */
export function validatePrincipalArn(what: string, arn: string): void {
  if (Token.isUnresolved(arn)) return;
  if (!IAM_PRINCIPAL_ARN.test(arn)) {
    throw new Error(
      `${what} must contain IAM role or user ARNs such as 'arn:aws:iam::123456789012:role/Admin' (for an assumed-role session, give the role's ARN); received '${arn}'`,
    );
  }
}
