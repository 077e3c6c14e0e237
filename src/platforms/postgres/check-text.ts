/** Small text helpers shared by the `connection check` advice files. */
import { quoteIdent } from './quote.js';

const SAMPLE = 5;
/** Objects per proposed GRANT/REVOKE, to keep each statement readable. */
export const OBJECTS_PER_STATEMENT = 1000;

export const qualified = (schema: string, name: string): string => `${quoteIdent(schema)}.${quoteIdent(name)}`;

/** The first few items, and how many more. */
export const sample = (items: readonly string[]): string =>
  items.length <= SAMPLE ? items.join(', ') : `${items.slice(0, SAMPLE).join(', ')} and ${items.length - SAMPLE} more`;

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
