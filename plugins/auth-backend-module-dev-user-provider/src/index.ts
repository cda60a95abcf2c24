export { authModuleDevUserProvider as default } from './module';
export { DEV_USER_HEADER } from './devUserAuthenticator';
