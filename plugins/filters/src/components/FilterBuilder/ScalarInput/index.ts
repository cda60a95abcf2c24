export { ScalarInput } from './ScalarInput';
