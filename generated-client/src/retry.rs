//! `RetryPolicy`: when and how failed attempts are retried, and the backoff between them.

use std::time::Duration;

/// When and how failed attempts are retried.
///
/// The client tries a request at most [`max_attempts`](Self::max_attempts) times in all, and
/// never sleeps past [`max_elapsed`](Self::max_elapsed) after the first attempt started:
///
/// - **429 Too Many Requests** is retried for every method, since Clerk did not process the
///   request. Its `Retry-After` header (seconds or HTTP date) is obeyed; when it asks for a longer
///   wait than what is left of `max_elapsed`, the 429 error is returned at once instead (with
///   [`ApiError::retry_after`](crate::ApiError::retry_after) set).
/// - **500, 502, 503 and 504**, **timeouts** and **transport failures** (connection refused or
///   reset...) are retried only for idempotent methods: GET, PUT, DELETE, HEAD and OPTIONS. POST
///   and PATCH are never retried for these, since the first attempt may have taken effect. A
///   `Retry-After` on a 503 is obeyed like on a 429.
/// - Otherwise the wait before retry *n* is an exponential backoff with equal jitter: a random
///   duration between half and all of `initial_backoff × 2^(n-1)`, capped at `max_backoff`.
///
/// The fields are public so that a policy can be adjusted in place; the `with_*` methods do the
/// same in builder style.
///
/// ```
/// use std::time::Duration;
/// use clerk_bapi::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_max_elapsed(Duration::from_secs(60));
/// assert_eq!(policy.max_attempts, 5);
/// assert_eq!(RetryPolicy::none().max_attempts, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first one included; 1 disables retries and 0 counts as 1.
    /// Default: 3.
    pub max_attempts: u32,
    /// The base of the exponential backoff before the first retry. Default: 500 ms.
    pub initial_backoff: Duration,
    /// The longest backoff between two attempts when the server gives no `Retry-After`.
    /// Default: 8 s.
    pub max_backoff: Duration,
    /// The time budget: no retry is started, and no wait begun, that would end later than this
    /// after the first attempt started. An attempt in flight is bounded by the timeout, not by
    /// this budget. It also caps how long a `Retry-After` is obeyed. Default: 30 s.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries: one attempt only.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets [`max_attempts`](Self::max_attempts).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets [`initial_backoff`](Self::initial_backoff).
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// Sets [`max_backoff`](Self::max_backoff).
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// Sets [`max_elapsed`](Self::max_elapsed).
    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// The jittered wait before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        // Equal jitter: half of the wait is fixed so that retries never come back-to-back, the
        // other half is random so that many clients do not retry in lockstep.
        let half = ceiling / 2;
        let jitter_nanos = u64::try_from((ceiling - half).as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(fastrand::u64(0..=jitter_nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_capped_and_grows() {
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(300));
        for _ in 0..100 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = policy.backoff(2);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = policy.backoff(40);
            assert!(capped >= Duration::from_millis(150) && capped <= Duration::from_millis(300));
        }
    }
}
