//! More of TestApp for the user, role, partner and pagination tests: rows read back from the
//! database, fixtures the plain builders cannot make (inactive roles, sign-ins), and
//! [`TestApp::assert_rejected`], the check of a refused mutation.

use chrono::{DateTime, Utc};
use idm::domain::RoleType;
use idm::entity::{audit_event, outbox, prp_role, user};
use idm::{roles, users};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryOrder};
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// One audit event as stored.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub action: String,
    pub actor_id: Option<i64>,
    pub target_type: String,
    pub target_id: i64,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The row counts a failed mutation must leave as they were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub users: i64,
    pub roles: i64,
    pub partners: i64,
    pub partner_clusters: i64,
    pub workspaces: i64,
    pub plans: i64,
    pub clusters: i64,
    pub audit: i64,
    pub outbox: i64,
}

impl TestApp {
    /// A role row, active or not; returns its id.
    pub async fn role(
        &self,
        user: i64,
        role: RoleType,
        workspace: Option<i64>,
        cluster: Option<i64>,
        active: bool,
    ) -> i64 {
        roles::store::insert(&self.db, user, role, workspace, cluster, active)
            .await
            .expect("role")
            .id
    }

    /// The stored user.
    pub async fn stored_user(&self, id: i64) -> user::Model {
        users::store::find(&self.db, id)
            .await
            .expect("db")
            .expect("user")
    }

    /// The id of the user with this email.
    pub async fn user_id(&self, email: &str) -> i64 {
        users::store::find_signed_in(&self.db, email)
            .await
            .expect("db")
            .expect("user")
            .0
            .id
    }

    /// Deactivates a user straight in the store.
    pub async fn deactivate(&self, id: i64) {
        let mut u = self.stored_user(id).await;
        u.is_active = false;
        users::store::update(&self.db, u).await.expect("update");
    }

    /// Activates a user straight in the store.
    pub async fn reactivate(&self, id: i64) {
        let mut u = self.stored_user(id).await;
        u.is_active = true;
        users::store::update(&self.db, u).await.expect("update");
    }

    /// Sets (or clears) the last sign-in of a user straight in the store.
    pub async fn set_last_login(&self, id: i64, at: Option<DateTime<Utc>>) {
        let u = self.stored_user(id).await;
        let mut active: user::ActiveModel = u.into();
        active.last_login = Set(at);
        active.update(&self.db).await.expect("last login");
    }

    /// The role rows of a user as (role, workspace, cluster, active), in creation order.
    pub async fn roles_of(&self, id: i64) -> Vec<(String, Option<i64>, Option<i64>, bool)> {
        users::store::roles_of(&self.db, &[id])
            .await
            .expect("roles")
            .into_iter()
            .map(|r: prp_role::Model| {
                let role = r.role.as_str().to_owned();
                (role, r.workspace_id, r.cluster_id, r.is_active)
            })
            .collect()
    }

    /// Every audit event, oldest first.
    pub async fn audit(&self) -> Vec<AuditRow> {
        audit_event::Entity::find()
            .order_by_asc(audit_event::Column::Id)
            .all(&self.db)
            .await
            .expect("audit")
            .into_iter()
            .map(|e| AuditRow {
                action: e.action,
                actor_id: e.actor_id,
                target_type: e.target_type,
                target_id: e.target_id,
                before: e.before_json.and_then(|j| serde_json::from_str(&j).ok()),
                after: e.after_json.and_then(|j| serde_json::from_str(&j).ok()),
            })
            .collect()
    }

    /// The actions of every audit event, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        self.audit().await.into_iter().map(|e| e.action).collect()
    }

    /// Every queued notification as (kind, recipient), oldest first.
    pub async fn outbox(&self) -> Vec<(String, String)> {
        outbox::Entity::find()
            .order_by_asc(outbox::Column::Id)
            .all(&self.db)
            .await
            .expect("outbox")
            .into_iter()
            .map(|m| (m.kind, m.recipient))
            .collect()
    }

    /// Row counts of the tables a mutation writes.
    pub async fn counts(&self) -> Counts {
        Counts {
            users: self.count("app_user").await,
            roles: self.count("prp_role").await,
            partners: self.count("partner").await,
            partner_clusters: self.count("partner_cluster").await,
            workspaces: self.count("workspace").await,
            plans: self.count("response_plan").await,
            clusters: self.count("cluster").await,
            audit: self.count("audit_event").await,
            outbox: self.count("outbox").await,
        }
    }
}

impl TestApp {
    /// Runs a mutation in-process as `email` that must be refused with exactly the error codes
    /// `expected` (in order), and asserts what a refusal means (contract §2): every payload
    /// field but `errors` is empty (null, or `[]` for a list) and nothing was written (the
    /// rows of [`Counts`], the audit trail and the outbox among them). Returns the payload's
    /// errors, for checks of their fields and messages.
    pub async fn assert_rejected(
        &self,
        email: &str,
        mutation: &str,
        variables: Value,
        expected: &[&str],
    ) -> Value {
        let before = self.counts().await;
        let d = self.execute_data(email, mutation, variables.clone()).await;
        let fields = d.as_object().expect("data");
        assert_eq!(fields.len(), 1, "one mutation: {d}");
        let Some((name, payload)) = fields.iter().next() else {
            panic!("no mutation in {d}");
        };
        let errors = payload["errors"].clone();
        assert_eq!(
            codes(&errors),
            expected,
            "{name} by {email} with {variables}: {d}"
        );
        for (field, value) in payload.as_object().expect("payload") {
            if field != "errors" {
                assert!(
                    value.is_null() || *value == json!([]),
                    "{name} by {email} with {variables}: {field} of a refusal is empty: {d}"
                );
            }
        }
        assert_eq!(
            self.counts().await,
            before,
            "{name} by {email} with {variables} wrote nothing"
        );
        errors
    }
}

impl TestApp {
    /// [`TestApp::assert_rejected`] with one error: `code` on the input field at `field`
    /// (its path, as `["input", "email"]`).
    pub async fn assert_rejected_at(
        &self,
        email: &str,
        mutation: &str,
        variables: Value,
        code: &str,
        field: &[&str],
    ) -> Value {
        let errors = self
            .assert_rejected(email, mutation, variables, &[code])
            .await;
        assert_eq!(errors[0]["field"], json!(field), "{errors}");
        errors
    }
}

/// The `field` paths of a payload's `errors`.
pub fn fields(errors: &Value) -> Vec<Value> {
    errors
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].clone()).collect())
        .unwrap_or_default()
}

/// The codes of a payload's `errors`.
pub fn codes(errors: &Value) -> Vec<String> {
    errors
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["code"].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The `extensions.code` of the first GraphQL error of a response.
pub fn query_error(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}
