/**
 * `Number.MAX_SAFE_INTEGER` bounds every integer the API accepts: a limit of JavaScript, not a
 * business rule. In the document it only confuses (Swagger UI even offers 9007199254740991 as a
 * sample amount), so it is dropped; the validation keeps it.
 */
export function describeSafeIntegers<T>(document: T): T {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['maximum'] === Number.MAX_SAFE_INTEGER) delete record['maximum'];
    if (record['minimum'] === Number.MIN_SAFE_INTEGER) delete record['minimum'];
    for (const value of Object.values(record)) visit(value);
  };
  visit(document);
  return document;
}
