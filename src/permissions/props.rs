//! Property tests of the role guard: random small worlds and random sequences of role
//! operations by one requester, applied only where the guard lets them through, as the
//! service applies them; no step may escalate, and `assignable_roles` is `check_create_roles`.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};

use super::*;

const WORKSPACES: [Id; 2] = [11, 12];
const CLUSTERS: [Id; 3] = [21, 22, 23];
const PARTNERS: [Option<Id>; 3] = [None, Some(31), Some(32)];

/// The users of a world; `users[0]` is the requester R. User ids are 1, 2, ...
#[derive(Clone, Debug)]
struct World {
    users: Vec<Person>,
    next_role_id: Id,
}

/// Whom a step concerns: R itself (which the guard must refuse) or one of the others.
#[derive(Clone, Debug)]
enum Who {
    Requester,
    Other(Index),
}

/// The new type an update asks for.
#[derive(Clone, Debug)]
enum NewType {
    /// None: keep the type.
    Keep,
    /// One of the row's own family (IP or cluster), picked when the row is known.
    InFamily(Index),
    /// Any type at all.
    Any(RoleType),
}

/// How the scope of a new role is picked.
#[derive(Clone, Debug)]
enum ScopePick {
    /// The scope of the role's shape, with this workspace or cluster.
    Fitted { workspace: Id, cluster: Id },
    /// The scope of the role's shape, in a workspace or cluster where R holds a row of that
    /// family when there is one (where R's authority is, so where the guard has a choice).
    NearRequester(Index),
    /// Any scope at all, fitting or not.
    Any(Option<Id>, Option<Id>),
}

/// One entry of a generated `createRoles`.
#[derive(Clone, Debug)]
struct Entry {
    role: RoleType,
    scope: ScopePick,
}

/// One request of R, as generated; indexes resolve against the world of the moment.
#[derive(Clone, Debug)]
enum Step {
    /// `createRoles` for a user with these entries.
    Create { target: Who, entries: Vec<Entry> },
    /// `updateRole` of one row of R, or of one row of all the others' rows.
    Update {
        row: (Who, Index),
        role: NewType,
        is_active: Option<bool>,
    },
    /// `deleteRole` of one row of R, or of one row of all the others' rows.
    Delete { row: (Who, Index) },
}

fn any_role() -> impl Strategy<Value = RoleType> {
    select(RoleType::ALL)
}

/// The scope a row of this role carries in the store.
fn fitted(role: RoleType, workspace: Id, cluster: Id) -> (Option<Id>, Option<Id>) {
    if role == CSA {
        (None, None)
    } else if role.is_ip() {
        (Some(workspace), None)
    } else {
        (None, Some(cluster))
    }
}

/// A stored role row before it gets an id: a type drawn from `roles`, the scope of its
/// shape, active or not.
fn stored_role(
    roles: impl Strategy<Value = RoleType>,
) -> impl Strategy<Value = (RoleType, Option<Id>, Option<Id>, bool)> {
    (
        roles,
        select(&WORKSPACES[..]),
        select(&CLUSTERS[..]),
        prop::bool::weighted(0.8),
    )
        .prop_map(|(role, workspace, cluster, active)| {
            let (workspace_id, cluster_id) = fitted(role, workspace, cluster);
            (role, workspace_id, cluster_id, active)
        })
}

/// A user before it gets an id: partner, active flag, rows (at most one per scope is kept).
type StoredUser = (
    Option<Id>,
    bool,
    Vec<(RoleType, Option<Id>, Option<Id>, bool)>,
);

/// The requester: mostly active, of the first partner, with one to three rows that lean
/// towards the roles that grant authority, so that its steps are allowed often enough.
fn stored_requester() -> impl Strategy<Value = StoredUser> {
    let roles = prop_oneof![
        2 => select(&[AO, IP_ADMIN, IMO, MEMBER, CSA][..]),
        1 => any_role(),
    ];
    (
        prop_oneof![3 => Just(PARTNERS[1]), 1 => select(&PARTNERS[..])],
        prop::bool::weighted(0.9),
        vec(stored_role(roles), 1..=3),
    )
}

