//! `idm import-prp` end to end: a generated old-portal world in PostgreSQL migrated into idm
//! (SQLite or PostgreSQL, as the suite runs), read back through the API and the rows; a
//! second run changes nothing; a changed old database is applied exactly; a refused run
//! leaves idm untouched.

use std::collections::{BTreeSet, HashMap};

use idm::prp::report::{Applied, Outcome, Report};
use idm::prp::source::World;
use sea_orm::{ConnectionTrait, Database, EntityTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::prp_map::{load_world, PrpWorld};

const USER: &str = "account_user";
const ROLE: &str = "core_prprole";

/// The old rows (table, id) the report names with an anomaly, the kept-as-they-are ones too
/// or not.
fn rows_changed(report: &Report, kept_too: bool) -> BTreeSet<(&'static str, i64)> {
    report
        .anomalies
        .iter()
        .filter(|a| kept_too || a.outcome != Outcome::Kept)
        .flat_map(|a| a.ids.iter().map(|&id| (a.table, id)))
        .collect()
}

/// A role as compared: type, workspace, cluster (idm ids), active.
type RoleAt = (String, Option<i64>, Option<i64>, bool);

/// Runs the migration from `world` into `app`'s database.
async fn migrate(app: &TestApp, world: &PrpWorld, resolve: Option<Value>, dry_run: bool) -> Report {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let resolve = resolve.map(|r| {
        std::fs::write(file.path(), r.to_string()).expect("write resolution");
        file.path().to_owned()
    });
    let options = idm::prp::Options {
        from: world.url.clone(),
        dry_run,
        resolve,
        quiet: true,
    };
    idm::prp::run(&app.db, &options)
        .await
        .expect("import-prp runs")
}

/// Runs statements against the old database (one transaction when `sql` says so).
async fn old_exec(world: &PrpWorld, sql: &str) {
    let db = Database::connect(&world.url).await.expect("old database");
    db.execute_unprepared(sql).await.expect(sql);
    db.close().await.ok();
}

/// Runs a query against the old database.
async fn old_sql(world: &PrpWorld, sql: &str) -> Vec<sea_orm::QueryResult> {
    let db = Database::connect(&world.url).await.expect("old database");
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect(sql);
    db.close().await.ok();
    rows
}

/// The operator's one decision a generated world needs: the CLUSTER_ADMIN row dropped (R13).
async fn drop_cluster_admin(world: &PrpWorld) -> (i64, Value) {
    let rows = old_sql(
        world,
        "SELECT id FROM core_prprole WHERE role = 'CLUSTER_ADMIN'",
    )
    .await;
    let id = i64::from(rows[0].try_get::<i32>("", "id").expect("id"));
    (id, json!({"roles": {id.to_string(): "drop"}}))
}

fn applied<'a>(report: &'a Report, entity: &str) -> &'a Applied {
    report
        .applied
        .iter()
        .find(|a| a.entity == entity)
        .unwrap_or_else(|| panic!("no {entity} in {:?}", report.applied))
}

/// (created, updated, unchanged, deactivated, deleted, conflicts) of an entity.
fn tally(report: &Report, entity: &str) -> [usize; 6] {
    let a = applied(report, entity);
    [
        a.created,
        a.updated,
        a.unchanged,
        a.deactivated,
        a.deleted,
        a.conflicts,
    ]
}

/// idm id by old id, per entity, from the legacy-id table.
async fn legacy(app: &TestApp) -> HashMap<(String, i64), i64> {
    idm::entity::legacy_id::Entity::find()
        .all(&app.db)
        .await
        .expect("legacy ids")
        .into_iter()
        .map(|l| ((l.entity, l.old_id), l.idm_id))
        .collect()
}

async fn total(app: &TestApp, csa: &str, filter: Value) -> i64 {
    app.execute_data(
        csa,
        "query($f: UserFilter) { users(portal: CLUSTER, filter: $f) { totalCount } }",
        json!({"f": filter}),
    )
    .await["users"]["totalCount"]
        .as_i64()
        .expect("totalCount")
}

