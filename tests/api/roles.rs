//! Roles: the guard of contract §4 as createRoles, updateRole and deleteRole apply
//! it, with audit (§6) and notices (§7), and assignableRoles agreeing with createRoles.

use std::sync::atomic::{AtomicU32, Ordering};

use idm::domain::{ClusterType, RoleType};
use idm::ids::Kind;
use serde_json::{json, Value};

use crate::fixtures::codes;
use crate::helpers::{app_with_admin, gid, TestApp};

const CREATE_ROLES: &str = "mutation($input: CreateRolesInput!) { createRoles(input: $input) { user { email roles { role isActive } } roles { id role isActive portal workspace { workspaceCode } cluster { title } } errors { code field message } } }";
const UPDATE_ROLE: &str = "mutation($input: UpdateRoleInput!) { updateRole(input: $input) { role { id role isActive } errors { code field } } }";
const DELETE_ROLE: &str = "mutation($input: DeleteRoleInput!) { deleteRole(input: $input) { deletedRoleId errors { code field } } }";
const ASSIGNABLE: &str = "query($u: ID!, $w: ID, $c: ID) { assignableRoles(userId: $u, workspaceId: $w, clusterId: $c) }";

use RoleType::*;

/// One entry of createRoles.
fn entry(role: RoleType, workspace: Option<i64>, cluster: Option<i64>) -> Value {
    json!({
        "role": role.as_str(),
        "workspaceId": workspace.map(|w| gid(Kind::Workspace, w)),
        "clusterId": cluster.map(|c| gid(Kind::Cluster, c)),
    })
}

/// The variables of createRoles for `target`.
fn create_vars(target: i64, entries: Vec<Value>) -> Value {
    json!({"input": {"userId": gid(Kind::User, target), "roles": entries}})
}

/// The variables of updateRole: `change` on role `role`.
fn update_vars(role: i64, change: Value) -> Value {
    let mut input = json!({"id": gid(Kind::Role, role)});
    if let (Some(i), Some(c)) = (input.as_object_mut(), change.as_object()) {
        for (k, v) in c {
            i.insert(k.clone(), v.clone());
        }
    }
    json!({ "input": input })
}

/// The variables of deleteRole.
fn delete_vars(role: i64) -> Value {
    json!({"input": {"id": gid(Kind::Role, role)}})
}

/// Runs createRoles as `who` for `target`; returns the payload.
async fn create_roles(app: &TestApp, who: &str, target: i64, entries: Vec<Value>) -> Value {
    app.execute_data(who, CREATE_ROLES, create_vars(target, entries))
        .await["createRoles"]
        .clone()
}

async fn update_role(app: &TestApp, who: &str, role: i64, change: Value) -> Value {
    app.execute_data(who, UPDATE_ROLE, update_vars(role, change))
        .await["updateRole"]
        .clone()
}

async fn delete_role(app: &TestApp, who: &str, role: i64) -> Value {
    app.execute_data(who, DELETE_ROLE, delete_vars(role)).await["deleteRole"].clone()
}

/// Runs createRoles as `who` for `target`, which must be refused with `code` and write
/// nothing; returns the errors.
async fn create_refused(
    app: &TestApp,
    who: &str,
    target: i64,
    entries: Vec<Value>,
    code: &str,
) -> Value {
    let vars = create_vars(target, entries);
    app.assert_rejected(who, CREATE_ROLES, vars, &[code]).await
}

/// Runs updateRole as `who`, which must be refused with `code` and write nothing.
async fn update_refused(app: &TestApp, who: &str, role: i64, change: Value, code: &str) {
    let vars = update_vars(role, change);
    app.assert_rejected(who, UPDATE_ROLE, vars, &[code]).await;
}

/// Runs deleteRole as `who`, which must be refused with `code` and write nothing.
async fn delete_refused(app: &TestApp, who: &str, role: i64, code: &str) {
    let vars = delete_vars(role);
    app.assert_rejected(who, DELETE_ROLE, vars, &[code]).await;
}

/// The single error code of a payload, or "ok" when it has none.
fn outcome(payload: &Value) -> String {
    match codes(&payload["errors"]).as_slice() {
        [] => "ok".to_owned(),
        [one] => one.clone(),
        many => many.join(","),
    }
}

/// The role of a stored row, or None when the row is gone.
async fn stored_role(app: &TestApp, id: i64) -> Option<(String, bool)> {
    idm::roles::store::find(&app.db, id)
        .await
        .expect("db")
        .map(|r| (r.role.as_str().to_owned(), r.is_active))
}

/// Two workspaces, three clusters and two partners.
struct Scene {
    w1: i64,
    w2: i64,
    c1: i64,
    c2: i64,
    c3: i64,
    p: i64,
    q: i64,
}

async fn scene(app: &TestApp) -> Scene {
    let w1 = app.workspace("W1").await;
    let w2 = app.workspace("W2").await;
    Scene {
        w1,
        w2,
        c1: app.cluster(w1, ClusterType::Health).await,
        c2: app.cluster(w1, ClusterType::Wash).await,
        c3: app.cluster(w2, ClusterType::Education).await,
        p: app.partner("P").await,
        q: app.partner("Q").await,
    }
}

