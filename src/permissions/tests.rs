//! Tests of the permission rules: a table of the role guard with its expectations written
//! from the contract as data, then focused tests of each rule.

use super::*;

const W1: Id = 11;
const W2: Id = 12;
const W3: Id = 13;
const C1: Id = 21;
const C2: Id = 22;
const P1: Id = 31;
const P2: Id = 32;
const REQUESTER: Id = 1;
const TARGET: Id = 2;

fn ip(role: RoleType, workspace: Id) -> RoleRow {
    RoleRow {
        id: 100 + workspace,
        role,
        workspace_id: Some(workspace),
        cluster_id: None,
        is_active: true,
    }
}

fn cl(role: RoleType, cluster: Id) -> RoleRow {
    RoleRow {
        id: 200 + cluster,
        role,
        workspace_id: None,
        cluster_id: Some(cluster),
        is_active: true,
    }
}

fn csa_row() -> RoleRow {
    RoleRow {
        id: 300,
        role: CSA,
        workspace_id: None,
        cluster_id: None,
        is_active: true,
    }
}

fn inactive(row: RoleRow) -> RoleRow {
    RoleRow {
        is_active: false,
        ..row
    }
}

fn person(id: Id, partner_id: Option<Id>, roles: Vec<RoleRow>) -> Person {
    Person {
        id,
        is_active: true,
        partner_id,
        roles,
    }
}

/// The requester: user 1 of partner P1.
fn requester(roles: Vec<RoleRow>) -> Person {
    person(REQUESTER, Some(P1), roles)
}

/// A target: user 2.
fn target(partner_id: Option<Id>, roles: Vec<RoleRow>) -> Person {
    person(TARGET, partner_id, roles)
}

fn new_ip(role: RoleType, workspace: Id) -> NewRole {
    NewRole {
        role,
        workspace_id: Some(workspace),
        cluster_id: None,
    }
}

fn new_cl(role: RoleType, cluster: Id) -> NewRole {
    NewRole {
        role,
        workspace_id: None,
        cluster_id: Some(cluster),
    }
}

fn new_csa() -> NewRole {
    NewRole {
        role: CSA,
        workspace_id: None,
        cluster_id: None,
    }
}

fn create(r: &Person, new: NewRole, t: &Person) -> Result<(), Denial> {
    check_role(r, &RoleOp::Create(new), t)
}

fn change(r: &Person, row: &RoleRow, role: RoleType, t: &Person) -> Result<(), Denial> {
    let op = RoleOp::Update {
        row,
        role: Some(role),
        is_active: None,
    };
    check_role(r, &op, t)
}

fn set_active(r: &Person, row: &RoleRow, active: bool, t: &Person) -> Result<(), Denial> {
    let op = RoleOp::Update {
        row,
        role: None,
        is_active: Some(active),
    };
    check_role(r, &op, t)
}

fn delete(r: &Person, row: &RoleRow, t: &Person) -> Result<(), Denial> {
    check_role(r, &RoleOp::Delete { row }, t)
}

// ---------------------------------------------------------------------------------------------
// The table of the guard.

/// Where the requester's one role sits relative to the target's row (W1 / C1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Same,
    Other,
    Any,
}

/// Whether the target has the requester's partner (P1) or another one (P2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kin {
    Same,
    Other,
    Any,
}

/// One operation of the table on the target's row of a given role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// Create a row of that role (the target holds no roles yet).
    Create,
    /// Change the row's role to this one.
    To(RoleType),
    /// Set the (active) row's isActive to false.
    Toggle,
    /// Delete the row.
    Delete,
}

use Kin::{Any as AnyPartner, Same as SamePartner};
use Op::{Create, Delete, To, Toggle};
use Place::{Any as Anywhere, Same as SameScope};

/// Every allowed case of contract §4, written out; everything else is refused. Columns:
/// requester's one role, where it sits, the target's partner, the target row's role, the
/// operation on that row.
#[rustfmt::skip]
const ALLOWED: &[(RoleType, Place, Kin, RoleType, Op)] = &[
    // CLUSTER_SYSTEM_ADMIN: every cluster role of every partner, CSA creation; no IP role;
    // CSA rows are immutable and nothing turns into CSA.
    (CSA, Anywhere, AnyPartner, MEMBER, Create),
    (CSA, Anywhere, AnyPartner, VIEWER, Create),
    (CSA, Anywhere, AnyPartner, COORDINATOR, Create),
    (CSA, Anywhere, AnyPartner, IMO, Create),
    (CSA, Anywhere, AnyPartner, CSA, Create),
    (CSA, Anywhere, AnyPartner, MEMBER, To(VIEWER)),
    (CSA, Anywhere, AnyPartner, MEMBER, To(COORDINATOR)),
    (CSA, Anywhere, AnyPartner, MEMBER, To(IMO)),
    (CSA, Anywhere, AnyPartner, MEMBER, Toggle),
    (CSA, Anywhere, AnyPartner, MEMBER, Delete),
    (CSA, Anywhere, AnyPartner, VIEWER, To(MEMBER)),
    (CSA, Anywhere, AnyPartner, VIEWER, To(COORDINATOR)),
    (CSA, Anywhere, AnyPartner, VIEWER, To(IMO)),
    (CSA, Anywhere, AnyPartner, VIEWER, Toggle),
    (CSA, Anywhere, AnyPartner, VIEWER, Delete),
    (CSA, Anywhere, AnyPartner, COORDINATOR, To(MEMBER)),
    (CSA, Anywhere, AnyPartner, COORDINATOR, To(VIEWER)),
    (CSA, Anywhere, AnyPartner, COORDINATOR, To(IMO)),
    (CSA, Anywhere, AnyPartner, COORDINATOR, Toggle),
    (CSA, Anywhere, AnyPartner, COORDINATOR, Delete),
    (CSA, Anywhere, AnyPartner, IMO, To(MEMBER)),
    (CSA, Anywhere, AnyPartner, IMO, To(VIEWER)),
    (CSA, Anywhere, AnyPartner, IMO, To(COORDINATOR)),
    (CSA, Anywhere, AnyPartner, IMO, Toggle),
    (CSA, Anywhere, AnyPartner, IMO, Delete),
    // CLUSTER_IMO of the row's cluster: MEMBER, VIEWER, COORDINATOR of every partner.
    (IMO, SameScope, AnyPartner, MEMBER, Create),
    (IMO, SameScope, AnyPartner, VIEWER, Create),
    (IMO, SameScope, AnyPartner, COORDINATOR, Create),
    (IMO, SameScope, AnyPartner, MEMBER, To(VIEWER)),
    (IMO, SameScope, AnyPartner, MEMBER, To(COORDINATOR)),
    (IMO, SameScope, AnyPartner, MEMBER, Toggle),
    (IMO, SameScope, AnyPartner, MEMBER, Delete),
    (IMO, SameScope, AnyPartner, VIEWER, To(MEMBER)),
    (IMO, SameScope, AnyPartner, VIEWER, To(COORDINATOR)),
    (IMO, SameScope, AnyPartner, VIEWER, Toggle),
    (IMO, SameScope, AnyPartner, VIEWER, Delete),
    (IMO, SameScope, AnyPartner, COORDINATOR, To(MEMBER)),
    (IMO, SameScope, AnyPartner, COORDINATOR, To(VIEWER)),
    (IMO, SameScope, AnyPartner, COORDINATOR, Toggle),
    (IMO, SameScope, AnyPartner, COORDINATOR, Delete),
    // CLUSTER_MEMBER of the row's cluster: MEMBER and VIEWER of its own partner.
    (MEMBER, SameScope, SamePartner, MEMBER, Create),
    (MEMBER, SameScope, SamePartner, VIEWER, Create),
    (MEMBER, SameScope, SamePartner, MEMBER, To(VIEWER)),
    (MEMBER, SameScope, SamePartner, MEMBER, Toggle),
    (MEMBER, SameScope, SamePartner, MEMBER, Delete),
    (MEMBER, SameScope, SamePartner, VIEWER, To(MEMBER)),
    (MEMBER, SameScope, SamePartner, VIEWER, Toggle),
    (MEMBER, SameScope, SamePartner, VIEWER, Delete),
    // IP_AUTHORIZED_OFFICER of the row's workspace, own partner: EDITOR, VIEWER, ADMIN, and
    // toggling another AO's row.
    (AO, SameScope, SamePartner, IP_EDITOR, Create),
    (AO, SameScope, SamePartner, IP_VIEWER, Create),
    (AO, SameScope, SamePartner, IP_ADMIN, Create),
    (AO, SameScope, SamePartner, IP_EDITOR, To(IP_VIEWER)),
    (AO, SameScope, SamePartner, IP_EDITOR, To(IP_ADMIN)),
    (AO, SameScope, SamePartner, IP_EDITOR, Toggle),
    (AO, SameScope, SamePartner, IP_EDITOR, Delete),
    (AO, SameScope, SamePartner, IP_VIEWER, To(IP_EDITOR)),
    (AO, SameScope, SamePartner, IP_VIEWER, To(IP_ADMIN)),
    (AO, SameScope, SamePartner, IP_VIEWER, Toggle),
    (AO, SameScope, SamePartner, IP_VIEWER, Delete),
    (AO, SameScope, SamePartner, IP_ADMIN, To(IP_EDITOR)),
    (AO, SameScope, SamePartner, IP_ADMIN, To(IP_VIEWER)),
    (AO, SameScope, SamePartner, IP_ADMIN, Toggle),
    (AO, SameScope, SamePartner, IP_ADMIN, Delete),
    (AO, SameScope, SamePartner, AO, Toggle),
    // IP_ADMIN of the row's workspace, own partner: like an AO, but may not delete, toggle or
    // change an IP_ADMIN (contract 1.1 §9.2), nor touch an AO.
    (IP_ADMIN, SameScope, SamePartner, IP_EDITOR, Create),
    (IP_ADMIN, SameScope, SamePartner, IP_VIEWER, Create),
    (IP_ADMIN, SameScope, SamePartner, IP_ADMIN, Create),
    (IP_ADMIN, SameScope, SamePartner, IP_EDITOR, To(IP_VIEWER)),
    (IP_ADMIN, SameScope, SamePartner, IP_EDITOR, To(IP_ADMIN)),
    (IP_ADMIN, SameScope, SamePartner, IP_EDITOR, Toggle),
    (IP_ADMIN, SameScope, SamePartner, IP_EDITOR, Delete),
    (IP_ADMIN, SameScope, SamePartner, IP_VIEWER, To(IP_EDITOR)),
    (IP_ADMIN, SameScope, SamePartner, IP_VIEWER, To(IP_ADMIN)),
    (IP_ADMIN, SameScope, SamePartner, IP_VIEWER, Toggle),
    (IP_ADMIN, SameScope, SamePartner, IP_VIEWER, Delete),
    // IP_EDITOR, IP_VIEWER, CLUSTER_VIEWER, CLUSTER_COORDINATOR and no role at all: nothing.
];

