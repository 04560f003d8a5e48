/**
 * Header matching and row validation against the inventory schema. Produces DynamoDB items in wire format
 * (AttributeValue maps), so no marshalling library is needed.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ColumnDefinition, DEFAULT_MAX_LENGTH, InventorySchemaDefinition, MAX_KEY_BYTES } from './schema';

/** Columns the rejected-rows CSV adds; ignored on upload so a fixed rejected-rows file can be uploaded as is. */
export const LINE_COLUMN = '_line';
export const REASON_COLUMN = '_reason';
const IGNORED_COLUMNS = [LINE_COLUMN, REASON_COLUMN];

/** DynamoDB's item size limit (400 KB). */
export const MAX_ITEM_BYTES = 400 * 1024;

export type Item = Record<string, AttributeValue>;

export type RowResult =
  | { readonly ok: true; readonly key: string; readonly item: Item }
  | { readonly ok: false; readonly key?: string; readonly reason: string };

/**
 * Characters a person cannot see in a header cell: zero-width characters, the BOM, soft hyphens, and no-break
 * spaces (inside a name; at its ends `trim()` removes them). A header holding one fails the file, naming it.
 */
const INVISIBLE: Record<string, string> = {
  '\u00A0': 'NO-BREAK SPACE',
  '\u00AD': 'SOFT HYPHEN',
  '\u180E': 'MONGOLIAN VOWEL SEPARATOR',
  '\u2007': 'FIGURE SPACE',
  '\u200B': 'ZERO WIDTH SPACE',
  '\u200C': 'ZERO WIDTH NON-JOINER',
  '\u200D': 'ZERO WIDTH JOINER',
  '\u200E': 'LEFT-TO-RIGHT MARK',
  '\u200F': 'RIGHT-TO-LEFT MARK',
  '\u202F': 'NARROW NO-BREAK SPACE',
  '\u2060': 'WORD JOINER',
  '\uFEFF': 'ZERO WIDTH NO-BREAK SPACE (byte order mark)',
};
const INVISIBLE_CHAR = new RegExp(`[${Object.keys(INVISIBLE).join('')}]`);

/** Characters that make a spreadsheet read a cell as a formula (see rejected-rows.ts). */
const FORMULA_TRIGGER = /^'[=+\-@\t\r]/;

/**
 * A cell's value: trimmed, and without the apostrophe the rejected-rows CSV puts before a formula character,
 * so a fixed rejected-rows file uploaded again loads the original values (`'=SUM(A1)` is `=SUM(A1)`).
 */
export function cellValue(raw: string | undefined): string {
  const value = (raw ?? '').trim();
  // Trimmed again after the apostrophe: '\tIndented (a tab the writer neutralised) loads as a first upload loads it.
  return value.charCodeAt(0) === 0x27 && FORMULA_TRIGGER.test(value) ? value.slice(1).trim() : value;
}

/** The header does not fit the schema: the file is rejected whole. */
export class HeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeaderError';
  }
}

interface BoundColumn {
  readonly index: number;
  readonly attribute: string;
  readonly column: ColumnDefinition;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE_WORDS = ['true', 'yes', 'y', '1'];
const FALSE_WORDS = ['false', 'no', 'n', '0'];

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Validates rows of one file; built from the file's header row. */
export class RowValidator {
  private readonly bound: BoundColumn[] = [];
  /** Index of the key column in the header. */
  readonly keyColumn: number;
  /** The header cells, trimmed, for the rejected-rows CSV. */
  readonly header: readonly string[];
  /** Indexes of blank header cells: a value under one rejects its row (it would otherwise vanish). */
  private readonly unnamed: readonly number[];

  constructor(
    headerValues: readonly string[],
    private readonly schema: InventorySchemaDefinition,
  ) {
    this.header = headerValues.map((h) => h.trim());
    this.unnamed = this.header.flatMap((name, index) => (name === '' ? [index] : []));
    this.header.forEach((name, index) => {
      const match = INVISIBLE_CHAR.exec(name);
      if (match) {
        const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
        throw new HeaderError(
          `header cell ${index + 1} ('${name}') contains an invisible character, U+${code} ${INVISIBLE[match[0]]} at position ${match.index + 1}; delete it and upload the file again`,
        );
      }
      // U+FFFD stands where text was decoded in the wrong character set before it reached this file (a CSV in
      // Windows-1252 opened as UTF-8 and saved as a workbook): the name is already lost, and would become a
      // mangled attribute name. (A CSV's own bytes that are not UTF-8 are refused earlier, by the reader.)
      if (name.includes('\uFFFD')) {
        throw new HeaderError(
          `the header row holds the replacement character U+FFFD (column ${index + 1} reads '${name}'): its text was decoded in the wrong character set before it was saved (for example a Windows-1252 CSV opened as UTF-8); fix the column name, or open the original file in its character set, and upload it again`,
        );
      }
    });
    const byName = new Map<string, number>();
    const duplicates: string[] = [];
    this.header.forEach((name, index) => {
      if (name === '') return;
      const folded = name.toLowerCase();
      if (byName.has(folded)) duplicates.push(name);
      else byName.set(folded, index);
    });
    if (duplicates.length > 0) {
      throw new HeaderError(
        `the header row names column(s) more than once: ${duplicates.join(', ')}; column names are case-insensitive, rename or remove the duplicates`,
      );
    }
    const missing = schema.columns.filter((c) => c.required && !byName.has(c.name.toLowerCase())).map((c) => c.name);
    if (missing.length > 0) {
      throw new HeaderError(
        `the header row is missing required column(s): ${missing.join(', ')} (found: ${this.header.filter((h) => h).join(', ') || 'nothing'})`,
      );
    }
    const known = new Set(schema.columns.map((c) => c.name.toLowerCase()));
    for (const column of schema.columns) {
      const index = byName.get(column.name.toLowerCase());
      if (index !== undefined) this.bound.push({ index, attribute: column.name, column });
    }
    if (schema.extraColumns !== 'ignore') {
      this.header.forEach((name, index) => {
        const folded = name.toLowerCase();
        if (name !== '' && !known.has(folded) && !IGNORED_COLUMNS.includes(folded)) {
          this.bound.push({ index, attribute: name, column: { name, type: 'string' } });
        }
      });
    }
    this.keyColumn = byName.get(schema.key.toLowerCase()) as number;
    this.reasonColumn = byName.get(REASON_COLUMN);
  }

