export { ShadowTab } from './ShadowTab';
