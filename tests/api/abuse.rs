//! Abuse over real HTTP: hostile values fuzzed into every argument of every query and mutation
//! (as variables, as a system admin), the request limits, and a session of the real binary
//! whose logs must hold no token, secret, password or email.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use idm::domain::{ClusterType, ResponsePlanType, RoleType};
use idm::ids::Kind;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestError, TestRunner};
use serde_json::{json, Value};

use crate::helpers::{
    app_with_admin, app_with_admin_configured, drop_database, fresh_database, gid, TestApp,
};

// Checks every response must pass.

/// Text of database drivers and SQL that must never reach a client (unless the client sent it
/// itself and the message quotes it back).
const LEAK_MARKERS: &[&str] = &[
    "sqlx",
    "SQLSTATE",
    "syntax error",
    "UNIQUE constraint",
    "FOREIGN KEY",
    "violates",
    "duplicate key",
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "DELETE ",
    "pg_",
    "sqlite",
    "SQLite",
    "postgres",
    "error returned from database",
    "invalid byte sequence",
    "no such column",
    "no such table",
    "DbErr",
    "sea_orm",
    "panicked",
];

/// The default request body limit.
const BODY_LIMIT: usize = 256 * 1024;

/// What is wrong with one response, if anything. `request` is the raw body sent.
fn problems(request: &str, status: u16, body: &str) -> Vec<String> {
    let mut found = Vec::new();
    if status == 0 {
        // A body over the limit may be refused while it is still being sent.
        if request.len() <= BODY_LIMIT {
            found.push(body.to_owned());
        }
        return found;
    }
    if status >= 500 {
        found.push(format!("HTTP {status}"));
    }
    let Ok(json) = serde_json::from_str::<Value>(body) else {
        found.push(format!("body is not JSON: {:.300}", body));
        return found;
    };
    if json.get("data").is_none() && json.get("errors").is_none() {
        found.push("body has neither data nor errors".into());
    }
    for error in json["errors"].as_array().into_iter().flatten() {
        let message = error["message"].as_str().unwrap_or_default();
        match error["extensions"]["code"].as_str() {
            None | Some("") => found.push(format!("GraphQL error without a code: {error}")),
            Some(code @ ("INTERNAL" | "UNAVAILABLE")) => {
                found.push(format!("GraphQL error {code}: {message}"));
            }
            Some(_) => {}
        }
        for marker in LEAK_MARKERS {
            if message.contains(marker) && !request.contains(marker) {
                found.push(format!("message leaks {marker:?}: {message:.300}"));
            }
        }
    }
    // Mutation payloads: every error has a code and a message, and the object is then null.
    if let Some(data) = json["data"].as_object() {
        for (name, payload) in data {
            let Some(errors) = payload.get("errors").and_then(Value::as_array) else {
                continue;
            };
            for e in errors {
                if e["code"].as_str().is_none_or(str::is_empty) || e["message"].as_str().is_none() {
                    found.push(format!(
                        "{name}: payload error without code or message: {e}"
                    ));
                }
                let message = e["message"].as_str().unwrap_or_default();
                for marker in LEAK_MARKERS {
                    if message.contains(marker) && !request.contains(marker) {
                        found.push(format!(
                            "{name}: payload message leaks {marker:?}: {message:.300}"
                        ));
                    }
                }
            }
            if !errors.is_empty() {
                let objects: Vec<_> = payload
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, v)| {
                        k.as_str() != "errors"
                            && !v.is_null()
                            && !v.as_array().is_some_and(Vec::is_empty)
                    })
                    .map(|(k, _)| k.clone())
                    .collect();
                if !objects.is_empty() {
                    found.push(format!("{name}: errors but also {objects:?}"));
                }
            }
        }
    }
    found
}

/// The first `max` characters of a long text, with the length of the rest.
fn clip(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_owned();
    }
    let head: String = text.chars().take(max).collect();
    format!("{head}... ({} more characters)", n - max)
}

/// POSTs a raw JSON body with a token; returns (status, body text), or status 0 and the
/// error when no response came (the server dropped the connection, e.g. a handler panicked).
async fn send(app: &TestApp, token: &str, body: String) -> (u16, String) {
    let sent = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    match sent {
        Ok(res) => {
            let status = res.status().as_u16();
            (status, res.text().await.unwrap_or_default())
        }
        Err(e) => (0, format!("no response: {e}")),
    }
}

// Strategies of hostile values.

type Json = BoxedStrategy<Value>;
type Field = BoxedStrategy<Option<Value>>;

/// How wild the values get. `Typed` values pass GraphQL's own input coercion (strings where
/// strings go, Ints in range, known enum values, required fields present), so they reach the
/// resolvers, validation and the stores; `Loose` values may be of any JSON shape and mostly
/// test the coercion layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Typed,
    Loose,
}

fn b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// Strings that have broken parsers, LIKE patterns, SQL built by hand, logs and terminals.
const NASTY: &[&str] = &[
    "",
    " ",
    " \t\r\n ",
    "\0",
    "a\0b",
    "\u{1}\u{2}\u{7f}\u{85}",
    "\u{1b}[31mred\u{1b}[0m",
    "line\nbreak",
    "\u{2028}\u{2029}",
    "\u{202e}evil\u{202c}",
    "\u{200f}\u{200e}\u{200b}\u{feff}",
    "e\u{301}\u{301}\u{301}",
    "\u{fffd}\u{ffff}\u{fffe}",
    "\u{e000}\u{10ffff}",
    "😀",
    "👨\u{200d}👩\u{200d}👧\u{200d}👦",
    "🏳\u{fe0f}\u{200d}🌈",
    "İstanbul",
    "ß",
    "ǅ",
    "'",
    "\"",
    "';--",
    "' OR '1'='1",
    "\"; DROP TABLE app_user; --",
    "'); DELETE FROM prp_role; --",
    "' UNION SELECT email FROM app_user --",
    "1; SELECT pg_sleep(5)",
    "'||(SELECT sqlite_version())||'",
    "%",
    "_",
    "\\",
    "%_\\",
    "\\%\\_",
    "%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%",
    "$1",
    "?",
    ":name",
    "/*",
    "*/",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "null",
    "undefined",
    "NaN",
    "-0",
    "true",
];

/// A hostile string: known nasties, arbitrary characters (controls and non-characters
/// included), mixtures of both, and 10 kB strings.
fn hostile_string() -> BoxedStrategy<String> {
    let nasty = select(NASTY).prop_map(str::to_owned);
    let chars = vec(any::<char>(), 0..40).prop_map(String::from_iter);
    let mixed = vec(
        prop_oneof![select(NASTY).prop_map(str::to_owned), "[a-zA-Z0-9 ]{0,6}"],
        1..6,
    )
    .prop_map(|parts| parts.concat());
    let huge = (
        select(&["x", "é", "😀", "%", "'", "\u{202e}", "\u{1}"][..]),
        0..3usize,
    )
        .prop_map(|(unit, extra)| unit.repeat(10_000 / unit.len() + extra));
    prop_oneof![
        4 => "[A-Za-z][A-Za-z .-]{0,11}",
        4 => nasty,
        3 => chars,
        3 => mixed,
        1 => huge,
    ]
    .boxed()
}

/// JSON values of the wrong shape for almost any variable.
fn wrong_json() -> Json {
    select(vec![
        Value::Null,
        json!(1_u64 << 40),
        json!(-1),
        json!(1e10),
        json!(3.5),
        json!(-0.0),
        json!(true),
        json!([]),
        json!(["x"]),
        json!({}),
        json!({"__typename": "User"}),
        json!(u64::MAX),
        json!(i64::MIN),
    ])
    .boxed()
}

/// `typed` as is, or in `Loose` mode now and then replaced by a value of the wrong shape.
fn loosen(mode: Mode, typed: Json) -> Json {
    match mode {
        Mode::Typed => typed,
        Mode::Loose => prop_oneof![3 => typed, 1 => wrong_json()].boxed(),
    }
}

fn text(mode: Mode) -> Json {
    loosen(mode, hostile_string().prop_map(Value::String).boxed())
}

/// Numbers that are not the decimal id of a row.
const BAD_NUMBERS: &[&str] = &[
    "-1",
    "0",
    "00",
    "01",
    "+1",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x10",
    "",
    "abc",
    "99999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "١",
];

/// Malformed global IDs: random base64, wrong prefixes, out-of-range and negative numbers.
fn malformed_id() -> BoxedStrategy<String> {
    let prefixes = select(
        &[
            "User",
            "PRPRole",
            "Workspace",
            "ResponsePlan",
            "Cluster",
            "Partner",
            "AuditEvent",
            "user",
            "Role",
            "Node",
            "cursor",
            "",
            "User:User",
        ][..],
    );
    prop_oneof![
        (prefixes.clone(), select(BAD_NUMBERS)).prop_map(|(p, n)| b64(&format!("{p}:{n}"))),
        (prefixes.clone(), select(BAD_NUMBERS))
            .prop_map(|(p, n)| STANDARD.encode(format!("{p}:{n}"))),
        (prefixes, any::<i64>()).prop_map(|(p, n)| b64(&format!("{p}:{n}"))),
        vec(any::<u8>(), 0..40).prop_map(|bytes| URL_SAFE_NO_PAD.encode(bytes)),
        vec(any::<u8>(), 0..40).prop_map(|bytes| STANDARD.encode(bytes)),
        Just(b64("User:1\0")),
        Just(b64("User")),
        Just(b64(":")),
        Just("====".to_owned()),
        hostile_string(),
    ]
    .boxed()
}

