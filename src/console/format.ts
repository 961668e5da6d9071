/** An instant as a person reads it in a given IANA zone, e.g. "1 Dec 2026, 06:00 (Europe/Berlin)". */
export function formatInstant(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '—';
  const text = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
  return `${text} (${timeZone})`;
}

export const stateLabels: Record<string, string> = {
  backfilling: 'Backfilling',
  active: 'Active',
  paused: 'Paused',
  needs_attention: 'Needs attention',
};
