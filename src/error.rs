//! The one error vocabulary of the service.
//!
//! `ApiError` is what resolvers return for query failures. It deliberately does not implement
//! `Display`: async-graphql turns any `Display` error into a GraphQL error *without*
//! `extensions.code`, so the single `From<ApiError> for async_graphql::Error` below is the only
//! way out and every error keeps its stable code. Mutations report expected failures as
//! `UserError`s in their payload instead.

use async_graphql::{Enum, ErrorExtensions, SimpleObject};
use sea_orm::{DbErr, RuntimeErr};

use crate::permissions::Denial;

/// Stable codes of GraphQL errors (`extensions.code`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum QueryCode {
    Unauthenticated,
    Forbidden,
    BadUserInput,
    NotFound,
    Internal,
    Unavailable,
    /// Never answered: the request ran on a remembered sign-in that the database no longer
    /// bears out, and the request signs the token in again and reruns (`context::Auth`, `execution`).
    StaleSignIn,
}

impl QueryCode {
    /// The code as it appears in `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryCode::Unauthenticated => "UNAUTHENTICATED",
            QueryCode::Forbidden => "FORBIDDEN",
            QueryCode::BadUserInput => "BAD_USER_INPUT",
            QueryCode::NotFound => "NOT_FOUND",
            QueryCode::Internal => "INTERNAL",
            QueryCode::Unavailable => "UNAVAILABLE",
            QueryCode::StaleSignIn => "STALE_SIGN_IN",
        }
    }
}

/// A failed query or an unexpected failure of a mutation.
#[derive(Debug)]
pub struct ApiError {
    pub code: QueryCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: QueryCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(QueryCode::BadUserInput, message)
    }

    pub fn forbidden() -> Self {
        Self::new(QueryCode::Forbidden, "not allowed")
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(QueryCode::Unauthenticated, message)
    }

    /// The remembered sign-in a request ran on no longer stands (see [`QueryCode::StaleSignIn`]).
    pub fn stale_sign_in() -> Self {
        Self::new(
            QueryCode::StaleSignIn,
            "the sign-in changed; signing in again",
        )
    }

    /// An unexpected failure: logged here, once, and answered with a generic message.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(QueryCode::Internal, "internal error")
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        async_graphql::Error::new(err.message).extend_with(|_, e| e.set("code", err.code.as_str()))
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        if is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return Self::new(
                QueryCode::Unavailable,
                "the database is unavailable, try again",
            );
        }
        Self::internal(&err)
    }
}

impl From<Denial> for ApiError {
    fn from(denial: Denial) -> Self {
        match denial {
            Denial::Forbidden => Self::forbidden(),
            other => Self::bad_input(format!("{:?}", ErrorCode::from(other))),
        }
    }
}

/// True when the error means the database could not be reached, not that the query failed.
pub fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            is_transient(e)
        }
        _ => false,
    }
}

/// True when connecting failed in a way that may pass: nothing listens yet, the server is
/// starting up or shutting down, or it answered slower than the pool waits. False for what
/// waiting cannot mend (a wrong password, a missing database, a malformed URL).
pub fn is_unreachable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::SqlxError(e)) => is_transient(e),
        _ => false,
    }
}

fn is_transient(err: &sea_orm::sqlx::Error) -> bool {
    match err {
        sea_orm::sqlx::Error::Io(_)
        | sea_orm::sqlx::Error::PoolTimedOut
        | sea_orm::sqlx::Error::PoolClosed
        | sea_orm::sqlx::Error::WorkerCrashed => true,
        sea_orm::sqlx::Error::Database(db) => db.code().is_some_and(|c| lost_connection(&c)),
        _ => false,
    }
}

/// SQLSTATEs a server sends when it drops or refuses the session rather than the statement:
/// class 08 (connection exception) and PostgreSQL's 57P01 admin shutdown (what a stopping
/// server tells its sessions), 57P02 crash shutdown and 57P03 cannot connect now. SQLite's
/// codes are plain numbers and never match.
fn lost_connection(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || matches!(sqlstate, "57P01" | "57P02" | "57P03")
}

