//! Paging through `users` (contract §2 limits, §3 ordering and pagination): every ordering,
//! both directions, forward and backward walks over a few hundred generated users.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, TimeZone, Utc};
use idm::domain::{ClusterType, RoleType};
use idm::ids::Kind;
use idm::{roles, users};
use sea_orm::TransactionTrait;
use serde_json::{json, Value};

use crate::fixtures::query_error;
use crate::helpers::{gid, TestApp};

const PAGE: &str = "query($order: [UserOrder!], $filter: UserFilter, $first: Int, $after: String, $last: Int, $before: String) {
  users(portal: CLUSTER, orderBy: $order, filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
  }
}";

/// The same page asking for roles: the page query is then joined to the users' roles in one
/// statement, whose rows must come back in the page's order too.
const PAGE_WITH_ROLES: &str = "query($order: [UserOrder!], $filter: UserFilter, $first: Int, $after: String, $last: Int, $before: String) {
  users(portal: CLUSTER, orderBy: $order, filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id status roles { id } } }
  }
}";

const ADMIN: &str = "admin@example.org";

/// What the orderings look at, as generated.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    email: String,
    first: String,
    last: String,
    last_login: Option<DateTime<Utc>>,
    partner: Option<String>,
    partner_id: Option<i64>,
    /// Position of the status in the UserStatus enum: ACTIVE INVITED DEACTIVATED INCOMPLETE.
    status: u8,
}

const FIRST_NAMES: [&str; 7] = ["Amal", "Bilal", "Dana", "Fadi", "Hiba", "Karim", "Lina"];
const LAST_NAMES: [&str; 11] = [
    "Haddad", "Khoury", "Saleh", "Nasser", "Azar", "Toma", "Bakri", "Issa", "Jaber", "Mansour",
    "Qasim",
];
/// Partners created in this order, so that id order and title order differ.
const PARTNERS: [&str; 5] = ["Echo", "Bravo", "Delta", "Alpha", "Charlie"];

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// Creates the admin who pages and `n` users in one transaction; returns the users.
async fn population(app: &TestApp, n: usize) -> Vec<Row> {
    app.system_admin(ADMIN).await;
    let (_, cluster) = app.health_cluster("W1").await;
    let mut partners = Vec::new();
    for title in PARTNERS {
        partners.push((app.partner(title).await, title));
    }
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 8, 0, 0)
        .single()
        .expect("date");
    let mut rng = Lcg(42);
    let mut rows = Vec::with_capacity(n);
    let txn = app.db.begin().await.expect("begin");
    for i in 0..n {
        let first = FIRST_NAMES[rng.next(7) as usize];
        let last = LAST_NAMES[rng.next(11) as usize];
        // unique, and not in id order
        let email = format!(
            "{}.{:03}@example.org",
            first.to_lowercase(),
            (i * 37) % 1000
        );
        let partner = match rng.next(6) {
            5 => None,
            k => Some(partners[k as usize]),
        };
        // a third never signed in; the others with many ties
        let last_login = match rng.next(3) {
            0 => None,
            _ => Some(base + Duration::minutes(rng.next(40) as i64)),
        };
        let is_active = rng.next(9) != 0;
        let has_role = rng.next(4) != 0;
        let u = users::store::insert(
            &txn,
            users::store::NewUser {
                email: email.clone(),
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                position: None,
                partner_id: partner.map(|p| p.0),
                is_active,
                last_login,
            },
        )
        .await
        .expect("user");
        if has_role {
            roles::store::insert(
                &txn,
                u.id,
                RoleType::ClusterMember,
                None,
                Some(cluster),
                true,
            )
            .await
            .expect("role");
        }
        let status = if !is_active {
            2
        } else if !has_role {
            3
        } else if last_login.is_some() {
            0
        } else {
            1
        };
        rows.push(Row {
            id: u.id,
            email,
            first: first.to_owned(),
            last: last.to_owned(),
            last_login,
            partner: partner.map(|p| p.1.to_owned()),
            partner_id: partner.map(|p| p.0),
            status,
        });
    }
    txn.commit().await.expect("commit");
    rows
}