#[tokio::test]
async fn an_authorized_officer_grants_ip_roles_in_its_workspaces_with_audit_and_notices() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let ao = app
        .user(
            "ao@p.org",
            Some(s.p),
            &[
                (IpAuthorizedOfficer, Some(s.w1), None),
                (IpAuthorizedOfficer, Some(s.w2), None),
            ],
        )
        .await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let out = create_roles(
        &app,
        "ao@p.org",
        t,
        vec![
            entry(IpEditor, Some(s.w1), None),
            entry(IpAdmin, Some(s.w2), None),
        ],
    )
    .await;
    assert_eq!(out["errors"], json!([]));
    assert_eq!(
        out["user"],
        json!({"email": "t@p.org", "roles": [{"role": "IP_EDITOR", "isActive": true}, {"role": "IP_ADMIN", "isActive": true}]})
    );
    assert_eq!(out["roles"][0]["workspace"]["workspaceCode"], "W1");
    assert_eq!(out["roles"][1]["portal"], "IP");
    assert_eq!(
        app.roles_of(t).await,
        vec![
            ("IP_EDITOR".to_owned(), Some(s.w1), None, true),
            ("IP_ADMIN".to_owned(), Some(s.w2), None, true),
        ]
    );
    let audit = app.audit().await;
    assert_eq!(audit.len(), 2);
    for (event, role) in audit.iter().zip(["IP_EDITOR", "IP_ADMIN"]) {
        assert_eq!(event.action, "role.create");
        assert_eq!(event.actor_id, Some(ao));
        assert_eq!(event.target_type, "PRPRole");
        assert_eq!(event.before, None);
        assert_eq!(
            event.after.as_ref().map(|a| a["role"].clone()),
            Some(json!(role))
        );
        assert_eq!(
            event.after.as_ref().map(|a| a["userId"].clone()),
            Some(json!(t))
        );
    }
    assert_eq!(
        app.outbox().await,
        vec![
            ("role_assigned".to_owned(), "t@p.org".to_owned()),
            ("role_assigned".to_owned(), "t@p.org".to_owned()),
        ]
    );
    // the new user now holds roles and has not signed in: INVITED
    let d = app
        .execute_data(
            "ao@p.org",
            "query($id: ID!) { user(id: $id) { status isIncomplete } }",
            json!({"id": gid(Kind::User, t)}),
        )
        .await;
    assert_eq!(
        d["user"],
        json!({"status": "INVITED", "isIncomplete": false})
    );
}

#[tokio::test]
async fn a_system_admin_grants_cluster_roles_in_any_cluster() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let out = create_roles(
        &app,
        csa,
        t,
        vec![
            entry(ClusterMember, None, Some(s.c1)),
            entry(ClusterCoordinator, None, Some(s.c2)),
            entry(ClusterImo, None, Some(s.c3)),
        ],
    )
    .await;
    assert_eq!(out["errors"], json!([]));
    assert_eq!(out["roles"][2]["cluster"]["title"], "Education");
    assert_eq!(app.roles_of(t).await.len(), 3);
    assert_eq!(app.audit_actions().await, ["role.create"; 3]);
    assert_eq!(app.outbox().await.len(), 3);
}

#[tokio::test]
async fn create_roles_is_all_or_nothing_and_names_every_failing_entry() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    let t = app
        .user("t@p.org", Some(s.p), &[(ClusterMember, None, Some(s.c2))])
        .await;
    let entries = vec![
        entry(ClusterViewer, None, Some(s.c1)),
        entry(ClusterMember, Some(s.w1), None),
        entry(ClusterCoordinator, None, Some(s.c3)),
        entry(ClusterViewer, None, Some(s.c2)),
        entry(IpEditor, Some(s.w2), None),
    ];
    let codes = ["SCOPE_MISMATCH", "ROLE_EXISTS_IN_SCOPE", "FORBIDDEN"];
    let errors = app
        .assert_rejected(csa, CREATE_ROLES, create_vars(t, entries), &codes)
        .await;
    let errors = errors.as_array().cloned().unwrap_or_default();
    let named: Vec<(String, Value)> = errors
        .iter()
        .map(|e| {
            let field = e["field"].as_array().cloned().unwrap_or_default();
            (
                e["code"].as_str().unwrap_or("").to_owned(),
                json!(field.iter().take(3).collect::<Vec<_>>()),
            )
        })
        .collect();
    assert_eq!(
        named,
        vec![
            ("SCOPE_MISMATCH".to_owned(), json!(["input", "roles", "1"])),
            (
                "ROLE_EXISTS_IN_SCOPE".to_owned(),
                json!(["input", "roles", "3"])
            ),
            ("FORBIDDEN".to_owned(), json!(["input", "roles", "4"])),
        ],
        "{errors:?}"
    );
    assert_eq!(app.roles_of(t).await.len(), 1);
}

#[tokio::test]
async fn two_entries_for_one_scope_are_a_duplicate_scope_and_nothing_is_written() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    app.officer("ao@p.org", s.p, s.w1).await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let before = app.counts().await;
    let cases = [
        (
            "ao@p.org",
            vec![
                entry(IpEditor, Some(s.w1), None),
                entry(IpViewer, Some(s.w1), None),
            ],
        ),
        (
            csa,
            vec![
                entry(ClusterMember, None, Some(s.c1)),
                entry(ClusterViewer, None, Some(s.c2)),
                entry(ClusterViewer, None, Some(s.c1)),
            ],
        ),
    ];
    for (who, entries) in cases {
        let last = (entries.len() - 1).to_string();
        let out = create_roles(&app, who, t, entries).await;
        let errors = out["errors"].as_array().cloned().unwrap_or_default();
        assert!(!errors.is_empty());
        assert!(
            errors.iter().all(|e| e["code"] == "DUPLICATE_SCOPE"),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e["field"][2] == json!(last.as_str())),
            "the later entry is named: {errors:?}"
        );
    }
    assert_eq!(app.counts().await, before);
}

