import type { Scalar } from '../domain/policy.js';
import { isNumeric, isTemporalLiteral, typeFamily, type TypeFamily } from '../domain/column-types.js';
import { DataPolicyProblem } from './data-policy-problem.js';
import type { NormalMask } from './mask-spec.js';
import type { NormalPredicate } from './row-predicate.js';
import type { MaskExpr, ViewPredicate } from '../domain/secure-view.js';

/** A base table's columns by name, with their type family. */
export type ColumnTypes = ReadonlyMap<string, { readonly type: string; readonly family: TypeFamily }>;

export function columnTypesOf(columns: readonly { readonly name: string; readonly type?: string }[]): ColumnTypes {
  return new Map(columns.map((c) => [c.name, { type: c.type ?? '', family: typeFamily(c.type) }]));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/**
 * A literal as the column's type wants it, or a problem: numbers for numeric columns (numeric
 * text accepted), text for text columns (numbers become their decimal text), ISO-8601 text for
 * dates and times, booleans for booleans, UUID text for UUIDs. Other types take no literal.
 */
export function typedLiteral(value: Scalar, family: TypeFamily, column: string, path: readonly (string | number)[]): Scalar {
  const bad = (hint: string): DataPolicyProblem =>
    new DataPolicyProblem(path, `${JSON.stringify(value)} does not fit column "${column}" (${family === 'unknown' ? 'type unknown' : family})`, hint);
  switch (family) {
    case 'integer':
    case 'decimal':
    case 'float': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && NUMBER_TEXT.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw bad('write a number');
      if (family === 'integer' && !Number.isInteger(n)) throw bad('the column holds whole numbers');
      return n;
    }
    case 'text':
      if (typeof value === 'boolean') throw bad('write text');
      return typeof value === 'number' ? String(value) : value;
    case 'date':
    case 'timestamp':
    case 'time':
      if (typeof value !== 'string' || !isTemporalLiteral(family, value)) {
        throw bad(family === 'date' ? 'write YYYY-MM-DD' : family === 'time' ? 'write HH:MM[:SS]' : 'write YYYY-MM-DD[ HH:MM[:SS]]');
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('write true or false');
      return value;
    case 'uuid':
      if (typeof value !== 'string' || !UUID.test(value)) throw bad('write a UUID');
      return value.toLowerCase();
    default:
      throw bad(family === 'unknown' ? 'run `steward sync` so that the catalog knows the column types' : 'this type takes no literal; use null or hash');
  }
}

function columnOf(columns: ColumnTypes, column: string, path: readonly (string | number)[], table: string): { type: string; family: TypeFamily } {
  const c = columns.get(column);
  if (c === undefined) {
    throw new DataPolicyProblem([...path, 'column'], `table ${table} has no column "${column}"`, 'check the column name, or narrow `on` to the tables that have it');
  }
  return c;
}

const ORDERED = (f: TypeFamily): boolean => isNumeric(f) || f === 'text' || f === 'date' || f === 'timestamp' || f === 'time';
const EQUATABLE = (f: TypeFamily): boolean => ORDERED(f) || f === 'boolean' || f === 'uuid';

/**
 * Turn a normalized predicate into the view model for one table: each column must exist and
 * each operator and literal must fit its type. `table` names the table in messages.
 */
export function typedPredicate(p: NormalPredicate, columns: ColumnTypes, table: string): ViewPredicate {
  switch (p.kind) {
    case 'and':
    case 'or':
      return { kind: p.kind, items: p.items.map((i) => typedPredicate(i, columns, table)) };
    case 'not':
      return { kind: 'not', item: typedPredicate(p.item, columns, table) };
    case 'isNull':
      columnOf(columns, p.column, p.at, table);
      return { kind: 'isNull', column: p.column, negate: p.negate };
    case 'compare': {
      const { family } = columnOf(columns, p.column, p.at, table);
      const fits = p.op === '=' || p.op === '!=' ? EQUATABLE(family) : ORDERED(family);
      if (!fits) throw new DataPolicyProblem([...p.at, 'op'], `${p.op} does not apply to column "${p.column}" (${family})`, 'compare numbers, text, dates and times; booleans and UUIDs with = and != only');
      return { kind: 'compare', column: p.column, family, op: p.op, value: typedLiteral(p.value, family, p.column, [...p.at, 'value']) };
    }
    case 'inList': {
      const { family } = columnOf(columns, p.column, p.at, table);
      if (!EQUATABLE(family)) throw new DataPolicyProblem([...p.at, 'column'], `column "${p.column}" (${family}) cannot be compared with a list`, 'use a column of numbers, text, dates, booleans or UUIDs');
      const values = p.values.map((v, i) => typedLiteral(v, family, p.column, [...p.at, 'value', i]));
      return { kind: 'inList', column: p.column, family, values, negate: p.negate };
    }
    case 'inUser': {
      const { family } = columnOf(columns, p.column, p.at, table);
      if (!EQUATABLE(family)) throw new DataPolicyProblem([...p.at, 'column'], `column "${p.column}" (${family}) cannot be compared with user values`, 'user values are text: compare a column of text, numbers, dates or UUIDs');
      const source = p.ref.kind === 'groups' ? ({ kind: 'group' } as const) : ({ kind: 'attribute', name: p.ref.name } as const);
      return { kind: 'inUser', column: p.column, family, source, negate: p.negate };
    }
  }
}

/**
 * The view model of a mask on one column, or a problem when it cannot apply: `regex` and
 * `partial` need text, `round` with a step needs numbers, with a unit dates or timestamps
 * (hours and minutes: timestamps), `constant` a value of the column's type. `null` and `hash`
 * apply to any column.
 */
export function typedMask(mask: NormalMask, column: string, family: TypeFamily, saltName: string | null): MaskExpr {
  const refuse = (path: readonly (string | number)[], what: string, hint: string): DataPolicyProblem =>
    new DataPolicyProblem(path, `${what} cannot apply to column "${column}" (${family === 'unknown' ? 'type unknown' : family})`, hint);
  switch (mask.kind) {
    case 'null':
      return { kind: 'null' };
    case 'hash':
      return { kind: 'hash', saltName };
    case 'constant':
      return { kind: 'constant', value: typedLiteral(mask.value, family, column, ['mask', 'constant']) };
    case 'regex':
      if (family !== 'text') throw refuse(['mask', 'regex'], 'regex', 'regex applies to text columns; use hash or null');
      return mask;
    case 'partial':
      if (family !== 'text') throw refuse(['mask', 'partial'], 'partial', 'partial applies to text columns; use hash or null');
      return mask;
    case 'roundStep':
      if (!isNumeric(family)) throw refuse(['mask', 'round', 'step'], 'round with a step', 'a step rounds numbers; dates take round: { unit: month }');
      if (family === 'integer' && !Number.isInteger(mask.step)) throw refuse(['mask', 'round', 'step'], 'a fractional step', 'use a whole step on whole numbers');
      return mask;
    case 'roundUnit': {
      const ok = family === 'timestamp' || (family === 'date' && (mask.unit === 'year' || mask.unit === 'month' || mask.unit === 'day'));
      if (!ok) throw refuse(['mask', 'round', 'unit'], `round to ${mask.unit}`, family === 'date' ? 'dates round to year, month or day' : 'a unit rounds dates and timestamps; numbers take round: { step: 10 }');
      return mask;
    }
  }
}
