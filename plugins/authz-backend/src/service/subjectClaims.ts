import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { CheckRequest } from '@internal/plugin-authz-common';

type Principal =
  | { type: 'user'; userEntityRef: string }
  | { type: 'service'; subject: string }
  | { type: string };

/**
 * A caller may only ask about itself, except the service principals allowed in
 * `authz.productUserCallers`, which check (and pass attributes) on behalf of product users.
 * Throws NotAllowedError naming the offending field (`checks[3].subject.id`).
 */
export function assertSubjectClaims(
  credentials: BackstageCredentials,
  checks: CheckRequest[],
  productUserCallers: ReadonlySet<string>,
  fieldPrefix: (index: number) => string,
): void {
  const principal = credentials.principal as Principal;
  const userRef =
    principal.type === 'user'
      ? (principal as { userEntityRef: string }).userEntityRef
      : undefined;
  const serviceSubject =
    principal.type === 'service'
      ? (principal as { subject: string }).subject
      : undefined;
  const trusted =
    serviceSubject !== undefined && productUserCallers.has(serviceSubject);
  checks.forEach((check, i) => {
    const field = `${fieldPrefix(i)}subject`;
    const { type, id, attributes } = check.subject;
    if (attributes !== undefined && !trusted) {
      throw new NotAllowedError(
        `${field}.attributes: only service principals listed in authz.productUserCallers may pass subject attributes`,
      );
    }
    if (type === 'product-user') {
      if (!trusted) {
        throw new NotAllowedError(
          `${field}.type: only service principals listed in authz.productUserCallers may check on behalf of product users`,
        );
      }
      return;
    }
    const self = type === 'portal-user' ? userRef : serviceSubject;
    if (self === undefined || id !== self) {
      throw new NotAllowedError(
        `${field}.id: a caller may only check itself as a ${type} subject`,
      );
    }
  });
}