#[tokio::test]
async fn a_target_already_in_the_scope_or_a_system_admin_gets_role_exists_in_scope() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    app.officer("ao@p.org", s.p, s.w1).await;
    let viewer = app
        .user("viewer@p.org", Some(s.p), &[(IpViewer, Some(s.w1), None)])
        .await;
    let dormant = app.user("dormant@p.org", Some(s.p), &[]).await;
    app.role(dormant, IpViewer, Some(s.w1), None, false).await;
    let member = app
        .user(
            "member@p.org",
            Some(s.p),
            &[(ClusterMember, None, Some(s.c1))],
        )
        .await;
    let admin2 = app.system_admin("admin2@un.org").await;
    let cases = [
        ("ao@p.org", viewer, entry(IpEditor, Some(s.w1), None)),
        ("ao@p.org", dormant, entry(IpEditor, Some(s.w1), None)),
        (csa, member, entry(ClusterCoordinator, None, Some(s.c1))),
        (csa, admin2, entry(ClusterMember, None, Some(s.c1))),
        (csa, admin2, entry(ClusterSystemAdmin, None, None)),
    ];
    for (who, target, e) in cases {
        create_refused(&app, who, target, vec![e], "ROLE_EXISTS_IN_SCOPE").await;
    }
}

#[tokio::test]
async fn a_scope_that_does_not_fit_the_role_is_a_scope_mismatch() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    app.officer("ao@p.org", s.p, s.w1).await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let cases = [
        ("ao@p.org", entry(IpEditor, None, Some(s.c1))),
        ("ao@p.org", entry(IpEditor, None, None)),
        ("ao@p.org", entry(IpEditor, Some(s.w1), Some(s.c1))),
        (csa, entry(ClusterMember, Some(s.w1), None)),
        (csa, entry(ClusterMember, None, None)),
        (csa, entry(ClusterImo, Some(s.w1), Some(s.c1))),
        (csa, entry(ClusterSystemAdmin, None, Some(s.c1))),
        (csa, entry(ClusterSystemAdmin, Some(s.w1), None)),
    ];
    for (who, e) in cases {
        let errors = create_refused(&app, who, t, vec![e], "SCOPE_MISMATCH").await;
        let field = &errors[0]["field"];
        assert_eq!(
            [&field[0], &field[1], &field[2]],
            [&json!("input"), &json!("roles"), &json!("0")],
            "{field}"
        );
    }
}

#[tokio::test]
async fn a_deactivated_target_or_oneself_cannot_be_given_roles() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    app.user(
        "ao@p.org",
        Some(s.p),
        &[
            (IpAuthorizedOfficer, Some(s.w1), None),
            (IpAuthorizedOfficer, Some(s.w2), None),
        ],
    )
    .await;
    let gone = app.user("gone@p.org", Some(s.p), &[]).await;
    app.deactivate(gone).await;
    let me = app.user_id(csa).await;
    let ao = app.user_id("ao@p.org").await;
    let cases = [
        (
            csa,
            gone,
            entry(ClusterMember, None, Some(s.c1)),
            "TARGET_DEACTIVATED",
        ),
        (
            "ao@p.org",
            gone,
            entry(IpEditor, Some(s.w1), None),
            "TARGET_DEACTIVATED",
        ),
        (
            csa,
            me,
            entry(ClusterMember, None, Some(s.c1)),
            "SELF_MODIFICATION",
        ),
        (
            "ao@p.org",
            ao,
            entry(IpEditor, Some(s.w2), None),
            "SELF_MODIFICATION",
        ),
    ];
    for (who, target, e, code) in cases {
        create_refused(&app, who, target, vec![e], code).await;
    }
    let d = app
        .execute_data(csa, ASSIGNABLE, json!({"u": gid(Kind::User, me)}))
        .await;
    assert_eq!(d["assignableRoles"], json!([]));
}

#[tokio::test]
async fn an_authorized_officer_role_is_never_created_through_the_api() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    app.officer("ao@p.org", s.p, s.w1).await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    for who in ["ao@p.org", csa] {
        let officer = entry(IpAuthorizedOfficer, Some(s.w1), None);
        create_refused(&app, who, t, vec![officer], "FORBIDDEN").await;
    }
}

