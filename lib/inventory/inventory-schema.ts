import {
  ColumnDefinition,
  DEFAULT_INVENTORY_SCHEMA,
  InventorySchemaDefinition,
  validateSchemaDefinition,
} from './handler/schema';

/** The value type of an inventory column. */
export enum InventoryColumnType {
  /** Text, stored as a DynamoDB string. */
  STRING = 'string',
  /** A whole number, stored as a DynamoDB number. */
  INTEGER = 'integer',
  /** Any number, stored as a DynamoDB number. */
  NUMBER = 'number',
  /** true/false/yes/no/1/0, stored as a DynamoDB boolean. */
  BOOLEAN = 'boolean',
}

/** One column of the inventory spreadsheet. */
export interface InventoryColumn {
  /** Header text (matched case-insensitively after trimming) and DynamoDB attribute name. */
  readonly name: string;
  /**
   * The value type.
   *
   * (`type` is reserved in Go; the Go binding exports the field as `Type`, so the name is safe there.)
   * @jsii suppress reserved-word
   */
  readonly type: InventoryColumnType;
  /**
   * Whether every row must have a value in this column; rows without one are rejected.
   * @default false
   */
  readonly required?: boolean;
  /**
   * Smallest allowed value (inclusive), for integer and number columns.
   * @default - no lower bound
   */
  readonly min?: number;
  /**
   * Largest allowed value (inclusive), for integer and number columns.
   * @default - no upper bound
   */
  readonly max?: number;
  /**
   * Longest allowed value in characters, for string columns.
   * @default 4096
   */
  readonly maxLength?: number;
}

/** Properties of an InventorySchema. */
export interface InventorySchemaProps {
  /** The column that is the table's partition key: a required string column. */
  readonly keyColumn: string;
  /** The columns the import engine knows. */
  readonly columns: InventoryColumn[];
  /**
   * Whether columns not listed are kept (stored as strings under their header) or dropped.
   * @default true
   */
  readonly keepExtraColumns?: boolean;
}

/**
 * The column schema the import engine validates every row against. Checked at
 * synth time, so a broken schema fails `cdk synth`, not the quarterly import.
 */
export class InventorySchema {
  /**
   * The standard schema, used when none is given: `sku` (string, required, the key), `name` (string, required),
   * `quantity` (integer >= 0, required), `price` (number >= 0), `category`
   * (string); other columns kept as strings.
   */
  public static standard(): InventorySchema {
    return new InventorySchema(DEFAULT_INVENTORY_SCHEMA);
  }

  /** A custom schema. Throws with the reason when it is invalid. */
  public static of(props: InventorySchemaProps): InventorySchema {
    const definition = {
      key: props.keyColumn,
      columns: props.columns.map((c): ColumnDefinition => ({
        name: c.name,
        type: c.type,
        required: c.required,
        min: c.min,
        max: c.max,
        maxLength: c.maxLength,
      })),
      extraColumns: props.keepExtraColumns === false ? 'ignore' : 'keep',
    };
    return new InventorySchema(validateSchemaDefinition(JSON.parse(JSON.stringify(definition))));
  }

  /** The name of the key column. */
  public readonly keyColumn: string;

  private constructor(private readonly definition: InventorySchemaDefinition) {
    this.keyColumn = definition.key;
  }

  /** The JSON the function receives in `INVENTORY_SCHEMA`. */
  public toJson(): string {
    return JSON.stringify(this.definition);
  }
}
