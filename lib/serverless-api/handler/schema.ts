/**
 * The collection schema of a ServerlessApi: its JSON format, the default (the lab's `users`), its validation,
 * and the validation of item bodies against it.
 *
 * Shared by the handler (which parses `COLLECTION_SCHEMA` at runtime and validates every body) and the
 * construct (which validates its `schema` prop at synth time, generates the API Gateway request models from
 * it and serialises it with `JSON.stringify`). Free of imports, so the construct loads it without pulling in
 * any runtime dependency.
 *
 * ```json
 * {
 *   "name": "users",
 *   "key": "userId",
 *   "attributes": [{ "name": "name", "type": "string", "required": true, "maxLength": 256 }],
 *   "maxItemBytes": 4096
 * }
 * ```
 */

/** The value types an attribute can hold. */
export type AttributeKind = 'string' | 'integer' | 'number' | 'boolean';

/** One attribute of an item (besides the key). */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeKind;
  /** @default false */
  readonly required?: boolean;
  /** Inclusive bounds for integer and number attributes. */
  readonly min?: number;
  readonly max?: number;
  /** Longest string value, in characters. @default DEFAULT_MAX_LENGTH */
  readonly maxLength?: number;
}

/** A collection: its URL name, key attribute, other attributes and item size limit. */
export interface CollectionDefinition {
  /** The collection's path segment (`/users`). */
  readonly name: string;
  /** The key attribute (the table's string partition key and the `{userId}` path parameter). */
  readonly key: string;
  readonly attributes: readonly AttributeDefinition[];
  /** Largest item accepted, in bytes of its JSON body. @default DEFAULT_MAX_ITEM_BYTES */
  readonly maxItemBytes?: number;
}

/** Attributes the handler maintains itself; a schema may not define them and a body may not set them. */
export const SYSTEM_ATTRIBUTES = ['version', 'createdAt', 'updatedAt'];
export const DEFAULT_MAX_LENGTH = 256;
export const DEFAULT_MAX_ITEM_BYTES = 4096;
/** DynamoDB's item size limit (400 KB); the JSON body limit stays below it. */
export const MAX_ITEM_BYTES = 350_000;
/** Key values: 1 to 128 URL-safe characters, so a key is always a valid path segment. */
export const KEY_PATTERN = /^[A-Za-z0-9._~@+-]{1,128}$/;

/** The lab's collection: `users` keyed by `userId`, with a required `name`. */
export const DEFAULT_COLLECTION: CollectionDefinition = {
  name: 'users',
  key: 'userId',
  attributes: [{ name: 'name', type: 'string', required: true, maxLength: DEFAULT_MAX_LENGTH }],
  maxItemBytes: DEFAULT_MAX_ITEM_BYTES,
};

const COLLECTION_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const KINDS: AttributeKind[] = ['string', 'integer', 'number', 'boolean'];

/** Checks a definition; returns it (typed) or throws with every problem found. */
export function validateCollection(input: unknown): CollectionDefinition {
  const problems: string[] = [];
  const d = input as CollectionDefinition;
  if (typeof d !== 'object' || d === null) throw new Error('collection schema must be an object');
  if (typeof d.name !== 'string' || !COLLECTION_NAME.test(d.name)) {
    problems.push(
      `name must be a URL path segment of lowercase letters, digits and '-' starting with a letter (such as 'users'); received '${d.name}'`,
    );
  }
  if (typeof d.key !== 'string' || !ATTRIBUTE_NAME.test(d.key)) {
    problems.push(`key must be an attribute name (letters, digits, '_', starting with a letter); received '${d.key}'`);
  }
  if (!Array.isArray(d.attributes)) {
    problems.push('attributes must be a list');
  } else {
    const seen = new Set<string>();
    for (const a of d.attributes) {
      if (typeof a.name !== 'string' || !ATTRIBUTE_NAME.test(a.name)) {
        problems.push(
          `attribute name must be letters, digits and '_', starting with a letter, at most 64 characters; received '${a.name}'`,
        );
        continue;
      }
      if (a.name === d.key) problems.push(`attribute '${a.name}' is the key; list only the other attributes`);
      if (SYSTEM_ATTRIBUTES.includes(a.name)) {
        problems.push(
          `attribute '${a.name}' is maintained by the API itself (${SYSTEM_ATTRIBUTES.join(', ')}); choose another name`,
        );
      }
      if (seen.has(a.name)) problems.push(`attribute '${a.name}' is listed twice`);
      seen.add(a.name);
      if (!KINDS.includes(a.type)) {
        problems.push(`attribute '${a.name}' has type '${a.type}'; expected one of ${KINDS.join(', ')}`);
      }
      if ((a.min !== undefined || a.max !== undefined) && a.type !== 'integer' && a.type !== 'number') {
        problems.push(`attribute '${a.name}': min and max apply to integer and number attributes only`);
      }
      if (a.min !== undefined && a.max !== undefined && a.min > a.max) {
        problems.push(`attribute '${a.name}': min (${a.min}) must not be greater than max (${a.max})`);
      }
      if (a.maxLength !== undefined) {
        if (a.type !== 'string') problems.push(`attribute '${a.name}': maxLength applies to string attributes only`);
        else if (!Number.isInteger(a.maxLength) || a.maxLength < 1 || a.maxLength > MAX_ITEM_BYTES) {
          problems.push(
            `attribute '${a.name}': maxLength must be an integer between 1 and ${MAX_ITEM_BYTES}; received ${a.maxLength}`,
          );
        }
      }
    }
  }
  const maxItemBytes = d.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
  if (!Number.isInteger(maxItemBytes) || maxItemBytes < 64 || maxItemBytes > MAX_ITEM_BYTES) {
    problems.push(
      `maxItemBytes must be an integer between 64 and ${MAX_ITEM_BYTES} (DynamoDB items are at most 400 KB); received ${d.maxItemBytes}`,
    );
  }
  if (problems.length > 0) throw new Error(`invalid collection schema: ${problems.join('; ')}`);
  return {
    name: d.name,
    key: d.key,
    attributes: d.attributes.map((a) => ({ ...a, required: a.required === true })),
    maxItemBytes,
  };
}

