//! Politeness on the network: retries with exponential backoff and jitter for
//! requests that are safe to repeat, `Retry-After`, and a run-wide rate limit.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry).
    pub max_retries: u32,
    /// The first backoff; each retry doubles it.
    pub base_delay: Duration,
    /// The longest backoff, and the longest `Retry-After` honoured: a longer
    /// one is waited for this long only.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based): the base doubled per
    /// retry, capped, then "equal jitter" (between half and all of it) so
    /// that concurrent checks do not retry in lockstep.
    pub fn backoff(&self, retry: u32) -> Duration {
        let full = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)))
            .min(self.max_delay);
        let half = full / 2;
        let jitter: f64 = rand::random();
        half + half.mul_f64(jitter)
    }

    /// The wait a `Retry-After` value asks for, capped at `max_delay`.
    pub fn retry_after(&self, value: &str) -> Option<Duration> {
        parse_retry_after(value, SystemTime::now()).map(|wait| wait.min(self.max_delay))
    }
}

/// Whether repeating the request cannot change anything beyond what the
/// first attempt did (RFC 9110 §9.2.2), so it may be resent after a failure
/// that leaves unclear whether the server acted. A POST to `/.search` only
/// reads (RFC 7644 §3.4.3), so it counts as idempotent; other POSTs and
/// PATCH do not.
pub fn is_idempotent(method: &str, path: &str) -> bool {
    match method.to_ascii_uppercase().as_str() {
        "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" => true,
        "POST" => {
            let path = path.split(['?', '#']).next().unwrap_or(path);
            path.trim_end_matches('/').ends_with("/.search") || path == ".search"
        }
        _ => false,
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long numbers saturate; the policy caps the wait anyway.
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// At most `per_second` requests per second across every clone of the
/// client: each request takes the next free slot, and slots are spaced
/// evenly (no bursts).
pub struct RateLimiter {
    interval: Duration,
    next: tokio::sync::Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RateLimiter(every {:?})", self.interval)
    }
}

impl RateLimiter {
    pub fn new(per_second: f64) -> RateLimiter {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: tokio::sync::Mutex::new(None),
        }
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = next.map_or(now, |at| at.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotent_methods_and_searches() {
        for (method, path) in [
            ("GET", "/Users"),
            ("head", "/Users"),
            ("PUT", "/Users/1"),
            ("DELETE", "/Users/1"),
            ("POST", "/Users/.search"),
            ("POST", "/.search"),
            ("POST", "http://h/v2/.search?x=1"),
        ] {
            assert!(is_idempotent(method, path), "{method} {path}");
        }
        for (method, path) in [
            ("POST", "/Users"),
            ("PATCH", "/Users/1"),
            ("POST", "/Bulk"),
            ("POST", "/Users/x.search"),
        ] {
            assert!(!is_idempotent(method, path), "{method} {path}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 2015-10-21 07:28:00
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now),
            Some(Duration::from_secs(10))
        );
        // A date in the past: retry now.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        let policy = RetryPolicy::default();
        assert_eq!(policy.retry_after("100000"), Some(policy.max_delay));
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let policy = RetryPolicy::default();
        for retry in 0..3 {
            let full = policy.base_delay * 2u32.pow(retry);
            let wait = policy.backoff(retry);
            assert!(wait >= full / 2 && wait <= full, "{retry}: {wait:?}");
        }
        assert!(policy.backoff(40) <= policy.max_delay);
    }

    #[tokio::test]
    async fn rate_limiter_spaces_requests() {
        let limiter = RateLimiter::new(50.0);
        let started = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        // The first is immediate, then one every 20 ms.
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(80), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
    }
}
