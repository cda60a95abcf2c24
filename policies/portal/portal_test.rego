# The cases of PortalPermissionPolicy.test.ts, decision for decision.
package portal.authz_test

import rego.v1

import data.portal.authz

account := "0cc175b9-c0f1-b6a8-31c3-99e269772661"

users := {
	"admin": {"ownershipRefs": ["user:default/priya.raman", "group:default/platform-services"], "accountAccess": [], "dataClasses": ["pii"]},
	"engineer": {"ownershipRefs": ["user:default/maya.cohen", "group:default/dashboards"], "accountAccess": "*", "dataClasses": []},
	"restricted": {"ownershipRefs": ["user:default/anna.berg", "group:default/collaboration"], "accountAccess": [], "dataClasses": []},
	"listed": {"ownershipRefs": ["user:default/someone", "group:default/pilot"], "accountAccess": [account], "dataClasses": []},
	"sre": {"ownershipRefs": ["user:default/grace.liu", "group:default/sre"], "accountAccess": [], "dataClasses": ["pii"]},
	"analyst": {"ownershipRefs": ["user:default/ana.lyst", "group:default/risk"], "accountAccess": [], "dataClasses": ["pii", "financial"]},
}

perm(name, action) := {"name": name, "attributes": {"action": action}}

replay := perm("platform.deadletters.replay", "update")

audit_read := perm("platform.audit.read", "read")

rum_report := perm("platform.rum.report", "create")

events_read := perm("platform.events.read", "read")

data_class := perm("filters.data-class.read", "read")

act_for := perm("filters.account.act", "read")

# What the permission module passes at runtime from PORTAL_PLUGIN_IDS.
plugin_ids := ["platform", "filters", "exports", "authz", "slo", "capacity", "adoption"]

decide(permission, who) := d if {
	d := authz.decision with input as {"permission": permission, "user": users[who]}
		with data.portal_config.plugin_ids as plugin_ids
}

anonymous(permission) := d if {
	d := authz.decision with input as {"permission": permission, "user": null}
		with data.portal_config.plugin_ids as plugin_ids
}

classes(who) := decide(data_class, who).conditions.params.classes

test_admins_do_everything if {
	every p in [replay, audit_read, events_read, act_for] {
		decide(p, "admin").result == "ALLOW"
	}
}

test_data_classes_by_team_admin_or_not if {
	d := decide(data_class, "admin")
	d.result == "CONDITIONAL"
	d.pluginId == "filters"
	d.resourceType == "filters-data-class"
	d.conditions.rule == "DATA_CLASS_IN"
	classes("admin") == ["pii", "public"]
	classes("sre") == ["pii", "public"]
	classes("analyst") == ["financial", "pii", "public"]
	classes("engineer") == ["public"]
}

test_admin_without_pii_team_gets_public_only if {
	admin := object.union(users.admin, {"dataClasses": []})
	d := authz.decision with input as {"permission": data_class, "user": admin}
		with data.portal_config.plugin_ids as plugin_ids
	d.conditions.params.classes == ["public"]
	r := authz.decision with input as {"permission": replay, "user": admin}
		with data.portal_config.plugin_ids as plugin_ids
	r.result == "ALLOW"
}

test_only_admins_change_catalog_locations_and_entities if {
	every name in ["catalog.location.create", "catalog.location.delete", "catalog.entity.delete"] {
		p := perm(name, "create")
		decide(p, "admin").result == "ALLOW"
		decide(p, "engineer").result == "DENY"
		decide(p, "restricted").result == "DENY"
		decide(p, "listed").result == "DENY"
		anonymous(p).result == "DENY"
	}
	decide(perm("catalog.entity.read", "read"), "engineer").result == "ALLOW"
	decide(perm("catalog.entity.refresh", "update"), "engineer").result == "ALLOW"
}

test_portal_mutations_and_audit_reads_kept_from_engineers if {
	decide(replay, "engineer").result == "DENY"
	decide(audit_read, "engineer").result == "DENY"
	decide(events_read, "engineer").result == "ALLOW"
}

test_every_engineer_reports_page_loads if {
	decide(rum_report, "engineer").result == "ALLOW"
}

test_data_class_condition_for_engineers_is_public_only if {
	decide(data_class, "engineer") == {
		"result": "CONDITIONAL",
		"reason": "data_classes_of_teams",
		"pluginId": "filters",
		"resourceType": "filters-data-class",
		"conditions": {
			"rule": "DATA_CLASS_IN",
			"resourceType": "filters-data-class",
			"params": {"classes": ["public"]},
		},
	}
}

test_account_access_per_team if {
	decide(act_for, "engineer").result == "ALLOW"
	decide(act_for, "restricted").result == "DENY"
	listed := decide(act_for, "listed")
	listed.result == "CONDITIONAL"
	listed.conditions.rule == "ACCOUNT_IN"
	listed.conditions.params.accountIds == [account]
}

test_no_user_denied_portal_permissions_only if {
	anonymous(events_read).result == "DENY"
	anonymous(perm("catalog.entity.read", "read")).result == "ALLOW"
}

test_engineers_create_and_read_exports_admins_administer_them if {
	export_create := perm("exports.export.create", "create")
	export_read := perm("exports.export.read", "read")
	export_admin := perm("exports.export.admin", "update")
	decide(export_create, "engineer").result == "ALLOW"
	decide(export_read, "engineer").result == "ALLOW"
	decide(export_admin, "engineer").result == "DENY"
	decide(export_admin, "admin").result == "ALLOW"
	anonymous(export_create).result == "DENY"
}

test_writes_of_every_portal_family_are_admin_only if {
	every name in ["capacity.limit.create", "slo.series.write", "adoption.risk.update", "authz.policy.manage", "platform.jobs.run"] {
		decide(perm(name, "update"), "engineer").result == "DENY"
		decide(perm(name, "update"), "admin").result == "ALLOW"
	}
}

test_reads_of_every_portal_family_are_open if {
	every name in ["capacity.limit.read", "slo.slo.read", "adoption.read", "authz.policy.read", "authz.check.run"] {
		decide(perm(name, "read"), "engineer").result == "ALLOW"
	}
}

test_without_plugin_ids_everything_is_denied if {
	# the list is runtime data: a caller that forgets it must not turn portal writes into allows
	d := authz.decision with input as {"permission": replay, "user": users.admin}
	d == {"result": "DENY", "reason": "missing_plugin_ids"}
}