/// Any other user: any partner (the requester's more often), up to three rows of any type.
fn stored_user() -> impl Strategy<Value = StoredUser> {
    (
        prop_oneof![1 => Just(PARTNERS[1]), 1 => select(&PARTNERS[..])],
        prop::bool::weighted(0.85),
        vec(stored_role(any_role()), 0..=3),
    )
}

fn world() -> impl Strategy<Value = World> {
    (stored_requester(), vec(stored_user(), 2..=4)).prop_map(|(requester, others)| {
        let users = std::iter::once(requester).chain(others);
        let mut next_role_id = 100;
        let users = users
            .zip(1..)
            .map(|((partner_id, is_active, rows), id)| {
                let mut roles: Vec<RoleRow> = Vec::new();
                for (role, workspace_id, cluster_id, is_active) in rows {
                    let taken = roles.iter().any(|row| {
                        (workspace_id.is_some() && row.workspace_id == workspace_id)
                            || (cluster_id.is_some() && row.cluster_id == cluster_id)
                            || (role == CSA && row.role == CSA)
                    });
                    if !taken {
                        roles.push(RoleRow {
                            id: next_role_id,
                            role,
                            workspace_id,
                            cluster_id,
                            is_active,
                        });
                        next_role_id += 1;
                    }
                }
                Person {
                    id,
                    is_active,
                    partner_id,
                    roles,
                }
            })
            .collect();
        World {
            users,
            next_role_id,
        }
    })
}

/// A new role's type and how its scope is picked.
fn new_entry() -> impl Strategy<Value = Entry> {
    let scope = prop_oneof![
        2 => (select(&WORKSPACES[..]), select(&CLUSTERS[..]))
            .prop_map(|(workspace, cluster)| ScopePick::Fitted { workspace, cluster }),
        2 => any::<Index>().prop_map(ScopePick::NearRequester),
        1 => (
            prop::option::of(select(&WORKSPACES[..])),
            prop::option::of(select(&CLUSTERS[..])),
        )
            .prop_map(|(workspace, cluster)| ScopePick::Any(workspace, cluster)),
    ];
    (any_role(), scope).prop_map(|(role, scope)| Entry { role, scope })
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        1 => Just(Who::Requester),
        6 => any::<Index>().prop_map(Who::Other),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let entries = prop_oneof![3 => vec(new_entry(), 1..=1), 1 => vec(new_entry(), 2..=2)];
    let new_type = prop_oneof![
        1 => Just(NewType::Keep),
        2 => any::<Index>().prop_map(NewType::InFamily),
        1 => any_role().prop_map(NewType::Any),
    ];
    prop_oneof![
        4 => (who(), entries).prop_map(|(target, entries)| Step::Create { target, entries }),
        4 => ((who(), any::<Index>()), new_type, prop::option::weighted(0.6, any::<bool>()))
            .prop_map(|(row, role, is_active)| Step::Update { row, role, is_active }),
        2 => (who(), any::<Index>()).prop_map(|row| Step::Delete { row }),
    ]
}

/// Every scope a request may name: none, a workspace, a cluster, or both.
fn scopes() -> Vec<(Option<Id>, Option<Id>)> {
    let mut scopes = vec![(None, None)];
    scopes.extend(WORKSPACES.iter().map(|w| (Some(*w), None)));
    scopes.extend(CLUSTERS.iter().map(|c| (None, Some(*c))));
    for w in WORKSPACES {
        scopes.extend(CLUSTERS.iter().map(|c| (Some(w), Some(*c))));
    }
    scopes
}

/// The target as a fresh invitee: same id and partner, active, no roles.
fn clean_copy(target: &Person) -> Person {
    Person {
        id: target.id,
        is_active: true,
        partner_id: target.partner_id,
        roles: vec![],
    }
}

/// The requester with its account deactivated, roles untouched.
fn deactivated(requester: &Person) -> Person {
    Person {
        is_active: false,
        ..requester.clone()
    }
}

/// Everything that identifies a person, for comparison.
fn snapshot(person: &Person) -> (Id, bool, Option<Id>, Vec<RoleRow>) {
    (
        person.id,
        person.is_active,
        person.partner_id,
        person.roles.clone(),
    )
}

