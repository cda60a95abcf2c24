# The analytics product's default permission policy.
#
# input.subject:  { type: "product-user", id, account, role, plan, permissions? }
# input.action:   e.g. "dashboard.read", "export.create"
# input.resource: { type, id, account, data_classes? }
#
# data.product.entitlements (data.json) holds the role grants and plan features,
# so they can change with a data revision without recompiling.
package product.authz

import rego.v1

roles := data.product.entitlements.roles

plans := data.product.entitlements.plans

action_features := data.product.entitlements.action_features

default decision := {"allowed": false, "reason": "default_deny"}

# Checked in this order; the first rule that fails names the reason.
decision := {"allowed": false, "reason": "tenant_isolation"} if {
	not same_tenant
} else := {"allowed": false, "reason": "unknown_role"} if {
	not roles[input.subject.role]
} else := {"allowed": false, "reason": "role_lacks_action"} if {
	not role_grants_action
} else := {"allowed": false, "reason": "plan_lacks_feature"} if {
	not plan_allows_action
} else := {"allowed": false, "reason": "pii_requires_pii_read"} if {
	not pii_allowed
} else := {"allowed": true, "reason": "role_grants_action"}

# Tenant isolation: every action, every role, including admins.
same_tenant if {
	is_string(input.subject.account)
	input.subject.account != ""
	input.subject.account == input.resource.account
}

subject_permissions contains p if {
	some p in roles[input.subject.role].permissions
}

subject_permissions contains p if {
	some p in input.subject.permissions
}

role_grants_action if input.action in roles[input.subject.role].actions

# An action without a gated feature is in every plan.
plan_allows_action if not action_features[input.action]

plan_allows_action if {
	feature := action_features[input.action]
	feature in plans[input.subject.plan].features
}

resource_has_pii if "pii" in input.resource.data_classes

pii_allowed if not resource_has_pii

pii_allowed if {
	resource_has_pii
	"pii.read" in subject_permissions
}
