//! The checks of each record of an import document: its fields, its refs, what must be
//! unique within the file, and a user's role scopes.

use std::collections::HashMap;

use sea_orm::ActiveValue::NotSet;
use serde_json::Value;

use super::{
    finish, Kind, NewCluster, NewPartner, NewPlan, NewRole, NewUser, NewWorkspace, Refs,
    CLUSTER_FIELDS, PARTNER_FIELDS, PLAN_FIELDS, ROLE_FIELDS, USER_FIELDS, WORKSPACE_FIELDS,
};
use crate::domain::{ClusterType, ExternalSource, ResponsePlanType, RoleType};
use crate::domain::{CsoType, PartnerType, SharedPartner};
use crate::entity::partner;
use crate::import::json::{Errors, Named, Record};
use crate::partners::draft::{with_partner_fields, PartnerDraft};
use crate::scalars::Decimal;
use crate::validate::Checker;

/// A partner field's value as its record holds it.
trait Field: Sized {
    fn read(r: &mut Record<'_>, key: &'static str, e: &mut Errors) -> Option<Self>;
}

impl Field for String {
    fn read(r: &mut Record<'_>, key: &'static str, e: &mut Errors) -> Option<Self> {
        r.string(key, e).map(str::to_owned)
    }
}

impl Field for i32 {
    fn read(r: &mut Record<'_>, key: &'static str, e: &mut Errors) -> Option<Self> {
        r.int32(key, e)
    }
}

impl Field for Decimal {
    fn read(r: &mut Record<'_>, key: &'static str, e: &mut Errors) -> Option<Self> {
        r.decimal(key, e)
    }
}

impl<T: Named> Field for T {
    fn read(r: &mut Record<'_>, key: &'static str, e: &mut Errors) -> Option<Self> {
        r.named(key, e)
    }
}

macro_rules! read_draft {
    ($($(#[$doc:meta])* $field:ident($name:literal): $ty:ty,)*) => {
        /// A partner record's draft, each field read by its name.
        fn read_draft(r: &mut Record<'_>, e: &mut Errors) -> PartnerDraft {
            PartnerDraft {
                title: r.required_string("title", e).unwrap_or_default().to_owned(),
                $($field: <$ty as Field>::read(r, $name, e),)*
            }
        }
    };
}
with_partner_fields!(read_draft);

/// The values that must be unique within the file, each with the first record using it.
#[derive(Default)]
pub(super) struct Seen {
    workspace_codes: HashMap<String, usize>,
    plans: HashMap<(usize, ResponsePlanType, String), usize>,
    clusters: HashMap<(usize, ClusterType, Option<String>), usize>,
    vendor_numbers: HashMap<String, usize>,
    ocha_ids: HashMap<String, usize>,
    external_ids: HashMap<(ExternalSource, String), usize>,
    emails: HashMap<String, usize>,
}

/// Records the first record using `key`; for a later one, returns the first.
fn first_use<K: std::hash::Hash + Eq>(
    seen: &mut HashMap<K, usize>,
    key: K,
    index: usize,
) -> Option<usize> {
    match seen.entry(key) {
        std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(index);
            None
        }
    }
}

/// The cleaned value of an active model column.
fn column<T: Clone + Into<sea_orm::Value> + sea_orm::sea_query::Nullable>(
    v: &sea_orm::ActiveValue<Option<T>>,
) -> Option<T> {
    v.try_as_ref().cloned().flatten()
}

pub(super) struct Context<'a> {
    pub(super) refs: Refs<'a>,
    pub(super) errors: Errors,
    pub(super) seen: Seen,
}