/// Codes of the errors a mutation reports in its payload (contract `ErrorCode`).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// A field is malformed or missing; UserError.field names it
    Validation,
    /// The object named by an ID does not exist or is not visible to the requester
    NotFound,
    /// The permission guard refused
    Forbidden,
    /// The email is already used by another user
    EmailTaken,
    /// The target already holds a role in that workspace or cluster, or is a cluster system admin
    RoleExistsInScope,
    /// Two entries of one request name the same workspace or cluster
    DuplicateScope,
    /// IP role without a workspace, cluster role without a cluster, system admin with a scope, or a change across families
    ScopeMismatch,
    /// The target user is deactivated
    TargetDeactivated,
    /// The requester may not change its own roles or activity
    SelfModification,
    /// Authorized-officer and system-admin roles cannot be changed or deleted this way
    ImmutableRole,
    /// A unique value is already used (vendor number, OCHA id, workspace code, ...)
    Conflict,
    /// Too many of these requests in the last hour (invitations: IDM_INVITATIONS_PER_HOUR);
    /// the message says when the next one is possible
    RateLimited,
}

impl From<Denial> for ErrorCode {
    fn from(denial: Denial) -> Self {
        match denial {
            Denial::Validation => ErrorCode::Validation,
            Denial::Forbidden => ErrorCode::Forbidden,
            Denial::RoleExistsInScope => ErrorCode::RoleExistsInScope,
            Denial::DuplicateScope => ErrorCode::DuplicateScope,
            Denial::ScopeMismatch => ErrorCode::ScopeMismatch,
            Denial::TargetDeactivated => ErrorCode::TargetDeactivated,
            Denial::SelfModification => ErrorCode::SelfModification,
            Denial::ImmutableRole => ErrorCode::ImmutableRole,
            Denial::NotFound => ErrorCode::NotFound,
        }
    }
}

impl ErrorCode {
    /// The default message for a guard denial.
    pub fn default_message(self) -> &'static str {
        match self {
            ErrorCode::Validation => "invalid input",
            ErrorCode::NotFound => "not found",
            ErrorCode::Forbidden => "not allowed",
            ErrorCode::EmailTaken => "this email is already used",
            ErrorCode::RoleExistsInScope => "the user already holds a role in this scope",
            ErrorCode::DuplicateScope => "two entries name the same scope",
            ErrorCode::ScopeMismatch => "the scope does not fit the role",
            ErrorCode::TargetDeactivated => "the user is deactivated",
            ErrorCode::SelfModification => "you cannot change your own access",
            ErrorCode::ImmutableRole => "this role cannot be changed or deleted",
            ErrorCode::Conflict => "a unique value is already used",
            ErrorCode::RateLimited => "too many requests of this kind in the last hour",
        }
    }
}

/// One expected failure of a mutation, reported in its payload.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct UserError {
    /// What went wrong, as a stable code
    pub code: ErrorCode,
    /// A sentence for people
    pub message: String,
    /// Path of the input field at fault, e.g. ["input", "roles", "1", "clusterId"]
    pub field: Option<Vec<String>>,
}

impl UserError {
    pub fn new(code: ErrorCode, message: impl Into<String>, field: &[&str]) -> Self {
        Self {
            code,
            message: message.into(),
            field: if field.is_empty() {
                None
            } else {
                Some(field.iter().map(|s| (*s).to_owned()).collect())
            },
        }
    }

    /// A VALIDATION error on `input.<field>`.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message, &["input", field])
    }

    /// A guard denial with its default message, on the given path.
    pub fn denied(denial: Denial, field: &[&str]) -> Self {
        let code = ErrorCode::from(denial);
        Self::new(code, code.default_message(), field)
    }

    /// Prepends path segments (e.g. a list index) to the field path.
    pub fn with_field(mut self, field: Vec<String>) -> Self {
        self.field = Some(field);
        self
    }
}

/// Why a mutation did not happen: expected failures for the payload, or an unexpected one.
#[derive(Debug)]
pub enum MutationError {
    Rejected(Vec<UserError>),
    Api(ApiError),
}

impl From<ApiError> for MutationError {
    fn from(err: ApiError) -> Self {
        MutationError::Api(err)
    }
}

impl From<DbErr> for MutationError {
    fn from(err: DbErr) -> Self {
        if let Some(user_error) = constraint_error(&err) {
            return MutationError::Rejected(vec![user_error]);
        }
        MutationError::Api(ApiError::from(err))
    }
}

