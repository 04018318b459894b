//! What the viewer may do (contract 1.1 §9.3): over random worlds, every `viewerCan…`
//! answer on every user and role the requester sees is what the mutation then does. Each
//! mutation that succeeds is undone straight in the database before the next one.

use idm::domain::{ClusterType, RoleType};
use idm::entity::prp_role;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::{json, Value};

use crate::helpers::TestApp;

const ROLE_NAMES: [&str; 10] = [
    "IP_AUTHORIZED_OFFICER",
    "IP_ADMIN",
    "IP_EDITOR",
    "IP_VIEWER",
    "CLUSTER_SYSTEM_ADMIN",
    "CLUSTER_IMO",
    "CLUSTER_MEMBER",
    "CLUSTER_VIEWER",
    "CLUSTER_COORDINATOR",
    "CLUSTER_SYSTEM_ADMIN",
];

/// One user of a generated world: partner index (or none), active, and per scope slot
/// (2 workspaces, then 2 clusters) an optional (role, active); or a system admin.
#[derive(Clone, Debug)]
struct Member {
    partner: Option<usize>,
    active: bool,
    system_admin: bool,
    slots: [Option<(usize, bool)>; 4],
}

fn member() -> impl Strategy<Value = Member> {
    let slot = proptest::option::weighted(0.5, (0usize..4, prop::bool::weighted(0.85)));
    (
        proptest::option::weighted(0.8, 0usize..2),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.08),
        [slot.clone(), slot.clone(), slot.clone(), slot],
    )
        .prop_map(|(partner, active, system_admin, slots)| Member {
            partner,
            active,
            system_admin,
            slots,
        })
}

const IP_ROLES: [RoleType; 4] = [
    RoleType::IpAuthorizedOfficer,
    RoleType::IpAdmin,
    RoleType::IpEditor,
    RoleType::IpViewer,
];
const CLUSTER_ROLES: [RoleType; 4] = [
    RoleType::ClusterImo,
    RoleType::ClusterMember,
    RoleType::ClusterViewer,
    RoleType::ClusterCoordinator,
];

const PAGE: &str = "query($portal: Portal!) { users(portal: $portal, first: 100) { nodes {
    id isActive viewerCanUpdate viewerCanSetActive
    roles { id role isActive viewerCanChangeTo viewerCanToggle viewerCanDelete } } } }";

/// Builds the world: user 0 is the requester (active, never a hidden kind).
async fn build(app: &TestApp, members: &[Member]) -> String {
    let workspaces = [app.workspace("W1").await, app.workspace("W2").await];
    let clusters = [
        app.cluster(workspaces[0], ClusterType::Health).await,
        app.cluster(workspaces[1], ClusterType::Education).await,
    ];
    let partners = [app.partner("One").await, app.partner("Two").await];
    for (i, m) in members.iter().enumerate() {
        let email = format!("u{i}@example.org");
        let id = app.user(&email, m.partner.map(|p| partners[p]), &[]).await;
        if m.system_admin {
            app.role(id, RoleType::ClusterSystemAdmin, None, None, true)
                .await;
        } else {
            for (slot, pick) in m.slots.iter().enumerate() {
                let Some((kind, active)) = pick else { continue };
                if slot < 2 {
                    app.role(id, IP_ROLES[*kind], Some(workspaces[slot]), None, *active)
                        .await;
                } else {
                    app.role(
                        id,
                        CLUSTER_ROLES[*kind],
                        None,
                        Some(clusters[slot - 2]),
                        *active,
                    )
                    .await;
                }
            }
        }
        if !m.active && i > 0 {
            app.deactivate(id).await;
        }
    }
    "u0@example.org".to_owned()
}

fn succeeded(body: &Value, mutation: &str) -> bool {
    assert!(body.get("errors").is_none(), "{mutation}: {body}");
    body["data"][mutation]["errors"]
        .as_array()
        .is_some_and(|e| e.is_empty())
}

async fn stored_role(app: &TestApp, id: &str) -> prp_role::Model {
    let (_, raw) = idm::ids::decode_any(&async_graphql::ID(id.to_owned())).expect("role id");
    prp_role::Entity::find_by_id(raw)
        .one(&app.db)
        .await
        .expect("db")
        .expect("the role is stored")
}

/// Puts a role row back as it was (after an update or a delete that succeeded).
async fn restore(app: &TestApp, row: prp_role::Model) {
    prp_role::Entity::delete_by_id(row.id)
        .exec(&app.db)
        .await
        .expect("delete");
    prp_role::ActiveModel {
        id: Set(row.id),
        user_id: Set(row.user_id),
        role: Set(row.role),
        workspace_id: Set(row.workspace_id),
        cluster_id: Set(row.cluster_id),
        is_active: Set(row.is_active),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
    }
    .insert(&app.db)
    .await
    .expect("restore the role");
}

