//! Users: who becomes one idm user (U5 merges, U9 skips, operator decisions) and their records.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::*;
use crate::prp::report::{Anomaly, Outcome};
use crate::prp::resolve::{Resolutions, UserDecision};
use crate::prp::source::{User, World};

/// One idm user: the kept old row and the rows folded into it.
pub(super) struct Person<'w> {
    pub(super) kept: &'w User,
    /// Every old row of the person, the kept one first.
    pub(super) members: Vec<&'w User>,
    pub(super) email: String,
}

/// Skips (operator, U9), forced merges (operator), email normalisation (U7, U6, U8) and
/// U5 groups: the people of the document, in the order of their kept row's id.
pub(super) fn people<'w>(
    world: &'w World,
    index: &Index<'w>,
    r: &Resolutions,
    log: &mut Log,
) -> Vec<Person<'w>> {
    let skipped = skips(world, index, r, log);
    let forced = forced_merges(index, r, &skipped, log);
    let merged_away: HashSet<i64> = forced.values().flatten().map(|u| u.id).collect();
    let mut groups: Vec<(String, Vec<&User>)> = Vec::new();
    let mut by_email: HashMap<String, usize> = HashMap::new();
    for u in &world.users {
        if skipped.contains(&u.id) || merged_away.contains(&u.id) {
            continue;
        }
        let Some(email) = user_email(u, log) else {
            let n = 1 + forced.get(&u.id).map_or(0, Vec::len);
            log.tally(USER, Tally::Refused, n);
            log.tally(ROLE, Tally::Refused, roles_count(index, u, &forced));
            continue;
        };
        let at = *by_email.entry(email.clone()).or_insert_with(|| {
            groups.push((email, Vec::new()));
            groups.len() - 1
        });
        if let Some((_, group)) = groups.get_mut(at) {
            group.push(u);
        }
    }
    let mut people: Vec<Person> = groups
        .into_iter()
        .filter_map(|(email, group)| person(email, group, &forced, index, log))
        .collect();
    people.sort_by_key(|p| p.kept.id);
    people
}

pub(super) fn roles_count(index: &Index<'_>, u: &User, forced: &HashMap<i64, Vec<&User>>) -> usize {
    let folded = forced
        .get(&u.id)
        .map_or(0, |m| m.iter().map(|f| index.roles_of(f.id).len()).sum());
    index.roles_of(u.id).len() + folded
}

/// Users left out: the operator's skips, then U9 (a blank email, or a staff or superuser
/// account without roles). A staff account with roles and an email stays, reported.
pub(super) fn skips(
    world: &World,
    index: &Index<'_>,
    r: &Resolutions,
    log: &mut Log,
) -> HashSet<i64> {
    let mut skipped = HashSet::new();
    for u in &world.users {
        let roles = index.roles_of(u.id).len();
        let admin = u.is_staff || u.is_superuser;
        let reason = match r.users.get(&u.id) {
            Some(UserDecision::Skip) => Some(("OP", "skipped by the operator, with its roles")),
            // The operator's merge wins over U9: the account's roles go to the target.
            Some(UserDecision::MergeInto(_)) => None,
            None if u.email.trim().is_empty() => {
                Some(("U9", "account without an email (service account): skipped"))
            }
            None if admin && roles == 0 => {
                Some(("U9", "staff or superuser account without roles: skipped"))
            }
            None => {
                if admin {
                    let detail = "staff or superuser account with roles: migrates as a plain user";
                    log.note(anomaly("U9", USER, vec![u.id], Outcome::Kept, detail));
                }
                None
            }
        };
        if let Some((case, detail)) = reason {
            log.note(anomaly(case, USER, vec![u.id], Outcome::Skipped, detail));
            log.tally(USER, Tally::Skipped, 1);
            log.tally(ROLE, Tally::Skipped, roles);
            skipped.insert(u.id);
        }
    }
    skipped
}

/// The operator's merges: target id -> users folded into it. A merge into a user that is
/// skipped or itself merged away refuses the run and is ignored.
pub(super) fn forced_merges<'w>(
    index: &Index<'w>,
    r: &Resolutions,
    skipped: &HashSet<i64>,
    log: &mut Log,
) -> HashMap<i64, Vec<&'w User>> {
    let mut forced: HashMap<i64, Vec<&User>> = HashMap::new();
    for (&id, decision) in &r.users {
        let UserDecision::MergeInto(target) = *decision else {
            continue;
        };
        let (Some(&user), true) = (index.users.get(&id), index.users.contains_key(&target)) else {
            continue; // reported by unknown_decisions
        };
        let problem = if skipped.contains(&target) {
            Some("the target is skipped")
        } else if matches!(r.users.get(&target), Some(UserDecision::MergeInto(_))) {
            Some("the target is itself merged into another user")
        } else {
            None
        };
        if let Some(problem) = problem {
            let detail = format!("user {id}: mergeInto {target} cannot apply: {problem}");
            log.note(anomaly(
                "OP",
                USER,
                vec![id, target],
                Outcome::Refused,
                detail,
            ));
            continue;
        }
        log.note(Anomaly {
            after: Some(json!({"survivor": target})),
            ..anomaly(
                "OP",
                USER,
                vec![target, id],
                Outcome::Merged,
                format!("user {id} merged into user {target} by the operator"),
            )
        });
        forced.entry(target).or_default().push(user);
    }
    forced
}

