//! Per-client rate limits (`POST /api/consent`; failed sign-ins): a token bucket per network.
//!
//! A client is its IPv4 address, or its IPv6 /64 (one subscriber's network: anyone holding one
//! can rotate through its 2^64 addresses for free), with IPv4-mapped IPv6 (`::ffff:192.0.2.1`)
//! counted as the IPv4 address.
//!
//! The buckets are kept in two generations of at most [`WINDOW`] each: a client seen in the
//! current window is in `current`; at the next window `current` becomes `previous`, and a client
//! found there moves back. A bucket untouched for a whole window has refilled (a full bucket
//! refills in exactly one window), so the generation dropped at each turn holds only full buckets,
//! which are the same as new ones. Each generation holds at most half of `cap` buckets: when a new
//! client finds `current` full, the generations turn early (`previous` is dropped). No request
//! ever scans the map; each bucket is dropped once, so eviction costs O(1) amortised, and the
//! dropping itself happens after the lock is released. Turning early forgets budgets that were
//! not full, but only after `cap / 2` requests from new clients, each of which is a fresh budget
//! already: a flood of networks gains nothing from it that it did not have. A client that comes
//! back within `cap / 2` new clients is moved into `current` again, so it is not forgotten.

use std::collections::HashMap;
use std::mem;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Buckets kept at most, both generations together.
const MAX_CLIENTS: usize = 100_000;

/// How long a generation lasts: the time an empty bucket takes to refill (the limit is per minute,
/// with a burst of one minute's worth).
const WINDOW: Duration = Duration::from_secs(60);

/// Whom a bucket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    /// An IPv4 address (also when it came IPv4-mapped).
    V4(Ipv4Addr),
    /// The first 64 bits of an IPv6 address.
    V6(u64),
    /// The address is not known: one shared bucket.
    Unknown,
}

