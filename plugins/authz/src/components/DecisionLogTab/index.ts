export { DecisionLogTab } from './DecisionLogTab';
