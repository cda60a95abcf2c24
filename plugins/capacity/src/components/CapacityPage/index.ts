export { CapacityPage } from './CapacityPage';
