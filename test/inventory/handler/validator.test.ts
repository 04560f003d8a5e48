import { DEFAULT_INVENTORY_SCHEMA, InventorySchemaDefinition } from '../../../lib/inventory/handler/schema';
import { HeaderError, MAX_ITEM_BYTES, RowValidator } from '../../../lib/inventory/handler/validator';

const HEADER = ['SKU ', ' Name', 'QUANTITY', 'price', 'category', 'colour'];
const validator = () => new RowValidator(HEADER, DEFAULT_INVENTORY_SCHEMA);

describe('RowValidator', () => {
  test('matches headers case-insensitively after trimming and builds the item', () => {
    const result = validator().validate([' A-1 ', 'Widget', ' 7 ', '2.50', 'tools', 'red']);
    expect(result).toEqual({
      ok: true,
      key: 'A-1',
      item: {
        sku: { S: 'A-1' },
        name: { S: 'Widget' },
        quantity: { N: '7' },
        price: { N: '2.50' },
        category: { S: 'tools' },
        colour: { S: 'red' },
      },
    });
  });

  test('omits empty optional values', () => {
    const result = validator().validate(['A-1', 'Widget', '0', '', '', '']);
    expect(result).toMatchObject({
      ok: true,
      item: { sku: { S: 'A-1' }, name: { S: 'Widget' }, quantity: { N: '0' } },
    });
    expect(Object.keys((result as { item: object }).item)).toEqual(['sku', 'name', 'quantity']);
  });

  test.each([
    [['', 'Widget', '1'], 'sku is required but empty'],
    [['A', ' ', '1'], 'name is required but empty'],
    [['A', 'W', '1.5'], "quantity must be a whole number; received '1.5'"],
    [['A', 'W', 'ten'], "quantity must be a whole number; received 'ten'"],
    [['A', 'W', '-3'], 'quantity must not be negative; received -3'],
    [['A', 'W', '1', 'abc'], "price must be a number; received 'abc'"],
    [['A', 'W', '1', '-0.01'], 'price must not be negative; received -0.01'],
    [['A', 'W', '1', '1', '', '', 'surprise'], 'the row has 7 values but the header has 6 columns'],
    [['A', 'x'.repeat(1025), '1'], 'name is 1025 characters long; the maximum is 1024'],
    [['A', 'W', '1', '', '', 'y'.repeat(10_000)], 'colour is 10000 characters long; the maximum is 4096'],
  ])('rejects %j with a reason', (values, reason) => {
    expect(validator().validate(values)).toMatchObject({ ok: false, reason });
  });

  test('rejected rows still report their key when there is one', () => {
    expect(validator().validate(['A-9', 'W', 'x'])).toMatchObject({ ok: false, key: 'A-9' });
  });

  test('rejects items over the DynamoDB 400 KB limit', () => {
    const wide = ['sku', 'name', 'quantity', ...Array.from({ length: 110 }, (_, i) => `c${i}`)];
    const values = ['A', 'W', '1', ...Array.from({ length: 110 }, () => 'z'.repeat(4000))];
    const result = new RowValidator(wide, DEFAULT_INVENTORY_SCHEMA).validate(values);
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/over DynamoDB's 409600-byte \(400 KB\) item limit/),
    });
    expect(MAX_ITEM_BYTES).toBe(409600);
  });

  test('ignores the _line and _reason columns of a re-uploaded rejected-rows file', () => {
    const v = new RowValidator(['sku', 'name', 'quantity', '_line', '_reason'], DEFAULT_INVENTORY_SCHEMA);
    expect(v.validate(['A', 'W', '1', '7', 'was bad'])).toEqual({
      ok: true,
      key: 'A',
      item: { sku: { S: 'A' }, name: { S: 'W' }, quantity: { N: '1' } },
    });
  });

  test('fails when a required column is missing, naming it', () => {
    expect(() => new RowValidator(['sku', 'name', 'qty'], DEFAULT_INVENTORY_SCHEMA)).toThrow(
      new HeaderError('the header row is missing required column(s): quantity (found: sku, name, qty)'),
    );
  });

  test('fails when a column appears twice', () => {
    expect(() => new RowValidator(['sku', 'name', 'quantity', 'Name'], DEFAULT_INVENTORY_SCHEMA)).toThrow(
      'the header row names column(s) more than once: Name; column names are case-insensitive, rename or remove the duplicates',
    );
  });

  test('supports boolean columns, bounds and dropping extra columns', () => {
    const schema: InventorySchemaDefinition = {
      key: 'id',
      columns: [
        { name: 'id', type: 'string', required: true },
        { name: 'active', type: 'boolean' },
        { name: 'score', type: 'number', min: 1, max: 5 },
      ],
      extraColumns: 'ignore',
    };
    const v = new RowValidator(['id', 'active', 'score', 'other'], schema);
    expect(v.validate(['x', 'Yes', '+4.5', 'dropped'])).toEqual({
      ok: true,
      key: 'x',
      item: { id: { S: 'x' }, active: { BOOL: true }, score: { N: '4.5' } },
    });
    expect(v.validate(['x', 'maybe', '1'])).toMatchObject({ reason: "active must be true or false; received 'maybe'" });
    expect(v.validate(['x', 'no', '6'])).toMatchObject({ reason: 'score must be at most 5; received 6' });
    expect(v.validate(['x', 'no', '0.5'])).toMatchObject({ reason: 'score must be at least 1; received 0.5' });
  });
});
