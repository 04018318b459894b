//! The mapping, case family by case family, on small hand-built worlds.

use chrono::{Duration, NaiveDate, TimeZone};
use rust_decimal::Decimal;
use serde_json::json;

use super::*;
use crate::prp::resolve::parse;
use crate::prp::source::{Cluster, Partner, Plan, Role, User, Workspace, World};

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap() + Duration::days(n)
}

/// Two workspaces with a plan each; clusters 100 (HEALTH) and 101 (EDUCATION) in plan
/// 10 of workspace 1, 200 (HEALTH) in plan 20 of workspace 2; partner 1000 (a CSO).
fn world() -> World {
    let ws = |id, code: &str| Workspace {
        id,
        external_id: None,
        external_source: None,
        title: format!("Workspace {code}"),
        workspace_code: code.into(),
        business_area_code: Some("0060".into()),
    };
    let plan = |id, workspace_id| Plan {
        id,
        external_id: None,
        external_source: None,
        title: format!("Plan {id}"),
        plan_type: "HRP".into(),
        start: NaiveDate::from_ymd_opt(2020, 1, 1),
        end: NaiveDate::from_ymd_opt(2020, 12, 31),
        workspace_id,
        plan_custom_type_label: None,
    };
    World {
        workspaces: vec![ws(1, "SYR"), ws(2, "LBN")],
        plans: vec![plan(10, 1), plan(20, 2)],
        clusters: vec![
            cluster(100, "health", Some(10)),
            cluster(101, "education", Some(10)),
            cluster(200, "health", Some(20)),
        ],
        partners: vec![partner(1000)],
        ..World::default()
    }
}

fn cluster(id: i64, kind: &str, plan: Option<i64>) -> Cluster {
    Cluster {
        id,
        external_id: None,
        external_source: None,
        kind: kind.into(),
        imported_type: None,
        response_plan_id: plan,
    }
}

fn partner(id: i64) -> Partner {
    Partner {
        id,
        external_id: None,
        external_source: None,
        title: format!("Partner {id}"),
        short_title: String::new(),
        alternate_title: None,
        partner_type: "CSO".into(),
        shared_partner: "No".into(),
        cso_type: Some("Int".into()),
        email: None,
        phone_number: None,
        street_address: None,
        city: None,
        postal_code: None,
        country_code: None,
        total_ct_cp: None,
        total_ct_cy: None,
        vendor_number: None,
        alternate_id: None,
        rating: None,
        basis_for_risk_rating: None,
        type_of_assessment: None,
        ocha_external_id: None,
    }
}

fn user(id: i64, email: &str) -> User {
    User {
        id,
        last_login: None,
        is_superuser: false,
        username: email.into(),
        is_staff: false,
        is_active: true,
        date_joined: day(id),
        first_name: "Ana".into(),
        last_name: "Lopez".into(),
        email: email.into(),
        partner_id: Some(1000),
        position: None,
    }
}

fn role(id: i64, user_id: i64, role: &str, ws: Option<i64>, cl: Option<i64>) -> Role {
    Role {
        id,
        created: day(id),
        role: role.into(),
        cluster_id: cl,
        user_id,
        workspace_id: ws,
        is_active: true,
    }
}

/// A world of one user (1, ana@x.org) with these role rows.
fn with_roles(roles: Vec<Role>) -> World {
    World {
        users: vec![user(1, "ana@x.org")],
        roles,
        ..world()
    }
}

fn run(w: &World) -> Mapped {
    checked(w, &Resolutions::default())
}

/// Maps and checks what holds for every mapping: each entity's rows add up, and a
/// complete report comes with a document the import accepts.
fn checked(w: &World, r: &Resolutions) -> Mapped {
    let m = map(w, r);
    for e in &m.report.entities {
        assert_eq!(
            e.read,
            e.migrated + e.merged + e.skipped + e.refused,
            "{e:?}"
        );
    }
    if m.report.complete() {
        let errors = crate::import::validate(&m.document.to_string());
        assert_eq!(errors, Vec::<String>::new());
    }
    m
}

fn resolved(w: &World, file: &str) -> Mapped {
    checked(w, &parse(file).unwrap())
}

fn found<'a>(m: &'a Mapped, case: &str) -> Vec<&'a Anomaly> {
    m.report
        .anomalies
        .iter()
        .filter(|a| a.case == case)
        .collect()
}

