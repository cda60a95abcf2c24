import fs from 'node:fs/promises';
import os from 'node:os';
import { Collector, CollectorOutput } from './types';

/** The memory this process may use, and where that figure comes from. */
export interface MemoryLimit {
  bytes: number;
  source: string;
}

/** The cgroup v2 limit of this container when it has one, else the host's memory. */
export async function memoryLimit(
  cgroupFile = '/sys/fs/cgroup/memory.max',
): Promise<MemoryLimit> {
  const text = await fs.readFile(cgroupFile, 'utf8').catch(() => undefined);
  const bytes = Number(text?.trim());
  if (Number.isFinite(bytes) && bytes > 0) {
    return { bytes, source: `cgroup ${cgroupFile}` };
  }
  return { bytes: os.totalmem(), source: 'os.totalmem() (no cgroup limit)' };
}

/**
 * CPU and memory of this backend process (one replica of the portal backend). The compute
 * limit is "CPU/memory utilisation" (spec): its sample is the higher of the two shares, since
 * whichever saturates first is the one that needs capacity.
 */
export class ProcessCollector implements Collector {
  readonly name = 'backend-process';
  private last = { at: Date.now(), cpu: process.cpuUsage() };

  constructor(
    private readonly limit: () => Promise<MemoryLimit> = () => memoryLimit(),
  ) {}

  async collect(now: Date): Promise<CollectorOutput> {
    const cpu = process.cpuUsage();
    const wallMicros = (now.getTime() - this.last.at) * 1000;
    const usedMicros =
      cpu.user - this.last.cpu.user + (cpu.system - this.last.cpu.system);
    this.last = { at: now.getTime(), cpu };
    const cores = os.availableParallelism();
    const out: CollectorOutput = { samples: [], measured: [], unavailable: [] };
    const replica = `${os.hostname()} pid ${process.pid}`;

    const rss = process.memoryUsage().rss;
    const limit = await this.limit();
    const memoryPercent = Number(((rss / limit.bytes) * 100).toFixed(3));
    const memorySource = `process.memoryUsage().rss of ${replica} / ${limit.source}`;
    out.measured.push(
      {
        metric: 'backend-memory-rss',
        value: rss,
        unit: 'bytes',
        source: `process.memoryUsage().rss of ${replica}`,
      },
      {
        metric: 'backend-memory-share',
        value: memoryPercent,
        unit: '%',
        source: memorySource,
      },
    );

    if (wallMicros <= 0) {
      out.unavailable.push({
        metric: 'backend-cpu',
        reason: 'no time elapsed since the last collection',
      });
      out.samples.push({
        limit: 'app-compute',
        value: memoryPercent,
        source: `memory: ${memorySource} (no CPU interval yet)`,
      });
      return out;
    }
    const cpuPercent = Number(
      ((usedMicros / (wallMicros * cores)) * 100).toFixed(3),
    );
    const cpuSource = `process.cpuUsage() of ${replica} over ${(
      wallMicros / 1e6
    ).toFixed(0)} s on ${cores} cores`;
    out.measured.push({
      metric: 'backend-cpu',
      value: cpuPercent,
      unit: '%',
      source: cpuSource,
    });
    out.samples.push(
      cpuPercent >= memoryPercent
        ? {
            limit: 'app-compute',
            value: cpuPercent,
            source: `CPU (above memory ${memoryPercent}%): ${cpuSource}`,
          }
        : {
            limit: 'app-compute',
            value: memoryPercent,
            source: `memory (above CPU ${cpuPercent}%): ${memorySource}`,
          },
    );
    return out;
  }
}
