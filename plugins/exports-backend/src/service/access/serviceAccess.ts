import { Config } from '@backstage/config';
import { PUBLIC_DATA_CLASS } from '@internal/plugin-filters-node';
import {
  ExportJobAccess,
  LossFilter,
  RequiredPermission,
  requiredPermissions,
  revokedReason,
} from './requiredPermissions';

/** An external-access entry's restrictions for one plugin (absent: unrestricted). */
interface PluginRestriction {
  permissionNames?: string[];
  actions?: string[];
}

const listOf = (entry: Config, key: string): string[] | undefined => {
  if (!entry.has(key)) return undefined;
  const raw = Array.isArray(entry.get(key))
    ? entry.getStringArray(key)
    : [entry.getString(key)];
  const values = raw.flatMap(v => v.split(/[ ,]/)).filter(Boolean);
  return values.length ? values : undefined;
};

/**
 * The `backend.auth.externalAccess` entry a service subject authenticates with, if any: a
 * static or legacy entry naming the subject, else the jwks entry with the longest matching
 * `subjectPrefix` (`external:<prefix>:`). A jwks entry without a prefix matches every
 * `external:` subject, so it is taken only when no prefixed entry matches: its restrictions
 * must not be applied to a token another entry issued.
 */
function externalAccessEntry(
  config: Config,
  subject: string,
): Config | undefined {
  const entries =
    config.getOptionalConfigArray('backend.auth.externalAccess') ?? [];
  const named = entries.find(
    entry =>
      ['static', 'legacy'].includes(entry.getString('type')) &&
      entry.getOptionalString('options.subject') === subject,
  );
  if (named) return named;
  let best: { entry: Config; start: string } | undefined;
  for (const entry of entries) {
    if (entry.getString('type') !== 'jwks') continue;
    const prefix = entry.getOptionalString('options.subjectPrefix');
    const start = prefix ? `external:${prefix}:` : 'external:';
    if (subject.startsWith(start) && start.length > (best?.start.length ?? 0)) {
      best = { entry, start };
    }
  }
  return best?.entry;
}

/**
 * What the entry lets its token do in `pluginId`: 'refused' when it lists restrictions but none
 * for the plugin (Backstage then refuses the token there), undefined when it lists none.
 */
function restrictionFor(
  entry: Config,
  pluginId: string,
): PluginRestriction | 'refused' | undefined {
  const restrictions = entry.getOptionalConfigArray('accessRestrictions');
  if (!restrictions?.length) return undefined;
  const own = restrictions.find(r => r.getString('plugin') === pluginId);
  if (!own) return 'refused';
  return {
    permissionNames: listOf(own, 'permission'),
    actions: own.has('permissionAttribute')
      ? listOf(own.getConfig('permissionAttribute'), 'action')
      : undefined,
  };
}

/** Backstage's decision for a service principal: its access restrictions, never the policy. */
function restrictionAllows(
  restriction: PluginRestriction | undefined,
  required: RequiredPermission,
): boolean {
  const { name, attributes } = required.permission;
  if (
    restriction?.permissionNames &&
    !restriction.permissionNames.includes(name)
  ) {
    return false;
  }
  if (restriction?.actions) {
    return (
      !!attributes.action && restriction.actions.includes(attributes.action)
    );
  }
  return true;
}

/**
 * Why the service principal that requested the job may no longer run it (undefined: it still
 * may). Backstage decides service principals from the current config alone: their
 * external-access entry and its restrictions for the exports plugin (plugin-to-plugin
 * `plugin:*` subjects are unrestricted), and, as FilterAccess does, data classes other than
 * `public` only for subjects in `filters.piiServiceSubjects`.
 */
export function serviceAccessLost(options: {
  config: Config;
  /** The principal's subject, e.g. `portal-api-token` or `plugin:slo`. */
  subject: string;
  job: ExportJobAccess;
  pluginId?: string;
  matters?: LossFilter;
}): string | undefined {
  const { config, subject, job } = options;
  const requester = `service:${subject}`;
  let restriction: PluginRestriction | undefined;
  if (!subject.startsWith('plugin:')) {
    const entry = externalAccessEntry(config, subject);
    if (!entry) {
      return `${requester} no longer has an external access entry (backend.auth.externalAccess)`;
    }
    const found = restrictionFor(entry, options.pluginId ?? 'exports');
    if (found === 'refused') {
      return `${requester} may no longer call the exports plugin (its accessRestrictions do not list it)`;
    }
    restriction = found;
  }
  const piiSubjects =
    config.getOptionalStringArray('filters.piiServiceSubjects') ?? [];
  const lost = requiredPermissions(job).filter(required => {
    const resource = required.resource;
    const nonPublicClass =
      !!resource &&
      'dataClass' in resource &&
      resource.dataClass !== PUBLIC_DATA_CLASS;
    return (
      !restrictionAllows(restriction, required) ||
      (nonPublicClass && !piiSubjects.includes(subject))
    );
  });
  return revokedReason(requester, options.matters?.(lost) ?? lost);
}
