//! The generator's one thread pool: a few scoped threads that take items from a shared counter.
//! Loading a large document and formatting the generated files both use it; a crate such as rayon
//! would add a global pool and its start-up to every run for two loops this size.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Stack of each worker thread, as much as a main thread gets: parsing and printing recurse as deep
/// as the document and the generated types nest.
const WORKER_STACK: usize = 8 << 20;

/// Runs `work` on every item, in the order given, on up to `threads` threads, and returns the
/// results in the order of the items' indices (`0..items.len()`); `None` as soon as one gives
/// `None`. A worker that cannot start leaves its share to the others; a panic in a worker is raised
/// here, as if everything ran on one thread.
pub(crate) fn on_threads<T: Send, R: Send>(
    threads: usize,
    items: Vec<(usize, T)>,
    work: impl Fn(T) -> Option<R> + Sync,
) -> Option<Vec<R>> {
    let count = items.len();
    let items: Vec<Mutex<Option<(usize, T)>>> = items
        .into_iter()
        .map(|item| Mutex::new(Some(item)))
        .collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let run = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let Some(slot) = items.get(next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            let Some((index, item)) = slot.lock().ok().and_then(|mut slot| slot.take()) else {
                break;
            };
            match work(item) {
                Some(result) => done.push((index, result)),
                None => failed.store(true, Ordering::Relaxed),
            }
        }
        done
    };
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(count).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads.min(count))
            .filter_map(|_| {
                std::thread::Builder::new()
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(scope, run)
                    .ok()
            })
            .collect();
        let mut done = run();
        for worker in workers {
            match worker.join() {
                Ok(theirs) => done.extend(theirs),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (index, result) in done {
            results[index] = Some(result);
        }
    });
    if failed.load(Ordering::Relaxed) {
        return None;
    }
    results.into_iter().collect()
}
