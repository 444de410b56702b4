//! Load bursts: one step's request sent many times on a fixed schedule
//! (open loop: each copy starts on time whether or not earlier ones have been
//! answered, as a provisioning engine sends), every answer judged by the
//! step's expectations, and whether the server kept pace.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::Mismatch;

/// What one copy of the request came to.
#[derive(Debug, Clone)]
pub(crate) struct BurstAnswer {
    /// When the request was started and when its answer (or error) arrived.
    pub sent: Instant,
    pub received: Instant,
    /// Why it did not answer as expected: `None` when it did.
    pub problem: Option<BurstProblem>,
}

#[derive(Debug, Clone)]
pub(crate) struct BurstProblem {
    /// Groups alike problems: `429`, `no answer`, `200 body.Resources`.
    pub kind: String,
    /// The whole first mismatch, or the transport error.
    pub detail: String,
}

/// The burst as a whole.
#[derive(Debug, Clone)]
pub(crate) struct BurstTally {
    pub requests: usize,
    pub rate: f64,
    /// From the first start to the last answer.
    pub elapsed: Duration,
    /// From the last start to the last answer: how far the server fell behind.
    pub lag: Duration,
    /// Problem kind → how many requests had it.
    pub problems: BTreeMap<String, usize>,
    /// The first request (by schedule) that did not answer as expected.
    pub first_problem: Option<(usize, BurstProblem)>,
}

impl BurstTally {
    pub fn of(answers: &[BurstAnswer], rate: f64) -> BurstTally {
        let first_sent = answers.iter().map(|a| a.sent).min();
        let last_sent = answers.iter().map(|a| a.sent).max();
        let last_received = answers.iter().map(|a| a.received).max();
        let (elapsed, lag) = match (first_sent, last_sent, last_received) {
            (Some(first), Some(last), Some(received)) => (
                received.saturating_duration_since(first),
                received.saturating_duration_since(last),
            ),
            _ => (Duration::ZERO, Duration::ZERO),
        };
        let mut problems = BTreeMap::new();
        let mut first_problem = None;
        for (index, answer) in answers.iter().enumerate() {
            if let Some(problem) = &answer.problem {
                *problems.entry(problem.kind.clone()).or_insert(0) += 1;
                if first_problem.is_none() {
                    first_problem = Some((index, problem.clone()));
                }
            }
        }
        BurstTally {
            requests: answers.len(),
            rate,
            elapsed,
            lag,
            problems,
            first_problem,
        }
    }

    /// Requests per second over the whole burst, first start to last answer.
    pub fn throughput(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.requests as f64 / seconds
        } else {
            0.0
        }
    }

    /// What broke: answers that were not as expected, and a server that fell
    /// more than `max_lag` behind the schedule.
    pub fn mismatches(&self, max_lag: Duration) -> Vec<Mismatch> {
        let mut out = Vec::new();
        let failed: usize = self.problems.values().sum();
        if failed > 0 {
            let breakdown: Vec<String> = self
                .problems
                .iter()
                .map(|(kind, count)| format!("{count}× {kind}"))
                .collect();
            let first = self
                .first_problem
                .as_ref()
                .map(|(index, problem)| {
                    format!("; first at request {}: {}", index + 1, problem.detail)
                })
                .unwrap_or_default();
            out.push(Mismatch::new(
                "burst answers",
                format!(
                    "all {} requests at {}/s answered as expected",
                    self.requests,
                    rate_text(self.rate)
                ),
                format!("{failed} did not ({}){first}", breakdown.join(", ")),
            ));
        }
        if self.lag > max_lag {
            out.push(Mismatch::new(
                "burst pace",
                format!(
                    "the last answer within {} ms of the last request (keeping up with {}/s)",
                    max_lag.as_millis(),
                    rate_text(self.rate)
                ),
                format!(
                    "{} ms after it: {} requests took {:.1} s, {:.1} requests per second",
                    self.lag.as_millis(),
                    self.requests,
                    self.elapsed.as_secs_f64(),
                    self.throughput()
                ),
            ));
        }
        out
    }

    /// A one-line account for a passing check.
    pub fn summary(&self) -> String {
        format!(
            "{} requests at {}/s all answered as expected; last answer {} ms after the last request ({:.1} requests per second over {:.1} s)",
            self.requests,
            rate_text(self.rate),
            self.lag.as_millis(),
            self.throughput(),
            self.elapsed.as_secs_f64()
        )
    }
}