/// The user a `Who` names.
fn user_of(world: &World, who: &Who) -> usize {
    match who {
        Who::Requester => 0,
        Who::Other(pick) => 1 + pick.index(world.users.len() - 1),
    }
}

/// The (user, row) positions of the row a pick names: one of R's rows, or one of all the
/// rows of the others; none when there is no such row.
fn locate(world: &World, (who, pick): &(Who, Index)) -> Option<(usize, usize)> {
    let users = match who {
        Who::Requester => 0..1,
        Who::Other(_) => 1..world.users.len(),
    };
    let rows: Vec<(usize, usize)> = users
        .flat_map(|u| (0..world.users[u].roles.len()).map(move |i| (u, i)))
        .collect();
    if rows.is_empty() {
        None
    } else {
        Some(rows[pick.index(rows.len())])
    }
}

/// The new role an entry asks for, given R's rows of the moment.
fn resolve_entry(entry: &Entry, requester: &Person) -> NewRole {
    let (workspace_id, cluster_id) = match &entry.scope {
        ScopePick::Fitted { workspace, cluster } => fitted(entry.role, *workspace, *cluster),
        ScopePick::NearRequester(pick) => {
            let near = |of: fn(&RoleRow) -> Option<Id>, all: &[Id]| {
                let own: Vec<Id> = requester.roles.iter().filter_map(of).collect();
                let ids = if own.is_empty() { all.to_vec() } else { own };
                ids[pick.index(ids.len())]
            };
            fitted(
                entry.role,
                near(|row| row.workspace_id, &WORKSPACES),
                near(|row| row.cluster_id, &CLUSTERS),
            )
        }
        ScopePick::Any(workspace_id, cluster_id) => (*workspace_id, *cluster_id),
    };
    NewRole {
        role: entry.role,
        workspace_id,
        cluster_id,
    }
}

/// The type an update asks for, given the row it changes.
fn resolve(new_type: &NewType, row: &RoleRow) -> Option<RoleType> {
    match new_type {
        NewType::Keep => None,
        NewType::InFamily(pick) => {
            let family: Vec<RoleType> = RoleType::ALL
                .iter()
                .copied()
                .filter(|role| role.is_ip() == row.role.is_ip())
                .collect();
            Some(family[pick.index(family.len())])
        }
        NewType::Any(role) => Some(*role),
    }
}

/// (c) and (d) for one target in every scope: `assignable_roles` is exactly what
/// `check_create_roles` accepts, never lists an authorized officer, and a deactivated
/// requester may neither create, nor change, nor delete anything of the target.
fn check_target_props(requester: &Person, target: &Person) -> Result<(), TestCaseError> {
    let dormant = deactivated(requester);
    for (workspace_id, cluster_id) in scopes() {
        let entry = |role: RoleType| NewRole {
            role,
            workspace_id,
            cluster_id,
        };
        let listed = assignable_roles(requester, target, workspace_id, cluster_id);
        let accepted: Vec<RoleType> = RoleType::ALL
            .iter()
            .copied()
            .filter(|role| check_create_roles(requester, target, &[entry(*role)]).is_ok())
            .collect();
        prop_assert_eq!(
            &listed,
            &accepted,
            "(c) assignable_roles for user {} in {:?}",
            target.id,
            (workspace_id, cluster_id)
        );
        prop_assert!(
            !listed.contains(&AO),
            "(c) an authorized officer is listed as assignable"
        );
        for role in RoleType::ALL {
            prop_assert!(
                check_create_roles(&dormant, target, &[entry(*role)]).is_err(),
                "(d) a deactivated requester may create {:?} for user {} in {:?}",
                role,
                target.id,
                (workspace_id, cluster_id)
            );
        }
    }
    for row in &target.roles {
        let delete = RoleOp::Delete { row };
        prop_assert!(
            check_role(&dormant, &delete, target).is_err(),
            "(d) a deactivated requester may delete {:?}",
            row
        );
        for role in RoleType::ALL.iter().copied().map(Some).chain([None]) {
            for is_active in [Some(true), Some(false), None] {
                let update = RoleOp::Update {
                    row,
                    role,
                    is_active,
                };
                prop_assert!(
                    check_role(&dormant, &update, target).is_err(),
                    "(d) a deactivated requester may update {:?} to {:?}/{:?}",
                    row,
                    role,
                    is_active
                );
            }
        }
    }
    Ok(())
}

