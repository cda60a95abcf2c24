export const shortTeam = (ref: string) => ref.replace(/^group:default\//, '');

export const PHASE_LABELS = [
  '0 · none',
  '1 · new work on platform',
  '2 · legacy wrapped',
  '3 · legacy removed',
];

/** Heat-map colours from none (grey) to legacy removed (green). */
export const PHASE_COLOURS = ['#e0e0e0', '#ffe082', '#aed581', '#2e7d32'];

export const when = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString() : '—';
