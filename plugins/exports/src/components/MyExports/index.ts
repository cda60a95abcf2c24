export { MyExports } from './MyExports';
export type { MyExportsProps } from './MyExports';
export { useMyExports, POLL_MS } from './useMyExports';