/// What the store guarantees, so what an allowed step must keep: scopes of the right shape,
/// at most one row per workspace, per cluster, and one CLUSTER_SYSTEM_ADMIN row per user.
fn check_storable(world: &World) -> Result<(), TestCaseError> {
    for person in &world.users {
        for (i, row) in person.roles.iter().enumerate() {
            prop_assert!(
                check_shape(row.role, row.workspace_id, row.cluster_id).is_ok(),
                "row of the wrong shape: {:?}",
                row
            );
            let clash = person.roles[..i].iter().any(|earlier| {
                (row.workspace_id.is_some() && earlier.workspace_id == row.workspace_id)
                    || (row.cluster_id.is_some() && earlier.cluster_id == row.cluster_id)
                    || (row.role == CSA && earlier.role == CSA)
            });
            prop_assert!(!clash, "user {} holds two rows in one scope", person.id);
        }
    }
    Ok(())
}

/// Writes an allowed `createRoles` as the service does: a CLUSTER_SYSTEM_ADMIN grant first
/// deletes the target's cluster roles.
fn apply_create(world: &mut World, target: usize, entries: &[NewRole]) {
    let person = &mut world.users[target];
    if entries.iter().any(|entry| entry.role == CSA) {
        person.roles.retain(|row| row.role.is_ip());
    }
    for entry in entries {
        person.roles.push(RoleRow {
            id: world.next_role_id,
            role: entry.role,
            workspace_id: entry.workspace_id,
            cluster_id: entry.cluster_id,
            is_active: true,
        });
        world.next_role_id += 1;
    }
}

/// Runs one request of R against the world; returns the index of the user it concerned.
/// (e) What a sequence does to a row that existed at the start, one step must be allowed to
/// do to that row as it was: delete it, deactivate it, or give it its new role (an IP admin
/// demoting a fellow admin and then deleting the row was the loophole of contract 1.1 §9.2).
fn check_one_step_could(
    requester: &Person,
    person: &Person,
    original: &RoleRow,
    op: &RoleOp<'_>,
) -> Result<(), TestCaseError> {
    let directs: Vec<RoleOp<'_>> = match op {
        RoleOp::Delete { .. } => vec![RoleOp::Delete { row: original }],
        // Each effect on its own: a role change, a deactivation.
        RoleOp::Update {
            role, is_active, ..
        } => {
            let mut directs = Vec::new();
            if let Some(role) = role.filter(|r| *r != original.role) {
                directs.push(RoleOp::Update {
                    row: original,
                    role: Some(role),
                    is_active: None,
                });
            }
            if *is_active == Some(false) && original.is_active {
                directs.push(RoleOp::Update {
                    row: original,
                    role: None,
                    is_active: Some(false),
                });
            }
            directs
        }
        RoleOp::Create(_) => Vec::new(),
    };
    // As the row was, in the target as it is (its other rows do not decide the guard).
    let mut then = person.clone();
    if let Some(row) = then.roles.iter_mut().find(|r| r.id == original.id) {
        *row = original.clone();
    }
    for direct in &directs {
        prop_assert!(
            check_role(requester, direct, &then).is_ok(),
            "(e) {:?} is reached in steps from {:?}, but not in one",
            op,
            original
        );
    }
    Ok(())
}

