//! Remembered sign-ins: after a token's first request an instance may start from what that
//! sign-in read, but every answer must be the one a fresh sign-in would give, whatever
//! changed in the database meanwhile (here, or through another instance).

use idm::domain::{ClusterType, RoleType};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::helpers::{app_with_admin, fresh_database, gid, TestApp};

const LIST: &str = "{ users(portal: CLUSTER, first: 50) { nodes { email } } }";

/// The emails a users page shows with `token`, or the error code it answers.
async fn listed(app: &TestApp, token: &str) -> Result<Vec<String>, String> {
    let (status, body) = app.post(Some(token), LIST, json!({})).await;
    if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
        return Err(format!("{status} {code}"));
    }
    assert_eq!(status, 200, "{body}");
    let mut emails: Vec<String> = body["data"]["users"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["email"].as_str().expect("email").to_owned())
        .collect();
    emails.sort();
    Ok(emails)
}

async fn sql(app: &TestApp, statement: &str) {
    app.db
        .execute_unprepared(statement)
        .await
        .expect("statement");
}

/// A member sees its partner's users; then its partner, its role's activity and its roles
/// change behind the service's back. Every answer on the one token equals a fresh token's.
#[tokio::test]
async fn a_page_on_a_remembered_sign_in_follows_every_change_of_the_requesters_authority() {
    let app = TestApp::spawn().await;
    let (ws, cluster) = app.health_cluster("W").await;
    let (p1, p2) = (app.partner("One").await, app.partner("Two").await);
    let me = app
        .user(
            "m@example.org",
            Some(p1),
            &[
                (RoleType::ClusterMember, None, Some(cluster)),
                (RoleType::IpViewer, Some(ws), None),
            ],
        )
        .await;
    app.user("a1@example.org", Some(p1), &[]).await;
    app.user("a2@example.org", Some(p1), &[]).await;
    app.user("b1@example.org", Some(p2), &[]).await;
    let token = app.token("m@example.org");
    let fresh = |app: &TestApp| app.fresh_token("m@example.org");
    let one = Ok(vec![
        "a1@example.org".to_owned(),
        "a2@example.org".to_owned(),
    ]);
    assert_eq!(listed(&app, &token).await, one);
    // Confirmed in the page statement, without signing in again: one statement.
    let mark = app.statement_mark();
    assert_eq!(listed(&app, &token).await, one);
    assert_eq!(app.statements_since(mark).len(), 1);

    sql(
        &app,
        &format!("UPDATE app_user SET partner_id = {p2} WHERE id = {me}"),
    )
    .await;
    let two = Ok(vec!["b1@example.org".to_owned()]);
    assert_eq!(listed(&app, &token).await, two);
    assert_eq!(listed(&app, &fresh(&app)).await, two);

    sql(
        &app,
        &format!(
            "UPDATE prp_role SET is_active = FALSE WHERE user_id = {me} AND cluster_id IS NOT NULL"
        ),
    )
    .await;
    let forbidden = Err("200 FORBIDDEN".to_owned());
    assert_eq!(listed(&app, &token).await, forbidden);
    assert_eq!(listed(&app, &fresh(&app)).await, forbidden);

    sql(
        &app,
        &format!("UPDATE prp_role SET is_active = TRUE WHERE user_id = {me}"),
    )
    .await;
    assert_eq!(listed(&app, &token).await, two);
    let other = app.cluster(ws, ClusterType::Wash).await;
    app.role(me, RoleType::ClusterImo, None, Some(other), true)
        .await;
    let everyone = Ok(vec![
        "a1@example.org".to_owned(),
        "a2@example.org".to_owned(),
        "b1@example.org".to_owned(),
    ]);
    assert_eq!(listed(&app, &token).await, everyone);
    sql(
        &app,
        &format!("DELETE FROM prp_role WHERE user_id = {me} AND role = 'CLUSTER_IMO'"),
    )
    .await;
    assert_eq!(listed(&app, &token).await, two);
}

