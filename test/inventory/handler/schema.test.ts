import {
  DEFAULT_INVENTORY_SCHEMA,
  parseSchemaJson,
  validateSchemaDefinition,
} from '../../../lib/inventory/handler/schema';

describe('inventory schema', () => {
  test('the default schema is valid and matches the contract', () => {
    expect(validateSchemaDefinition(DEFAULT_INVENTORY_SCHEMA)).toBe(DEFAULT_INVENTORY_SCHEMA);
    expect(DEFAULT_INVENTORY_SCHEMA.key).toBe('sku');
    expect(DEFAULT_INVENTORY_SCHEMA.columns.map((c) => [c.name, c.type, c.required ?? false, c.min])).toEqual([
      ['sku', 'string', true, undefined],
      ['name', 'string', true, undefined],
      ['quantity', 'integer', true, 0],
      ['price', 'number', false, 0],
      ['category', 'string', false, undefined],
    ]);
  });

  test('round-trips through JSON (how the construct passes it in INVENTORY_SCHEMA)', () => {
    expect(parseSchemaJson(JSON.stringify(DEFAULT_INVENTORY_SCHEMA))).toEqual(DEFAULT_INVENTORY_SCHEMA);
  });

  test('an absent or blank INVENTORY_SCHEMA means the default schema', () => {
    expect(parseSchemaJson(undefined)).toBe(DEFAULT_INVENTORY_SCHEMA);
    expect(parseSchemaJson('  ')).toBe(DEFAULT_INVENTORY_SCHEMA);
  });

  test('fails when INVENTORY_SCHEMA is not JSON', () => {
    expect(() => parseSchemaJson('{nope')).toThrow(
      /^INVENTORY_SCHEMA is not valid JSON \(.*\); expected a schema object$/,
    );
  });

  test('fails when the schema is not an object', () => {
    expect(() => validateSchemaDefinition([])).toThrow(
      "Invalid inventory schema: expected an object with 'key' and 'columns'; received []",
    );
  });

  test('fails when the key names no column', () => {
    expect(() =>
      validateSchemaDefinition({ key: 'id', columns: [{ name: 'sku', type: 'string', required: true }] }),
    ).toThrow("Invalid inventory schema: key 'id' does not name a column; add it to columns or use one of: sku");
  });

  test('fails when the key column is optional or not a string', () => {
    expect(() =>
      validateSchemaDefinition({ key: 'sku', columns: [{ name: 'sku', type: 'integer', required: true }] }),
    ).toThrow("Invalid inventory schema: key column 'sku' must have type 'string' and required: true");
  });

  test('fails with every problem listed, each naming what was received', () => {
    const attempt = () =>
      validateSchemaDefinition({
        key: 'sku',
        columns: [
          { name: 'sku', type: 'string', required: true },
          { name: 'qty', type: 'float', min: 'zero' },
          { name: 'SKU', type: 'string', maxLength: 0 },
          { name: 'note', type: 'string', min: 1, colour: 'red' },
        ],
        extra: true,
      });
    expect(attempt).toThrow(
      [
        "Invalid inventory schema: unknown field 'extra'; allowed fields are key, columns, extraColumns",
        'columns[1].type must be one of string, integer, number, boolean; received "float"',
        'columns[1].min applies only to integer and number columns; column type is "float"',
        'columns[2].maxLength must be a positive integer; received 0',
        "column 'SKU' is defined more than once (names are case-insensitive); remove one",
        "columns[3] has unknown field 'colour'; allowed fields are name, type, required, min, max, maxLength",
        'columns[3].min applies only to integer and number columns; column type is "string"',
      ].join('; '),
    );
  });

  test('fails when min is greater than max', () => {
    expect(() =>
      validateSchemaDefinition({
        key: 'sku',
        columns: [
          { name: 'sku', type: 'string', required: true },
          { name: 'q', type: 'integer', min: 5, max: 1 },
        ],
      }),
    ).toThrow('Invalid inventory schema: columns[1] has min 5 greater than max 1; swap them or remove one');
  });

  test('fails when extraColumns is not keep or ignore', () => {
    expect(() =>
      validateSchemaDefinition({
        key: 'sku',
        columns: [{ name: 'sku', type: 'string', required: true }],
        extraColumns: 'drop',
      }),
    ).toThrow(`Invalid inventory schema: extraColumns must be 'keep' or 'ignore'; received "drop"`);
  });
});