/// Checks every answer of one page against the mutations; returns how many were checked.
async fn check_page(app: &TestApp, requester: &str, portal: &str) -> usize {
    let data = app
        .execute_data(requester, PAGE, json!({ "portal": portal }))
        .await;
    let mut checked = 0;
    for user in data["users"]["nodes"].as_array().into_iter().flatten() {
        let id = user["id"].as_str().expect("id");
        let body = app
            .execute(
                requester,
                "mutation($id: ID!) { updateUser(input: {id: $id, position: \"Checked\"}) { errors { code } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            succeeded(&body, "updateUser"),
            user["viewerCanUpdate"].as_bool().expect("bool"),
            "updateUser of {user}: {body}"
        );
        let active = user["isActive"].as_bool().expect("bool");
        let body = app
            .execute(
                requester,
                "mutation($id: ID!, $a: Boolean!) { setUserActive(input: {id: $id, isActive: $a}) { errors { code } } }",
                json!({ "id": id, "a": !active }),
            )
            .await;
        let done = succeeded(&body, "setUserActive");
        assert_eq!(
            done,
            user["viewerCanSetActive"].as_bool().expect("bool"),
            "setUserActive of {user}: {body}"
        );
        if done {
            let (_, raw) = idm::ids::decode_any(&async_graphql::ID(id.to_owned())).expect("id");
            app.db
                .execute_unprepared(&format!(
                    "UPDATE app_user SET is_active = {active} WHERE id = {raw}"
                ))
                .await
                .expect("undo");
        }
        checked += 2;
        for role in user["roles"].as_array().into_iter().flatten() {
            let rid = role["id"].as_str().expect("id");
            let before = stored_role(app, rid).await;
            let may_change: Vec<&str> = role["viewerCanChangeTo"]
                .as_array()
                .expect("list")
                .iter()
                .map(|v| v.as_str().expect("name"))
                .collect();
            for name in &ROLE_NAMES[..9] {
                let body = app
                    .execute(
                        requester,
                        "mutation($id: ID!, $r: RoleType!) { updateRole(input: {id: $id, role: $r}) { errors { code } } }",
                        json!({ "id": rid, "r": name }),
                    )
                    .await;
                let done = succeeded(&body, "updateRole");
                assert_eq!(
                    done,
                    may_change.contains(name),
                    "updateRole of {role} to {name}: {body}"
                );
                if done {
                    restore(app, before.clone()).await;
                }
            }
            let body = app
                .execute(
                    requester,
                    "mutation($id: ID!, $a: Boolean!) { updateRole(input: {id: $id, isActive: $a}) { errors { code } } }",
                    json!({ "id": rid, "a": !before.is_active }),
                )
                .await;
            let done = succeeded(&body, "updateRole");
            assert_eq!(
                done,
                role["viewerCanToggle"].as_bool().expect("bool"),
                "toggle of {role}: {body}"
            );
            if done {
                restore(app, before.clone()).await;
            }
            let body = app
                .execute(
                    requester,
                    "mutation($id: ID!) { deleteRole(input: {id: $id}) { errors { code } } }",
                    json!({ "id": rid }),
                )
                .await;
            let done = succeeded(&body, "deleteRole");
            assert_eq!(
                done,
                role["viewerCanDelete"].as_bool().expect("bool"),
                "delete of {role}: {body}"
            );
            if done {
                restore(app, before).await;
            }
            checked += 11;
        }
    }
    checked
}

#[test]
fn every_viewer_can_answer_is_what_the_mutation_then_does() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let cases = std::env::var("IDM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(10, |n| n / 8 + 1);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 0,
        ..Config::default()
    });
    let total = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(
            &(
                proptest::collection::vec(member(), 4..9),
                0usize..2,
                0usize..2,
                prop::bool::weighted(0.2),
            ),
            |(mut members, ip, cluster, system_admin)| {
                // The requester holds some authority: AO or IP_ADMIN in W1 and IMO or MEMBER in
                // C1 of partner One, or is a system admin.
                members[0] = Member {
                    partner: Some(0),
                    active: true,
                    system_admin,
                    slots: [
                        Some((ip, true)),
                        members[0].slots[1],
                        Some((cluster, true)),
                        members[0].slots[3],
                    ],
                };
                runtime.block_on(async {
                    let app = TestApp::spawn().await;
                    let requester = build(&app, &members).await;
                    for portal in ["IP", "CLUSTER"] {
                        let body = app
                            .execute(&requester, PAGE, json!({ "portal": portal }))
                            .await;
                        if body["errors"][0]["extensions"]["code"] == "FORBIDDEN" {
                            continue;
                        }
                        let n = check_page(&app, &requester, portal).await;
                        total.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                    }
                });
                Ok(())
            },
        )
        .expect("every answer holds");
    let total = total.into_inner();
    println!("viewerCan: {total} answers checked against their mutations");
    assert!(total > 0, "some answers were checked");
}
