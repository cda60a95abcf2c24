export { AccountPicker, isAccountId } from './AccountPicker';
export type { AccountPickerProps } from './AccountPicker';
