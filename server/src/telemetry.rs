//! What the process measures of itself for `/metrics`, shared by the parts that measure (the
//! HTTP layer, the worker's fetches) and the one that shows: Prometheus histograms with fixed
//! buckets, and the fetch counters. A worker running in its own process (`civiforge worker`)
//! has no `/metrics`: its fetches are counted where it runs with `serve`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the buckets, in seconds: from a cached page to a large repository's fetch.
pub const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

/// Observations of one series.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    /// Per bucket, not cumulative (the rendering sums them).
    counts: [u64; BUCKETS.len()],
    /// Above the last bucket.
    over: u64,
    sum: f64,
}

impl Histogram {
    pub fn observe(&mut self, took: Duration) {
        let seconds = took.as_secs_f64();
        self.sum += seconds;
        match BUCKETS.iter().position(|bound| seconds <= *bound) {
            Some(bucket) => self.counts[bucket] += 1,
            None => self.over += 1,
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.over
    }

    /// Its lines in Prometheus text format; `labels` are the series' own, as `a="b",c="d"`.
    pub fn render(&self, out: &mut String, name: &str, labels: &str) {
        let separator = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(self.counts) {
            cumulative += count;
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{separator}le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{separator}le=\"+Inf\"}} {}",
            self.count()
        );
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count());
    }
}

/// Histograms by label set, behind one lock (each observation holds it for nanoseconds).
#[derive(Debug, Default)]
pub struct HistogramFamily {
    series: Mutex<BTreeMap<String, Histogram>>,
}

impl HistogramFamily {
    /// Records `took` under `labels` (as `a="b"`, from bounded values only).
    pub fn observe(&self, labels: String, took: Duration) {
        // A poisoned lock only means a panic elsewhere mid-record; measuring goes on.
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        series.entry(labels).or_default().observe(took);
    }

    pub fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        for (labels, histogram) in series.iter() {
            histogram.render(out, name, labels);
        }
    }
}

/// The worker's fetches of repositories in this process: how long each took, by outcome.
#[derive(Debug, Default)]
pub struct FetchMetrics {
    durations: HistogramFamily,
}

impl FetchMetrics {
    pub fn record(&self, succeeded: bool, took: Duration) {
        let outcome = if succeeded { "ok" } else { "failed" };
        self.durations
            .observe(format!("outcome=\"{outcome}\""), took);
    }

    pub fn render(&self, out: &mut String) {
        self.durations.render(
            out,
            "civiforge_fetch_duration_seconds",
            "Fetches and indexings of repositories by the worker of this process, by outcome.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_count_every_observation() {
        let mut histogram = Histogram::default();
        for millis in [3, 40, 40, 2_000, 900_000] {
            histogram.observe(Duration::from_millis(millis));
        }
        let mut out = String::new();
        histogram.render(&mut out, "t", "route=\"/\"");
        assert!(
            out.contains("t_bucket{route=\"/\",le=\"0.005\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains("t_bucket{route=\"/\",le=\"0.05\"} 3\n"),
            "{out}"
        );
        assert!(
            out.contains("t_bucket{route=\"/\",le=\"300\"} 4\n"),
            "{out}"
        );
        assert!(
            out.contains("t_bucket{route=\"/\",le=\"+Inf\"} 5\n"),
            "{out}"
        );
        assert!(out.contains("t_count{route=\"/\"} 5\n"), "{out}");
        assert!(out.contains("t_sum{route=\"/\"} 902.08"), "{out}");
    }
}
