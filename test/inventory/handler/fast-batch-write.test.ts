import { createHash, createHmac } from 'node:crypto';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { FastBatchWriter, serviceError, signJsonPost } from '../../../lib/inventory/handler/fast-batch-write';
import { createTable, emulatorClients } from '../../support/emulators';
import { scanItems, useEngineHarness } from './helpers';

const h = useEngineHarness();

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Buffer =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** node:crypto as the SDK's hash constructor (HMAC when given a secret). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

describe('signJsonPost', () => {
  test.each([
    ['long-term credentials', undefined],
    ['session credentials', 'FwoGZXIvYXdzEJr//////////wEaDN0token'],
  ])('produces the same Authorization as the AWS SDK signer (%s)', async (_label, sessionToken) => {
    // GIVEN one request
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      sessionToken,
    };
    const date = new Date(Date.UTC(2025, 5, 30, 12, 34, 56));
    const body = JSON.stringify({ RequestItems: { Inventory: [{ PutRequest: { Item: { sku: { S: 'Ü-1 "x"' } } } }] } });
    // WHEN both sign it
    const ours = signJsonPost({
      host: 'dynamodb.eu-west-1.amazonaws.com',
      path: '/',
      target: 'DynamoDB_20120810.BatchWriteItem',
      body,
      region: 'eu-west-1',
      service: 'dynamodb',
      credentials,
      date,
    });
    const sdk = await new SignatureV4({
      credentials,
      region: 'eu-west-1',
      service: 'dynamodb',
      sha256: NodeSha256,
      applyChecksum: false,
    }).sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: 'dynamodb.eu-west-1.amazonaws.com',
        path: '/',
        query: {},
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          host: 'dynamodb.eu-west-1.amazonaws.com',
          'x-amz-target': 'DynamoDB_20120810.BatchWriteItem',
        },
        body,
      },
      { signingDate: date },
    );
    // THEN
    expect(ours.authorization).toBe(sdk.headers.authorization);
    expect(ours['x-amz-date']).toBe('20250630T123456Z');
    expect(ours['x-amz-security-token']).toBe(sessionToken);
  });
});

describe('serviceError', () => {
  test('names the error after the __type shape, like the SDK', () => {
    const err = serviceError(
      400,
      '{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}',
    );
    expect(err).toMatchObject({ name: 'ProvisionedThroughputExceededException', message: 'slow down' });
    expect((err as unknown as { $metadata: object }).$metadata).toEqual({ httpStatusCode: 400 });
    expect(serviceError(503, 'Service Unavailable').name).toBe('UnknownError');
  });

  test('keeps the item a ConditionalCheckFailedException returns (ReturnValuesOnConditionCheckFailure)', () => {
    const err = serviceError(
      400,
      '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"sku":{"S":"K1"}}}',
    );
    expect(err).toMatchObject({ name: 'ConditionalCheckFailedException', Item: { sku: { S: 'K1' } } });
  });
});

describe('FastBatchWriter against dynalite', () => {
  test('the first call goes through the SDK, later calls take the lean path and land in the table', async () => {
    const { dynamodb } = emulatorClients(h.emulators().s3Endpoint, h.emulators().dynamodbEndpoint);
    await createTable(dynamodb, 'FastPath', 'sku');
    const sdkSend = jest.spyOn(dynamodb, 'send');
    const writer = new FastBatchWriter(dynamodb, {});
    const put = (sku: string) => ({ PutRequest: { Item: { sku: { S: sku }, name: { S: `n ${sku}` } } } });
    await writer.send({ RequestItems: { FastPath: [put('A'), put('B')] } });
    await writer.send({ RequestItems: { FastPath: [put('C')] } });
    const result = await writer.send({ RequestItems: { FastPath: [put('D')] } });
    expect(sdkSend.mock.calls.filter(([c]) => c instanceof BatchWriteItemCommand)).toHaveLength(1);
    expect(result.UnprocessedItems).toEqual({});
    expect([...(await scanItems(h.emulators(), 'FastPath')).keys()].sort()).toEqual(['A', 'B', 'C', 'D']);
    sdkSend.mockRestore();
    dynamodb.destroy();
  });

  test('service errors on the lean path carry the SDK error name', async () => {
    const { dynamodb } = emulatorClients(h.emulators().s3Endpoint, h.emulators().dynamodbEndpoint);
    await createTable(dynamodb, 'FastPathErrors', 'sku');
    const writer = new FastBatchWriter(dynamodb, {});
    await writer.send({ RequestItems: { FastPathErrors: [{ PutRequest: { Item: { sku: { S: 'A' } } } }] } });
    await expect(
      writer.send({ RequestItems: { NoSuchTable: [{ PutRequest: { Item: { sku: { S: 'A' } } } }] } }),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    dynamodb.destroy();
  });

  test('INVENTORY_WRITE_PATH=sdk keeps every call on the SDK', async () => {
    const client = new DynamoDBClient({});
    const send = jest.spyOn(client, 'send').mockResolvedValue({ UnprocessedItems: {} } as never);
    const writer = new FastBatchWriter(client, { INVENTORY_WRITE_PATH: 'sdk' });
    await writer.send({ RequestItems: { T: [] } });
    await writer.send({ RequestItems: { T: [] } });
    expect(send).toHaveBeenCalledTimes(2);
  });
});