/// Compares two optional keys: present values in `dir` order, absent ones last either way.
fn nulls_last<T: Ord>(a: &Option<T>, b: &Option<T>, desc: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => {
            if desc {
                y.cmp(x)
            } else {
                x.cmp(y)
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn directed(o: Ordering, desc: bool) -> Ordering {
    if desc {
        o.reverse()
    } else {
        o
    }
}

/// The contract's order for one (field, direction): the field, then ID ascending for ties.
fn compare(field: &str, desc: bool, a: &Row, b: &Row) -> Ordering {
    match field {
        "ID" => directed(a.id.cmp(&b.id), desc),
        "EMAIL" => directed(a.email.cmp(&b.email), desc),
        "FIRST_NAME" => directed(a.first.cmp(&b.first), desc),
        "LAST_NAME" => directed(a.last.cmp(&b.last), desc),
        "LAST_LOGIN" => nulls_last(&a.last_login, &b.last_login, desc),
        "PARTNER" => nulls_last(&a.partner, &b.partner, desc),
        "STATUS" => directed(a.status.cmp(&b.status), desc),
        other => panic!("unknown field {other}"),
    }
}

/// The expected ids for an orderBy list.
fn expected(rows: &[Row], order: &[(&str, bool)]) -> Vec<String> {
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by(|a, b| {
        order
            .iter()
            .map(|(field, desc)| compare(field, *desc, a, b))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.id.cmp(&b.id))
    });
    sorted.iter().map(|r| gid(Kind::User, r.id)).collect()
}

fn order_json(order: &[(&str, bool)]) -> Value {
    json!(order
        .iter()
        .map(|(f, desc)| json!({"field": f, "direction": if *desc { "DESC" } else { "ASC" }}))
        .collect::<Vec<_>>())
}

/// One page as (ids, pageInfo, totalCount).
async fn page(app: &TestApp, who: &str, vars: Value) -> (Vec<String>, Value, i64) {
    page_of(app, who, PAGE, vars).await
}

/// One page of `query` as (ids, pageInfo, totalCount).
async fn page_of(app: &TestApp, who: &str, query: &str, vars: Value) -> (Vec<String>, Value, i64) {
    let d = app.execute_data(who, query, vars).await;
    let users = &d["users"];
    let edges = users["edges"].as_array().expect("edges");
    let ids = edges
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
        .collect();
    let total = users["totalCount"].as_i64().expect("totalCount");
    (ids, users["pageInfo"].clone(), total)
}

/// Walks forward with `first: 37`, checking each page; returns every id seen.
async fn walk_forward(
    app: &TestApp,
    who: &str,
    query: &str,
    order: &Value,
    filter: &Value,
    total: usize,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let (ids, info, count) = page_of(
            app,
            who,
            query,
            json!({"order": order, "filter": filter, "first": 37, "after": after}),
        )
        .await;
        assert_eq!(count as usize, total);
        assert!(ids.len() <= 37);
        assert_eq!(info["hasPreviousPage"], !seen.is_empty(), "{info}");
        seen.extend(ids);
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].clone();
        assert!(seen.len() <= total, "the walk does not end");
    }
    seen
}

/// Walks backward from the end with `last: 37`; returns every id seen, in list order.
async fn walk_backward(
    app: &TestApp,
    who: &str,
    query: &str,
    order: &Value,
    filter: &Value,
    total: usize,
) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut before = Value::Null;
    loop {
        let (ids, info, count) = page_of(
            app,
            who,
            query,
            json!({"order": order, "filter": filter, "last": 37, "before": before}),
        )
        .await;
        assert_eq!(count as usize, total);
        assert!(ids.len() <= 37);
        assert_eq!(info["hasNextPage"], !seen.is_empty(), "{info}");
        let mut all = ids;
        all.extend(seen);
        seen = all;
        if info["hasPreviousPage"] != true {
            break;
        }
        before = info["startCursor"].clone();
        assert!(seen.len() <= total, "the walk does not end");
    }
    seen
}

