//! The operator's decisions for what the migration rules refuse (`--resolve FILE`): per old
//! row id, skip or merge a user, drop or retype a role row, attach a plan-less cluster to a
//! plan. Parsed strictly: an unknown key or value is an error naming its JSON path.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::domain::RoleType;

/// What to do with one old user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserDecision {
    /// Leave the user and its roles out.
    Skip,
    /// Fold the user into the old user with this id (its roles join the target's).
    MergeInto(i64),
}

/// What to do with one old role row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleDecision {
    /// Leave the row out.
    Drop,
    /// Read the row as this role, then apply the usual scope rules.
    Role(RoleType),
}

/// What to do with one old cluster without a response plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterDecision {
    /// Attach the cluster to the old response plan with this id.
    ResponsePlan(i64),
}

/// The operator's decisions, per old row id (JSON, `--resolve FILE`):
/// {"users":    {"812": "skip", "813": {"mergeInto": 811}},
///  "roles":    {"864": "drop", "865": {"role": "CLUSTER_IMO"}},
///  "clusters": {"17": {"responsePlan": 4}}}
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Resolutions {
    pub users: BTreeMap<i64, UserDecision>,
    pub roles: BTreeMap<i64, RoleDecision>,
    pub clusters: BTreeMap<i64, ClusterDecision>,
}

/// Reads a resolution file. Every problem is reported, one per line, with its JSON path.
pub fn parse(text: &str) -> Result<Resolutions, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("$: not valid JSON: {e}"))?;
    let Value::Object(top) = doc else {
        return Err("$: expected a JSON object with users, roles and clusters".to_owned());
    };
    let mut errors = Vec::new();
    let mut out = Resolutions::default();
    for (key, value) in &top {
        match key.as_str() {
            "users" => out.users = section(key, value, user_decision, &mut errors),
            "roles" => out.roles = section(key, value, role_decision, &mut errors),
            "clusters" => out.clusters = section(key, value, cluster_decision, &mut errors),
            _ => errors.push(format!(
                "{}: unknown key; expected users, roles or clusters",
                path_in("", key)
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.join("\n"))
    }
}

/// One section: an object from old row ids to decisions.
fn section<T>(
    name: &str,
    value: &Value,
    decision: fn(i64, &Value, &str) -> Result<T, String>,
    errors: &mut Vec<String>,
) -> BTreeMap<i64, T> {
    let mut out = BTreeMap::new();
    let Value::Object(items) = value else {
        errors.push(format!(
            "{name}: expected an object from old row ids to decisions"
        ));
        return out;
    };
    for (key, item) in items {
        let at = format!("{name}[{}]", Value::from(key.as_str()));
        let Some(id) = row_id(key) else {
            errors.push(format!(
                "{at}: the key must be an old row id (a positive integer)"
            ));
            continue;
        };
        match decision(id, item, &at) {
            Ok(d) => {
                out.insert(id, d);
            }
            Err(e) => errors.push(e),
        }
    }
    out
}

/// A user's decision: `"skip"` or `{"mergeInto": id}`.
fn user_decision(id: i64, value: &Value, at: &str) -> Result<UserDecision, String> {
    const EXPECTED: &str = r#"expected "skip" or {"mergeInto": <old user id>}"#;
    match value {
        Value::String(s) if s == "skip" => Ok(UserDecision::Skip),
        Value::Object(map) => {
            let target = only_key(map, "mergeInto", at, EXPECTED)?;
            let target = id_value(target, &format!("{at}.mergeInto"))?;
            if target == id {
                return Err(format!(
                    "{at}.mergeInto: a user cannot be merged into itself"
                ));
            }
            Ok(UserDecision::MergeInto(target))
        }
        other => Err(format!("{at}: {EXPECTED}, found {}", shown(other))),
    }
}

/// A role row's decision: `"drop"` or `{"role": NAME}`.
fn role_decision(_id: i64, value: &Value, at: &str) -> Result<RoleDecision, String> {
    const EXPECTED: &str = r#"expected "drop" or {"role": <role name>}"#;
    match value {
        Value::String(s) if s == "drop" => Ok(RoleDecision::Drop),
        Value::Object(map) => {
            let role = only_key(map, "role", at, EXPECTED)?;
            let name = role.as_str().unwrap_or_default();
            RoleType::parse(name)
                .map(RoleDecision::Role)
                .ok_or_else(|| {
                    let names: Vec<&str> = RoleType::ALL.iter().map(|r| r.as_str()).collect();
                    format!(
                        "{at}.role: {} is not a role; expected one of {}",
                        shown(role),
                        names.join(", ")
                    )
                })
        }
        other => Err(format!("{at}: {EXPECTED}, found {}", shown(other))),
    }
}

/// A cluster's decision: `{"responsePlan": id}`.
fn cluster_decision(_id: i64, value: &Value, at: &str) -> Result<ClusterDecision, String> {
    const EXPECTED: &str = r#"expected {"responsePlan": <old response plan id>}"#;
    let Value::Object(map) = value else {
        return Err(format!("{at}: {EXPECTED}, found {}", shown(value)));
    };
    let plan = only_key(map, "responsePlan", at, EXPECTED)?;
    Ok(ClusterDecision::ResponsePlan(id_value(
        plan,
        &format!("{at}.responsePlan"),
    )?))
}

/// The value of an object that must have exactly the one key `key`.
fn only_key<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    at: &str,
    expected: &str,
) -> Result<&'a Value, String> {
    if let Some(other) = map.keys().find(|k| k.as_str() != key) {
        return Err(format!("{}: unknown key; {expected}", path_in(at, other)));
    }
    map.get(key)
        .ok_or_else(|| format!("{at}: {expected}, found an empty object"))
}

