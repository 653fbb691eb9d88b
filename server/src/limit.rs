//! Per-client rate limit for `POST /api/consent`: a token bucket per address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// Buckets kept at most; beyond it, full (idle) buckets are forgotten.
const MAX_CLIENTS: usize = 100_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// `per_minute` requests a minute per client, with a burst of `per_minute`; 0 = unlimited.
pub(crate) struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

impl RateLimiter {
    pub(crate) fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `client` (None: address unknown, one shared bucket). `Err(seconds)`
    /// says when to retry.
    pub(crate) fn check(&self, client: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            buckets.retain(|_, b| b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < capacity);
        }
        let bucket = buckets.entry(client).or_insert(Bucket { tokens: capacity, at: now });
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            // Whole seconds until one token is back, at least 1.
            let wait = ((1.0 - bucket.tokens) / per_second).ceil();
            Err(if wait.is_finite() && wait >= 1.0 { wait as u64 } else { 1 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill_per_client() {
        let limiter = RateLimiter::new(60);
        let start = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..60 {
            assert_eq!(limiter.check(Some(a), start), Ok(()));
        }
        assert_eq!(limiter.check(Some(a), start), Err(1));
        assert_eq!(limiter.check(Some(b), start), Ok(()), "another client has its own bucket");
        assert_eq!(limiter.check(Some(a), start + Duration::from_secs(1)), Ok(()), "one token a second comes back");
        assert!(limiter.check(Some(a), start + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn zero_is_unlimited() {
        let limiter = RateLimiter::new(0);
        for _ in 0..10_000 {
            assert_eq!(limiter.check(None, Instant::now()), Ok(()));
        }
    }
}
