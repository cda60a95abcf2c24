import { crc32, createDeflateRaw, DeflateRaw } from 'node:zlib';
import { ZipPassThrough } from 'fflate';

const OUTPUT_CHUNK_BYTES = 64 * 1024;

/**
 * A zip entry deflated by a Node zlib stream (native, on libuv's thread pool) instead of
 * fflate's JavaScript deflate: compression of one batch overlaps with reading and building the
 * next on the main thread, and one stream per entry keeps the dictionary across chunks. The
 * entry's CRC-32 is Node's too (fflate's JavaScript CRC took an eighth of the writer's time).
 */
export class NativeZipDeflate extends ZipPassThrough {
  private readonly deflate: DeflateRaw;
  private written: ((error?: Error | null) => void) | undefined;
  private runningCrc = 0;

  constructor(filename: string, level: number) {
    super(filename);
    this.compression = 8;
    // Output in large pieces: each piece is a round trip between the thread pool and the
    // main thread (zlib's default is 16 KiB).
    this.deflate = createDeflateRaw({ level, chunkSize: OUTPUT_CHUNK_BYTES });
    // zlib's output is never on a SharedArrayBuffer.
    this.deflate.on('data', (data: Buffer<ArrayBuffer>) =>
      this.ondata(null, data, false),
    );
    this.deflate.on('end', () => this.ondata(null, new Uint8Array(0), true));
    // Reported through add()'s promise.
    this.deflate.on('error', () => undefined);
  }

  /**
   * Adds a chunk (`final`: the entry's last); resolves when zlib has compressed it, rejects on
   * a zlib error. Its CRC and size are counted at once, in order.
   */
  add(chunk: Uint8Array, final = false): Promise<void> {
    return new Promise((resolve, reject) => {
      this.written = error => (error ? reject(error) : resolve());
      this.push(chunk, final);
    });
  }

  /** ZipPassThrough.push with a native CRC: counts the uncompressed chunk, then process(). */
  push(chunk: Uint8Array, final = false): void {
    this.runningCrc = crc32(chunk, this.runningCrc);
    this.size += chunk.length;
    if (final) this.crc = this.runningCrc;
    this.process(chunk, final);
  }

  protected process(chunk: Uint8Array, final: boolean): void {
    const written = this.written;
    this.written = undefined;
    this.deflate.write(chunk, written);
    if (final) this.deflate.end();
  }
}
