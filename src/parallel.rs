//! Work spread over a few scoped threads, with results that never depend on the scheduling.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// `f` over `items` on up to `threads` scoped threads, each with its own working state from
/// `state` (a resampler, say); the results come back in the items' order.
pub fn map<T: Sync, S, R: Send>(
    items: &[T],
    threads: usize,
    state: impl Fn() -> S + Sync,
    f: impl Fn(&T, &mut S) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        let mut state = state();
        return items.iter().map(|item| f(item, &mut state)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut state = state();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(n) else { return };
                    *lock(&slots[n]) = Some(f(item, &mut state));
                }
            });
        }
    });
    // A thread that panicked re-raises here when the scope ends, so every slot was filled.
    slots.into_iter().map(|slot| slot.into_inner().ok().flatten().expect("every item was mapped")).collect()
}

/// `f` over `items` on `threads` scoped threads, while the calling thread hands each result to
/// `consume` in the items' order, as soon as it and every one before it are ready.
///
/// Unlike [`map`] there is no barrier: the threads keep working while results are consumed.
/// At most `ahead` items (at least `threads`) are taken beyond the last one consumed, so memory
/// stays bounded however many items there are. The first error of `consume` stops the work and
/// is returned; `f` is then not called on the items not yet started.
pub fn for_each_in_order<T: Sync, S, R: Send, E>(
    items: &[T],
    threads: usize,
    ahead: usize,
    state: impl Fn() -> S + Sync,
    f: impl Fn(&T, &mut S) -> R + Sync,
    mut consume: impl FnMut(&T, R) -> Result<(), E>,
) -> Result<(), E> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        let mut state = state();
        return items.iter().try_for_each(|item| consume(item, f(item, &mut state)));
    }
    let ahead = ahead.max(threads);
    let shared = Mutex::new(Pipeline { ready: BTreeMap::new(), consumed: 0, stop: false });
    let filled = Condvar::new();
    let room = Condvar::new();
    let next = AtomicUsize::new(0);
    let stopper = || Stop { shared: &shared, filled: &filled, room: &room };
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                // A panic in `f` must not leave the consumer waiting for its result.
                let stop = stopper();
                let mut state = state();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(n) else { break };
                    {
                        let mut pipeline = lock(&shared);
                        while !pipeline.stop && n >= pipeline.consumed + ahead {
                            pipeline = room.wait(pipeline).unwrap_or_else(PoisonError::into_inner);
                        }
                        if pipeline.stop {
                            break;
                        }
                    }
                    let result = f(item, &mut state);
                    lock(&shared).ready.insert(n, result);
                    filled.notify_one();
                }
                // Finished or told to stop: nothing for the others to hear.
                std::mem::forget(stop);
            });
        }
        // However the consumer ends (done, failed, or panicking in `consume`), the threads
        // waiting for room are told to stop.
        let _stop = stopper();
        for (n, item) in items.iter().enumerate() {
            let result = {
                let mut pipeline = lock(&shared);
                loop {
                    if let Some(result) = pipeline.ready.remove(&n) {
                        break Some(result);
                    }
                    if pipeline.stop {
                        break None;
                    }
                    pipeline = filled.wait(pipeline).unwrap_or_else(PoisonError::into_inner);
                }
            };
            // A thread panicked making item `n`: nothing after it is consumed, and the scope
            // re-raises the panic as it ends.
            let Some(result) = result else { return Ok(()) };
            let consumed = consume(item, result);
            lock(&shared).consumed = n + 1;
            room.notify_all();
            consumed?;
        }
        Ok(())
    })
}

/// What the threads of [`for_each_in_order`] share.
struct Pipeline<R> {
    /// Results made but not yet consumed, by item index.
    ready: BTreeMap<usize, R>,
    /// How many items were consumed.
    consumed: usize,
    /// Set when the work must end: the consumer failed or finished, or a thread panicked.
    stop: bool,
}

/// Stops the work of [`for_each_in_order`] when dropped, and wakes every thread waiting, so none
/// waits for a result or for room that will never come.
struct Stop<'a, R> {
    shared: &'a Mutex<Pipeline<R>>,
    filled: &'a Condvar,
    room: &'a Condvar,
}

