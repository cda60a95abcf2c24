import os from 'node:os';
import { Collector, CollectorOutput } from './types';

/** CPU and memory of this backend process (one replica of the portal backend). */
export class ProcessCollector implements Collector {
  readonly name = 'backend-process';
  private last = { at: Date.now(), cpu: process.cpuUsage() };

  async collect(now: Date): Promise<CollectorOutput> {
    const cpu = process.cpuUsage();
    const wallMicros = (now.getTime() - this.last.at) * 1000;
    const usedMicros =
      cpu.user - this.last.cpu.user + (cpu.system - this.last.cpu.system);
    this.last = { at: now.getTime(), cpu };
    const cores = os.availableParallelism();
    const out: CollectorOutput = { samples: [], measured: [], unavailable: [] };
    const replica = `${os.hostname()} pid ${process.pid}`;
    if (wallMicros <= 0) {
      out.unavailable.push({
        metric: 'app-compute',
        reason: 'no time elapsed since the last collection',
      });
    } else {
      const percent = Number(
        ((usedMicros / (wallMicros * cores)) * 100).toFixed(3),
      );
      const source = `process.cpuUsage() of ${replica} over ${(
        wallMicros / 1e6
      ).toFixed(0)} s on ${cores} cores`;
      out.samples.push({ limit: 'app-compute', value: percent, source });
      out.measured.push({
        metric: 'backend-cpu',
        value: percent,
        unit: '%',
        source,
      });
    }
    const rss = process.memoryUsage().rss;
    out.measured.push({
      metric: 'backend-memory-rss',
      value: rss,
      unit: 'bytes',
      source: `process.memoryUsage().rss of ${replica}`,
    });
    out.measured.push({
      metric: 'backend-memory-share',
      value: Number(((rss / os.totalmem()) * 100).toFixed(3)),
      unit: '%',
      source: `rss / os.totalmem() on ${os.hostname()}`,
    });
    return out;
  }
}
