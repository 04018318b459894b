//! import-prp's mapping over a generated PRP world (`tests/prp/gen_prp_world.py` loaded
//! into a fresh PostgreSQL database): the document passes the import's checks, and the
//! report's counts are the generator's own counts of every messy case.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use idm::prp::map::{map, Mapped};
use idm::prp::report::{Anomaly, EntityCounts, Outcome};
use idm::prp::resolve::{self, Resolutions};
use idm::prp::source::{self, World};
use serde_json::Value;

/// The PostgreSQL server the PRP worlds are loaded into (trust authentication).
const SERVER: &str = "postgres://postgres@127.0.0.1:5432";

/// A generated PRP database, dropped with the value.
pub struct PrpWorld {
    /// The database's URL, for `idm::prp::source::read`.
    pub url: String,
    name: String,
}

/// `tests/prp`: the old portal's schema and the world generator (copied from the migration
/// study, `docs/prp-migration.md`).
pub fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/prp")
}

/// A fresh database `prp_<random>` holding PRP's schema and the generated world of
/// `--seed seed --users users`.
pub async fn load_world(seed: u64, users: usize) -> PrpWorld {
    let name = format!("prp_{}_{:08x}", std::process::id(), rand::random::<u32>());
    psql(
        "postgres",
        &["-c", &format!("CREATE DATABASE {name}")],
        None,
    );
    let world = PrpWorld {
        url: format!("{SERVER}/{name}"),
        name,
    };
    let schema = shared_dir().join("prp_schema.sql");
    let schema = schema.to_str().expect("a UTF-8 path");
    psql(&world.name, &["-f", schema], None);
    let sql = generate(seed, users, false);
    psql(&world.name, &["-f", "-"], Some(sql));
    world
}

impl Drop for PrpWorld {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-q",
                "-c",
                &sql,
            ])
            .stdout(Stdio::null())
            .status();
    }
}