#[tokio::test]
async fn a_system_admin_entry_must_stand_alone_and_replaces_the_targets_cluster_roles() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    let t = app
        .user(
            "t@p.org",
            Some(s.p),
            &[
                (ClusterMember, None, Some(s.c1)),
                (IpEditor, Some(s.w1), None),
                (ClusterImo, None, Some(s.c2)),
            ],
        )
        .await;
    let entries = vec![
        entry(ClusterSystemAdmin, None, None),
        entry(ClusterViewer, None, Some(s.c3)),
    ];
    let errors = create_refused(&app, csa, t, entries, "VALIDATION").await;
    assert_eq!(errors[0]["field"][2], "0");
    let removed: Vec<i64> = idm::users::store::roles_of(&app.db, &[t])
        .await
        .expect("roles")
        .into_iter()
        .filter(|r| r.cluster_id.is_some())
        .map(|r| r.id)
        .collect();
    let out = create_roles(&app, csa, t, vec![entry(ClusterSystemAdmin, None, None)]).await;
    assert_eq!(out["errors"], json!([]));
    assert_eq!(out["user"]["roles"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        app.roles_of(t).await,
        vec![
            ("IP_EDITOR".to_owned(), Some(s.w1), None, true),
            ("CLUSTER_SYSTEM_ADMIN".to_owned(), None, None, true),
        ]
    );
    let audit = app.audit().await;
    let deleted: Vec<i64> = audit
        .iter()
        .filter(|e| e.action == "role.delete")
        .map(|e| e.target_id)
        .collect();
    assert_eq!(deleted, removed);
    assert_eq!(
        audit.iter().filter(|e| e.action == "role.create").count(),
        1
    );
    let kinds: Vec<String> = app.outbox().await.into_iter().map(|(k, _)| k).collect();
    let mut kinds_sorted = kinds.clone();
    kinds_sorted.sort();
    assert_eq!(
        kinds_sorted,
        ["role_assigned", "role_removed", "role_removed"]
    );
    // only a system admin grants it
    app.user("imo@un.org", None, &[(ClusterImo, None, Some(s.c1))])
        .await;
    let u = app.user("u@p.org", Some(s.p), &[]).await;
    let out = create_roles(
        &app,
        "imo@un.org",
        u,
        vec![entry(ClusterSystemAdmin, None, None)],
    )
    .await;
    assert_eq!(outcome(&out), "FORBIDDEN");
}

#[tokio::test]
async fn update_role_changes_a_role_within_its_family_with_audit_and_notice() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let admin = app
        .user("admin@p.org", Some(s.p), &[(IpAdmin, Some(s.w1), None)])
        .await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let role = app.role(t, IpEditor, Some(s.w1), None, true).await;
    let out = update_role(&app, "admin@p.org", role, json!({"role": "IP_VIEWER"})).await;
    assert_eq!(
        out,
        json!({"role": {"id": gid(Kind::Role, role), "role": "IP_VIEWER", "isActive": true}, "errors": []})
    );
    assert_eq!(
        stored_role(&app, role).await,
        Some(("IP_VIEWER".into(), true))
    );
    let out = update_role(&app, "admin@p.org", role, json!({"isActive": false})).await;
    assert_eq!(out["role"]["isActive"], false);
    let out = update_role(&app, "admin@p.org", role, json!({"isActive": true})).await;
    assert_eq!(outcome(&out), "ok");
    let out = update_role(&app, "admin@p.org", role, json!({"role": "IP_ADMIN"})).await;
    assert_eq!(outcome(&out), "ok");
    assert_eq!(
        stored_role(&app, role).await,
        Some(("IP_ADMIN".into(), true))
    );
    let audit = app.audit().await;
    assert_eq!(audit.len(), 4);
    assert!(audit
        .iter()
        .all(|e| e.action == "role.update" && e.actor_id == Some(admin)));
    assert_eq!(
        audit[0].before.as_ref().map(|b| b["role"].clone()),
        Some(json!("IP_EDITOR"))
    );
    assert_eq!(
        audit[0].after.as_ref().map(|a| a["role"].clone()),
        Some(json!("IP_VIEWER"))
    );
    assert_eq!(
        audit[1].after.as_ref().map(|a| a["isActive"].clone()),
        Some(json!(false))
    );
    assert_eq!(
        app.outbox().await,
        vec![("role_changed".to_owned(), "t@p.org".to_owned()); 4]
    );
}

#[tokio::test]
async fn update_role_refuses_family_changes_no_ops_and_promotion_to_officer_or_admin() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    app.officer("ao@p.org", s.p, s.w1).await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let editor = app.role(t, IpEditor, Some(s.w1), None, true).await;
    let admin = app.role(t, IpAdmin, Some(s.w2), None, true).await;
    let member = app.role(t, ClusterMember, None, Some(s.c1), true).await;
    let u = app.user("u@p.org", Some(s.p), &[]).await;
    let w1_admin = app.role(u, IpAdmin, Some(s.w1), None, true).await;
    let cases = [
        (
            "ao@p.org",
            editor,
            json!({"role": "CLUSTER_MEMBER"}),
            "SCOPE_MISMATCH",
        ),
        (csa, member, json!({"role": "IP_VIEWER"}), "SCOPE_MISMATCH"),
        (
            "ao@p.org",
            editor,
            json!({"role": "IP_EDITOR"}),
            "VALIDATION",
        ),
        ("ao@p.org", editor, json!({"isActive": true}), "VALIDATION"),
        ("ao@p.org", editor, json!({}), "VALIDATION"),
        (
            "ao@p.org",
            w1_admin,
            json!({"role": "IP_AUTHORIZED_OFFICER"}),
            "FORBIDDEN",
        ),
        (
            csa,
            member,
            json!({"role": "CLUSTER_SYSTEM_ADMIN"}),
            "FORBIDDEN",
        ),
        // the officer is not in W2
        ("ao@p.org", admin, json!({"role": "IP_EDITOR"}), "FORBIDDEN"),
        ("ao@p.org", 999_999, json!({"isActive": false}), "NOT_FOUND"),
    ];
    for (who, role, change, code) in cases {
        update_refused(&app, who, role, change, code).await;
    }
    let bad_id = json!({"input": {"id": "nope", "isActive": false}});
    app.assert_rejected(csa, UPDATE_ROLE, bad_id, &["VALIDATION"])
        .await;
}