/// Existing rows of the fuzzed app, by kind, so that well-formed IDs reach the stores.
#[derive(Clone, Debug)]
struct World {
    users: Vec<String>,
    roles: Vec<String>,
    workspaces: Vec<String>,
    plans: Vec<String>,
    clusters: Vec<String>,
    partners: Vec<String>,
    events: Vec<String>,
}

impl World {
    fn all(&self) -> Vec<String> {
        [
            &self.users,
            &self.roles,
            &self.workspaces,
            &self.plans,
            &self.clusters,
            &self.partners,
            &self.events,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }

    fn pool(&self, preferred: &[String]) -> Vec<String> {
        if preferred.is_empty() {
            self.all()
        } else {
            preferred.to_vec()
        }
    }

    /// An ID: one of `preferred` (of the expected kind) `right` times in `right + 2`, else
    /// one of any kind or a malformed one.
    fn id_weighted(&self, mode: Mode, preferred: &[String], right: u32) -> Json {
        let id = prop_oneof![
            right => select(self.pool(preferred)).prop_map(Value::String),
            1 => select(self.all()).prop_map(Value::String),
            1 => malformed_id().prop_map(Value::String),
        ]
        .boxed();
        loosen(mode, id)
    }

    /// An ID, well-formed and of the expected kind three times in five.
    fn id(&self, mode: Mode, preferred: &[String]) -> Json {
        self.id_weighted(mode, preferred, 3)
    }

    /// A list of IDs: short, or 10 000 long.
    fn ids(&self, mode: Mode, preferred: &[String]) -> Json {
        let huge = prop_oneof![
            select(self.pool(preferred))
                .prop_map(|id| Value::Array(vec![Value::String(id); 10_000])),
            select(&["User", "Partner", "Cluster", "Workspace"][..]).prop_map(|kind| {
                Value::Array(
                    (1..=10_000)
                        .map(|n| Value::String(b64(&format!("{kind}:{n}"))))
                        .collect(),
                )
            }),
        ]
        .boxed();
        list(mode, self.id_weighted(mode, preferred, 16), huge)
    }
}

/// A cursor: well-formed, pointing nowhere, malformed, or a global ID instead.
fn cursor(mode: Mode, world: &World) -> Json {
    prop_oneof![
        5 => (1..200i64).prop_map(|n| Value::String(b64(&format!("cursor:{n}")))),
        2 => select(BAD_NUMBERS).prop_map(|n| Value::String(b64(&format!("cursor:{n}")))),
        2 => world.id(mode, &[]),
        1 => Just(Value::String(b64(&format!("cursor:{}", i64::MAX)))),
    ]
    .boxed()
}

/// An Int: in range and at the edges; in `Loose` mode also out of range for 32 bits,
/// fractional, or a string.
fn int(mode: Mode) -> Json {
    let typed = prop_oneof![
        6 => (0..=100i32).prop_map(|n| json!(n)),
        1 => select(vec![101, -1, i32::MIN, i32::MAX]).prop_map(|n| json!(n)),
        1 => any::<i32>().prop_map(|n| json!(n)),
    ]
    .boxed();
    match mode {
        Mode::Typed => typed,
        Mode::Loose => prop_oneof![
            2 => typed,
            3 => select(vec![
                json!(1_i64 << 31),
                json!(1_i64 << 40),
                json!(-(1_i64 << 40)),
                json!(1e10),
                json!(3.5),
                json!(1e300),
                json!("5"),
            ]),
            1 => any::<i64>().prop_map(|n| json!(n)),
            1 => wrong_json(),
        ]
        .boxed(),
    }
}

fn boolean(mode: Mode) -> Json {
    let typed = any::<bool>().prop_map(Value::Bool).boxed();
    match mode {
        Mode::Typed => typed,
        Mode::Loose => prop_oneof![
            2 => typed,
            1 => select(vec![json!("true"), json!(1), json!(0), Value::Null]),
        ]
        .boxed(),
    }
}

/// A value of an enum; in `Loose` mode also wrongly cased, unknown, or not a string.
fn enumeration(mode: Mode, valid: &'static [&'static str]) -> Json {
    let typed = select(valid).prop_map(|v| json!(v)).boxed();
    match mode {
        Mode::Typed => typed,
        Mode::Loose => prop_oneof![
            3 => typed,
            1 => select(valid).prop_map(|v| json!(v.to_lowercase())),
            1 => select(vec!["", "__typename", "ALL", "null", "ACTIVE ", "IP_AUTHORIZED_OFFICER;"])
                .prop_map(|v| json!(v)),
            1 => hostile_string().prop_map(Value::String),
            1 => wrong_json(),
        ]
        .boxed(),
    }
}

/// A date: valid, or (less often when `Typed`) impossible, malformed or out of range.
fn date(mode: Mode) -> Json {
    let valid =
        select(vec!["2026-01-01", "2026-12-31", "2024-02-29", "1970-01-01"]).prop_map(|v| json!(v));
    let bad = prop_oneof![
        4 => select(vec![
            "2026-02-30", "2026-13-01", "2026-00-10", "2025-02-29", "", "2026-1-1", "0000-01-01",
            "+10000-01-01", "-2026-01-01", "262143-12-31", "262144-01-01", "2026-01-01T00:00:00Z",
            "2026/01/01", "01.01.2026", "today", "2026-01-01\0", "２０２６-01-01",
        ])
        .prop_map(|v| json!(v)),
        1 => "[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}".prop_map(Value::String),
        1 => hostile_string().prop_map(Value::String),
    ];
    match mode {
        Mode::Typed => prop_oneof![4 => valid, 1 => bad].boxed(),
        Mode::Loose => prop_oneof![1 => valid, 3 => bad, 1 => wrong_json()].boxed(),
    }
}

/// A decimal string: valid, with too many digits (valid syntax the column cannot hold), or
/// (less often when `Typed`) exponent forms, NaN and other malformed text or JSON numbers.
fn decimal(mode: Mode) -> Json {
    let fits =
        select(vec!["0", "1.5", "1250000.50", "-3.25", "9999999999.99"]).prop_map(|v| json!(v));
    let too_big = prop_oneof![
        select(vec![
            "1.555",
            "10000000000",
            "-10000000000",
            "99999999999999999999999999999",
            "79228162514264337593543950336",
            "0.0000000000000000000000000001",
            "-0",
            "5.",
            "-.5",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7922816251426433759354395033.5",
            "1000000000000000000000000000",
        ])
        .prop_map(|v| json!(v)),
        "-?[0-9]{0,40}(\\.[0-9]{0,40})?".prop_map(Value::String),
    ];
    let malformed = prop_oneof![
        3 => select(vec![
            "1e5", "1E-2", "1e400", "NaN", "nan", "Infinity", "-inf", "", ".", "-", "--1",
            "1.2.3", "1,5", "0x10", "١٢", " 1", "1 ", "+1",
        ])
        .prop_map(|v| json!(v)),
        1 => select(vec![json!(1.5), json!(1e300), json!(12), json!(-1)]),
        1 => hostile_string().prop_map(Value::String),
    ];
    match mode {
        Mode::Typed => prop_oneof![3 => fits, 3 => too_big, 1 => malformed].boxed(),
        Mode::Loose => prop_oneof![1 => fits, 2 => too_big, 3 => malformed].boxed(),
    }
}

/// An email: valid and unused, taken, upper-case, malformed, or hostile.
fn email(mode: Mode) -> Json {
    prop_oneof![
        3 => "[a-z]{1,10}\\.[a-z0-9]{1,6}@example\\.org".prop_map(Value::String),
        3 => select(vec![
            "csa@example.org".to_owned(),
            "CSA@example.org".to_owned(),
            "Ana@Example.org".to_owned(),
            "a@b@example.org".to_owned(),
            "@example.org".to_owned(),
            "a@".to_owned(),
            "a @example.org".to_owned(),
            "a\0@example.org".to_owned(),
            "ü@exämple.org".to_owned(),
            "a@example..org".to_owned(),
            "a@.example.org".to_owned(),
            "a@example.org\n".to_owned(),
            format!("{}@example.org", "a".repeat(65)),
            format!("a@{}.org", "b".repeat(260)),
            "' OR 1=1 --@example.org".to_owned(),
            "a%@example.org".to_owned(),
        ])
        .prop_map(Value::String),
        2 => text(mode),
    ]
    .boxed()
}