/// An active system admin of the old world who signed in before, with a plain email.
fn a_system_admin(world: &World) -> String {
    let admins: BTreeSet<i64> = world
        .roles
        .iter()
        .filter(|r| r.role == "CLUSTER_SYSTEM_ADMIN" && r.is_active)
        .map(|r| r.user_id)
        .collect();
    world
        .users
        .iter()
        .find(|u| admins.contains(&u.id) && u.is_active && u.email == u.email.trim().to_lowercase())
        .map(|u| u.email.clone())
        .expect("an active system admin")
}

#[tokio::test]
async fn a_generated_world_migrates_completely_and_each_kept_user_reads_as_in_the_old_portal() {
    let world = load_world(1, 2000).await;
    let old = idm::prp::source::read(&world.url, |_, _| {})
        .await
        .expect("read");
    let app = TestApp::spawn().await;
    let before = app.counts().await;

    // Without the operator's decision the run is refused on that one row, and writes nothing.
    let refused = migrate(&app, &world, None, false).await;
    let (admin_row, decision) = drop_cluster_admin(&world).await;
    assert!(!refused.complete());
    let blocking: Vec<_> = refused
        .anomalies
        .iter()
        .filter(|a| a.outcome == Outcome::Refused)
        .map(|a| (a.case, a.ids.clone()))
        .collect();
    assert_eq!(blocking, [("R13", vec![admin_row])]);
    assert_eq!(app.counts().await, before);

    // A dry run reports what the real run does, and writes nothing either.
    let dry = migrate(&app, &world, Some(decision.clone()), true).await;
    assert!(dry.complete(), "{}", dry.summary());
    assert_eq!(app.counts().await, before);
    let real = migrate(&app, &world, Some(decision), false).await;
    assert!(real.complete(), "{}", real.summary());
    assert_eq!(dry.applied, real.applied);
    assert_eq!(dry.anomalies, real.anomalies);
    for (entity, created) in [
        ("workspace", 50),
        ("response_plan", 62),
        ("cluster", 435),
        ("partner", 100),
        ("user", 1996),
        ("role", 2448),
    ] {
        assert_eq!(tally(&real, entity), [created, 0, 0, 0, 0, 0], "{entity}");
    }

    // Statuses as a system admin sees them (README of the old-portal data, seed 1); the list
    // leaves out the requester itself, an active user who signed in before.
    let csa = a_system_admin(&old);
    let me = app.execute_data(&csa, "{ me { status } }", json!({})).await;
    assert_eq!(me["me"]["status"], "ACTIVE");
    for (status, n) in [
        ("ACTIVE", 1270 - 1),
        ("INVITED", 502),
        ("INCOMPLETE", 164),
        ("DEACTIVATED", 60),
    ] {
        assert_eq!(
            total(&app, &csa, json!({"statuses": [status]})).await,
            n,
            "{status}"
        );
    }

    // Every kept user untouched by an anomaly reads exactly as its old row: names, activity,
    // last sign-in, creation time, partner and roles.
    let ids = legacy(&app).await;
    // (An anomaly kept as it is, such as an inactive role row, changes nothing.)
    let touched = rows_changed(&real, false);
    let users: HashMap<i64, idm::entity::user::Model> = idm::entity::user::Entity::find()
        .all(&app.db)
        .await
        .expect("users")
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut idm_roles: HashMap<i64, BTreeSet<RoleAt>> = HashMap::new();
    for r in idm::entity::prp_role::Entity::find()
        .all(&app.db)
        .await
        .expect("roles")
    {
        idm_roles.entry(r.user_id).or_default().insert((
            r.role.as_str().to_owned(),
            r.workspace_id,
            r.cluster_id,
            r.is_active,
        ));
    }
    let mut old_roles: HashMap<i64, Vec<&idm::prp::source::Role>> = HashMap::new();
    for r in &old.roles {
        old_roles.entry(r.user_id).or_default().push(r);
    }
    let idm_of = |entity: &str, old: Option<i64>| old.map(|o| ids[&(entity.to_owned(), o)]);
    let mut compared = 0;
    for u in &old.users {
        let roles = old_roles.remove(&u.id).unwrap_or_default();
        if touched.contains(&(USER, u.id)) || roles.iter().any(|r| touched.contains(&(ROLE, r.id)))
        {
            continue;
        }
        let Some(&id) = ids.get(&("user".to_owned(), u.id)) else {
            panic!(
                "old user {} was not carried over and no anomaly says why",
                u.id
            );
        };
        let m = &users[&id];
        assert_eq!(
            (
                &m.email,
                &m.first_name,
                &m.last_name,
                m.is_active,
                m.last_login,
                m.created_at,
                m.partner_id
            ),
            (
                &u.email,
                &u.first_name,
                &u.last_name,
                u.is_active,
                u.last_login,
                u.date_joined,
                idm_of("partner", u.partner_id)
            ),
            "old user {}",
            u.id
        );
        assert_eq!(
            m.position,
            u.position.clone().filter(|p| !p.is_empty()),
            "old user {}",
            u.id
        );
        let expected: BTreeSet<_> = roles
            .iter()
            .map(|r| {
                (
                    r.role.clone(),
                    idm_of("workspace", r.workspace_id),
                    idm_of("cluster", r.cluster_id),
                    r.is_active,
                )
            })
            .collect();
        assert_eq!(
            idm_roles.remove(&id).unwrap_or_default(),
            expected,
            "roles of old user {}",
            u.id
        );
        compared += 1;
    }
    eprintln!("{compared} users compared row by row");
    // At seed 1 the rest are named by a normalising anomaly (R2 alone: 80 role rows).
    assert!(compared >= 1946, "only {compared} users compared");
}

