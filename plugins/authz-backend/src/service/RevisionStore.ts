import { ConflictError, NotFoundError } from '@backstage/errors';
import { PolicySource } from '@internal/plugin-authz-node';
import { Knex } from 'knex';

/** Channel on which every replica hears about activations and data changes. */
export const AUTHZ_CHANNEL = 'authz_changes';

/** The policies with revisions: the Check API's, and the portal's Backstage PermissionPolicy. */
export type PolicyKind = 'product' | 'portal';

/** The notification payload prefix of an activation: `revision:<id>`, `portal-revision:<id>`. */
export const ACTIVATION_PREFIX: Record<PolicyKind, string> = {
  product: 'revision:',
  portal: 'portal-revision:',
};

interface DbRevisionRow {
  id: string;
  sha256: string;
  modules: Record<string, string>;
  data: unknown;
  entrypoint: string;
  wasm: Buffer;
  author: string;
  created_at: Date;
  policy: PolicyKind;
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
  policy: PolicyKind;
  sha256: string;
  source: PolicySource;
  wasm: Uint8Array;
}

/**
 * Policy revisions and activations in the plugin's Postgres database. `policy` picks which
 * policy's revisions `add`, `list`, `activeId` and `rollback` are about; ids are shared.
 */
export class RevisionStore {
  constructor(private readonly knex: Knex) {}

  /** Stores a compiled revision; the same sha256 again returns the existing one. */
  async add(
    sha256: string,
    source: PolicySource,
    wasm: Uint8Array,
    author: string,
    policy: PolicyKind = 'product',
  ): Promise<{ id: string; created: boolean }> {
    const inserted = await this.knex('authz_policy_revisions')
      .insert({
        sha256,
        modules: JSON.stringify(source.modules),
        data: JSON.stringify(source.data ?? {}),
        entrypoint: source.entrypoint,
        wasm: Buffer.from(wasm),
        author,
        policy,
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

  async list(policy: PolicyKind = 'product'): Promise<RevisionSummary[]> {
    const active = await this.activeId(policy);
    const rows: Pick<
      DbRevisionRow,
      'id' | 'sha256' | 'entrypoint' | 'author' | 'created_at'
    >[] = await this.knex('authz_policy_revisions')
      .where({ policy })
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

  async get(id: string, db: Knex = this.knex): Promise<StoredRevision> {
    const row: DbRevisionRow | undefined = await db('authz_policy_revisions')
      .where({ id })
      .first();
    if (!row) throw new NotFoundError(`No policy revision ${id}`);
    return {
      id: String(row.id),
      policy: row.policy,
      sha256: row.sha256,
      source: {
        modules: row.modules,
        data: row.data,
        entrypoint: row.entrypoint,
      },
      wasm: new Uint8Array(row.wasm),
    };
  }

  async activeId(policy: PolicyKind = 'product'): Promise<string | undefined> {
    const row: DbActivationRow | undefined = await this.knex(
      'authz_policy_activations',
    )
      .where({ policy })
      .orderBy('id', 'desc')
      .first();
    return row ? String(row.revision_id) : undefined;
  }

  /**
   * Activates a revision (for the policy it belongs to) and notifies every replica in the same
   * transaction (Postgres delivers the NOTIFY at commit, so no replica hears of an activation
   * that rolled back). With `policy`, a revision of another policy is refused (409). `vet`
   * sees the revision before the activation commits; what it throws refuses the activation.
   */
  async activate(
    id: string,
    activatedBy: string,
    reason?: string,
    policy?: PolicyKind,
    vet?: (revision: StoredRevision) => Promise<void>,
  ): Promise<PolicyKind> {
    return this.knex.transaction(async tx => {
      const row: Pick<DbRevisionRow, 'policy'> | undefined = await tx(
        'authz_policy_revisions',
      )
        .where({ id })
        .first('policy');
      if (!row) throw new NotFoundError(`No policy revision ${id}`);
      if (policy && row.policy !== policy) {
        throw new ConflictError(
          `Revision ${id} is a ${row.policy} policy revision, not a ${policy} one`,
        );
      }
      if (vet) await vet(await this.get(id, tx));
      await tx('authz_policy_activations').insert({
        revision_id: id,
        activated_by: activatedBy,
        reason: reason ?? null,
        policy: row.policy,
      });
      await tx.raw('SELECT pg_notify(?, ?)', [
        AUTHZ_CHANNEL,
        `${ACTIVATION_PREFIX[row.policy]}${id}`,
      ]);
      return row.policy;
    });
  }

  /** Activates the revision of `policy` that was active before the current one. */
  async rollback(
    activatedBy: string,
    reason?: string,
    policy: PolicyKind = 'product',
    vet?: (revision: StoredRevision) => Promise<void>,
  ): Promise<string> {
    const rows: DbActivationRow[] = await this.knex('authz_policy_activations')
      .where({ policy })
      .orderBy('id', 'desc')
      .limit(50)
      .select();
    const current = rows[0]?.revision_id;
    const previous = rows.find(r => r.revision_id !== current)?.revision_id;
    if (current === undefined || previous === undefined) {
      throw new ConflictError('There is no earlier revision to roll back to');
    }
    await this.activate(
      String(previous),
      activatedBy,
      reason ?? 'rollback',
      policy,
      vet,
    );
    return String(previous);
  }

  /** Product data changed: every replica drops cached subjects and decisions. */
  async notifyDataChanged(): Promise<void> {
    await this.knex.raw('SELECT pg_notify(?, ?)', [AUTHZ_CHANNEL, 'data']);
  }
}
