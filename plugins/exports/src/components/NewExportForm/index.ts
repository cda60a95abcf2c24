export { NewExportForm } from './NewExportForm';
export type { NewExportFormProps } from './NewExportForm';