#[tokio::test]
async fn authorized_officer_and_system_admin_rows_are_immutable_but_an_officer_toggles_a_fellow_officer(
) {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    app.officer("ao@p.org", s.p, s.w1).await;
    app.user("admin@p.org", Some(s.p), &[(IpAdmin, Some(s.w1), None)])
        .await;
    app.officer("ao2@p.org", s.p, s.w2).await;
    // an officer of W1 for partner Q, who also sees everyone as an IMO
    app.user(
        "aoq@q.org",
        Some(s.q),
        &[
            (IpAuthorizedOfficer, Some(s.w1), None),
            (ClusterImo, None, Some(s.c3)),
        ],
    )
    .await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let officer = app
        .role(t, IpAuthorizedOfficer, Some(s.w1), None, true)
        .await;
    app.role(t, ClusterViewer, None, Some(s.c1), true).await;
    let other_admin = app.system_admin("admin2@un.org").await;
    let csa_row = idm::users::store::roles_of(&app.db, &[other_admin])
        .await
        .expect("roles")[0]
        .id;
    let cases = [
        (
            "ao@p.org",
            officer,
            json!({"role": "IP_EDITOR"}),
            "IMMUTABLE_ROLE",
        ),
        (
            "ao@p.org",
            officer,
            json!({"role": "IP_ADMIN", "isActive": false}),
            "IMMUTABLE_ROLE",
        ),
        (
            "admin@p.org",
            officer,
            json!({"isActive": false}),
            "FORBIDDEN",
        ),
        (
            "ao2@p.org",
            officer,
            json!({"isActive": false}),
            "FORBIDDEN",
        ),
        (
            "aoq@q.org",
            officer,
            json!({"isActive": false}),
            "FORBIDDEN",
        ),
        (csa, officer, json!({"isActive": false}), "FORBIDDEN"),
        (csa, csa_row, json!({"isActive": false}), "IMMUTABLE_ROLE"),
        (
            csa,
            csa_row,
            json!({"role": "CLUSTER_IMO"}),
            "IMMUTABLE_ROLE",
        ),
    ];
    for (who, role, change, code) in cases {
        update_refused(&app, who, role, change, code).await;
    }
    for (who, role) in [("ao@p.org", officer), (csa, officer), (csa, csa_row)] {
        delete_refused(&app, who, role, "IMMUTABLE_ROLE").await;
    }
    let out = update_role(&app, "ao@p.org", officer, json!({"isActive": false})).await;
    assert_eq!(
        out["role"],
        json!({"id": gid(Kind::Role, officer), "role": "IP_AUTHORIZED_OFFICER", "isActive": false})
    );
    let out = update_role(&app, "ao@p.org", officer, json!({"isActive": true})).await;
    assert_eq!(outcome(&out), "ok");
    assert_eq!(
        stored_role(&app, officer).await,
        Some(("IP_AUTHORIZED_OFFICER".into(), true))
    );
    assert_eq!(app.audit_actions().await, ["role.update"; 2]);
}

#[tokio::test]
async fn cluster_role_changes_need_the_authority_of_their_family() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    app.user(
        "member@p.org",
        Some(s.p),
        &[(ClusterMember, None, Some(s.c1))],
    )
    .await;
    app.user("imo@un.org", None, &[(ClusterImo, None, Some(s.c1))])
        .await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let viewer = app.role(t, ClusterViewer, None, Some(s.c1), true).await;
    let elsewhere = app.role(t, ClusterViewer, None, Some(s.c2), true).await;
    let steps = [
        ("member@p.org", viewer, json!({"isActive": false}), "ok"),
        (
            "member@p.org",
            viewer,
            json!({"role": "CLUSTER_MEMBER", "isActive": true}),
            "ok",
        ),
        (
            "member@p.org",
            elsewhere,
            json!({"isActive": false}),
            "FORBIDDEN",
        ),
        (
            "member@p.org",
            viewer,
            json!({"role": "CLUSTER_COORDINATOR"}),
            "FORBIDDEN",
        ),
        (
            "imo@un.org",
            viewer,
            json!({"role": "CLUSTER_COORDINATOR"}),
            "ok",
        ),
        (
            "member@p.org",
            viewer,
            json!({"isActive": false}),
            "FORBIDDEN",
        ),
        (
            "imo@un.org",
            viewer,
            json!({"role": "CLUSTER_IMO"}),
            "FORBIDDEN",
        ),
        (
            "imo@un.org",
            elsewhere,
            json!({"role": "CLUSTER_MEMBER"}),
            "FORBIDDEN",
        ),
        (csa, viewer, json!({"role": "CLUSTER_IMO"}), "ok"),
        (
            "imo@un.org",
            viewer,
            json!({"isActive": false}),
            "FORBIDDEN",
        ),
        (csa, viewer, json!({"role": "CLUSTER_VIEWER"}), "ok"),
    ];
    for (who, role, change, expected) in steps {
        let out = update_role(&app, who, role, change.clone()).await;
        assert_eq!(outcome(&out), expected, "{who} {change}");
    }
    assert_eq!(
        stored_role(&app, viewer).await,
        Some(("CLUSTER_VIEWER".into(), true))
    );
    assert_eq!(
        stored_role(&app, elsewhere).await,
        Some(("CLUSTER_VIEWER".into(), true))
    );
    assert_eq!(app.audit_actions().await, ["role.update"; 5]);
}