/// The one anomaly of `case`.
fn one<'a>(m: &'a Mapped, case: &str) -> &'a Anomaly {
    let all = found(m, case);
    assert_eq!(all.len(), 1, "{case}: {:#?}", m.report.anomalies);
    all[0]
}

fn users(m: &Mapped) -> &Vec<Value> {
    m.document["users"].as_array().unwrap()
}

fn roles(m: &Mapped) -> Vec<Value> {
    users(m)
        .iter()
        .flat_map(|u| u["roles"].as_array().unwrap().clone())
        .collect()
}

fn counts(m: &Mapped, entity: &str) -> EntityCounts {
    m.report
        .entities
        .iter()
        .find(|e| e.entity == entity)
        .unwrap()
        .clone()
}

#[test]
fn a_plain_world_maps_field_by_field() {
    let mut w = with_roles(vec![
        role(1, 1, "IP_EDITOR", Some(1), None),
        role(2, 1, "CLUSTER_MEMBER", None, Some(101)),
    ]);
    w.users[0].last_login = Some(day(30));
    w.users[0].position = Some("Officer".into());
    w.partner_clusters = vec![(1000, 100)];
    let m = run(&w);
    assert!(m.report.complete());
    assert_eq!(m.report.anomalies, vec![]);
    let d = &m.document;
    assert_eq!(
        d["workspaces"][0],
        json!({"ref": "ws:1", "title": "Workspace SYR", "workspaceCode": "SYR", "businessAreaCode": "0060"})
    );
    assert_eq!(
        d["responsePlans"][1],
        json!({"ref": "rp:20", "workspace": "ws:2", "title": "Plan 20", "planType": "HRP", "start": "2020-01-01", "end": "2020-12-31"})
    );
    assert_eq!(
        d["clusters"][1],
        json!({"ref": "cl:101", "responsePlan": "rp:10", "type": "EDUCATION"})
    );
    assert_eq!(
        d["partners"][0],
        json!({"ref": "p:1000", "title": "Partner 1000", "shortTitle": "", "partnerType": "CIVIL_SOCIETY_ORGANIZATION",
               "sharedPartner": "NO", "csoType": "INTERNATIONAL", "clusters": ["cl:100"]})
    );
    assert_eq!(
        users(&m)[0],
        json!({"ref": "u:1", "email": "ana@x.org", "firstName": "Ana", "lastName": "Lopez", "position": "Officer",
               "partner": "p:1000", "isActive": true, "lastLogin": "2020-01-31T00:00:00Z", "createdAt": "2020-01-02T00:00:00Z",
               "roles": [{"role": "IP_EDITOR", "workspace": "ws:1", "isActive": true},
                         {"role": "CLUSTER_MEMBER", "cluster": "cl:101", "isActive": true}]})
    );
    assert_eq!(
        m.ids,
        OldIds {
            workspaces: vec![1, 2],
            plans: vec![10, 20],
            clusters: vec![vec![100], vec![101], vec![200]],
            partners: vec![1000],
            users: vec![vec![1]],
            roles: vec![vec![vec![1], vec![2]]],
        }
    );
    let u = counts(&m, "user");
    assert_eq!((u.read, u.migrated, u.normalised), (1, 1, 0));
}

#[test]
fn u5_case_only_twins_merge_into_the_latest_signed_in_account_with_their_roles() {
    let mut w = world();
    let mut old = user(1, "Ana.Lopez@x.org");
    old.last_login = Some(day(40));
    let mut new = user(2, "ana.lopez@x.org");
    new.last_login = Some(day(50));
    new.partner_id = None;
    w.users = vec![old, new];
    w.roles = vec![
        role(5, 1, "IP_AUTHORIZED_OFFICER", Some(1), None),
        role(6, 2, "IP_VIEWER", Some(1), None),
        role(7, 2, "CLUSTER_VIEWER", None, Some(100)),
    ];
    let m = run(&w);
    assert!(m.report.complete());
    let u = &users(&m)[0];
    assert_eq!(users(&m).len(), 1);
    assert_eq!(u["ref"], "u:2");
    assert_eq!(u["email"], "ana.lopez@x.org");
    assert_eq!(u["partner"], "p:1000", "the one partner of the group");
    assert_eq!(u["createdAt"], "2020-01-02T00:00:00Z", "the earliest join");
    assert_eq!(u["lastLogin"], "2020-02-20T00:00:00Z");
    assert_eq!(m.ids.users, vec![vec![2, 1]]);
    let merged = one(&m, "U5");
    assert_eq!(
        (merged.outcome, merged.ids.clone()),
        (Outcome::Merged, vec![2, 1])
    );
    assert_eq!(one(&m, "U6").ids, vec![1]);
    // AO and viewer met in workspace 1: R10 precedence keeps the AO.
    let r10 = one(&m, "R10");
    assert_eq!(
        (r10.ids.clone(), r10.outcome),
        (vec![5, 6], Outcome::Dropped)
    );
    assert!(r10.detail.contains("U5"), "{}", r10.detail);
    assert_eq!(m.ids.roles, vec![vec![vec![5], vec![7]]]);
    let c = counts(&m, "user");
    assert_eq!((c.migrated, c.merged), (1, 1));
}