impl<'a> Context<'a> {
    pub(super) fn workspace(&mut self, i: usize, item: &'a Value) -> NewWorkspace {
        let e = &mut self.errors;
        let Some(mut r) = Record::open(item, format!("workspaces[{i}]"), WORKSPACE_FIELDS, e)
        else {
            return NewWorkspace::default();
        };
        self.refs.own(&mut r, Kind::Workspace, i, e);
        let title = r.required_string("title", e).unwrap_or_default();
        let code = r.required_string("workspaceCode", e).unwrap_or_default();
        let area = r.string("businessAreaCode", e);
        let mut c = Checker::new(&[]);
        let w = NewWorkspace {
            title: c.text("title", title, 1, 255),
            code: c.text("workspaceCode", code, 1, 8),
            business_area_code: c.optional_text("businessAreaCode", area, 32),
        };
        finish(c, &r, e);
        if !w.code.is_empty() && !r.has_failed("workspaceCode") {
            if let Some(first) = first_use(&mut self.seen.workspace_codes, w.code.clone(), i) {
                r.fail(
                    "workspaceCode",
                    format_args!(
                        "{} is already the code of workspaces[{first}]",
                        Value::from(w.code.as_str())
                    ),
                    e,
                );
            }
        }
        w
    }

    pub(super) fn plan(&mut self, i: usize, item: &'a Value) -> NewPlan {
        let e = &mut self.errors;
        let mut plan = NewPlan {
            workspace: 0,
            title: String::new(),
            plan_type: ResponsePlanType::Hrp,
            custom_type: None,
            start: None,
            end: None,
        };
        let Some(mut r) = Record::open(item, format!("responsePlans[{i}]"), PLAN_FIELDS, e) else {
            return plan;
        };
        self.refs.own(&mut r, Kind::Plan, i, e);
        let workspace = self
            .refs
            .field(&mut r, "workspace", Kind::Workspace, true, e);
        let title = r.required_string("title", e).unwrap_or_default();
        plan.plan_type = r.named("planType", e).unwrap_or(ResponsePlanType::Hrp);
        let custom_type = r.string("planCustomType", e);
        plan.start = r.date("start", e);
        plan.end = r.date("end", e);
        let mut c = Checker::new(&[]);
        plan.title = c.text("title", title, 1, 255);
        plan.custom_type = c.plan_custom_type(custom_type, plan.plan_type);
        if let (Some(start), Some(end)) = (plan.start, plan.end) {
            if end < start {
                c.fail(
                    crate::error::ErrorCode::Validation,
                    "end",
                    "must not be before start",
                );
            }
        }
        finish(c, &r, e);
        let Some(workspace) = workspace else {
            return plan;
        };
        plan.workspace = workspace;
        if !plan.title.is_empty() && !r.has_failed("title") && !r.has_failed("planType") {
            let key = (workspace, plan.plan_type, plan.title.clone());
            if let Some(first) = first_use(&mut self.seen.plans, key, i) {
                r.fail("title", format_args!(
                    "workspaces[{workspace}] already has a {} plan with this title (responsePlans[{first}])",
                    plan.plan_type.as_str()), e);
            }
        }
        plan
    }

    pub(super) fn cluster(&mut self, i: usize, item: &'a Value) -> NewCluster {
        let e = &mut self.errors;
        let mut cluster = NewCluster {
            plan: 0,
            kind: ClusterType::Imported,
            imported_type: None,
        };
        let Some(mut r) = Record::open(item, format!("clusters[{i}]"), CLUSTER_FIELDS, e) else {
            return cluster;
        };
        self.refs.own(&mut r, Kind::Cluster, i, e);
        let plan = self.refs.field(&mut r, "responsePlan", Kind::Plan, true, e);
        let kind = r.required_named::<ClusterType>("type", e);
        let imported = r.string("importedType", e);
        let mut c = Checker::new(&[]);
        cluster.imported_type = c.optional_text("importedType", imported, 255);
        if kind == Some(ClusterType::Imported) && cluster.imported_type.is_none() {
            c.fail(
                crate::error::ErrorCode::Validation,
                "importedType",
                "required when type is IMPORTED",
            );
        }
        finish(c, &r, e);
        let (Some(plan), Some(kind)) = (plan, kind) else {
            return cluster;
        };
        cluster.plan = plan;
        cluster.kind = kind;
        if !r.has_failed("importedType") {
            let key = (plan, kind, cluster.imported_type.clone());
            if let Some(first) = first_use(&mut self.seen.clusters, key, i) {
                let what = cluster
                    .imported_type
                    .as_deref()
                    .map_or(kind.as_str().to_owned(), |t| {
                        format!("{} {}", kind.as_str(), Value::from(t))
                    });
                r.fail(
                    "type",
                    format_args!(
                        "responsePlans[{plan}] already has a {what} cluster (clusters[{first}])"
                    ),
                    e,
                );
            }
        }
        cluster
    }

