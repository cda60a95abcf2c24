export { SloListPage } from './SloListPage';
export { SloTable } from './SloTable';
