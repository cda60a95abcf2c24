import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthzEvaluator,
  CompiledPolicy,
  PolicySource,
} from '@internal/plugin-authz-node';
import { createHash } from 'node:crypto';
import { readBundle, RegoCompileError } from '@internal/rego-wasm';
import { RequestValidationError } from '@internal/plugin-platform-node';
import { RevisionStore } from './RevisionStore';

/** Compiles a candidate revision; compile errors become a 400 naming module, line and column. */
export async function compileCandidate(
  source: PolicySource,
): Promise<CompiledPolicy> {
  try {
    return await CompiledPolicy.compile(source);
  } catch (error) {
    if (error instanceof RegoCompileError) {
      throw RequestValidationError.fromIssues(
        'policy',
        error.errors.map(e => ({
          path: `body.modules.${e.file}`,
          message: `${e.line}:${e.column}: ${e.code}: ${e.message}`,
        })),
      );
    }
    throw error;
  }
}

/**
 * Keeps this replica's evaluator on the active revision stored in Postgres: seeds the
 * repository policy as the first revision, and reloads on every change notification.
 */
export class PolicyRevisions {
  constructor(
    private readonly store: RevisionStore,
    private readonly evaluator: AuthzEvaluator,
    private readonly logger: LoggerService,
  ) {}

  /** First start: the repository's policy becomes revision 1, activated by the system. */
  async seed(source: PolicySource): Promise<void> {
    if (await this.store.activeId()) return;
    const compiled = await CompiledPolicy.compile(source);
    const { id } = await this.store.add(
      compiled.sha256,
      source,
      compiled.wasm,
      'system:repository',
    );
    await this.store.activate(id, 'system:repository', 'initial policy');
  }

  /** Loads the active revision (stored wasm, no recompilation) unless already active. */
  async sync(): Promise<void> {
    const id = await this.store.activeId();
    if (!id) return;
    const revision = await this.store.get(id);
    if (revision.sha256 === this.evaluator.activeRevision) return;
    this.evaluator.activate(
      await CompiledPolicy.load(
        revision.source,
        revision.wasm,
        revision.sha256,
      ),
    );
    this.logger.info(
      `authz: revision ${id} (${revision.sha256.slice(0, 12)}) active`,
    );
  }

  /** A notification payload from the change channel. */
  async onChange(payload: string): Promise<void> {
    if (payload === 'data') this.evaluator.invalidateData();
    else if (payload === 'resync') {
      this.evaluator.invalidateData();
      await this.sync();
    } else if (payload.startsWith('revision:')) await this.sync();
  }
}

/**
 * An OPA bundle (`.tar.gz` with `/policy.wasm` and optional `/data.json`, as
 * `opa build -t wasm` makes it) as a candidate revision: loaded once to prove it works and has
 * the entrypoint. Its sha256 is that of the bundle bytes and the entrypoint.
 */
export async function loadBundleCandidate(
  bytes: Uint8Array,
  entrypoint: string,
): Promise<{ policy: CompiledPolicy; source: PolicySource; sha256: string }> {
  let bundle;
  try {
    bundle = readBundle(bytes);
  } catch (error) {
    throw RequestValidationError.fromIssues('bundle', [
      {
        path: 'body.bundle',
        message: `not a readable OPA bundle (.tar.gz with /policy.wasm): ${
          (error as Error).message
        }`,
      },
    ]);
  }
  const source: PolicySource = {
    modules: {},
    data: bundle.data ?? {},
    entrypoint,
  };
  const sha256 = createHash('sha256')
    .update(bytes)
    .update(`\u0000${entrypoint}`)
    .digest('hex');
  try {
    const policy = await CompiledPolicy.load(source, bundle.wasm, sha256);
    return { policy, source, sha256 };
  } catch (error) {
    throw RequestValidationError.fromIssues('bundle', [
      { path: 'body.entrypoint', message: (error as Error).message },
    ]);
  }
}
