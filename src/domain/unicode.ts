/**
 * True when `text` holds a UTF-16 surrogate without its other half. Such a string has no UTF-8
 * form: a driver would silently send U+FFFD instead, so a value written to a database would
 * not be the value the policy says.
 */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
