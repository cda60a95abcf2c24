import { ConflictError, NotFoundError } from '@backstage/errors';
import { PolicySource } from '@internal/plugin-authz-node';
import { Knex } from 'knex';

/** Channel on which every replica hears about activations and data changes. */
export const AUTHZ_CHANNEL = 'authz_changes';

interface DbRevisionRow {
  id: string;
  sha256: string;
  modules: Record<string, string>;
  data: unknown;
  entrypoint: string;
  wasm: Buffer;
  author: string;
  created_at: Date;
}

interface DbActivationRow {
  id: string;
  revision_id: string;
  activated_by: string;
  reason: string | null;
  activated_at: Date;
}

export interface RevisionSummary {
  id: string;
  sha256: string;
  entrypoint: string;
  author: string;
  createdAt: string;
  active: boolean;
}

export interface StoredRevision {
  id: string;
  sha256: string;
  source: PolicySource;
  wasm: Uint8Array;
}

/** Policy revisions and activations in the plugin's Postgres database. */
export class RevisionStore {
  constructor(private readonly knex: Knex) {}

  /** Stores a compiled revision; the same sha256 again returns the existing one. */
  async add(
    sha256: string,
    source: PolicySource,
    wasm: Uint8Array,
    author: string,
  ): Promise<{ id: string; created: boolean }> {
    const inserted = await this.knex('authz_policy_revisions')
      .insert({
        sha256,
        modules: JSON.stringify(source.modules),
        data: JSON.stringify(source.data ?? {}),
        entrypoint: source.entrypoint,
        wasm: Buffer.from(wasm),
        author,
      })
      .onConflict('sha256')
      .ignore()
      .returning('id');
    if (inserted.length > 0) {
      return { id: String(inserted[0].id), created: true };
    }
    const existing = await this.knex('authz_policy_revisions')
      .where({ sha256 })
      .first('id');
    return { id: String(existing.id), created: false };
  }

  async list(): Promise<RevisionSummary[]> {
    const active = await this.activeId();
    const rows: Pick<
      DbRevisionRow,
      'id' | 'sha256' | 'entrypoint' | 'author' | 'created_at'
    >[] = await this.knex('authz_policy_revisions')
      .orderBy('id', 'desc')
      .select('id', 'sha256', 'entrypoint', 'author', 'created_at');
    return rows.map(r => ({
      id: String(r.id),
      sha256: r.sha256,
      entrypoint: r.entrypoint,
      author: r.author,
      createdAt: new Date(r.created_at).toISOString(),
      active: String(r.id) === active,
    }));
  }

  async get(id: string): Promise<StoredRevision> {
    const row: DbRevisionRow | undefined = await this.knex(
      'authz_policy_revisions',
    )
      .where({ id })
      .first();
    if (!row) throw new NotFoundError(`No policy revision ${id}`);
    return {
      id: String(row.id),
      sha256: row.sha256,
      source: {
        modules: row.modules,
        data: row.data,
        entrypoint: row.entrypoint,
      },
      wasm: new Uint8Array(row.wasm),
    };
  }

  async activeId(): Promise<string | undefined> {
    const row: DbActivationRow | undefined = await this.knex(
      'authz_policy_activations',
    )
      .orderBy('id', 'desc')
      .first();
    return row ? String(row.revision_id) : undefined;
  }

  /**
   * Activates a revision and notifies every replica in the same transaction (Postgres
   * delivers the NOTIFY at commit, so no replica hears of an activation that rolled back).
   */
  async activate(id: string, activatedBy: string, reason?: string) {
    await this.knex.transaction(async tx => {
      const exists = await tx('authz_policy_revisions')
        .where({ id })
        .first('id');
      if (!exists) throw new NotFoundError(`No policy revision ${id}`);
      await tx('authz_policy_activations').insert({
        revision_id: id,
        activated_by: activatedBy,
        reason: reason ?? null,
      });
      await tx.raw('SELECT pg_notify(?, ?)', [AUTHZ_CHANNEL, `revision:${id}`]);
    });
  }

  /** Activates the revision that was active before the current one. */
  async rollback(activatedBy: string, reason?: string): Promise<string> {
    const rows: DbActivationRow[] = await this.knex('authz_policy_activations')
      .orderBy('id', 'desc')
      .limit(50)
      .select();
    const current = rows[0]?.revision_id;
    const previous = rows.find(r => r.revision_id !== current)?.revision_id;
    if (current === undefined || previous === undefined) {
      throw new ConflictError('There is no earlier revision to roll back to');
    }
    await this.activate(String(previous), activatedBy, reason ?? 'rollback');
    return String(previous);
  }

  /** Product data changed: every replica drops cached subjects and decisions. */
  async notifyDataChanged(): Promise<void> {
    await this.knex.raw('SELECT pg_notify(?, ?)', [AUTHZ_CHANNEL, 'data']);
  }
}