/// A requester deactivated, removed or given another email after its sign-in was remembered
/// is refused as a fresh sign-in would be: 401 UNAUTHENTICATED, no data, whatever it asks
/// (a page, `me`, a malformed query).
#[tokio::test]
async fn a_remembered_sign_in_of_a_user_since_deactivated_renamed_or_deleted_is_401() {
    let app = TestApp::spawn().await;
    let changes = [
        "UPDATE app_user SET is_active = FALSE WHERE email = '{}'",
        "UPDATE app_user SET email = 'other-{}' WHERE email = '{}'",
        "DELETE FROM app_user WHERE email = '{}'",
    ];
    let probes = [
        LIST,
        "{ me { email } }",
        "{ users(portal: CLUSTER { nodes { id } } }",
    ];
    for (i, change) in changes.iter().enumerate() {
        for (j, probe) in probes.iter().enumerate() {
            let email = format!("x{i}{j}@example.org");
            app.system_admin(&email).await;
            let token = app.token(&email);
            assert!(listed(&app, &token).await.is_ok());
            sql(&app, &change.replace("{}", &email)).await;
            let (status, body) = app.post(Some(&token), probe, json!({})).await;
            assert_eq!(status, 401, "{change}: {probe}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                "{body}"
            );
            assert!(body.get("data").is_none(), "{body}");
        }
    }
}

/// A page with no rows carries no authority to confirm: one statement after it reads the
/// authority (no sign-in, no second run of the page), and a changed authority still gets the
/// answer a fresh sign-in gets.
#[tokio::test]
async fn an_empty_page_on_a_remembered_sign_in_is_confirmed_without_signing_in_again() {
    let (app, admin) = app_with_admin().await;
    let token = app.token(admin);
    let search = "{ users(portal: CLUSTER, first: 20, filter: {nameEmail: \"nobody\"}) \
                  { totalCount nodes { email } } }";
    let empty = json!({"users": {"totalCount": 0, "nodes": []}});
    assert_eq!(app.data(admin, search, json!({})).await, empty);
    for query in [LIST, search] {
        let mark = app.statement_mark();
        let (status, body) = app.post(Some(&token), query, json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["users"]["nodes"], json!([]), "{body}");
        let statements = app.statements_since(mark);
        assert_eq!(statements.len(), 2, "{query}: {statements:#?}");
        assert!(
            !statements.iter().any(|s| s.contains("\"u\".\"email\" =")),
            "signed in again: {statements:#?}"
        );
    }

    sql(
        &app,
        &format!(
            "UPDATE prp_role SET is_active = FALSE \
             WHERE user_id = (SELECT id FROM app_user WHERE email = '{admin}')"
        ),
    )
    .await;
    let forbidden = Err("200 FORBIDDEN".to_owned());
    assert_eq!(listed(&app, &app.fresh_token(admin)).await, forbidden);
    assert_eq!(listed(&app, &token).await, forbidden);
}

