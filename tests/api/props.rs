//! A property: in random small worlds, `assignableRoles` lists exactly the role
//! types that `createRoles` accepts for that user and that scope (contract §3).

use std::collections::BTreeSet;

use idm::domain::{ClusterType, RoleType};
use idm::ids::Kind;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Value};

use crate::fixtures::codes;
use crate::helpers::{gid, TestApp};

const CREATE_ROLES: &str = "mutation($input: CreateRolesInput!) { createRoles(input: $input) { roles { role } errors { code field } } }";
const ASSIGNABLE: &str = "query($u: ID!, $w: ID, $c: ID) { assignableRoles(userId: $u, workspaceId: $w, clusterId: $c) }";

/// One role row: type, workspace index (0..2), cluster index (0..3), active.
#[derive(Clone, Debug)]
struct RowSpec {
    role: RoleType,
    workspace: Option<usize>,
    cluster: Option<usize>,
    active: bool,
}

/// One user: partner index (0..2, or none), active, rows (at most one per scope).
#[derive(Clone, Debug)]
struct UserSpec {
    partner: Option<usize>,
    active: bool,
    rows: Vec<RowSpec>,
}

/// The scope asked about.
#[derive(Clone, Debug)]
enum ScopeSpec {
    /// No scope: only CLUSTER_SYSTEM_ADMIN can pass.
    Nothing,
    Workspace(usize),
    Cluster(usize),
    /// A workspace and a cluster: no role has that shape.
    Both(usize, usize),
    /// A workspace or cluster where the requester holds a row (where its authority is).
    NearRequester(Index),
}

/// A world of 2 workspaces, 3 clusters, 2 partners and 3-5 users; `users[0]` is the
/// requester (active, so that it can sign in); the target is the requester (`None`) or one
/// of the others.
#[derive(Clone, Debug)]
struct Case {
    users: Vec<UserSpec>,
    target: Option<Index>,
    scope: ScopeSpec,
}

fn row(roles: impl Strategy<Value = RoleType>) -> impl Strategy<Value = RowSpec> {
    (roles, 0..2usize, 0..3usize, prop::bool::weighted(0.8)).prop_map(
        |(role, workspace, cluster, active)| {
            let (workspace, cluster) = if role == RoleType::ClusterSystemAdmin {
                (None, None)
            } else if role.is_ip() {
                (Some(workspace), None)
            } else {
                (None, Some(cluster))
            };
            RowSpec {
                role,
                workspace,
                cluster,
                active,
            }
        },
    )
}

/// Keeps the first row of each scope, as the store's unique indexes would.
fn one_per_scope(rows: Vec<RowSpec>) -> Vec<RowSpec> {
    let mut kept: Vec<RowSpec> = Vec::new();
    for row in rows {
        let taken = kept.iter().any(|k| {
            (row.workspace.is_some() && k.workspace == row.workspace)
                || (row.cluster.is_some() && k.cluster == row.cluster)
                || (row.role == RoleType::ClusterSystemAdmin && k.role == row.role)
        });
        if !taken {
            kept.push(row);
        }
    }
    kept
}

/// The requester: active, mostly of the first partner, one to three rows leaning towards
/// the roles that grant authority.
fn requester() -> impl Strategy<Value = UserSpec> {
    use RoleType::*;
    let roles = prop_oneof![
        2 => select(&[IpAuthorizedOfficer, IpAdmin, ClusterImo, ClusterMember, ClusterSystemAdmin][..]),
        1 => select(RoleType::ALL),
    ];
    (
        prop_oneof![3 => Just(Some(0)), 1 => prop::option::of(0..2usize)],
        vec(row(roles), 1..=3),
    )
        .prop_map(|(partner, rows)| UserSpec {
            partner,
            active: true,
            rows: one_per_scope(rows),
        })
}

/// Any other user: any partner (the requester's more often), active or not, up to 3 rows.
fn other() -> impl Strategy<Value = UserSpec> {
    (
        prop_oneof![1 => Just(Some(0)), 1 => prop::option::of(0..2usize)],
        prop::bool::weighted(0.85),
        vec(row(select(RoleType::ALL)), 0..=3),
    )
        .prop_map(|(partner, active, rows)| UserSpec {
            partner,
            active,
            rows: one_per_scope(rows),
        })
}

fn case() -> impl Strategy<Value = Case> {
    let scope = prop_oneof![
        2 => Just(ScopeSpec::Nothing),
        2 => (0..2usize).prop_map(ScopeSpec::Workspace),
        2 => (0..3usize).prop_map(ScopeSpec::Cluster),
        1 => (0..2usize, 0..3usize).prop_map(|(w, c)| ScopeSpec::Both(w, c)),
        9 => any::<Index>().prop_map(ScopeSpec::NearRequester),
    ];
    let target = prop_oneof![1 => Just(None), 6 => any::<Index>().prop_map(Some)];
    (requester(), vec(other(), 2..=4), target, scope).prop_map(
        |(requester, others, target, scope)| Case {
            users: std::iter::once(requester).chain(others).collect(),
            target,
            scope,
        },
    )
}

