//! The one scheduler of a render: a tokio runtime whose blocking work is bounded by `--jobs`.
//!
//! Every piece of blocking work a render does (an engine speaking a line, a line of audio made
//! ready for its chapter, a part of a voice's loudness measured) runs through
//! [`Scheduler::spawn`], which waits for one of `jobs` slots and then runs it on tokio's blocking
//! threads. What waits for work (a chapter writing its lines in order, the synthesis loop
//! handing out lines) is an async task on the runtime's own thread and takes no slot, so work
//! nested in work can never starve. Engines may set a lower limit of their own: the caller adds
//! a [`Limit`].

use std::future::Future;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

/// Runs a render's work on at most `jobs` threads at once.
pub struct Scheduler {
    runtime: tokio::runtime::Runtime,
    slots: Slots,
}

/// The `jobs` slots of a [`Scheduler`], which tasks hand around to start work of their own.
#[derive(Clone)]
pub struct Slots {
    semaphore: Arc<Semaphore>,
    jobs: usize,
}

/// An extra bound on some of the work (one engine's own limit).
#[derive(Clone)]
pub struct Limit(Arc<Semaphore>);

impl Limit {
    pub fn new(at_once: usize) -> Limit {
        Limit(Arc::new(Semaphore::new(at_once.max(1))))
    }
}

impl Scheduler {
    /// A scheduler for `jobs` threads of work (at least one).
    pub fn new(jobs: usize) -> std::io::Result<Scheduler> {
        let jobs = jobs.max(1);
        let runtime = tokio::runtime::Builder::new_current_thread().max_blocking_threads(jobs).enable_all().build()?;
        Ok(Scheduler { runtime, slots: Slots { semaphore: Arc::new(Semaphore::new(jobs)), jobs } })
    }

    /// Runs `future` (the orchestration) to completion on this thread.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The slots, to start work with.
    pub fn slots(&self) -> &Slots {
        &self.slots
    }
}

impl Slots {
    /// How many threads of work run at once.
    pub fn jobs(&self) -> usize {
        self.jobs
    }

    /// Starts `work` on a blocking thread as soon as a slot (and each of `limits`) is free. The
    /// slot is held until the work ends.
    pub async fn spawn<R: Send + 'static>(
        &self,
        limits: &[&Limit],
        work: impl FnOnce() -> R + Send + 'static,
    ) -> JoinHandle<R> {
        let mut permits: Vec<OwnedSemaphorePermit> = Vec::with_capacity(1 + limits.len());
        for semaphore in limits.iter().map(|l| &l.0).chain([&self.semaphore]) {
            // The semaphores are never closed, so acquiring only waits.
            if let Ok(permit) = semaphore.clone().acquire_owned().await {
                permits.push(permit);
            }
        }
        tokio::task::spawn_blocking(move || {
            let _held = permits;
            work()
        })
    }

    /// `f` over every item, at most `jobs` at once; the results in the items' order. A panic in
    /// `f` is raised again here.
    pub async fn map<T: Send + 'static, R: Send + 'static>(
        &self,
        items: Vec<T>,
        f: Arc<dyn Fn(T) -> R + Send + Sync>,
    ) -> Vec<R> {
        let mut handles = Vec::with_capacity(items.len());
        for item in items {
            let f = f.clone();
            handles.push(self.spawn(&[], move || f(item)).await);
        }
        let mut results = Vec::with_capacity(handles.len());
        for handle in handles {
            results.push(joined(handle.await));
        }
        results
    }
}

/// The result of a finished task; a panic in it is raised again in the caller.
pub fn joined<R>(result: Result<R, tokio::task::JoinError>) -> R {
    match result {
        Ok(value) => value,
        Err(error) => match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Tasks are never cancelled: the runtime lives until every task has been awaited.
            Err(error) => panic!("a task of the render was cancelled: {error}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn map_keeps_order_and_never_runs_more_than_jobs_at_once() {
        let scheduler = Scheduler::new(2).unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (r, m) = (running.clone(), most.clone());
        let f = Arc::new(move |i: u64| {
            let now = r.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(5));
            r.fetch_sub(1, Ordering::SeqCst);
            i * 10
        });
        let results = scheduler.block_on(scheduler.slots().map((0..20).collect(), f));
        assert_eq!(results, (0..20).map(|i| i * 10).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 2, "{} at once", most.load(Ordering::SeqCst));
    }

    #[test]
    fn limits_bound_some_work_further() {
        let scheduler = Scheduler::new(4).unwrap();
        let limit = Limit::new(1);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        scheduler.block_on(async {
            let mut handles = Vec::new();
            for _ in 0..6 {
                let (r, m) = (running.clone(), most.clone());
                handles.push(
                    scheduler
                        .slots()
                        .spawn(&[&limit], move || {
                            m.fetch_max(r.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(5));
                            r.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await,
                );
            }
            for h in handles {
                joined(h.await);
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn a_panic_in_work_reaches_the_caller() {
        let scheduler = Scheduler::new(2).unwrap();
        let f = Arc::new(|i: u32| if i == 3 { panic!("boom") } else { i });
        scheduler.block_on(scheduler.slots().map((0..5).collect(), f));
    }
}