fn rate_text(rate: f64) -> String {
    if rate.fract() == 0.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate}")
    }
}

/// When the copy `index` of a burst at `rate` per second starts, counted
/// from the burst's start.
pub(crate) fn scheduled_offset(index: usize, rate: f64) -> Duration {
    Duration::from_secs_f64(index as f64 / rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(rate: f64, latencies_ms: &[u64], problems: &[(usize, &str)]) -> Vec<BurstAnswer> {
        let start = Instant::now();
        latencies_ms
            .iter()
            .enumerate()
            .map(|(index, latency)| {
                let sent = start + scheduled_offset(index, rate);
                BurstAnswer {
                    sent,
                    received: sent + Duration::from_millis(*latency),
                    problem: problems
                        .iter()
                        .find(|(at, _)| *at == index)
                        .map(|(_, kind)| BurstProblem {
                            kind: kind.to_string(),
                            detail: format!("status: expected 200, got {kind}"),
                        }),
                }
            })
            .collect()
    }

    #[test]
    fn a_server_that_keeps_up_passes_with_its_throughput() {
        let tally = BurstTally::of(&answers(25.0, &[5; 50], &[]), 25.0);
        assert!(tally.mismatches(Duration::from_millis(1000)).is_empty());
        assert_eq!(tally.lag, Duration::from_millis(5));
        // 50 requests over 1.96 s of schedule plus 5 ms.
        assert!((tally.throughput() - 50.0 / 1.965).abs() < 0.01);
        assert!(
            tally
                .summary()
                .starts_with("50 requests at 25/s all answered")
        );
    }

    #[test]
    fn throttled_answers_are_counted_by_kind() {
        let tally = BurstTally::of(
            &answers(25.0, &[5; 50], &[(12, "429"), (13, "429"), (30, "503")]),
            25.0,
        );
        let mismatches = tally.mismatches(Duration::from_millis(1000));
        assert_eq!(mismatches.len(), 1);
        let text = mismatches[0].to_string();
        assert!(text.contains("3 did not (2× 429, 1× 503)"), "{text}");
        assert!(text.contains("first at request 13"), "{text}");
    }

    #[test]
    fn a_server_that_falls_behind_fails_the_pace() {
        // One request at a time, 100 ms each: request i is answered at
        // (i + 1) × 100 ms while the schedule starts it at i × 40 ms.
        let start = Instant::now();
        let answers: Vec<BurstAnswer> = (0..50)
            .map(|index| BurstAnswer {
                sent: start + scheduled_offset(index, 25.0),
                received: start + Duration::from_millis((index as u64 + 1) * 100),
                problem: None,
            })
            .collect();
        let tally = BurstTally::of(&answers, 25.0);
        let mismatches = tally.mismatches(Duration::from_millis(1000));
        assert_eq!(mismatches.len(), 1, "{mismatches:?}");
        assert_eq!(mismatches[0].path, "burst pace");
        assert!(
            mismatches[0].actual.contains("10.0 requests per second"),
            "{}",
            mismatches[0]
        );
        assert_eq!(tally.lag, Duration::from_millis(5000 - 1960));
    }

    #[test]
    fn no_answers_make_an_empty_tally() {
        let tally = BurstTally::of(&[], 25.0);
        assert!(tally.mismatches(Duration::ZERO).is_empty());
        assert_eq!(tally.throughput(), 0.0);
    }
}