    pub(super) fn partner(&mut self, i: usize, item: &'a Value) -> NewPartner {
        let e = &mut self.errors;
        let mut out = NewPartner {
            model: partner::ActiveModel::default(),
            clusters: Vec::new(),
        };
        let Some(mut r) = Record::open(item, format!("partners[{i}]"), PARTNER_FIELDS, e) else {
            return out;
        };
        self.refs.own(&mut r, Kind::Partner, i, e);
        let draft = read_draft(&mut r, e);
        // A value that failed to read is absent from the draft; the rules that pair it
        // with another field would only repeat that error.
        if r.has_failed("partnerType") {
            r.fail_silently("csoType");
        }
        if r.has_failed("externalId") {
            r.fail_silently("externalSource");
        }
        let mut c = Checker::new(&[]);
        draft.validate_into(&mut c, &mut out.model);
        finish(c, &r, e);
        out.model.id = NotSet;
        if let Some(items) = r.array("clusters", e) {
            for (j, item) in items.iter().enumerate() {
                let path = format!("{}[{j}]", r.field("clusters"));
                if let Some(c) = self.refs.resolve(item, Kind::Cluster, &path, e) {
                    if !out.clusters.contains(&c) {
                        out.clusters.push(c);
                    }
                }
            }
        }
        let m = &out.model;
        if let Some(v) = column(&m.vendor_number).filter(|_| !r.has_failed("vendorNumber")) {
            if let Some(first) = first_use(&mut self.seen.vendor_numbers, v.clone(), i) {
                r.fail(
                    "vendorNumber",
                    format_args!(
                        "{} is already the vendor number of partners[{first}]",
                        Value::from(v)
                    ),
                    e,
                );
            }
        }
        if let Some(v) = column(&m.ocha_external_id).filter(|_| !r.has_failed("ochaExternalId")) {
            if let Some(first) = first_use(&mut self.seen.ocha_ids, v.clone(), i) {
                r.fail(
                    "ochaExternalId",
                    format_args!(
                        "{} is already the OCHA id of partners[{first}]",
                        Value::from(v)
                    ),
                    e,
                );
            }
        }
        if let (Some(source), Some(id)) = (column(&m.external_source), column(&m.external_id)) {
            if !r.has_failed("externalId") {
                if let Some(first) = first_use(&mut self.seen.external_ids, (source, id.clone()), i)
                {
                    r.fail(
                        "externalId",
                        format_args!(
                            "{} is already the {source} id of partners[{first}]",
                            Value::from(id)
                        ),
                        e,
                    );
                }
            }
        }
        out
    }

