export { RelativeInput } from './RelativeInput';