#[tokio::test]
async fn ip_admin_rows_are_deleted_or_toggled_only_by_an_officer() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let ao = app.officer("ao@p.org", s.p, s.w1).await;
    app.user("admin@p.org", Some(s.p), &[(IpAdmin, Some(s.w1), None)])
        .await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let t_admin = app.role(t, IpAdmin, Some(s.w1), None, true).await;
    let u = app.user("u@p.org", Some(s.p), &[]).await;
    let u_editor = app.role(u, IpEditor, Some(s.w1), None, true).await;
    let out = update_role(&app, "admin@p.org", t_admin, json!({"isActive": false})).await;
    assert_eq!(outcome(&out), "FORBIDDEN");
    let out = delete_role(&app, "admin@p.org", t_admin).await;
    assert_eq!(outcome(&out), "FORBIDDEN");
    assert!(stored_role(&app, t_admin).await.is_some());
    let out = update_role(&app, "ao@p.org", t_admin, json!({"isActive": false})).await;
    assert_eq!(outcome(&out), "ok");
    let out = delete_role(&app, "admin@p.org", u_editor).await;
    assert_eq!(
        out,
        json!({"deletedRoleId": gid(Kind::Role, u_editor), "errors": []})
    );
    let out = delete_role(&app, "ao@p.org", t_admin).await;
    assert_eq!(outcome(&out), "ok");
    assert_eq!(stored_role(&app, t_admin).await, None);
    assert_eq!(stored_role(&app, u_editor).await, None);
    let audit = app.audit().await;
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["role.update", "role.delete", "role.delete"]);
    assert_eq!(audit[2].actor_id, Some(ao));
    assert_eq!(audit[2].target_id, t_admin);
    assert_eq!(
        audit[2].before.as_ref().map(|b| b["role"].clone()),
        Some(json!("IP_ADMIN"))
    );
    assert_eq!(audit[2].after, None);
    let outbox = app.outbox().await;
    assert_eq!(
        outbox,
        vec![
            ("role_changed".to_owned(), "t@p.org".to_owned()),
            ("role_removed".to_owned(), "u@p.org".to_owned()),
            ("role_removed".to_owned(), "t@p.org".to_owned()),
        ]
    );
}

/// Contract 1.1 §9.2: the review's two steps (an IP admin demotes a fellow admin to editor,
/// then deletes the row) are refused at the first; an officer may demote.
#[tokio::test]
async fn only_an_officer_demotes_an_ip_admin() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    app.officer("ao@p.org", s.p, s.w1).await;
    app.user("admin@p.org", Some(s.p), &[(IpAdmin, Some(s.w1), None)])
        .await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let t_admin = app.role(t, IpAdmin, Some(s.w1), None, true).await;
    for to in ["IP_EDITOR", "IP_VIEWER"] {
        let out = update_role(&app, "admin@p.org", t_admin, json!({"role": to})).await;
        assert_eq!(outcome(&out), "FORBIDDEN", "{to}");
    }
    assert_eq!(
        stored_role(&app, t_admin).await,
        Some(("IP_ADMIN".to_owned(), true))
    );
    let out = update_role(&app, "ao@p.org", t_admin, json!({"role": "IP_EDITOR"})).await;
    assert_eq!(outcome(&out), "ok");
    assert_eq!(
        stored_role(&app, t_admin).await,
        Some(("IP_EDITOR".to_owned(), true))
    );
    // Promoting stays open to an IP admin.
    let out = update_role(&app, "admin@p.org", t_admin, json!({"role": "IP_ADMIN"})).await;
    assert_eq!(outcome(&out), "ok");
}

#[tokio::test]
async fn a_role_change_on_oneself_or_a_deactivated_user_is_refused() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    let me = app.user_id(csa).await;
    let own = idm::users::store::roles_of(&app.db, &[me])
        .await
        .expect("roles")[0]
        .id;
    let imo = app
        .user("imo@un.org", None, &[(ClusterImo, None, Some(s.c1))])
        .await;
    let imo_row = idm::users::store::roles_of(&app.db, &[imo])
        .await
        .expect("roles")[0]
        .id;
    let gone = app.user("gone@p.org", Some(s.p), &[]).await;
    let gone_row = app.role(gone, ClusterMember, None, Some(s.c1), true).await;
    app.deactivate(gone).await;
    let off = || json!({"isActive": false});
    update_refused(&app, csa, own, off(), "SELF_MODIFICATION").await;
    delete_refused(&app, "imo@un.org", imo_row, "SELF_MODIFICATION").await;
    update_refused(&app, csa, gone_row, off(), "TARGET_DEACTIVATED").await;
    delete_refused(&app, csa, gone_row, "TARGET_DEACTIVATED").await;
}