fn run_step(
    world: &mut World,
    step: &Step,
    originals: &std::collections::HashMap<Id, RoleRow>,
) -> Result<Option<usize>, TestCaseError> {
    let requester = world.users[0].clone();
    let dormant = deactivated(&requester);
    match step {
        Step::Create { target, entries } => {
            let t = user_of(world, target);
            let entries: Vec<NewRole> = entries
                .iter()
                .map(|entry| resolve_entry(entry, &requester))
                .collect();
            let entries = &entries[..];
            let person = world.users[t].clone();
            prop_assert!(
                check_create_roles(&dormant, &person, entries).is_err(),
                "(d) a deactivated requester may create {:?}",
                entries
            );
            if check_create_roles(&requester, &person, entries).is_ok() {
                let clean = clean_copy(&person);
                for entry in entries {
                    prop_assert!(
                        check_create_roles(&requester, &clean, &[*entry]).is_ok(),
                        "(b) {:?} is allowed for user {} but not for its clean copy",
                        entry,
                        person.id
                    );
                }
                apply_create(world, t, entries);
            }
            Ok(Some(t))
        }
        Step::Update {
            row,
            role,
            is_active,
        } => {
            let Some((t, i)) = locate(world, row) else {
                return Ok(None);
            };
            let person = world.users[t].clone();
            let current = person.roles[i].clone();
            let role = resolve(role, &current);
            let op = RoleOp::Update {
                row: &current,
                role,
                is_active: *is_active,
            };
            prop_assert!(
                check_role(&dormant, &op, &person).is_err(),
                "(d) a deactivated requester may update {:?}",
                current
            );
            if check_role(&requester, &op, &person).is_ok() {
                if let Some(original) = originals.get(&current.id) {
                    check_one_step_could(&requester, &person, original, &op)?;
                }
                let new_role = role.unwrap_or(current.role);
                let new_active = is_active.unwrap_or(current.is_active);
                // Reaching role X in scope S by a change, or by waking a row of X (an
                // authorized officer's excepted: contract §4.3), needs the power to create X
                // in S outright.
                let wakes = new_active && !current.is_active && current.role != AO;
                if new_role != current.role || wakes {
                    let direct = NewRole {
                        role: new_role,
                        workspace_id: current.workspace_id,
                        cluster_id: current.cluster_id,
                    };
                    prop_assert!(
                        check_create_roles(&requester, &clean_copy(&person), &[direct]).is_ok(),
                        "(b) the update of {:?} to {:?}/{:?} reaches what creating {:?} cannot",
                        current,
                        role,
                        is_active,
                        direct
                    );
                }
                let stored = &mut world.users[t].roles[i];
                stored.role = new_role;
                stored.is_active = new_active;
            }
            Ok(Some(t))
        }
        Step::Delete { row } => {
            let Some((t, i)) = locate(world, row) else {
                return Ok(None);
            };
            let person = world.users[t].clone();
            let current = person.roles[i].clone();
            let op = RoleOp::Delete { row: &current };
            prop_assert!(
                check_role(&dormant, &op, &person).is_err(),
                "(d) a deactivated requester may delete {:?}",
                current
            );
            if check_role(&requester, &op, &person).is_ok() {
                if let Some(original) = originals.get(&current.id) {
                    check_one_step_could(&requester, &person, original, &op)?;
                }
                world.users[t].roles.remove(i);
            }
            Ok(Some(t))
        }
    }
}

/// The whole run: (c) and (d) for every user at the start, then after each step (a) R is
/// unchanged, the world is still storable, and (c) and (d) hold for the user the step
/// concerned (the others and R are as they were, and the guard reads nothing else).
/// Visibility (the service's NOT_FOUND for a user R may not see) is left out: it only
/// refuses more, so the worlds reached here include every world the service can reach.
fn run(mut world: World, steps: &[Step]) -> Result<(), TestCaseError> {
    let requester = world.users[0].clone();
    let originals = world
        .users
        .iter()
        .flat_map(|person| person.roles.iter())
        .map(|row| (row.id, row.clone()))
        .collect();
    check_storable(&world)?;
    for person in &world.users {
        check_target_props(&requester, person)?;
    }
    for (n, step) in steps.iter().enumerate() {
        let touched = run_step(&mut world, step, &originals)?;
        prop_assert_eq!(
            snapshot(&world.users[0]),
            snapshot(&requester),
            "(a) step {} ({:?}) changed the requester",
            n,
            step
        );
        check_storable(&world)?;
        if let Some(t) = touched {
            check_target_props(&requester, &world.users[t])?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// (a) no self-escalation, (b) no escalation by steps, (c) assignable_roles is exactly
    /// what check_create_roles accepts, (d) a deactivated requester is refused everything,
    /// (e) no demotion or removal in steps that one step may not do.
    #[test]
    fn no_sequence_of_allowed_steps_escalates_and_assignable_roles_is_the_guard(
        world in world(),
        steps in vec(step(), 1..=20),
    ) {
        run(world, &steps)?;
    }
}
