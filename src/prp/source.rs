//! Reading the old portal's database: the identity tables of PRP before "realms"
//! (`tests/prp/prp_schema.sql`), read in one `REPEATABLE READ READ ONLY` transaction, so
//! a portal that keeps running is seen at one instant and never written to.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    AccessMode, ConnectionTrait, Database, DatabaseTransaction, DbErr, IsolationLevel, QueryResult,
    Statement, TransactionTrait,
};

/// One old portal's identity data, each table in id order (ids follow creation time).
#[derive(Debug, Default, Clone)]
pub struct World {
    pub workspaces: Vec<Workspace>,
    pub plans: Vec<Plan>,
    pub clusters: Vec<Cluster>,
    pub partners: Vec<Partner>,
    /// `partner_partner_clusters`: (partner id, cluster id).
    pub partner_clusters: Vec<(i64, i64)>,
    pub users: Vec<User>,
    pub roles: Vec<Role>,
    /// Old columns idm has no place for, with how many rows hold a value in each: the
    /// report's "not carried over".
    pub lost: Vec<Lost>,
}

/// A column with no place in idm and the number of rows where it holds something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lost {
    pub table: &'static str,
    pub column: &'static str,
    pub rows: i64,
}

/// `core_workspace`.
#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub id: i64,
    pub external_id: Option<String>,
    pub external_source: Option<String>,
    pub title: String,
    pub workspace_code: String,
    pub business_area_code: Option<String>,
}

/// `core_responseplan`.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub id: i64,
    pub external_id: Option<String>,
    pub external_source: Option<String>,
    pub title: String,
    pub plan_type: String,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub workspace_id: i64,
    pub plan_custom_type_label: Option<String>,
}

/// `cluster_cluster`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub id: i64,
    pub external_id: Option<String>,
    pub external_source: Option<String>,
    pub kind: String,
    pub imported_type: Option<String>,
    pub response_plan_id: Option<i64>,
}

/// `partner_partner`, the columns idm has a place for (and the external reference).
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub id: i64,
    pub external_id: Option<String>,
    pub external_source: Option<String>,
    pub title: String,
    pub short_title: String,
    pub alternate_title: Option<String>,
    pub partner_type: String,
    pub shared_partner: String,
    pub cso_type: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub street_address: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
    pub total_ct_cp: Option<Decimal>,
    pub total_ct_cy: Option<Decimal>,
    pub vendor_number: Option<String>,
    pub alternate_id: Option<i32>,
    pub rating: Option<String>,
    pub basis_for_risk_rating: Option<String>,
    pub type_of_assessment: Option<String>,
    pub ocha_external_id: Option<String>,
}

/// `account_user`, without the password.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub last_login: Option<DateTime<Utc>>,
    pub is_superuser: bool,
    pub username: String,
    pub is_staff: bool,
    pub is_active: bool,
    pub date_joined: DateTime<Utc>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub partner_id: Option<i64>,
    pub position: Option<String>,
}

/// `core_prprole`.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub id: i64,
    pub created: DateTime<Utc>,
    pub role: String,
    pub cluster_id: Option<i64>,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub is_active: bool,
}

/// Columns with no place in idm, per table (contract mapping, `docs/prp-migration.md` (a)).
const LOST: &[(&str, &[&str])] = &[
    ("core_workspace", &["external_id", "latitude", "longitude"]),
    ("core_responseplan", &["external_id"]),
    ("cluster_cluster", &["external_id"]),
    (
        "partner_partner",
        &[
            "last_assessment_date",
            "core_values_assessment_date",
            "psea_assessment_date",
            "NULLIF(sea_risk_rating_name, '')",
            "NULLIF(overall_risk_rating, '')",
            "NULLIF(highest_risk_rating_name, '')",
            "NULLIF(highest_risk_rating_type, '')",
        ],
    ),
    (
        "account_user",
        &[
            "NULLIF(organization, '')",
            "NULLIF(is_staff, false)",
            "NULLIF(is_superuser, false)",
        ],
    ),
];

