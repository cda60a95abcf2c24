export { ValueInput } from './ValueInput';
