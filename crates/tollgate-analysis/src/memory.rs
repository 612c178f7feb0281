//! Per-thread allocation accounting, for the per-package memory limit
//! ([`crate::JudgeOptions::memory_limit`]).
//!
//! One package is analysed on one thread from start to end, so what a thread has allocated
//! and not yet freed since the package started is that package's memory. [`CountingAlloc`]
//! wraps a global allocator (the `tollgate` binary wraps mimalloc, the examples and tests
//! wrap [`System`]) and keeps two thread-local counters, updated on every allocation,
//! deallocation and reallocation: the bytes this thread has in use, and the most it has had
//! in use since the last [`Mark`]. The peak, not the current figure, is what the limit is
//! checked against, so a large temporary freed between two checkpoints still counts.
//!
//! Nothing here allocates inside the allocator: the counters are `const`-initialised
//! `Cell`s with no destructor, which on Linux (and every target with native thread-local
//! storage) compile to plain thread-local loads and stores, with no lazy initialisation and
//! no destructor registration. Memory freed by another thread than the one that
//! allocated it lowers the freeing thread's figure; the counters are signed for that.
//!
//! Not counted: allocations that bypass the Rust global allocator (the C code of the
//! tree-sitter parsers uses `malloc` directly; its trees are bounded by the source-byte
//! budgets instead), and everything allocated before the mark (the package's files, read
//! under the archive crate's own limits).
//!
//! A program that does not install [`CountingAlloc`] as its `#[global_allocator]` (a
//! library user with an allocator of its own) gets no counts: [`is_counting`] says so, and
//! the memory limit is then not enforced.

// The one module allowed `unsafe`: implementing `GlobalAlloc` requires it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::OnceLock;

/// The counters of one thread, in one thread-local slot so that each allocation computes
/// one thread-local address.
struct Counters {
    /// Bytes this thread has allocated and not freed (negative when it frees more memory
    /// allocated by other threads than it allocates itself).
    in_use: Cell<i64>,
    /// The most `in_use` has been since the innermost live [`Mark`] was taken.
    peak: Cell<i64>,
}

thread_local! {
    static COUNTERS: Counters = const {
        Counters {
            in_use: Cell::new(0),
            peak: Cell::new(0),
        }
    };
}

/// A global allocator that forwards to `A` and counts, per thread, the bytes in use.
///
/// ```no_run
/// #[global_allocator]
/// static GLOBAL: tollgate_analysis::memory::CountingAlloc =
///     tollgate_analysis::memory::CountingAlloc::system();
///
/// fn main() {
///     assert!(tollgate_analysis::memory::is_counting());
/// }
/// ```
#[derive(Debug, Default)]
pub struct CountingAlloc<A = System> {
    inner: A,
}

impl<A> CountingAlloc<A> {
    /// Counts the allocations of `inner`.
    pub const fn new(inner: A) -> Self {
        CountingAlloc { inner }
    }
}

impl CountingAlloc<System> {
    /// Counts the allocations of the system allocator.
    pub const fn system() -> Self {
        CountingAlloc { inner: System }
    }
}

/// Sizes above `i64::MAX` cannot be allocated; saturating keeps the arithmetic total.
#[inline]
fn signed(bytes: usize) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

// `#[inline]`: these run in every allocation of the program, from the allocator's code
// monomorphised in the binary's crate; without it they would be a call into this crate.
#[inline]
fn grow(bytes: usize) {
    // `try_with`: during thread teardown the slot may be gone; the count is then dropped,
    // never a panic inside the allocator.
    let _ = COUNTERS.try_with(|counters| {
        let now = counters.in_use.get().saturating_add(signed(bytes));
        counters.in_use.set(now);
        if now > counters.peak.get() {
            counters.peak.set(now);
        }
    });
}

#[inline]
fn shrink(bytes: usize) {
    let _ = COUNTERS.try_with(|counters| {
        counters
            .in_use
            .set(counters.in_use.get().saturating_sub(signed(bytes)));
    });
}