/// The generator's output: SQL, or with `counts` its "key<TAB>value" lines.
fn generate(seed: u64, users: usize, counts: bool) -> Vec<u8> {
    let mut cmd = Command::new("python3");
    cmd.arg(shared_dir().join("gen_prp_world.py")).args([
        "--seed",
        &seed.to_string(),
        "--users",
        &users.to_string(),
    ]);
    if counts {
        cmd.arg("--counts");
    }
    let out = cmd.output().expect("run gen_prp_world.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The generator's `--counts`, by key.
pub fn generator_counts(seed: u64, users: usize) -> HashMap<String, usize> {
    String::from_utf8(generate(seed, users, true))
        .expect("UTF-8 counts")
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(k, v)| (k.to_owned(), v.trim().parse().expect("a count")))
        .collect()
}

/// Runs psql on `database`, stopping at the first error, with `input` on stdin.
fn psql(database: &str, args: &[&str], input: Option<Vec<u8>>) {
    use std::io::Write;
    let mut child = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", database])
        .args(["-v", "ON_ERROR_STOP=1", "-q"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start psql");
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(&input).expect("write to psql");
    }
    let out = child.wait_with_output().expect("psql");
    assert!(
        out.status.success(),
        "psql {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn read(world: &PrpWorld) -> World {
    source::read(&world.url, |_, _| {})
        .await
        .expect("read the PRP world")
}

/// The operator's file dropping the one `CLUSTER_ADMIN` row.
fn dropping_cluster_admin(world: &World) -> Resolutions {
    let row = world
        .roles
        .iter()
        .find(|r| r.role == "CLUSTER_ADMIN")
        .expect("the generated CLUSTER_ADMIN row");
    resolve::parse(&format!(r#"{{"roles": {{"{}": "drop"}}}}"#, row.id)).expect("a valid file")
}

fn entity<'a>(m: &'a Mapped, name: &str) -> &'a EntityCounts {
    m.report
        .entities
        .iter()
        .find(|e| e.entity == name)
        .expect("an entity line")
}

fn cases<'a>(
    m: &'a Mapped,
    case: &'a str,
    outcome: Outcome,
) -> impl Iterator<Item = &'a Anomaly> + 'a {
    m.report
        .anomalies
        .iter()
        .filter(move |a| a.case == case && a.outcome == outcome)
}

fn count(m: &Mapped, case: &str, outcome: Outcome) -> usize {
    cases(m, case, outcome).count()
}

/// The old value of `field` in an anomaly's `before`.
fn before<'a>(a: &'a Anomaly, field: &str) -> &'a Value {
    a.before
        .as_ref()
        .and_then(|b| b.get(field))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_generated_prp_world_maps_to_a_valid_document_once_the_cluster_admin_row_is_dropped() {
    let prp = load_world(1, 2000).await;
    let world = read(&prp).await;
    let m = map(&world, &dropping_cluster_admin(&world));

    assert_eq!(
        idm::import::validate(&m.document.to_string()),
        Vec::<String>::new()
    );
    assert!(m.report.complete(), "{:#?}", m.report.anomalies);
    let line = |name| {
        let e = entity(&m, name);
        (e.read, e.migrated, e.merged, e.skipped, e.refused)
    };
    assert_eq!(line("workspace"), (50, 50, 0, 0, 0));
    assert_eq!(line("responsePlan"), (62, 62, 0, 0, 0));
    assert_eq!(line("cluster"), (438, 435, 1, 2, 0));
    assert_eq!(line("partner"), (100, 100, 0, 0, 0));
    assert_eq!(line("user"), (2000, 1996, 2, 2, 0));
    assert_eq!(line("role"), (2468, 2448, 4, 16, 0));

    // Dropped role rows, rule by rule (README (b), "Expected result").
    let owner: HashMap<i64, i64> = world.roles.iter().map(|r| (r.id, r.user_id)).collect();
    let repointed: HashSet<i64> = m
        .report
        .anomalies
        .iter()
        .filter(|a| a.case == "C2" && a.table == "core_prprole")
        .map(|a| a.ids[0])
        .collect();
    let one_user = |a: &&Anomaly| owner.get(&a.ids[0]) == owner.get(&a.ids[1]);
    let own_rows = |a: &&Anomaly| one_user(a) && !a.ids.iter().any(|id| repointed.contains(id));
    assert_eq!(count(&m, "R4", Outcome::Dropped), 3);
    assert_eq!(count(&m, "R5", Outcome::Dropped), 3);
    assert_eq!(cases(&m, "OP", Outcome::Skipped).count(), 1);
    assert_eq!(count(&m, "R7", Outcome::Dropped), 2);
    assert_eq!(count(&m, "R8", Outcome::Dropped), 1);
    assert_eq!(count(&m, "R10", Outcome::Dropped), 3 + 1);
    assert_eq!(
        cases(&m, "R10", Outcome::Dropped).filter(one_user).count(),
        3
    );
    assert_eq!(count(&m, "R9", Outcome::Merged), 2);
    assert_eq!(count(&m, "R12", Outcome::Dropped), 2);
    assert_eq!(count(&m, "R11", Outcome::Merged), 1 + 1);
    assert_eq!(
        cases(&m, "R11", Outcome::Merged).filter(own_rows).count(),
        1
    );
    // Rows changed on the way.
    assert_eq!(
        count(&m, "R2", Outcome::Normalised) + count(&m, "R3", Outcome::Normalised),
        80
    );
    assert_eq!(count(&m, "R6", Outcome::Normalised), 1);
    assert_eq!(count(&m, "R13", Outcome::Normalised), 1);
    assert_eq!(repointed.len(), 1);

    // Statuses as idm derives them from the document.
    let mut statuses: HashMap<&str, usize> = HashMap::new();
    for u in m.document["users"].as_array().expect("users") {
        let status = if u["isActive"] == false {
            "DEACTIVATED"
        } else if u["roles"].as_array().is_none_or(Vec::is_empty) {
            "INCOMPLETE"
        } else if u.get("lastLogin").is_none() {
            "INVITED"
        } else {
            "ACTIVE"
        };
        *statuses.entry(status).or_default() += 1;
    }
    let expected = [
        ("ACTIVE", 1270),
        ("INVITED", 502),
        ("INCOMPLETE", 164),
        ("DEACTIVATED", 60),
    ];
    assert_eq!(statuses, expected.into_iter().collect());

    // Every messy case, counted as the generator counts it.
    let g = generator_counts(1, 2000);
    let k = |key: &str| g[key];
    let changed_field = |case, field: &str, blank: bool| {
        m.report
            .anomalies
            .iter()
            .filter(|a| a.case == case)
            .filter(|a| {
                let v = before(a, field);
                !v.is_null() && v.as_str().is_some_and(|s| s.trim().is_empty()) == blank
            })
            .count()
    };
    let pairs: Vec<(&str, usize, usize)> = vec![
        (
            "u_email_surrounding_space",
            k("u_email_surrounding_space"),
            count(&m, "U7", Outcome::Normalised),
        ),
        (
            "u_email_has_upper",
            k("u_email_has_upper"),
            count(&m, "U6", Outcome::Normalised),
        ),
        (
            "u_email_non_ascii",
            k("u_email_non_ascii"),
            count(&m, "U8", Outcome::Normalised),
        ),
        (
            "u_email_ci_dup_groups",
            k("u_email_ci_dup_groups"),
            count(&m, "U5", Outcome::Merged),
        ),
        (
            "u_email_ci_dup_users",
            k("u_email_ci_dup_users"),
            cases(&m, "U5", Outcome::Merged).map(|a| a.ids.len()).sum(),
        ),
        (
            "u_staff_or_superuser",
            k("u_staff_or_superuser"),
            count(&m, "U9", Outcome::Skipped),
        ),
        // The service account has no names either; it is skipped (U9) before names count.
        (
            "u_name_both_empty",
            k("u_name_both_empty") - k("u_email_blank"),
            count(&m, "U10", Outcome::Normalised),
        ),
        (
            "u_name_last_empty",
            k("u_name_last_empty") - k("u_name_both_empty"),
            count(&m, "U10", Outcome::Kept),
        ),
        (
            "u_name_untrimmed",
            k("u_name_untrimmed"),
            count(&m, "U11", Outcome::Normalised),
        ),
        (
            "u_position_blank",
            k("u_position_blank"),
            count(&m, "U12", Outcome::Normalised),
        ),
        (
            "u_no_partner_with_ip_role",
            k("u_no_partner_with_ip_role"),
            count(&m, "U2", Outcome::Kept),
        ),
        (
            "r_inactive",
            k("r_inactive"),
            count(&m, "R1", Outcome::Kept),
        ),
        (
            "r_role_unknown",
            k("r_role_unknown"),
            count(&m, "R13", Outcome::Normalised) + count(&m, "OP", Outcome::Skipped),
        ),
        (
            "r_ip_without_workspace",
            k("r_ip_without_workspace"),
            count(&m, "R4", Outcome::Dropped),
        ),
        (
            "r_cluster_without_cluster",
            k("r_cluster_without_cluster"),
            count(&m, "R5", Outcome::Dropped),
        ),
        (
            "r_cluster_with_workspace",
            k("r_cluster_with_workspace"),
            count(&m, "R2", Outcome::Normalised) + count(&m, "R3", Outcome::Normalised),
        ),
        (
            "r_cluster_with_workspace_mismatch",
            k("r_cluster_with_workspace_mismatch"),
            count(&m, "R3", Outcome::Normalised),
        ),
        (
            "r_csa_with_scope",
            k("r_csa_with_scope"),
            count(&m, "R6", Outcome::Normalised),
        ),
        (
            "u_csa_with_other_cluster_roles",
            k("u_csa_with_other_cluster_roles"),
            cases(&m, "R7", Outcome::Dropped)
                .map(|a| a.ids[0])
                .collect::<HashSet<_>>()
                .len(),
        ),
        (
            "u_csa_multiple_rows",
            k("u_csa_multiple_rows"),
            count(&m, "R8", Outcome::Dropped),
        ),
        (
            "r_dup_user_workspace_same_role_groups",
            k("r_dup_user_workspace_same_role_groups"),
            cases(&m, "R9", Outcome::Merged).filter(own_rows).count(),
        ),
        (
            "r_dup_user_workspace_extra_rows",
            k("r_dup_user_workspace_extra_rows"),
            cases(&m, "R9", Outcome::Merged)
                .chain(cases(&m, "R10", Outcome::Dropped))
                .filter(own_rows)
                .count(),
        ),
        (
            "r_dup_user_cluster_same_role_groups",
            k("r_dup_user_cluster_same_role_groups"),
            cases(&m, "R11", Outcome::Merged).filter(own_rows).count(),
        ),
        (
            "r_dup_user_cluster_extra_rows",
            k("r_dup_user_cluster_extra_rows"),
            cases(&m, "R11", Outcome::Merged)
                .chain(cases(&m, "R12", Outcome::Dropped))
                .filter(own_rows)
                .count(),
        ),
        (
            "r_on_cluster_without_plan",
            k("r_on_cluster_without_plan"),
            count(&m, "C1", Outcome::Refused),
        ),
        (
            "cl_without_plan",
            k("cl_without_plan"),
            count(&m, "C1", Outcome::Dropped),
        ),
        (
            "cl_dup_extra_rows",
            k("cl_dup_extra_rows"),
            count(&m, "C2", Outcome::Merged),
        ),
        (
            "cl_imported_without_imported_type",
            k("cl_imported_without_imported_type"),
            count(&m, "C3", Outcome::Normalised),
        ),
        (
            "plan_end_before_start",
            k("plan_end_before_start"),
            count(&m, "D2", Outcome::Normalised),
        ),
        (
            "plan_type_other",
            k("plan_type_other"),
            m.document["responsePlans"]
                .as_array()
                .expect("plans")
                .iter()
                .filter(|p| p.get("planCustomType").is_some())
                .count(),
        ),
        (
            "p_vendor_number_blank",
            k("p_vendor_number_blank"),
            count(&m, "P2", Outcome::Normalised),
        ),
        (
            "p_title_dup_ci_groups",
            k("p_title_dup_ci_groups"),
            count(&m, "P3", Outcome::Kept),
        ),
        (
            "p_title_dup_ci_partners",
            k("p_title_dup_ci_partners"),
            cases(&m, "P3", Outcome::Kept).map(|a| a.ids.len()).sum(),
        ),
        (
            "p_title_untrimmed",
            k("p_title_untrimmed"),
            count(&m, "P3", Outcome::Normalised),
        ),
        (
            "p_external_id_without_source",
            k("p_external_id_without_source"),
            cases(&m, "P4", Outcome::Normalised)
                .filter(|a| before(a, "externalSource").is_null())
                .count(),
        ),
        (
            "p_external_source_without_id",
            k("p_external_source_without_id"),
            cases(&m, "P4", Outcome::Normalised)
                .filter(|a| before(a, "externalId").is_null())
                .count(),
        ),
        (
            "p_partner_type_unknown",
            k("p_partner_type_unknown"),
            count(&m, "P5", Outcome::Normalised),
        ),
        (
            "p_cso_type_blank",
            k("p_cso_type_blank"),
            changed_field("P6", "csoType", true),
        ),
        (
            "p_cso_type_on_non_cso",
            k("p_cso_type_on_non_cso"),
            changed_field("P6", "csoType", false),
        ),
        (
            "p_email_blank",
            k("p_email_blank"),
            changed_field("P7", "email", true),
        ),
        (
            "p_email_invalid",
            k("p_email_invalid"),
            changed_field("P7", "email", false),
        ),
        (
            "p_country_code_blank",
            k("p_country_code_blank"),
            count(&m, "P8", Outcome::Normalised),
        ),
    ];
    let wrong: Vec<_> = pairs.iter().filter(|(_, want, got)| want != got).collect();
    assert!(wrong.is_empty(), "(key, generator, report): {wrong:?}");

    let lost = |table: &str, column: &str| {
        m.report
            .not_carried_over
            .iter()
            .find(|l| l.table == table && l.column == column)
            .map_or(0, |l| l.rows)
    };
    assert_eq!(
        lost("partner_partner", "external_id"),
        k("p_external_id_without_source") as i64
    );
}

#[tokio::test]
async fn without_a_decision_only_the_cluster_admin_row_refuses_the_run() {
    let prp = load_world(1, 2000).await;
    let world = read(&prp).await;
    let m = map(&world, &Resolutions::default());

    assert!(!m.report.complete());
    let refused: Vec<&Anomaly> = m
        .report
        .anomalies
        .iter()
        .filter(|a| a.outcome == Outcome::Refused)
        .collect();
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0].case, "R13");
    let row = world
        .roles
        .iter()
        .find(|r| r.id == refused[0].ids[0])
        .expect("the refused row");
    assert_eq!(row.role, "CLUSTER_ADMIN");
    assert_eq!(entity(&m, "role").refused, 1);
    // The rest of the document is still sound.
    assert_eq!(
        idm::import::validate(&m.document.to_string()),
        Vec::<String>::new()
    );
}
