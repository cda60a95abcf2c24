import { NotAllowedError } from '@backstage/errors';
import { AuthzResource, AuthzSubject } from '@internal/plugin-authz-common';
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthzService } from '../service';

export interface RequirePermissionOptions {
  /** Who the request acts for (e.g. the product user a service calls on behalf of). */
  subjectFrom: (req: Request) => AuthzSubject | Promise<AuthzSubject>;
}

/**
 * Express middleware factory for platform plugins:
 * `const requirePermission = createRequirePermission(authz, { subjectFrom });`
 * `router.get('/dashboards/:id', requirePermission('dashboard.read', req => ({ type: 'dashboard', id: req.params.id, attributes })), handler)`.
 * A denied check ends the request with 403 naming the action and the policy's reason.
 */
export function createRequirePermission(
  authz: AuthzService,
  options: RequirePermissionOptions,
) {
  return function requirePermission(
    action: string,
    resourceFrom: (req: Request) => AuthzResource | Promise<AuthzResource>,
  ): RequestHandler {
    return (req: Request, _res: Response, next: NextFunction) => {
      Promise.all([options.subjectFrom(req), resourceFrom(req)])
        .then(([subject, resource]) =>
          authz.check({ subject, action, resource }),
        )
        .then(decision => {
          if (decision.allowed) next();
          else {
            next(
              new NotAllowedError(
                `${action} denied: ${decision.reason} (decision ${decision.decisionId})`,
              ),
            );
          }
        })
        .catch(next);
    };
  };
}
