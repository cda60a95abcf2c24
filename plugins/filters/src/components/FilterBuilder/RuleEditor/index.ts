export { RuleEditor } from './RuleEditor';