  /** Index of the rejected-rows CSV's `_reason` column, when the file is (or came from) one. */
  private readonly reasonColumn?: number;

  /** The row's `_reason` cell, when the file is (or came from) a rejected-rows CSV; undefined otherwise. */
  earlierReason(values: readonly string[]): string | undefined {
    return this.reasonColumn === undefined ? undefined : cellValue(values[this.reasonColumn]);
  }

  /** The trimmed key cell of a row, if any (for error reports of rows that fail for other reasons). */
  keyOf(values: readonly string[]): string | undefined {
    const key = cellValue(values[this.keyColumn]);
    return key ? key : undefined;
  }

  /** Validates one row and builds its item. */
  validate(values: readonly string[]): RowResult {
    const key = this.keyOf(values);
    if (values.length > this.header.length && values.slice(this.header.length).some((v) => v.trim() !== '')) {
      return {
        ok: false,
        key,
        reason: `the row has ${values.length} values but the header has ${this.header.length} columns`,
      };
    }
    for (const index of this.unnamed) {
      if (index < values.length && values[index].trim() !== '') {
        return {
          ok: false,
          key,
          reason: `column ${index + 1} has no header but this row has a value there ('${preview(values[index].trim())}'); name the column in the header row or delete it`,
        };
      }
    }
    const item: Item = {};
    let size = 0;
    for (const { index, attribute, column } of this.bound) {
      const raw = cellValue(values[index]);
      if (raw === '') {
        if (column.required) return { ok: false, key, reason: `${attribute} is required but empty` };
        continue;
      }
      const converted = this.convert(raw, attribute, column);
      if (typeof converted === 'string') return { ok: false, key, reason: converted };
      item[attribute] = converted;
      size +=
        utf8Bytes(attribute) +
        (converted.S !== undefined ? utf8Bytes(converted.S) : converted.N ? converted.N.length : 1);
    }
    if (key !== undefined && utf8Bytes(key) > MAX_KEY_BYTES) {
      return {
        ok: false,
        key: key.slice(0, 64),
        reason: `${this.schema.key} is longer than DynamoDB's ${MAX_KEY_BYTES}-byte key limit`,
      };
    }
    if (size > MAX_ITEM_BYTES) {
      return {
        ok: false,
        key,
        reason: `the item is ${size} bytes, over DynamoDB's ${MAX_ITEM_BYTES}-byte (400 KB) item limit`,
      };
    }
    return { ok: true, key: key as string, item };
  }

  private convert(raw: string, attribute: string, column: ColumnDefinition): AttributeValue | string {
    switch (column.type) {
      case 'string': {
        const max = column.maxLength ?? DEFAULT_MAX_LENGTH;
        if (raw.length > max) return `${attribute} is ${raw.length} characters long; the maximum is ${max}`;
        return { S: raw };
      }
      case 'integer': {
        if (!INTEGER.test(raw)) return `${attribute} must be a whole number; received '${preview(raw)}'`;
        const value = BigInt(raw);
        const range = checkRange(Number(value), attribute, column);
        return range ?? { N: value.toString() };
      }
      case 'number': {
        if (!DECIMAL.test(raw)) return `${attribute} must be a number; received '${preview(raw)}'`;
        const value = Number(raw);
        if (!Number.isFinite(value)) return `${attribute} is out of range; received '${preview(raw)}'`;
        // DynamoDB numbers: magnitudes from 1E-130 to 9.99…E+125. Below that a double becomes 0 (or DynamoDB
        // refuses it): never store a silently changed value.
        const magnitude = Math.abs(value);
        if ((magnitude === 0 && /[1-9]/.test(raw.replace(/[eE].*$/, ''))) || (magnitude > 0 && magnitude < 1e-130)) {
          return `${attribute} '${preview(raw)}' is too small for DynamoDB (non-zero magnitudes start at 1E-130)`;
        }
        if (magnitude >= 1e126) return `${attribute} '${preview(raw)}' is too large for DynamoDB (at most 9.99E+125)`;
        const plain = raw.replace(/^\+/, '');
        return checkRange(value, attribute, column) ?? { N: /^-?\d+(\.\d+)?$/.test(plain) ? plain : String(value) };
      }
      case 'boolean': {
        const folded = raw.toLowerCase();
        if (TRUE_WORDS.includes(folded)) return { BOOL: true };
        if (FALSE_WORDS.includes(folded)) return { BOOL: false };
        return `${attribute} must be true or false; received '${preview(raw)}'`;
      }
    }
  }
}

function checkRange(value: number, attribute: string, column: ColumnDefinition): string | undefined {
  if (column.min !== undefined && value < column.min) {
    return column.min === 0
      ? `${attribute} must not be negative; received ${value}`
      : `${attribute} must be at least ${column.min}; received ${value}`;
  }
  if (column.max !== undefined && value > column.max)
    return `${attribute} must be at most ${column.max}; received ${value}`;
  return undefined;
}

/** Shortens a value for an error message. */
export function preview(value: string, max = 40): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
