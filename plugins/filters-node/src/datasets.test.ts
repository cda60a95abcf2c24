import { ConfigReader } from '@backstage/config';
import { demoEventsDatasetConfig } from './testUtils';
import { describeDataset, readDatasets } from './datasets';

const connection = {
  host: 'db',
  port: 5432,
  user: 'u',
  password: 'secret',
  database: 'product',
};
const read = (overrides: Record<string, unknown>) =>
  readDatasets(
    new ConfigReader({
      platform: {
        productDatabase: { connection },
        datasets: { events: demoEventsDatasetConfig(overrides) },
      },
    }),
  );

describe('readDatasets', () => {
  it('reads the demo dataset with defaults and hides storage details from the description', () => {
    const [d] = read({ replica: { connection: 'product' } });
    expect(d).toMatchObject({
      id: 'events',
      table: 'events',
      statsTable: 'events',
      tenantColumn: 'account_id',
      statementTimeoutMs: 5000,
      costThreshold: 28000,
    });
    expect(d.replica).toEqual({ connection, maxLagSeconds: 30 });
    expect(
      d.fields.find(f => f.name === 'properties')?.paths?.browser,
    ).toMatchObject({ path: ['browser'], type: 'enum' });
    const description = JSON.stringify(describeDataset(d));
    expect(description).not.toMatch(/secret|"column"|account_id/);
  });

  it('refuses identifiers that are not plain lower-case SQL names', () => {
    expect(() => read({ table: 'events; DROP TABLE x' })).toThrow(
      'platform.datasets.events.table: "events; DROP TABLE x" is not a plain lower-case SQL identifier',
    );
    expect(() => read({ tenantColumn: 'Account"Id' })).toThrow(/tenantColumn/);
    expect(() => read({ defaultOrder: { field: 'properties' } })).toThrow(
      /defaultOrder.field/,
    );
    expect(() =>
      read({ fields: { x: { type: 'text' } }, defaultOrder: { field: 'x' } }),
    ).toThrow('platform.datasets.events.fields.x.type: "text" is not one of');
  });

  it('passes TLS settings of a dataset connection through to node-postgres (issue 8 item 12)', () => {
    const [d] = read({
      connection: {
        ...connection,
        ssl: { rejectUnauthorized: true, ca: 'PEM', servername: 'db.internal' },
      },
      replica: { connection: { ...connection, host: 'replica', ssl: true } },
    });
    expect(d.connection.ssl).toEqual({
      rejectUnauthorized: true,
      ca: 'PEM',
      servername: 'db.internal',
    });
    expect(d.replica?.connection.ssl).toBe(true);
    const [plain] = read({});
    expect(plain.connection).not.toHaveProperty('ssl');
  });
});
