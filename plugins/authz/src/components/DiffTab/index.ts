export { DiffTab } from './DiffTab';
