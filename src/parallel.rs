//! Work side by side on the threads of the rayon pool, in the threaded wasm build: a batch in
//! parts, each part on its own thread. Elsewhere (the single-threaded builds and native code)
//! there is one part and it runs where it is, so native training and its fixed-seed results are
//! as they were.
//!
//! Why parts: two threads sharing one product of these models' sizes lose in wasm (each
//! thread's gemm micro-kernel took 2.9× its time alone; docs/figures.md, "Threads that pay"),
//! while two products side by side, one per thread, keep their speed. So gemm is kept from
//! splitting a product among threads while parts run.

/// How many parts a batch is split into: one per thread of the pool.
#[cfg(feature = "threads")]
pub fn parts() -> usize {
    rayon::current_num_threads()
}

#[cfg(not(feature = "threads"))]
pub fn parts() -> usize {
    1
}

/// Into how many parts of equal size a batch of `batch` splits: the most, up to one per thread,
/// that divide it (a step's gradient is the mean of its parts' only when they are equal).
pub fn equal_parts(batch: usize) -> usize {
    (1..=parts().min(batch).max(1)).rev().find(|count| batch % count == 0).unwrap_or(1)
}

/// `work` applied to each item, the items side by side on the pool's threads, each item's matrix
/// products on its own thread (gemm's threading threshold raised while they run, then put back;
/// one call at a time runs, as the worker runs one request at a time).
#[cfg(feature = "threads")]
pub fn side_by_side<T: Send, R: Send>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    use gemm_common::gemm::{get_threading_threshold, set_threading_threshold};
    use rayon::prelude::*;
    if items.len() < 2 {
        return items.into_iter().map(work).collect();
    }
    let threshold = get_threading_threshold();
    set_threading_threshold(usize::MAX);
    let results = items.into_par_iter().map(&work).collect();
    set_threading_threshold(threshold);
    results
}

#[cfg(not(feature = "threads"))]
pub fn side_by_side<T, R>(items: Vec<T>, work: impl Fn(T) -> R) -> Vec<R> {
    items.into_iter().map(work).collect()
}
