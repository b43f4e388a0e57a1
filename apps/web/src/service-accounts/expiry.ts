/** Expiry dates as the API wants them (ISO 8601 with an offset) from what the date-time input holds. */
export function toIsoOrNull(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export const isExpired = (expiresAt: string | null | undefined, now = Date.now()) =>
  expiresAt !== null && expiresAt !== undefined && Date.parse(expiresAt) <= now;
