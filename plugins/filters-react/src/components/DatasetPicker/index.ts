export { DatasetPicker, chosenDataset } from './DatasetPicker';
export type { DatasetPickerProps } from './DatasetPicker';
