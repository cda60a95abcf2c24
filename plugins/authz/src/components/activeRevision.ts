import { AuthzApi, PolicyKind, RevisionSource } from '../api/AuthzApi';

/** The active revision's source of a policy (the playground starts from it). */
export async function loadActiveRevision(
  api: AuthzApi,
  policy?: PolicyKind,
): Promise<RevisionSource | undefined> {
  const { revisions } = await api.listRevisions(policy);
  const active = revisions.find(r => r.active) ?? revisions[0];
  return active ? api.getRevision(active.id) : undefined;
}
