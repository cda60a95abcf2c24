/**
 * Standalone platform backend for development: `backstage-cli package start` here, with
 * POSTGRES_HOST/PORT/USER/PASSWORD and PORTAL_API_TOKEN set (see docs/platform.md).
 */
import { createBackend } from '@backstage/backend-defaults';
import { platformAuditorServiceFactory } from '../src';

const backend = createBackend();
backend.add(platformAuditorServiceFactory);
backend.add(import('../src'));
backend.start();