/// Operations that do not confirm the requester themselves sign in every time: `me` shows
/// the row as it stands, not as the remembered sign-in read it.
#[tokio::test]
async fn me_on_a_remembered_token_shows_the_user_as_it_stands() {
    let (app, admin) = app_with_admin().await;
    let token = app.token(admin);
    assert!(listed(&app, &token).await.is_ok());
    sql(
        &app,
        &format!("UPDATE app_user SET first_name = 'Renamed' WHERE email = '{admin}'"),
    )
    .await;
    let (status, body) = app
        .post(
            Some(&token),
            "{ me { firstName } users(portal: CLUSTER) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["firstName"], "Renamed", "{body}");
}

/// Two instances on one database: `here` serves an IMO of one cluster (its token remembered
/// by a first page) and a user without roles; `there` serves a system admin.
struct TwoInstances {
    here: TestApp,
    there: TestApp,
    _dir: Option<tempfile::TempDir>,
    cluster: i64,
    admin: i64,
    imo_role: i64,
    target: i64,
    token: String,
}

impl TwoInstances {
    async fn start() -> Self {
        let (url, _dir) = fresh_database().await;
        let here = TestApp::spawn_on(&url, |_| {}).await;
        let there = TestApp::spawn_on(&url, |_| {}).await;
        let ws = here.workspace("W").await;
        let cluster = here.cluster(ws, ClusterType::Health).await;
        let admin = here.user("imo@example.org", None, &[]).await;
        let imo_role = here
            .role(admin, RoleType::ClusterImo, None, Some(cluster), true)
            .await;
        here.system_admin("csa@example.org").await;
        let target = here.user("t@example.org", None, &[]).await;
        let token = here.token("imo@example.org");
        assert!(listed(&here, &token).await.is_ok());
        Self {
            here,
            there,
            _dir,
            cluster,
            admin,
            imo_role,
            target,
            token,
        }
    }

    /// The system admin removes the IMO's role through the other instance.
    async fn withdraw_the_imo_role(&self) {
        let (status, body) = self
            .there
            .post(
                Some(&self.there.token("csa@example.org")),
                DELETE,
                json!({"i": {"id": gid(idm::ids::Kind::Role, self.imo_role)}}),
            )
            .await;
        assert_eq!(
            (status, &body["data"]["deleteRole"]["errors"]),
            (200, &json!([])),
            "{body}"
        );
    }
}

const DELETE: &str =
    "mutation($i: DeleteRoleInput!) { deleteRole(input: $i) { deletedRoleId errors { code } } }";
const TOGGLE: &str = "mutation($i: UpdateRoleInput!) { updateRole(input: $i) { role { id isActive } errors { code } } }";

async fn toggle(app: &TestApp, token: &str, role: i64) -> (u16, Value) {
    app.post(
        Some(token),
        TOGGLE,
        json!({"i": {"id": gid(idm::ids::Kind::Role, role), "isActive": false}}),
    )
    .await
}

/// updateRole on a remembered sign-in decides with the requester's authority inside its
/// transaction: withdrawn meanwhile, the target is out of its sight (NOT_FOUND, nothing
/// written); restored, it succeeds with the requester as the audit's actor; deactivated,
/// 401. Two instances share the database: the authority is withdrawn through the other one.
#[tokio::test]
async fn update_role_on_a_remembered_sign_in_uses_the_authority_as_it_stands() {
    let two = TwoInstances::start().await;
    let (here, cluster, admin, target, token) =
        (&two.here, two.cluster, two.admin, two.target, &two.token);
    let role = here
        .role(target, RoleType::ClusterMember, None, Some(cluster), true)
        .await;
    two.withdraw_the_imo_role().await;
    let audited = here.audit().await.len();
    let (status, body) = toggle(here, token, role).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["updateRole"]["errors"][0]["code"], "NOT_FOUND",
        "{body}"
    );
    assert!(here.roles_of(target).await[0].3, "the role is still active");
    assert_eq!(here.audit().await.len(), audited);

    here.role(admin, RoleType::ClusterImo, None, Some(cluster), true)
        .await;
    let (status, body) = toggle(here, token, role).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["updateRole"]["errors"], json!([]), "{body}");
    assert!(!here.roles_of(target).await[0].3, "the role is inactive");
    let last = here.audit().await.pop().expect("audit");
    assert_eq!(last.actor_id, Some(admin));

    here.deactivate(admin).await;
    let (status, body) = toggle(here, token, role).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

const CREATE: &str =
    "mutation($i: CreateRolesInput!) { createRoles(input: $i) { roles { id } errors { code } } }";

