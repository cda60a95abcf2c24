import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  AuditCheckpoint,
  AuditCheckpointSink,
  parseCheckpoint,
} from './checkpoints';

/**
 * Checkpoints as NDJSON lines appended to one file (default `.data/platform-audit-checkpoints.ndjson`).
 * Each line is written with O_APPEND and fsynced before `write` resolves. The file should live
 * where the database's credentials do not reach (another volume, or shipped off-host).
 */
export class FileCheckpointSink implements AuditCheckpointSink {
  readonly description: string;

  constructor(private readonly file: string) {
    this.description = `file:${file}`;
  }

  async write(checkpoint: AuditCheckpoint): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const handle = await fs.open(this.file, 'a', 0o640);
    try {
      await handle.write(`${JSON.stringify(checkpoint)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async readAll(): Promise<{
    checkpoints: AuditCheckpoint[];
    problems: string[];
  }> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return { checkpoints: [], problems: [] };
      }
      throw error;
    }
    const checkpoints: AuditCheckpoint[] = [];
    const problems: string[] = [];
    text.split('\n').forEach((line, index) => {
      if (!line.trim()) return;
      let parsed: AuditCheckpoint | undefined;
      try {
        parsed = parseCheckpoint(JSON.parse(line));
      } catch {
        parsed = undefined;
      }
      if (parsed) checkpoints.push(parsed);
      else
        problems.push(
          `${this.description} line ${index + 1} is not a checkpoint`,
        );
    });
    return { checkpoints, problems };
  }
}
