import http from 'node:http';
import { AddressInfo } from 'node:net';
import { MINUTE_MS, parseSloDefinition } from '@internal/plugin-slo-common';
import { SliSources } from './sources';

/** A real local HTTP server answering Prometheus' query_range API. */
async function startPrometheus() {
  const queries: URLSearchParams[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    queries.push(url.searchParams);
    const start = Number(url.searchParams.get('start'));
    const end = Number(url.searchParams.get('end'));
    const good = url.searchParams.get('query')!.includes('good');
    const values: Array<[number, string]> = [];
    for (let t = start; t <= end; t += 60)
      values.push([t, good ? '95' : '100']);
    // Two series: the source sums them per timestamp.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        status: 'success',
        data: { resultType: 'matrix', result: [{ values }, { values }] },
      }),
    );
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { baseUrl, queries, close: () => new Promise(r => server.close(r)) };
}

describe('SliSources', () => {
  it('reads (good, total) per minute from Prometheus query_range, in chunks of 10,000 minutes', async () => {
    const prometheus = await startPrometheus();
    try {
      const parsed = parseSloDefinition({
        id: 'prom-slo',
        name: 'P',
        journey: 'J',
        service: 's',
        owner: 'group:default/sre',
        objective: 0.9,
        window: 'rolling-30d',
        sli: {
          source: 'prometheus',
          kind: 'ratio',
          goodQuery: 'sum(increase(good_total[1m]))',
          totalQuery: 'sum(increase(all_total[1m]))',
        },
        alerting: { preset: 'spec', runbook: 'x' },
      });
      if (!parsed.ok) throw new Error('invalid');
      const sources = new SliSources({
        prometheus: { baseUrl: prometheus.baseUrl },
      });
      expect(sources.availability(parsed.definition)).toMatchObject({
        ok: true,
      });
      const from = new Date(Date.UTC(2026, 10, 1));
      const to = new Date(from.getTime() + 12_000 * MINUTE_MS);
      const points = await sources.read(parsed.definition, from, to);
      // [from, to): 12,000 minutes, asked as 10,000 + 2,000 for each of the two queries.
      expect(points).toHaveLength(12_000);
      expect(points[0]).toEqual({
        minuteMs: from.getTime(),
        good: 190,
        total: 200,
        resolutionMinutes: 1,
      });
      expect(points[11_999].minuteMs).toBe(to.getTime() - MINUTE_MS);
      expect(prometheus.queries).toHaveLength(4);
      expect(prometheus.queries.map(q => q.get('step'))).toEqual([
        '60',
        '60',
        '60',
        '60',
      ]);

      const unconfigured = new SliSources({});
      expect(unconfigured.availability(parsed.definition)).toEqual({
        ok: false,
        message: 'no data: Prometheus not configured (slo.prometheus.baseUrl)',
      });
    } finally {
      await prometheus.close();
    }
  });
});
