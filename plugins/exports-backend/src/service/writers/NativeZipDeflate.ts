import { constants, deflateRawSync } from 'node:zlib';
import { ZipPassThrough } from 'fflate';

/**
 * A zip entry deflated by Node's zlib (native) instead of fflate's JavaScript deflate, which
 * took more than half of the XLSX writer's time. Each pushed chunk is compressed on its own
 * and sync-flushed (no final bit), the last one finished: the concatenation is one valid
 * deflate stream (the dictionary restarts per chunk, which costs little on 100 kB+ chunks).
 */
export class NativeZipDeflate extends ZipPassThrough {
  constructor(filename: string, private readonly level: number) {
    super(filename);
    this.compression = 8;
  }

  protected process(chunk: Uint8Array, final: boolean): void {
    this.ondata(
      null,
      deflateRawSync(chunk, {
        level: this.level,
        finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      }),
      final,
    );
  }
}
