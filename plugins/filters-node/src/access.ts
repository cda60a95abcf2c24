import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  filtersAccountActPermission,
  filtersDataClassReadPermission,
  filtersDatasetReadPermission,
} from '@internal/plugin-filters-common';

const UUID_RE =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The account a query may read, as decided by an authorization step. Only this module creates
 * them (and remembers which it created), so an object literal or a request body cannot stand
 * in for one: the engine refuses any tenant it did not issue.
 */
export interface AuthorizedTenant {
  readonly accountId: string;
  /** How the account was established. */
  readonly via: 'permission-policy' | 'verified-identity';
  /** Who acts: a user entity ref, a service subject, or the verifying service. */
  readonly actor: string;
}

/** What the engine needs to run a query: an authorized tenant and the readable data classes. */
export interface FilterContext {
  readonly tenant: AuthorizedTenant;
  readonly readableDataClasses: ReadonlySet<string>;
  /** Identity for analytics events (`filter.applied` / `filter.rejected`). */
  readonly identity: { user_id?: string; account_id: string };
  /** The clock relative times are measured from (default: now). */
  readonly now?: Date;
}

const issued = new WeakSet<AuthorizedTenant>();

function issue(tenant: AuthorizedTenant): AuthorizedTenant {
  const frozen = Object.freeze({ ...tenant });
  issued.add(frozen);
  return frozen;
}

/** True when the tenant came from `FilterAccess` or `contextForVerifiedIdentity`. */
export function isIssuedTenant(tenant: unknown): tenant is AuthorizedTenant {
  return (
    typeof tenant === 'object' &&
    tenant !== null &&
    issued.has(tenant as AuthorizedTenant)
  );
}

export function assertAccountId(
  accountId: unknown,
  path = 'accountId',
): string {
  if (typeof accountId !== 'string' || !UUID_RE.test(accountId)) {
    throw new InputError(
      `${path}: must be an account UUID, got ${
        typeof accountId === 'string'
          ? `"${accountId.slice(0, 60)}"`
          : typeof accountId
      }`,
    );
  }
  return accountId.toLowerCase();
}

/**
 * A customer's user, verified by the calling backend (e.g. from the product's session), for
 * in-process callers such as the export service. The trust boundary is the backend process:
 * only plugin code can call this, never a request body.
 */
export interface VerifiedCustomerIdentity {
  accountId: string;
  /** The product user's uuid. */
  userId?: string;
  /** The service that verified the identity, e.g. `plugin:export`. */
  verifiedBy: string;
  /** Data classes this customer user may read in their own account (default none). */
  readableDataClasses?: string[];
  now?: Date;
}

export function contextForVerifiedIdentity(
  identity: VerifiedCustomerIdentity,
): FilterContext {
  const accountId = assertAccountId(identity.accountId);
  return {
    tenant: issue({
      accountId,
      via: 'verified-identity',
      actor: identity.verifiedBy,
    }),
    readableDataClasses: new Set(identity.readableDataClasses ?? []),
    identity: {
      account_id: accountId,
      ...(identity.userId ? { user_id: identity.userId } : {}),
    },
    now: identity.now,
  };
}

/**
 * Authorizes a portal caller (user or service principal) to act for an account through the
 * Backstage permission framework: `filters.account.act` for the account, and
 * `filters.data-class.read` for each data class of the dataset — in one batch.
 */
export interface FilterAccessOptions {
  /**
   * Service principals (`credentials.principal.subject`, e.g. `external:reporting`) that may
   * read data classes other than `public` when the policy allows them. Every other service
   * principal gets public fields only, whatever the policy says (`filters.piiServiceSubjects`).
   */
  piiServiceSubjects?: string[];
}

/** Fields without a data class, or with `public`, are readable by anyone allowed the dataset. */
export const PUBLIC_DATA_CLASS = 'public';

export class FilterAccess {
  private readonly piiServiceSubjects: ReadonlySet<string>;
  constructor(
    private readonly permissions: PermissionsService,
    options: FilterAccessOptions = {},
  ) {
    this.piiServiceSubjects = new Set(options.piiServiceSubjects ?? []);
  }

  async authorize(
    credentials: BackstageCredentials,
    accountId: unknown,
    dataClasses: string[],
    now?: Date,
  ): Promise<FilterContext> {
    const account = assertAccountId(accountId);
    const classes = [...new Set(dataClasses)];
    // One batch: the basic permission, the account, each data class of the dataset.
    const [basic, ...decisions] = await this.permissions.authorize(
      [
        { permission: filtersDatasetReadPermission },
        { permission: filtersAccountActPermission, resourceRef: account },
        ...classes.map(c => ({
          permission: filtersDataClassReadPermission,
          resourceRef: c,
        })),
      ],
      { credentials },
    );
    if (basic.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        'You may not use the filter engine (filters.dataset.read)',
      );
    }
    if (decisions[0].result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `accountId: you are not authorized to act for account ${account} (filters.account.act)`,
      );
    }
    const principal = credentials.principal as {
      type: string;
      userEntityRef?: string;
      subject?: string;
    };
    // A service reads non-public classes only when config names its subject: a policy that
    // forgets to restrict a token must not open PII to it.
    const serviceMayReadPii =
      principal.type !== 'service' ||
      (principal.subject !== undefined &&
        this.piiServiceSubjects.has(principal.subject));
    const readable = new Set(
      classes.filter(
        (c, i) =>
          decisions[i + 1].result === AuthorizeResult.ALLOW &&
          (c === PUBLIC_DATA_CLASS || serviceMayReadPii),
      ),
    );
    const actor =
      principal.type === 'user'
        ? principal.userEntityRef!
        : `service:${principal.subject ?? 'unknown'}`;
    return {
      tenant: issue({ accountId: account, via: 'permission-policy', actor }),
      readableDataClasses: readable,
      // Events name who acted: the user, or the service principal (e.g. a static API token).
      identity: { account_id: account, user_id: actor },
      now,
    };
  }
}
