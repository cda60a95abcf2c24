export { GroupEditor } from './GroupEditor';