#[tokio::test]
async fn a_second_run_changes_nothing_and_a_changed_old_database_is_applied_exactly() {
    let world = load_world(2, 400).await;
    let app = TestApp::spawn().await;
    let (_, decision) = drop_cluster_admin(&world).await;
    let first = migrate(&app, &world, Some(decision.clone()), false).await;
    assert!(first.complete(), "{}", first.summary());
    let after_first = app.counts().await;

    let second = migrate(&app, &world, Some(decision.clone()), false).await;
    assert!(second.complete(), "{}", second.summary());
    for a in &second.applied {
        assert_eq!(
            [a.created, a.updated, a.deactivated, a.deleted, a.conflicts],
            [0; 5],
            "{a:?}"
        );
    }
    assert_eq!(app.counts().await, after_first);

    // Plain old users (active, lower-case email, two names, a partner, one active IP role).
    let old = idm::prp::source::read(&world.url, |_, _| {})
        .await
        .expect("read");
    let touched = rows_changed(&first, true);
    let mut roles_of: HashMap<i64, Vec<&idm::prp::source::Role>> = HashMap::new();
    for r in &old.roles {
        roles_of.entry(r.user_id).or_default().push(r);
    }
    let plain: Vec<&idm::prp::source::User> = old
        .users
        .iter()
        .filter(|u| {
            let roles = roles_of.get(&u.id).map(Vec::as_slice).unwrap_or(&[]);
            !touched.contains(&(USER, u.id))
                && u.is_active
                && u.partner_id.is_some()
                && roles.len() == 1
                && roles[0].is_active
                && roles[0].role == "IP_VIEWER"
                && !touched.contains(&(ROLE, roles[0].id))
        })
        .collect();
    assert!(plain.len() >= 5, "{} plain users", plain.len());
    let (renamed, gone, lost_role, toggled, both) =
        (plain[0], plain[1], plain[2], plain[3], plain[4]);
    let role_of = |u: &idm::prp::source::User| roles_of[&u.id][0].id;
    let ids = legacy(&app).await;
    let idm_user = |u: &idm::prp::source::User| ids[&("user".to_owned(), u.id)];

    // Meanwhile in idm: a system admin renames one of them.
    let csa = a_system_admin(&old);
    let both_id = crate::helpers::gid(idm::ids::Kind::User, idm_user(both));
    let d = app
        .execute_data(&csa, "mutation($id: ID!) { updateUser(input: {id: $id, lastName: \"Idm\"}) { errors { code } } }", json!({"id": both_id}))
        .await;
    assert_eq!(d["updateUser"]["errors"], json!([]));
    // And invites someone the old portal never had.
    let d = app
        .execute_data(
            &csa,
            "mutation { createUser(input: {portal: CLUSTER, userType: IMO, email: \"idm-only@un.org\", \
             firstName: \"Only\", lastName: \"Idm\"}) { user { id } errors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["createUser"]["errors"], json!([]));
    // And in the old portal: five changes and a newcomer.
    let workspace = roles_of[&renamed.id][0]
        .workspace_id
        .expect("an IP role has a workspace");
    old_exec(
        &world,
        &format!(
            "BEGIN;
             UPDATE account_user SET first_name = 'Renamed' WHERE id = {renamed};
             UPDATE account_user SET last_name = 'Old' WHERE id = {both};
             DELETE FROM core_prprole WHERE user_id = {gone};
             DELETE FROM account_userprofile WHERE user_id = {gone};
             DELETE FROM account_user WHERE id = {gone};
             DELETE FROM core_prprole WHERE id = {lost};
             UPDATE core_prprole SET is_active = false WHERE id = {toggled_role};
             UPDATE account_user SET last_login = '2026-12-03T10:00:00Z' WHERE id = {toggled};
             INSERT INTO account_user (password, is_superuser, username, is_staff, is_active, date_joined,
                                       first_name, last_name, email, partner_id)
               VALUES ('!', false, 'new@example.org', false, true, '2026-12-01T10:00:00Z', 'New', 'Comer',
                       'new@example.org', {partner});
             INSERT INTO core_prprole (created, modified, role, user_id, workspace_id, is_active)
               SELECT now(), now(), 'IP_EDITOR', id, {workspace}, true FROM account_user
               WHERE email = 'new@example.org';
             COMMIT;",
            renamed = renamed.id,
            both = both.id,
            gone = gone.id,
            lost = role_of(lost_role),
            toggled_role = role_of(toggled),
            toggled = toggled.id,
            partner = renamed.partner_id.expect("partner"),
        ),
    )
    .await;

    let before = app.counts().await;
    let third = migrate(&app, &world, Some(decision.clone()), false).await;
    assert!(third.complete(), "{}", third.summary());
    assert_eq!(
        tally(&third, "user")[..2],
        [1, 1],
        "one new user, one renamed"
    );
    assert_eq!(
        tally(&third, "user")[3..],
        [1, 0, 1],
        "one deactivated, one conflict"
    );
    let roles = tally(&third, "role");
    assert_eq!(
        (roles[0], roles[1], roles[4]),
        (1, 1, 2),
        "one new, one toggled, two deleted (the lost row and the gone user's)"
    );
    assert_eq!(third.conflicts.len(), 1);
    assert_eq!(third.conflicts[0].old_id, both.id);
    let after = app.counts().await;
    assert_eq!(
        (after.users, after.roles),
        (before.users + 1, before.roles + 1 - 2)
    );

    assert_eq!(user(&app, idm_user(renamed)).await.first_name, "Renamed");
    assert!(!user(&app, idm_user(gone)).await.is_active);
    // A sign-in to the old portal moves lastLogin on, but is no update (the tally above).
    assert_eq!(
        user(&app, idm_user(toggled))
            .await
            .last_login
            .map(|t| t.to_rfc3339()),
        Some("2026-12-03T10:00:00+00:00".to_owned())
    );
    assert_eq!(
        user(&app, idm_user(both)).await.last_name,
        "Idm",
        "idm wins"
    );
    let role_row = |old: i64| ids[&("role".to_owned(), old)];
    assert!(role(&app, role_row(role_of(lost_role))).await.is_none());
    assert!(
        !role(&app, role_row(role_of(toggled)))
            .await
            .expect("kept")
            .is_active
    );
    let newcomer = idm::entity::user::Entity::find()
        .all(&app.db)
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.email == "new@example.org")
        .expect("the newcomer is in idm");
    assert_eq!(
        (newcomer.first_name.as_str(), newcomer.is_active),
        ("New", true)
    );

    // The user created in idm is none of the sync's business.
    let idm_only = idm::entity::user::Entity::find()
        .all(&app.db)
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.email == "idm-only@un.org")
        .expect("still there");
    assert!(idm_only.is_active);
    assert!(!legacy(&app)
        .await
        .iter()
        .any(|((entity, _), &id)| entity == "user" && id == idm_only.id));

    // And once applied, a run changes nothing again (the conflict is still reported).
    let before = app.counts().await;
    let fourth = migrate(&app, &world, Some(decision), false).await;
    for a in &fourth.applied {
        assert_eq!(
            [a.created, a.updated, a.deactivated, a.deleted],
            [0; 4],
            "{a:?}"
        );
    }
    assert_eq!(fourth.conflicts.len(), 1);
    assert_eq!(app.counts().await, before);
}

