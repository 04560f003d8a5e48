/**
 * The inventory column schema: its JSON format, the default schema and its validation.
 *
 * This module is shared by the import engine (which parses `INVENTORY_SCHEMA` at runtime) and the
 * InventoryLoader construct (which validates its `schema` prop at synth time and serialises it into
 * `INVENTORY_SCHEMA` with `JSON.stringify`). It must stay free of imports so the construct can load it
 * without pulling in any runtime dependency.
 *
 * JSON format (what `INVENTORY_SCHEMA` holds):
 *
 * ```json
 * {
 *   "key": "sku",
 *   "columns": [
 *     { "name": "sku", "type": "string", "required": true, "maxLength": 256 },
 *     { "name": "quantity", "type": "integer", "required": true, "min": 0 },
 *     { "name": "price", "type": "number", "min": 0 }
 *   ],
 *   "extraColumns": "keep"
 * }
 * ```
 *
 * - `name` is both the header text (matched case-insensitively after trimming) and the DynamoDB attribute name.
 * - `key` names the column that is the table's partition key. It must be a required `string` column.
 * - `type`: `string` (stored as S), `integer` and `number` (stored as N), `boolean` (`true/false/yes/no/1/0`, stored as BOOL).
 * - `min` / `max` bound `integer` and `number` values (inclusive); `maxLength` bounds `string` values in characters.
 * - `extraColumns`: `keep` (default) stores columns the schema does not list as strings, under their header text;
 *   `ignore` drops them.
 * - An empty cell is "no value": a required column rejects the row, an optional column omits the attribute.
 */

/** The value types a column can hold. */
export type ColumnType = 'string' | 'integer' | 'number' | 'boolean';

/** One column of the inventory spreadsheet. */
export interface ColumnDefinition {
  /** Header text (matched case-insensitively after trimming) and DynamoDB attribute name. */
  readonly name: string;
  /** Value type. */
  readonly type: ColumnType;
  /** Whether every row must have a value in this column. @default false */
  readonly required?: boolean;
  /** Smallest allowed value (inclusive), for `integer` and `number` columns. @default - no lower bound */
  readonly min?: number;
  /** Largest allowed value (inclusive), for `integer` and `number` columns. @default - no upper bound */
  readonly max?: number;
  /** Longest allowed value in characters, for `string` columns. @default DEFAULT_MAX_LENGTH */
  readonly maxLength?: number;
}

/** What to do with columns the schema does not list. */
export type ExtraColumns = 'keep' | 'ignore';

/** The inventory schema: which columns exist, their types and which one is the key. */
export interface InventorySchemaDefinition {
  /** Name of the key column (the table's partition key). */
  readonly key: string;
  /** The known columns. */
  readonly columns: readonly ColumnDefinition[];
  /** Columns not listed in `columns`: `keep` stores them as strings, `ignore` drops them. @default 'keep' */
  readonly extraColumns?: ExtraColumns;
}

/** Default `maxLength` of string columns, including kept extra columns. */
export const DEFAULT_MAX_LENGTH = 4096;

/** DynamoDB's limit on a partition key value, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 2048;

/** The schema used when `INVENTORY_SCHEMA` is absent. */
export const DEFAULT_INVENTORY_SCHEMA: InventorySchemaDefinition = {
  key: 'sku',
  columns: [
    { name: 'sku', type: 'string', required: true, maxLength: 256 },
    { name: 'name', type: 'string', required: true, maxLength: 1024 },
    { name: 'quantity', type: 'integer', required: true, min: 0 },
    { name: 'price', type: 'number', required: false, min: 0 },
    { name: 'category', type: 'string', required: false, maxLength: 256 },
  ],
  extraColumns: 'keep',
};

