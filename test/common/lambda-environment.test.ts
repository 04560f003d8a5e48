import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  CollectionAttributeType,
  CollectionSchema,
  InventoryColumnType,
  InventoryLoader,
  InventorySchema,
  ServerlessApi,
} from '../../lib';
import { DEPLOY_TIME_VALUE_BYTES, limitLambdaEnvironment } from '../../lib/common/lambda-environment';
import { agnosticStack } from '../support/cdk-context';

/** A function with `environment`, limited. */
function limited(stack: Stack, environment: Record<string, string>): lambda.Function {
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    environment,
  });
  limitLambdaEnvironment(fn, 'Shorten it.');
  return fn;
}

describe('limitLambdaEnvironment (Lambda: 4 KB of environment variables per function, names and values)', () => {
  test('passes at exactly 4,096 bytes, counting a deploy-time value as 256', () => {
    const stack = agnosticStack();
    const table = new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    // 'TABLE_NAME' (10) + 256 + 'BIG' (3) + 3,827 = 4,096
    limited(stack, { TABLE_NAME: table.tableName, BIG: 'x'.repeat(4096 - 10 - DEPLOY_TIME_VALUE_BYTES - 3) });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('fails one byte over, naming the function, each variable by size and the hint; variables added later count', () => {
    const stack = agnosticStack();
    const fn = limited(stack, { A: 'x'.repeat(2000) });
    fn.addEnvironment('B', 'y'.repeat(2094)); // 1 + 2000 + 1 + 2094 = 4,096
    fn.addEnvironment('C', ''); // one more byte
    expect(() => Template.fromStack(stack)).toThrow(
      "Agnostic/Fn: the function's environment variables add up to 4097 bytes (names and values: B 2095, A 2001, C 1), more than the 4096 bytes (4 KB) Lambda allows a function in all, so the function could not be created. Shorten it.",
    );
  });

  test('ServerlessApi: a schema too large for the functions fails at synth, naming COLLECTION_SCHEMA', () => {
    const stack = agnosticStack();
    new ServerlessApi(stack, 'Users', {
      schema: CollectionSchema.of({
        name: 'users',
        keyAttribute: 'userId',
        attributes: Array.from({ length: 60 }, (_, i) => ({
          name: `a_rather_long_attribute_name_number_${i}`,
          type: CollectionAttributeType.STRING,
        })),
      }),
    });
    expect(() => Template.fromStack(stack)).toThrow(
      /Agnostic\/Users\/ReadFunction: the function's environment variables add up to \d+ bytes \(names and values: COLLECTION_SCHEMA \d+, TABLE_NAME 266 \(its deploy-time value counted as 256\).*COLLECTION_SCHEMA \(your schema\) is most of it/,
    );
  });

  test('InventoryLoader: a schema too large for the import function fails at synth, naming INVENTORY_SCHEMA', () => {
    const stack = agnosticStack();
    new InventoryLoader(stack, 'Inventory', {
      schema: InventorySchema.of({
        keyColumn: 'sku',
        columns: [
          { name: 'sku', type: InventoryColumnType.STRING, required: true },
          ...Array.from({ length: 80 }, (_, i) => ({
            name: `a_rather_long_column_name_number_${i}`,
            type: InventoryColumnType.INTEGER,
          })),
        ],
      }),
    });
    expect(() => Template.fromStack(stack)).toThrow(
      /Agnostic\/Inventory\/Function: the function's environment variables add up to \d+ bytes \(names and values: INVENTORY_SCHEMA \d+,.*INVENTORY_SCHEMA \(your schema\) is most of it/,
    );
  });

  test('the standard schemas leave room: the default ServerlessApi and InventoryLoader synthesize', () => {
    const stack = agnosticStack();
    new ServerlessApi(stack, 'Users');
    new InventoryLoader(stack, 'Inventory');
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});
