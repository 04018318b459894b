//! Deterministic loader batches. async-graphql's `DataLoader` starts a batch on a timer
//! (1 ms after the first key): when resolving a list takes longer than that — a debug build,
//! a busy machine — the keys of one list split over two or more statements. Here the loader's
//! batches are held until the request's execution waits on something other than itself:
//! every key the resolvers asked for by then is in the batch, whatever the timing. (Waiting on
//! itself: a long list yields half-way through a pass — `FuturesUnordered` wakes itself and
//! returns after 32 polls — and is polled again at once; starting the batches there would cut
//! the list's keys in two.)

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::DataLoader;

/// A loader batch, as `DataLoader` hands it to its spawner.
type Batch = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The loader batches one request's execution has asked for and not yet started.
#[derive(Clone, Default)]
pub struct Batches(Arc<Mutex<Vec<Batch>>>);

impl Batches {
    /// A loader whose batches start when [`Batches::drive`] lets them.
    pub fn loader<T: Send + Sync + 'static>(&self, loader: T) -> DataLoader<T> {
        let queue = self.clone();
        DataLoader::new(loader, move |batch| queue.hold(batch)).delay(Duration::ZERO)
    }

    fn hold(&self, batch: Batch) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(batch);
    }

    /// Runs `execution`; each time it waits on something other than itself, the batches it
    /// asked for meanwhile start.
    pub async fn drive<F: Future>(&self, execution: F) -> F::Output {
        let mut execution = pin!(execution);
        let mut waker: Option<(Waker, Arc<SelfWake>)> = None;
        poll_fn(|cx| {
            let (inner, flag) = match &waker {
                Some((inner, flag)) if flag.outer.will_wake(cx.waker()) => {
                    (inner.clone(), flag.clone())
                }
                _ => {
                    let flag = Arc::new(SelfWake {
                        woken: AtomicBool::new(false),
                        outer: cx.waker().clone(),
                    });
                    let inner = Waker::from(flag.clone());
                    waker = Some((inner.clone(), flag.clone()));
                    (inner, flag)
                }
            };
            flag.woken.store(false, Ordering::SeqCst);
            let polled = execution.as_mut().poll(&mut Context::from_waker(&inner));
            if polled.is_pending() && !flag.woken.load(Ordering::SeqCst) {
                self.start_held();
            }
            polled
        })
        .await
    }

    fn start_held(&self) {
        let held: Vec<Batch> = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .drain(..)
            .collect();
        for batch in held {
            tokio::spawn(batch);
        }
    }
}

/// The execution's waker: notes that it was woken (by itself, while being polled, or by
/// anything else) and passes the wake on.
struct SelfWake {
    woken: AtomicBool,
    outer: Waker,
}

impl Wake for SelfWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.outer.wake_by_ref();
    }
}
