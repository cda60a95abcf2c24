import { BackstageCredentials } from '@backstage/backend-plugin-api';

/**
 * Who acted, as recorded in audit rows, events and rollups: the user's entity ref, or
 * `service:<subject>` for a service principal (`none` for unauthenticated calls).
 */
export function actorRef(credentials: BackstageCredentials): string {
  const principal = credentials.principal as
    | { type: 'user'; userEntityRef: string }
    | { type: 'service'; subject: string }
    | { type: 'none' };
  switch (principal.type) {
    case 'user':
      return principal.userEntityRef;
    case 'service':
      return `service:${principal.subject}`;
    default:
      return 'none';
  }
}