#[tokio::test]
async fn inactive_roles_grant_nothing_and_a_member_acts_only_in_its_own_clusters() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let r = app
        .user(
            "member@p.org",
            Some(s.p),
            &[(ClusterMember, None, Some(s.c2))],
        )
        .await;
    app.role(r, ClusterImo, None, Some(s.c1), false).await;
    app.role(r, IpAuthorizedOfficer, Some(s.w1), None, false)
        .await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    app.user("other@q.org", Some(s.q), &[]).await;
    for e in [
        entry(ClusterCoordinator, None, Some(s.c1)),
        entry(ClusterViewer, None, Some(s.c1)),
        entry(ClusterViewer, None, Some(s.c3)),
        entry(IpEditor, Some(s.w1), None),
    ] {
        create_refused(&app, "member@p.org", t, vec![e], "FORBIDDEN").await;
    }
    let body = app
        .execute(
            "member@p.org",
            "{ users(portal: CLUSTER) { totalCount } }",
            json!({}),
        )
        .await;
    // a member, not an IMO: its own partner only (t@p.org)
    assert_eq!(body["data"]["users"]["totalCount"], 1, "{body}");
    let out = create_roles(
        &app,
        "member@p.org",
        t,
        vec![entry(ClusterViewer, None, Some(s.c2))],
    )
    .await;
    assert_eq!(outcome(&out), "ok");
}

/// A fresh, distinct email for a generated target.
fn fresh_email() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("target{}@p.org", N.fetch_add(1, Ordering::SeqCst))
}

type Grants = Vec<(RoleType, Option<i64>, Option<i64>)>;

/// (requester, (target's partner, target's roles), (workspace, cluster), expected roles).
type AssignableCase<'a> = (
    &'a str,
    (Option<i64>, Grants),
    (Option<i64>, Option<i64>),
    Vec<RoleType>,
);

/// For every role type: on a fresh target built as described, assignableRoles lists exactly
/// `expected`, and createRoles of that one role in that scope succeeds exactly when listed.
async fn assert_assignable_is_what_create_roles_accepts(
    app: &TestApp,
    who: &str,
    target: (Option<i64>, Grants),
    scope: (Option<i64>, Option<i64>),
    expected: &[RoleType],
) {
    let mut expected_names: Vec<&str> = expected.iter().map(|r| r.as_str()).collect();
    expected_names.sort_unstable();
    for role in RoleType::ALL {
        let t = app.user(&fresh_email(), target.0, &target.1).await;
        let d = app
            .execute_data(
                who,
                ASSIGNABLE,
                json!({
                    "u": gid(Kind::User, t),
                    "w": scope.0.map(|w| gid(Kind::Workspace, w)),
                    "c": scope.1.map(|c| gid(Kind::Cluster, c)),
                }),
            )
            .await;
        let mut listed: Vec<String> =
            serde_json::from_value(d["assignableRoles"].clone()).expect("role names");
        listed.sort();
        assert_eq!(listed, expected_names, "{who} {scope:?}");
        let out = create_roles(app, who, t, vec![entry(*role, scope.0, scope.1)]).await;
        assert_eq!(
            outcome(&out) == "ok",
            expected.contains(role),
            "{who} creating {role:?} in {scope:?}: {out}"
        );
    }
}

#[tokio::test]
async fn assignable_roles_lists_exactly_what_create_roles_accepts() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    app.user("imo@un.org", None, &[(ClusterImo, None, Some(s.c1))])
        .await;
    app.user(
        "member@p.org",
        Some(s.p),
        &[(ClusterMember, None, Some(s.c1))],
    )
    .await;
    app.officer("ao@p.org", s.p, s.w1).await;
    app.user("admin@p.org", Some(s.p), &[(IpAdmin, Some(s.w1), None)])
        .await;
    app.user(
        "aoimo@q.org",
        Some(s.q),
        &[
            (IpAuthorizedOfficer, Some(s.w1), None),
            (ClusterImo, None, Some(s.c1)),
        ],
    )
    .await;
    let lapsed = app
        .user(
            "lapsed@p.org",
            Some(s.p),
            &[(ClusterMember, None, Some(s.c2))],
        )
        .await;
    app.role(lapsed, IpAuthorizedOfficer, Some(s.w1), None, false)
        .await;
    let p = Some(s.p);
    let (w1, w2, c1, c2) = (Some(s.w1), Some(s.w2), Some(s.c1), Some(s.c2));
    let cases: Vec<AssignableCase<'_>> = vec![
        (
            csa,
            (p, vec![]),
            (None, c1),
            vec![ClusterImo, ClusterViewer, ClusterCoordinator, ClusterMember],
        ),
        (csa, (p, vec![]), (None, None), vec![ClusterSystemAdmin]),
        (csa, (p, vec![]), (w1, None), vec![]),
        (
            csa,
            (p, vec![(ClusterMember, None, c1)]),
            (None, c1),
            vec![],
        ),
        (
            "imo@un.org",
            (p, vec![]),
            (None, c1),
            vec![ClusterViewer, ClusterCoordinator, ClusterMember],
        ),
        ("imo@un.org", (p, vec![]), (None, c2), vec![]),
        ("imo@un.org", (p, vec![]), (None, None), vec![]),
        (
            "member@p.org",
            (p, vec![]),
            (None, c1),
            vec![ClusterViewer, ClusterMember],
        ),
        (
            "member@p.org",
            (p, vec![(ClusterMember, None, c2)]),
            (None, c1),
            vec![ClusterViewer, ClusterMember],
        ),
        ("member@p.org", (p, vec![]), (None, c2), vec![]),
        (
            "ao@p.org",
            (p, vec![]),
            (w1, None),
            vec![IpEditor, IpViewer, IpAdmin],
        ),
        ("ao@p.org", (p, vec![]), (w2, None), vec![]),
        (
            "ao@p.org",
            (p, vec![(IpViewer, w1, None)]),
            (w1, None),
            vec![],
        ),
        (
            "admin@p.org",
            (p, vec![]),
            (w1, None),
            vec![IpEditor, IpViewer, IpAdmin],
        ),
        ("aoimo@q.org", (p, vec![]), (w1, None), vec![]),
        (
            "aoimo@q.org",
            (p, vec![]),
            (None, c1),
            vec![ClusterViewer, ClusterCoordinator, ClusterMember],
        ),
        ("lapsed@p.org", (p, vec![]), (w1, None), vec![]),
        (
            "lapsed@p.org",
            (p, vec![]),
            (None, c2),
            vec![ClusterViewer, ClusterMember],
        ),
    ];
    for (who, target, scope, expected) in cases {
        assert_assignable_is_what_create_roles_accepts(&app, who, target, scope, &expected).await;
    }
}

