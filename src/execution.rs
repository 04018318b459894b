//! One GraphQL request from its bearer token to its answer, apart from HTTP (which `http`
//! adds): the sign-in and the rerun of a remembered sign-in that did not stand, in one place.
//! A document that only introspects runs on the explorer schema without a token.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerError};
use tokio::time::Instant;

use crate::auth::{self, remembered, Requester, SignIns};
use crate::batches::Batches;
use crate::context::{self, AppState, Auth};
use crate::detach;
use crate::documents::DocumentCache;
use crate::error::ApiError;
use crate::graphql::{self, IdmSchema};
use crate::limits::{self, OperationLabels};

/// Why a request got no GraphQL answer.
#[derive(Debug)]
pub enum Failure {
    /// The token is missing or invalid, or names no active user (HTTP 401).
    Unauthenticated(ApiError),
    /// The request ran out of time (IDM_REQUEST_TIMEOUT_SECS).
    Timeout,
    /// An unexpected failure, already logged where it happened.
    Internal,
}

/// Runs GraphQL requests for one instance: its schemas, parsed documents, remembered
/// sign-ins and metric labels.
#[derive(Clone)]
pub struct Executor {
    pub app: AppState,
    schema: IdmSchema,
    /// The schema of documents that only introspect (see `graphql::explorer_schema`).
    explorer: IdmSchema,
    /// Parsed GraphQL documents by query text.
    documents: Arc<DocumentCache>,
    /// The sign-ins this instance made, by token (checked at every use, see `context::Auth`).
    sign_ins: Arc<SignIns>,
    /// The operation names the metrics label (bounded).
    labels: Arc<OperationLabels>,
}

impl Executor {
    pub fn new(app: AppState) -> Self {
        let sign_ins = SignIns::new(app.config.sign_in_ttl, app.config.sign_in_capacity);
        Self {
            schema: graphql::schema(app.clone()),
            explorer: graphql::explorer_schema(app.clone()),
            app,
            documents: Arc::default(),
            sign_ins: Arc::new(sign_ins),
            labels: Arc::default(),
        }
    }

    /// Answers one operation (`request` builds it; it may be built twice) for the bearer of
    /// `authorization`, within the request timeout. A token that signed in on this instance
    /// before starts from that sign-in when the operation allows it (see `context::Auth`); if
    /// the run does not confirm it, the token signs in again and the operation reruns (nothing
    /// was written: such operations confirm before they write).
    pub async fn answer(
        &self,
        authorization: Option<&str>,
        request: impl Fn() -> Request,
    ) -> Result<Response, Failure> {
        let deadline = Instant::now() + self.app.config.limits.request_timeout;
        let first = request();
        // Parsed here (or found parsed earlier; async-graphql executes the document it is
        // given) to tell introspection from the rest, count aliases and name the operation.
        let doc = self.documents.parse(&first.query);
        if let Ok(doc) = &doc {
            if self.app.config.introspection && limits::is_introspection_only(doc) {
                return self.introspect(first, doc.clone(), deadline).await;
            }
        }
        let remembered =
            auth::bearer_token(authorization).and_then(|t| self.sign_ins.get(t, &self.app.keys));
        let request = match remembered {
            Some(remembered) => {
                note_user(remembered.id());
                let auth = Auth::remembered(remembered);
                if let Some(response) = self.run(first, doc.clone(), auth, deadline).await? {
                    return Ok(response);
                }
                // The operation may not start from a remembered sign-in, or the run did not
                // confirm it: the token signs in again.
                metrics::counter!("idm_sign_in_reruns_total").increment(1);
                request()
            }
            None => first,
        };
        let requester = self.sign_in(authorization, deadline).await?;
        let answer = self.run(request, doc, Auth::signed_in(requester), deadline);
        answer.await?.ok_or_else(refused_signed_in)
    }

    /// Answers a batch (IDM_BATCHING): the token signs in once, then the operations run one
    /// after another (a later one sees what an earlier mutation wrote) and one request timeout
    /// covers them all.
    pub async fn answer_batch(
        &self,
        authorization: Option<&str>,
        requests: Vec<Request>,
    ) -> Result<Vec<Response>, Failure> {
        let deadline = Instant::now() + self.app.config.limits.request_timeout;
        let requester = self.sign_in(authorization, deadline).await?;
        let mut answers = Vec::with_capacity(requests.len());
        for request in requests {
            let auth = Auth::signed_in(requester.clone());
            let doc = self.documents.parse(&request.query);
            let answer = self.run(request, doc, auth, deadline).await?;
            answers.push(answer.ok_or_else(refused_signed_in)?);
        }
        Ok(answers)
    }

    /// Checks the token and signs in the user it names, and remembers the sign-in for the
    /// token's later requests. Signing in reads the database, so it runs under the request's
    /// deadline too: while the database is away it would otherwise wait out the pool's
    /// acquire timeout.
    async fn sign_in(
        &self,
        authorization: Option<&str>,
        deadline: Instant,
    ) -> Result<Arc<Requester>, Failure> {
        let bearer = auth::verify_bearer(&self.app.keys, authorization)
            .await
            .map_err(Failure::Unauthenticated)?;
        match tokio::time::timeout_at(deadline, auth::sign_in(&self.app.db, &bearer)).await {
            Ok(Ok(requester)) => {
                let requester = Arc::new(requester);
                self.sign_ins.put(&bearer, requester.clone());
                note_user(requester.id());
                Ok(requester)
            }
            Ok(Err(err)) => {
                self.sign_ins.forget(bearer.token);
                Err(Failure::Unauthenticated(err))
            }
            Err(_) => Err(Failure::Timeout),
        }
    }

