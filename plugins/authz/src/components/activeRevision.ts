import { AuthzApi, RevisionSource } from '../api/AuthzApi';

/** The active revision's source (the playground starts from it). */
export async function loadActiveRevision(
  api: AuthzApi,
): Promise<RevisionSource | undefined> {
  const { revisions } = await api.listRevisions();
  const active = revisions.find(r => r.active) ?? revisions[0];
  return active ? api.getRevision(active.id) : undefined;
}
