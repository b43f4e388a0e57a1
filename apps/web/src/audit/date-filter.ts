/** A date-time filter's value as the API's `since`/`until` take it: ISO 8601, or no filter when empty or invalid. */
export function toIsoOrUndefined(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
