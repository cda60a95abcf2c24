import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { platformPlugin } from '../../plugin';
import { platformAuditorServiceFactory } from '../auditorServiceFactory';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_18'] });

describe('audit verify routes (plugin in a test backend, real Postgres)', () => {
  async function start(
    result: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
    options: { realScheduler?: boolean } = {},
  ) {
    const knex = await databases.init('POSTGRES_18');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'audit-routes-'));
    const checkpoints = path.join(dir, 'checkpoints.ndjson');
    const backend = await startTestBackend({
      features: [
        platformPlugin,
        platformAuditorServiceFactory,
        mockServices.database.factory({ knex }),
        mockServices.permissions.factory({ result }),
        ...(options.realScheduler ? [schedulerServiceFactory] : []),
        mockServices.rootConfig.factory({
          data: {
            platform: {
              audit: {
                hmacKeys: [{ id: 'route-test', secret: 'r'.repeat(40) }],
                checkpoints: { file: { path: checkpoints } },
              },
            },
          },
        }),
      ],
    });
    return { backend, server: backend.server, knex, checkpoints };
  }

  it('returns the last run of the job, and runs "verify now" in the background for admins', async () => {
    const { backend, server, knex } = await start(AuthorizeResult.ALLOW);
    try {
      const user = mockCredentials.user.header();
      const none = await request(server)
        .get('/api/platform/v1/audit/verify')
        .set('Authorization', user);
      expect(none.status).toBe(200);
      expect(none.body).toMatchObject({ status: 'none', pending: [] });
      expect(none.body.valid).toBeUndefined();

      expect(
        (
          await request(server)
            .post('/api/platform/v1/audit/verify')
            .set('Authorization', mockCredentials.none.header())
        ).status,
      ).toBe(401);
      const requested = await request(server)
        .post('/api/platform/v1/audit/verify')
        .set('Authorization', user);
      expect(requested.status).toBe(202);
      expect(requested.body).toEqual({
        id: expect.any(String),
        status: 'requested',
      });

      const waitForRun = async (id: string) => {
        for (let i = 0; i < 100; i++) {
          const { body } = await request(server)
            .get('/api/platform/v1/audit/verify')
            .set('Authorization', user);
          if (body.run?.id === id) return body;
          await new Promise(r => setTimeout(r, 100));
        }
        throw new Error(`verify run ${id} did not finish`);
      };
      const body = await waitForRun(requested.body.id);
      expect(body).toMatchObject({
        status: 'done',
        valid: true,
        run: {
          id: requested.body.id,
          trigger: 'manual',
          requestedBy: mockCredentials.user().principal.userEntityRef,
          status: 'done',
          finishedAt: expect.any(String),
        },
        source: expect.stringContaining('platform_audit_verify_runs'),
      });
      // The request itself is audited (in the HMAC chain).
      const [entry] = await knex('platform_audit_log').where({
        action: 'platform.audit-verify-request',
      });
      expect(entry).toMatchObject({
        outcome: 'succeeded',
        key_id: 'route-test',
      });
      const again = await request(server)
        .post('/api/platform/v1/audit/verify')
        .set('Authorization', user);
      const second = await waitForRun(again.body.id);
      // The first request's record at least (the second one's may land before or after).
      expect(second.checked).toBeGreaterThanOrEqual(1);
      expect(second).toMatchObject({
        valid: true,
        keyIds: ['route-test'],
        checkpoints: { compared: 0, problems: [] },
      });
    } finally {
      await backend.stop();
    }
  });

  it('runs "verify now" through the real Backstage scheduler too', async () => {
    const { backend, server } = await start(AuthorizeResult.ALLOW, {
      realScheduler: true,
    });
    try {
      const user = mockCredentials.user.header();
      const requested = await request(server)
        .post('/api/platform/v1/audit/verify')
        .set('Authorization', user)
        .expect(202);
      let body: any;
      for (let i = 0; i < 300 && body?.run?.id !== requested.body.id; i++) {
        await new Promise(r => setTimeout(r, 100));
        body = (
          await request(server)
            .get('/api/platform/v1/audit/verify')
            .set('Authorization', user)
        ).body;
      }
      expect(body).toMatchObject({
        status: 'done',
        valid: true,
        run: { id: requested.body.id, trigger: 'manual', status: 'done' },
      });
    } finally {
      await backend.stop();
    }
  });

  it('refuses "verify now" and the result without the permissions', async () => {
    const { backend, server, knex } = await start(AuthorizeResult.DENY);
    try {
      const user = mockCredentials.user.header();
      const post = await request(server)
        .post('/api/platform/v1/audit/verify')
        .set('Authorization', user);
      expect(post.status).toBe(403);
      expect(post.body.error.message).toContain('platform.jobs.run');
      expect(
        (
          await request(server)
            .get('/api/platform/v1/audit/verify')
            .set('Authorization', user)
        ).status,
      ).toBe(403);
      expect(await knex('platform_audit_verify_runs')).toEqual([]);
    } finally {
      await backend.stop();
    }
  });
});
