# Default RBAC policy of the portal's permission service (benchmark fixture).
package portal.authz

import rego.v1

default allow := false

# A user may perform an action on a resource kind when one of their roles grants it.
allow if {
	some role in input.user.roles
	some grant in data.grants[role]
	grant.action == input.action
	grant.kind == input.resource.kind
}

# Owners may always update their own entities.
allow if {
	input.action == "update"
	input.resource.owner == input.user.name
}
