//! The users' rows: reads by id and email (the sign-in's), the guard's view of a user, the
//! row locks of mutations, inserts and updates. The users page is in `page`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr,
    EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde_json::{json, Value};

use crate::entity::positional::FromRowAt;
use crate::entity::{prp_role, user};
use crate::permissions::{Person, RoleRow};
use crate::roles::store::{role_bundles, RoleBundle};

/// A role row as the guard sees it.
pub fn role_row(m: &prp_role::Model) -> RoleRow {
    RoleRow {
        id: m.id,
        role: m.role,
        workspace_id: m.workspace_id,
        cluster_id: m.cluster_id,
        is_active: m.is_active,
    }
}

/// The guard's view of a user with its roles.
pub fn person(user: &user::Model, roles: &[prp_role::Model]) -> Person {
    Person {
        id: user.id,
        is_active: user.is_active,
        partner_id: user.partner_id,
        roles: roles.iter().map(role_row).collect(),
    }
}

/// The guard's view of a user whose roles were read with their scopes.
pub fn person_of_bundles(user: &user::Model, bundles: &[RoleBundle]) -> Person {
    Person {
        id: user.id,
        is_active: user.is_active,
        partner_id: user.partner_id,
        roles: bundles.iter().map(|b| role_row(&b.role)).collect(),
    }
}

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

