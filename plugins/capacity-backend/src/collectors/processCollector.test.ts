import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { memoryLimit, ProcessCollector } from './processCollector';

describe('ProcessCollector', () => {
  it('samples compute as the higher of CPU and memory utilisation, from this process', async () => {
    const rss = process.memoryUsage().rss;
    // A limit at twice the current RSS: memory is ~50 %, far above this idle test's CPU.
    const collector = new ProcessCollector(async () => ({
      bytes: rss * 2,
      source: 'test limit',
    }));
    const out = await collector.collect(new Date(Date.now() + 1000));
    const value = (metric: string) =>
      out.measured.find(m => m.metric === metric)?.value;
    expect(value('backend-memory-rss')).toBeGreaterThan(0);
    expect(value('backend-memory-share')).toBeGreaterThan(30);
    expect(value('backend-cpu')).toBeGreaterThanOrEqual(0);
    const [sample] = out.samples;
    expect(sample.limit).toBe('app-compute');
    expect(sample.value).toBe(
      Math.max(value('backend-cpu')!, value('backend-memory-share')!),
    );
    expect(sample.source).toMatch(/^memory \(above CPU .*test limit$/);
  });

  it('reads a cgroup v2 memory.max, and falls back to the host memory for "max"', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cgroup-'));
    const file = path.join(dir, 'memory.max');
    await fs.writeFile(file, '536870912\n');
    expect(await memoryLimit(file)).toEqual({
      bytes: 536_870_912,
      source: `cgroup ${file}`,
    });
    await fs.writeFile(file, 'max\n');
    expect(await memoryLimit(file)).toEqual({
      bytes: os.totalmem(),
      source: 'os.totalmem() (no cgroup limit)',
    });
    await fs.rm(dir, { recursive: true });
  });
});