#[tokio::test]
async fn every_ordering_walks_forward_and_backward_over_every_user_exactly_once() {
    let app = TestApp::spawn().await;
    let rows = population(&app, 260).await;
    let mut orders: Vec<Vec<(&str, bool)>> = Vec::new();
    for field in [
        "ID",
        "EMAIL",
        "FIRST_NAME",
        "LAST_NAME",
        "LAST_LOGIN",
        "PARTNER",
        "STATUS",
    ] {
        for desc in [false, true] {
            orders.push(vec![(field, desc)]);
        }
    }
    orders.push(vec![("STATUS", false), ("FIRST_NAME", true)]);
    orders.push(vec![
        ("PARTNER", true),
        ("LAST_LOGIN", false),
        ("LAST_NAME", true),
    ]);
    for order in orders {
        let want = expected(&rows, &order);
        let order_value = order_json(&order);
        for query in [PAGE, PAGE_WITH_ROLES] {
            let forward =
                walk_forward(&app, ADMIN, query, &order_value, &Value::Null, rows.len()).await;
            assert_eq!(forward, want, "forward {order:?} {query}");
            let backward =
                walk_backward(&app, ADMIN, query, &order_value, &Value::Null, rows.len()).await;
            assert_eq!(backward, want, "backward {order:?} {query}");
        }
    }
}

#[tokio::test]
async fn the_default_order_is_newest_first_and_last_login_puts_never_signed_in_last() {
    let app = TestApp::spawn().await;
    let rows = population(&app, 60).await;
    let (ids, _, _) = page(&app, ADMIN, json!({"first": 100})).await;
    assert_eq!(ids, expected(&rows, &[("ID", true)]));
    let never: Vec<String> = rows
        .iter()
        .filter(|r| r.last_login.is_none())
        .map(|r| gid(Kind::User, r.id))
        .collect();
    assert!(!never.is_empty());
    for direction in ["ASC", "DESC"] {
        let (ids, _, _) = page(
            &app,
            ADMIN,
            json!({"order": [{"field": "LAST_LOGIN", "direction": direction}], "first": 100}),
        )
        .await;
        let tail: Vec<String> = ids[ids.len() - never.len()..].to_vec();
        let mut tail_sorted = tail.clone();
        tail_sorted.sort();
        let mut never_sorted = never.clone();
        never_sorted.sort();
        assert_eq!(tail_sorted, never_sorted, "{direction}");
    }
}

/// Signs up `member@alpha.org`, a cluster member of partner Alpha; Alpha's id and its users.
async fn alpha_member(app: &TestApp, rows: &[Row]) -> (i64, Vec<Row>) {
    let ws = app.workspace("W9").await;
    let cluster = app.cluster(ws, ClusterType::Wash).await;
    let alpha = rows
        .iter()
        .find(|r| r.partner.as_deref() == Some("Alpha"))
        .and_then(|r| r.partner_id)
        .expect("an Alpha user");
    app.user(
        "member@alpha.org",
        Some(alpha),
        &[(RoleType::ClusterMember, None, Some(cluster))],
    )
    .await;
    let mine = rows
        .iter()
        .filter(|r| r.partner_id == Some(alpha))
        .cloned()
        .collect();
    (alpha, mine)
}

#[tokio::test]
async fn a_member_pages_through_exactly_the_users_of_its_partner() {
    let app = TestApp::spawn().await;
    let rows = population(&app, 300).await;
    let (_, mine) = alpha_member(&app, &rows).await;
    assert!(mine.len() > 37, "more than one page: {}", mine.len());
    for order in [vec![("EMAIL", false)], vec![("LAST_LOGIN", true)]] {
        let order_value = order_json(&order);
        let forward = walk_forward(
            &app,
            "member@alpha.org",
            PAGE_WITH_ROLES,
            &order_value,
            &Value::Null,
            mine.len(),
        )
        .await;
        assert_eq!(forward, expected(&mine, &order), "{order:?}");
    }
    // a filter narrows the walk and the count alike
    let filter = json!({"statuses": ["ACTIVE", "INVITED"]});
    let live: Vec<Row> = mine.iter().filter(|r| r.status <= 1).cloned().collect();
    let order_value = order_json(&[("FIRST_NAME", false)]);
    // (with roles: the filtered first page's total comes before the sort keys in its rows)
    let forward = walk_forward(
        &app,
        "member@alpha.org",
        PAGE_WITH_ROLES,
        &order_value,
        &filter,
        live.len(),
    )
    .await;
    assert_eq!(forward, expected(&live, &[("FIRST_NAME", false)]));
}

