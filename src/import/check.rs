//! The pure half of the import: reads the document, applies the data rules that need no
//! database (field rules, refs, uniqueness within the file, role scopes) and returns the rows
//! to write with every reference turned into an index, plus every error found.

use std::collections::HashMap;

use async_graphql::ScalarType;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::NotSet;
use serde_json::Value;

use super::json::{key_path, kind, Errors, Record};
use crate::domain::{ClusterType, ExternalSource, ResponsePlanType, RoleType};
use crate::entity::partner;
use crate::partners::draft::PartnerDraft;
use crate::scalars::{Date, Decimal};
use crate::validate::Checker;

/// The rows of a checked document: one entry per record of the file, in file order, so an
/// index is also the record's position in its array. References are indexes into these.
#[derive(Debug, Default)]
pub struct Batch {
    pub workspaces: Vec<NewWorkspace>,
    pub plans: Vec<NewPlan>,
    pub clusters: Vec<NewCluster>,
    pub partners: Vec<NewPartner>,
    pub users: Vec<NewUser>,
}

impl Batch {
    /// True when the document holds no record at all.
    pub fn is_empty(&self) -> bool {
        self.workspaces.is_empty()
            && self.plans.is_empty()
            && self.clusters.is_empty()
            && self.partners.is_empty()
            && self.users.is_empty()
    }
}

#[derive(Debug, Default)]
pub struct NewWorkspace {
    pub title: String,
    pub code: String,
    pub business_area_code: Option<String>,
}

#[derive(Debug)]
pub struct NewPlan {
    pub workspace: usize,
    pub title: String,
    pub plan_type: ResponsePlanType,
    pub custom_type: Option<String>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

#[derive(Debug)]
pub struct NewCluster {
    pub plan: usize,
    pub kind: ClusterType,
    pub imported_type: Option<String>,
}

#[derive(Debug)]
pub struct NewPartner {
    /// Every column but the id and timestamps, cleaned by `PartnerDraft::validate_into`.
    pub model: partner::ActiveModel,
    pub clusters: Vec<usize>,
}

#[derive(Debug)]
pub struct NewUser {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub position: Option<String>,
    pub partner: Option<usize>,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub roles: Vec<NewRole>,
}

#[derive(Debug)]
pub struct NewRole {
    pub role: RoleType,
    pub workspace: Option<usize>,
    pub cluster: Option<usize>,
    pub is_active: bool,
}

const TOP: &[&str] = &[
    "workspaces",
    "responsePlans",
    "clusters",
    "partners",
    "users",
];
const WORKSPACE_FIELDS: &[&str] = &["ref", "title", "workspaceCode", "businessAreaCode"];
const PLAN_FIELDS: &[&str] = &[
    "ref",
    "workspace",
    "title",
    "planType",
    "planCustomType",
    "start",
    "end",
];
const CLUSTER_FIELDS: &[&str] = &["ref", "responsePlan", "type", "importedType"];
const PARTNER_FIELDS: &[&str] = &[
    "ref",
    "title",
    "shortTitle",
    "alternateTitle",
    "partnerType",
    "sharedPartner",
    "csoType",
    "email",
    "phoneNumber",
    "streetAddress",
    "city",
    "postalCode",
    "countryCode",
    "totalCtCp",
    "totalCtCy",
    "vendorNumber",
    "alternateId",
    "rating",
    "basisForRiskRating",
    "typeOfAssessment",
    "ochaExternalId",
    "externalId",
    "externalSource",
    "clusters",
];
const USER_FIELDS: &[&str] = &[
    "ref",
    "email",
    "firstName",
    "lastName",
    "position",
    "partner",
    "isActive",
    "lastLogin",
    "createdAt",
    "roles",
];
const ROLE_FIELDS: &[&str] = &["role", "workspace", "cluster", "isActive"];

/// The arrays records can refer to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    Workspace,
    Plan,
    Cluster,
    Partner,
    User,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Workspace,
        Kind::Plan,
        Kind::Cluster,
        Kind::Partner,
        Kind::User,
    ];

    fn array(self) -> &'static str {
        TOP[self as usize]
    }

    fn noun(self) -> &'static str {
        [
            "a workspace",
            "a response plan",
            "a cluster",
            "a partner",
            "a user",
        ][self as usize]
    }
}

/// The refs of every array: ref -> index of its first record.
#[derive(Default)]
struct Refs<'a> {
    maps: [HashMap<&'a str, usize>; 5],
}