// SAFETY: every method forwards to `inner` with the caller's arguments unchanged and
// returns its result unchanged, so `inner`'s guarantees are ours; the counting around the
// calls touches only thread-local `Cell`s and never allocates or unwinds.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract (non-zero size), which
        // is all `inner.alloc` requires.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller guarantees `ptr` came from this allocator (hence from `inner`,
        // which made every block we hand out) with this `layout`.
        unsafe { self.inner.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `ptr` is a live block of `inner` with `layout` and
        // that `new_size` is valid for its alignment, which is `inner.realloc`'s contract.
        let moved = unsafe { self.inner.realloc(ptr, layout, new_size) };
        // On failure the old block is untouched and still counted.
        if !moved.is_null() {
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                shrink(layout.size() - new_size);
            }
        }
        moved
    }
}

fn in_use() -> i64 {
    COUNTERS.try_with(|c| c.in_use.get()).unwrap_or(0)
}

/// Whether the program's global allocator is a [`CountingAlloc`]: an allocation on this
/// thread moves the counter. Probed once per process (the global allocator cannot change).
pub fn is_counting() -> bool {
    static COUNTING: OnceLock<bool> = OnceLock::new();
    *COUNTING.get_or_init(|| {
        let before = in_use();
        // `black_box` keeps the allocation from being optimised away.
        let probe = std::hint::black_box(Vec::<u8>::with_capacity(256));
        let moved = in_use() != before;
        drop(probe);
        moved
    })
}

/// The start of a measured stretch on the current thread: what it uses now, and its peak
/// reset to that. Dropping the mark folds the stretch's peak back into the enclosing
/// mark's, so marks nest (drop them in reverse order of taking, as scopes do).
///
/// Without a [`CountingAlloc`] every figure is 0.
#[derive(Debug)]
pub struct Mark {
    base: i64,
    /// The enclosing stretch's peak when this mark was taken.
    outer_peak: i64,
}

impl Mark {
    /// Starts measuring on this thread.
    pub fn now() -> Mark {
        let base = in_use();
        let outer_peak = COUNTERS.try_with(|c| c.peak.replace(base)).unwrap_or(0);
        Mark { base, outer_peak }
    }

    /// The most bytes this thread has had in use at any moment since the mark, above what
    /// it had at the mark.
    pub fn peak_bytes(&self) -> u64 {
        let peak = COUNTERS.try_with(|c| c.peak.get()).unwrap_or(0);
        u64::try_from(peak.saturating_sub(self.base)).unwrap_or(0)
    }

    /// The bytes this thread allocated since the mark and has not freed.
    pub fn in_use_bytes(&self) -> u64 {
        u64::try_from(in_use().saturating_sub(self.base)).unwrap_or(0)
    }
}

impl Drop for Mark {
    fn drop(&mut self) {
        let _ = COUNTERS.try_with(|c| c.peak.set(c.peak.get().max(self.outer_peak)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The library's own test binary has no counting allocator: the figures stay 0, which
    // is what a library user without one sees. Counting is tested in
    // `tests/memory_limit.rs`, whose binary installs one.
    #[test]
    fn without_a_counting_allocator_nothing_is_counted() {
        assert!(!is_counting());
        let mark = Mark::now();
        let big = std::hint::black_box(vec![1u8; 4 << 20]);
        assert_eq!(mark.peak_bytes(), 0);
        assert_eq!(mark.in_use_bytes(), 0);
        drop(big);
    }

    #[test]
    fn without_a_counting_allocator_the_memory_limit_is_not_enforced() {
        let files = crate::PackageFiles::from_entries([
            (
                "p-1/PKG-INFO".to_owned(),
                b"Metadata-Version: 2.1\nName: p\nVersion: 1\n".to_vec(),
            ),
            (
                "p-1/setup.py".to_owned(),
                b"from setuptools import setup\nsetup(name='p')\n".to_vec(),
            ),
        ]);
        let options = crate::JudgeOptions {
            memory_limit: 1,
            ..crate::JudgeOptions::default()
        };
        let report = crate::analyze_package_with("p", &files, &options).expect("analysable");
        assert!(
            report
                .verdict
                .reasons
                .iter()
                .all(|r| r.rule != "analysis-limit")
        );
    }
}