/// An old row id given as a JSON number.
fn id_value(value: &Value, at: &str) -> Result<i64, String> {
    value.as_i64().filter(|n| *n > 0).ok_or_else(|| {
        format!(
            "{at}: expected an old row id (a positive integer), found {}",
            shown(value)
        )
    })
}

/// An old row id given as an object key.
fn row_id(key: &str) -> Option<i64> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse().ok().filter(|n| *n > 0)
}

/// The path of `key` inside the value at `at` ("" is the document): `users.x`, `a["b c"]`.
fn path_in(at: &str, key: &str) -> String {
    let plain = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric());
    match (at.is_empty(), plain) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{at}.{key}"),
        (_, false) => format!("{at}[{}]", Value::from(key)),
    }
}

/// A value as it appears in a message.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let r = parse(
            r#"{"users":    {"812": "skip", "813": {"mergeInto": 811}},
                "roles":    {"864": "drop", "865": {"role": "CLUSTER_IMO"}},
                "clusters": {"17": {"responsePlan": 4}}}"#,
        )
        .unwrap();
        assert_eq!(r.users[&812], UserDecision::Skip);
        assert_eq!(r.users[&813], UserDecision::MergeInto(811));
        assert_eq!(r.roles[&864], RoleDecision::Drop);
        assert_eq!(r.roles[&865], RoleDecision::Role(RoleType::ClusterImo));
        assert_eq!(r.clusters[&17], ClusterDecision::ResponsePlan(4));
        assert_eq!(parse("{}").unwrap(), Resolutions::default());
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let e = parse(
            r#"{"user": {}, "users": {"x1": "skip", "5": "delete", "6": {"mergeInto": 6},
                "7": {"mergeInto": "8"}, "9": {"merge": 1}},
                "roles": {"1": {"role": "CLUSTER_ADMIN"}, "2": {}},
                "clusters": {"3": "drop", "4": {"responsePlan": -1}}}"#,
        )
        .unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        for expected in [
            "user: unknown key; expected users, roles or clusters",
            r#"users["x1"]: the key must be an old row id"#,
            r#"users["5"]: expected "skip" or {"mergeInto": <old user id>}, found "delete""#,
            r#"users["6"].mergeInto: a user cannot be merged into itself"#,
            r#"users["7"].mergeInto: expected an old row id (a positive integer), found "8""#,
            r#"users["9"].merge: unknown key"#,
            r#"roles["1"].role: "CLUSTER_ADMIN" is not a role; expected one of IP_AUTHORIZED_OFFICER"#,
            r#"roles["2"]: expected "drop" or {"role": <role name>}, found an empty object"#,
            r#"clusters["3"]: expected {"responsePlan": <old response plan id>}, found "drop""#,
            r#"clusters["4"].responsePlan: expected an old row id (a positive integer), found -1"#,
        ] {
            assert!(
                lines.iter().any(|l| l.starts_with(expected)),
                "missing {expected:?} in\n{e}"
            );
        }
        assert_eq!(lines.len(), 10, "{e}");
    }

    #[test]
    fn not_json_or_not_an_object_is_refused() {
        assert!(parse("{").unwrap_err().starts_with("$: not valid JSON"));
        assert!(parse("[]")
            .unwrap_err()
            .starts_with("$: expected a JSON object"));
        assert_eq!(
            parse(r#"{"roles": []}"#).unwrap_err(),
            "roles: expected an object from old row ids to decisions"
        );
    }
}