/// createRoles and deleteRole on a remembered sign-in decide with the requester's authority
/// inside their transaction, as updateRole: withdrawn meanwhile (through another instance),
/// nothing is written; restored, both succeed with the requester as the audit's actor and
/// without a sign-in statement; deactivated, 401.
#[tokio::test]
async fn create_and_delete_roles_on_a_remembered_sign_in_use_the_authority_as_it_stands() {
    let two = TwoInstances::start().await;
    let (here, cluster, admin, target, token) =
        (&two.here, two.cluster, two.admin, two.target, &two.token);
    let create = json!({"i": {"userId": gid(idm::ids::Kind::User, target),
                              "roles": [{"role": "CLUSTER_MEMBER", "clusterId": gid(idm::ids::Kind::Cluster, cluster)}]}});

    two.withdraw_the_imo_role().await;
    let (status, body) = here.post(Some(token), CREATE, create.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["createRoles"]["errors"][0]["code"], "NOT_FOUND",
        "{body}"
    );
    assert!(here.roles_of(target).await.is_empty());

    here.role(admin, RoleType::ClusterImo, None, Some(cluster), true)
        .await;
    let mark = here.statement_mark();
    let (status, body) = here.post(Some(token), CREATE, create.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["createRoles"]["errors"], json!([]), "{body}");
    let signed_in = here
        .statements_since(mark)
        .iter()
        .any(|s| s.contains("WHERE \"u\".\"email\""));
    assert!(!signed_in, "the remembered sign-in was read again");
    let role = body["data"]["createRoles"]["roles"][0]["id"].clone();
    assert_eq!(here.roles_of(target).await.len(), 1);
    let (status, body) = here
        .post(Some(token), DELETE, json!({"i": {"id": role}}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["deleteRole"]["errors"], json!([]), "{body}");
    assert!(here.roles_of(target).await.is_empty());
    let actors: Vec<Option<i64>> = here
        .audit()
        .await
        .iter()
        .rev()
        .take(2)
        .map(|e| e.actor_id)
        .collect();
    assert_eq!(actors, vec![Some(admin), Some(admin)]);

    here.deactivate(admin).await;
    let (status, body) = here.post(Some(token), CREATE, create).await;
    assert_eq!(status, 401, "{body}");
    assert!(here.roles_of(target).await.is_empty());
}

/// A remembered token is not verified again, but it still expires: past its `exp` (and the
/// 5 s leeway of every verification) it is refused like any expired token.
#[tokio::test]
async fn a_remembered_token_expires() {
    let (app, admin) = app_with_admin().await;
    app.user("other@example.org", None, &[]).await;
    let token = app.state.keys.issue(admin, 1).expect("token");
    let other = Ok(vec!["other@example.org".to_owned()]);
    assert_eq!(listed(&app, &token).await, other);
    assert_eq!(listed(&app, &token).await, other);
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    assert_eq!(
        listed(&app, &token).await,
        Err("401 UNAUTHENTICATED".to_owned())
    );
}

/// Remembering can be turned off (IDM_SIGN_IN_TTL_SECS=0 or IDM_SIGN_IN_CAPACITY=0): then
/// every request signs in, as the token's first one does; by default the second page of a
/// token skips the sign-in statement.
#[tokio::test]
async fn with_remembering_off_every_request_signs_in() {
    let statements = |adjust: fn(&mut idm::config::Config)| async move {
        let app = TestApp::spawn_with(adjust).await;
        app.system_admin("csa@example.org").await;
        // Someone to list: the requester's authority comes with the page's rows.
        app.user("other@example.org", None, &[]).await;
        let token = app.token("csa@example.org");
        let mut counts = Vec::new();
        for _ in 0..3 {
            let mark = app.statement_mark();
            let emails = listed(&app, &token).await.expect("a page");
            assert!(
                emails.contains(&"other@example.org".to_owned()),
                "{emails:?}"
            );
            let signed_in = app
                .statements_since(mark)
                .iter()
                .filter(|s| s.contains("\"u\".\"email\" ="))
                .count();
            counts.push(signed_in);
        }
        counts
    };
    assert_eq!(statements(|_| {}).await, vec![1, 0, 0]);
    assert_eq!(
        statements(|c| c.sign_in_ttl = std::time::Duration::ZERO).await,
        vec![1, 1, 1]
    );
    assert_eq!(statements(|c| c.sign_in_capacity = 0).await, vec![1, 1, 1]);
}

/// The authority text a sign-in computes in Rust and the one statements compute in SQL to
/// confirm a remembered sign-in must agree for every kind of user, on both databases, and
/// must change with everything authority depends on.
#[tokio::test]
async fn the_rust_and_sql_authority_texts_agree_and_follow_every_change() {
    use idm::auth::remembered;
    use idm::entity::{prp_role, user};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

    let app = TestApp::spawn().await;
    let ws = app.workspace("W1").await;
    let ws2 = app.workspace("W2").await;
    let c = app.cluster(ws, ClusterType::Health).await;
    let p = app.partner("P").await;
    let plain = app.user("plain@p.org", Some(p), &[]).await;
    let many = app
        .user(
            "many@p.org",
            Some(p),
            &[
                (RoleType::IpAuthorizedOfficer, Some(ws), None),
                (RoleType::IpViewer, Some(ws2), None),
                (RoleType::ClusterMember, None, Some(c)),
            ],
        )
        .await;
    let admin = app.system_admin("csa@un.org").await;
    app.role(admin, RoleType::ClusterImo, None, Some(c), false)
        .await;
    let text = |id: i64| {
        let db = app.db.clone();
        async move {
            let u = user::Entity::find_by_id(id)
                .one(&db)
                .await
                .expect("user")
                .expect("exists");
            let roles = prp_role::Entity::find()
                .filter(prp_role::Column::UserId.eq(id))
                .all(&db)
                .await
                .expect("roles");
            let sql = remembered::authority_now(&db, id)
                .await
                .expect("sql")
                .expect("row");
            assert_eq!(remembered::authority_text(&u, &roles), sql, "user {id}");
            sql
        }
    };
    for id in [plain, many, admin] {
        text(id).await;
    }
    assert_eq!(
        remembered::authority_now(&app.db, 999_999)
            .await
            .expect("sql"),
        None
    );

    // Each change authority depends on gives another text, and the two still agree.
    let other = app.workspace("W3").await;
    let mut seen = vec![text(many).await];
    let role = prp_role::Entity::find()
        .filter(prp_role::Column::UserId.eq(many))
        .one(&app.db)
        .await
        .expect("role")
        .expect("a role");
    type Change = Box<dyn Fn(&mut user::ActiveModel, &mut prp_role::ActiveModel)>;
    let changes: Vec<Change> = vec![
        Box::new(|u, _| u.email = Set("many2@p.org".into())),
        Box::new(|u, _| u.is_active = Set(false)),
        Box::new(|u, _| u.partner_id = Set(None)),
        Box::new(|_, r| r.is_active = Set(false)),
        Box::new(|_, r| r.role = Set(RoleType::IpAdmin)),
        Box::new(move |_, r| r.workspace_id = Set(Some(other))),
    ];
    for change in changes {
        let mut u: user::ActiveModel = user::Entity::find_by_id(many)
            .one(&app.db)
            .await
            .expect("user")
            .expect("exists")
            .into();
        let mut r: prp_role::ActiveModel = prp_role::Entity::find_by_id(role.id)
            .one(&app.db)
            .await
            .expect("role")
            .expect("exists")
            .into();
        change(&mut u, &mut r);
        u.update(&app.db).await.expect("update user");
        r.update(&app.db).await.expect("update role");
        let now = text(many).await;
        assert!(!seen.contains(&now), "{now} did not change");
        seen.push(now);
    }
    // A name is not authority.
    let mut u: user::ActiveModel = user::Entity::find_by_id(many)
        .one(&app.db)
        .await
        .expect("user")
        .expect("exists")
        .into();
    u.first_name = Set("Renamed".into());
    u.update(&app.db).await.expect("update");
    assert_eq!(text(many).await, seen[seen.len() - 1]);
}
