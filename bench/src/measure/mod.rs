//! Measurements: each query's latency on one engine (warm-up, then timed runs), the mix of
//! queries in turn by one and two clients (throughput, CPU per query), and memory by phase
//! (`process`); the pages' server time (`pages`); the service over HTTP (`http`).

pub mod http;
pub mod pages;
pub mod process;

use std::time::{Duration, Instant};

use crate::engines::{BenchQuery, Client, QUERIES, common_mix};
use crate::report::fmt_duration;
use process::{Phase, PhaseMemory, cpu_seconds, proc_status_kib};

/// Untimed runs of each query before measuring.
pub const WARMUP: usize = 2;
/// Timed runs of each query: at most this many…
pub const MAX_RUNS: usize = 100;
/// …and no more once this time is spent, if at least `MIN_RUNS` are done.
pub const QUERY_BUDGET: Duration = Duration::from_secs(5);
pub const MIN_RUNS: usize = 5;
/// How long one client, then two concurrent clients, run the query mix (whole rounds).
pub const CONCURRENT_BUDGET: Duration = Duration::from_secs(8);

/// Nearest-rank percentile of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Timings of one query on one engine.
#[derive(Debug)]
pub struct QueryStats {
    pub hits: u64,
    pub top: Option<String>,
    /// Sorted.
    pub samples: Vec<Duration>,
}

/// Everything measured on one engine's queries.
#[derive(Debug)]
pub struct EngineRun {
    /// By index in [`QUERIES`]; `None` where the engine cannot run the query.
    pub per_query: Vec<Option<QueryStats>>,
    /// Queries per second of one client over the common mix (each query weighing the same).
    pub qps_one: f64,
    /// Queries per second of two concurrent clients over the same mix.
    pub qps_two: f64,
    /// Latencies of one client running the common mix in turn, sorted.
    pub mix: Vec<Duration>,
    /// Latencies of each of two concurrent clients, sorted.
    pub mix_two: Vec<Duration>,
    /// CPU time per query of one client running the mix (bench process and, for PostgreSQL,
    /// the server backend).
    pub cpu_per_query: Option<Duration>,
    pub memory: PhaseMemory,
    /// Server-side peaks (PostgreSQL backends), when readable.
    pub server_peak_kib: Option<u64>,
}

/// Each query timed on its own, then the mix by one client and by two; `first` and
/// `second` are two clients of the same engine.
pub async fn engine(
    name: &str,
    mut first: Client,
    mut second: Client,
    phase: Phase,
) -> anyhow::Result<EngineRun> {
    let mut per_query = Vec::new();
    for query in QUERIES {
        if !first.supports(query) {
            per_query.push(None);
            continue;
        }
        let hits = first.count(query).await?;
        let top = first.top(query).await?;
        for _ in 0..WARMUP {
            first.run(query).await?;
        }
        let mut samples = Vec::new();
        let started = Instant::now();
        while samples.len() < MAX_RUNS
            && (samples.len() < MIN_RUNS || started.elapsed() < QUERY_BUDGET)
        {
            let t = Instant::now();
            first.run(query).await?;
            samples.push(t.elapsed());
        }
        samples.sort_unstable();
        eprintln!(
            "  {name} {:?}: {hits} hits, p50 {}, {} runs",
            query.text,
            fmt_duration(percentile(&samples, 0.5)),
            samples.len()
        );
        per_query.push(Some(QueryStats { hits, top, samples }));
    }
    // The mix in turn, so that each query meets the caches the others left, as in real use.
    let queries: Vec<&BenchQuery> = common_mix().iter().map(|&i| &QUERIES[i]).collect();
    // CPU time of this process and of the PostgreSQL backend serving it: unlike wall time,
    // it does not depend on what else the machine runs.
    let backend = first.server_pid().await?;
    let cpu = || {
        let server = backend.as_deref().map_or(Some(0.0), cpu_seconds);
        Some(cpu_seconds("self")? + server?)
    };
    let cpu_before = cpu();
    let started = Instant::now();
    let mut mix = first.rounds(&queries, 0, CONCURRENT_BUDGET).await?;
    let qps_one = mix.len() as f64 / started.elapsed().as_secs_f64();
    let cpu_per_query = cpu_before
        .zip(cpu())
        .map(|(before, after)| Duration::from_secs_f64((after - before) / mix.len() as f64));
    mix.sort_unstable();
    let started = Instant::now();
    let (a, b) = tokio::join!(
        first.rounds(&queries, 0, CONCURRENT_BUDGET),
        second.rounds(&queries, queries.len() / 2, CONCURRENT_BUDGET)
    );
    let mut mix_two = a?;
    mix_two.extend(b?);
    let qps_two = mix_two.len() as f64 / started.elapsed().as_secs_f64();
    mix_two.sort_unstable();
    eprintln!("  {name}: {qps_one:.0} q/s one client, {qps_two:.0} q/s two clients");

    let mut server_peak_kib = None;
    for client in [&mut first, &mut second] {
        if let Some(pid) = client.server_pid().await?
            && let Some(peak) = proc_status_kib(&pid, "VmHWM:")
        {
            server_peak_kib = Some(server_peak_kib.unwrap_or(0u64).max(peak));
        }
    }
    first.close().await?;
    second.close().await?;
    Ok(EngineRun {
        per_query,
        qps_one,
        qps_two,
        mix,
        mix_two,
        cpu_per_query,
        memory: phase.end(&format!("{name} queries")),
        server_peak_kib,
    })
}
