//! What every resolver may use: the application state, whom the request acts for, the
//! per-request loader, and what every mutation shares: its `Call` (transaction and payload)
//! and the requester's authority inside its transaction.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use async_graphql::dataloader::DataLoader;
use async_graphql::Context;
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use crate::auth::{JwtKeys, Requester};
use crate::batches::Batches;
use crate::config::Config;
use crate::error::{ApiError, MutationError, UserError};
use crate::permissions::Person;

/// What every resolver may reach: the database, the configuration and the keys.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Where write transactions start: on SQLite a pool of one connection, so writers queue
    /// in order on an async wait instead of polling SQLite's lock (its busy handler sleeps
    /// up to 100 ms between tries); on PostgreSQL the same pool as `db`.
    pub writer: DatabaseConnection,
    pub config: Arc<Config>,
    pub keys: JwtKeys,
    /// Substring searches running at once on this instance: half the pool (at least one).
    /// A search may read a whole table; past this bound it waits for a permit instead of a
    /// connection, so the other half of the pool keeps serving everyone else (`me`, pages).
    pub searches: Arc<tokio::sync::Semaphore>,
}

/// Batches relation loads of one request; holds no cache across requests.
pub struct DbLoader {
    pub db: DatabaseConnection,
}

/// The state of the schema.
pub fn state<'a>(ctx: &Context<'a>) -> Result<&'a AppState, ApiError> {
    ctx.data::<AppState>()
        .map_err(|_| ApiError::internal(&"schema built without state"))
}

/// The database connection.
pub fn db<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection, ApiError> {
    Ok(&state(ctx)?.db)
}

/// Whom a request acts for (request data). Normally a requester signed in for this request.
/// A request whose token signed in earlier on this instance may instead start from that
/// remembered sign-in (`cached`): resolvers that read the requester's authority in the same
/// statement as their data confirm it there ([`Auth::confirm_authority`], [`Auth::confirm`]);
/// any other use of the requester before that is [`ApiError::stale_sign_in`], and so is a
/// confirmation that finds the authority changed. `execution` then signs the token in and
/// reruns the request, which is why only operations whose every resolver confirms before it
/// writes start that way (`auth::remembered::may_start`). Clones share one confirmation, so
/// `execution` can see what the run confirmed.
#[derive(Clone)]
pub struct Auth {
    cached: Option<Arc<Requester>>,
    confirmed: Arc<OnceLock<Arc<Requester>>>,
    /// Set when a resolver found the remembered sign-in no longer standing ([`Auth::stale`]):
    /// `execution` then signs the token in again and reruns the request.
    stale: Arc<AtomicBool>,
}

impl Auth {
    /// A requester signed in for this request.
    pub fn signed_in(requester: Arc<Requester>) -> Self {
        Self {
            cached: None,
            confirmed: Arc::new(OnceLock::from(requester)),
            stale: Arc::default(),
        }
    }

    /// A remembered sign-in, to be confirmed before use.
    pub fn remembered(requester: Arc<Requester>) -> Self {
        Self {
            cached: Some(requester),
            confirmed: Arc::new(OnceLock::new()),
            stale: Arc::default(),
        }
    }

    /// The remembered sign-in does not stand (or may not be used here): the outcome
    /// `execution` reruns on, and the error that ends this run.
    pub fn stale(&self) -> ApiError {
        self.stale.store(true, Ordering::Relaxed);
        ApiError::stale_sign_in()
    }

    /// Whether a resolver of this run found the remembered sign-in not standing.
    pub fn went_stale(&self) -> bool {
        self.stale.load(Ordering::Relaxed)
    }

    /// Whether the request acts for a confirmed requester.
    pub fn is_confirmed(&self) -> bool {
        self.confirmed.get().is_some()
    }

    /// The requester to act for and whether it is confirmed; an unconfirmed one may be used
    /// only in a statement that also reads its authority, to compare with
    /// `Requester::authority`.
    pub fn acting(&self) -> Result<(&Requester, bool), ApiError> {
        match (self.confirmed.get(), &self.cached) {
            (Some(r), _) => Ok((r, true)),
            (None, Some(r)) => Ok((r, false)),
            (None, None) => Err(ApiError::unauthenticated("authentication required")),
        }
    }

    /// The requester, confirmed against the database; a remembered sign-in not yet confirmed
    /// is [`Auth::stale`].
    pub fn requester(&self) -> Result<&Requester, ApiError> {
        match self.acting()? {
            (r, true) => Ok(r),
            (_, false) => Err(self.stale()),
        }
    }

    /// Records that `requester` is who the request acts for, as the database holds it now.
    pub fn confirm(&self, requester: Arc<Requester>) {
        let _ = self.confirmed.set(requester);
    }