/// The refusal when a case is not in [`ALLOWED`], from contract §4 steps 2-3: it depends only
/// on the row's role and the operation, since every scope in the table is well formed.
fn refusal(row_role: RoleType, op: Op) -> Denial {
    let fixed = |role: RoleType| role == AO || role == CSA;
    match op {
        Create => Denial::Forbidden,
        To(new) if new.is_ip() != row_role.is_ip() => Denial::ScopeMismatch,
        To(new) if fixed(new) => Denial::Forbidden,
        To(_) if fixed(row_role) => Denial::ImmutableRole,
        To(_) => Denial::Forbidden,
        Toggle if row_role == CSA => Denial::ImmutableRole,
        Toggle => Denial::Forbidden,
        Delete if fixed(row_role) => Denial::ImmutableRole,
        Delete => Denial::Forbidden,
    }
}

fn allow_matches(
    allow: &(RoleType, Place, Kin, RoleType, Op),
    case: (Option<RoleType>, Place, Kin, RoleType, Op),
) -> bool {
    let (a_role, a_place, a_kin, a_row, a_op) = *allow;
    let (role, place, kin, row, op) = case;
    role == Some(a_role)
        && (a_place == Place::Any || a_place == place)
        && (a_kin == Kin::Any || a_kin == kin)
        && a_row == row
        && a_op == op
}

/// The one row of a role in the place under test: IP roles in W1 (same) or W2 (other),
/// cluster roles in C1 or C2, CSA without scope.
fn placed(role: RoleType, place: Place) -> RoleRow {
    let same = place == Place::Same;
    if role == CSA {
        csa_row()
    } else if role.is_ip() {
        ip(role, if same { W1 } else { W2 })
    } else {
        cl(role, if same { C1 } else { C2 })
    }
}

fn scope_text(role: RoleType, place: Place) -> String {
    let row = placed(role, place);
    match (row.workspace_id, row.cluster_id) {
        (Some(_), _) if place == Place::Same => format!("{} of W1", role.as_str()),
        (Some(_), _) => format!("{} of W2", role.as_str()),
        (_, Some(_)) if place == Place::Same => format!("{} of C1", role.as_str()),
        (_, Some(_)) => format!("{} of C2", role.as_str()),
        _ => role.as_str().to_owned(),
    }
}

fn row_text(role: RoleType) -> String {
    if role == CSA {
        role.as_str().to_owned()
    } else if role.is_ip() {
        format!("{} in W1", role.as_str())
    } else {
        format!("{} in C1", role.as_str())
    }
}

fn outcome_text(outcome: Result<(), Denial>) -> String {
    match outcome {
        Ok(()) => "may".to_owned(),
        Err(denial) => format!("may not ({})", denial.code()),
    }
}