#[tokio::test]
async fn malformed_or_unknown_ids_in_role_operations_are_refused_without_writing() {
    let (app, csa) = app_with_admin().await;
    let s = scene(&app).await;
    app.officer("ao@p.org", s.p, s.w1).await;
    let t = app.user("t@p.org", Some(s.p), &[]).await;
    let hidden = app
        .user("hidden@q.org", Some(s.q), &[(IpEditor, Some(s.w1), None)])
        .await;
    let hidden_role = idm::users::store::roles_of(&app.db, &[hidden])
        .await
        .expect("roles")[0]
        .id;
    for user_id in ["nope".to_owned(), gid(Kind::Partner, s.p)] {
        let vars = json!({"input": {"userId": user_id, "roles": [entry(ClusterMember, None, Some(s.c1))]}});
        app.assert_rejected_at(csa, CREATE_ROLES, vars, "VALIDATION", &["input", "userId"])
            .await;
    }
    let mistyped = [json!({"role": "CLUSTER_MEMBER", "clusterId": gid(Kind::Workspace, s.w1)})];
    app.assert_rejected_at(
        csa,
        CREATE_ROLES,
        create_vars(t, mistyped.to_vec()),
        "VALIDATION",
        &["input", "roles", "0", "clusterId"],
    )
    .await;
    let missing = entry(ClusterMember, None, Some(999));
    create_refused(&app, csa, t, vec![missing], "NOT_FOUND").await;
    create_refused(&app, csa, t, vec![], "VALIDATION").await;
    // a user the requester cannot see is not found, whatever it holds
    let viewer = entry(IpViewer, Some(s.w1), None);
    create_refused(&app, "ao@p.org", hidden, vec![viewer], "NOT_FOUND").await;
    delete_refused(&app, "ao@p.org", hidden_role, "NOT_FOUND").await;
    let body = app.execute(csa, ASSIGNABLE, json!({"u": "nope"})).await;
    assert_eq!(
        crate::fixtures::query_error(&body),
        "BAD_USER_INPUT",
        "{body}"
    );
    let body = app
        .execute(
            csa,
            ASSIGNABLE,
            json!({"u": gid(Kind::User, t), "c": gid(Kind::Workspace, s.w1)}),
        )
        .await;
    assert_eq!(
        crate::fixtures::query_error(&body),
        "BAD_USER_INPUT",
        "{body}"
    );
    // node(id) of a role follows the visibility of its holder
    let node = "query($id: ID!) { node(id: $id) { ... on PRPRole { role } } }";
    let d = app
        .execute_data(
            "ao@p.org",
            node,
            json!({"id": gid(Kind::Role, hidden_role)}),
        )
        .await;
    assert_eq!(d["node"], Value::Null);
    let d = app
        .execute_data(csa, node, json!({"id": gid(Kind::Role, hidden_role)}))
        .await;
    assert_eq!(d["node"], json!({"role": "IP_EDITOR"}));
}

#[tokio::test]
async fn stored_kinds_this_version_does_not_know_are_internal_errors_not_other_kinds() {
    // Role names are held by the database's CHECK constraint; cluster, plan and partner kinds
    // are refused when their row is read (SeaORM's active enums), as a newer version (or a
    // hand-made row) might leave them: the answer names no kind, neither stored nor another.
    let (app, admin) = app_with_admin().await;
    let w = app.workspace("SY").await;
    app.cluster(w, ClusterType::Health).await;
    app.partner("Alpha").await;
    use sea_orm::ConnectionTrait;
    for sql in [
        "UPDATE cluster SET cluster_type = 'SPACE_AOR'",
        "UPDATE response_plan SET plan_type = 'FLASH'",
        "UPDATE partner SET partner_type = 'PRIVATE_SECTOR'",
    ] {
        app.db.execute_unprepared(sql).await.expect("update");
    }
    for (query, shown) in [
        (
            "{ workspaces { responsePlans { clusters { type } } } }",
            "HEALTH",
        ),
        ("{ workspaces { responsePlans { planType } } }", "OTHER"),
        ("{ partners { nodes { partnerType } } }", "GOVERNMENT"),
        (
            "{ partners { nodes { partnerTypeDisplay } } }",
            "Government",
        ),
        (
            "{ workspaces { responsePlans { clusters { title } } } }",
            "Health",
        ),
    ] {
        let body = app.execute(admin, query, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INTERNAL",
            "{query}: {body}"
        );
        assert!(!body.to_string().contains(shown), "{query}: {body}");
        assert!(!body.to_string().contains("SPACE_AOR"), "{query}: {body}");
    }
}