    /// Confirms the remembered sign-in when `authority` (read from the database) matches it.
    pub fn confirm_authority(&self, authority: Option<&str>) -> Result<(), ApiError> {
        if self.confirmed.get().is_some() {
            return Ok(());
        }
        match &self.cached {
            Some(r) if authority == Some(r.authority.as_str()) => {
                self.confirm(r.clone());
                Ok(())
            }
            _ => Err(self.stale()),
        }
    }
}

/// Whom this request acts for.
pub fn auth<'a>(ctx: &Context<'a>) -> Result<&'a Auth, ApiError> {
    ctx.data::<Auth>()
        .map_err(|_| ApiError::unauthenticated("authentication required"))
}

/// The authenticated requester of this request, confirmed against the database.
pub fn requester<'a>(ctx: &Context<'a>) -> Result<&'a Requester, ApiError> {
    auth(ctx)?.requester()
}

/// What a mutation's service function needs of its request: the state and whom it acts for.
/// Services take this instead of the GraphQL context, so they read as plain functions.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    pub state: &'a AppState,
    pub auth: &'a Auth,
}

impl<'a> Call<'a> {
    /// The call a resolver makes.
    pub fn of(ctx: &Context<'a>) -> Result<Self, ApiError> {
        Ok(Self {
            state: state(ctx)?,
            auth: auth(ctx)?,
        })
    }

    /// The requester, confirmed (see [`Auth::requester`]).
    pub fn requester(&self) -> Result<&'a Requester, ApiError> {
        self.auth.requester()
    }

    /// Runs a mutation's `work` in one write transaction, its audit event and notice
    /// included: committed when `work` succeeds, rolled back when it fails (nothing is
    /// half-written).
    pub async fn in_transaction<T>(
        &self,
        work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, MutationError>,
    ) -> Result<T, MutationError> {
        let txn = crate::db::begin_write(&self.state.writer).await?;
        let value = work(&txn).await?;
        txn.commit().await?;
        Ok(value)
    }

    /// The payload of a mutation's outcome (contract §2): its fields on success (`ok`); on an
    /// expected failure only `errors` ([`Payload::rejected`]); anything else is the query
    /// error. A run that never confirmed its remembered sign-in answers nothing from it,
    /// whatever the outcome: the request is signed in again and rerun (see [`Auth`]).
    pub fn payload<T, P: Payload>(
        &self,
        result: Result<T, MutationError>,
        ok: impl FnOnce(T) -> P,
    ) -> Result<P, ApiError> {
        if !self.auth.is_confirmed() {
            return Err(self.auth.stale());
        }
        match result {
            Ok(value) => Ok(ok(value)),
            Err(MutationError::Rejected(errors)) => Ok(P::rejected(errors)),
            Err(MutationError::Api(err)) => Err(err),
        }
    }
}

/// The per-request loader.
pub fn loader<'a>(ctx: &Context<'a>) -> Result<&'a DataLoader<DbLoader>, ApiError> {
    ctx.data::<DataLoader<DbLoader>>()
        .map_err(|_| ApiError::internal(&"request without loader"))
}

/// A fresh loader for one request, whose batches `batches` starts (see [`Batches::drive`]).
pub fn new_loader(db: DatabaseConnection, batches: &Batches) -> DataLoader<DbLoader> {
    batches.loader(DbLoader { db })
}

/// A mutation's payload (contract §2): its fields on success; on an expected failure only
/// `errors`, every other field empty (its `Default`). Implemented with [`payloads!`].
pub trait Payload: Default {
    /// The payload of a rejected mutation.
    fn rejected(errors: Vec<UserError>) -> Self;
}

/// Implements [`Payload`] for payload structs that derive `Default` and have `errors`.
#[macro_export]
macro_rules! payloads {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::context::Payload for $ty {
            fn rejected(errors: Vec<$crate::error::UserError>) -> Self {
                Self { errors, ..Default::default() }
            }
        }
    )+};
}

/// The requester's authority as it stands inside a mutation's transaction: its row
/// share-locked and its roles read afresh. What authentication read may be stale by the time
/// the transaction starts; two admins deactivating each other at the same moment would
/// otherwise both succeed. A requester deactivated meanwhile is UNAUTHENTICATED, as its next
/// request would be.
pub async fn authority(
    txn: &sea_orm::DatabaseTransaction,
    requester: &Requester,
) -> Result<Person, ApiError> {
    crate::users::store::find_person_for_share(txn, requester.id())
        .await?
        .map(|(_, person)| person)
        .filter(|person| person.is_active)
        .ok_or_else(|| ApiError::unauthenticated("unknown or deactivated user"))
}