impl<'a> Refs<'a> {
    fn collect(arrays: &[&'a [Value]; 5]) -> Self {
        let mut refs = Self::default();
        for (map, items) in refs.maps.iter_mut().zip(arrays) {
            for (i, item) in items.iter().enumerate() {
                if let Some(r) = item.get("ref").and_then(Value::as_str) {
                    map.entry(r).or_insert(i);
                }
            }
        }
        refs
    }

    /// Checks the record's own `ref`: a non-empty string, unique within its array.
    fn own(&self, r: &mut Record<'_>, kind: Kind, index: usize, errors: &mut Errors) {
        let Some(value) = r.string("ref", errors) else {
            return;
        };
        if value.is_empty() {
            r.fail("ref", "must not be empty", errors);
        } else if let Some(&first) = self.maps[kind as usize]
            .get(value)
            .filter(|&&first| first != index)
        {
            r.fail(
                "ref",
                format_args!(
                    "duplicate ref {} (first used by {}[{first}])",
                    Value::from(value),
                    kind.array()
                ),
                errors,
            );
        }
    }

    /// Resolves the ref at `path` to an index of `kind`'s array.
    fn resolve(
        &self,
        value: &Value,
        wanted: Kind,
        path: &str,
        errors: &mut Errors,
    ) -> Option<usize> {
        let Value::String(text) = value else {
            errors.at(
                path,
                format_args!("expected a ref (a string), found {}", kind(value)),
            );
            return None;
        };
        if let Some(&i) = self.maps[wanted as usize].get(text.as_str()) {
            return Some(i);
        }
        let elsewhere = Kind::ALL.iter().find_map(|k| {
            self.maps[*k as usize]
                .get(text.as_str())
                .map(|i| format!("{}[{i}]", k.array()))
        });
        match elsewhere {
            Some(other) => errors.at(
                path,
                format_args!(
                    "unknown ref {}: it names {other}, not {}",
                    Value::from(text.as_str()),
                    wanted.noun()
                ),
            ),
            None => errors.at(
                path,
                format_args!("unknown ref {}", Value::from(text.as_str())),
            ),
        }
        None
    }

    /// Resolves the record's field `key`; a missing field is reported when `required`.
    fn field(
        &self,
        r: &mut Record<'_>,
        key: &'static str,
        kind: Kind,
        required: bool,
        errors: &mut Errors,
    ) -> Option<usize> {
        let Some(value) = r.get(key) else {
            if required {
                r.fail(key, "required", errors);
            }
            return None;
        };
        let resolved = self.resolve(value, kind, &r.field(key), errors);
        if resolved.is_none() {
            r.fail_silently(key);
        }
        resolved
    }
}

/// Moves a checker's errors to the document errors, under the record's path, leaving out
/// fields that already failed to read.
fn finish(c: Checker, r: &Record<'_>, errors: &mut Errors) {
    for e in c.errors {
        let field = e
            .field
            .as_ref()
            .and_then(|f| f.last())
            .map(String::as_str)
            .unwrap_or_default();
        if !r.has_failed(field) {
            errors.at(key_path(&r.path, field), e.message);
        }
    }
}

/// Reads and checks a whole document. The batch is complete (one entry per record) whenever
/// the document is an object of arrays, so later checks can still report by position.
pub fn check(text: &str) -> (Batch, Vec<String>) {
    match serde_json::from_str::<Value>(text) {
        Ok(doc) => check_value(&doc),
        Err(e) => {
            let mut errors = Errors::default();
            errors.at("$", format_args!("not valid JSON: {e}"));
            (Batch::default(), errors.0)
        }
    }
}

/// [`check`] of a document already parsed (or built, as `import-prp` builds its own).
pub fn check_value(doc: &Value) -> (Batch, Vec<String>) {
    let mut errors = Errors::default();
    let mut batch = Batch::default();
    if !doc.is_object() {
        errors.at("$", "expected a JSON object");
        return (batch, errors.0);
    }
    let Some(mut root) = Record::open(doc, String::new(), TOP, &mut errors) else {
        return (batch, errors.0);
    };
    let arrays = [
        root.array("workspaces", &mut errors).unwrap_or_default(),
        root.array("responsePlans", &mut errors).unwrap_or_default(),
        root.array("clusters", &mut errors).unwrap_or_default(),
        root.array("partners", &mut errors).unwrap_or_default(),
        root.array("users", &mut errors).unwrap_or_default(),
    ];
    let mut ctx = Context {
        refs: Refs::collect(&arrays),
        errors,
        seen: Seen::default(),
    };
    batch.workspaces = arrays[0]
        .iter()
        .enumerate()
        .map(|(i, item)| ctx.workspace(i, item))
        .collect();
    batch.plans = arrays[1]
        .iter()
        .enumerate()
        .map(|(i, item)| ctx.plan(i, item))
        .collect();
    batch.clusters = arrays[2]
        .iter()
        .enumerate()
        .map(|(i, item)| ctx.cluster(i, item))
        .collect();
    batch.partners = arrays[3]
        .iter()
        .enumerate()
        .map(|(i, item)| ctx.partner(i, item))
        .collect();
    batch.users = arrays[4]
        .iter()
        .enumerate()
        .map(|(i, item)| ctx.user(i, item))
        .collect();
    (batch, ctx.errors.0)
}

/// The values that must be unique within the file, each with the first record using it.
#[derive(Default)]
struct Seen {
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

struct Context<'a> {
    refs: Refs<'a>,
    errors: Errors,
    seen: Seen,
}

impl<'a> Context<'a> {
    fn workspace(&mut self, i: usize, item: &'a Value) -> NewWorkspace {
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

    fn plan(&mut self, i: usize, item: &'a Value) -> NewPlan {
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
        plan.start = date(&mut r, "start", e);
        plan.end = date(&mut r, "end", e);
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

    fn cluster(&mut self, i: usize, item: &'a Value) -> NewCluster {
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

    fn partner(&mut self, i: usize, item: &'a Value) -> NewPartner {
        let e = &mut self.errors;
        let mut out = NewPartner {
            model: partner::ActiveModel::default(),
            clusters: Vec::new(),
        };
        let Some(mut r) = Record::open(item, format!("partners[{i}]"), PARTNER_FIELDS, e) else {
            return out;
        };
        self.refs.own(&mut r, Kind::Partner, i, e);
        let draft = PartnerDraft {
            title: r.required_string("title", e).unwrap_or_default().to_owned(),
            short_title: r.string("shortTitle", e).map(str::to_owned),
            alternate_title: r.string("alternateTitle", e).map(str::to_owned),
            partner_type: r.named("partnerType", e),
            shared_partner: r.named("sharedPartner", e),
            cso_type: r.named("csoType", e),
            email: r.string("email", e).map(str::to_owned),
            phone_number: r.string("phoneNumber", e).map(str::to_owned),
            street_address: r.string("streetAddress", e).map(str::to_owned),
            city: r.string("city", e).map(str::to_owned),
            postal_code: r.string("postalCode", e).map(str::to_owned),
            country_code: r.string("countryCode", e).map(str::to_owned),
            total_ct_cp: decimal(&mut r, "totalCtCp", e),
            total_ct_cy: decimal(&mut r, "totalCtCy", e),
            vendor_number: r.string("vendorNumber", e).map(str::to_owned),
            alternate_id: r.int32("alternateId", e),
            rating: r.string("rating", e).map(str::to_owned),
            basis_for_risk_rating: r.string("basisForRiskRating", e).map(str::to_owned),
            type_of_assessment: r.string("typeOfAssessment", e).map(str::to_owned),
            ocha_external_id: r.string("ochaExternalId", e).map(str::to_owned),
            external_id: r.string("externalId", e).map(str::to_owned),
            external_source: r.named("externalSource", e),
        };
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

    fn user(&mut self, i: usize, item: &'a Value) -> NewUser {
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
        user.last_login = time(&mut r, "lastLogin", e);
        user.created_at = time(&mut r, "createdAt", e);
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

/// An optional `YYYY-MM-DD` date, by the rule of the `Date` scalar.
fn date(r: &mut Record<'_>, key: &'static str, e: &mut Errors) -> Option<NaiveDate> {
    let text = r.string(key, e)?;
    match Date::parse(async_graphql::Value::String(text.to_owned())) {
        Ok(d) => Some(d.0),
        Err(_) => {
            r.fail(
                key,
                format_args!("{} is not a date like 2026-11-28", Value::from(text)),
                e,
            );
            None
        }
    }
}

/// An optional RFC 3339 time.
fn time(r: &mut Record<'_>, key: &'static str, e: &mut Errors) -> Option<DateTime<Utc>> {
    let text = r.string(key, e)?;
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            r.fail(
                key,
                format_args!(
                    "{} is not an RFC 3339 time like 2026-11-28T09:30:00Z",
                    Value::from(text)
                ),
                e,
            );
            None
        }
    }
}

/// An optional decimal written as a string, by the rule of the `Decimal` scalar.
fn decimal(r: &mut Record<'_>, key: &'static str, e: &mut Errors) -> Option<Decimal> {
    let value = r.get(key)?;
    let Value::String(text) = value else {
        r.fail(
            key,
            format_args!(
                "expected a decimal written as a string, e.g. \"1250.50\", found {}",
                kind(value)
            ),
            e,
        );
        return None;
    };
    match Decimal::parse(async_graphql::Value::String(text.clone())) {
        Ok(d) => Some(d),
        Err(_) => {
            r.fail(
                key,
                format_args!(
                    "{} is not a decimal like \"1250.50\"",
                    Value::from(text.as_str())
                ),
                e,
            );
            None
        }
    }
}
