import { constants, crc32, deflateRawSync } from 'node:zlib';
import { ZipPassThrough } from 'fflate';

/**
 * A zip entry deflated by Node's zlib (native) instead of fflate's JavaScript deflate, which
 * took more than half of the XLSX writer's time, with Node's native CRC-32 too (fflate's
 * JavaScript CRC took an eighth of it). Each pushed chunk is compressed on its own and
 * sync-flushed (no final bit), the last one finished: the concatenation is one valid deflate
 * stream (the dictionary restarts per chunk, which costs little on chunks of ~1 MB).
 * Synchronous on purpose: a zlib stream on the thread pool measured no faster on two busy
 * cores and its output buffers added ~30 MB of memory awaiting a full GC.
 */
export class NativeZipDeflate extends ZipPassThrough {
  private runningCrc = 0;

  constructor(filename: string, private readonly level: number) {
    super(filename);
    this.compression = 8;
  }

  /** ZipPassThrough.push with a native CRC: counts the uncompressed chunk, then process(). */
  push(chunk: Uint8Array, final = false): void {
    this.runningCrc = crc32(chunk, this.runningCrc);
    this.size += chunk.length;
    if (final) this.crc = this.runningCrc;
    this.process(chunk, final);
  }

  protected process(chunk: Uint8Array, final: boolean): void {
    const deflated = deflateRawSync(chunk, {
      level: this.level,
      finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    });
    // zlib's output is never on a SharedArrayBuffer.
    this.ondata(null, deflated as Buffer<ArrayBuffer>, final);
  }
}
