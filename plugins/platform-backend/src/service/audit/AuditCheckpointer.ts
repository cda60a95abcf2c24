import { AuditStore } from '../AuditStore';
import { AuditCheckpointSink, signCheckpoint } from './checkpoints';

/**
 * Copies the chain head (seq, hash, signed) to the sink outside the database; run on a
 * schedule. Skips a head already copied by this process.
 */
export class AuditCheckpointer {
  private last?: string;

  constructor(
    private readonly audit: AuditStore,
    readonly sink: AuditCheckpointSink,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async checkpoint(): Promise<{ written: boolean; seq: string }> {
    const head = await this.audit.head();
    const id = `${head.seq}:${head.hash}`;
    if (head.seq === '0' || id === this.last) {
      return { written: false, seq: head.seq };
    }
    await this.sink.write(
      signCheckpoint(this.audit.keyring, head, this.clock()),
    );
    this.last = id;
    return { written: true, seq: head.seq };
  }
}