    /// Executes one request for whom it acts before the deadline; errors without a code
    /// (parse and validation errors of async-graphql) get BAD_USER_INPUT. None, without
    /// executing, for a remembered sign-in whose operation may not start from one.
    async fn run(
        &self,
        request: Request,
        doc: Result<ExecutableDocument, ServerError>,
        auth: Auth,
        deadline: Instant,
    ) -> Result<Option<Response>, Failure> {
        let answer = |error| with_codes(Response::from_errors(vec![error]));
        // Refusals too wait for a confirmed requester: a user deactivated since its sign-in
        // was remembered is answered 401 whatever it sends.
        let confirmed = auth.is_confirmed();
        let doc = match doc {
            Ok(doc) => doc,
            Err(_) if !confirmed => return Ok(None),
            Err(error) => return Ok(Some(answer(error))),
        };
        let operation_name = limits::operation_name(&doc, request.operation_name.clone());
        let label = self.labels.label(operation_name.as_deref());
        note_operation(&label);
        if !confirmed && !remembered::may_start(&doc, operation_name.as_deref()) {
            return Ok(None);
        }
        if let Err(error) = limits::check_aliases(&doc, self.app.config.limits.max_aliases) {
            return Ok(confirmed.then(|| answer(error)));
        }
        let batches = Batches::default();
        // Kept to see, once the run ends, whether it confirmed a remembered sign-in.
        let confirmation = auth.clone();
        let mut request = request
            .data(auth)
            .data(context::new_loader(self.app.db.clone(), &batches));
        request.set_parsed_query(doc);
        let started = std::time::Instant::now();
        // Never dropped half-way through a database call (see `detach`): a request past its
        // deadline is answered TIMEOUT while its execution finishes (or rolls back) on its own.
        let schema = self.schema.clone();
        let execution = async move { batches.drive(schema.execute(request)).await };
        let response = match detach::finish_or_detach(execution, deadline).await {
            Some(Ok(response)) => response,
            Some(Err(())) => return Err(Failure::Internal),
            None => return Err(Failure::Timeout),
        };
        // A run on a remembered sign-in that never confirmed it (a validation error, skipped
        // fields, bad arguments) proves nothing about the requester: its answer is thrown away
        // and the token signs in again, so a deactivated user gets its 401.
        if confirmation.went_stale() || !confirmation.is_confirmed() {
            return Ok(None);
        }
        limits::record_operation(label, response.errors.is_empty(), started.elapsed());
        Ok(Some(with_codes(response)))
    }

    /// Answers a document that only introspects, whatever the request's token (the schema is
    /// public: contract 1.1 §9.6), on the schema without depth and complexity limits, after
    /// introspection's own bound.
    async fn introspect(
        &self,
        mut request: Request,
        doc: ExecutableDocument,
        deadline: Instant,
    ) -> Result<Response, Failure> {
        let refused = |error| with_codes(Response::from_errors(vec![error]));
        if let Err(error) = limits::check_introspection(&doc, limits::MAX_INTROSPECTION_PASSES) {
            return Ok(refused(error));
        }
        if let Err(error) = limits::check_aliases(&doc, self.app.config.limits.max_aliases) {
            return Ok(refused(error));
        }
        let operation_name = limits::operation_name(&doc, request.operation_name.clone());
        let label = self.labels.label(operation_name.as_deref());
        note_operation(&label);
        request.set_parsed_query(doc);
        let started = std::time::Instant::now();
        let schema = self.explorer.clone();
        let execution = async move { schema.execute(request).await };
        match detach::finish_or_detach(execution, deadline).await {
            Some(Ok(response)) => {
                limits::record_operation(label, response.errors.is_empty(), started.elapsed());
                Ok(with_codes(response))
            }
            Some(Err(())) => Err(Failure::Internal),
            None => Err(Failure::Timeout),
        }
    }
}

/// A run that was refused although it was signed in (never happens: a confirmed requester
/// may run every operation).
fn refused_signed_in() -> Failure {
    let _ = ApiError::internal(&"a signed-in run was refused");
    Failure::Internal
}

/// Gives errors without a code (parse and validation errors of async-graphql) BAD_USER_INPUT.
fn with_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
    response
}

/// What one request's log line says beyond HTTP: the operation and the requester's user id
/// (never its email or token), noted while the request runs.
#[derive(Default)]
pub struct RequestNote {
    pub operation: OnceLock<String>,
    pub user_id: OnceLock<i64>,
}

tokio::task_local! {
    /// The note of the request this task serves (see [`noting`]).
    static NOTE: Arc<RequestNote>;
}

/// Runs `serve` with `note` collecting what the request ran and for whom.
pub async fn noting<T>(note: Arc<RequestNote>, serve: impl Future<Output = T>) -> T {
    NOTE.scope(note, serve).await
}

/// Notes the operation (its metrics label: a bounded name) of the request being served.
fn note_operation(label: &str) {
    let _ = NOTE.try_with(|note| note.operation.set(label.to_owned()));
}

/// Notes whom the request being served acts for.
fn note_user(id: i64) {
    let _ = NOTE.try_with(|note| note.user_id.set(id));
}
