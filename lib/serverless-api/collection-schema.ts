import { Size, Token } from 'aws-cdk-lib';
import { AttributeDefinition, CollectionDefinition, DEFAULT_COLLECTION, validateCollection } from './handler/schema';

/** The value type of a collection attribute. */
export enum CollectionAttributeType {
  /** Text: a JSON string, stored as a DynamoDB string. */
  STRING = 'string',
  /** A whole JSON number, stored as a DynamoDB number. */
  INTEGER = 'integer',
  /** Any JSON number, stored as a DynamoDB number. */
  NUMBER = 'number',
  /** JSON true or false, stored as a DynamoDB boolean. */
  BOOLEAN = 'boolean',
}

/** One attribute of the items of a collection (besides the key). */
export interface CollectionAttribute {
  /** The attribute name, in JSON bodies and in DynamoDB. */
  readonly name: string;
  /**
   * The value type.
   *
   * (`type` is reserved in Go; the Go binding exports the field as `Type`, so the name is safe there.)
   * @jsii suppress reserved-word
   */
  readonly type: CollectionAttributeType;
  /**
   * Whether every item must have it (a create without it is refused with 400).
   * @default false
   */
  readonly required?: boolean;
  /**
   * Smallest allowed value (inclusive), for integer and number attributes.
   * @default - no lower bound
   */
  readonly min?: number;
  /**
   * Largest allowed value (inclusive), for integer and number attributes.
   * @default - no upper bound
   */
  readonly max?: number;
  /**
   * Longest allowed value in characters, for string attributes.
   * @default 256
   */
  readonly maxLength?: number;
}

/** Properties of a CollectionSchema. */
export interface CollectionSchemaProps {
  /** The collection's name and path segment: `users` gives `/users` and `/users/{userId}`. */
  readonly name: string;
  /** The key attribute: the table's string partition key and the item path parameter. */
  readonly keyAttribute: string;
  /** The other attributes of an item. */
  readonly attributes: CollectionAttribute[];
  /**
   * Largest item accepted, measured as the bytes of its JSON body.
   * @default Size.kibibytes(4)
   */
  readonly maxItemSize?: Size;
}

/**
 * The resource collection a ServerlessApi serves: its name (the path), key attribute, typed attributes and
 * item size limit. The construct generates the routes, the API Gateway request models and the table from it;
 * the handler validates every body against it. Checked at synth time.
 */
export class CollectionSchema {
  /** The lab's collection: `users` keyed by `userId` (string), with a required string `name`; items up to 4 KiB. */
  public static users(): CollectionSchema {
    return new CollectionSchema(DEFAULT_COLLECTION);
  }

  /** A custom collection. Throws with every reason when it is invalid. */
  public static of(props: CollectionSchemaProps): CollectionSchema {
    const bytes =
      props.maxItemSize === undefined || Token.isUnresolved(props.maxItemSize.toBytes())
        ? undefined
        : props.maxItemSize.toBytes();
    const definition = {
      name: props.name,
      key: props.keyAttribute,
      attributes: props.attributes.map((a): AttributeDefinition => ({
        name: a.name,
        type: a.type,
        required: a.required,
        min: a.min,
        max: a.max,
        maxLength: a.maxLength,
      })),
      maxItemBytes: bytes,
    };
    return new CollectionSchema(validateCollection(JSON.parse(JSON.stringify(definition))));
  }

  /** The collection's name (its path segment). */
  public readonly name: string;
  /** The key attribute (the table's partition key). */
  public readonly keyAttribute: string;

  private constructor(private readonly definition: CollectionDefinition) {
    this.name = definition.name;
    this.keyAttribute = definition.key;
  }

  /** The JSON the functions receive in `COLLECTION_SCHEMA`. */
  public toJson(): string {
    return JSON.stringify(this.definition);
  }
}