/** The key's path-parameter name and body attribute (the same). */
export function keyOf(c: CollectionDefinition): string {
  return c.key;
}

/**
 * Validates the body of a create (`mode: 'create'`: the key is required) or an update (`mode: 'update'`:
 * the key comes from the path, `version` is required). Returns the problems, in schema order; none means valid.
 */
export function validateItemBody(
  c: CollectionDefinition,
  body: Record<string, unknown>,
  mode: 'create' | 'update',
  pathKey?: string,
): string[] {
  const problems: string[] = [];
  const known = new Set([c.key, ...c.attributes.map((a) => a.name), ...(mode === 'update' ? ['version'] : [])]);
  for (const name of Object.keys(body)) {
    if (!known.has(name)) {
      problems.push(`unknown attribute '${name}'; expected only ${[...known].join(', ')}`);
    }
  }
  const key = body[c.key];
  if (mode === 'create') {
    if (key === undefined || key === null) problems.push(`${c.key} is required`);
    else if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      problems.push(`${c.key} must be 1 to 128 characters of letters, digits and . _ ~ @ + -; received ${show(key)}`);
    }
  } else if (key !== undefined && key !== pathKey) {
    problems.push(`${c.key} in the body (${show(key)}) does not match the path ('${pathKey}')`);
  }
  if (mode === 'update') {
    const v = body.version;
    if (v === undefined || v === null) problems.push('version is required: send the version you read');
    else if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      problems.push(`version must be a positive integer; received ${show(v)}`);
    }
  }
  for (const a of c.attributes) {
    const value = body[a.name];
    if (value === undefined || value === null) {
      if (a.required) problems.push(`${a.name} is required`);
      continue;
    }
    const problem = checkValue(a, value);
    if (problem) problems.push(problem);
  }
  const bytes = Buffer.byteLength(JSON.stringify(body), 'utf8');
  const limit = c.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
  if (bytes > limit) problems.push(`the item is ${bytes} bytes; the limit is ${limit}`);
  return problems;
}

function checkValue(a: AttributeDefinition, value: unknown): string | undefined {
  switch (a.type) {
    case 'string': {
      if (typeof value !== 'string') return `${a.name} must be a string; received ${show(value)}`;
      const max = a.maxLength ?? DEFAULT_MAX_LENGTH;
      if (value.length > max) return `${a.name} must be at most ${max} characters; received ${value.length}`;
      if (a.required && value.trim() === '') return `${a.name} must not be empty`;
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${a.name} must be true or false; received ${show(value)}`;
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return `${a.name} must be a number; received ${show(value)}`;
      }
      if (a.type === 'integer' && !Number.isInteger(value)) {
        return `${a.name} must be a whole number; received ${value}`;
      }
      if (a.min !== undefined && value < a.min) return `${a.name} must be at least ${a.min}; received ${value}`;
      if (a.max !== undefined && value > a.max) return `${a.name} must be at most ${a.max}; received ${value}`;
      return undefined;
    }
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/** JSON Schema (draft 4, what API Gateway models speak) of a create (`create`) or update (`update`) body. */
export function jsonSchemaOf(c: CollectionDefinition, mode: 'create' | 'update'): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    [c.key]: { type: 'string', pattern: KEY_PATTERN.source },
  };
  for (const a of c.attributes) {
    const p: Record<string, unknown> = { type: a.type === 'integer' ? 'integer' : a.type };
    if (a.type === 'string') {
      p.maxLength = a.maxLength ?? DEFAULT_MAX_LENGTH;
      if (a.required) p.minLength = 1;
    }
    if (a.min !== undefined) p.minimum = a.min;
    if (a.max !== undefined) p.maximum = a.max;
    properties[a.name] = p;
  }
  const required = c.attributes.filter((a) => a.required).map((a) => a.name);
  if (mode === 'create') required.unshift(c.key);
  if (mode === 'update') {
    properties.version = { type: 'integer', minimum: 1 };
    required.push('version');
  }
  return { type: 'object', properties, required, additionalProperties: false };
}
