import { CollectorRunResult } from '../service/CapacityStore';

export interface CollectedSample {
  limit: string;
  value: number;
  source: string;
}

export interface CollectorOutput extends CollectorRunResult {
  /** Values of clock limits, stored as live samples. */
  samples: CollectedSample[];
}

export interface Collector {
  name: string;
  collect(now: Date): Promise<CollectorOutput>;
}
