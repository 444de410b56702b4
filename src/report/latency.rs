//! Latency series: the samples that steps with `measure: NAME` recorded,
//! summarised per series as p50/p95 for every report format.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::verdict::CheckResult;

/// One named series across the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencySeries {
    /// The series name the suites gave (`measure: NAME`).
    pub series: String,
    /// How many samples the run recorded.
    pub samples: usize,
    /// Median, in milliseconds (nearest-rank; microsecond precision).
    pub p50_ms: f64,
    /// 95th percentile, in milliseconds (nearest-rank; microsecond precision).
    pub p95_ms: f64,
    /// The slowest sample, in milliseconds.
    pub max_ms: f64,
    /// Samples of polling steps whose expectations never held before their
    /// timeout (their time is a lower bound).
    #[serde(default)]
    pub not_converged: usize,
}

impl LatencySeries {
    /// `create-user: p50 3 ms, p95 7 ms, max 9 ms (12 samples)`.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} sample{})",
            self.series,
            self.p50_ms,
            self.p95_ms,
            self.max_ms,
            self.samples,
            if self.samples == 1 { "" } else { "s" }
        );
        if self.not_converged > 0 {
            line.push_str(&format!(
                "; {} did not converge before the timeout",
                self.not_converged
            ));
        }
        line
    }
}

/// The nearest-rank percentile (`p` in 0..=100) of ascending `sorted`
/// samples: the smallest sample with at least p % of the samples at or
/// below it. None for no samples.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let p = p.clamp(0.0, 100.0);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Every series the results recorded, in order of first appearance.
pub fn latency_series(results: &[&CheckResult]) -> Vec<LatencySeries> {
    let mut order: Vec<String> = Vec::new();
    let mut samples: std::collections::HashMap<String, (Vec<u64>, usize)> =
        std::collections::HashMap::new();
    for result in results {
        for measurement in &result.measurements {
            let entry = samples
                .entry(measurement.series.clone())
                .or_insert_with(|| {
                    order.push(measurement.series.clone());
                    (Vec::new(), 0)
                });
            entry.0.push(measurement.micros);
            if !measurement.converged {
                entry.1 += 1;
            }
        }
    }
    order
        .into_iter()
        .filter_map(|series| {
            let (mut values, not_converged) = samples.remove(&series)?;
            values.sort_unstable();
            let ms = |micros: u64| micros as f64 / 1000.0;
            Some(LatencySeries {
                samples: values.len(),
                p50_ms: ms(percentile(&values, 50.0)?),
                p95_ms: ms(percentile(&values, 95.0)?),
                max_ms: ms(values.last().copied()?),
                not_converged,
                series,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{Measurement, Verdict};

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7], 50.0), Some(7));
        assert_eq!(percentile(&[7], 95.0), Some(7));
        assert_eq!(percentile(&[1, 2], 50.0), Some(1));
        assert_eq!(percentile(&[1, 2, 3, 4], 50.0), Some(2));
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&hundred, 50.0), Some(50));
        assert_eq!(percentile(&hundred, 95.0), Some(95));
        assert_eq!(percentile(&hundred, 100.0), Some(100));
        assert_eq!(percentile(&hundred, 0.0), Some(1));
        let twenty: Vec<u64> = (1..=20).collect();
        assert_eq!(percentile(&twenty, 95.0), Some(19));
        assert_eq!(percentile(&[3, 3, 3, 900], 95.0), Some(900));
    }

    fn result(samples: &[(&str, u64, bool)]) -> CheckResult {
        let mut result = CheckResult::stub("c", Verdict::Pass);
        result.measurements = samples
            .iter()
            .map(|(series, ms, converged)| Measurement {
                series: series.to_string(),
                step: "step".into(),
                micros: ms * 1000,
                attempts: 1,
                converged: *converged,
            })
            .collect();
        result
    }

    #[test]
    fn series_collect_across_checks_in_first_seen_order() {
        let a = result(&[("read", 4, true), ("create", 10, true)]);
        let b = result(&[
            ("create", 2, true),
            ("create", 30, true),
            ("poll", 900, false),
        ]);
        let series = latency_series(&[&a, &b]);
        let names: Vec<&str> = series.iter().map(|s| s.series.as_str()).collect();
        assert_eq!(names, ["read", "create", "poll"]);
        let create = &series[1];
        assert_eq!(
            (create.samples, create.p50_ms, create.p95_ms, create.max_ms),
            (3, 10.0, 30.0, 30.0)
        );
        assert_eq!(series[2].not_converged, 1);
        assert!(
            series[2].line().contains("did not converge"),
            "{}",
            series[2].line()
        );
        assert_eq!(
            series[0].line(),
            "read: p50 4.0 ms, p95 4.0 ms, max 4.0 ms (1 sample)"
        );
        assert!(latency_series(&[]).is_empty());
    }
}
