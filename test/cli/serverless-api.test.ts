/**
 * `verify` for a ServerlessApi: the SigV4-signed round trip against the real handler behind the loopback API
 * server on dynalite, with a gate that refuses unsigned requests the way IAM authorization does.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createAwsClients } from '../../bin/cli/verify/aws';
import { verifyServerlessApi } from '../../bin/cli/verify/checks/serverless-api';
import { createSignedFetch } from '../../bin/cli/verify/signed-http';
import type { Handler } from '../../lib/serverless-api/handler/index';
import { useApiHarness } from '../serverless-api/handler/harness';
import { testContext } from './support/helpers';

const h = useApiHarness();
const CREDENTIALS = { accessKeyId: 'AKIDVERIFYTEST', secretAccessKey: 'secret' };

/** Wraps a handler with what IAM authorization checks first: a SigV4 Authorization header for execute-api. */
function requireSigV4(seen: string[]) {
  return (inner: Handler): Handler =>
    async (event, context) => {
      const auth = event.headers?.authorization ?? '';
      seen.push(auth);
      if (
        !/^AWS4-HMAC-SHA256 Credential=AKIDVERIFYTEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/.test(
          auth,
        )
      ) {
        return { statusCode: 403, body: JSON.stringify({ message: 'Missing Authentication Token' }) };
      }
      return inner(event, context);
    };
}

function outputs(url: string) {
  return { ApiUrl: `${url}/`, CollectionName: 'users', KeyAttribute: 'userId', TableName: 'users-table' };
}

function context(signed = true) {
  const clients = createAwsClients('eu-west-1');
  return testContext({
    clients: {
      ...clients,
      signedFetch: signed ? () => createSignedFetch('eu-west-1', async () => CREDENTIALS) : undefined,
    },
    settings: { runId: 'run-1' },
  });
}

describe('verify ServerlessApi (loopback API on dynalite)', () => {
  test('passes a signed create, get, list and delete round trip and leaves no item behind', async () => {
    // GIVEN the API, refusing unsigned requests
    const seen: string[] = [];
    const { createHandler } = await import('../../lib/serverless-api/handler/index');
    const { DEFAULT_COLLECTION } = await import('../../lib/serverless-api/handler/schema');
    let tableRef = '';
    const api = await h.start({
      handlerFor: (group, tableName, endpoint) => {
        tableRef = tableName;
        const { DynamoDBClient } = jest.requireActual('@aws-sdk/client-dynamodb');
        const client = new DynamoDBClient({
          endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        });
        return requireSigV4(seen)(
          createHandler({ tableName, collection: DEFAULT_COLLECTION, routeGroup: group, allowedOrigins: [] }, client),
        );
      },
    });
    // WHEN verify runs
    const results = await verifyServerlessApi(context(), outputs(api.url));
    // THEN every step passes, every request was signed, and the table is empty again
    expect(results.map((r) => `${r.status} ${r.id}`)).toEqual([
      'info api',
      'pass create',
      'pass get',
      'pass list',
      'pass delete',
    ]);
    expect(seen.length).toBe(5);
    const left = await api.client.send(new ScanCommand({ TableName: tableRef }));
    expect(left.Items).toEqual([]);
  });

  test('fails the create (and writes nothing) when the API refuses the signature', async () => {
    const api = await h.start({
      handlerFor: () => async () => ({
        statusCode: 403,
        body: '{"message":"The security token included in the request is invalid."}',
      }),
    });
    const results = await verifyServerlessApi(context(), outputs(api.url));
    expect(results.map((r) => `${r.status} ${r.id}`)).toEqual(['info api', 'fail create']);
    expect(results[1].evidence).toContain('answered HTTP 403, expected 201');
  });

  test('deletes the item even when a step after the create fails', async () => {
    const seen: string[] = [];
    const { createHandler } = await import('../../lib/serverless-api/handler/index');
    const { DEFAULT_COLLECTION } = await import('../../lib/serverless-api/handler/schema');
    let tableRef = '';
    const api = await h.start({
      handlerFor: (group, tableName, endpoint) => {
        tableRef = tableName;
        if (group === 'read') return async () => ({ statusCode: 500, body: '{"message":"internal error"}' });
        const { DynamoDBClient } = jest.requireActual('@aws-sdk/client-dynamodb');
        const client = new DynamoDBClient({
          endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        });
        return requireSigV4(seen)(
          createHandler({ tableName, collection: DEFAULT_COLLECTION, routeGroup: group, allowedOrigins: [] }, client),
        );
      },
    });
    const results = await verifyServerlessApi(context(), outputs(api.url));
    expect(results.map((r) => `${r.status} ${r.id}`)).toEqual([
      'info api',
      'pass create',
      'fail get',
      'fail list',
      'fail delete',
    ]);
    // the DELETE itself succeeded (the follow-up GET is the read function that fails here)
    const left = await api.client.send(new ScanCommand({ TableName: tableRef }));
    expect(left.Items).toEqual([]);
  });

  test('skips the round trip with --no-write', async () => {
    const ctx = testContext({ settings: { write: false } });
    const results = await verifyServerlessApi(ctx, outputs('http://127.0.0.1:9'));
    expect(results.map((r) => `${r.status} ${r.id}`)).toEqual(['info api', 'skip round-trip']);
  });

  test('fails clearly without a signer', async () => {
    const results = await verifyServerlessApi(context(false), outputs('http://127.0.0.1:9'));
    expect(results[1]).toMatchObject({ status: 'fail', evidence: 'no request signer is configured' });
  });
});
