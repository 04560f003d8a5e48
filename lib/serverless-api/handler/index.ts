/**
 * The ServerlessApi handler: the lab's users API (list, create, get, update, delete) for any collection
 * schema, behind an API Gateway REST API (Lambda proxy integration).
 *
 * Environment:
 * - `TABLE_NAME`: the table (partition key = the schema's key, string).
 * - `COLLECTION_SCHEMA`: the schema JSON (handler/schema.ts); default the lab's `users`.
 * - `ROUTE_GROUP`: `read` (GET list, GET item), `write` (POST, PUT), `delete` (DELETE) or `all`. The construct
 *   deploys one function per group, each with a role allowed only its group's DynamoDB actions; a request for
 *   another group's route is refused here too (404), so a mis-wired integration cannot widen what a role does.
 * - `ALLOWED_ORIGINS`: comma-separated origins answered with CORS headers (`*` only if listed); empty = no CORS.
 * - `AWS_ENDPOINT_URL_DYNAMODB`: the SDK's standard variable, to point at a local DynamoDB (dynalite).
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CollectionDefinition, DEFAULT_COLLECTION, KEY_PATTERN, validateCollection, validateItemBody } from './schema';

export type RouteGroup = 'read' | 'write' | 'delete' | 'all';

/** Items per page of `GET /<collection>` unless `limit` says otherwise, and the most `limit` may ask for. */
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

export interface ApiConfig {
  readonly tableName: string;
  readonly collection: CollectionDefinition;
  readonly routeGroup: RouteGroup;
  readonly allowedOrigins: string[];
}