#[test]
fn u5_twins_that_disagree_refuse_the_run_until_the_operator_decides() {
    let mut w = world();
    w.partners.push(partner(2000));
    let mut other = user(2, "ana@x.org");
    other.partner_id = Some(2000);
    w.users = vec![user(1, "ANA@x.org"), other];
    w.roles = vec![role(5, 1, "IP_EDITOR", Some(1), None)];
    let m = run(&w);
    assert!(!m.report.complete());
    let refused = one(&m, "U5");
    assert_eq!(
        (refused.outcome, refused.ids.clone()),
        (Outcome::Refused, vec![1, 2])
    );
    assert!(users(&m).is_empty());
    assert_eq!(
        (counts(&m, "user").refused, counts(&m, "role").refused),
        (2, 1)
    );

    let m = resolved(&w, r#"{"users": {"2": {"mergeInto": 1}}}"#);
    assert!(m.report.complete(), "{:#?}", m.report.anomalies);
    assert_eq!(m.ids.users, vec![vec![1, 2]]);
    assert_eq!(users(&m)[0]["partner"], "p:1000", "the target's partner");
    assert_eq!(one(&m, "OP").outcome, Outcome::Merged);

    let m = resolved(&w, r#"{"users": {"1": "skip"}}"#);
    assert!(m.report.complete());
    assert_eq!(m.ids.users, vec![vec![2]]);
    assert_eq!(one(&m, "OP").outcome, Outcome::Skipped);
    assert_eq!(counts(&m, "role").skipped, 1, "the skipped user's roles");

    // The operator's merge wins over U9's skip of an account without an email.
    w.users[0].email = String::new();
    let m = resolved(&w, r#"{"users": {"1": {"mergeInto": 2}}}"#);
    assert!(m.report.complete());
    assert_eq!(m.ids.users, vec![vec![2, 1]]);
    assert_eq!(m.ids.roles, vec![vec![vec![5]]]);
    assert!(found(&m, "U9").is_empty());
    w.users[0].email = "ANA@x.org".into();
    let m = resolved(&w, r#"{"users": {"1": "skip"}}"#);
    assert_eq!(one(&m, "OP").outcome, Outcome::Skipped);
    assert_eq!(counts(&m, "role").skipped, 1, "the skipped user's roles");
}

#[test]
fn a_forced_merge_into_a_skipped_or_missing_user_refuses_the_run() {
    let mut w = world();
    w.users = vec![user(1, "a@x.org"), user(2, "b@x.org"), user(3, "c@x.org")];
    let m = resolved(&w, r#"{"users": {"2": {"mergeInto": 1}, "1": "skip"}}"#);
    assert!(!m.report.complete());
    assert!(found(&m, "OP")
        .iter()
        .any(|a| a.outcome == Outcome::Refused && a.detail.contains("skipped")));
    let m = resolved(
        &w,
        r#"{"users": {"3": {"mergeInto": 9}, "8": "skip"}, "roles": {"77": "drop"}, "clusters": {"5": {"responsePlan": 10}}}"#,
    );
    let refused: Vec<Vec<i64>> = found(&m, "OP")
        .iter()
        .filter(|a| a.outcome == Outcome::Refused)
        .map(|a| a.ids.clone())
        .collect();
    assert_eq!(refused, vec![vec![3, 9], vec![8], vec![77], vec![5]]);
}

#[test]
fn u6_u7_u8_emails_are_trimmed_lowered_and_their_domain_encoded() {
    let mut w = world();
    w.users = vec![
        user(1, " Bob.Smith@X.org "),
        user(2, "eva@ong-espérance.ht"),
        user(3, "not an address"),
    ];
    let m = run(&w);
    assert_eq!(users(&m)[0]["email"], "bob.smith@x.org");
    let trimmed = one(&m, "U7");
    assert_eq!(
        (trimmed.before.clone(), trimmed.after.clone()),
        (
            Some(json!(" Bob.Smith@X.org ")),
            Some(json!("Bob.Smith@X.org"))
        )
    );
    assert_eq!(one(&m, "U6").after, Some(json!("bob.smith@x.org")));
    let idn = crate::email::stored("eva@ong-espérance.ht").unwrap();
    assert!(idn.contains("xn--"));
    assert_eq!(users(&m)[1]["email"], idn.as_str());
    assert_eq!(one(&m, "U8").after, Some(json!(idn)));
    let bad = one(&m, "U9");
    assert_eq!((bad.outcome, bad.ids.clone()), (Outcome::Refused, vec![3]));
    assert_eq!(counts(&m, "user").normalised, 2);
}

#[test]
fn u9_service_accounts_are_skipped_and_staff_with_roles_migrate() {
    let mut w = world();
    let mut service = user(1, "");
    service.is_staff = true;
    let mut admin = user(2, "admin@x.org");
    admin.is_superuser = true;
    let mut staff = user(3, "staff@x.org");
    staff.is_staff = true;
    w.users = vec![service, admin, staff];
    w.roles = vec![role(9, 3, "IP_VIEWER", Some(1), None)];
    let m = run(&w);
    let outcomes: Vec<_> = found(&m, "U9")
        .iter()
        .map(|a| (a.ids[0], a.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (1, Outcome::Skipped),
            (2, Outcome::Skipped),
            (3, Outcome::Kept)
        ]
    );
    assert_eq!(m.ids.users, vec![vec![3]]);
    assert_eq!(counts(&m, "user").skipped, 2);
}

#[test]
fn u10_u11_u12_names_are_kept_as_prp_has_them_trimmed() {
    let mut w = world();
    let named = |id, email, first: &str, last: &str| User {
        first_name: first.into(),
        last_name: last.into(),
        ..user(id, email)
    };
    w.users = vec![
        named(1, "abdul@x.org", "Abdul Rahman Al Hassan", ""),
        named(2, "mulugeta@x.org", "Mulugeta", ""),
        named(3, "b2c.person@x.org", "", ""),
        named(4, "spaces@x.org", " Ana", "Lopez "),
        named(5, "family@x.org", "", "Nguyen"),
        User {
            position: Some(" ".into()),
            ..user(6, "pos@x.org")
        },
    ];
    let m = run(&w);
    let names: Vec<(Value, Value)> = users(&m)
        .iter()
        .map(|u| (u["firstName"].clone(), u["lastName"].clone()))
        .collect();
    assert_eq!(
        names,
        vec![
            (json!("Abdul Rahman Al Hassan"), json!("")),
            (json!("Mulugeta"), json!("")),
            (json!("b2c.person"), json!("")),
            (json!("Ana"), json!("Lopez")),
            (json!("Nguyen"), json!("")),
            (json!("Ana"), json!("Lopez")),
        ]
    );
    let u10: Vec<_> = found(&m, "U10")
        .iter()
        .map(|a| (a.ids[0], a.outcome))
        .collect();
    assert_eq!(
        u10,
        vec![
            (1, Outcome::Kept),
            (2, Outcome::Kept),
            (3, Outcome::Normalised),
            (5, Outcome::Normalised)
        ]
    );
    assert_eq!(one(&m, "U11").ids, vec![4]);
    assert_eq!(one(&m, "U12").ids, vec![6]);
    assert!(users(&m)[5].get("position").is_none());
}

#[test]
fn u2_partnerless_users_keep_their_ip_roles_reported() {
    let mut w = with_roles(vec![role(1, 1, "IP_VIEWER", Some(1), None)]);
    w.users[0].partner_id = None;
    let m = run(&w);
    assert_eq!(one(&m, "U2").outcome, Outcome::Kept);
    assert_eq!(roles(&m).len(), 1);
}

#[test]
fn r2_r3_a_cluster_role_loses_its_workspace_whichever_it_was() {
    let m = run(&with_roles(vec![
        role(1, 1, "CLUSTER_IMO", Some(1), Some(100)),
        role(2, 1, "CLUSTER_IMO", Some(2), Some(101)),
    ]));
    assert_eq!(one(&m, "R2").ids, vec![1]);
    assert_eq!(one(&m, "R3").ids, vec![2]);
    assert_eq!(
        roles(&m),
        vec![
            json!({"role": "CLUSTER_IMO", "cluster": "cl:100", "isActive": true}),
            json!({"role": "CLUSTER_IMO", "cluster": "cl:101", "isActive": true}),
        ]
    );
    assert_eq!(counts(&m, "role").normalised, 2);
}

#[test]
fn r4_an_ip_role_without_a_workspace_is_dropped_and_its_cluster_never_kept() {
    let m = run(&with_roles(vec![
        role(1, 1, "IP_EDITOR", None, None),
        role(2, 1, "IP_EDITOR", None, Some(100)),
        role(3, 1, "IP_VIEWER", Some(1), Some(100)),
    ]));
    let r4: Vec<_> = found(&m, "R4")
        .iter()
        .map(|a| (a.ids[0], a.outcome))
        .collect();
    assert_eq!(
        r4,
        vec![
            (1, Outcome::Dropped),
            (2, Outcome::Dropped),
            (3, Outcome::Normalised)
        ]
    );
    assert_eq!(
        roles(&m),
        vec![json!({"role": "IP_VIEWER", "workspace": "ws:1", "isActive": true})]
    );
    assert_eq!(counts(&m, "role").skipped, 2);
}

#[test]
fn r5_a_cluster_role_without_a_cluster_is_dropped() {
    let m = run(&with_roles(vec![
        role(1, 1, "CLUSTER_MEMBER", None, None),
        role(2, 1, "CLUSTER_VIEWER", Some(1), None),
    ]));
    assert_eq!(found(&m, "R5").len(), 2);
    assert!(roles(&m).is_empty());
}

#[test]
fn r6_a_system_admin_row_loses_its_scope() {
    let m = run(&with_roles(vec![role(
        1,
        1,
        "CLUSTER_SYSTEM_ADMIN",
        None,
        Some(100),
    )]));
    assert_eq!(
        one(&m, "R6").after,
        Some(json!({"workspace": null, "cluster": null}))
    );
    assert_eq!(
        roles(&m),
        vec![json!({"role": "CLUSTER_SYSTEM_ADMIN", "isActive": true})]
    );
}

#[test]
fn r7_an_active_system_admin_replaces_cluster_roles_an_inactive_one_does_not() {
    let rows = |active| {
        vec![
            role(1, 1, "CLUSTER_IMO", None, Some(100)),
            Role {
                is_active: active,
                ..role(2, 1, "CLUSTER_SYSTEM_ADMIN", None, None)
            },
            role(3, 1, "IP_EDITOR", Some(1), None),
        ]
    };
    let m = run(&with_roles(rows(true)));
    let r7 = one(&m, "R7");
    assert_eq!((r7.ids.clone(), r7.outcome), (vec![2, 1], Outcome::Dropped));
    assert_eq!(m.ids.roles, vec![vec![vec![2], vec![3]]]);
    let m = run(&with_roles(rows(false)));
    let r7 = one(&m, "R7");
    assert_eq!((r7.ids.clone(), r7.outcome), (vec![2, 1], Outcome::Kept));
    assert_eq!(m.ids.roles, vec![vec![vec![1], vec![2], vec![3]]]);
}

#[test]
fn r8_of_two_system_admin_rows_the_active_one_stays() {
    let m = run(&with_roles(vec![
        Role {
            is_active: false,
            ..role(1, 1, "CLUSTER_SYSTEM_ADMIN", None, None)
        },
        role(2, 1, "CLUSTER_SYSTEM_ADMIN", None, None),
    ]));
    assert_eq!(one(&m, "R8").ids, vec![2, 1]);
    assert_eq!(m.ids.roles, vec![vec![vec![2]]]);
}

#[test]
fn r9_r11_exact_duplicates_collapse_into_the_oldest_active_when_any_is() {
    let m = run(&with_roles(vec![
        Role {
            is_active: false,
            ..role(1, 1, "IP_EDITOR", Some(1), None)
        },
        role(2, 1, "IP_EDITOR", Some(1), None),
        role(3, 1, "CLUSTER_MEMBER", None, Some(100)),
        role(4, 1, "CLUSTER_MEMBER", None, Some(100)),
    ]));
    assert_eq!(
        (one(&m, "R9").ids.clone(), one(&m, "R9").outcome),
        (vec![1, 2], Outcome::Merged)
    );
    assert_eq!(one(&m, "R11").ids, vec![3, 4]);
    assert_eq!(m.ids.roles, vec![vec![vec![1, 2], vec![3, 4]]]);
    assert_eq!(
        roles(&m)[0],
        json!({"role": "IP_EDITOR", "workspace": "ws:1", "isActive": true})
    );
    let c = counts(&m, "role");
    assert_eq!((c.migrated, c.merged, c.normalised), (2, 2, 1));
    assert!(
        found(&m, "R1").is_empty(),
        "no inactive row reaches the document"
    );
}

#[test]
fn r10_r12_different_roles_in_one_scope_go_by_activity_then_rank_then_age() {
    let m = run(&with_roles(vec![
        role(1, 1, "IP_VIEWER", Some(1), None),
        Role {
            is_active: false,
            ..role(2, 1, "IP_AUTHORIZED_OFFICER", Some(1), None)
        },
        role(3, 1, "IP_EDITOR", Some(2), None),
        role(4, 1, "IP_AUTHORIZED_OFFICER", Some(2), None),
        role(5, 1, "CLUSTER_MEMBER", None, Some(100)),
        role(6, 1, "CLUSTER_COORDINATOR", None, Some(100)),
    ]));
    let mut r10: Vec<_> = found(&m, "R10").iter().map(|a| a.ids.clone()).collect();
    r10.sort();
    assert_eq!(r10, vec![vec![1, 2], vec![4, 3]]);
    assert_eq!(one(&m, "R12").ids, vec![6, 5]);
    assert_eq!(m.ids.roles, vec![vec![vec![1], vec![4], vec![6]]]);
}

#[test]
fn r13_a_variant_of_one_role_is_folded_anything_else_waits_for_the_operator() {
    let w = with_roles(vec![
        role(1, 1, "ip_viewer", Some(1), None),
        role(2, 1, " Cluster-Member ", None, Some(100)),
        role(3, 1, "CLUSTER_ADMIN", None, Some(101)),
    ]);
    let m = run(&w);
    let r13: Vec<_> = found(&m, "R13")
        .iter()
        .map(|a| (a.ids[0], a.outcome))
        .collect();
    assert_eq!(
        r13,
        vec![
            (1, Outcome::Normalised),
            (2, Outcome::Normalised),
            (3, Outcome::Refused)
        ]
    );
    assert!(!m.report.complete());
    assert_eq!(counts(&m, "role").refused, 1);
    assert_eq!(roles(&m).len(), 2);

    let m = resolved(&w, r#"{"roles": {"3": {"role": "CLUSTER_VIEWER"}}}"#);
    assert!(m.report.complete());
    assert_eq!(
        roles(&m)[2],
        json!({"role": "CLUSTER_VIEWER", "cluster": "cl:101", "isActive": true})
    );
    let m = resolved(&w, r#"{"roles": {"3": {"role": "IP_ADMIN"}}}"#);
    assert_eq!(
        one(&m, "R4").ids,
        vec![3],
        "a mapped role still goes through the scope rules"
    );
    let m = resolved(&w, r#"{"roles": {"3": "drop"}}"#);
    assert!(m.report.complete());
    assert_eq!(one(&m, "OP").outcome, Outcome::Skipped);
    assert_eq!(counts(&m, "role").skipped, 1);
}

#[test]
fn c1_a_planless_cluster_is_dropped_refused_or_attached() {
    let mut w = world();
    w.clusters.push(cluster(300, "wash", None));
    let m = run(&w);
    assert_eq!(
        (one(&m, "C1").outcome, m.ids.clusters.len()),
        (Outcome::Dropped, 3)
    );

    w.users = vec![user(1, "ana@x.org")];
    w.roles = vec![role(1, 1, "CLUSTER_MEMBER", None, Some(300))];
    w.partner_clusters = vec![(1000, 300), (1000, 100)];
    let m = run(&w);
    assert_eq!(one(&m, "C1").outcome, Outcome::Refused);
    assert!(!m.report.complete());
    assert_eq!(
        (counts(&m, "cluster").refused, counts(&m, "role").refused),
        (1, 1)
    );
    assert_eq!(m.document["partners"][0]["clusters"], json!(["cl:100"]));

    let m = resolved(&w, r#"{"clusters": {"300": {"responsePlan": 20}}}"#);
    assert!(m.report.complete(), "{:#?}", m.report.anomalies);
    assert_eq!(one(&m, "C1").outcome, Outcome::Normalised);
    assert_eq!(m.document["clusters"][3]["responsePlan"], "rp:20");
    assert!(found(&m, "C2").is_empty());

    let m = resolved(&w, r#"{"roles": {"1": "drop"}}"#);
    assert_eq!(
        one(&m, "C1").outcome,
        Outcome::Refused,
        "the partner link still refers to it"
    );
}

#[test]
fn c2_a_duplicate_cluster_folds_into_the_oldest_with_its_roles_and_links() {
    let mut w = with_roles(vec![
        role(1, 1, "CLUSTER_IMO", None, Some(100)),
        role(2, 1, "CLUSTER_IMO", None, Some(102)),
    ]);
    w.clusters.push(cluster(102, "health", Some(10)));
    w.partner_clusters = vec![(1000, 102), (1000, 100)];
    let m = run(&w);
    let merged: Vec<_> = found(&m, "C2")
        .iter()
        .map(|a| (a.table, a.ids.clone(), a.outcome))
        .collect();
    assert_eq!(
        merged,
        vec![
            (CLUSTER, vec![100, 102], Outcome::Merged),
            (PARTNER, vec![1000], Outcome::Normalised),
            (ROLE, vec![2], Outcome::Normalised),
        ]
    );
    assert_eq!(m.ids.clusters, vec![vec![100, 102], vec![101], vec![200]]);
    assert_eq!(m.document["partners"][0]["clusters"], json!(["cl:100"]));
    let r11 = one(&m, "R11");
    assert_eq!(r11.ids, vec![1, 2]);
    assert!(r11.detail.contains("C2"));
    assert_eq!(m.ids.roles, vec![vec![vec![1, 2]]]);
}

#[test]
fn c3_an_imported_cluster_without_a_name_is_named_imported() {
    let mut w = world();
    w.clusters.push(Cluster {
        imported_type: Some(" ".into()),
        ..cluster(103, "imported", Some(10))
    });
    w.clusters.push(Cluster {
        imported_type: Some("Shelter/NFI".into()),
        ..cluster(104, "imported", Some(10))
    });
    let m = run(&w);
    assert_eq!(one(&m, "C3").ids, vec![103]);
    assert_eq!(m.document["clusters"][3]["importedType"], "Imported");
    assert_eq!(m.document["clusters"][4]["importedType"], "Shelter/NFI");
}

#[test]
fn d1_d2_plan_labels_and_dates() {
    let mut w = world();
    w.plans[0].end = NaiveDate::from_ymd_opt(2019, 6, 30);
    w.plans[1].plan_type = "OTHER".into();
    w.plans[1].plan_custom_type_label = Some("Joint Response Plan".into());
    w.plans.push(Plan {
        plan_custom_type_label: Some("Stray".into()),
        start: None,
        end: None,
        ..w.plans[0].clone()
    });
    w.plans[2].id = 30;
    w.plans[2].title = "Plan 30".into();
    let m = run(&w);
    let d2 = one(&m, "D2");
    assert_eq!(d2.after, Some(json!({"start": "2020-01-01"})));
    assert!(m.document["responsePlans"][0].get("end").is_none());
    assert_eq!(
        m.document["responsePlans"][1]["planCustomType"],
        "Joint Response Plan"
    );
    assert_eq!(one(&m, "D1").ids, vec![30]);
    assert!(m.document["responsePlans"][2]
        .get("planCustomType")
        .is_none());
    assert!(m
        .report
        .not_carried_over
        .iter()
        .any(|l| l.column == "plan_custom_type_label" && l.rows == 1));
}

#[test]
fn p2_to_p8_partner_values_are_cleaned_and_reported() {
    let mut w = world();
    let p = |id, f: fn(&mut Partner)| {
        let mut p = partner(id);
        f(&mut p);
        p
    };
    w.partners = vec![
        p(1, |p| p.vendor_number = Some(String::new())),
        p(2, |p| p.title = "Al-Nour Relief Society ".into()),
        p(3, |p| p.title = "al-nour relief society".into()),
        p(4, |p| {
            p.title = "AL-NOUR RELIEF SOCIETY".into();
            p.vendor_number = Some("2500212345".into());
        }),
        p(5, |p| p.external_id = Some("4411".into())),
        p(6, |p| p.external_source = Some("HPC".into())),
        p(7, |p| {
            p.partner_type = String::new();
            p.cso_type = None;
        }),
        p(8, |p| {
            p.partner_type = "Gov".into();
            p.cso_type = Some(String::new());
        }),
        p(9, |p| {
            p.partner_type = "Gov".into();
            p.cso_type = Some("Nat".into());
        }),
        p(10, |p| p.cso_type = Some("RC".into())),
        p(11, |p| p.email = Some(String::new())),
        p(12, |p| {
            p.email = Some("info@ngo.org; director@ngo.org".into())
        }),
        p(13, |p| p.email = Some("n/a".into())),
        p(14, |p| p.country_code = Some(String::new())),
        p(15, |p| {
            p.external_id = Some("77".into());
            p.external_source = Some("OPS".into());
            p.total_ct_cp = Some(Decimal::new(125_050, 2));
        }),
        p(16, |p| {
            p.external_id = Some("77".into());
            p.external_source = Some("OPS".into());
        }),
    ];
    let m = run(&w);
    let d = &m.document["partners"];
    let field = |i: usize, f: &str| d[i].get(f).cloned();
    assert_eq!(one(&m, "P2").ids, vec![1]);
    assert_eq!(field(0, "vendorNumber"), None);
    let p3: Vec<_> = found(&m, "P3")
        .iter()
        .map(|a| (a.ids.clone(), a.outcome))
        .collect();
    assert_eq!(
        p3,
        vec![
            (vec![2, 3, 4], Outcome::Kept),
            (vec![2], Outcome::Normalised)
        ]
    );
    assert_eq!(field(1, "title"), Some(json!("Al-Nour Relief Society")));
    let p4: Vec<_> = found(&m, "P4").iter().map(|a| a.ids[0]).collect();
    assert_eq!(p4, vec![5, 6, 16]);
    assert_eq!(
        (field(4, "externalId"), field(5, "externalSource")),
        (None, None)
    );
    assert_eq!(
        (field(14, "externalId"), field(14, "externalSource")),
        (Some(json!("77")), Some(json!("OPS")))
    );
    assert_eq!(field(14, "totalCtCp"), Some(json!("1250.50")));
    assert_eq!(
        (one(&m, "P5").ids.clone(), field(6, "partnerType")),
        (vec![7], Some(json!("GOVERNMENT")))
    );
    let p6: Vec<_> = found(&m, "P6").iter().map(|a| a.ids[0]).collect();
    assert_eq!(p6, vec![8, 9]);
    assert_eq!((field(7, "csoType"), field(8, "csoType")), (None, None));
    assert_eq!(field(9, "csoType"), Some(json!("RED_CROSS_RED_CRESCENT")));
    let p7: Vec<_> = found(&m, "P7").iter().map(|a| a.ids[0]).collect();
    assert_eq!(p7, vec![11, 12, 13]);
    assert_eq!(
        (field(10, "email"), field(11, "email"), field(12, "email")),
        (None, Some(json!("info@ngo.org")), None)
    );
    assert_eq!(
        (one(&m, "P8").ids.clone(), field(13, "countryCode")),
        (vec![14], None)
    );
    let lost = |column| {
        m.report
            .not_carried_over
            .iter()
            .find(|l| l.table == PARTNER && l.column == column)
            .map(|l| l.rows)
    };
    assert_eq!(
        (lost("external_id"), lost("external_source")),
        (Some(2), Some(2))
    );
    assert_eq!(counts(&m, "partner").normalised, 12);
}

#[test]
fn r1_inactive_rows_are_kept_and_listed() {
    let m = run(&with_roles(vec![Role {
        is_active: false,
        ..role(1, 1, "IP_VIEWER", Some(1), None)
    }]));
    assert_eq!(one(&m, "R1").outcome, Outcome::Kept);
    assert_eq!(roles(&m)[0]["isActive"], false);
}
