//! The pure half of the import: reads the document, applies the data rules that need no
//! database (field rules, refs, uniqueness within the file, role scopes) and returns the rows
//! to write with every reference turned into an index, plus every error found.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::json::{key_path, kind, Errors, Record};
use crate::domain::{ClusterType, ResponsePlanType, RoleType};
use crate::entity::partner;
use crate::partners::draft::with_partner_fields;
use crate::validate::Checker;

mod records;
use records::{Context, Seen};

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
macro_rules! partner_fields {
    ($($(#[$doc:meta])* $field:ident($name:literal): $ty:ty,)*) => {
        const PARTNER_FIELDS: &[&str] = &["ref", "title", $($name,)* "clusters"];
    };
}
with_partner_fields!(partner_fields);
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
