import { formatBytes, formatEta } from './format';

describe('formatBytes', () => {
  it.each([
    [512, '512 B'],
    [2048, '2.0 KB'],
    [50 * 1024 * 1024, '50 MB'],
    [3.5 * 1024 ** 3, '3.5 GB'],
  ])('%d → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('formatEta', () => {
  it.each([
    [null, '—'],
    [12.4, '12 s'],
    [150, '3 min'],
  ])('%s → %s', (s, text) => expect(formatEta(s)).toBe(text));
});
