import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultPolicyRoot, PortalPolicy } from '@internal/plugin-authz-node';
import { PORTAL_PLUGIN_IDS } from '@internal/plugin-platform-common';

/**
 * A stricter revision of the repository's portal policy, as an admin might activate: every
 * `filters.account.act` is denied (`account_act_revoked`), everything else as before.
 */
export async function accountActRevokingPortalPolicy(
  options: { maxEvaluationMs?: number } = {},
): Promise<PortalPolicy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-policy-'));
  try {
    const source = path.join(defaultPolicyRoot(), 'portal');
    for (const file of ['portal.rego', 'data.json']) {
      fs.copyFileSync(path.join(source, file), path.join(dir, file));
    }
    const rego = path.join(dir, 'portal.rego');
    const original = fs.readFileSync(rego, 'utf8');
    const stricter = original.replace(
      '} else := account_decision if {',
      '} else := {"result": "DENY", "reason": "account_act_revoked"} if {',
    );
    if (stricter === original) {
      throw new Error('portal.rego no longer has the account_decision branch');
    }
    fs.writeFileSync(rego, stricter);
    return await PortalPolicy.load({
      pluginIds: PORTAL_PLUGIN_IDS,
      directory: dir,
      ...options,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