impl Client {
    fn of(address: Option<IpAddr>) -> Client {
        match address {
            None => Client::Unknown,
            Some(IpAddr::V4(v4)) => Client::V4(v4),
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => Client::V4(v4),
                None => {
                    let bits = u128::from(v6);
                    Client::V6((bits >> 64) as u64)
                }
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

struct Generations {
    current: HashMap<Client, Bucket>,
    previous: HashMap<Client, Bucket>,
    /// When `current` started.
    started: Instant,
}

impl Generations {
    /// Turns the generations when a window has passed; what is dropped goes to `garbage`.
    fn turn(&mut self, now: Instant, garbage: &mut Vec<HashMap<Client, Bucket>>) {
        let age = now.saturating_duration_since(self.started);
        if age < WINDOW {
            return;
        }
        self.started = now;
        let current = mem::take(&mut self.current);
        if age >= WINDOW * 2 {
            // Nobody seen in the last two windows is still refilling: both go.
            garbage.push(current);
            garbage.push(mem::take(&mut self.previous));
        } else {
            garbage.push(mem::replace(&mut self.previous, current));
        }
    }

    /// Makes room for one more bucket in `current`, which holds at most half of `cap`: when it is
    /// full, it turns into `previous` early. What is dropped goes to `garbage`.
    fn make_room(&mut self, cap: usize, now: Instant, garbage: &mut Vec<HashMap<Client, Bucket>>) {
        if self.current.len() < (cap / 2).max(1) {
            return;
        }
        self.started = now;
        let current = mem::take(&mut self.current);
        garbage.push(mem::replace(&mut self.previous, current));
    }
}

/// `per_minute` requests a minute per client, with a burst of `per_minute`; 0 = unlimited.
pub(crate) struct RateLimiter {
    per_minute: u32,
    cap: usize,
    buckets: Mutex<Generations>,
}

impl RateLimiter {
    pub(crate) fn new(per_minute: u32) -> RateLimiter {
        RateLimiter::with_cap(per_minute, MAX_CLIENTS)
    }

    fn with_cap(per_minute: u32, cap: usize) -> RateLimiter {
        let generations = Generations { current: HashMap::new(), previous: HashMap::new(), started: Instant::now() };
        RateLimiter { per_minute, cap: cap.max(1), buckets: Mutex::new(generations) }
    }

    /// Takes one token for `client` (None: address unknown, one shared bucket). `Err(seconds)`
    /// says when to retry.
    pub(crate) fn check(&self, client: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let client = Client::of(client);
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut garbage = Vec::new();
        let result = {
            let mut generations = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
            generations.turn(now, &mut garbage);
            let bucket = match generations.current.get(&client) {
                Some(bucket) => *bucket,
                None => {
                    let bucket = generations.previous.remove(&client).unwrap_or(Bucket { tokens: capacity, at: now });
                    generations.make_room(self.cap, now, &mut garbage);
                    bucket
                }
            };
            let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
            let mut bucket = Bucket { tokens: (bucket.tokens + refill).min(capacity), at: now };
            let result = if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                Ok(())
            } else {
                // Whole seconds until one token is back, at least 1.
                let wait = ((1.0 - bucket.tokens) / per_second).ceil();
                Err(if wait.is_finite() && wait >= 1.0 { wait as u64 } else { 1 })
            };
            generations.current.insert(client, bucket);
            result
        };
        // Freed outside the lock: dropping a large generation is O(n), once per n buckets.
        drop(garbage);
        result
    }

    /// Whether `client` has a token left at `now`, without taking it: `Err(seconds)` until the
    /// next one is back. For limits that spend only on failure (sign-ins): peek first, spend
    /// with [`RateLimiter::check`] when the attempt fails.
    pub(crate) fn peek(&self, client: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let client = Client::of(client);
        let per_second = f64::from(self.per_minute) / 60.0;
        let generations = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(bucket) = generations.current.get(&client).or_else(|| generations.previous.get(&client)) else { return Ok(()) };
        let tokens = bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        if tokens >= 1.0 {
            return Ok(());
        }
        let wait = ((1.0 - tokens) / per_second).ceil();
        Err(if wait.is_finite() && wait >= 1.0 { wait as u64 } else { 1 })
    }

    /// Buckets held now, both generations.
    #[cfg(test)]
    fn len(&self) -> usize {
        let generations = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        generations.current.len() + generations.previous.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

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
    fn peeking_takes_nothing() {
        let limiter = RateLimiter::new(6);
        let start = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..100 {
            assert_eq!(limiter.peek(Some(a), start), Ok(()));
        }
        for _ in 0..6 {
            assert_eq!(limiter.check(Some(a), start), Ok(()));
        }
        assert_eq!(limiter.peek(Some(a), start), Err(10), "one token every 10 s");
        assert_eq!(limiter.peek(Some("192.0.2.2".parse().unwrap()), start), Ok(()));
        assert_eq!(limiter.peek(Some(a), start + Duration::from_secs(10)), Ok(()));
    }

    #[test]
    fn zero_is_unlimited() {
        let limiter = RateLimiter::new(0);
        for _ in 0..10_000 {
            assert_eq!(limiter.check(None, Instant::now()), Ok(()));
        }
    }

    #[test]
    fn a_thousand_addresses_of_one_ipv6_64_share_one_budget() {
        let limiter = RateLimiter::new(60);
        let now = Instant::now();
        let base = u128::from("2001:db8:1:2::".parse::<Ipv6Addr>().unwrap());
        let results: Vec<_> =
            (0..1000u128).map(|n| limiter.check(Some(IpAddr::V6(Ipv6Addr::from(base + n * 0x1_0001_0001))), now)).collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 60, "one /64 gets one burst, whatever the host bits");
        assert!(results[60..].iter().all(Result::is_err));
        assert_eq!(limiter.len(), 1);
        let next_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limiter.check(Some(next_64), now), Ok(()), "the next /64 is another client");
    }

    #[test]
    fn ipv4_mapped_ipv6_is_the_ipv4_address() {
        let limiter = RateLimiter::new(2);
        let now = Instant::now();
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(limiter.check(Some(v4), now), Ok(()));
        assert_eq!(limiter.check(Some(mapped), now), Ok(()));
        assert!(limiter.check(Some(v4), now).is_err(), "the mapped form spent the same budget");
        let neighbour: IpAddr = "192.0.2.8".parse().unwrap();
        assert_eq!(limiter.check(Some(neighbour), now), Ok(()), "IPv4 addresses are not grouped");
    }

    #[test]
    fn a_flood_of_networks_never_grows_the_map_past_its_cap() {
        let cap = 1000;
        let limiter = RateLimiter::with_cap(1, cap);
        let now = Instant::now();
        let victim: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(limiter.check(Some(victim), now), Ok(()));
        for n in 0..20_000u64 {
            let network = IpAddr::V6(Ipv6Addr::from((u128::from(0x2001_0db8_0000_0000u64 + n)) << 64));
            assert_eq!(limiter.check(Some(network), now), Ok(()), "a new network has a budget");
            assert!(limiter.len() <= cap, "{} buckets after {n} networks", limiter.len());
            // The victim keeps being seen: its empty bucket stays in the current generation.
            if n % 100 == 0 {
                assert!(limiter.check(Some(victim), now).is_err(), "an active client's budget is not forgotten");
            }
        }
    }

    #[test]
    fn generations_turn_with_time_and_remember_empty_buckets_across_one_turn() {
        let limiter = RateLimiter::with_cap(60, 100);
        let start = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..60 {
            assert_eq!(limiter.check(Some(a), start), Ok(()));
        }
        for n in 0..10u8 {
            assert_eq!(limiter.check(Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, n))), start), Ok(()));
        }
        assert_eq!(limiter.len(), 11);
        // One window later: 60 tokens are back, exactly as a fresh bucket would have.
        let later = start + WINDOW;
        for _ in 0..60 {
            assert_eq!(limiter.check(Some(a), later), Ok(()));
        }
        assert!(limiter.check(Some(a), later).is_err(), "the bucket moved back from the previous generation");
        // Two more windows without the others: they are gone, the active one is kept.
        let much_later = later + WINDOW * 2;
        assert!(limiter.check(Some(a), much_later).is_ok());
        assert_eq!(limiter.len(), 1);
    }
}