/// The world written to the database: ids of workspaces, clusters, partners and users.
struct Built {
    workspaces: Vec<i64>,
    clusters: Vec<i64>,
    partners: Vec<i64>,
    users: Vec<i64>,
}

/// Writes a user with these rows through the builders; returns its id.
async fn write_user(app: &TestApp, built: &Built, email: &str, spec: &UserSpec) -> i64 {
    let partner = spec.partner.map(|p| built.partners[p]);
    let id = app.user(email, partner, &[]).await;
    for row in &spec.rows {
        app.role(
            id,
            row.role,
            row.workspace.map(|w| built.workspaces[w]),
            row.cluster.map(|c| built.clusters[c]),
            row.active,
        )
        .await;
    }
    if !spec.active {
        app.deactivate(id).await;
    }
    id
}

async fn build(app: &TestApp, case: &Case) -> Built {
    let w1 = app.workspace("W1").await;
    let w2 = app.workspace("W2").await;
    let mut built = Built {
        workspaces: vec![w1, w2],
        clusters: vec![
            app.cluster(w1, ClusterType::Health).await,
            app.cluster(w1, ClusterType::Wash).await,
            app.cluster(w2, ClusterType::Education).await,
        ],
        partners: vec![app.partner("P").await, app.partner("Q").await],
        users: vec![],
    };
    for (i, spec) in case.users.iter().enumerate() {
        let id = write_user(app, &built, &format!("user{i}@p.org"), spec).await;
        built.users.push(id);
    }
    built
}

/// The (workspace, cluster) ids of the scope asked about.
fn scope_ids(case: &Case, built: &Built) -> (Option<i64>, Option<i64>) {
    let ws = |w: usize| Some(built.workspaces[w]);
    let cl = |c: usize| Some(built.clusters[c]);
    match &case.scope {
        ScopeSpec::Nothing => (None, None),
        ScopeSpec::Workspace(w) => (ws(*w), None),
        ScopeSpec::Cluster(c) => (None, cl(*c)),
        ScopeSpec::Both(w, c) => (ws(*w), cl(*c)),
        ScopeSpec::NearRequester(pick) => {
            let rows = &case.users[0].rows;
            let row = &rows[pick.index(rows.len())];
            (row.workspace.and_then(ws), row.cluster.and_then(cl))
        }
    }
}

/// The role names of a JSON list, as a set.
fn names(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Builds the world, asks assignableRoles, then tries createRoles for each of the nine
/// types, each on a fresh copy of the target (or on the requester itself when it is the
/// target), and compares.
async fn assignable_is_what_create_accepts(case: Case) -> Result<(), TestCaseError> {
    let app = TestApp::spawn().await;
    let built = build(&app, &case).await;
    let requester = "user0@p.org";
    let t = case
        .target
        .as_ref()
        .map_or(0, |pick| 1 + pick.index(case.users.len() - 1));
    let (workspace, cluster) = scope_ids(&case, &built);
    let w = workspace.map(|w| gid(Kind::Workspace, w));
    let c = cluster.map(|c| gid(Kind::Cluster, c));
    let d = app
        .execute_data(
            requester,
            ASSIGNABLE,
            json!({"u": gid(Kind::User, built.users[t]), "w": w, "c": c}),
        )
        .await;
    let listed = names(&d["assignableRoles"]);
    let mut accepted = BTreeSet::new();
    for (n, role) in RoleType::ALL.iter().enumerate() {
        let target = if t == 0 {
            built.users[0]
        } else {
            write_user(&app, &built, &format!("copy{n}@p.org"), &case.users[t]).await
        };
        let input = json!({
            "userId": gid(Kind::User, target),
            "roles": [{"role": role.as_str(), "workspaceId": w, "clusterId": c}],
        });
        let d = app
            .execute_data(requester, CREATE_ROLES, json!({ "input": input }))
            .await;
        let errors = codes(&d["createRoles"]["errors"]);
        prop_assert!(
            !errors.iter().any(|code| code == "INTERNAL"),
            "createRoles of {:?} failed inside: {}",
            role,
            d
        );
        if errors.is_empty() {
            prop_assert_eq!(
                d["createRoles"]["roles"][0]["role"].as_str(),
                Some(role.as_str())
            );
            accepted.insert(role.as_str().to_owned());
        }
    }
    prop_assert_eq!(
        &listed,
        &accepted,
        "assignableRoles (left) against what createRoles accepted (right), target users[{}], scope {:?}",
        t,
        (workspace, cluster)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    })]

    #[test]
    fn assignable_roles_lists_exactly_the_roles_create_roles_accepts_in_random_worlds(
        case in case(),
    ) {
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(assignable_is_what_create_accepts(case))?;
    }
}
