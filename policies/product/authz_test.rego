package product.authz_test

import rego.v1

import data.product.authz

acme := "11111111-1111-1111-1111-111111111111"

globex := "22222222-2222-2222-2222-222222222222"

user(role, plan) := {"type": "product-user", "id": "u1", "account": acme, "role": role, "plan": plan}

res(type, account) := {"type": type, "id": "r1", "account": account}

check(subject, action, resource) := d if {
	d := authz.decision with input as {"subject": subject, "action": action, "resource": resource}
}

test_viewer_reads_dashboard if {
	d := check(user("viewer", "mid_market"), "dashboard.read", res("dashboard", acme))
	d == {"allowed": true, "reason": "role_grants_action"}
}

test_viewer_cannot_create_dashboard if {
	d := check(user("viewer", "enterprise"), "dashboard.create", res("dashboard", acme))
	d == {"allowed": false, "reason": "role_lacks_action"}
}

test_analyst_exports_on_mid_market if {
	d := check(user("analyst", "mid_market"), "export.create", res("export", acme))
	d.allowed
}

test_admin_audit_log_needs_enterprise if {
	check(user("admin", "enterprise"), "audit.read", res("audit", acme)).allowed
	d := check(user("admin", "mid_market"), "audit.read", res("audit", acme))
	d == {"allowed": false, "reason": "plan_lacks_feature"}
}

test_tenant_isolation_denies_admin if {
	d := check(user("admin", "enterprise"), "dashboard.read", res("dashboard", globex))
	d == {"allowed": false, "reason": "tenant_isolation"}
}

test_resource_without_account_is_denied if {
	d := check(user("admin", "enterprise"), "dashboard.read", {"type": "dashboard", "id": "x"})
	d.reason == "tenant_isolation"
}

test_pii_needs_pii_read if {
	pii := object.union(res("events", acme), {"data_classes": ["pii"]})
	d := check(user("analyst", "enterprise"), "events.query", pii)
	d == {"allowed": false, "reason": "pii_requires_pii_read"}
	check(user("admin", "enterprise"), "events.query", pii).allowed
}

test_pii_read_granted_to_subject if {
	pii := object.union(res("events", acme), {"data_classes": ["pii"]})
	subject := object.union(user("analyst", "enterprise"), {"permissions": ["pii.read"]})
	check(subject, "events.query", pii).allowed
}

test_unknown_role_denied if {
	d := check(user("owner", "enterprise"), "dashboard.read", res("dashboard", acme))
	d.reason == "unknown_role"
}

test_unknown_action_denied if {
	d := check(user("admin", "enterprise"), "dashboard.teleport", res("dashboard", acme))
	d == {"allowed": false, "reason": "role_lacks_action"}
}
