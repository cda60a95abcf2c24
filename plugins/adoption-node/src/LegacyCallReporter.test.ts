import http from 'node:http';
import { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { mockServices } from '@backstage/backend-test-utils';
import { LegacyCallReporter } from './LegacyCallReporter';
import { legacyShim } from './legacyShim';

describe('LegacyCallReporter and legacyShim', () => {
  let server: http.Server;
  const received: any[] = [];
  let failNext = false;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        if (failNext) {
          failNext = false;
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ error: { name: 'Unavailable', message: 'x' } }),
          );
          return;
        }
        received.push({
          url: req.url,
          auth: req.headers.authorization,
          body: JSON.parse(body),
        });
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ recorded: 1 }));
      });
    });
    await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
  });
  afterAll(() => new Promise(done => server.close(done)));

  it('forwards to the platform handler, batches counts and retries after a failed send', async () => {
    const port = (server.address() as AddressInfo).port;
    const reporter = new LegacyCallReporter({
      discovery: {
        getBaseUrl: async () => `http://127.0.0.1:${port}/api/adoption`,
        getExternalBaseUrl: async () => '',
      },
      auth: mockServices.auth(),
      now: () => new Date('2026-12-01T10:00:00Z'),
    });
    const app = express();
    app.get(
      '/reports/:id/export.csv',
      legacyShim({
        reporter,
        team: 'reporting',
        capability: 'export',
        forward: (_req, res) => {
          res.json({ forwardedTo: 'export-service' });
        },
      }),
    );
    for (const id of ['1', '2']) {
      const res = await request(app).get(`/reports/${id}/export.csv`);
      expect(res.body).toEqual({ forwardedTo: 'export-service' });
    }

    failNext = true;
    await expect(reporter.flush()).rejects.toThrow();
    expect(received).toHaveLength(0);
    // Kept for the next flush, merged with new calls.
    await request(app).get('/reports/3/export.csv');
    expect(await reporter.flush()).toBe(1);
    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('/api/adoption/v1/legacy-calls');
    expect(received[0].auth).toMatch(/^Bearer /);
    expect(received[0].body).toEqual({
      calls: [
        {
          team: 'reporting',
          capability: 'export',
          legacyPath: 'GET /reports/:id/export.csv',
          at: '2026-12-01T10:00:00.000Z',
          count: 3,
        },
      ],
    });
    expect(await reporter.flush()).toBe(0);
  });
});