const COLUMN_TYPES: readonly string[] = ['string', 'integer', 'number', 'boolean'];
const COLUMN_FIELDS: readonly string[] = ['name', 'type', 'required', 'min', 'max', 'maxLength'];
const SCHEMA_FIELDS: readonly string[] = ['key', 'columns', 'extraColumns'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function checkColumn(raw: unknown, index: number, problems: string[]): ColumnDefinition | undefined {
  const where = `columns[${index}]`;
  if (!isRecord(raw)) {
    problems.push(`${where} must be an object like {"name":"sku","type":"string"}; received ${describe(raw)}`);
    return undefined;
  }
  for (const field of Object.keys(raw)) {
    if (!COLUMN_FIELDS.includes(field)) {
      problems.push(`${where} has unknown field '${field}'; allowed fields are ${COLUMN_FIELDS.join(', ')}`);
    }
  }
  const { name, type, required, min, max, maxLength } = raw;
  if (typeof name !== 'string' || name.trim() === '' || name !== name.trim()) {
    problems.push(`${where}.name must be a non-empty string without surrounding spaces; received ${describe(name)}`);
  }
  if (typeof type !== 'string' || !COLUMN_TYPES.includes(type)) {
    problems.push(`${where}.type must be one of ${COLUMN_TYPES.join(', ')}; received ${describe(type)}`);
  }
  if (required !== undefined && typeof required !== 'boolean') {
    problems.push(`${where}.required must be true or false; received ${describe(required)}`);
  }
  const numeric = type === 'integer' || type === 'number';
  for (const [field, bound] of [
    ['min', min],
    ['max', max],
  ] as const) {
    if (bound === undefined) continue;
    if (!numeric) {
      problems.push(`${where}.${field} applies only to integer and number columns; column type is ${describe(type)}`);
    } else if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      problems.push(`${where}.${field} must be a finite number; received ${describe(bound)}`);
    }
  }
  if (typeof min === 'number' && typeof max === 'number' && min > max) {
    problems.push(`${where} has min ${min} greater than max ${max}; swap them or remove one`);
  }
  if (maxLength !== undefined) {
    if (type !== 'string') {
      problems.push(`${where}.maxLength applies only to string columns; column type is ${describe(type)}`);
    } else if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 1) {
      problems.push(`${where}.maxLength must be a positive integer; received ${describe(maxLength)}`);
    }
  }
  if (typeof name !== 'string' || typeof type !== 'string') return undefined;
  return raw as unknown as ColumnDefinition;
}

/**
 * Checks that `input` is a well-formed schema definition and returns it.
 *
 * @throws Error listing every problem found, each saying what was received and what is expected.
 */
export function validateSchemaDefinition(input: unknown): InventorySchemaDefinition {
  if (!isRecord(input)) {
    throw new Error(
      `Invalid inventory schema: expected an object with 'key' and 'columns'; received ${describe(input)}`,
    );
  }
  const problems: string[] = [];
  for (const field of Object.keys(input)) {
    if (!SCHEMA_FIELDS.includes(field)) {
      problems.push(`unknown field '${field}'; allowed fields are ${SCHEMA_FIELDS.join(', ')}`);
    }
  }
  const { key, columns, extraColumns } = input;
  if (extraColumns !== undefined && extraColumns !== 'keep' && extraColumns !== 'ignore') {
    problems.push(`extraColumns must be 'keep' or 'ignore'; received ${describe(extraColumns)}`);
  }
  const checked: ColumnDefinition[] = [];
  if (!Array.isArray(columns) || columns.length === 0) {
    problems.push(`columns must be a non-empty array of column definitions; received ${describe(columns)}`);
  } else {
    const seen = new Set<string>();
    columns.forEach((raw, index) => {
      const column = checkColumn(raw, index, problems);
      if (!column) return;
      const folded = column.name.trim().toLowerCase();
      if (seen.has(folded)) {
        problems.push(`column '${column.name}' is defined more than once (names are case-insensitive); remove one`);
      }
      seen.add(folded);
      checked.push(column);
    });
  }
  if (typeof key !== 'string' || key === '') {
    problems.push(`key must be the name of one of the columns; received ${describe(key)}`);
  } else if (Array.isArray(columns)) {
    const keyColumn = checked.find((c) => c.name.toLowerCase() === key.toLowerCase());
    if (!keyColumn) {
      const names = checked.map((c) => c.name).join(', ');
      problems.push(`key '${key}' does not name a column; add it to columns or use one of: ${names}`);
    } else if (keyColumn.type !== 'string' || keyColumn.required !== true) {
      problems.push(`key column '${key}' must have type 'string' and required: true`);
    } else if (keyColumn.name !== key) {
      problems.push(`key '${key}' must be spelled exactly like its column name '${keyColumn.name}'`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`Invalid inventory schema: ${problems.join('; ')}`);
  }
  return input as unknown as InventorySchemaDefinition;
}

/**
 * Parses the `INVENTORY_SCHEMA` environment value; an absent or blank value means the default schema.
 *
 * @throws Error when the value is not JSON or not a valid schema definition.
 */
export function parseSchemaJson(json: string | undefined): InventorySchemaDefinition {
  if (json === undefined || json.trim() === '') return DEFAULT_INVENTORY_SCHEMA;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new Error(`INVENTORY_SCHEMA is not valid JSON (${(err as Error).message}); expected a schema object`);
  }
  return validateSchemaDefinition(parsed);
}
