/**
 * What kind of values a column holds, from the type the platform's catalog reports
 * (PostgreSQL `format_type`, MySQL/MariaDB `COLUMN_TYPE`). Data policies need it to refuse, at
 * plan time, a mask or a comparison that cannot apply (`round` on text, `< 10` on a date).
 * The two spellings do not overlap in a way that matters, so one function reads both.
 */
export type TypeFamily =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'text'
  | 'date'
  | 'timestamp'
  | 'time'
  | 'boolean'
  | 'uuid'
  | 'binary'
  | 'json'
  | 'other'
  /** The catalog gave no type (an older sync): nothing type-dependent is allowed. */
  | 'unknown';

const RULES: readonly (readonly [RegExp, TypeFamily])[] = [
  [/\[\]$/, 'other'], // PostgreSQL arrays
  [/^(smallint|integer|bigint|int2|int4|int8|tinyint|mediumint|int|year)\b/, 'integer'],
  [/^(numeric|decimal|dec|fixed)\b/, 'decimal'],
  [/^(real|double precision|double|float|float4|float8)\b/, 'float'],
  [/^(text|tinytext|mediumtext|longtext|character varying|varchar|character|char|citext|name|enum|set)\b/, 'text'],
  [/^"char"$/, 'text'],
  [/^date$/, 'date'],
  [/^(timestamp|datetime)\b/, 'timestamp'],
  [/^time\b/, 'time'],
  [/^(boolean|bool)$/, 'boolean'],
  [/^uuid$/, 'uuid'],
  [/^(bytea|binary|varbinary|tinyblob|blob|mediumblob|longblob|bit)\b/, 'binary'],
  [/^(json|jsonb)$/, 'json'],
];

export function typeFamily(type: string | undefined | null): TypeFamily {
  if (type === undefined || type === null || type.length === 0) return 'unknown';
  const t = type.trim().toLowerCase();
  // MySQL's BOOLEAN is TINYINT(1): it holds numbers, and is compared as one.
  for (const [re, family] of RULES) if (re.test(t)) return family;
  return 'other';
}

export const isNumeric = (f: TypeFamily): boolean => f === 'integer' || f === 'decimal' || f === 'float';
export const isTemporal = (f: TypeFamily): boolean => f === 'date' || f === 'timestamp' || f === 'time';

/** ISO-8601 shapes accepted as date / timestamp / time literals on every platform. */
const TEMPORAL_LITERAL: Record<'date' | 'timestamp' | 'time', RegExp> = {
  date: /^\d{4}-\d{2}-\d{2}$/,
  timestamp: /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$/,
  time: /^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/,
};

export function isTemporalLiteral(family: 'date' | 'timestamp' | 'time', value: string): boolean {
  return TEMPORAL_LITERAL[family].test(value);
}
