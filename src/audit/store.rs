//! Writing and reading audit events.

use chrono::Utc;
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, PostgresQueryBuilder, SubQueryStatement,
    WithClause,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};

use crate::outbox;
use crate::outbox::store::Message;
use serde_json::Value;

use crate::entity::{audit_event, outbox as outbox_row};

/// One change to record.
#[derive(Debug)]
pub struct Change<'a> {
    pub actor: Option<i64>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: i64,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The user an event is about (contract 1.1 §9.4): a user event's target, a role event's
/// holder (from the row's JSON after the change, or before it for a deletion); none for
/// partners and reference data.
pub fn subject_of(
    target_type: &str,
    target_id: i64,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Option<i64> {
    match target_type {
        "User" => Some(target_id),
        "PRPRole" => after.or(before).and_then(|row| row["userId"].as_i64()),
        _ => None,
    }
}

/// The row that records `change`, at the current time.
fn new_row(change: Change<'_>) -> audit_event::ActiveModel {
    let subject = subject_of(
        change.target_type,
        change.target_id,
        change.before.as_ref(),
        change.after.as_ref(),
    );
    audit_event::ActiveModel {
        subject_id: Set(subject),
        at: Set(Utc::now()),
        actor_id: Set(change.actor),
        action: Set(change.action.to_owned()),
        target_type: Set(change.target_type.to_owned()),
        target_id: Set(change.target_id),
        before_json: Set(change.before.map(|v| v.to_string())),
        after_json: Set(change.after.map(|v| v.to_string())),
        ..Default::default()
    }
}

/// Records a change; call it inside the transaction of the change.
pub async fn record(db: &impl ConnectionTrait, change: Change<'_>) -> Result<(), DbErr> {
    audit_event::Entity::insert(new_row(change))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Records a change and queues the notification that announces it, inside the change's
/// transaction. On PostgreSQL both rows go in one statement (the audit INSERT inside a WITH):
/// every role and user mutation writes the pair, and a round trip to the database costs more
/// than either insert.
pub async fn record_with_notice(
    db: &impl ConnectionTrait,
    change: Change<'_>,
    notice: Option<Message>,
) -> Result<(), DbErr> {
    write(db, None, change, notice).await
}

/// Applies `apply` (the UPDATE or DELETE the change is), records the change and queues its
/// notification: one statement on PostgreSQL (the write and the audit INSERT inside a WITH),
/// one each elsewhere.
pub async fn apply_and_record(
    db: &impl ConnectionTrait,
    apply: impl Into<SubQueryStatement>,
    change: Change<'_>,
    notice: Option<Message>,
) -> Result<(), DbErr> {
    write(db, Some(apply.into()), change, notice).await
}

async fn write(
    db: &impl ConnectionTrait,
    apply: Option<SubQueryStatement>,
    change: Change<'_>,
    notice: Option<Message>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let audit = QueryTrait::into_query(audit_event::Entity::insert(new_row(change)));
    if backend != DbBackend::Postgres {
        match apply {
            Some(SubQueryStatement::UpdateStatement(s)) => {
                db.execute(&s).await?;
            }
            Some(SubQueryStatement::DeleteStatement(s)) => {
                db.execute(&s).await?;
            }
            Some(_) => return Err(DbErr::Custom("apply must be an UPDATE or DELETE".into())),
            None => {}
        }
        db.execute(&audit).await?;
        if let Some(notice) = notice {
            outbox::store::enqueue(db, notice).await?;
        }
        return Ok(());
    }
    // The last statement is the outer one; the others run as WITH clauses before it.
    let mut parts: Vec<SubQueryStatement> = apply.into_iter().collect();
    parts.push(audit.into());
    if let Some(notice) = notice {
        let queue =
            QueryTrait::into_query(outbox_row::Entity::insert(outbox::store::new_row(notice)));
        parts.push(queue.into());
    }
    let Some(last) = parts.pop() else {
        return Ok(());
    };
    let SubQueryStatement::InsertStatement(last) = last else {
        return Err(DbErr::Custom(format!("unexpected last statement {last:?}")));
    };
    if parts.is_empty() {
        db.execute(&last).await?;
        return Ok(());
    }
    let mut with = WithClause::new();
    for (i, part) in parts.into_iter().enumerate() {
        with.cte(
            CommonTableExpression::new()
                .query(part)
                .table_name(Alias::new(format!("w{i}")))
                .to_owned(),
        );
    }
    let (sql, values) = last.with(with).build(PostgresQueryBuilder);
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}

/// Whose events a requester who is not a system admin reads (contract 1.1 §9.4): those it
/// performed, and those about a user it may see now.
#[derive(Debug)]
pub struct SeenBy {
    pub requester: i64,
    /// The users it may see, as SQL over the row `{t}` of `app_user`
    /// (`users::page::visible_users_sql`).
    pub subjects: String,
}

/// Which events to list.
#[derive(Debug, Default)]
pub struct EventQuery {
    /// The requester's view; None: every event (a system admin).
    pub seen_by: Option<SeenBy>,
    /// Only the events of this actor.
    pub actor: Option<i64>,
    /// Only the events about this user.
    pub subject: Option<i64>,
    pub target: Option<(String, i64)>,
    pub actions: Option<Vec<String>>,
    /// Only events older than this id (the cursor).
    pub before_id: Option<i64>,
    pub limit: u64,
}

impl EventQuery {
    fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if let Some(seen) = &self.seen_by {
            // Correlated, so that a page read newest first looks up each event's subject by
            // its key instead of listing every visible user first.
            let about_visible = format!(
                "EXISTS (SELECT 1 FROM app_user s WHERE s.id = audit_event.subject_id AND ({}))",
                seen.subjects.replace("{t}", "s")
            );
            cond = cond.add(
                Condition::any()
                    .add(audit_event::Column::ActorId.eq(seen.requester))
                    .add(audit_event::Column::SubjectId.eq(seen.requester))
                    .add(Expr::cust(about_visible)),
            );
        }
        if let Some(actor) = self.actor {
            cond = cond.add(audit_event::Column::ActorId.eq(actor));
        }
        if let Some(subject) = self.subject {
            cond = cond.add(audit_event::Column::SubjectId.eq(subject));
        }
        if let Some((target_type, target_id)) = &self.target {
            cond = cond
                .add(audit_event::Column::TargetType.eq(target_type.as_str()))
                .add(audit_event::Column::TargetId.eq(*target_id));
        }
        if let Some(actions) = &self.actions {
            cond = cond.add(audit_event::Column::Action.is_in(actions.iter().map(String::as_str)));
        }
        cond
    }
}

/// A page of events, newest first, and whether more follow.
pub async fn page(
    db: &impl ConnectionTrait,
    query: &EventQuery,
) -> Result<(Vec<audit_event::Model>, bool), DbErr> {
    let mut select = audit_event::Entity::find().filter(query.condition());
    if let Some(before) = query.before_id {
        select = select.filter(Expr::col(audit_event::Column::Id).lt(before));
    }
    let mut rows = select
        .order_by_desc(audit_event::Column::Id)
        .limit(query.limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > query.limit;
    rows.truncate(query.limit as usize);
    Ok((rows, more))
}

/// The number of events matching the query (ignoring the cursor).
pub async fn count(db: &impl ConnectionTrait, query: &EventQuery) -> Result<u64, DbErr> {
    audit_event::Entity::find()
        .filter(query.condition())
        .count(db)
        .await
}

/// When `actor` invited a user (`user.create`) since `since`, newest first, at most `limit`
/// times. The action is a literal in the SQL so that PostgreSQL's generic plan, too, uses the
/// partial index of migration 6 and reads only those rows.
pub async fn recent_invitations(
    db: &impl ConnectionTrait,
    actor: i64,
    since: chrono::DateTime<Utc>,
    limit: u64,
) -> Result<Vec<chrono::DateTime<Utc>>, DbErr> {
    let rows = audit_event::Entity::find()
        .filter(Expr::cust("audit_event.action = 'user.create'"))
        .filter(audit_event::Column::ActorId.eq(actor))
        .filter(audit_event::Column::At.gt(since))
        .order_by_desc(audit_event::Column::At)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|e| e.at).collect())
}

/// One event by id.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<audit_event::Model>, DbErr> {
    audit_event::Entity::find_by_id(id).one(db).await
}
