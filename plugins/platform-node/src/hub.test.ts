import { EventSchemaRegistry } from './events/EventSchemaRegistry';
import { PlatformHub } from './hub';
import { PlatformTelemetryReader } from './telemetry/telemetryReader';

function hub() {
  return new PlatformHub(EventSchemaRegistry.fromPackage(), {
    processMetrics: false,
  });
}

const sink = {
  ingestEvents: async () => {},
  appendAudit: async () => {},
  ingestRollups: async () => {},
};
const source = { read: async () => ({ events: [] }) };

describe('PlatformHub', () => {
  it('fails a sink wait with a clear error when the platform backend never starts', async () => {
    await expect(
      hub().waitForSink({ timeoutMs: 20, caller: 'the auditor of exports' }),
    ).rejects.toThrow(
      /platform backend .* has not started in this process within 20 ms, so the auditor of exports cannot write/,
    );
  });

  it('hands waiting callers the sink and the telemetry reader once attached', async () => {
    const h = hub();
    const reader: PlatformTelemetryReader = {
      bucketBoundsMs: [1],
      requestMinutes: async () => [],
      pageLoadMinutes: async () => [],
    };
    const waiting = h.waitForSink({ timeoutMs: 1000 });
    const waitingReader = h.waitForTelemetryReader({ timeoutMs: 1000 });
    h.attach({ sink, source, telemetryReader: reader });
    await expect(waiting).resolves.toBe(sink);
    await expect(waitingReader).resolves.toBe(reader);
  });

  it('fails a telemetry read wait naming the caller', async () => {
    await expect(
      hub().waitForTelemetryReader({ timeoutMs: 20, caller: 'slo' }),
    ).rejects.toThrow(/so slo cannot read platform telemetry/);
  });
});
