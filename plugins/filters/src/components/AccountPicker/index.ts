export { AccountPicker } from './AccountPicker';
export type { AccountPickerProps } from './AccountPicker';