impl From<UserError> for MutationError {
    fn from(err: UserError) -> Self {
        MutationError::Rejected(vec![err])
    }
}

/// Maps a constraint violation to the payload error a client expects, so a race between two
/// requests still gets the right code: a unique violation to EMAIL_TAKEN, ROLE_EXISTS_IN_SCOPE
/// or CONFLICT (constraint names come from the migration), a foreign key to NOT_FOUND (the
/// row named went away meanwhile), a CHECK to VALIDATION. Validation runs first, so the last
/// two are a safety net, not the normal path.
pub fn constraint_error(err: &DbErr) -> Option<UserError> {
    use sea_orm::sqlx::error::ErrorKind;
    let db = match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                sea_orm::sqlx::Error::Database(db) => db,
                _ => return None,
            }
        }
        _ => return None,
    };
    // PostgreSQL gave up one of two transactions that waited on each other (deadlock, or a
    // serialisation failure): nothing of it was written, and a retry sees the winner's change.
    if db.code().is_some_and(|c| c == "40P01" || c == "40001") {
        return Some(UserError::new(
            ErrorCode::Conflict,
            "a concurrent change got in the way; nothing was written, try again",
            &["input"],
        ));
    }
    let code = match db.kind() {
        ErrorKind::UniqueViolation => None,
        ErrorKind::ForeignKeyViolation => Some(ErrorCode::NotFound),
        ErrorKind::CheckViolation | ErrorKind::NotNullViolation => Some(ErrorCode::Validation),
        _ => return None,
    };
    if let Some(code) = code {
        return Some(UserError::new(code, code.default_message(), &["input"]));
    }
    // PostgreSQL names the constraint; SQLite names the columns in the message.
    let text = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
    let (code, field) = if text.contains("uq_user_email") || text.contains("app_user.email") {
        (ErrorCode::EmailTaken, "email")
    } else if text.contains("uq_prp_role") || text.contains("prp_role.") {
        (ErrorCode::RoleExistsInScope, "roles")
    } else if text.contains("uq_workspace_code") || text.contains("workspace.workspace_code") {
        (ErrorCode::Conflict, "workspaceCode")
    } else if text.contains("vendor_number") {
        (ErrorCode::Conflict, "vendorNumber")
    } else if text.contains("ocha_external_id") {
        (ErrorCode::Conflict, "ochaExternalId")
    } else if text.contains("uq_partner_external") || text.contains("partner.external") {
        (ErrorCode::Conflict, "externalId")
    } else if text.contains("uq_response_plan_title") || text.contains("response_plan.") {
        (ErrorCode::Conflict, "title")
    } else if text.contains("uq_cluster_plan_type") || text.contains("cluster.") {
        (ErrorCode::Conflict, "type")
    } else {
        (ErrorCode::Conflict, "input")
    };
    Some(UserError::new(
        code,
        code.default_message(),
        &["input", field],
    ))
}

impl From<std::sync::Arc<DbErr>> for ApiError {
    fn from(err: std::sync::Arc<DbErr>) -> Self {
        if is_unavailable(&err) {
            return Self::new(
                QueryCode::Unavailable,
                "the database is unavailable, try again",
            );
        }
        Self::internal(&err)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::sqlx;

    use super::*;

    fn conn(e: sqlx::Error) -> DbErr {
        DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)))
    }

    #[test]
    fn a_database_not_up_yet_is_unreachable_and_a_bad_url_is_not() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(is_unreachable(&conn(sqlx::Error::Io(refused))));
        assert!(is_unreachable(&conn(sqlx::Error::PoolTimedOut)));
        assert!(!is_unreachable(&conn(sqlx::Error::Configuration(
            "bad url".into()
        ))));
        assert!(!is_unreachable(&DbErr::Custom("other".into())));
    }

    #[test]
    fn a_session_ended_by_the_server_is_unavailable_and_a_failed_statement_is_not() {
        for code in ["57P01", "57P02", "57P03", "08006", "08001"] {
            assert!(lost_connection(code), "{code}");
        }
        // unique violation, serialization failure, statement timeout, SQLite busy and unique
        for code in ["23505", "40001", "57014", "5", "2067"] {
            assert!(!lost_connection(code), "{code}");
        }
    }
}