/// A user and the guard's view of it, by id.
pub async fn find_person(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<(user::Model, Person)>, DbErr> {
    person_where(db, Expr::col((Alias::new("u"), user::Column::Id)).eq(id)).await
}

/// A user and the guard's view of it, by id, with the user's row share-locked until the end
/// of the transaction (PostgreSQL `FOR SHARE`: concurrent mutations by the same user go on,
/// a change of the user itself waits; SQLite write transactions are serialised already).
pub async fn find_person_for_share(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<(user::Model, Person)>, DbErr> {
    let Some(u) = user::Entity::find_by_id(id).lock_shared().one(db).await? else {
        return Ok(None);
    };
    let roles = roles_of(db, &[id]).await?;
    let p = person(&u, &roles);
    Ok(Some((u, p)))
}

/// Locks a user's row until the transaction ends (`FOR UPDATE` on PostgreSQL; SQLite write
/// transactions are serialised already): what serialises one requester's invitations while
/// they are counted, on every instance.
pub async fn lock_user(db: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    user::Entity::find_by_id(id)
        .select_only()
        .column(user::Column::Id)
        .lock_exclusive()
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(())
}

/// Whom a mutation acts on: a user, or the holder of a role.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    User(i64),
    HolderOf(i64),
}

/// A user row with its roles and their scopes.
pub type UserWithRoles = (user::Model, Vec<RoleBundle>);

/// The requester and the target of a mutation as they stand inside its transaction, in two
/// statements: both user rows — on PostgreSQL the target's locked `FOR UPDATE` and the
/// requester's `FOR SHARE`, so a concurrent change of either waits for this transaction (or
/// this one for it); SQLite write transactions are serialised already — then the roles of
/// both with their scopes, read after the locks so they are the latest committed. None when
/// the target (or the role) does not exist.
pub async fn lock_parties(
    db: &impl ConnectionTrait,
    requester: i64,
    target: Target,
) -> Result<Option<(UserWithRoles, UserWithRoles)>, DbErr> {
    let backend = db.get_database_backend();
    let (t, me) = (Alias::new("t"), Alias::new("me"));
    let mut q = SelectStatement::new();
    q.from_as(user::Entity, t.clone())
        .from_as(user::Entity, me.clone());
    crate::db::select_prefixed::<user::Entity>(&mut q, "t", "t_");
    crate::db::select_prefixed::<user::Entity>(&mut q, "me", "me_");
    let target_id = match target {
        Target::User(id) => Expr::val(id),
        Target::HolderOf(role) => Expr::expr(
            SelectStatement::new()
                .column(prp_role::Column::UserId)
                .from(prp_role::Entity)
                .and_where(prp_role::Column::Id.eq(role))
                .take(),
        ),
    };
    q.and_where(Expr::col((t, user::Column::Id)).eq(target_id))
        .and_where(Expr::col((me, user::Column::Id)).eq(requester));
    let (mut sql, values) = match backend {
        DbBackend::Postgres => q.build(sea_orm::sea_query::PostgresQueryBuilder),
        _ => q.build(sea_orm::sea_query::SqliteQueryBuilder),
    };
    if backend == DbBackend::Postgres {
        sql.push_str(" FOR UPDATE OF t FOR SHARE OF me");
    }
    let Some(row) = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
    else {
        return Ok(None);
    };
    let mut at = 0;
    let target_user = user::Model::take(&row, &mut at)?;
    let requester_user = user::Model::take(&row, &mut at)?;
    let bundles = role_bundles(db, &[requester_user.id, target_user.id]).await?;
    let roles_of = |id: i64| -> Vec<RoleBundle> {
        bundles
            .iter()
            .filter(|b| b.role.user_id == id)
            .cloned()
            .collect()
    };
    let requester_roles = roles_of(requester_user.id);
    let target_roles = roles_of(target_user.id);
    Ok(Some((
        (requester_user, requester_roles),
        (target_user, target_roles),
    )))
}

/// A user and its roles, by (lower-case) email, in one statement: what a sign-in reads.
pub async fn find_signed_in(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<(user::Model, Vec<prp_role::Model>)>, DbErr> {
    user_with_roles_where(
        db,
        Expr::col((Alias::new("u"), user::Column::Email)).eq(email),
    )
    .await
}

/// The user (alias `u`) meeting `condition` with the guard's view of it, in one statement.
async fn person_where(
    db: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Option<(user::Model, Person)>, DbErr> {
    Ok(user_with_roles_where(db, condition)
        .await?
        .map(|(u, roles)| {
            let p = person(&u, &roles);
            (u, p)
        }))
}

/// The user (alias `u`) meeting `condition` with its roles, in one statement. Every sign-in
/// reads its requester with it: the rows are read by position (the user on each row, once per
/// role; the role after it, NULL when there is none).
async fn user_with_roles_where(
    db: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Option<(user::Model, Vec<prp_role::Model>)>, DbErr> {
    let (u, r) = (Alias::new("u"), Alias::new("r"));
    let mut q = SelectStatement::new();
    q.from_as(user::Entity, u.clone());
    crate::db::select_prefixed::<user::Entity>(&mut q, "u", "u_");
    crate::db::select_prefixed::<prp_role::Entity>(&mut q, "r", "r_");
    q.join_as(
        JoinType::LeftJoin,
        prp_role::Entity,
        r.clone(),
        Expr::col((r.clone(), prp_role::Column::UserId)).equals((u.clone(), user::Column::Id)),
    )
    .and_where(condition)
    .order_by((r, prp_role::Column::Id), Order::Asc);
    let rows = db.query_all(&q).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let found = user::Model::read_at(first, 0)?;
    let mut roles = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut at = user::Model::COLUMNS.len();
        if let Some(role) = prp_role::Model::take_optional(row, &mut at)? {
            roles.push(role);
        }
    }
    Ok(Some((found, roles)))
}

/// The roles of the given users, by id.
pub async fn roles_of(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
) -> Result<Vec<prp_role::Model>, DbErr> {
    prp_role::Entity::find()
        .filter(prp_role::Column::UserId.is_in(user_ids.iter().copied()))
        .order_by_asc(prp_role::Column::Id)
        .all(db)
        .await
}

pub async fn email_exists(db: &impl ConnectionTrait, email: &str) -> Result<bool, DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .count(db)
        .await?
        > 0)
}

pub async fn set_last_login(
    db: &impl ConnectionTrait,
    id: i64,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    // Only ever moves forward, also when two requests race.
    user::Entity::update_many()
        .col_expr(user::Column::LastLogin, Expr::value(at))
        .filter(user::Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(user::Column::LastLogin.is_null())
                .add(user::Column::LastLogin.lt(at)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// A new user's values, already validated.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub position: Option<String>,
    pub partner_id: Option<i64>,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
}

pub async fn insert(db: &impl ConnectionTrait, new: NewUser) -> Result<user::Model, DbErr> {
    let now = Utc::now();
    add_to_user_count(db, 1).await?;
    user::ActiveModel {
        email: Set(new.email),
        first_name: Set(new.first_name),
        last_name: Set(new.last_name),
        position: Set(new.position),
        partner_id: Set(new.partner_id),
        is_active: Set(new.is_active),
        last_login: Set(new.last_login),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Keeps the exact number of users (table `counter`) in step with inserts; call it in the
/// transaction that inserts them. Users are never deleted.
pub async fn add_to_user_count(db: &impl ConnectionTrait, n: i64) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = format!("UPDATE counter SET value = value + {n} WHERE name = 'users'");
    db.execute_raw(Statement::from_string(backend, sql)).await?;
    Ok(())
}

/// Writes the names, position and activity of a user as given.
pub async fn update(db: &impl ConnectionTrait, model: user::Model) -> Result<user::Model, DbErr> {
    let mut active: user::ActiveModel = model.clone().into();
    active.first_name = Set(model.first_name);
    active.last_name = Set(model.last_name);
    active.position = Set(model.position);
    active.is_active = Set(model.is_active);
    active.updated_at = Set(Utc::now());
    active.update(db).await
}

/// The audit snapshot of a user.
pub fn user_json(u: &user::Model) -> Value {
    json!({"id": u.id, "email": u.email, "firstName": u.first_name, "lastName": u.last_name,
           "position": u.position, "partnerId": u.partner_id, "isActive": u.is_active})
}

/// Users by id (for `node` and loaders).
pub async fn find_many(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// The exact number of users.
pub(super) async fn user_count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT value FROM counter WHERE name = 'users'",
        ))
        .await?;
    let value: i64 = row
        .map(|r| r.try_get::<i64>("", "value"))
        .transpose()?
        .unwrap_or(0);
    Ok(u64::try_from(value).unwrap_or(0))
}
