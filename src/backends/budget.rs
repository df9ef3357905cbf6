//! What the answers of one poll may hold at once. Each answer has its own cap
//! ([`super::http::MAX_BODY`]), but a poll sends several requests together (one query per
//! fleet column), so a backend that streams huge answers could make one poll hold every cap
//! at the same time. Every chunk read reserves its bytes from the poll's [`Budget`] first;
//! the bytes go back when the answer is dropped, which is as soon as it has been parsed.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Makes the C library give every large buffer back to the system when it is freed, and
/// keep one heap for all threads, so that what a budget bounds is what the process holds. By default glibc raises its mmap
/// threshold to the size of the last large block freed (up to 32 MiB); after one large
/// answer the next ones come from per-thread arenas that keep their memory, and a poll on
/// another worker thread adds its own. Against endless answers that left the console at
/// 156 MiB after three polls with a 64 MiB budget, and at 86 MiB with the threshold fixed.
pub fn release_large_frees() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // Fixing the threshold (glibc's own default) also turns its adjustment off.
        const M_MMAP_THRESHOLD: i32 = -3;
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        // One arena for every thread. Each tokio worker would otherwise get its own, which
        // keeps what a parse on that worker freed, so the next parse, on another worker,
        // cannot reuse it: with 10,000 firing alerts the console peaked at 84 MiB, and at
        // 60 MiB with one arena, and its CPU per refresh did not rise.
        const M_ARENA_MAX: i32 = -8;
        mallopt(M_ARENA_MAX, 1);
    }
}

// glibc's mallopt(3): any values are safe to pass; it answers 0 for ones it refuses.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    safe fn mallopt(param: i32, value: i32) -> i32;
}

/// Shared by every request of one poll; clones count against the same total.
#[derive(Debug, Clone)]
pub struct Budget(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    limit: usize,
    used: AtomicUsize,
}

impl Budget {
    pub fn new(limit: usize) -> Budget {
        Budget(Arc::new(Shared { limit, used: AtomicUsize::new(0) }))
    }

    /// Only each answer's own cap applies: actions and one-off reads, which send one
    /// request at a time.
    pub fn unlimited() -> Budget {
        Budget::new(usize::MAX)
    }

    pub fn limit(&self) -> usize {
        self.0.limit
    }

    /// Bytes held by the leases alive now.
    pub fn used(&self) -> usize {
        self.0.used.load(Ordering::Acquire)
    }

    /// A lease holding nothing yet, for one answer.
    pub fn lease(&self) -> Lease {
        Lease { budget: self.clone(), held: 0 }
    }
}

/// One answer's share of a [`Budget`], given back when dropped.
#[derive(Debug)]
pub struct Lease {
    budget: Budget,
    held: usize,
}

impl Lease {
    /// Reserves `bytes` more, or fails (holding what it held) when the budget would be passed.
    pub fn grow(&mut self, bytes: usize) -> Result<(), Exhausted> {
        let shared = &self.budget.0;
        let exhausted = Exhausted { limit: shared.limit };
        shared
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= shared.limit)
            })
            .map_err(|_| exhausted)?;
        self.held += bytes;
        Ok(())
    }

    pub fn held(&self) -> usize {
        self.held
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.budget.0.used.fetch_sub(self.held, Ordering::AcqRel);
    }
}

/// A poll's answers needed more than its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted {
    pub limit: usize,
}

impl fmt::Display for Exhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "answers of this refresh passed the {} budget", crate::config::size::format(self.limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::size::MIB;

    #[test]
    fn leases_share_the_limit_and_give_back_when_dropped() {
        let budget = Budget::new(64 * MIB);
        let mut a = budget.lease();
        let mut b = budget.clone().lease();
        a.grow(40 * MIB).unwrap();
        let refused = b.grow(30 * MIB).unwrap_err();
        assert_eq!(refused.to_string(), "answers of this refresh passed the 64 MiB budget");
        assert_eq!((a.held(), b.held(), budget.used()), (40 * MIB, 0, 40 * MIB));
        b.grow(24 * MIB).unwrap();
        assert!(a.grow(1).is_err(), "exactly full");
        drop(a);
        assert_eq!(budget.used(), 24 * MIB);
        b.grow(30 * MIB).unwrap();
        drop(b);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn an_unlimited_budget_never_refuses_and_never_overflows() {
        let budget = Budget::unlimited();
        let mut lease = budget.lease();
        lease.grow(usize::MAX / 2).unwrap();
        assert!(budget.lease().grow(usize::MAX).is_err(), "an overflow is a refusal, not a wrap");
        drop(lease);
        assert_eq!(budget.used(), 0);
    }
}
