/** "4 min ago", "3 days ago" — the age of a value. */
export function ageOf(at: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export const formatValue = (value: number, unit: string) =>
  `${value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${unit}`;

export const formatDate = (iso: string | null | undefined) =>
  iso ? iso.slice(0, 10) : '—';

export const PROVENANCE_LABEL = {
  live: 'live',
  pushed: 'pushed',
  estimate: 'declared estimate',
} as const;