async fn user(app: &TestApp, id: i64) -> idm::entity::user::Model {
    idm::entity::user::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("user")
        .expect("exists")
}

async fn role(app: &TestApp, id: i64) -> Option<idm::entity::prp_role::Model> {
    idm::entity::prp_role::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("role")
}

/// The old portal's users list (`UserListCreateAPIView.get_queryset` at d2240d0d), as SQL over
/// its tables: `tests/prp/old_user_list.sql`, `$1` requester, `$2` portal, `$3` workspace.
const OLD_USER_LIST: &str = include_str!("../prp/old_user_list.sql");

/// The roles that open each portal's list in the old portal (any row, active or not).
fn old_allows(roles: &[&idm::prp::source::Role], portal: &str) -> bool {
    let openers: &[&str] = match portal {
        "CLUSTER" => &["CLUSTER_SYSTEM_ADMIN", "CLUSTER_IMO", "CLUSTER_MEMBER"],
        _ => &["IP_AUTHORIZED_OFFICER", "IP_ADMIN"],
    };
    roles.iter().any(|r| openers.contains(&r.role.as_str()))
}

/// The emails idm lists to `email` on `portal`, every page, or the error code.
async fn idm_list(app: &TestApp, email: &str, portal: &str) -> Result<BTreeSet<String>, String> {
    let mut emails = BTreeSet::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .execute(
                email,
                "query($p: Portal!, $a: String) { users(portal: $p, first: 100, after: $a) { \
                 nodes { email } pageInfo { hasNextPage endCursor } } }",
                json!({"p": portal, "a": after}),
            )
            .await;
        if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
            return Err(code.to_owned());
        }
        let page = &body["data"]["users"];
        for n in page["nodes"].as_array().into_iter().flatten() {
            emails.insert(n["email"].as_str().unwrap_or_default().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return Ok(emails);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// For a dozen requesters of every role, the users idm lists on each portal are the users the
/// old portal's own rule lists on the same data. Left out, as the deliberate differences of
/// `tests/prp/old_user_list.md` say: requesters holding an inactive role (idm: only active
/// roles grant, contract §2), requesters and targets whose rows the migration changed or
/// dropped (R2–R13, U5, U9: README table (b)); the requester itself is in neither list.
#[tokio::test]
async fn each_requester_sees_on_each_portal_the_users_the_old_portal_showed_it() {
    let world = load_world(1, 2000).await;
    let old = idm::prp::source::read(&world.url, |_, _| {})
        .await
        .expect("read");
    let app = TestApp::spawn().await;
    let (_, decision) = drop_cluster_admin(&world).await;
    let report = migrate(&app, &world, Some(decision), false).await;
    assert!(report.complete(), "{}", report.summary());
    let changed = rows_changed(&report, false);
    let ids = legacy(&app).await;
    let email_of: HashMap<i64, String> = idm::entity::user::Entity::find()
        .all(&app.db)
        .await
        .expect("users")
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let mut roles_of: HashMap<i64, Vec<&idm::prp::source::Role>> = HashMap::new();
    for r in &old.roles {
        roles_of.entry(r.user_id).or_default().push(r);
    }
    // A target the migration changed may be listed differently (its roles moved or went).
    let untouched = |u: &idm::prp::source::User| {
        !changed.contains(&(USER, u.id))
            && roles_of
                .get(&u.id)
                .is_none_or(|rs| rs.iter().all(|r| !changed.contains(&(ROLE, r.id))))
    };
    let idm_email = |old_id: i64| {
        ids.get(&("user".to_owned(), old_id))
            .map(|id| email_of[id].clone())
    };

    let db = Database::connect(&world.url).await.expect("old database");
    let mut compared = HashMap::<&str, usize>::new();
    for role in [
        "CLUSTER_SYSTEM_ADMIN",
        "CLUSTER_IMO",
        "CLUSTER_MEMBER",
        "CLUSTER_COORDINATOR",
        "CLUSTER_VIEWER",
        "IP_AUTHORIZED_OFFICER",
        "IP_ADMIN",
        "IP_EDITOR",
        "IP_VIEWER",
    ] {
        let requesters: Vec<&idm::prp::source::User> = old
            .users
            .iter()
            .filter(|u| {
                let roles = roles_of.get(&u.id).map(Vec::as_slice).unwrap_or(&[]);
                u.is_active
                    && untouched(u)
                    && roles.iter().any(|r| r.role == role)
                    && roles.iter().all(|r| r.is_active)
            })
            .take(12)
            .collect();
        assert!(!requesters.is_empty(), "no plain {role} requester");
        for requester in requesters {
            let email = idm_email(requester.id).expect("migrated");
            let roles = &roles_of[&requester.id];
            for portal in ["IP", "CLUSTER"] {
                let listed = idm_list(&app, &email, portal).await;
                if !old_allows(roles, portal) {
                    assert_eq!(
                        listed,
                        Err("FORBIDDEN".to_owned()),
                        "{role} {} on {portal}",
                        requester.id
                    );
                    continue;
                }
                let rows = db
                    .query_all_raw(Statement::from_sql_and_values(
                        db.get_database_backend(),
                        OLD_USER_LIST,
                        [
                            (requester.id as i32).into(),
                            portal.into(),
                            sea_orm::Value::Int(None),
                        ],
                    ))
                    .await
                    .expect("old list");
                let old_ids: BTreeSet<i64> = rows
                    .iter()
                    .map(|r| i64::from(r.try_get::<i32>("", "id").expect("id")))
                    .collect();
                let comparable = |u: &&idm::prp::source::User| untouched(u) && u.id != requester.id;
                let expected: BTreeSet<String> = old
                    .users
                    .iter()
                    .filter(|u| old_ids.contains(&u.id))
                    .filter(comparable)
                    .filter_map(|u| idm_email(u.id))
                    .collect();
                let comparable_emails: BTreeSet<String> = old
                    .users
                    .iter()
                    .filter(comparable)
                    .filter_map(|u| idm_email(u.id))
                    .collect();
                let listed: BTreeSet<String> = listed
                    .unwrap_or_else(|code| panic!("{role} {} on {portal}: {code}", requester.id))
                    .intersection(&comparable_emails)
                    .cloned()
                    .collect();
                assert_eq!(listed, expected, "{role} {} on {portal}", requester.id);
                *compared.entry(role).or_default() += 1;
            }
        }
    }
    db.close().await.ok();
    eprintln!("lists compared per requester role: {compared:?}");
    // Every role that opens a list was compared on at least one list.
    for role in [
        "CLUSTER_SYSTEM_ADMIN",
        "CLUSTER_IMO",
        "CLUSTER_MEMBER",
        "IP_AUTHORIZED_OFFICER",
        "IP_ADMIN",
    ] {
        assert!(
            compared.get(role).is_some_and(|n| *n > 0),
            "{role}: {compared:?}"
        );
    }
}

/// The command as an operator runs it: exit status 1 and a JSON report naming the refused
/// row without a decision (nothing written), 0 with it; the report file says the same.
#[tokio::test]
async fn the_command_exits_non_zero_until_the_migration_is_complete() {
    let world = load_world(3, 200).await;
    let (admin_row, decision) = drop_cluster_admin(&world).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("idm.db").display());
    let report_file = dir.path().join("report.json");
    let decisions = dir.path().join("decisions.json");
    std::fs::write(&decisions, decision.to_string()).expect("decisions");
    let run = |extra: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_idm"))
            .env("DATABASE_URL", &database)
            .args(["import-prp", "--quiet", "--from", &world.url, "--report"])
            .arg(&report_file)
            .args(extra)
            .output()
            .expect("idm runs");
        let report: Value =
            serde_json::from_slice(&std::fs::read(&report_file).expect("report written"))
                .expect("report is JSON");
        (out, report)
    };
    let (out, report) = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("import-prp: NOT complete"));
    let refused: Vec<&Value> = report["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .filter(|a| a["outcome"] == "refused")
        .collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(
        (&refused[0]["case"], &refused[0]["ids"]),
        (&json!("R13"), &json!([admin_row]))
    );
    assert_eq!(report["legacyIds"], json!([]));

    let (out, report) = run(&[std::ffi::OsStr::new("--resolve"), decisions.as_os_str()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("import-prp: complete\n"));
    let users = report["applied"]
        .as_array()
        .expect("applied")
        .iter()
        .find(|a| a["entity"] == "user")
        .expect("users applied")
        .clone();
    assert!(users["created"].as_u64().expect("created") > 190);
    assert!(!report["legacyIds"]
        .as_array()
        .expect("legacy ids")
        .is_empty());
}