/// Reads every identity table of the PRP database at `url` at one instant. `progress` is told
/// each table's name once it is read, with its row count.
pub async fn read(url: &str, mut progress: impl FnMut(&str, usize)) -> anyhow::Result<World> {
    let db = Database::connect(url).await?;
    let txn = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let mut world = World {
        workspaces: rows(
            &txn,
            "SELECT id, external_id, external_source, title, workspace_code, business_area_code \
         FROM core_workspace ORDER BY id",
            |r| {
                Ok(Workspace {
                    id: int(r, "id")?,
                    external_id: r.try_get("", "external_id")?,
                    external_source: r.try_get("", "external_source")?,
                    title: r.try_get("", "title")?,
                    workspace_code: r.try_get("", "workspace_code")?,
                    business_area_code: r.try_get("", "business_area_code")?,
                })
            },
        )
        .await?,
        ..World::default()
    };
    progress("core_workspace", world.workspaces.len());
    world.plans = rows(
        &txn,
        "SELECT id, external_id, external_source, title, plan_type, start, \"end\", workspace_id, \
         plan_custom_type_label FROM core_responseplan ORDER BY id",
        |r| {
            Ok(Plan {
                id: int(r, "id")?,
                external_id: r.try_get("", "external_id")?,
                external_source: r.try_get("", "external_source")?,
                title: r.try_get("", "title")?,
                plan_type: r.try_get("", "plan_type")?,
                start: r.try_get("", "start")?,
                end: r.try_get("", "end")?,
                workspace_id: int(r, "workspace_id")?,
                plan_custom_type_label: r.try_get("", "plan_custom_type_label")?,
            })
        },
    )
    .await?;
    progress("core_responseplan", world.plans.len());
    world.clusters = rows(
        &txn,
        "SELECT id, external_id, external_source, type, imported_type, response_plan_id \
         FROM cluster_cluster ORDER BY id",
        |r| {
            Ok(Cluster {
                id: int(r, "id")?,
                external_id: r.try_get("", "external_id")?,
                external_source: r.try_get("", "external_source")?,
                kind: r.try_get("", "type")?,
                imported_type: r.try_get("", "imported_type")?,
                response_plan_id: opt_int(r, "response_plan_id")?,
            })
        },
    )
    .await?;
    progress("cluster_cluster", world.clusters.len());
    world.partners = rows(
        &txn,
        "SELECT id, external_id, external_source, title, short_title, alternate_title, \
         partner_type, shared_partner, cso_type, email, phone_number, street_address, city, \
         postal_code, country_code, total_ct_cp, total_ct_cy, vendor_number, alternate_id, \
         rating, basis_for_risk_rating, type_of_assessment, ocha_external_id \
         FROM partner_partner ORDER BY id",
        |r| {
            Ok(Partner {
                id: int(r, "id")?,
                external_id: r.try_get("", "external_id")?,
                external_source: r.try_get("", "external_source")?,
                title: r.try_get("", "title")?,
                short_title: r.try_get("", "short_title")?,
                alternate_title: r.try_get("", "alternate_title")?,
                partner_type: r.try_get("", "partner_type")?,
                shared_partner: r.try_get("", "shared_partner")?,
                cso_type: r.try_get("", "cso_type")?,
                email: r.try_get("", "email")?,
                phone_number: r.try_get("", "phone_number")?,
                street_address: r.try_get("", "street_address")?,
                city: r.try_get("", "city")?,
                postal_code: r.try_get("", "postal_code")?,
                country_code: r.try_get("", "country_code")?,
                total_ct_cp: r.try_get("", "total_ct_cp")?,
                total_ct_cy: r.try_get("", "total_ct_cy")?,
                vendor_number: r.try_get("", "vendor_number")?,
                alternate_id: r.try_get("", "alternate_id")?,
                rating: r.try_get("", "rating")?,
                basis_for_risk_rating: r.try_get("", "basis_for_risk_rating")?,
                type_of_assessment: r.try_get("", "type_of_assessment")?,
                ocha_external_id: r.try_get("", "ocha_external_id")?,
            })
        },
    )
    .await?;
    progress("partner_partner", world.partners.len());
    world.partner_clusters = rows(
        &txn,
        "SELECT partner_id, cluster_id FROM partner_partner_clusters ORDER BY id",
        |r| Ok((int(r, "partner_id")?, int(r, "cluster_id")?)),
    )
    .await?;
    progress("partner_partner_clusters", world.partner_clusters.len());
    world.users = rows(
        &txn,
        "SELECT id, last_login, is_superuser, username, is_staff, is_active, date_joined, \
         first_name, last_name, email, partner_id, position FROM account_user ORDER BY id",
        |r| {
            Ok(User {
                id: int(r, "id")?,
                last_login: r.try_get("", "last_login")?,
                is_superuser: r.try_get("", "is_superuser")?,
                username: r.try_get("", "username")?,
                is_staff: r.try_get("", "is_staff")?,
                is_active: r.try_get("", "is_active")?,
                date_joined: r.try_get("", "date_joined")?,
                first_name: r.try_get("", "first_name")?,
                last_name: r.try_get("", "last_name")?,
                email: r.try_get("", "email")?,
                partner_id: opt_int(r, "partner_id")?,
                position: r.try_get("", "position")?,
            })
        },
    )
    .await?;
    progress("account_user", world.users.len());
    world.roles = rows(
        &txn,
        "SELECT id, created, role, cluster_id, user_id, workspace_id, is_active \
         FROM core_prprole ORDER BY id",
        |r| {
            Ok(Role {
                id: int(r, "id")?,
                created: r.try_get("", "created")?,
                role: r.try_get("", "role")?,
                cluster_id: opt_int(r, "cluster_id")?,
                user_id: int(r, "user_id")?,
                workspace_id: opt_int(r, "workspace_id")?,
                is_active: r.try_get("", "is_active")?,
            })
        },
    )
    .await?;
    progress("core_prprole", world.roles.len());
    for (table, columns) in LOST {
        let counts: Vec<String> = columns.iter().map(|c| format!("count({c})")).collect();
        let sql = format!("SELECT {} FROM {table}", counts.join(", "));
        let row = txn
            .query_one_raw(Statement::from_string(txn.get_database_backend(), sql))
            .await?;
        for (i, column) in columns.iter().enumerate() {
            let rows: i64 = match &row {
                Some(r) => r.try_get_by_index(i)?,
                None => 0,
            };
            let column = column
                .trim_start_matches("NULLIF(")
                .split(',')
                .next()
                .unwrap_or(column);
            world.lost.push(Lost {
                table,
                column,
                rows,
            });
        }
    }
    txn.commit().await?;
    db.close().await?;
    Ok(world)
}

async fn rows<T>(
    txn: &DatabaseTransaction,
    sql: &str,
    read: impl Fn(&QueryResult) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    let found = txn
        .query_all_raw(Statement::from_string(txn.get_database_backend(), sql))
        .await?;
    found.iter().map(read).collect()
}

/// PRP's ids are `serial` (int4).
fn int(r: &QueryResult, column: &str) -> Result<i64, DbErr> {
    r.try_get::<i32>("", column).map(i64::from)
}

fn opt_int(r: &QueryResult, column: &str) -> Result<Option<i64>, DbErr> {
    Ok(r.try_get::<Option<i32>>("", column)?.map(i64::from))
}