/** Reads the configuration from the environment; throws on a broken one (the function then fails every call). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME is not set');
  const group = (env.ROUTE_GROUP ?? 'all') as RouteGroup;
  if (!['read', 'write', 'delete', 'all'].includes(group)) {
    throw new Error(`ROUTE_GROUP must be read, write, delete or all; received '${group}'`);
  }
  return {
    tableName,
    collection: env.COLLECTION_SCHEMA ? validateCollection(JSON.parse(env.COLLECTION_SCHEMA)) : DEFAULT_COLLECTION,
    routeGroup: group,
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  };
}

type Route = 'list' | 'create' | 'get' | 'update' | 'delete';
const GROUP_OF: Record<Route, RouteGroup> = {
  list: 'read',
  get: 'read',
  create: 'write',
  update: 'write',
  delete: 'delete',
};

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly errors?: string[],
  ) {
    super(message);
  }
}

export type Handler = (
  event: APIGatewayProxyEvent,
  context?: { awsRequestId?: string },
) => Promise<APIGatewayProxyResult>;

/** Builds the handler for a configuration and a DynamoDB client (tests point both at dynalite). */
export function createHandler(config: ApiConfig, client: DynamoDBClient = new DynamoDBClient({})): Handler {
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const c = config.collection;
  const key = c.key;
  const collectionPath = `/${c.name}`;
  const itemPath = `/${c.name}/{${key}}`;

  const routeOf = (event: APIGatewayProxyEvent): Route | undefined => {
    const resource = event.resource;
    const method = event.httpMethod;
    if (resource === collectionPath) return method === 'GET' ? 'list' : method === 'POST' ? 'create' : undefined;
    if (resource === itemPath) {
      return ({ GET: 'get', PUT: 'update', DELETE: 'delete' } as Record<string, Route>)[method];
    }
    return undefined;
  };

  const pathKey = (event: APIGatewayProxyEvent): string => {
    const value = event.pathParameters?.[key];
    if (value === undefined || !KEY_PATTERN.test(value)) {
      throw new HttpError(
        400,
        `${key} in the path must be 1 to 128 characters of letters, digits and . _ ~ @ + -; received '${value ?? ''}'`,
      );
    }
    return value;
  };

  const parseBody = (event: APIGatewayProxyEvent): Record<string, unknown> => {
    if (!event.body) throw new HttpError(400, 'request body must be a JSON object');
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
    } catch {
      throw new HttpError(400, 'request body must be valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new HttpError(400, 'request body must be a JSON object');
    }
    return parsed as Record<string, unknown>;
  };

  const invalid = (problems: string[]): HttpError =>
    new HttpError(400, `invalid ${c.name} item: ${problems.join('; ')}`, problems);

  const routes: Record<Route, (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>> = {
    list: async (event) => {
      const q = event.queryStringParameters ?? {};
      const limit = parseLimit(q.limit);
      const cursor = q.cursor === undefined ? undefined : parseCursor(q.cursor, key);
      // One bounded Scan page per request (Limit <= 100 items, and DynamoDB stops at 1 MB): never the whole table.
      const page = await db.send(
        new ScanCommand({ TableName: config.tableName, Limit: limit, ExclusiveStartKey: cursor }),
      );
      const body: Record<string, unknown> = { items: page.Items ?? [] };
      if (page.LastEvaluatedKey) body.nextCursor = encodeCursor(page.LastEvaluatedKey, key);
      return json(200, body);
    },
    get: async (event) => {
      const id = pathKey(event);
      const result = await db.send(new GetCommand({ TableName: config.tableName, Key: { [key]: id } }));
      if (!result.Item) throw new HttpError(404, `${key} '${id}' not found`);
      return json(200, result.Item);
    },
    create: async (event) => {
      const body = parseBody(event);
      const problems = validateItemBody(c, body, 'create');
      if (problems.length) throw invalid(problems);
      const now = new Date().toISOString();
      const item = { ...body, version: 1, createdAt: now, updatedAt: now };
      try {
        await db.send(
          new PutCommand({
            TableName: config.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#k)',
            ExpressionAttributeNames: { '#k': key },
          }),
        );
      } catch (err) {
        if (
          err instanceof ConditionalCheckFailedException ||
          (err as Error).name === 'ConditionalCheckFailedException'
        ) {
          throw new HttpError(409, `${key} '${String(body[key])}' already exists`);
        }
        throw err;
      }
      return json(201, item, { Location: `${collectionPath}/${encodeURIComponent(String(body[key]))}` });
    },
    update: async (event) => {
      const id = pathKey(event);
      const body = parseBody(event);
      const problems = validateItemBody(c, body, 'update', id);
      if (problems.length) throw invalid(problems);
      const expected = body.version as number;
      // PUT replaces the item's attributes: those in the body are set, the schema's others removed. The write
      // happens only if the item exists at the version the caller read (optimistic concurrency).
      const names: Record<string, string> = { '#k': key, '#v': 'version', '#u': 'updatedAt' };
      const values: Record<string, unknown> = {
        ':v': expected,
        ':next': expected + 1,
        ':now': new Date().toISOString(),
      };
      const set = ['#v = :next', '#u = :now'];
      const remove: string[] = [];
      c.attributes.forEach((a, i) => {
        names[`#a${i}`] = a.name;
        if (body[a.name] === undefined || body[a.name] === null) {
          remove.push(`#a${i}`);
        } else {
          values[`:a${i}`] = body[a.name];
          set.push(`#a${i} = :a${i}`);
        }
      });
      try {
        const result = await db.send(
          new UpdateCommand({
            TableName: config.tableName,
            Key: { [key]: id },
            UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
            ConditionExpression: 'attribute_exists(#k) AND #v = :v',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return json(200, result.Attributes);
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
      // The condition failed: missing (404) or at another version (409). A no-op update of the item, allowed only
      // if it exists, tells which and returns its version, with the write role's own permission (no read grant).
      try {
        const probe = await db.send(
          new UpdateCommand({
            TableName: config.tableName,
            Key: { [key]: id },
            UpdateExpression: 'SET #v = #v',
            ConditionExpression: 'attribute_exists(#k)',
            ExpressionAttributeNames: { '#k': key, '#v': 'version' },
            ReturnValues: 'UPDATED_OLD',
          }),
        );
        throw new HttpError(
          409,
          `${key} '${id}' is at version ${String(probe.Attributes?.version)}, not ${expected}: read it again and retry`,
        );
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') {
          throw new HttpError(404, `${key} '${id}' not found`);
        }
        throw err;
      }
    },
    delete: async (event) => {
      const id = pathKey(event);
      try {
        await db.send(
          new DeleteCommand({
            TableName: config.tableName,
            Key: { [key]: id },
            ConditionExpression: 'attribute_exists(#k)',
            ExpressionAttributeNames: { '#k': key },
          }),
        );
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') {
          throw new HttpError(404, `${key} '${id}' not found`);
        }
        throw err;
      }
      return { statusCode: 204, headers: baseHeaders(), body: '' };
    },
  };

  return async (event, context) => {
    const cors = corsHeaders(config.allowedOrigins, event.headers ?? {});
    try {
      const route = routeOf(event);
      if (!route || (config.routeGroup !== 'all' && GROUP_OF[route] !== config.routeGroup)) {
        throw new HttpError(404, `no route for ${event.httpMethod} ${event.resource}`);
      }
      const response = await routes[route](event);
      return { ...response, headers: { ...response.headers, ...cors } };
    } catch (err) {
      if (err instanceof HttpError) {
        const body: Record<string, unknown> = { message: err.message };
        if (err.errors && err.errors.length > 1) body.errors = err.errors;
        return { ...json(err.statusCode, body), headers: { ...baseHeaders(), ...cors } };
      }
      // Internal details go to the log, never to the caller.
      const requestId = context?.awsRequestId ?? event.requestContext?.requestId;
      console.error(
        JSON.stringify({
          level: 'ERROR',
          message: 'request failed',
          requestId,
          error: (err as Error).name,
          detail: (err as Error).message,
        }),
      );
      return { ...json(500, { message: 'internal error', requestId }), headers: { ...baseHeaders(), ...cors } };
    }
  };
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PAGE_SIZE) {
    throw new HttpError(400, `limit must be an integer between 1 and ${MAX_PAGE_SIZE}; received '${raw}'`);
  }
  return n;
}

/** The cursor is the page's LastEvaluatedKey ({ key: value }) as base64url JSON. */
function encodeCursor(lastKey: Record<string, unknown>, key: string): string {
  return Buffer.from(JSON.stringify({ [key]: lastKey[key] }), 'utf8').toString('base64url');
}

function parseCursor(raw: string, key: string): Record<string, unknown> {
  const bad = new HttpError(400, 'cursor is not valid: pass the nextCursor of the previous page unchanged');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad;
  }
  const value = (parsed as Record<string, unknown> | null)?.[key];
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Object.keys(parsed).length !== 1 ||
    typeof value !== 'string' ||
    !KEY_PATTERN.test(value)
  ) {
    throw bad;
  }
  return { [key]: value };
}

function baseHeaders(): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...baseHeaders(), ...headers }, body: JSON.stringify(body) };
}

/** CORS headers for an allowed origin (echoed, with Vary: Origin); none for any other. */
export function corsHeaders(allowed: string[], headers: Record<string, string | undefined>): Record<string, string> {
  if (allowed.length === 0) return {};
  const origin = Object.entries(headers).find(([name]) => name.toLowerCase() === 'origin')?.[1];
  if (allowed.includes('*')) return { 'Access-Control-Allow-Origin': '*' };
  if (origin && allowed.includes(origin)) return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  return { Vary: 'Origin' };
}

let cached: Handler | undefined;

/** The Lambda entry point. */
export const handler: Handler = async (event, context) => {
  cached ??= createHandler(configFromEnv());
  return cached(event, context);
};