impl<R> Drop for Stop<'_, R> {
    fn drop(&mut self) {
        lock(self.shared).stop = true;
        self.filled.notify_all();
        self.room.notify_all();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[test]
    fn map_keeps_the_order_of_the_items() {
        let items: Vec<u64> = (0..200).collect();
        for threads in [1, 2, 7] {
            let out = map(
                &items,
                threads,
                || 0u64,
                |&x, calls| {
                    *calls += 1;
                    if x % 17 == 0 {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    x * x
                },
            );
            assert_eq!(out, items.iter().map(|x| x * x).collect::<Vec<_>>(), "{threads} threads");
        }
    }

    #[test]
    fn results_are_consumed_in_order_with_a_bounded_lookahead() {
        let items: Vec<usize> = (0..300).collect();
        for threads in [1, 2, 4] {
            let consumed = AtomicUsize::new(0);
            let most_ahead = AtomicUsize::new(0);
            let mut seen = Vec::new();
            let result: Result<(), ()> = for_each_in_order(
                &items,
                threads,
                6,
                || (),
                |&n, ()| {
                    // How far beyond the consumer this item was started.
                    let lead = n.saturating_sub(consumed.load(Ordering::SeqCst));
                    most_ahead.fetch_max(lead, Ordering::SeqCst);
                    if n % 13 == 0 {
                        std::thread::sleep(Duration::from_micros(300));
                    }
                    n * 3
                },
                |&n, r| {
                    assert_eq!(r, n * 3);
                    seen.push(n);
                    consumed.store(n + 1, Ordering::SeqCst);
                    Ok(())
                },
            );
            assert_eq!(result, Ok(()));
            assert_eq!(seen, items, "{threads} threads");
            let limit = if threads == 1 { 0 } else { 6usize.max(threads) - 1 };
            assert!(
                most_ahead.load(Ordering::SeqCst) <= limit,
                "{threads} threads ran {} ahead",
                most_ahead.load(Ordering::SeqCst)
            );
        }
    }

    #[test]
    fn a_failing_consumer_stops_the_work() {
        let items: Vec<usize> = (0..10_000).collect();
        let made = AtomicUsize::new(0);
        let result = for_each_in_order(
            &items,
            3,
            8,
            || (),
            |&n, ()| {
                made.fetch_add(1, Ordering::SeqCst);
                n
            },
            |&n, _| if n == 20 { Err(format!("item {n} failed")) } else { Ok(()) },
        );
        assert_eq!(result, Err("item 20 failed".to_string()));
        assert!(made.load(Ordering::SeqCst) < 40, "{} items were made", made.load(Ordering::SeqCst));
    }

    /// Runs `body` on its own thread and fails the test if it has not ended within a minute.
    fn ends<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(body());
        });
        rx.recv_timeout(Duration::from_secs(60)).expect("the work hung")
    }

    #[test]
    fn a_panicking_worker_panics_the_caller_with_nothing_after_its_item_consumed() {
        let consumed = ends(|| {
            let items: Vec<usize> = (0..100).collect();
            let seen = Mutex::new(Vec::new());
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                for_each_in_order(
                    &items,
                    2,
                    4,
                    || (),
                    |&n, ()| {
                        if n == 30 {
                            // Let the items after it be made first.
                            std::thread::sleep(Duration::from_millis(20));
                            panic!("item 30 cannot be made");
                        }
                        n
                    },
                    |&n, _| {
                        lock(&seen).push(n);
                        Ok::<(), ()>(())
                    },
                )
            }));
            assert!(outcome.is_err(), "the panic reaches the caller");
            seen.into_inner().unwrap()
        });
        assert_eq!(consumed, (0..30).collect::<Vec<_>>());
    }

    #[test]
    fn a_panicking_consumer_panics_the_caller_instead_of_hanging() {
        ends(|| {
            let items: Vec<usize> = (0..1_000).collect();
            let outcome = std::panic::catch_unwind(|| {
                for_each_in_order(
                    &items,
                    3,
                    4,
                    || (),
                    |&n, ()| n,
                    |&n, _| {
                        assert_ne!(n, 10, "item 10 cannot be consumed");
                        Ok::<(), ()>(())
                    },
                )
            });
            assert!(outcome.is_err());
        });
    }
}