/// A list: a few items or a huge list; in `Loose` mode also a bare item (which GraphQL
/// coerces to a list) or a value of the wrong shape.
fn list(mode: Mode, item: Json, huge: Json) -> Json {
    let few = vec(item.clone(), 0..5).prop_map(Value::Array);
    match mode {
        Mode::Typed => prop_oneof![8 => few, 1 => huge].boxed(),
        Mode::Loose => prop_oneof![
            6 => few,
            1 => item,
            1 => huge,
            1 => wrong_json(),
        ]
        .boxed(),
    }
}

/// A list of `item`s, or `copies` copies of one `small` item (small enough for the huge list
/// to stay under the body limit, so that it reaches the server's own list bounds).
fn list_of(mode: Mode, item: Json, small: Json, copies: usize) -> Json {
    let huge = small
        .prop_map(move |v| Value::Array(vec![v; copies]))
        .boxed();
    list(mode, item, huge)
}

/// Short strings, for huge lists.
fn short_text() -> Json {
    prop_oneof![
        "[a-z_.]{1,12}".prop_map(Value::String),
        select(&["", "%", "'", "\0", "\u{202e}"][..]).prop_map(|v| json!(v)),
    ]
    .boxed()
}

/// A field that may be left out, null, or given.
fn opt(value: Json) -> Field {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        5 => value.prop_map(Some),
    ]
    .boxed()
}

/// An optional field of an input with many: in `Typed` mode mostly left out, so that now
/// and then every given field is valid and the row is written.
fn sparse(mode: Mode, value: Json) -> Field {
    match mode {
        Mode::Typed => prop_oneof![
            6 => Just(None),
            1 => Just(Some(Value::Null)),
            2 => value.prop_map(Some),
        ]
        .boxed(),
        Mode::Loose => opt(value),
    }
}

/// A required field: given, or in `Loose` mode now and then left out or null.
fn req(mode: Mode, value: Json) -> Field {
    match mode {
        Mode::Typed => value.prop_map(Some).boxed(),
        Mode::Loose => prop_oneof![
            1 => Just(None),
            1 => Just(Some(Value::Null)),
            6 => value.prop_map(Some),
        ]
        .boxed(),
    }
}

