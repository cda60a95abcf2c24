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

describe('PlatformHub audit reader', () => {
  it('hands a waiting caller the audit reader once attached', async () => {
    const h = hub();
    const auditReader = { activityByTeam: async () => [] };
    const waiting = h.waitForAuditReader({ timeoutMs: 1000 });
    h.attach({ sink, source, auditReader });
    await expect(waiting).resolves.toBe(auditReader);
  });

  it('fails naming the caller when the platform backend never starts or has no audit reader', async () => {
    await expect(
      hub().waitForAuditReader({ timeoutMs: 20, caller: 'adoption' }),
    ).rejects.toThrow(/so adoption cannot read the platform audit store/);
    const h = hub();
    h.attach({ sink, source });
    await expect(h.waitForAuditReader({ timeoutMs: 20 })).rejects.toThrow(
      'The platform backend in this process provides no audit reader',
    );
  });
});
