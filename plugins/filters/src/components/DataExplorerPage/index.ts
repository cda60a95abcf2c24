export { DataExplorerPage } from './DataExplorerPage';