/// The stored form of a user's email: trimmed (U7), ASCII letters lowered (U6), an IDN
/// domain in `xn--` form (U8). None, refusing the run, when it is still not an address.
pub(super) fn user_email(u: &User, log: &mut Log) -> Option<String> {
    let trimmed = u.email.trim();
    if trimmed != u.email {
        log.note(change(
            "U7",
            USER,
            vec![u.id],
            "email trimmed",
            (json!(u.email), json!(trimmed)),
        ));
    }
    let lower = trimmed.to_ascii_lowercase();
    if lower != trimmed {
        log.note(change(
            "U6",
            USER,
            vec![u.id],
            "email lower-cased (ASCII letters)",
            (json!(trimmed), json!(lower)),
        ));
    }
    match crate::email::stored(&lower) {
        Ok(stored) => {
            if stored != lower {
                log.note(change("U8", USER, vec![u.id], "internationalised domain in xn-- form: the identity provider must send the same form", (json!(lower), json!(stored))));
            }
            Some(stored)
        }
        Err(problem) => {
            let detail = format!(
                "email {:?}: {}; skip the user or fix the address in PRP",
                u.email,
                problem.message()
            );
            log.note(anomaly("U9", USER, vec![u.id], Outcome::Refused, detail));
            None
        }
    }
}

/// One email's users (and those the operator folded into them) as one person (U5), or None
/// when the group disagrees on partner or on being active (refused).
pub(super) fn person<'w>(
    email: String,
    group: Vec<&'w User>,
    forced: &HashMap<i64, Vec<&'w User>>,
    index: &Index<'w>,
    log: &mut Log,
) -> Option<Person<'w>> {
    let folded = |u: &User| forced.get(&u.id).map_or(&[][..], Vec::as_slice);
    let all_ids = || -> Vec<i64> {
        group
            .iter()
            .flat_map(|u| std::iter::once(*u).chain(folded(u).iter().copied()))
            .map(|u| u.id)
            .collect()
    };
    let first = *group.first()?;
    if group.len() == 1 {
        let mut members = vec![first];
        members.extend(folded(first).iter().copied());
        log.tally(USER, Tally::Merged, members.len() - 1);
        return Some(Person {
            kept: first,
            members,
            email,
        });
    }
    let partners: HashSet<i64> = group.iter().filter_map(|u| u.partner_id).collect();
    let active: HashSet<bool> = group.iter().map(|u| u.is_active).collect();
    if partners.len() > 1 || active.len() > 1 {
        let ids = all_ids();
        let detail = format!("users {ids:?} share the email {email} but disagree on partner or on being active: merge or skip them in the resolution file");
        log.note(Anomaly {
            before: Some(json!(group
                .iter()
                .map(|u| json!({"id": u.id, "partner": u.partner_id, "isActive": u.is_active}))
                .collect::<Vec<_>>())),
            ..anomaly("U5", USER, ids.clone(), Outcome::Refused, detail)
        });
        log.tally(USER, Tally::Refused, ids.len());
        log.tally(
            ROLE,
            Tally::Refused,
            ids.iter().map(|id| index.roles_of(*id).len()).sum(),
        );
        return None;
    }
    let kept = *group
        .iter()
        .max_by_key(|u| (u.last_login, u.date_joined, std::cmp::Reverse(u.id)))?;
    let mut members = vec![kept];
    members.extend(group.iter().filter(|u| u.id != kept.id).copied());
    members.extend(group.iter().flat_map(|u| folded(u).iter().copied()));
    members[1..].sort_by_key(|u| u.id);
    let ids: Vec<i64> = members.iter().map(|u| u.id).collect();
    let detail = format!("users sharing the email {email} but for case merged into user {} (latest sign-in); roles united", kept.id);
    log.note(Anomaly {
        after: Some(json!({"survivor": kept.id, "email": email})),
        ..anomaly("U5", USER, ids, Outcome::Merged, detail)
    });
    log.tally(USER, Tally::Merged, members.len() - 1);
    Some(Person {
        kept,
        members,
        email,
    })
}

