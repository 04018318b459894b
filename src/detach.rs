//! Running a future in place without ever dropping it half-way.
//!
//! sqlx is not cancel-safe inside a database call: a future dropped while its BEGIN is in
//! flight leaves the server-side transaction open on a pooled connection, and the next
//! statement on that connection (the outbox worker's claim, say) then runs in it, uncommitted,
//! holding its locks. A request's execution therefore must finish even when the request is
//! answered TIMEOUT or its client hangs up. Spawning every execution as a task of its own did
//! that at the price of a task and a cross-thread wake per request; [`finish_or_detach`] runs it
//! in place and hands it to a task only when it would otherwise be dropped.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs `future` in place until it ends or `deadline` passes. Past the deadline (None), or
/// if this call is itself dropped first (the client hung up), the rest of `future` runs on
/// as a task of its own and its output is discarded. A panic inside it is Some(Err(())),
/// logged, as a spawned task's panic would have been a join error.
pub async fn finish_or_detach<F>(
    future: F,
    deadline: tokio::time::Instant,
) -> Option<Result<F::Output, ()>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut guard = Detach(Some(CatchUnwind(Box::pin(future))));
    let outcome = match guard.0.as_mut() {
        Some(running) => tokio::time::timeout_at(deadline, running).await,
        None => return None,
    };
    match outcome {
        Ok(output) => {
            // Ended: nothing is left to detach.
            guard.0 = None;
            Some(output)
        }
        Err(_) => None,
    }
}

/// Hands a future that has not ended to a task of its own when dropped.
struct Detach<F: Future + Send + 'static>(Option<CatchUnwind<F>>)
where
    F::Output: Send + 'static;

impl<F: Future + Send + 'static> Drop for Detach<F>
where
    F::Output: Send + 'static,
{
    fn drop(&mut self) {
        if let Some(rest) = self.0.take() {
            tokio::spawn(rest);
        }
    }
}

/// A future whose panic becomes `Err(())` (logged) instead of unwinding into its poller.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => {
                tracing::error!("a request's execution panicked");
                Poll::Ready(Err(()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::time::Instant;

    use super::finish_or_detach;

    /// A future that sets its flag after `ms` milliseconds.
    fn slow(ms: u64, done: &Arc<AtomicBool>) -> impl std::future::Future<Output = u8> {
        let done = done.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            done.store(true, Ordering::SeqCst);
            7
        }
    }

    #[tokio::test]
    async fn a_future_that_ends_in_time_gives_its_output() {
        let done = Arc::new(AtomicBool::new(false));
        let deadline = Instant::now() + Duration::from_secs(5);
        assert_eq!(
            finish_or_detach(slow(10, &done), deadline).await,
            Some(Ok(7))
        );
        assert!(done.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn past_the_deadline_the_future_still_runs_to_its_end() {
        let done = Arc::new(AtomicBool::new(false));
        let deadline = Instant::now() + Duration::from_millis(20);
        assert_eq!(finish_or_detach(slow(200, &done), deadline).await, None);
        assert!(!done.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(done.load(Ordering::SeqCst), "the rest was dropped");
    }

    #[tokio::test]
    async fn when_the_caller_is_dropped_the_future_still_runs_to_its_end() {
        let done = Arc::new(AtomicBool::new(false));
        let deadline = Instant::now() + Duration::from_secs(5);
        let caller = finish_or_detach(slow(200, &done), deadline);
        // The client hangs up after 20 ms: the caller's future is dropped.
        assert!(tokio::time::timeout(Duration::from_millis(20), caller)
            .await
            .is_err());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(done.load(Ordering::SeqCst), "the rest was dropped");
    }

    #[tokio::test]
    async fn a_panic_is_an_error_not_an_unwind() {
        let deadline = Instant::now() + Duration::from_secs(5);
        let boom = async {
            tokio::task::yield_now().await;
            panic!("boom");
        };
        assert_eq!(finish_or_detach(boom, deadline).await, Some(Err(())));
    }
}
