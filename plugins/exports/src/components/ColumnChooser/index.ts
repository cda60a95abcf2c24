export { ColumnChooser, isReadable } from './ColumnChooser';
export type { ColumnChooserProps } from './ColumnChooser';
export { useReadableDataClasses } from './useReadableDataClasses';