// ---------------------------------------------------------------------------------------
// Users: records

/// The users of the document with their role records.
#[derive(Default)]
pub(super) struct Users {
    pub(super) records: Vec<Value>,
    pub(super) ids: Vec<Vec<i64>>,
    pub(super) role_ids: Vec<Vec<Vec<i64>>>,
}

pub(super) fn users(
    people: &[Person<'_>],
    index: &Index<'_>,
    clusters: &Clusters,
    r: &Resolutions,
    log: &mut Log,
) -> Users {
    let mut out = Users::default();
    for p in people {
        let grants = grants(p, index, clusters, r, log);
        let (record, role_ids) = user_record(p, &grants, log);
        out.records.push(record);
        out.ids.push(p.members.iter().map(|u| u.id).collect());
        out.role_ids.push(role_ids);
    }
    out
}

pub(super) fn user_record(
    p: &Person<'_>,
    grants: &[Grant<'_>],
    log: &mut Log,
) -> (Value, Vec<Vec<i64>>) {
    let u = p.kept;
    let (first, last) = names(u, &p.email, log);
    let partner = u
        .partner_id
        .or_else(|| p.members.iter().find_map(|m| m.partner_id));
    let mut r = Map::new();
    r.insert("ref".into(), reference("u", u.id));
    r.insert("email".into(), p.email.clone().into());
    r.insert("firstName".into(), first.into());
    r.insert("lastName".into(), last.into());
    put(&mut r, "position", position(u, log));
    put(&mut r, "partner", partner.map(|id| reference("p", id)));
    r.insert("isActive".into(), u.is_active.into());
    let last_login = p.members.iter().filter_map(|m| m.last_login).max();
    put(&mut r, "lastLogin", last_login.map(time));
    let joined = p
        .members
        .iter()
        .map(|m| m.date_joined)
        .min()
        .unwrap_or(u.date_joined);
    r.insert("createdAt".into(), time(joined).into());
    if partner.is_none() && grants.iter().any(|g| g.role.is_ip()) {
        log.note(anomaly(
            "U2",
            USER,
            vec![u.id],
            Outcome::Kept,
            "user without a partner holds IP roles: kept, they grant nothing in idm",
        ));
    }
    let roles: Vec<Value> = grants.iter().map(Grant::record).collect();
    r.insert("roles".into(), roles.into());
    let role_ids = grants
        .iter()
        .map(|g| {
            std::iter::once(g.row.id)
                .chain(g.folded.iter().copied())
                .collect()
        })
        .collect();
    (Value::Object(r), role_ids)
}

/// U11: names trimmed. U10: kept as PRP has them (an empty last name is allowed); both
/// empty: the first name is the email's local part; only the first empty: the last name
/// moves to the first, so the full name stays.
pub(super) fn names(u: &User, email: &str, log: &mut Log) -> (String, String) {
    let (first, last) = (u.first_name.trim(), u.last_name.trim());
    if first != u.first_name || last != u.last_name {
        log.note(change(
            "U11",
            USER,
            vec![u.id],
            "names trimmed",
            (
                json!({"firstName": u.first_name, "lastName": u.last_name}),
                json!({"firstName": first, "lastName": last}),
            ),
        ));
    }
    let before = json!({"firstName": first, "lastName": last});
    match (first.is_empty(), last.is_empty()) {
        (true, true) => {
            let local: String = email
                .split('@')
                .next()
                .unwrap_or_default()
                .chars()
                .take(64)
                .collect();
            log.note(change(
                "U10",
                USER,
                vec![u.id],
                "both names empty: first name from the email",
                (before, json!({"firstName": local, "lastName": ""})),
            ));
            (local, String::new())
        }
        (true, false) => {
            log.note(change(
                "U10",
                USER,
                vec![u.id],
                "first name empty: the last name moves to it",
                (before, json!({"firstName": last, "lastName": ""})),
            ));
            (last.to_owned(), String::new())
        }
        (false, true) => {
            log.note(anomaly(
                "U10",
                USER,
                vec![u.id],
                Outcome::Kept,
                "empty last name kept (contract 1.1 §9.12)",
            ));
            (first.to_owned(), String::new())
        }
        (false, false) => (first.to_owned(), last.to_owned()),
    }
}

/// U12: a blank position is null.
pub(super) fn position(u: &User, log: &mut Log) -> Option<String> {
    let raw = u.position.as_deref()?;
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        log.note(change(
            "U12",
            USER,
            vec![u.id],
            "blank position: null",
            (json!({"position": raw}), json!({"position": null})),
        ));
        return None;
    }
    Some(trimmed.to_owned())
}
