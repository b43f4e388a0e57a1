/** Dates as the profile page shows them: local, to the minute; "never" for a missing one. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(value: string | null | undefined, missing = 'never'): string {
  if (!value) return missing;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateTime.format(date);
}

/** Expiry choices for a new personal access token, in days; null: it does not expire. */
export const EXPIRY_CHOICES: Array<{ label: string; days: number | null }> = [
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
  { label: 'No expiry', days: null },
];

export function expiryFrom(days: number | null, now = Date.now()): string | null {
  return days === null ? null : new Date(now + days * 86_400_000).toISOString();
}