/// An input object of these fields; in `Loose` mode now and then with an unknown field or of
/// the wrong shape.
fn object(mode: Mode, fields: Vec<(&'static str, Field)>) -> Json {
    let (names, values): (Vec<&'static str>, Vec<Field>) = fields.into_iter().unzip();
    let extra = match mode {
        Mode::Typed => Just(false).boxed(),
        Mode::Loose => prop::bool::weighted(0.1).boxed(),
    };
    let built = (values, extra)
        .prop_map(move |(values, extra)| {
            let mut map = serde_json::Map::new();
            for (name, value) in names.iter().zip(values) {
                if let Some(v) = value {
                    map.insert((*name).to_owned(), v);
                }
            }
            if extra {
                map.insert("unknownField".to_owned(), json!(1));
            }
            Value::Object(map)
        })
        .boxed();
    loosen(mode, built)
}

const PORTALS: &[&str] = &["IP", "CLUSTER"];
const ROLE_TYPES: &[&str] = &[
    "IP_AUTHORIZED_OFFICER",
    "IP_ADMIN",
    "IP_EDITOR",
    "IP_VIEWER",
    "CLUSTER_SYSTEM_ADMIN",
    "CLUSTER_IMO",
    "CLUSTER_COORDINATOR",
    "CLUSTER_MEMBER",
    "CLUSTER_VIEWER",
];
const USER_STATUSES: &[&str] = &["ACTIVE", "DEACTIVATED", "INCOMPLETE", "INVITED"];
const USER_TYPES: &[&str] = &["CLUSTER_ADMIN", "IMO", "PARTNER"];
const USER_ORDER_FIELDS: &[&str] = &[
    "EMAIL",
    "FIRST_NAME",
    "ID",
    "LAST_LOGIN",
    "LAST_NAME",
    "PARTNER",
    "STATUS",
];
const PARTNER_ORDER_FIELDS: &[&str] = &["ID", "PARTNER_TYPE", "TITLE"];
const DIRECTIONS: &[&str] = &["ASC", "DESC"];
const PARTNER_TYPES: &[&str] = &[
    "BILATERAL_MULTILATERAL",
    "CIVIL_SOCIETY_ORGANIZATION",
    "GOVERNMENT",
    "UN_AGENCY",
];
const SHARED: &[&str] = &["NO", "WITH_UNDP", "WITH_UNDP_AND_UNFPA", "WITH_UNFPA"];
const CSO_TYPES: &[&str] = &[
    "ACADEMIC_INSTITUTION",
    "COMMUNITY_BASED_ORGANIZATION",
    "INTERNATIONAL",
    "NATIONAL",
    "RED_CROSS_RED_CRESCENT",
];
const SOURCES: &[&str] = &["HPC", "OPS", "UNICEF"];
const PLAN_TYPES: &[&str] = &["FA", "HRP", "OTHER"];
const CLUSTER_TYPES: &[&str] = &[
    "CCCM",
    "CHILD_PROTECTION_AOR",
    "EARLY_RECOVERY",
    "EDUCATION",
    "EMERGENCY_TELECOMMUNICATIONS",
    "FOOD_SECURITY",
    "GENDER_BASED_VIOLENCE_AOR",
    "HEALTH",
    "HOUSING_LAND_AND_PROPERTY_AOR",
    "IMPORTED",
    "LOGISTICS",
    "MINE_ACTION_AOR",
    "NUTRITION",
    "PROTECTION",
    "SHELTER",
    "WASH",
];

/// A portal; the system admin may list only the CLUSTER one, so that one comes more often.
fn portal(mode: Mode) -> Json {
    match mode {
        Mode::Typed => prop_oneof![3 => Just(json!("CLUSTER")), 1 => Just(json!("IP"))].boxed(),
        Mode::Loose => enumeration(mode, PORTALS),
    }
}

fn country(mode: Mode) -> Json {
    prop_oneof![
        2 => select(vec!["SY", "JO", "sy", "XX", "SYR", "S", "", "ZZ", " SY "]).prop_map(|v| json!(v)),
        1 => text(mode),
    ]
    .boxed()
}

/// The partner fields shared by createPartner and updatePartner.
fn partner_fields(m: Mode, w: &World) -> Vec<(&'static str, Field)> {
    vec![
        ("shortTitle", sparse(m, text(m))),
        ("alternateTitle", sparse(m, text(m))),
        ("partnerType", sparse(m, enumeration(m, PARTNER_TYPES))),
        ("sharedPartner", sparse(m, enumeration(m, SHARED))),
        ("csoType", sparse(m, enumeration(m, CSO_TYPES))),
        ("email", sparse(m, email(m))),
        ("phoneNumber", sparse(m, text(m))),
        ("streetAddress", sparse(m, text(m))),
        ("city", sparse(m, text(m))),
        ("postalCode", sparse(m, text(m))),
        ("countryCode", sparse(m, country(m))),
        ("totalCtCp", sparse(m, decimal(m))),
        ("totalCtCy", sparse(m, decimal(m))),
        ("vendorNumber", sparse(m, text(m))),
        ("alternateId", sparse(m, int(m))),
        ("rating", sparse(m, text(m))),
        ("basisForRiskRating", sparse(m, text(m))),
        ("typeOfAssessment", sparse(m, text(m))),
        ("ochaExternalId", sparse(m, text(m))),
        ("externalId", sparse(m, text(m))),
        ("externalSource", sparse(m, enumeration(m, SOURCES))),
        ("clusterIds", sparse(m, w.ids(m, &w.clusters))),
    ]
}

// The operations.

const PAGE_INFO: &str = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

/// One operation: its document and a strategy for its variables.
struct Operation {
    name: &'static str,
    document: String,
    variables: Json,
}

fn variables(fields: Vec<(&'static str, Field)>) -> Json {
    let (names, values): (Vec<&'static str>, Vec<Field>) = fields.into_iter().unzip();
    values
        .prop_map(move |values| {
            let map: serde_json::Map<String, Value> = names
                .iter()
                .zip(values)
                .filter_map(|(name, value)| value.map(|v| ((*name).to_owned(), v)))
                .collect();
            Value::Object(map)
        })
        .boxed()
}

/// The page arguments shared by `users` and `partners`, as an object to merge into the
/// variables: in `Typed` mode mostly one direction (`first`/`after` or `last`/`before`), now
/// and then none or both; in `Loose` mode any of the four.
fn page(m: Mode, w: &World) -> Json {
    let shape = match m {
        Mode::Loose => Just((true, true)).boxed(),
        Mode::Typed => prop_oneof![
            4 => Just((true, false)),
            3 => Just((false, true)),
            1 => Just((false, false)),
            1 => Just((true, true)),
        ]
        .boxed(),
    };
    let args = variables(vec![
        ("first", opt(int(m))),
        ("after", opt(cursor(m, w))),
        ("last", opt(int(m))),
        ("before", opt(cursor(m, w))),
    ]);
    (shape, args)
        .prop_map(|((forward, backward), mut args)| {
            if let Some(map) = args.as_object_mut() {
                if !forward {
                    map.remove("first");
                    map.remove("after");
                }
                if !backward {
                    map.remove("last");
                    map.remove("before");
                }
            }
            args
        })
        .boxed()
}

/// `variables` joined with the entries of another object of variables.
fn merged(variables: Json, more: Json) -> Json {
    (variables, more)
        .prop_map(|(mut variables, more)| {
            if let (Some(map), Value::Object(more)) = (variables.as_object_mut(), more) {
                map.extend(more);
            }
            variables
        })
        .boxed()
}

/// The variables of every operation, by operation name, with values of one mode.
fn variables_of(m: Mode, w: &World) -> BTreeMap<&'static str, Json> {
    let user_filter = object(
        m,
        vec![
            ("nameEmail", opt(text(m))),
            (
                "statuses",
                opt(list_of(
                    m,
                    enumeration(m, USER_STATUSES),
                    enumeration(m, USER_STATUSES),
                    10_000,
                )),
            ),
            (
                "roles",
                opt(list_of(
                    m,
                    enumeration(m, ROLE_TYPES),
                    enumeration(m, ROLE_TYPES),
                    10_000,
                )),
            ),
            ("partnerIds", opt(w.ids(m, &w.partners))),
            ("clusterIds", opt(w.ids(m, &w.clusters))),
            ("workspaceIds", opt(w.ids(m, &w.workspaces))),
        ],
    );
    let user_order = object(
        m,
        vec![
            ("field", req(m, enumeration(m, USER_ORDER_FIELDS))),
            ("direction", opt(enumeration(m, DIRECTIONS))),
        ],
    );
    let partner_filter = object(
        m,
        vec![
            ("title", opt(text(m))),
            ("partnerType", opt(enumeration(m, PARTNER_TYPES))),
            ("clusterIds", opt(w.ids(m, &w.clusters))),
        ],
    );
    let partner_order = object(
        m,
        vec![
            ("field", req(m, enumeration(m, PARTNER_ORDER_FIELDS))),
            ("direction", opt(enumeration(m, DIRECTIONS))),
        ],
    );
    let audit_filter = object(
        m,
        vec![
            ("actions", opt(list_of(m, text(m), short_text(), 10_000))),
            ("actorId", opt(w.id(m, &w.users))),
            ("targetId", opt(w.id(m, &[]))),
        ],
    );
    let role_entry = object(
        m,
        vec![
            ("role", req(m, enumeration(m, ROLE_TYPES))),
            ("workspaceId", opt(w.id(m, &w.workspaces))),
            ("clusterId", opt(w.id(m, &w.clusters))),
        ],
    );
    let small_role_entry = object(
        m,
        vec![
            ("role", req(m, enumeration(m, ROLE_TYPES))),
            (
                "workspaceId",
                opt(select(w.workspaces.clone()).prop_map(Value::String).boxed()),
            ),
            (
                "clusterId",
                opt(select(w.clusters.clone()).prop_map(Value::String).boxed()),
            ),
        ],
    );
    let role_entries = prop_oneof![
        8 => list_of(m, role_entry.clone(), small_role_entry, 2_500),
        1 => vec(role_entry, 99..=102).prop_map(Value::Array),
    ]
    .boxed();
    let mut create_partner = vec![("title", req(m, text(m)))];
    create_partner.extend(partner_fields(m, w));
    let mut update_partner = vec![
        ("id", req(m, w.id(m, &w.partners))),
        ("title", opt(text(m))),
    ];
    update_partner.extend(partner_fields(m, w));
    let users = vec![
        ("portal", req(m, portal(m))),
        ("filter", opt(user_filter)),
        (
            "orderBy",
            opt(list_of(m, user_order.clone(), user_order, 5_000)),
        ),
    ];

    let partners = vec![
        ("filter", opt(partner_filter)),
        (
            "orderBy",
            opt(list_of(m, partner_order.clone(), partner_order, 5_000)),
        ),
    ];

    let input =
        |fields: Vec<(&'static str, Field)>| variables(vec![("input", req(m, object(m, fields)))]);
    BTreeMap::from([
        ("users", merged(variables(users), page(m, w))),
        ("user", variables(vec![("id", req(m, w.id(m, &w.users)))])),
        ("node", variables(vec![("id", req(m, w.id(m, &[])))])),
        (
            "partner",
            variables(vec![("id", req(m, w.id(m, &w.partners)))]),
        ),
        ("partners", merged(variables(partners), page(m, w))),
        (
            "assignableRoles",
            variables(vec![
                ("userId", req(m, w.id(m, &w.users))),
                ("workspaceId", opt(w.id(m, &w.workspaces))),
                ("clusterId", opt(w.id(m, &w.clusters))),
            ]),
        ),
        (
            "auditEvents",
            variables(vec![
                ("filter", opt(audit_filter)),
                ("first", opt(int(m))),
                ("after", opt(cursor(m, w))),
            ]),
        ),
        (
            "createUser",
            input(vec![
                ("portal", req(m, enumeration(m, PORTALS))),
                ("email", req(m, email(m))),
                ("firstName", req(m, text(m))),
                ("lastName", req(m, text(m))),
                ("position", opt(text(m))),
                ("userType", opt(enumeration(m, USER_TYPES))),
                ("partnerId", opt(w.id(m, &w.partners))),
            ]),
        ),
        (
            "updateUser",
            input(vec![
                ("id", req(m, w.id(m, &w.users))),
                ("firstName", opt(text(m))),
                ("lastName", opt(text(m))),
                ("position", opt(text(m))),
            ]),
        ),
        (
            "setUserActive",
            input(vec![
                ("id", req(m, w.id(m, &w.users))),
                ("isActive", req(m, boolean(m))),
            ]),
        ),
        (
            "createRoles",
            input(vec![
                ("userId", req(m, w.id(m, &w.users))),
                ("roles", req(m, role_entries)),
            ]),
        ),
        (
            "updateRole",
            input(vec![
                ("id", req(m, w.id(m, &w.roles))),
                ("role", opt(enumeration(m, ROLE_TYPES))),
                ("isActive", opt(boolean(m))),
            ]),
        ),
        ("deleteRole", input(vec![("id", req(m, w.id(m, &w.roles)))])),
        ("createPartner", input(create_partner)),
        ("updatePartner", input(update_partner)),
        (
            "createWorkspace",
            input(vec![
                ("title", req(m, text(m))),
                ("workspaceCode", req(m, text(m))),
                ("businessAreaCode", opt(text(m))),
            ]),
        ),
        (
            "createResponsePlan",
            input(vec![
                ("workspaceId", req(m, w.id(m, &w.workspaces))),
                ("title", req(m, text(m))),
                ("planType", opt(enumeration(m, PLAN_TYPES))),
                ("start", opt(date(m))),
                ("end", opt(date(m))),
            ]),
        ),
        (
            "createCluster",
            input(vec![
                ("responsePlanId", req(m, w.id(m, &w.plans))),
                ("type", req(m, enumeration(m, CLUSTER_TYPES))),
                ("importedType", opt(text(m))),
            ]),
        ),
    ])
}

/// A mutation document selecting the payload's errors and object.
fn mutation(name: &str, input: &str, object: &str) -> String {
    format!(
        "mutation($input: {input}!) {{ {name}(input: $input) {{ errors {{ code message field }} {object} }} }}"
    )
}

/// The documents of every operation, in the order they are fuzzed: queries, then mutations
/// from creating to deleting, so that the rows the later ones need still exist.
fn documents() -> Vec<(&'static str, String)> {
    vec![
        (
            "users",
            format!(
                "query($portal: Portal!, $filter: UserFilter, $orderBy: [UserOrder!], $first: Int, \
                 $after: String, $last: Int, $before: String) {{ users(portal: $portal, \
                 filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, \
                 before: $before) {{ totalCount {PAGE_INFO} edges {{ cursor node {{ id email \
                 fullName status userType isIncomplete lastLogin partner {{ id title }} \
                 roles {{ id role isActive workspace {{ id }} cluster {{ id fullTitle }} }} }} }} }} }}"
            ),
        ),
        (
            "user",
            "query($id: ID!) { user(id: $id) { id email status roles { id role } partner { id } } }"
                .into(),
        ),
        (
            "node",
            "query($id: ID!) { node(id: $id) { id __typename ... on User { email status } \
             ... on PRPRole { role user { id } } ... on Partner { title } \
             ... on Cluster { fullTitle } ... on ResponsePlan { title workspace { id } } \
             ... on Workspace { title } ... on AuditEvent { action before after } } }"
                .into(),
        ),
        (
            "partner",
            "query($id: ID!) { partner(id: $id) { id title totalCtCp clusters { id } } }".into(),
        ),
        (
            "partners",
            format!(
                "query($filter: PartnerFilter, $orderBy: [PartnerOrder!], $first: Int, \
                 $after: String, $last: Int, $before: String) {{ partners(filter: $filter, \
                 orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) \
                 {{ totalCount {PAGE_INFO} edges {{ cursor node {{ id title partnerType \
                 clusters {{ id }} }} }} }} }}"
            ),
        ),
        (
            "assignableRoles",
            "query($userId: ID!, $workspaceId: ID, $clusterId: ID) { assignableRoles(\
             userId: $userId, workspaceId: $workspaceId, clusterId: $clusterId) }"
                .into(),
        ),
        (
            "auditEvents",
            "query($filter: AuditEventFilter, $first: Int, $after: String) { auditEvents(\
             filter: $filter, first: $first, after: $after) { totalCount \
             pageInfo { hasNextPage endCursor } nodes { id action targetId targetType \
             actor { id } } } }"
                .into(),
        ),
        (
            "createWorkspace",
            mutation(
                "createWorkspace",
                "CreateWorkspaceInput",
                "workspace { id workspaceCode }",
            ),
        ),
        (
            "createResponsePlan",
            mutation(
                "createResponsePlan",
                "CreateResponsePlanInput",
                "responsePlan { id start end }",
            ),
        ),
        (
            "createCluster",
            mutation(
                "createCluster",
                "CreateClusterInput",
                "cluster { id fullTitle }",
            ),
        ),
        (
            "createPartner",
            mutation(
                "createPartner",
                "CreatePartnerInput",
                "partner { id title totalCtCp clusters { id } }",
            ),
        ),
        (
            "updatePartner",
            mutation(
                "updatePartner",
                "UpdatePartnerInput",
                "partner { id title totalCtCp clusters { id } }",
            ),
        ),
        (
            "createUser",
            mutation("createUser", "CreateUserInput", "user { id email status }"),
        ),
        (
            "updateUser",
            mutation(
                "updateUser",
                "UpdateUserInput",
                "user { id firstName lastName position }",
            ),
        ),
        (
            "createRoles",
            mutation(
                "createRoles",
                "CreateRolesInput",
                "roles { id role } user { id }",
            ),
        ),
        (
            "updateRole",
            mutation("updateRole", "UpdateRoleInput", "role { id role isActive }"),
        ),
        (
            "deleteRole",
            mutation("deleteRole", "DeleteRoleInput", "deletedRoleId"),
        ),
        (
            "setUserActive",
            mutation("setUserActive", "SetUserActiveInput", "user { id isActive }"),
        ),
    ]
}

/// Every query and mutation with arguments, each with variables that are three times in
/// four `Typed` and else `Loose`.
fn operations(w: &World) -> Vec<Operation> {
    let mut typed = variables_of(Mode::Typed, w);
    let mut loose = variables_of(Mode::Loose, w);
    documents()
        .into_iter()
        .map(|(name, document)| {
            let variables = match (typed.remove(name), loose.remove(name)) {
                (Some(t), Some(l)) => prop_oneof![3 => t, 1 => l].boxed(),
                _ => panic!("no variables for {name}"),
            };
            Operation {
                name,
                document,
                variables,
            }
        })
        .collect()
}

/// The system admin and a small world of rows every fuzzed ID can point at.
async fn build_world(app: &TestApp) -> World {
    use idm::workspaces::store;
    let csa = app.system_admin("csa@example.org").await;
    let w1 = app.workspace("W1").await;
    let w2 = app.workspace("W2").await;
    let plan = store::insert_plan(
        &app.db,
        store::NewPlan {
            workspace_id: w1,
            title: "Plan A".into(),
            plan_type: ResponsePlanType::Hrp,
            custom_type: None,
            start: None,
            end: None,
        },
    )
    .await
    .expect("plan")
    .id;
    let mut clusters = Vec::new();
    for kind in [ClusterType::Health, ClusterType::Wash] {
        clusters.push(
            store::insert_cluster(&app.db, plan, kind, None)
                .await
                .expect("cluster")
                .id,
        );
    }
    clusters.push(app.cluster(w2, ClusterType::Education).await);
    let p = app.partner("Alpha").await;
    let q = app.partner("Beta").await;
    let mut users = vec![csa];
    let mut roles = Vec::new();
    // (email, partner, role, workspace, cluster)
    let grants = [
        (
            "ao@p.org",
            Some(p),
            RoleType::IpAuthorizedOfficer,
            Some(w1),
            None,
        ),
        ("editor@p.org", Some(p), RoleType::IpEditor, Some(w1), None),
        (
            "member@q.org",
            Some(q),
            RoleType::ClusterMember,
            None,
            Some(clusters[0]),
        ),
        (
            "imo@example.org",
            None,
            RoleType::ClusterImo,
            None,
            Some(clusters[1]),
        ),
        (
            "viewer@q.org",
            Some(q),
            RoleType::ClusterViewer,
            None,
            Some(clusters[2]),
        ),
    ];
    for (email, partner, role, ws, cl) in grants {
        let u = app.user(email, partner, &[]).await;
        roles.push(app.role(u, role, ws, cl, true).await);
        users.push(u);
    }
    users.push(app.user("nobody@p.org", Some(p), &[]).await);
    // A few audit events, through the API.
    let token = app.token("csa@example.org");
    for title in ["Seed one", "Seed two"] {
        let body = json!({
            "query": "mutation($t: String!) { createPartner(input: {title: $t}) { errors { code } } }",
            "variables": {"t": title},
        });
        send(app, &token, body.to_string()).await;
    }
    World {
        users: users.iter().map(|&id| gid(Kind::User, id)).collect(),
        roles: roles.iter().map(|&id| gid(Kind::Role, id)).collect(),
        workspaces: [w1, w2].map(|id| gid(Kind::Workspace, id)).to_vec(),
        plans: vec![gid(Kind::ResponsePlan, plan)],
        clusters: clusters.iter().map(|&id| gid(Kind::Cluster, id)).collect(),
        partners: [p, q].map(|id| gid(Kind::Partner, id)).to_vec(),
        events: (1..=3).map(|id| gid(Kind::AuditEvent, id)).collect(),
    }
}

/// Counts how far each case got: refused by HTTP, refused by GraphQL's own coercion and
/// validation (errors without a path), refused by a resolver (errors with a path), a mutation
/// failing in its payload, or answered.
fn tally(
    stats: &std::sync::Mutex<BTreeMap<&'static str, BTreeMap<&'static str, usize>>>,
    op: &'static str,
    status: u16,
    body: &str,
) {
    let json: Value = serde_json::from_str(body).unwrap_or_default();
    let errors = json["errors"].as_array().cloned().unwrap_or_default();
    let outcome = if status != 200 {
        "http-refused"
    } else if !errors.is_empty() && errors.iter().all(|e| e.get("path").is_none()) {
        "invalid"
    } else if !errors.is_empty() {
        "resolver-error"
    } else if json["data"][op]["errors"]
        .as_array()
        .is_some_and(|e| !e.is_empty())
    {
        "payload-error"
    } else {
        "ok"
    };
    if let Ok(mut stats) = stats.lock() {
        *stats.entry(op).or_default().entry(outcome).or_default() += 1;
    }
}

/// Cases per operation; `IDM_FUZZ_CASES` overrides it for a longer run.
fn cases_per_operation() -> u32 {
    std::env::var("IDM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

#[test]
fn hostile_variables_in_every_query_and_mutation_never_cause_a_server_error_or_leak() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let app = runtime.block_on(TestApp::spawn());
    let world = runtime.block_on(build_world(&app));
    let token = app.token("csa@example.org");
    let cases = cases_per_operation();
    let total = AtomicUsize::new(0);
    let stats = std::sync::Mutex::new(BTreeMap::new());
    let mut failures: BTreeMap<&str, String> = BTreeMap::new();
    let started = std::time::Instant::now();
    let operations = operations(&world);
    let count = operations.len();
    for op in operations {
        let mut runner = TestRunner::new(ProptestConfig {
            cases,
            failure_persistence: None,
            max_shrink_iters: 64,
            ..ProptestConfig::default()
        });
        let result = runner.run(&op.variables, |variables| {
            total.fetch_add(1, Ordering::Relaxed);
            let request = json!({"query": op.document, "variables": variables}).to_string();
            let (status, body) = runtime.block_on(send(&app, &token, request.clone()));
            let found = problems(&request, status, &body);
            tally(&stats, op.name, status, &body);
            if found.is_empty() {
                Ok(())
            } else {
                Err(TestCaseError::fail(format!(
                    "{}\nresponse {status}: {}",
                    found.join("\n"),
                    clip(&body, 600)
                )))
            }
        });
        match result {
            Ok(()) => {}
            Err(TestError::Fail(reason, variables)) => {
                let variables = variables.to_string();
                failures.insert(
                    op.name,
                    format!("{reason}\nminimal variables: {}", clip(&variables, 1500)),
                );
            }
            Err(e) => {
                failures.insert(op.name, format!("{e:.1500}"));
            }
        }
    }
    println!(
        "fuzzed {} cases over {count} operations ({cases} per operation, shrinking included) in {:.1?}",
        total.load(Ordering::Relaxed),
        started.elapsed()
    );
    for (op, outcomes) in stats.lock().expect("stats").iter() {
        println!("  {op:<20} {outcomes:?}");
    }
    runtime.block_on(async move { drop(app) });
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .map(|(op, e)| format!("== {op}: {e}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The inputs the fuzz once found failing, kept as fixed cases: each answered with a code.
#[tokio::test]
async fn the_inputs_that_once_failed_inside_are_answered_with_codes() {
    let (app, admin) = app_with_admin().await;
    let token = app.token(admin);
    let ws = gid(Kind::Workspace, app.workspace("W1").await);
    let audit = "query($f: AuditEventFilter) { auditEvents(filter: $f) { totalCount } }";
    let partner = "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { \
                   partner { id } errors { code message field } } }";
    let plan = "mutation($input: CreateResponsePlanInput!) { createResponsePlan(input: $input) { \
                responsePlan { id end } errors { code message field } } }";
    for (query, variables, expected) in [
        // A NUL in a text parameter: PostgreSQL refuses it.
        (
            audit,
            json!({"f": {"actions": ["\u{0}"]}}),
            "BAD_USER_INPUT",
        ),
        (
            audit,
            json!({"f": {"actions": ["user.create\u{0}"]}}),
            "BAD_USER_INPUT",
        ),
        // 29 digits: parsed, then overflowed (a panic) when turned into cents.
        (
            partner,
            json!({"input": {"title": "Max", "totalCtCp": "79228162514264337593543950335"}}),
            "VALIDATION",
        ),
        (
            partner,
            json!({"input": {"title": "Min", "totalCtCy": "-79228162514264337593543950335"}}),
            "VALIDATION",
        ),
        // Five-digit and negative years: SQLite compares dates as text, where "+10000-01-01"
        // sorts before "2026-01-01", so the end >= start CHECK failed inside.
        (
            plan,
            json!({"input": {"workspaceId": ws, "title": "Far", "start": "2026-01-01",
                             "end": "+10000-01-01"}}),
            "BAD_USER_INPUT",
        ),
        (
            plan,
            json!({"input": {"workspaceId": ws, "title": "Past", "start": "-2026-01-01"}}),
            "BAD_USER_INPUT",
        ),
    ] {
        let request = json!({"query": query, "variables": variables}).to_string();
        let (status, body) = send(&app, &token, request.clone()).await;
        let found = problems(&request, status, &body);
        assert!(found.is_empty(), "{variables}: {found:?}");
        let body: Value = serde_json::from_str(&body).expect("json");
        let code = body["errors"][0]["extensions"]["code"]
            .as_str()
            .or(body["data"]["createPartner"]["errors"][0]["code"].as_str());
        assert_eq!(code, Some(expected), "{variables}: {body}");
    }
    assert_eq!(app.count("partner").await, 0);
    assert_eq!(app.count("response_plan").await, 0);
}

// Limits (contract §2), over HTTP.

/// The first error's code and message.
fn first_error(body: &Value) -> (&str, &str) {
    (
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("none"),
        body["errors"][0]["message"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn more_directives_on_one_field_than_the_limit_are_refused_with_a_code() {
    let (app, admin) = app_with_admin().await;
    let limit = app.state.config.limits.max_directives;
    let directives = " @include(if: true)".repeat(limit + 1);
    let body = app
        .gql(
            admin,
            &format!("{{ me {{ email{directives} }} }}"),
            json!({}),
        )
        .await;
    let (code, message) = first_error(&body);
    assert_eq!(code, "BAD_USER_INPUT", "{body}");
    assert!(message.contains("directives"), "{message}");
    assert!(body["data"].is_null(), "{body}");
}

/// Pages of `first` rows (users, partners, audit events) selecting their rows' relations down
/// to the depth limit, aliased `a{n}`.
fn big_pages(alias: usize, first: usize) -> String {
    format!(
        "u{alias}: users(portal: CLUSTER, first: {first}) {{ totalCount {PAGE_INFO} \
         nodes {{ ...member }} edges {{ cursor node {{ ...member }} }} }} \
         p{alias}: partners(first: {first}) {{ totalCount {PAGE_INFO} \
         nodes {{ ...org }} edges {{ cursor node {{ ...org }} }} }} \
         e{alias}: auditEvents(first: {first}) {{ totalCount pageInfo {{ hasNextPage endCursor }} \
         nodes {{ id action at before after targetId targetType actor {{ ...person }} }} }}"
    )
}

/// The fragments of [`big_pages`].
const FRAGMENTS: &str = "\
    fragment person on User { id email firstName lastName fullName position isActive \
      lastLogin status userType isIncomplete createdAt updatedAt } \
    fragment member on User { ...person roles { id role roleDisplay isActive portal createdAt \
      workspace { id title workspaceCode businessAreaCode } \
      cluster { id title fullTitle type importedType responsePlan { id title planType start \
        end workspace { id title responsePlans { id title clusters { id title } } } } } \
      user { ...person } } \
      partner { id title shortTitle partnerType clusters { id title fullTitle \
        responsePlan { id title } } } } \
    fragment org on Partner { id title shortTitle alternateTitle alternateId partnerType \
      partnerTypeDisplay sharedPartner csoType email phoneNumber streetAddress city postalCode \
      countryCode totalCtCp totalCtCy vendorNumber rating basisForRiskRating typeOfAssessment \
      ochaExternalId externalId externalSource createdAt updatedAt \
      clusters { id title fullTitle type importedType responsePlan { id title planType start \
        end workspace { id title workspaceCode responsePlans { id title } } } } }";

/// What the admin app's users page asks for: roles with their scopes, and the partner.
const LIST_PAGE: &str = "users(portal: CLUSTER, first: 100) { totalCount pageInfo { hasNextPage \
    endCursor } nodes { id email firstName lastName isActive lastLogin partner { id title } \
    roles { id role isActive workspace { title } cluster { fullTitle } } } }";

#[tokio::test]
async fn complexity_weighs_each_page_by_its_rows() {
    let (app, admin) = app_with_admin().await;
    assert_eq!(app.state.config.limits.max_complexity, 5000);
    let too_complex = |body: &Value| {
        let (code, message) = first_error(body);
        code == "BAD_USER_INPUT" && message.contains("too complex") && body["data"].is_null()
    };
    // The admin app's page of 100 fits.
    let body = app
        .gql(admin, &format!("{{ {LIST_PAGE} }}"), json!({}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    // The deepest selections of every page fit at 5 rows, not at 100.
    let small = format!("{{ {} }} {FRAGMENTS}", big_pages(0, 5));
    let body = app.gql(admin, &small, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let big = format!("{{ {} }} {FRAGMENTS}", big_pages(0, 100));
    assert!(too_complex(&app.gql(admin, &big, json!({})).await));
    // Twenty aliased copies of a plain page of 20: each is light, together they are not,
    // and a variable's page size counts like a literal one.
    let copies: String = (0..20)
        .map(|n| format!("p{n}: users(portal: CLUSTER, first: $n) {{ nodes {{ id email firstName lastName isActive lastLogin partner {{ id title }} roles {{ id role workspace {{ title }} }} }} }} "))
        .collect();
    let query = format!("query($n: Int) {{ {copies} }}");
    assert!(too_complex(&app.gql(admin, &query, json!({"n": 20})).await));
    let body = app.gql(admin, &query, json!({"n": 1})).await;
    assert!(body["errors"].is_null(), "{body}");
}

/// Reference lists nest in cycles (a plan's clusters' plan's clusters ...); each level weighs
/// five rows, so a cycle spun to the depth limit and aliased is refused before it runs.
#[tokio::test]
async fn cyclic_reference_lists_weigh_their_nesting() {
    let (app, admin) = app_with_admin().await;
    let ws = app.workspace("W1").await;
    app.cluster(ws, ClusterType::Health).await;
    let cycle = |levels: usize| {
        let mut inner = "id".to_owned();
        for _ in 0..levels {
            inner = format!("clusters {{ id responsePlan {{ id {inner} }} }}");
        }
        inner
    };
    let too_complex = |body: &Value| first_error(body).1.contains("too complex");
    let shallow = format!("{{ workspaces {{ responsePlans {{ {} }} }} }}", cycle(2));
    let body = app.gql(admin, &shallow, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let deep = format!("{{ workspaces {{ responsePlans {{ {} }} }} }}", cycle(4));
    let body = app.gql(admin, &deep, json!({})).await;
    assert!(too_complex(&body), "{body}");
    let aliased: String = (0..20)
        .map(|n| format!("a{n}: workspaces {{ responsePlans {{ {} }} }} ", cycle(2)))
        .collect();
    let body = app.gql(admin, &format!("{{ {aliased} }}"), json!({})).await;
    assert!(too_complex(&body), "{body}");
}

#[tokio::test]
async fn a_request_over_the_time_limit_gets_503_timeout() {
    let (app, _) = app_with_admin_configured(|c| {
        c.limits.request_timeout = Duration::from_millis(1);
        c.limits.max_complexity = 1_000_000;
    })
    .await;
    let (_, cluster) = app.health_cluster("W1").await;
    let partner = app.partner("Alpha").await;
    for n in 0..100 {
        let u = app
            .user(&format!("user{n}@example.org"), Some(partner), &[])
            .await;
        app.role(u, RoleType::ClusterMember, None, Some(cluster), true)
            .await;
    }
    let query = format!("{{ {} }} {FRAGMENTS}", big_pages(0, 100));
    let (status, body) = app
        .post(Some(&app.token("csa@example.org")), &query, json!({}))
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(first_error(&body).0, "TIMEOUT", "{body}");
}

#[tokio::test]
async fn list_inputs_over_the_bound_are_refused_with_codes() {
    let (app, admin) = app_with_admin().await;
    let ws = app.workspace("W1").await;
    let target = app.user("ana@example.org", None, &[]).await;
    let max = app.state.config.limits.max_list_input;
    let roles: Vec<Value> = (0..=max)
        .map(|n| json!({"role": "IP_VIEWER", "workspaceId": gid(Kind::Workspace, n as i64 + ws)}))
        .collect();
    let d = app
        .data(
            admin,
            "mutation($input: CreateRolesInput!) { createRoles(input: $input) { user { id } \
             errors { code field } } }",
            json!({"input": {"userId": gid(Kind::User, target), "roles": roles}}),
        )
        .await;
    assert_eq!(
        d["createRoles"]["errors"],
        json!([{"code": "VALIDATION", "field": ["input", "roles"]}]),
        "{d}"
    );
    assert_eq!(app.count("prp_role").await, 1, "only the admin's role");
    let too_many =
        |kind: Kind| -> Vec<String> { (1..=max as i64 + 1).map(|n| gid(kind, n)).collect() };
    let d = app
        .data(
            admin,
            "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { partner { id } \
             errors { code field } } }",
            json!({"input": {"title": "Alpha", "clusterIds": too_many(Kind::Cluster)}}),
        )
        .await;
    assert_eq!(
        d["createPartner"]["errors"],
        json!([{"code": "VALIDATION", "field": ["input", "clusterIds"]}]),
        "{d}"
    );
    for (query, variables) in [
        (
            "query($ids: [ID!]) { users(portal: CLUSTER, filter: {partnerIds: $ids}) { totalCount } }",
            json!({"ids": too_many(Kind::Partner)}),
        ),
        (
            "query($ids: [ID!]) { partners(filter: {clusterIds: $ids}) { totalCount } }",
            json!({"ids": too_many(Kind::Cluster)}),
        ),
        (
            "query($a: [String!]) { auditEvents(filter: {actions: $a}) { totalCount } }",
            json!({"a": vec!["user.create"; max + 1]}),
        ),
    ] {
        let body = app.gql(admin, query, variables).await;
        assert_eq!(first_error(&body).0, "BAD_USER_INPUT", "{query}: {body}");
    }
}

#[tokio::test]
async fn negative_page_sizes_are_bad_user_input() {
    let (app, admin) = app_with_admin().await;
    for query in [
        "{ users(portal: CLUSTER, first: -1) { totalCount } }",
        "{ users(portal: CLUSTER, last: -1) { totalCount } }",
        "{ partners(first: -1) { totalCount } }",
        "{ partners(last: -1) { totalCount } }",
        "{ auditEvents(first: -1) { totalCount } }",
    ] {
        let body = app.gql(admin, query, json!({})).await;
        let (code, message) = first_error(&body);
        assert_eq!(code, "BAD_USER_INPUT", "{query}: {body}");
        assert!(message.contains("negative"), "{query}: {message}");
    }
}

// No secrets in logs: the real binary at RUST_LOG=trace.

/// What a child process wrote to stdout and stderr, collected by one thread per stream.
struct Output {
    text: std::sync::Arc<std::sync::Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Output {
    fn collect(child: &mut std::process::Child) -> Self {
        use std::io::Read;
        let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut readers = Vec::new();
        let streams: [Option<Box<dyn Read + Send>>; 2] = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ];
        for mut stream in streams.into_iter().flatten() {
            let text = text.clone();
            readers.push(std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut text) = text.lock() {
                        text.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            }));
        }
        Self { text, readers }
    }

    fn snapshot(&self) -> String {
        self.text.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Waits until the output contains `needle`, at most `secs` seconds.
    async fn wait_for(&self, needle: &str, secs: u64) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        while std::time::Instant::now() < deadline {
            if self.snapshot().contains(needle) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Everything, once the process has exited and closed its streams.
    fn finish(mut self) -> String {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        self.snapshot()
    }
}

/// A child process, killed if a failing test leaves it running.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The output without ANSI colour sequences.
fn without_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

const LOG_JWT_SECRET: &str = "log-test-jwt-secret-5c1f0e9a7b-42aa";
const SMTP_PASSWORD: &str = "s3cr3t-pass";

fn hs256(claims: Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("token")
}

/// A PostgreSQL URL with a password in it: the one it has, or a made-up one (which a local
/// server with trust authentication ignores); None for SQLite.
fn with_password(url: &str) -> (String, Option<String>) {
    let Some(rest) = url.strip_prefix("postgres://") else {
        return (url.to_owned(), None);
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, _)) if userinfo.contains(':') => {
            let password = userinfo.split_once(':').map(|(_, p)| p.to_owned());
            (url.to_owned(), password)
        }
        Some((user, host)) => {
            let password = "log-test-db-password";
            (
                format!("postgres://{user}:{password}@{host}{tail}"),
                Some(password.to_owned()),
            )
        }
        None => (url.to_owned(), None),
    }
}

#[tokio::test]
async fn a_session_of_the_binary_at_trace_level_logs_no_token_secret_password_or_email() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, _sqlite_dir) = fresh_database().await;
    let (database_url, db_password) = with_password(&database);
    let smtp_url = format!("smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:{}", closed_port());
    let env = [
        ("DATABASE_URL", database_url),
        ("IDM_JWT_SECRET", LOG_JWT_SECRET.to_owned()),
        ("IDM_SMTP_URL", smtp_url),
        ("RUST_LOG", "trace".to_owned()),
    ];
    let command = |args: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_idm"));
        c.args(args)
            .env_clear()
            .envs(std::env::vars().filter(|(k, _)| k.starts_with("PG")))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        c
    };
    let admin = "root.admin@example.org";
    let member = "mona.member@alpha-relief.example";
    let contact = "office@alpha-relief.example";
    let invitee = "fresh.invitee@example.org";
    let new_contact = "desk@alpha-relief.example";
    let unknown = "nobody.there@example.org";
    let import = json!({
        "workspaces": [{"ref": "syr", "title": "Syria", "workspaceCode": "SYR"}],
        "responsePlans": [{"ref": "hrp", "workspace": "syr", "title": "Syria HRP 2026"}],
        "clusters": [{"ref": "health", "responsePlan": "hrp", "type": "HEALTH"}],
        "partners": [{"ref": "alpha", "title": "Alpha Relief", "email": contact,
                      "clusters": ["health"]}],
        "users": [
            {"email": admin, "firstName": "Root", "lastName": "Admin",
             "roles": [{"role": "CLUSTER_SYSTEM_ADMIN"}]},
            {"email": member, "firstName": "Mona", "lastName": "Member", "partner": "alpha",
             "roles": [{"role": "CLUSTER_MEMBER", "cluster": "health"}]},
        ],
    });
    let file = dir.path().join("import.json");
    std::fs::write(&file, import.to_string()).expect("import file");
    let imported = command(&["import", &file.display().to_string()])
        .output()
        .expect("idm import");
    assert!(imported.status.success(), "{imported:?}");
    let mut log = String::from_utf8_lossy(&imported.stdout).into_owned();
    log.push_str(&String::from_utf8_lossy(&imported.stderr));

    let mut child = Child(
        command(&["serve", "--bind", "127.0.0.1:0"])
            .spawn()
            .expect("idm serve"),
    );
    let output = Output::collect(&mut child.0);
    assert!(
        output.wait_for("GraphiQL at http://", 30).await,
        "{}",
        output.snapshot()
    );
    let started = without_ansi(&output.snapshot());
    let addr = started
        .split("GraphiQL at http://")
        .nth(1)
        .and_then(|rest| rest.split("/graphiql").next())
        .expect("the bound address")
        .to_owned();
    let url = format!("http://{addr}/graphql");

    let now = chrono::Utc::now().timestamp();
    let claims = |email: &str, exp: i64| json!({"email": email, "exp": exp, "iat": now});
    let token = hs256(claims(admin, now + 600), LOG_JWT_SECRET);
    let bad_tokens = [
        hs256(claims(admin, now - 3600), LOG_JWT_SECRET),
        hs256(claims(admin, now + 600), "some-other-secret-0123456789"),
        hs256(claims(unknown, now + 600), LOG_JWT_SECRET),
        "not.a-jwt.c0ffee-d00d-feed".to_owned(),
    ];
    let client = reqwest::Client::new();
    let post = |token: &str, query: &str, variables: Value| {
        client
            .post(&url)
            .bearer_auth(token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
    };
    let json_of = |res: reqwest::Response| async move {
        let status = res.status().as_u16();
        (status, res.json::<Value>().await.unwrap_or_default())
    };
    let (status, body) = json_of(
        post(&token, "{ me { email } }", json!({}))
            .await
            .expect("me"),
    )
    .await;
    assert_eq!(
        (status, &body["data"]["me"]["email"]),
        (200, &json!(admin)),
        "{body}"
    );
    for bad in &bad_tokens {
        let res = post(bad, "{ me { email } }", json!({})).await.expect("me");
        assert_eq!(res.status(), 401);
    }
    let (_, body) = json_of(
        post(
            &token,
            "query($s: String) { users(portal: CLUSTER, filter: {nameEmail: $s}) { nodes { id partner { id } } } }",
            json!({"s": member}),
        )
        .await
        .expect("users"),
    )
    .await;
    let partner = body["data"]["users"]["nodes"][0]["partner"]["id"].clone();
    assert!(partner.is_string(), "{body}");
    let create_user = "mutation($input: CreateUserInput!) { createUser(input: $input) { \
                       user { id } errors { code } } }";
    let invite = json!({"input": {"portal": "CLUSTER", "email": invitee, "firstName": "Fresh",
                                  "lastName": "Invitee", "userType": "PARTNER",
                                  "partnerId": partner}});
    let (_, body) = json_of(
        post(&token, create_user, invite.clone())
            .await
            .expect("createUser"),
    )
    .await;
    let user = body["data"]["createUser"]["user"]["id"].clone();
    assert!(user.is_string(), "{body}");
    let (_, body) = json_of(
        post(&token, "query { assignableClusters { id } }", json!({}))
            .await
            .expect("clusters"),
    )
    .await;
    let cluster = body["data"]["assignableClusters"][0]["id"].clone();
    let (_, body) = json_of(
        post(
            &token,
            "mutation($input: CreateRolesInput!) { createRoles(input: $input) { roles { id } errors { code } } }",
            json!({"input": {"userId": user, "roles": [{"role": "CLUSTER_VIEWER", "clusterId": cluster}]}}),
        )
        .await
        .expect("createRoles"),
    )
    .await;
    assert_eq!(body["data"]["createRoles"]["errors"], json!([]), "{body}");
    // Failing mutations: a taken email, and a partner email that is not an address.
    let (_, body) = json_of(post(&token, create_user, invite).await.expect("again")).await;
    assert_eq!(
        body["data"]["createUser"]["errors"][0]["code"], "EMAIL_TAKEN",
        "{body}"
    );
    let update_partner = "mutation($input: UpdatePartnerInput!) { updatePartner(input: $input) { \
                          partner { id } errors { code } } }";
    let (_, body) = json_of(
        post(
            &token,
            update_partner,
            json!({"input": {"id": partner, "email": format!("{new_contact} <{new_contact}>")}}),
        )
        .await
        .expect("updatePartner"),
    )
    .await;
    assert_eq!(
        body["data"]["updatePartner"]["errors"][0]["code"], "VALIDATION",
        "{body}"
    );
    let (_, body) = json_of(
        post(
            &token,
            update_partner,
            json!({"input": {"id": partner, "email": new_contact}}),
        )
        .await
        .expect("updatePartner"),
    )
    .await;
    assert_eq!(body["data"]["updatePartner"]["errors"], json!([]), "{body}");
    // The invitee signs in, with a GET whose query string carries an email in the variables.
    let invitee_token = hs256(claims(invitee, now + 600), LOG_JWT_SECRET);
    let res = client
        .get(&url)
        .query(&[
            (
                "query",
                "query($s: String) { me { email status } users(portal: CLUSTER, \
                 filter: {nameEmail: $s}) { totalCount } }",
            ),
            ("variables", &json!({"s": member}).to_string()),
        ])
        .bearer_auth(&invitee_token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);

    // The invitation and the role notice go to an SMTP port that refuses: a delivery fails.
    let failed = output.wait_for("notification delivery failed", 30).await;
    // Stop it as an operator would (SIGTERM: graceful shutdown), so its last lines count too.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while matches!(child.0.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(child);
    log.push_str(&output.finish());
    drop_database(&database).await;
    assert!(failed, "no failed delivery was logged:\n{log}");
    assert!(log.contains("TRACE"), "the log is at trace level");

    let plain = without_ansi(&log);
    let mut secrets: Vec<(&str, String)> = vec![
        ("the JWT secret", LOG_JWT_SECRET.to_owned()),
        ("the SMTP password", SMTP_PASSWORD.to_owned()),
        ("the database password", db_password.unwrap_or_default()),
        ("the admin's token", token.clone()),
        ("the invitee's token", invitee_token.clone()),
    ];
    for (n, bad) in bad_tokens.iter().enumerate() {
        secrets.push(("a refused token", bad.clone()));
        // A signature alone is a secret too (not for the made-up one without a real signature).
        if n < 3 {
            if let Some(signature) = bad.rsplit('.').next() {
                secrets.push(("a refused token's signature", signature.to_owned()));
            }
        }
    }
    for valid in [&token, &invitee_token] {
        if let Some(signature) = valid.rsplit('.').next() {
            secrets.push(("a token's signature", signature.to_owned()));
        }
    }
    for email in [admin, member, contact, invitee, new_contact, unknown] {
        secrets.push(("an email address", email.to_owned()));
        secrets.push(("a URL-encoded email address", email.replace('@', "%40")));
    }
    secrets.retain(|(_, secret)| !secret.is_empty());
    let leaks: Vec<String> = secrets
        .iter()
        .filter(|(_, secret)| log.contains(secret.as_str()) || plain.contains(secret.as_str()))
        .map(|(what, secret)| {
            let lines: Vec<&str> = plain
                .lines()
                .filter(|l| l.contains(secret.as_str()))
                .take(3)
                .collect();
            format!(
                "{what} {secret:?} in:\n  {}",
                lines
                    .iter()
                    .map(|l| clip(l, 400))
                    .collect::<Vec<_>>()
                    .join("\n  ")
            )
        })
        .collect();
    println!(
        "checked {} lines ({} bytes) of trace output for {} secrets",
        plain.lines().count(),
        plain.len(),
        secrets.len()
    );
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

/// The database's own rules are a second line behind validation: a CHECK, NOT NULL or foreign
/// key violation that got through becomes a payload code (VALIDATION, NOT_FOUND), never INTERNAL.
#[tokio::test]
async fn constraint_violations_behind_validation_map_to_payload_codes() {
    use idm::error::{constraint_error, ErrorCode};
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn().await;
    let workspace = app.workspace("CK1").await;
    let backend = app.db.get_database_backend();
    let now = "'2026-01-01 00:00:00'";
    for (sql, want) in [
        (
            format!(
                "INSERT INTO response_plan (workspace_id, title, plan_type, start_date, end_date, created_at) \
                 VALUES ({workspace}, 'p', 'HRP', '2026-02-01', '2026-01-01', {now})"
            ),
            ErrorCode::Validation,
        ),
        (
            format!(
                "INSERT INTO response_plan (workspace_id, title, plan_type, created_at) \
                 VALUES ({workspace}, NULL, 'HRP', {now})"
            ),
            ErrorCode::Validation,
        ),
        (
            format!(
                "INSERT INTO response_plan (workspace_id, title, plan_type, created_at) \
                 VALUES ({}, 'p', 'HRP', {now})",
                workspace + 1000
            ),
            ErrorCode::NotFound,
        ),
    ] {
        let err = app
            .db
            .execute_raw(Statement::from_string(backend, sql.clone()))
            .await
            .expect_err(&sql);
        let mapped = constraint_error(&err).unwrap_or_else(|| panic!("unmapped: {err:?}"));
        assert_eq!(mapped.code, want, "{sql}");
        assert_eq!(mapped.field, Some(vec!["input".to_owned()]));
    }
    app.db.execute_raw(Statement::from_string(backend, format!(
        "INSERT INTO response_plan (workspace_id, title, plan_type, created_at) VALUES ({workspace}, 'p', 'HRP', {now})"
    ))).await.expect("a valid row is stored");
}

#[tokio::test]
async fn selection_sets_nested_deeper_than_the_limits_are_refused_and_the_service_stays_up() {
    let (app, admin) = app_with_admin().await;
    // Within the 256 KiB body limit; beyond the depth limit (12), the recursion limit (32)
    // and the nesting bound of the text (64, a 400 before anything parses it).
    for (depth, status) in [(20, 200), (40, 200), (5_000, 400), (40_000, 400)] {
        let query = format!(
            "{{ me {} id {} }}",
            "{ a ".repeat(depth),
            "} ".repeat(depth)
        );
        let (got, body) = app.post(Some(&app.token(admin)), &query, json!({})).await;
        assert_eq!(got, status, "depth {depth}: {body}");
        let (code, _) = first_error(&body);
        assert_eq!(code, "BAD_USER_INPUT", "depth {depth}: {body}");
        assert!(body["data"].is_null(), "{body}");
    }
    let me = app.data(admin, "{ me { email } }", json!({})).await;
    assert_eq!(me["me"]["email"], *admin);
}
