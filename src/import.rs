//! `idm import`: loads a JSON document of workspaces, response plans, clusters, partners and
//! users with their roles (contract §8), all or nothing. Reading and the data rules are pure
//! (`check`); the database part checks what must be unique against existing rows
//! (`conflicts`) and writes everything, with its audit events, in one transaction (`writer`).

pub(crate) mod check;
pub(crate) mod conflicts;
mod json;
pub(crate) mod writer;

use std::fmt;

use sea_orm::DatabaseConnection;

/// How many errors `ImportError` shows before summing up the rest.
const ERRORS_SHOWN: usize = 100;

/// What an import created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub workspaces: usize,
    pub response_plans: usize,
    pub clusters: usize,
    pub partners: usize,
    pub users: usize,
    pub roles: usize,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = [
            (self.workspaces, "workspace", "workspaces"),
            (self.response_plans, "response plan", "response plans"),
            (self.clusters, "cluster", "clusters"),
            (self.partners, "partner", "partners"),
            (self.users, "user", "users"),
            (self.roles, "role", "roles"),
        ];
        f.write_str("imported ")?;
        for (i, (n, one, many)) in counts.into_iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{n} {}", if n == 1 { one } else { many })?;
        }
        Ok(())
    }
}

/// A document that breaks the format or the data rules; nothing was written. Each error is
/// "JSON path: message", e.g. `users[3].roles[1].cluster: unknown ref "c9"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub errors: Vec<String>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "nothing was imported: the document has {n} error{}",
            if n == 1 { "" } else { "s" }
        )?;
        for e in self.errors.iter().take(ERRORS_SHOWN) {
            write!(f, "\n{e}")?;
        }
        if n > ERRORS_SHOWN {
            write!(f, "\n... and {} more", n - ERRORS_SHOWN)?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// Every error of a document that needs no database to find: format, field rules, refs,
/// uniqueness within the file and role scopes. Empty when the document is fine so far.
pub fn validate(text: &str) -> Vec<String> {
    check::check(text).1
}

/// Imports a JSON document in one transaction: every row and its audit event, or nothing.
/// A document that breaks a rule gives an [`ImportError`] listing every problem.
pub async fn import_json(db: &DatabaseConnection, text: &str) -> anyhow::Result<ImportSummary> {
    let (batch, mut errors) = check::check(text);
    if batch.is_empty() && !errors.is_empty() {
        return Err(ImportError { errors }.into());
    }
    let txn = crate::db::begin_write(db).await?;
    errors.extend(conflicts::conflicts(&txn, &batch, &writer::Known::default()).await?);
    if !errors.is_empty() {
        txn.rollback().await?;
        return Err(ImportError { errors }.into());
    }
    let summary = writer::write(&txn, &batch).await?;
    txn.commit().await?;
    // After the commit: VACUUM cannot run inside a transaction. The rows are in either way.
    if let Err(e) = crate::db::refresh_statistics(db).await {
        tracing::warn!(error = %e, "import committed, but refreshing planner statistics failed");
    }
    tracing::info!(
        workspaces = summary.workspaces,
        response_plans = summary.response_plans,
        clusters = summary.clusters,
        partners = summary.partners,
        users = summary.users,
        roles = summary.roles,
        "import committed"
    );
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small valid document to break in one place per test.
    fn doc() -> serde_json::Value {
        serde_json::json!({
            "workspaces": [{"ref": "ws1", "title": "Syria", "workspaceCode": "SYR"}],
            "responsePlans": [{"ref": "rp1", "workspace": "ws1", "title": "Syria HRP 2026", "planType": "HRP",
                               "start": "2026-01-01", "end": "2026-12-31"}],
            "clusters": [{"ref": "c1", "responsePlan": "rp1", "type": "HEALTH"},
                         {"ref": "c2", "responsePlan": "rp1", "type": "WASH"}],
            "partners": [{"ref": "p1", "title": "Alpha Relief", "partnerType": "CIVIL_SOCIETY_ORGANIZATION",
                          "csoType": "NATIONAL", "vendorNumber": "2500001", "countryCode": "SY",
                          "totalCtCp": "125000.50", "clusters": ["c1"]}],
            "users": [
                {"email": "ao@alpha.example", "firstName": "Amal", "lastName": "Haddad", "partner": "p1",
                 "roles": [{"role": "IP_AUTHORIZED_OFFICER", "workspace": "ws1"},
                           {"role": "CLUSTER_MEMBER", "cluster": "c1"}]},
                {"email": "csa@example.org", "firstName": "Sara", "lastName": "Admin",
                 "lastLogin": "2026-11-28T09:30:00Z", "roles": [{"role": "CLUSTER_SYSTEM_ADMIN"}]}
            ]
        })
    }

    fn errors_of(doc: &serde_json::Value) -> Vec<String> {
        validate(&doc.to_string())
    }

    #[test]
    fn a_valid_document_has_no_errors() {
        assert_eq!(errors_of(&doc()), Vec::<String>::new());
    }

    #[test]
    fn the_demo_document_has_no_errors() {
        assert_eq!(validate(crate::demo::DEMO_JSON), Vec::<String>::new());
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let errors = validate("{\n  \"users\": [,]\n}");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("$: not valid JSON: "), "{errors:?}");
        assert!(errors[0].contains("line 2 column"), "{errors:?}");
    }

    #[test]
    fn the_document_must_be_an_object_of_arrays() {
        assert_eq!(validate("[1, 2]"), vec!["$: expected a JSON object"]);
        let errors = validate(r#"{"users": {}, "groups": []}"#);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("groups: unknown field")),
            "{errors:?}"
        );
        assert!(
            errors.contains(&"users: expected an array, found an object".to_owned()),
            "{errors:?}"
        );
    }

    #[test]
    fn unknown_fields_are_reported_with_their_path() {
        let mut d = doc();
        d["users"][1]["nickname"] = "S".into();
        d["users"][0]["roles"][1]["scope"] = "x".into();
        let errors = errors_of(&d);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].starts_with("users[0].roles[1].scope: unknown field"),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("users[1].nickname: unknown field"),
            "{errors:?}"
        );
    }

    #[test]
    fn unknown_refs_name_the_path_and_the_ref() {
        let mut d = doc();
        d["users"][0]["roles"][1]["cluster"] = "c9".into();
        d["partners"][0]["clusters"] = serde_json::json!(["c1", "ws1"]);
        let errors = errors_of(&d);
        assert_eq!(
            errors,
            vec![
                "partners[0].clusters[1]: unknown ref \"ws1\": it names workspaces[0], not a cluster",
                "users[0].roles[1].cluster: unknown ref \"c9\"",
            ]
        );
    }

    #[test]
    fn duplicate_refs_are_errors() {
        let mut d = doc();
        d["clusters"][1]["ref"] = "c1".into();
        let errors = errors_of(&d);
        assert_eq!(
            errors,
            vec!["clusters[1].ref: duplicate ref \"c1\" (first used by clusters[0])"]
        );
    }

    #[test]
    fn duplicate_emails_in_the_file_are_errors() {
        let mut d = doc();
        d["users"][1]["email"] = "ao@alpha.example".into();
        let errors = errors_of(&d);
        assert_eq!(
            errors,
            vec!["users[1].email: \"ao@alpha.example\" is already the email of users[0]"]
        );
    }

    #[test]
    fn upper_case_emails_are_refused_not_lowered() {
        let mut d = doc();
        d["users"][0]["email"] = "AO@alpha.example".into();
        assert_eq!(
            errors_of(&d),
            vec!["users[0].email: email must be lower-case"]
        );
    }

    #[test]
    fn contract_1_1_fields_are_read_and_checked() {
        let mut d = doc();
        d["users"][0]["lastName"] = "".into();
        d["users"][0]["createdAt"] = "2019-03-01T08:00:00Z".into();
        d["users"][1]["email"] = "sara@bücher.example".into();
        d["responsePlans"][0]["planCustomType"] = "Flash Appeal".into();
        d["users"][1]["createdAt"] = "yesterday".into();
        assert_eq!(
            errors_of(&d),
            vec![
                "responsePlans[0].planCustomType: only allowed when planType is OTHER",
                "users[1].createdAt: \"yesterday\" is not an RFC 3339 time like 2026-11-28T09:30:00Z",
            ]
        );
        d["responsePlans"][0]["planType"] = "OTHER".into();
        d["users"][1]["createdAt"] = "2020-01-01T00:00:00+01:00".into();
        assert_eq!(errors_of(&d), Vec::<String>::new());
        let (batch, _) = check::check(&d.to_string());
        assert_eq!(batch.users[1].email, "sara@xn--bcher-kva.example");
        assert_eq!(
            batch.users[1].created_at.map(|t| t.to_rfc3339()),
            Some("2019-12-31T23:00:00+00:00".to_owned())
        );
        assert_eq!(batch.plans[0].custom_type.as_deref(), Some("Flash Appeal"));
    }

    #[test]
    fn bad_enum_names_list_the_allowed_values() {
        let mut d = doc();
        d["clusters"][0]["type"] = "health".into();
        d["responsePlans"][0]["planType"] = "PLAN".into();
        let errors = errors_of(&d);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0], "responsePlans[0].planType: \"PLAN\" is not a ResponsePlanType; expected one of HRP, FA, OTHER");
        assert!(errors[1].starts_with("clusters[0].type: \"health\" is not a ClusterType (did you mean HEALTH?); expected one of CCCM,"), "{errors:?}");
    }

    #[test]
    fn bad_dates_and_reversed_plans_are_errors() {
        let mut d = doc();
        d["responsePlans"][0]["start"] = "2026-13-01".into();
        assert_eq!(
            errors_of(&d),
            vec!["responsePlans[0].start: \"2026-13-01\" is not a date like 2026-11-28"]
        );
        d["responsePlans"][0]["start"] = "2027-01-01".into();
        assert_eq!(
            errors_of(&d),
            vec!["responsePlans[0].end: must not be before start"]
        );
        let mut d = doc();
        d["users"][1]["lastLogin"] = "yesterday".into();
        assert_eq!(errors_of(&d), vec!["users[1].lastLogin: \"yesterday\" is not an RFC 3339 time like 2026-11-28T09:30:00Z"]);
    }

    #[test]
    fn role_scopes_must_fit_the_role() {
        let mut d = doc();
        d["users"][0]["roles"] = serde_json::json!([
            {"role": "IP_EDITOR", "cluster": "c1"},
            {"role": "CLUSTER_VIEWER", "workspace": "ws1", "cluster": "c2"},
            {"role": "CLUSTER_SYSTEM_ADMIN", "workspace": "ws1"},
        ]);
        let errors = errors_of(&d);
        assert_eq!(
            errors,
            vec![
                "users[0].roles[0].cluster: IP_EDITOR is an IP role: it takes a workspace, not a cluster",
                "users[0].roles[0].workspace: required: IP_EDITOR is an IP role, scoped to a workspace",
                "users[0].roles[1].workspace: CLUSTER_VIEWER is a cluster role: it takes a cluster, not a workspace",
                "users[0].roles[2].workspace: CLUSTER_SYSTEM_ADMIN is global and takes no workspace",
            ]
        );
    }

    #[test]
    fn one_role_per_scope_and_one_system_admin_per_user() {
        let mut d = doc();
        d["users"][0]["roles"] = serde_json::json!([
            {"role": "IP_ADMIN", "workspace": "ws1"},
            {"role": "IP_VIEWER", "workspace": "ws1"},
            {"role": "CLUSTER_MEMBER", "cluster": "c1"},
            {"role": "CLUSTER_IMO", "cluster": "c1", "isActive": false},
            {"role": "CLUSTER_SYSTEM_ADMIN"},
            {"role": "CLUSTER_SYSTEM_ADMIN"},
        ]);
        let errors = errors_of(&d);
        assert_eq!(
            errors,
            vec![
                "users[0].roles[1].workspace: the user already has a role in workspaces[0] (roles[0])",
                "users[0].roles[3].cluster: the user already has a role in clusters[0] (roles[2])",
                "users[0].roles[5].role: the user already has CLUSTER_SYSTEM_ADMIN (roles[4])",
            ]
        );
    }

    #[test]
    fn partner_rules_are_the_api_rules() {
        let mut d = doc();
        d["partners"][0]["countryCode"] = "XX".into();
        d["partners"][0]["partnerType"] = "GOVERNMENT".into();
        d["partners"][0]["totalCtCy"] = "1.555".into();
        d["partners"][0]["totalCtCp"] = 12.5.into();
        if let Some(partners) = d["partners"].as_array_mut() {
            partners.push(serde_json::json!({"title": "Beta", "vendorNumber": "2500001"}));
        }
        let errors = errors_of(&d);
        assert_eq!(
            errors,
            vec![
                "partners[0].totalCtCp: expected a decimal written as a string, e.g. \"1250.50\", found a number",
                "partners[0].csoType: only allowed when partnerType is CIVIL_SOCIETY_ORGANIZATION",
                "partners[0].countryCode: not an ISO 3166-1 alpha-2 country code, e.g. SY",
                "partners[0].totalCtCy: must have at most 10 digits before and 2 after the decimal point",
                "partners[1].vendorNumber: \"2500001\" is already the vendor number of partners[0]",
            ]
        );
    }

    #[test]
    fn missing_and_mistyped_fields_are_reported_once() {
        let mut d = doc();
        // A blank last name is fine (contract 1.1 §9.12).
        d["users"][1] = serde_json::json!({"email": 7, "lastName": "  ", "isActive": "yes"});
        if let Some(workspaces) = d["workspaces"].as_array_mut() {
            workspaces.push(serde_json::json!({"title": "Yemen", "workspaceCode": "SYR"}));
        }
        let errors = errors_of(&d);
        assert_eq!(
            errors,
            vec![
                "workspaces[1].workspaceCode: \"SYR\" is already the code of workspaces[0]",
                "users[1].email: expected a string, found a number",
                "users[1].firstName: required",
                "users[1].isActive: expected true or false, found a string",
            ]
        );
    }

    #[test]
    fn the_error_lists_at_most_a_hundred_errors() {
        let e = ImportError {
            errors: (0..150)
                .map(|i| format!("users[{i}].email: required"))
                .collect(),
        };
        let text = e.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 102);
        assert_eq!(
            lines[0],
            "nothing was imported: the document has 150 errors"
        );
        assert_eq!(lines[1], "users[0].email: required");
        assert_eq!(lines[101], "... and 50 more");
    }

    #[test]
    fn the_summary_reads_as_a_sentence() {
        let s = ImportSummary {
            workspaces: 2,
            response_plans: 1,
            clusters: 3,
            partners: 2,
            users: 11,
            roles: 12,
        };
        assert_eq!(
            s.to_string(),
            "imported 2 workspaces, 1 response plan, 3 clusters, 2 partners, 11 users, 12 roles"
        );
    }

    /// A fresh SQLite file in its own temporary directory, removed on drop.
    struct TempDb {
        dir: std::path::PathBuf,
        db: DatabaseConnection,
    }

    impl TempDb {
        async fn new() -> anyhow::Result<Self> {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_nanos();
            let dir =
                std::env::temp_dir().join(format!("idm-import-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite://{}?mode=rwc", dir.join("idm.db").display());
            let db = crate::app::connect_and_migrate(
                &crate::config::Config::for_database(&url),
                crate::app::Purpose::Command,
            )
            .await?;
            Ok(Self { dir, db })
        }

        async fn counts(&self) -> anyhow::Result<[u64; 8]> {
            use crate::entity::*;
            use sea_orm::{EntityTrait, PaginatorTrait};
            let db = &self.db;
            Ok([
                workspace::Entity::find().count(db).await?,
                response_plan::Entity::find().count(db).await?,
                cluster::Entity::find().count(db).await?,
                partner::Entity::find().count(db).await?,
                partner_cluster::Entity::find().count(db).await?,
                user::Entity::find().count(db).await?,
                prp_role::Entity::find().count(db).await?,
                audit_event::Entity::find().count(db).await?,
            ])
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    #[tokio::test]
    async fn the_demo_imports_and_a_broken_file_writes_nothing() -> anyhow::Result<()> {
        use crate::entity::{audit_event, prp_role, user};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

        let t = TempDb::new().await?;
        let summary = import_json(&t.db, crate::demo::DEMO_JSON).await?;
        assert_eq!(
            summary.to_string(),
            "imported 2 workspaces, 2 response plans, 3 clusters, 2 partners, 11 users, 11 roles"
        );
        let after_demo = t.counts().await?;
        assert_eq!(after_demo, [2, 2, 3, 2, 3, 11, 11, 2 + 2 + 3 + 2 + 11 + 11]);

        let ao = user::Entity::find()
            .filter(user::Column::Email.eq("ao@alpha.example.org"))
            .one(&t.db)
            .await?;
        let ao = ao.ok_or_else(|| anyhow::anyhow!("the authorized officer was not imported"))?;
        assert!(ao.partner_id.is_some() && ao.is_active && ao.last_login.is_none());
        let roles = prp_role::Entity::find()
            .filter(prp_role::Column::UserId.eq(ao.id))
            .all(&t.db)
            .await?;
        assert_eq!(roles.len(), 1);
        assert_eq!(roles[0].role, crate::domain::RoleType::IpAuthorizedOfficer);
        let event = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("user.create"))
            .filter(audit_event::Column::TargetId.eq(ao.id))
            .one(&t.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no audit event for the user"))?;
        assert_eq!(event.actor_id, None);
        assert_eq!(
            event.after_json,
            Some(crate::users::store::user_json(&ao).to_string())
        );

        // The same document again: every email, code and vendor number is taken.
        let again = import_json(&t.db, crate::demo::DEMO_JSON).await;
        let err = again.err().and_then(|e| e.downcast::<ImportError>().ok());
        let err = err.ok_or_else(|| anyhow::anyhow!("a second import of the demo must fail"))?;
        assert!(err.errors.contains(&"workspaces[0].workspaceCode: \"SYR\" is already used by a workspace in the database".to_owned()), "{err}");
        assert!(err.errors.contains(&"users[5].email: \"ao@alpha.example.org\" is already used by a user in the database".to_owned()), "{err}");
        assert!(err.errors.contains(&"partners[1].vendorNumber: \"2500002\" is already the vendor number of a partner in the database".to_owned()), "{err}");
        assert_eq!(t.counts().await?, after_demo);

        // A new document with one bad role among good rows writes nothing either.
        let broken = serde_json::json!({
            "workspaces": [{"ref": "w", "title": "Iraq", "workspaceCode": "IRQ"}],
            "users": [{"email": "new@example.org", "firstName": "N", "lastName": "U",
                       "roles": [{"role": "IP_VIEWER", "workspace": "w"}, {"role": "CLUSTER_MEMBER", "cluster": "c9"}]}]
        });
        let err = import_json(&t.db, &broken.to_string())
            .await
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("nothing was imported: the document has 1 error\nusers[0].roles[1].cluster: unknown ref \"c9\"")
        );
        assert_eq!(t.counts().await?, after_demo);
        Ok(())
    }
}
