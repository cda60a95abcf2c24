export { SloDetailPage, SloDetailContent } from './SloDetailPage';
