# The portal's Backstage permission policy: every decision of the permission backend comes from
# here (plugins/permission-backend-module-portal-policy evaluates it in-process through authz-node;
# the TypeScript PortalPermissionPolicy is kept only as the test oracle).
#
# data.portal_config.plugin_ids is not in data.json: the caller fills it from PORTAL_PLUGIN_IDS
# (platform-common), so the list of portal plugins exists once.
#
# input.permission: { name, attributes: { action? } }
# input.user:       null, or { ownershipRefs: [...], accountAccess: "*" | [account ids],
#                   dataClasses: [class names] } — resolved by the caller from the catalog's
#                   group annotations, as the TypeScript policy's lookups do.
package portal.authz

import rego.v1

cfg := data.portal_config

default decision := {"result": "ALLOW", "reason": "default_allow"}

# Checked in this order, like the TypeScript policy.
decision := {"result": "DENY", "reason": "missing_plugin_ids"} if {
	not cfg.plugin_ids
} else := {"result": "DENY", "reason": "no_user"} if {
	not user
	portal_or_catalog_admin
} else := {"result": "ALLOW", "reason": "no_user_other_plugin"} if {
	not user
} else := data_class_decision if {
	input.permission.name == "filters.data-class.read"
} else := {"result": "ALLOW", "reason": "platform_admin"} if {
	is_admin
} else := {"result": "DENY", "reason": "catalog_admin_only"} if {
	catalog_admin
} else := {"result": "DENY", "reason": "admin_only_permission"} if {
	input.permission.name in cfg.admin_only_permissions
} else := {"result": "DENY", "reason": "portal_mutation_admin_only"} if {
	own_permission
	action in {"create", "update", "delete"}
	not input.permission.name in cfg.open_write_permissions
} else := account_decision if {
	input.permission.name == "filters.account.act"
}

user := input.user if input.user != null

plugin_id := split(input.permission.name, ".")[0]

own_permission if plugin_id in cfg.plugin_ids

catalog_admin if input.permission.name in cfg.catalog_admin_permissions

portal_or_catalog_admin if own_permission

portal_or_catalog_admin if catalog_admin

action := object.get(input.permission, ["attributes", "action"], "read")

is_admin if {
	some ref in user.ownershipRefs
	lower(ref) in cfg.admin_groups
}

# Held per team, admin or not; `public` for everyone.
data_class_decision := {
	"result": "CONDITIONAL",
	"reason": "data_classes_of_teams",
	"pluginId": "filters",
	"resourceType": "filters-data-class",
	"conditions": {
		"rule": "DATA_CLASS_IN",
		"resourceType": "filters-data-class",
		"params": {"classes": sort({c | some c in array.concat(["public"], object.get(user, "dataClasses", []))})},
	},
}

account_decision := {"result": "ALLOW", "reason": "all_accounts"} if {
	user.accountAccess == "*"
} else := {"result": "DENY", "reason": "no_account_access"} if {
	count(object.get(user, "accountAccess", [])) == 0
} else := {
	"result": "CONDITIONAL",
	"reason": "listed_accounts",
	"pluginId": "filters",
	"resourceType": "filters-account",
	"conditions": {
		"rule": "ACCOUNT_IN",
		"resourceType": "filters-account",
		"params": {"accountIds": sort({a | some a in user.accountAccess})},
	},
}