#[test]
fn the_role_guard_follows_the_contract_table() {
    let requester_roles: Vec<Option<RoleType>> = std::iter::once(None)
        .chain(RoleType::ALL.iter().copied().map(Some))
        .collect();
    let mut rows = 0usize;
    let mut mismatches: Vec<String> = Vec::new();
    let mut used = vec![false; ALLOWED.len()];

    for &requester_role in &requester_roles {
        for place in [Place::Same, Place::Other] {
            let r = requester(
                requester_role
                    .map(|role| placed(role, place))
                    .into_iter()
                    .collect(),
            );
            let who = requester_role.map_or_else(
                || "a user with no role".to_owned(),
                |role| scope_text(role, place),
            );
            for &row_role in RoleType::ALL {
                let ops: Vec<Op> = std::iter::once(Create)
                    .chain(
                        RoleType::ALL
                            .iter()
                            .copied()
                            .filter(|to| *to != row_role)
                            .map(To),
                    )
                    .chain([Toggle, Delete])
                    .collect();
                for kin in [Kin::Same, Kin::Other] {
                    let partner = if kin == Kin::Same { P1 } else { P2 };
                    let whom = if kin == Kin::Same {
                        "a user of the same partner"
                    } else {
                        "a user of another partner"
                    };
                    let row = placed(row_role, Place::Same);
                    let holder = target(Some(partner), vec![row.clone()]);
                    let fresh = target(Some(partner), Vec::new());
                    for op in ops.iter().copied() {
                        rows += 1;
                        let case = (requester_role, place, kin, row_role, op);
                        let mut expected = Err(refusal(row_role, op));
                        for (index, allow) in ALLOWED.iter().enumerate() {
                            if allow_matches(allow, case) {
                                used[index] = true;
                                expected = Ok(());
                            }
                        }
                        let (actual, what) = match op {
                            Create => {
                                let new = NewRole {
                                    role: row_role,
                                    workspace_id: row.workspace_id,
                                    cluster_id: row.cluster_id,
                                };
                                (
                                    create(&r, new, &fresh),
                                    format!("create {} for {whom}", row_text(row_role)),
                                )
                            }
                            To(new) => (
                                change(&r, &row, new, &holder),
                                format!(
                                    "change {} of {whom} to {}",
                                    row_text(row_role),
                                    new.as_str()
                                ),
                            ),
                            Toggle => (
                                set_active(&r, &row, false, &holder),
                                format!("deactivate {} of {whom}", row_text(row_role)),
                            ),
                            Delete => (
                                delete(&r, &row, &holder),
                                format!("delete {} of {whom}", row_text(row_role)),
                            ),
                        };
                        if actual != expected {
                            mismatches.push(format!(
                                "{who} {} {what}, but the guard says {}",
                                outcome_text(expected),
                                outcome_text(actual)
                            ));
                        }
                    }
                }
            }
        }
    }

    println!(
        "role guard table: {rows} rows, {} allow-list entries",
        ALLOWED.len()
    );
    assert_eq!(
        rows,
        10 * 9 * 2 * 2 * 11,
        "the table covers every combination"
    );
    let unused: Vec<String> = ALLOWED
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(allow, _)| format!("{allow:?}"))
        .collect();
    assert!(
        unused.is_empty(),
        "allow-list entries matching no row: {unused:#?}"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {rows} rows differ from the contract:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Contract 1.1 §9.1 over the table's cases, with active and deactivated targets: a holder
/// the requester sees on neither portal is NOT_FOUND before any other check; a visible one
/// gets the guard's answer.
#[test]
fn an_invisible_target_is_not_found_before_any_other_check() {
    let mut hidden = 0;
    let mut seen = 0;
    for requester_role in std::iter::once(None).chain(RoleType::ALL.iter().copied().map(Some)) {
        for place in [Place::Same, Place::Other] {
            let r = requester(
                requester_role
                    .map(|role| placed(role, place))
                    .into_iter()
                    .collect(),
            );
            for &row_role in RoleType::ALL {
                for partner in [Some(P1), Some(P2), None] {
                    for active in [true, false] {
                        let row = placed(row_role, Place::Same);
                        let mut holder = target(partner, vec![row.clone()]);
                        holder.is_active = active;
                        let ops = [
                            RoleOp::Delete { row: &row },
                            RoleOp::Update {
                                row: &row,
                                role: None,
                                is_active: Some(false),
                            },
                            RoleOp::Update {
                                row: &row,
                                role: Some(IP_EDITOR),
                                is_active: None,
                            },
                            RoleOp::Update {
                                row: &row,
                                role: Some(MEMBER),
                                is_active: None,
                            },
                        ];
                        for op in &ops {
                            let got = check_role_on(&r, op, &holder);
                            if can_see_user(&r, &holder) {
                                seen += 1;
                                assert_eq!(
                                    got,
                                    check_role(&r, op, &holder),
                                    "{r:?} {op:?} {holder:?}"
                                );
                            } else {
                                hidden += 1;
                                assert_eq!(got, Err(Denial::NotFound), "{r:?} {op:?} {holder:?}");
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        hidden > 0 && seen > 0,
        "both kinds of target occur: {hidden} hidden, {seen} seen"
    );
}

#[test]
fn the_allow_list_only_names_cases_the_structural_checks_let_through() {
    for (role, _, _, row_role, op) in ALLOWED {
        let structural = refusal(*row_role, *op);
        let is_ao_toggle = *row_role == AO && *op == Toggle;
        assert!(
            structural == Denial::Forbidden || is_ao_toggle,
            "{role:?} on {row_role:?} {op:?} is allowed, yet steps 2-3 refuse it with {structural:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Step 1.

#[test]
fn a_deactivated_target_is_refused_before_anything_else() {
    let csa = requester(vec![csa_row()]);
    let mut t = target(Some(P1), vec![cl(MEMBER, C1), csa_row()]);
    t.is_active = false;
    let row = cl(MEMBER, C1);
    assert_eq!(
        create(&csa, new_cl(MEMBER, C2), &t),
        Err(Denial::TargetDeactivated)
    );
    assert_eq!(
        create(&csa, new_ip(IP_EDITOR, W1), &t),
        Err(Denial::TargetDeactivated)
    );
    assert_eq!(
        change(&csa, &row, VIEWER, &t),
        Err(Denial::TargetDeactivated)
    );
    assert_eq!(
        set_active(&csa, &row, false, &t),
        Err(Denial::TargetDeactivated)
    );
    assert_eq!(delete(&csa, &csa_row(), &t), Err(Denial::TargetDeactivated));
    let mut own = csa.clone();
    own.is_active = false;
    assert_eq!(
        create(&csa, new_cl(MEMBER, C1), &own),
        Err(Denial::TargetDeactivated)
    );
}

#[test]
fn nobody_may_act_on_its_own_roles() {
    let me = requester(vec![csa_row(), cl(IMO, C1), ip(AO, W1)]);
    assert_eq!(
        create(&me, new_cl(MEMBER, C2), &me),
        Err(Denial::SelfModification)
    );
    assert_eq!(
        change(&me, &cl(IMO, C1), MEMBER, &me),
        Err(Denial::SelfModification)
    );
    assert_eq!(
        set_active(&me, &ip(AO, W1), false, &me),
        Err(Denial::SelfModification)
    );
    assert_eq!(
        delete(&me, &cl(IMO, C1), &me),
        Err(Denial::SelfModification)
    );
    assert_eq!(
        check_create_roles(&me, &me, &[new_cl(MEMBER, C2), new_ip(IP_EDITOR, W2)]),
        Err(vec![
            (0, Denial::SelfModification),
            (1, Denial::SelfModification)
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Step 2.

#[test]
fn a_new_role_must_carry_the_scope_of_its_family() {
    let csa = requester(vec![csa_row()]);
    let t = target(Some(P1), Vec::new());
    let shaped = |role, workspace_id, cluster_id| NewRole {
        role,
        workspace_id,
        cluster_id,
    };
    let wrong = [
        shaped(IP_EDITOR, None, None),
        shaped(IP_EDITOR, None, Some(C1)),
        shaped(IP_EDITOR, Some(W1), Some(C1)),
        shaped(AO, None, None),
        shaped(MEMBER, None, None),
        shaped(MEMBER, Some(W1), None),
        shaped(IMO, Some(W1), Some(C1)),
        shaped(CSA, Some(W1), None),
        shaped(CSA, None, Some(C1)),
    ];
    for new in wrong {
        assert_eq!(create(&csa, new, &t), Err(Denial::ScopeMismatch), "{new:?}");
    }
    let no_role = requester(Vec::new());
    assert_eq!(
        create(&no_role, shaped(IP_VIEWER, None, Some(C1)), &t),
        Err(Denial::ScopeMismatch),
        "shape is checked before authority"
    );
}

#[test]
fn an_update_may_not_cross_families() {
    let ao = requester(vec![ip(AO, W1)]);
    let csa = requester(vec![csa_row()]);
    let t = target(Some(P1), vec![ip(IP_EDITOR, W1), cl(MEMBER, C1)]);
    assert_eq!(
        change(&ao, &ip(IP_EDITOR, W1), MEMBER, &t),
        Err(Denial::ScopeMismatch)
    );
    assert_eq!(
        change(&csa, &cl(MEMBER, C1), IP_EDITOR, &t),
        Err(Denial::ScopeMismatch)
    );
    assert_eq!(
        change(&csa, &cl(MEMBER, C1), AO, &t),
        Err(Denial::ScopeMismatch)
    );
    assert_eq!(
        change(&csa, &ip(IP_EDITOR, W1), CSA, &t),
        Err(Denial::ScopeMismatch),
        "an IP row turned into CSA is a family change first"
    );
    assert_eq!(
        change(&csa, &csa_row(), IP_VIEWER, &t),
        Err(Denial::ScopeMismatch)
    );
}

#[test]
fn nothing_is_turned_into_a_system_admin_or_an_authorized_officer() {
    let csa = requester(vec![csa_row()]);
    let ao = requester(vec![ip(AO, W1)]);
    let t = target(Some(P1), vec![ip(IP_ADMIN, W1), cl(IMO, C1)]);
    assert_eq!(change(&csa, &cl(IMO, C1), CSA, &t), Err(Denial::Forbidden));
    assert_eq!(
        change(&csa, &cl(MEMBER, C1), CSA, &t),
        Err(Denial::Forbidden)
    );
    assert_eq!(
        change(&ao, &ip(IP_ADMIN, W1), AO, &t),
        Err(Denial::Forbidden)
    );
    assert_eq!(
        change(&ao, &ip(IP_EDITOR, W1), AO, &t),
        Err(Denial::Forbidden)
    );
}

#[test]
fn an_update_that_changes_nothing_is_a_validation_error() {
    let csa = requester(vec![csa_row()]);
    let ao = requester(vec![ip(AO, W1)]);
    let member = cl(MEMBER, C1);
    let officer = ip(AO, W1);
    let t = target(Some(P1), vec![member.clone(), officer.clone()]);
    let cases = [
        (&member, None, None),
        (&member, Some(MEMBER), None),
        (&member, None, Some(true)),
        (&member, Some(MEMBER), Some(true)),
    ];
    for (row, role, is_active) in cases {
        let op = RoleOp::Update {
            row,
            role,
            is_active,
        };
        assert_eq!(
            check_role(&csa, &op, &t),
            Err(Denial::Validation),
            "{role:?} {is_active:?}"
        );
    }
    let op = RoleOp::Update {
        row: &officer,
        role: Some(AO),
        is_active: Some(true),
    };
    assert_eq!(check_role(&ao, &op, &t), Err(Denial::Validation));
    let system = csa_row();
    let op = RoleOp::Update {
        row: &system,
        role: None,
        is_active: None,
    };
    assert_eq!(check_role(&csa, &op, &t), Err(Denial::Validation));
}

// ---------------------------------------------------------------------------------------------
// Step 3.

#[test]
fn authorized_officers_are_never_created_deleted_or_changed() {
    let ao = requester(vec![ip(AO, W1)]);
    let csa = requester(vec![csa_row()]);
    let fresh = target(Some(P1), Vec::new());
    assert_eq!(create(&ao, new_ip(AO, W1), &fresh), Err(Denial::Forbidden));
    assert_eq!(create(&csa, new_ip(AO, W1), &fresh), Err(Denial::Forbidden));
    let officer = ip(AO, W1);
    let t = target(Some(P1), vec![officer.clone()]);
    assert_eq!(delete(&ao, &officer, &t), Err(Denial::ImmutableRole));
    assert_eq!(
        change(&ao, &officer, IP_ADMIN, &t),
        Err(Denial::ImmutableRole)
    );
    assert_eq!(
        change(&csa, &officer, IP_VIEWER, &t),
        Err(Denial::ImmutableRole)
    );
    let both = RoleOp::Update {
        row: &officer,
        role: Some(IP_EDITOR),
        is_active: Some(false),
    };
    assert_eq!(check_role(&ao, &both, &t), Err(Denial::ImmutableRole));
}

#[test]
fn only_an_officer_of_the_same_workspace_and_partner_toggles_an_officer() {
    let officer = ip(AO, W1);
    let t = target(Some(P1), vec![officer.clone()]);
    let ao_w1 = requester(vec![ip(AO, W1)]);
    assert_eq!(set_active(&ao_w1, &officer, false, &t), Ok(()));
    let off = inactive(officer.clone());
    let t_off = target(Some(P1), vec![off.clone()]);
    assert_eq!(
        set_active(&ao_w1, &off, true, &t_off),
        Ok(()),
        "reactivation too"
    );

    let ao_w2 = requester(vec![ip(AO, W2)]);
    assert_eq!(
        set_active(&ao_w2, &officer, false, &t),
        Err(Denial::Forbidden)
    );
    let other = target(Some(P2), vec![officer.clone()]);
    assert_eq!(
        set_active(&ao_w1, &officer, false, &other),
        Err(Denial::Forbidden)
    );
    let admin_w1 = requester(vec![ip(IP_ADMIN, W1)]);
    assert_eq!(
        set_active(&admin_w1, &officer, false, &t),
        Err(Denial::Forbidden)
    );
    let csa = requester(vec![csa_row()]);
    assert_eq!(
        set_active(&csa, &officer, false, &t),
        Err(Denial::Forbidden)
    );
    let sleeping_ao = requester(vec![inactive(ip(AO, W1))]);
    assert_eq!(
        set_active(&sleeping_ao, &officer, false, &t),
        Err(Denial::Forbidden)
    );
    let partnerless_ao = person(REQUESTER, None, vec![ip(AO, W1)]);
    let partnerless = target(None, vec![officer.clone()]);
    assert_eq!(
        set_active(&partnerless_ao, &officer, false, &partnerless),
        Err(Denial::Forbidden)
    );
}

#[test]
fn system_admin_rows_are_never_changed_or_deleted() {
    let csa = requester(vec![csa_row()]);
    let row = csa_row();
    let t = target(Some(P1), vec![row.clone()]);
    assert_eq!(
        set_active(&csa, &row, false, &t),
        Err(Denial::ImmutableRole)
    );
    assert_eq!(delete(&csa, &row, &t), Err(Denial::ImmutableRole));
    assert_eq!(change(&csa, &row, IMO, &t), Err(Denial::ImmutableRole));
    assert_eq!(change(&csa, &row, MEMBER, &t), Err(Denial::ImmutableRole));
    let nobody = requester(Vec::new());
    assert_eq!(delete(&nobody, &row, &t), Err(Denial::ImmutableRole));
}

// ---------------------------------------------------------------------------------------------
// Step 4.

#[test]
fn a_role_cannot_be_created_where_the_target_already_holds_one() {
    let ao = requester(vec![ip(AO, W1), ip(AO, W2)]);
    let csa = requester(vec![csa_row()]);
    let t = target(Some(P1), vec![inactive(ip(IP_VIEWER, W1)), cl(MEMBER, C1)]);
    assert_eq!(
        create(&ao, new_ip(IP_EDITOR, W1), &t),
        Err(Denial::RoleExistsInScope),
        "an inactive row counts"
    );
    assert_eq!(
        create(&ao, new_ip(IP_VIEWER, W1), &t),
        Err(Denial::RoleExistsInScope)
    );
    assert_eq!(create(&ao, new_ip(IP_EDITOR, W2), &t), Ok(()));
    assert_eq!(
        create(&csa, new_cl(COORDINATOR, C1), &t),
        Err(Denial::RoleExistsInScope)
    );
    assert_eq!(create(&csa, new_cl(COORDINATOR, C2), &t), Ok(()));
    let nobody = requester(Vec::new());
    assert_eq!(
        create(&nobody, new_cl(MEMBER, C1), &t),
        Err(Denial::RoleExistsInScope),
        "step 4 comes before authority"
    );
}

#[test]
fn a_system_admin_target_takes_no_new_role() {
    let csa = requester(vec![csa_row()]);
    let ao = requester(vec![ip(AO, W1)]);
    let t = target(Some(P1), vec![csa_row()]);
    assert_eq!(
        create(&csa, new_cl(MEMBER, C1), &t),
        Err(Denial::RoleExistsInScope)
    );
    assert_eq!(create(&csa, new_csa(), &t), Err(Denial::RoleExistsInScope));
    assert_eq!(
        create(&ao, new_ip(IP_EDITOR, W1), &t),
        Err(Denial::RoleExistsInScope)
    );
    let dormant = target(Some(P1), vec![inactive(csa_row())]);
    assert_eq!(
        create(&csa, new_cl(MEMBER, C1), &dormant),
        Err(Denial::RoleExistsInScope)
    );
}

#[test]
fn a_system_admin_may_be_created_over_other_cluster_roles() {
    let csa = requester(vec![csa_row()]);
    let t = target(
        Some(P1),
        vec![cl(MEMBER, C1), cl(IMO, C2), ip(IP_EDITOR, W1)],
    );
    assert_eq!(create(&csa, new_csa(), &t), Ok(()));
    assert_eq!(check_create_roles(&csa, &t, &[new_csa()]), Ok(()));
}

#[test]
fn two_entries_with_one_scope_fail_on_the_later_one() {
    let ao = requester(vec![ip(AO, W1), ip(AO, W2)]);
    let csa = requester(vec![csa_row()]);
    let t = target(Some(P1), Vec::new());
    assert_eq!(
        check_create_roles(&ao, &t, &[new_ip(IP_EDITOR, W1), new_ip(IP_VIEWER, W1)]),
        Err(vec![(1, Denial::DuplicateScope)])
    );
    assert_eq!(
        check_create_roles(
            &csa,
            &t,
            &[
                new_cl(MEMBER, C1),
                new_cl(VIEWER, C2),
                new_cl(IMO, C1),
                new_cl(COORDINATOR, C1)
            ]
        ),
        Err(vec![
            (2, Denial::DuplicateScope),
            (3, Denial::DuplicateScope)
        ])
    );
    assert_eq!(
        check_create_roles(&ao, &t, &[new_ip(IP_EDITOR, W1), new_ip(IP_VIEWER, W2)]),
        Ok(())
    );
    let editor_w1 = requester(vec![ip(IP_EDITOR, W1)]);
    assert_eq!(
        check_create_roles(
            &editor_w1,
            &t,
            &[new_ip(IP_EDITOR, W1), new_ip(IP_VIEWER, W1)]
        ),
        Err(vec![(0, Denial::Forbidden), (1, Denial::DuplicateScope)]),
        "DUPLICATE_SCOPE comes before authority"
    );
    let holder = target(Some(P1), vec![ip(IP_VIEWER, W1)]);
    assert_eq!(
        check_create_roles(
            &ao,
            &holder,
            &[new_ip(IP_EDITOR, W1), new_ip(IP_VIEWER, W1)]
        ),
        Err(vec![
            (0, Denial::RoleExistsInScope),
            (1, Denial::RoleExistsInScope)
        ]),
        "ROLE_EXISTS_IN_SCOPE comes before DUPLICATE_SCOPE"
    );
}

#[test]
fn a_system_admin_entry_must_be_alone() {
    let csa = requester(vec![csa_row()]);
    let t = target(Some(P1), Vec::new());
    assert_eq!(
        check_create_roles(&csa, &t, &[new_cl(MEMBER, C1), new_csa()]),
        Err(vec![(1, Denial::Validation)])
    );
    assert_eq!(
        check_create_roles(&csa, &t, &[new_csa(), new_csa()]),
        Err(vec![(0, Denial::Validation), (1, Denial::Validation)])
    );
    assert_eq!(check_create_roles(&csa, &t, &[new_csa()]), Ok(()));
    assert_eq!(
        check_create_roles(&csa, &t, &[]),
        Ok(()),
        "emptiness is the caller's check"
    );
}

#[test]
fn create_roles_names_every_failing_entry() {
    let admin_w1 = requester(vec![ip(IP_ADMIN, W1)]);
    let t = target(Some(P1), vec![ip(IP_EDITOR, W3)]);
    let entries = [
        new_ip(IP_EDITOR, W1),
        new_ip(IP_VIEWER, W2),
        new_cl(MEMBER, C1),
        new_ip(IP_ADMIN, W3),
        NewRole {
            role: IP_VIEWER,
            workspace_id: None,
            cluster_id: None,
        },
        new_ip(AO, W1),
    ];
    assert_eq!(
        check_create_roles(&admin_w1, &t, &entries),
        Err(vec![
            (1, Denial::Forbidden),
            (2, Denial::Forbidden),
            (3, Denial::RoleExistsInScope),
            (4, Denial::ScopeMismatch),
            (5, Denial::Forbidden),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Step 5 beyond the table.

#[test]
fn only_active_roles_grant_authority() {
    let t = target(Some(P1), vec![ip(IP_EDITOR, W1), cl(MEMBER, C1)]);
    let fresh = target(Some(P1), Vec::new());
    let sleeping = [
        inactive(csa_row()),
        inactive(ip(AO, W1)),
        inactive(ip(IP_ADMIN, W1)),
        inactive(cl(IMO, C1)),
        inactive(cl(MEMBER, C1)),
    ];
    for row in sleeping {
        let r = requester(vec![row.clone(), ip(IP_VIEWER, W2)]);
        assert_eq!(
            create(&r, new_ip(IP_VIEWER, W1), &fresh),
            Err(Denial::Forbidden),
            "{row:?}"
        );
        assert_eq!(
            create(&r, new_cl(VIEWER, C1), &fresh),
            Err(Denial::Forbidden),
            "{row:?}"
        );
        assert_eq!(
            delete(&r, &ip(IP_EDITOR, W1), &t),
            Err(Denial::Forbidden),
            "{row:?}"
        );
        assert_eq!(
            delete(&r, &cl(MEMBER, C1), &t),
            Err(Denial::Forbidden),
            "{row:?}"
        );
    }
}

#[test]
fn a_deactivated_requester_holds_no_authority() {
    let mut csa = requester(vec![csa_row(), ip(AO, W1), cl(IMO, C1)]);
    csa.is_active = false;
    let fresh = target(Some(P1), Vec::new());
    let t = target(Some(P1), vec![cl(MEMBER, C1), ip(AO, W1)]);
    assert_eq!(
        create(&csa, new_cl(MEMBER, C1), &fresh),
        Err(Denial::Forbidden)
    );
    assert_eq!(
        create(&csa, new_ip(IP_EDITOR, W1), &fresh),
        Err(Denial::Forbidden)
    );
    assert_eq!(create(&csa, new_csa(), &fresh), Err(Denial::Forbidden));
    assert_eq!(delete(&csa, &cl(MEMBER, C1), &t), Err(Denial::Forbidden));
    assert_eq!(
        set_active(&csa, &ip(AO, W1), false, &t),
        Err(Denial::Forbidden)
    );
    assert_eq!(
        assignable_roles(&csa, &fresh, Some(W1), None),
        Vec::<RoleType>::new()
    );
    assert_eq!(user_scope(&csa, Portal::Cluster), Err(Denial::Forbidden));
    assert_eq!(user_scope(&csa, Portal::Ip), Err(Denial::Forbidden));
    assert_eq!(partner_scope(&csa), PartnerScope::Own(Some(P1)));
    assert!(!sees_all_audit(&csa));
    assert_eq!(check_manage_partners(&csa), Err(Denial::Forbidden));
    assert_eq!(check_set_user_active(&csa, &t), Err(Denial::Forbidden));
}

#[test]
fn reactivating_a_row_needs_the_authority_to_delete_it() {
    let admin_w1 = requester(vec![ip(IP_ADMIN, W1)]);
    let ao_w1 = requester(vec![ip(AO, W1)]);
    let editor = inactive(ip(IP_EDITOR, W1));
    let admin = inactive(ip(IP_ADMIN, W1));
    let t = target(Some(P1), vec![editor.clone()]);
    let t_admin = target(Some(P1), vec![admin.clone()]);
    assert_eq!(set_active(&admin_w1, &editor, true, &t), Ok(()));
    assert_eq!(
        set_active(&admin_w1, &admin, true, &t_admin),
        Err(Denial::Forbidden)
    );
    assert_eq!(set_active(&ao_w1, &admin, true, &t_admin), Ok(()));
}

#[test]
fn a_change_of_role_and_activity_needs_both_authorities() {
    let admin_w1 = requester(vec![ip(IP_ADMIN, W1)]);
    let ao_w1 = requester(vec![ip(AO, W1)]);
    let member_c1 = requester(vec![cl(MEMBER, C1)]);
    let editor = ip(IP_EDITOR, W1);
    let admin = ip(IP_ADMIN, W1);
    let member = cl(MEMBER, C1);
    let t = target(Some(P1), vec![editor.clone(), member.clone()]);
    let t_admin = target(Some(P1), vec![admin.clone()]);
    let both = |row, role| RoleOp::Update {
        row,
        role: Some(role),
        is_active: Some(false),
    };
    assert_eq!(check_role(&admin_w1, &both(&editor, IP_VIEWER), &t), Ok(()));
    assert_eq!(
        check_role(&admin_w1, &both(&editor, IP_ADMIN), &t),
        Err(Denial::Forbidden),
        "the row becomes an IP_ADMIN, which only an AO may deactivate"
    );
    assert_eq!(check_role(&ao_w1, &both(&editor, IP_ADMIN), &t), Ok(()));
    assert_eq!(
        check_role(&admin_w1, &both(&admin, IP_EDITOR), &t_admin),
        Err(Denial::Forbidden)
    );
    assert_eq!(
        check_role(&ao_w1, &both(&admin, IP_EDITOR), &t_admin),
        Ok(())
    );
    assert_eq!(check_role(&member_c1, &both(&member, VIEWER), &t), Ok(()));
    assert_eq!(
        check_role(&member_c1, &both(&member, COORDINATOR), &t),
        Err(Denial::Forbidden)
    );
}

#[test]
fn ip_roles_need_a_shared_partner_even_for_an_officer() {
    let ao = person(REQUESTER, None, vec![ip(AO, W1)]);
    let t = target(None, Vec::new());
    assert_eq!(
        create(&ao, new_ip(IP_EDITOR, W1), &t),
        Err(Denial::Forbidden)
    );
    let member = person(REQUESTER, None, vec![cl(MEMBER, C1)]);
    assert_eq!(
        create(&member, new_cl(VIEWER, C1), &t),
        Err(Denial::Forbidden)
    );
    let imo = person(REQUESTER, None, vec![cl(IMO, C1)]);
    assert_eq!(
        create(&imo, new_cl(VIEWER, C1), &t),
        Ok(()),
        "an IMO needs no partner"
    );
}

#[test]
fn the_check_role_of_one_entry_agrees_with_create_roles_of_that_entry() {
    let t = target(Some(P1), vec![ip(IP_EDITOR, W2)]);
    for role in RoleType::ALL.iter().copied() {
        let r = requester(vec![placed(role, Place::Same)]);
        for entry in [
            new_ip(IP_ADMIN, W1),
            new_ip(IP_EDITOR, W2),
            new_cl(MEMBER, C1),
            new_cl(IMO, C2),
            new_csa(),
        ] {
            let single = check_create_roles(&r, &t, &[entry])
                .map_err(|errors| errors.first().map(|(_, denial)| *denial));
            assert_eq!(
                single,
                create(&r, entry, &t).map_err(Some),
                "{role:?} {entry:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// assignableRoles.

#[test]
fn assignable_roles_lists_what_create_roles_accepts() {
    let fresh = target(Some(P1), Vec::new());
    let admin_w1 = requester(vec![ip(IP_ADMIN, W1)]);
    assert_eq!(
        assignable_roles(&admin_w1, &fresh, Some(W1), None),
        vec![IP_EDITOR, IP_VIEWER, IP_ADMIN]
    );
    assert_eq!(
        assignable_roles(&admin_w1, &fresh, Some(W2), None),
        Vec::<RoleType>::new()
    );
    let csa = requester(vec![csa_row()]);
    assert_eq!(
        assignable_roles(&csa, &fresh, None, Some(C1)),
        vec![IMO, VIEWER, COORDINATOR, MEMBER]
    );
    assert_eq!(assignable_roles(&csa, &fresh, None, None), vec![CSA]);
    assert_eq!(
        assignable_roles(&csa, &fresh, Some(W1), Some(C1)),
        Vec::<RoleType>::new()
    );
    let member_c1 = requester(vec![cl(MEMBER, C1)]);
    assert_eq!(
        assignable_roles(&member_c1, &fresh, None, Some(C1)),
        vec![VIEWER, MEMBER]
    );
    let other = target(Some(P2), Vec::new());
    assert_eq!(
        assignable_roles(&member_c1, &other, None, Some(C1)),
        Vec::<RoleType>::new()
    );
    let holder = target(Some(P1), vec![inactive(cl(VIEWER, C1))]);
    assert_eq!(
        assignable_roles(&csa, &holder, None, Some(C1)),
        Vec::<RoleType>::new()
    );

    let requesters: Vec<Person> = std::iter::once(requester(Vec::new()))
        .chain(RoleType::ALL.iter().flat_map(|role| {
            [Place::Same, Place::Other].map(|place| requester(vec![placed(*role, place)]))
        }))
        .collect();
    let targets = [
        target(Some(P1), Vec::new()),
        target(Some(P2), Vec::new()),
        target(None, Vec::new()),
        target(Some(P1), vec![ip(IP_VIEWER, W1)]),
        target(Some(P1), vec![cl(MEMBER, C1)]),
        target(Some(P1), vec![csa_row()]),
    ];
    let scopes = [
        (None, None),
        (Some(W1), None),
        (Some(W2), None),
        (None, Some(C1)),
        (None, Some(C2)),
        (Some(W1), Some(C1)),
    ];
    for r in &requesters {
        for t in &targets {
            for (workspace_id, cluster_id) in scopes {
                let expected: Vec<RoleType> = RoleType::ALL
                    .iter()
                    .copied()
                    .filter(|role| {
                        create(
                            r,
                            NewRole {
                                role: *role,
                                workspace_id,
                                cluster_id,
                            },
                            t,
                        )
                        .is_ok()
                    })
                    .collect();
                assert_eq!(
                    assignable_roles(r, t, workspace_id, cluster_id),
                    expected,
                    "{r:?} {t:?} {workspace_id:?} {cluster_id:?}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Visibility.

#[test]
fn the_cluster_list_is_everyone_for_admins_and_imos_and_the_partner_for_members() {
    assert_eq!(
        user_scope(&requester(vec![csa_row()]), Portal::Cluster),
        Ok(UserScope::All)
    );
    assert_eq!(
        user_scope(&requester(vec![cl(IMO, C2)]), Portal::Cluster),
        Ok(UserScope::All)
    );
    assert_eq!(
        user_scope(&requester(vec![cl(MEMBER, C1)]), Portal::Cluster),
        Ok(UserScope::SamePartner(Some(P1)))
    );
    assert_eq!(
        user_scope(
            &requester(vec![inactive(cl(IMO, C1)), cl(MEMBER, C2)]),
            Portal::Cluster
        ),
        Ok(UserScope::SamePartner(Some(P1)))
    );
    for role in [VIEWER, COORDINATOR, AO, IP_ADMIN] {
        let r = requester(vec![placed(role, Place::Same)]);
        assert_eq!(
            user_scope(&r, Portal::Cluster),
            Err(Denial::Forbidden),
            "{role:?}"
        );
    }
    assert_eq!(
        user_scope(&requester(Vec::new()), Portal::Cluster),
        Err(Denial::Forbidden)
    );
}

#[test]
fn the_ip_list_is_the_partner_in_the_officers_workspaces() {
    let r = requester(vec![
        ip(AO, W2),
        ip(IP_ADMIN, W1),
        ip(IP_EDITOR, W3),
        inactive(ip(AO, 99)),
    ]);
    assert_eq!(
        user_scope(&r, Portal::Ip),
        Ok(UserScope::IpPartner {
            partner_id: Some(P1),
            workspace_ids: vec![W1, W2],
        })
    );
    for role in [IP_EDITOR, IP_VIEWER, CSA, IMO, MEMBER] {
        let r = requester(vec![placed(role, Place::Same)]);
        assert_eq!(
            user_scope(&r, Portal::Ip),
            Err(Denial::Forbidden),
            "{role:?}"
        );
    }
    assert_eq!(
        user_scope(&requester(vec![inactive(ip(AO, W1))]), Portal::Ip),
        Err(Denial::Forbidden)
    );
}

#[test]
fn an_ip_scope_admits_partner_users_in_its_workspaces_without_roles_or_with_cluster_roles() {
    let scope = UserScope::IpPartner {
        partner_id: Some(P1),
        workspace_ids: vec![W1, W2],
    };
    assert!(scope.admits(&target(Some(P1), vec![inactive(ip(IP_VIEWER, W1))])));
    assert!(scope.admits(&target(Some(P1), vec![ip(IP_VIEWER, W3), ip(AO, W2)])));
    assert!(scope.admits(&target(Some(P1), Vec::new())));
    assert!(scope.admits(&target(Some(P1), vec![ip(IP_VIEWER, W3), cl(VIEWER, C1)])));
    assert!(scope.admits(&target(Some(P1), vec![csa_row()])));
    assert!(!scope.admits(&target(Some(P1), vec![ip(IP_VIEWER, W3)])));
    assert!(!scope.admits(&target(Some(P2), vec![ip(IP_VIEWER, W1)])));
    assert!(!scope.admits(&target(None, Vec::new())));
    let partnerless = UserScope::IpPartner {
        partner_id: None,
        workspace_ids: vec![W1],
    };
    assert!(!partnerless.admits(&target(None, Vec::new())));
    assert!(!partnerless.admits(&target(None, vec![ip(IP_VIEWER, W1)])));
}

#[test]
fn a_partner_scope_without_partner_admits_nobody() {
    assert!(!UserScope::SamePartner(None).admits(&target(None, Vec::new())));
    assert!(UserScope::SamePartner(Some(P1)).admits(&target(Some(P1), Vec::new())));
    assert!(!UserScope::SamePartner(Some(P1)).admits(&target(Some(P2), Vec::new())));
    assert!(UserScope::All.admits(&target(None, Vec::new())));
}

#[test]
fn a_user_is_visible_to_itself_and_to_whoever_lists_it_on_either_portal() {
    let nobody = requester(Vec::new());
    assert!(can_see_user(&nobody, &nobody));
    assert!(!can_see_user(&nobody, &target(Some(P1), Vec::new())));
    let editor = requester(vec![ip(IP_EDITOR, W1)]);
    assert!(!can_see_user(
        &editor,
        &target(Some(P1), vec![ip(IP_VIEWER, W1)])
    ));
    let member = requester(vec![cl(MEMBER, C1)]);
    assert!(can_see_user(
        &member,
        &target(Some(P1), vec![ip(IP_VIEWER, W3)])
    ));
    assert!(!can_see_user(
        &member,
        &target(Some(P2), vec![cl(MEMBER, C1)])
    ));
    let ao = requester(vec![ip(AO, W1)]);
    assert!(can_see_user(
        &ao,
        &target(Some(P1), vec![ip(IP_VIEWER, W1)])
    ));
    assert!(can_see_user(&ao, &target(Some(P1), vec![cl(VIEWER, C2)])));
    assert!(!can_see_user(
        &ao,
        &target(Some(P1), vec![ip(IP_VIEWER, W2)])
    ));
    assert!(!can_see_user(&ao, &target(Some(P2), Vec::new())));
    let both = requester(vec![ip(AO, W1), cl(MEMBER, C1)]);
    assert!(
        can_see_user(&both, &target(Some(P1), vec![ip(IP_VIEWER, W2)])),
        "the cluster list admits it"
    );
    let imo = requester(vec![cl(IMO, C1)]);
    assert!(can_see_user(&imo, &target(None, Vec::new())));
    let mut deactivated = target(Some(P2), vec![csa_row()]);
    deactivated.is_active = false;
    assert!(can_see_user(&imo, &deactivated));
}

#[test]
fn partners_are_all_for_admins_and_imos_and_the_own_one_otherwise() {
    assert_eq!(
        partner_scope(&requester(vec![csa_row()])),
        PartnerScope::All
    );
    assert_eq!(
        partner_scope(&requester(vec![cl(IMO, C1)])),
        PartnerScope::All
    );
    assert_eq!(
        partner_scope(&requester(vec![ip(AO, W1)])),
        PartnerScope::Own(Some(P1))
    );
    assert_eq!(
        partner_scope(&person(REQUESTER, None, Vec::new())),
        PartnerScope::Own(None)
    );
    assert_eq!(
        partner_scope(&requester(vec![inactive(cl(IMO, C1))])),
        PartnerScope::Own(Some(P1))
    );
}

#[test]
fn workspaces_are_all_for_admins_and_those_of_active_roles_otherwise() {
    assert_eq!(
        workspace_scope(&requester(vec![csa_row()])),
        WorkspaceScope::All
    );
    let r = requester(vec![
        ip(IP_VIEWER, W2),
        ip(AO, W1),
        cl(MEMBER, C2),
        cl(IMO, C1),
        inactive(ip(IP_EDITOR, W3)),
    ]);
    assert_eq!(
        workspace_scope(&r),
        WorkspaceScope::Of {
            workspace_ids: vec![W1, W2],
            cluster_ids: vec![C1, C2],
        }
    );
    assert_eq!(
        workspace_scope(&requester(Vec::new())),
        WorkspaceScope::Of {
            workspace_ids: Vec::new(),
            cluster_ids: Vec::new(),
        }
    );
}

#[test]
fn assignable_clusters_prefer_imo_clusters_then_member_clusters() {
    assert_eq!(
        assignable_cluster_scope(&requester(vec![csa_row()])),
        Ok(ClusterScope::All)
    );
    let both = requester(vec![cl(MEMBER, C1), cl(IMO, C2)]);
    assert_eq!(
        assignable_cluster_scope(&both),
        Ok(ClusterScope::Only(vec![C2]))
    );
    let member = requester(vec![cl(MEMBER, C2), cl(MEMBER, C1), cl(VIEWER, 23)]);
    assert_eq!(
        assignable_cluster_scope(&member),
        Ok(ClusterScope::Only(vec![C1, C2]))
    );
    let sleeping_imo = requester(vec![inactive(cl(IMO, C2)), cl(MEMBER, C1)]);
    assert_eq!(
        assignable_cluster_scope(&sleeping_imo),
        Ok(ClusterScope::Only(vec![C1]))
    );
    for roles in [
        vec![cl(VIEWER, C1), cl(COORDINATOR, C2)],
        vec![ip(AO, W1)],
        Vec::new(),
    ] {
        assert_eq!(
            assignable_cluster_scope(&requester(roles)),
            Err(Denial::Forbidden)
        );
    }
}

#[test]
fn assignable_partners_are_all_for_admins_and_imos_and_the_own_one_for_members() {
    assert_eq!(
        assignable_partner_scope(&requester(vec![csa_row()])),
        Ok(PartnerScope::All)
    );
    assert_eq!(
        assignable_partner_scope(&requester(vec![cl(IMO, C1)])),
        Ok(PartnerScope::All)
    );
    assert_eq!(
        assignable_partner_scope(&requester(vec![cl(MEMBER, C1)])),
        Ok(PartnerScope::Own(Some(P1)))
    );
    for roles in [vec![cl(COORDINATOR, C1)], vec![ip(AO, W1)], Vec::new()] {
        assert_eq!(
            assignable_partner_scope(&requester(roles)),
            Err(Denial::Forbidden)
        );
    }
}

#[test]
fn only_a_system_admin_sees_every_audit_event_and_manages_reference_data() {
    assert!(sees_all_audit(&requester(vec![csa_row()])));
    assert!(!sees_all_audit(&requester(vec![cl(IMO, C1)])));
    assert_eq!(
        check_manage_reference_data(&requester(vec![csa_row()])),
        Ok(())
    );
    assert_eq!(
        check_manage_reference_data(&requester(vec![cl(IMO, C1)])),
        Err(Denial::Forbidden)
    );
}

#[test]
fn partners_are_managed_by_admins_and_imos() {
    assert_eq!(check_manage_partners(&requester(vec![csa_row()])), Ok(()));
    assert_eq!(check_manage_partners(&requester(vec![cl(IMO, C2)])), Ok(()));
    for roles in [
        vec![cl(MEMBER, C1)],
        vec![ip(AO, W1)],
        vec![inactive(cl(IMO, C1))],
        Vec::new(),
    ] {
        assert_eq!(
            check_manage_partners(&requester(roles)),
            Err(Denial::Forbidden)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Users.

#[test]
fn the_user_type_comes_from_roles_then_partner() {
    assert_eq!(
        user_type(&target(Some(P1), vec![cl(IMO, C1), inactive(csa_row())])),
        Some(UserType::ClusterAdmin)
    );
    assert_eq!(
        user_type(&target(
            Some(P1),
            vec![cl(MEMBER, C1), inactive(cl(IMO, C2))]
        )),
        Some(UserType::Imo)
    );
    assert_eq!(
        user_type(&target(Some(P1), Vec::new())),
        Some(UserType::Partner)
    );
    assert_eq!(
        user_type(&target(None, vec![ip(IP_VIEWER, W1)])),
        Some(UserType::Partner)
    );
    assert_eq!(user_type(&target(None, Vec::new())), None);
}

#[test]
fn ip_portal_users_join_the_officers_partner() {
    let ao = requester(vec![ip(AO, W1)]);
    let admin = requester(vec![ip(IP_ADMIN, W2)]);
    let plan = NewUserPlan {
        partner_id: Some(P1),
        grant_system_admin: false,
    };
    assert_eq!(check_create_user(&ao, Portal::Ip, None, None), Ok(plan));
    assert_eq!(check_create_user(&admin, Portal::Ip, None, None), Ok(plan));
    assert_eq!(
        check_create_user(&ao, Portal::Ip, Some(UserType::Partner), None),
        Err((Denial::Validation, Some("userType")))
    );
    assert_eq!(
        check_create_user(&ao, Portal::Ip, None, Some(P1)),
        Err((Denial::Validation, Some("partnerId")))
    );
    let partnerless = person(REQUESTER, None, vec![ip(AO, W1)]);
    assert_eq!(
        check_create_user(&partnerless, Portal::Ip, None, None),
        Err((Denial::Forbidden, None))
    );
    for roles in [
        vec![ip(IP_EDITOR, W1)],
        vec![csa_row()],
        vec![inactive(ip(AO, W1))],
        Vec::new(),
    ] {
        assert_eq!(
            check_create_user(&requester(roles), Portal::Ip, None, None),
            Err((Denial::Forbidden, None))
        );
    }
}

#[test]
fn cluster_portal_partner_users_need_a_partner_the_requester_may_give() {
    let partner = Some(UserType::Partner);
    let csa = requester(vec![csa_row()]);
    let imo = requester(vec![cl(IMO, C1)]);
    let member = requester(vec![cl(MEMBER, C1)]);
    let plan = |partner_id| NewUserPlan {
        partner_id: Some(partner_id),
        grant_system_admin: false,
    };
    assert_eq!(
        check_create_user(&csa, Portal::Cluster, None, Some(P2)),
        Err((Denial::Validation, Some("userType")))
    );
    assert_eq!(
        check_create_user(&csa, Portal::Cluster, partner, None),
        Err((Denial::Validation, Some("partnerId")))
    );
    assert_eq!(
        check_create_user(&csa, Portal::Cluster, partner, Some(P2)),
        Ok(plan(P2))
    );
    assert_eq!(
        check_create_user(&imo, Portal::Cluster, partner, Some(P2)),
        Ok(plan(P2))
    );
    assert_eq!(
        check_create_user(&member, Portal::Cluster, partner, Some(P1)),
        Ok(plan(P1))
    );
    assert_eq!(
        check_create_user(&member, Portal::Cluster, partner, Some(P2)),
        Err((Denial::Forbidden, None))
    );
    for roles in [vec![cl(VIEWER, C1)], vec![ip(AO, W1)], Vec::new()] {
        assert_eq!(
            check_create_user(&requester(roles), Portal::Cluster, partner, Some(P1)),
            Err((Denial::Forbidden, None))
        );
    }
}

#[test]
fn imo_and_cluster_admin_users_are_created_by_a_system_admin_without_partner() {
    let csa = requester(vec![csa_row()]);
    let imo = requester(vec![cl(IMO, C1)]);
    assert_eq!(
        check_create_user(&csa, Portal::Cluster, Some(UserType::Imo), None),
        Ok(NewUserPlan {
            partner_id: None,
            grant_system_admin: false,
        })
    );
    assert_eq!(
        check_create_user(&csa, Portal::Cluster, Some(UserType::ClusterAdmin), None),
        Ok(NewUserPlan {
            partner_id: None,
            grant_system_admin: true,
        })
    );
    for kind in [UserType::Imo, UserType::ClusterAdmin] {
        assert_eq!(
            check_create_user(&csa, Portal::Cluster, Some(kind), Some(P1)),
            Err((Denial::Validation, Some("partnerId")))
        );
        assert_eq!(
            check_create_user(&imo, Portal::Cluster, Some(kind), None),
            Err((Denial::Forbidden, None))
        );
    }
}

#[test]
fn a_user_is_updated_by_itself_or_by_whoever_sees_it_and_could_create_its_kind() {
    let nobody = requester(Vec::new());
    assert_eq!(check_update_user(&nobody, &nobody), Ok(()));
    let csa = requester(vec![csa_row()]);
    let imo = requester(vec![cl(IMO, C1)]);
    let member = requester(vec![cl(MEMBER, C1)]);
    let ao = requester(vec![ip(AO, W1)]);
    let admin = requester(vec![ip(IP_ADMIN, W1)]);
    let an_imo = target(None, vec![cl(IMO, C2)]);
    let an_admin = target(None, vec![csa_row()]);
    let partner_user = target(Some(P1), vec![ip(IP_VIEWER, W1)]);
    let foreign_user = target(Some(P2), vec![cl(MEMBER, C1)]);
    let hidden_user = target(Some(P1), vec![ip(IP_VIEWER, W2)]);
    let mut deactivated = target(Some(P1), vec![ip(IP_EDITOR, W1)]);
    deactivated.is_active = false;

    assert_eq!(check_update_user(&csa, &an_imo), Ok(()));
    assert_eq!(check_update_user(&csa, &an_admin), Ok(()));
    assert_eq!(check_update_user(&csa, &foreign_user), Ok(()));
    assert_eq!(check_update_user(&csa, &deactivated), Ok(()));
    assert_eq!(check_update_user(&imo, &an_imo), Err(Denial::Forbidden));
    assert_eq!(check_update_user(&imo, &an_admin), Err(Denial::Forbidden));
    assert_eq!(check_update_user(&imo, &foreign_user), Ok(()));
    assert_eq!(check_update_user(&member, &partner_user), Ok(()));
    assert_eq!(
        check_update_user(&member, &foreign_user),
        Err(Denial::Forbidden)
    );
    assert_eq!(check_update_user(&ao, &partner_user), Ok(()));
    assert_eq!(check_update_user(&admin, &deactivated), Ok(()));
    assert_eq!(
        check_update_user(&ao, &hidden_user),
        Err(Denial::Forbidden),
        "the AO cannot see it"
    );
    let imo_of_partner = target(Some(P1), vec![cl(IMO, C1)]);
    assert_eq!(
        check_update_user(&ao, &imo_of_partner),
        Err(Denial::Forbidden),
        "an AO cannot create an IMO"
    );
    let editor = requester(vec![ip(IP_EDITOR, W1)]);
    assert_eq!(
        check_update_user(&editor, &partner_user),
        Err(Denial::Forbidden)
    );
}

#[test]
fn system_admins_and_officers_set_users_active() {
    let csa = requester(vec![csa_row()]);
    assert_eq!(
        check_set_user_active(&csa, &csa),
        Err(Denial::SelfModification)
    );
    assert_eq!(
        check_set_user_active(&csa, &target(Some(P2), vec![csa_row()])),
        Ok(())
    );
    let mut deactivated = target(None, Vec::new());
    deactivated.is_active = false;
    assert_eq!(check_set_user_active(&csa, &deactivated), Ok(()));

    let ao = requester(vec![ip(AO, W1), ip(AO, W2)]);
    assert_eq!(
        check_set_user_active(&ao, &ao),
        Err(Denial::SelfModification)
    );
    assert_eq!(
        check_set_user_active(
            &ao,
            &target(
                Some(P1),
                vec![ip(IP_ADMIN, W1), inactive(ip(IP_EDITOR, W2))]
            )
        ),
        Ok(())
    );
    assert_eq!(
        check_set_user_active(&ao, &target(Some(P1), Vec::new())),
        Ok(())
    );
    assert_eq!(
        check_set_user_active(&ao, &target(Some(P2), vec![ip(IP_VIEWER, W1)])),
        Err(Denial::Forbidden)
    );
    assert_eq!(
        check_set_user_active(
            &ao,
            &target(
                Some(P1),
                vec![ip(IP_VIEWER, W1), inactive(ip(IP_VIEWER, W3))]
            )
        ),
        Err(Denial::Forbidden)
    );
    assert_eq!(
        check_set_user_active(
            &ao,
            &target(Some(P1), vec![ip(IP_VIEWER, W1), cl(MEMBER, C1)])
        ),
        Err(Denial::Forbidden)
    );
    assert_eq!(
        check_set_user_active(&ao, &target(Some(P1), vec![ip(AO, W1)])),
        Err(Denial::Forbidden)
    );

    let admin = requester(vec![ip(IP_ADMIN, W1)]);
    assert_eq!(
        check_set_user_active(
            &admin,
            &target(Some(P1), vec![ip(IP_EDITOR, W1), ip(IP_VIEWER, W1)])
        ),
        Ok(())
    );
    assert_eq!(
        check_set_user_active(&admin, &target(Some(P1), Vec::new())),
        Ok(())
    );
    assert_eq!(
        check_set_user_active(&admin, &target(Some(P1), vec![ip(IP_ADMIN, W1)])),
        Err(Denial::Forbidden)
    );
    assert_eq!(
        check_set_user_active(&admin, &target(Some(P1), vec![ip(IP_EDITOR, W2)])),
        Err(Denial::Forbidden)
    );

    for roles in [
        vec![cl(IMO, C1)],
        vec![cl(MEMBER, C1)],
        vec![ip(IP_EDITOR, W1)],
        vec![inactive(ip(AO, W1))],
        Vec::new(),
    ] {
        assert_eq!(
            check_set_user_active(&requester(roles), &target(Some(P1), Vec::new())),
            Err(Denial::Forbidden)
        );
    }
    let partnerless_ao = person(REQUESTER, None, vec![ip(AO, W1)]);
    assert_eq!(
        check_set_user_active(&partnerless_ao, &target(None, Vec::new())),
        Err(Denial::Forbidden)
    );
}

#[test]
fn denials_carry_the_contract_error_codes() {
    let codes = [
        (Denial::Validation, "VALIDATION"),
        (Denial::Forbidden, "FORBIDDEN"),
        (Denial::RoleExistsInScope, "ROLE_EXISTS_IN_SCOPE"),
        (Denial::DuplicateScope, "DUPLICATE_SCOPE"),
        (Denial::ScopeMismatch, "SCOPE_MISMATCH"),
        (Denial::TargetDeactivated, "TARGET_DEACTIVATED"),
        (Denial::SelfModification, "SELF_MODIFICATION"),
        (Denial::ImmutableRole, "IMMUTABLE_ROLE"),
    ];
    for (denial, code) in codes {
        assert_eq!(denial.code(), code);
    }
}