#[tokio::test]
async fn a_forged_cursor_of_a_hidden_user_tells_nothing_about_its_sort_keys() {
    let app = TestApp::spawn().await;
    let rows = population(&app, 60).await;
    let (alpha, mine) = alpha_member(&app, &rows).await;
    let hidden = rows
        .iter()
        .filter(|r| r.partner_id != Some(alpha))
        .map(|r| r.id)
        .take(12);
    for order in [
        vec![("FIRST_NAME", false)],
        vec![("EMAIL", true)],
        vec![("LAST_LOGIN", false)],
        vec![("PARTNER", false)],
        vec![("STATUS", true)],
    ] {
        let order_value = order_json(&order);
        // A visible user's cursor, even one forged from its id, pages on as usual.
        let want = expected(&mine, &order);
        let (kind, first) = (Kind::User, mine[0].id);
        let visible = gid(kind, first);
        let at = want
            .iter()
            .position(|id| *id == visible)
            .expect("in the list");
        let after = idm::ids::encode_cursor(first);
        let (ids, _, _) = page(
            &app,
            "member@alpha.org",
            json!({"order": order_value, "first": 100, "after": after}),
        )
        .await;
        assert_eq!(ids, want[at + 1..], "{order:?}");
        // Every hidden user's cursor gives the same empty page, either way.
        for id in hidden.clone() {
            for vars in [
                json!({"order": order_value, "first": 100, "after": idm::ids::encode_cursor(id)}),
                json!({"order": order_value, "last": 100, "before": idm::ids::encode_cursor(id)}),
            ] {
                let (ids, _, _) = page(&app, "member@alpha.org", vars.clone()).await;
                assert_eq!(ids, Vec::<String>::new(), "{vars}");
            }
        }
    }
}

#[tokio::test]
async fn a_cursor_stays_valid_when_users_are_added_before_it() {
    let app = TestApp::spawn().await;
    let rows = population(&app, 120).await;
    for (order, prefix) in [(vec![("ID", true)], "zz"), (vec![("EMAIL", false)], "aa")] {
        let want = expected(&rows, &order);
        let order_value = order_json(&order);
        let (first_page, info, _) =
            page(&app, ADMIN, json!({"order": order_value, "first": 37})).await;
        assert_eq!(first_page, want[..37]);
        // newer ids come first in ID DESC; "aa..." emails come first in EMAIL ASC
        for i in 0..10 {
            app.user(&format!("{prefix}{i:02}.new@example.org"), None, &[])
                .await;
        }
        let (second_page, _, total) = page(
            &app,
            ADMIN,
            json!({"order": order_value, "first": 37, "after": info["endCursor"]}),
        )
        .await;
        assert_eq!(second_page, want[37..74], "{order:?}");
        assert!(total as usize >= rows.len() + 10);
    }
}

#[tokio::test]
async fn page_sizes_above_100_and_malformed_cursors_are_bad_user_input() {
    let app = TestApp::spawn().await;
    population(&app, 5).await;
    let (_, info, _) = page(&app, ADMIN, json!({"first": 2})).await;
    let good = info["endCursor"].clone();
    let cases = [
        json!({"first": 101}),
        json!({"last": 101}),
        json!({"first": 10, "after": "garbage"}),
        json!({"last": 10, "before": "garbage"}),
        json!({"first": 10, "after": gid(Kind::User, 1)}),
        json!({"first": -1}),
    ];
    for vars in cases {
        let body = app.execute(ADMIN, PAGE, vars.clone()).await;
        assert_eq!(query_error(&body), "BAD_USER_INPUT", "{vars}: {body}");
        assert_eq!(body["data"], Value::Null, "{body}");
    }
    let (ids, _, _) = page(&app, ADMIN, json!({"first": 100})).await;
    assert_eq!(ids.len(), 5);
    let (ids, _, _) = page(&app, ADMIN, json!({})).await;
    assert_eq!(ids.len(), 5);
    let (ids, _, _) = page(&app, ADMIN, json!({"first": 2, "after": good})).await;
    assert_eq!(ids.len(), 2);
}