    pub(super) fn user(&mut self, i: usize, item: &'a Value) -> NewUser {
        let e = &mut self.errors;
        let mut user = NewUser {
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            position: None,
            partner: None,
            is_active: true,
            last_login: None,
            created_at: None,
            roles: Vec::new(),
        };
        let Some(mut r) = Record::open(item, format!("users[{i}]"), USER_FIELDS, e) else {
            return user;
        };
        self.refs.own(&mut r, Kind::User, i, e);
        let email = r.required_string("email", e).unwrap_or_default();
        let first_name = r.required_string("firstName", e).unwrap_or_default();
        let last_name = r.required_string("lastName", e).unwrap_or_default();
        let position = r.string("position", e);
        user.partner = self.refs.field(&mut r, "partner", Kind::Partner, false, e);
        user.is_active = r.boolean("isActive", e).unwrap_or(true);
        user.last_login = r.time("lastLogin", e);
        user.created_at = r.time("createdAt", e);
        let mut c = Checker::new(&[]);
        let email_ok = !r.has_failed("email") && {
            user.email = c.user_email("email", email);
            c.errors.is_empty()
        };
        user.first_name = c.text("firstName", first_name, 1, 64);
        user.last_name = c.text("lastName", last_name, 0, 64);
        user.position = c.optional_text("position", position, 64);
        finish(c, &r, e);
        if email_ok {
            if let Some(first) = first_use(&mut self.seen.emails, user.email.clone(), i) {
                r.fail(
                    "email",
                    format_args!(
                        "{} is already the email of users[{first}]",
                        Value::from(user.email.as_str())
                    ),
                    e,
                );
            }
        }
        if let Some(items) = r.array("roles", e) {
            let mut scopes = RoleScopes::default();
            for (j, item) in items.iter().enumerate() {
                if let Some(role) = self.role(i, j, item, &mut scopes) {
                    user.roles.push(role);
                }
            }
        }
        user
    }

    fn role(
        &mut self,
        i: usize,
        j: usize,
        item: &'a Value,
        scopes: &mut RoleScopes,
    ) -> Option<NewRole> {
        let e = &mut self.errors;
        let mut r = Record::open(item, format!("users[{i}].roles[{j}]"), ROLE_FIELDS, e)?;
        let role = r.required_named::<RoleType>("role", e);
        let workspace = self
            .refs
            .field(&mut r, "workspace", Kind::Workspace, false, e);
        let cluster = self.refs.field(&mut r, "cluster", Kind::Cluster, false, e);
        let is_active = r.boolean("isActive", e).unwrap_or(true);
        let role = role?;
        let name = role.as_str();
        let (has_workspace, has_cluster) = (r.has("workspace"), r.has("cluster"));
        if role == RoleType::ClusterSystemAdmin {
            if has_workspace {
                r.fail(
                    "workspace",
                    format_args!("{name} is global and takes no workspace"),
                    e,
                );
            }
            if has_cluster {
                r.fail(
                    "cluster",
                    format_args!("{name} is global and takes no cluster"),
                    e,
                );
            }
            if let Some(first) = scopes.system_admin.replace(j) {
                r.fail(
                    "role",
                    format_args!("the user already has {name} (roles[{first}])"),
                    e,
                );
            }
        } else if role.is_ip() {
            if has_cluster {
                r.fail(
                    "cluster",
                    format_args!("{name} is an IP role: it takes a workspace, not a cluster"),
                    e,
                );
            }
            if !has_workspace {
                r.fail(
                    "workspace",
                    format_args!("required: {name} is an IP role, scoped to a workspace"),
                    e,
                );
            }
            if let Some(w) = workspace {
                if let Some(first) = scopes.workspaces.insert(w, j) {
                    r.fail(
                        "workspace",
                        format_args!(
                            "the user already has a role in workspaces[{w}] (roles[{first}])"
                        ),
                        e,
                    );
                }
            }
        } else {
            if has_workspace {
                r.fail(
                    "workspace",
                    format_args!("{name} is a cluster role: it takes a cluster, not a workspace"),
                    e,
                );
            }
            if !has_cluster {
                r.fail(
                    "cluster",
                    format_args!("required: {name} is a cluster role, scoped to a cluster"),
                    e,
                );
            }
            if let Some(c) = cluster {
                if let Some(first) = scopes.clusters.insert(c, j) {
                    r.fail(
                        "cluster",
                        format_args!(
                            "the user already has a role in clusters[{c}] (roles[{first}])"
                        ),
                        e,
                    );
                }
            }
        }
        Some(NewRole {
            role,
            workspace,
            cluster,
            is_active,
        })
    }
}

/// The scopes one user's roles have taken so far, each with the role that took it.
#[derive(Default)]
struct RoleScopes {
    workspaces: HashMap<usize, usize>,
    clusters: HashMap<usize, usize>,
    system_admin: Option<usize>,
}
