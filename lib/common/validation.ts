import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Props validation helpers shared by every construct. Messages say what was
 * given, what was expected and, where useful, how to fix it. Unresolved tokens
 * are skipped: their value is only known at deploy time.
 */

/** Throws unless `value` is an integer within [min, max]. */
export function validateIntegerInRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}; received ${value}`);
  }
}

/** Throws unless `low <= high` (both resolved). */
export function validateOrder(lowName: string, low: number, highName: string, high: number): void {
  if (Token.isUnresolved(low) || Token.isUnresolved(high)) return;
  if (low > high) {
    throw new Error(`${lowName} (${low}) must not be greater than ${highName} (${high})`);
  }
}

/** Throws unless the optional `value` lies within [minName, maxName]. */
export function validateWithin(
  name: string,
  value: number | undefined,
  minName: string,
  min: number,
  maxName: string,
  max: number,
): void {
  if (value === undefined || [value, min, max].some((v) => Token.isUnresolved(v))) return;
  if (value < min || value > max) {
    throw new Error(`${name} (${value}) must lie between ${minName} (${min}) and ${maxName} (${max})`);
  }
}

const CIDR_V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** Throws unless every entry is an IPv4 CIDR such as `203.0.113.0/24`. */
export function validateCidrs(name: string, cidrs: string[] | undefined): void {
  if (cidrs === undefined) return;
  for (const cidr of cidrs) {
    if (Token.isUnresolved(cidr)) continue;
    if (!CIDR_V4.test(cidr)) {
      throw new Error(`${name} must contain IPv4 CIDR blocks such as '203.0.113.0/24'; received '${cidr}'`);
    }
  }
}

/** Throws when both of two mutually exclusive props are given. */
export function validateExclusive(aName: string, a: unknown, bName: string, b: unknown, hint: string): void {
  if (a !== undefined && b !== undefined) {
    throw new Error(`give either ${aName} or ${bName}, not both: ${hint}`);
  }
}

/**
 * Runs `validate`, prefixing the message of any error it throws with the construct path of `scope`
 * (unless it already starts with that path or a path below it): a user with three fleets must know which one
 * is wrong.
 */
export function withConstructPath<T>(scope: Construct, validate: () => T): T {
  return withPath(scope.node.path, validate);
}

/**
 * {@link withConstructPath} for a construct that validates before `super()` (so before it has a node): `path` is
 * the path it will have, `childPath(scope, id)`.
 */
export function withPath<T>(path: string, validate: () => T): T {
  try {
    return validate();
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(`${path}: `) && !e.message.startsWith(`${path}/`)) {
      e.message = `${path}: ${e.message}`;
    }
    throw e;
  }
}

/** The path a construct with `id` will have under `scope`. */
export function childPath(scope: Construct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}
