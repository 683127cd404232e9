//! The report: markdown tables on standard output (progress goes to standard error), in the
//! shape docs/benchmarks.md keeps: corpus, index builds, queries, throughput and memory, the
//! breakdown of a civiforge query, pages, and the bench process's memory by phase.

use std::time::Duration;

use crate::corpus::Corpus;
use crate::engines::breakdown::{Breakdown, RUNS};
use crate::engines::postgres::PgBuild;
use crate::engines::{LIMIT, QUERIES, common_mix};
use crate::measure::http::{HttpRun, SEARCH_MIX};
use crate::measure::pages::PageTime;
use crate::measure::process::{ChildBuild, PhaseMemory};
use crate::measure::{
    CONCURRENT_BUDGET, EngineRun, MAX_RUNS, MIN_RUNS, QUERY_BUDGET, WARMUP, percentile,
};

/// Everything the report shows.
#[derive(Debug)]
pub struct Report {
    pub corpus: Corpus,
    /// The SQLite catalogue's file.
    pub database_bytes: u64,
    pub tantivy: ChildBuild,
    pub tantivy_bytes: u64,
    pub fts5: ChildBuild,
    pub fts5_bytes: u64,
    pub postgres: Option<PgBuild>,
    pub engines: Vec<(&'static str, EngineRun)>,
    pub phases: Vec<PhaseMemory>,
    pub open_elapsed: Duration,
    pub breakdown: Vec<Breakdown>,
    pub pages: Vec<PageTime>,
    pub http: HttpRun,
    pub load_start: String,
    pub load_end: String,
    pub total: Duration,
}

pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn fmt_mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn fmt_kib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".to_string(), |k| fmt_mib(k * 1024))
}

fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// CPU seconds a child used (user + system), from `/usr/bin/time`.
fn child_cpu(build: &ChildBuild) -> String {
    let seconds = |key| build.value(key).and_then(|v| v.parse::<f64>().ok());
    match (seconds("time_user_s"), seconds("time_system_s")) {
        (Some(user), Some(system)) => format!("{:.1} s CPU", user + system),
        _ => "CPU n/a".to_string(),
    }
}

/// Prints the whole report, in markdown, on standard output.
pub fn print(r: &Report) {
    let c = &r.corpus;
    println!("### Corpus\n");
    println!(
        "- {} projects, {} adoptions over {} communes (most adopted project: {}, median: {}, \
         without any: {})",
        fmt_count(c.projects as u64),
        fmt_count(c.adoptions as u64),
        fmt_count(c.communes as u64),
        fmt_count(c.max_adopters as u64),
        c.median_adopters,
        fmt_count(c.unadopted as u64),
    );
    println!(
        "- texts (name + summary + README): {}, {} README words on average",
        fmt_mib(c.text_bytes as u64),
        c.readme_words / c.projects.max(1)
    );
    println!(
        "- SQLite database {} written through the store (`ImportStore`) in {:.1} s \
         (of which reference data: {:.1} s)\n",
        fmt_mib(r.database_bytes),
        c.elapsed.as_secs_f64(),
        c.reference_elapsed.as_secs_f64()
    );

    println!("### Index build\n");
    println!("| engine | build time | detail | size on disk | peak memory of the build |");
    println!("|---|---|---|---|---|");
    let read = r
        .tantivy
        .value("read_ms")
        .and_then(|v| v.parse::<f64>().ok())
        .map_or("?".to_string(), |v| format!("{:.1} s", v / 1000.0));
    println!(
        "| civiforge (tantivy) | {:.1} s | `SearchService::rebuild()` of {} documents ({}); reading them alone from the SQLite store takes {read} | {} | {} (child process RSS) |",
        r.tantivy.elapsed.as_secs_f64(),
        r.tantivy.value("documents").unwrap_or("?"),
        child_cpu(&r.tantivy),
        fmt_mib(r.tantivy_bytes),
        fmt_kib(r.tantivy.peak_kib),
    );
    let ms = |key: &str| {
        r.fts5
            .value(key)
            .and_then(|v| v.parse::<f64>().ok())
            .map_or("?".to_string(), |v| format!("{:.1} s", v / 1000.0))
    };
    let bytes = |key: &str| {
        r.fts5
            .value(key)
            .and_then(|v| v.parse::<u64>().ok())
            .map_or("?".to_string(), fmt_mib)
    };
    println!(
        "| SQLite FTS5 | {:.1} s | insert {}, optimize {} ({}) | {} (index {}, copy of the texts {}) | {} (child process RSS) |",
        r.fts5.elapsed.as_secs_f64(),
        ms("insert_ms"),
        ms("optimize_ms"),
        child_cpu(&r.fts5),
        fmt_mib(r.fts5_bytes),
        bytes("index_bytes"),
        bytes("content_bytes"),
        fmt_kib(r.fts5.peak_kib),
    );
    match &r.postgres {
        Some(pg) => println!(
            "| PostgreSQL {} | {:.1} s | tsvector column {:.1} s, GIN index {:.1} s ({} server CPU; writing the corpus through the store first: {:.1} s) | {} (`projects` with texts and tsvector {}, GIN {}) | {} (server backend RSS, shared buffers included) |",
            pg.version,
            (pg.tsvector + pg.gin).as_secs_f64(),
            pg.tsvector.as_secs_f64(),
            pg.gin.as_secs_f64(),
            pg.build_cpu
                .map_or_else(|| "n/a".to_string(), |cpu| format!("{cpu:.1} s")),
            pg.corpus.elapsed.as_secs_f64(),
            fmt_mib((pg.table_bytes + pg.gin_bytes) as u64),
            fmt_mib(pg.table_bytes as u64),
            fmt_mib(pg.gin_bytes as u64),
            fmt_kib(pg.backend_peak_kib),
        ),
        None => println!("| PostgreSQL | skipped | `CIVIFORGE_TEST_POSTGRES_URL` not set | | |"),
    }
    if let Some(pg) = &r.postgres {
        println!("\nPostgreSQL settings: {}.", pg.settings);
    }
    println!(
        "\nOpening the built civiforge index in the bench process: {}.\n",
        fmt_duration(r.open_elapsed)
    );

    println!("### Queries (top {LIMIT}, one client, each query repeated: warm for that query)\n");
    print!("| query | ");
    for (name, _) in &r.engines {
        print!("{name}: hits | p50 | p99 | ");
    }
    println!();
    print!("|---|");
    for _ in &r.engines {
        print!("---:|---:|---:|");
    }
    println!();
    for (i, query) in QUERIES.iter().enumerate() {
        print!("| `{}` ({}) | ", query.text, query.what);
        for (_, run) in &r.engines {
            match &run.per_query[i] {
                Some(stats) => print!(
                    "{} | {} | {} | ",
                    fmt_count(stats.hits),
                    fmt_duration(percentile(&stats.samples, 0.5)),
                    fmt_duration(percentile(&stats.samples, 0.99)),
                ),
                None => print!("n/a | | | "),
            }
        }
        println!();
    }
    let runs: Vec<usize> = r
        .engines
        .iter()
        .flat_map(|(_, run)| run.per_query.iter().flatten().map(|s| s.samples.len()))
        .collect();
    println!(
        "\n{}–{} timed runs per query and engine after {WARMUP} warm-up runs (at most {MAX_RUNS}, \
         stopping after {} s once {MIN_RUNS} are done): p99 is close to the slowest run.\n",
        runs.iter().min().copied().unwrap_or(0),
        runs.iter().max().copied().unwrap_or(0),
        QUERY_BUDGET.as_secs()
    );

    println!("First result of each engine:\n");
    print!("| query |");
    for (name, _) in &r.engines {
        print!(" {name} |");
    }
    println!();
    print!("|---|");
    for _ in &r.engines {
        print!("---|");
    }
    println!();
    for (i, query) in QUERIES.iter().enumerate() {
        print!("| `{}` |", query.text);
        for (_, run) in &r.engines {
            let top = run.per_query[i]
                .as_ref()
                .map_or("n/a".to_string(), |s| s.top.clone().unwrap_or("—".into()));
            print!(" {top} |");
        }
        println!();
    }

    let mix = common_mix().len();
    println!(
        "\n### Throughput and memory (the {mix} queries every engine runs, in turn, for {} s; \
         two clients start half-way through the list)\n",
        CONCURRENT_BUDGET.as_secs()
    );
    println!(
        "| engine | 1 client: p50 | p99 | queries/s | CPU per query | 2 clients: p50 | p99 | queries/s | bench process RSS before → peak | server RSS peak |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
    for (name, run) in &r.engines {
        println!(
            "| {name} | {} | {} | {:.0} | {} | {} | {} | {:.0} | {} → {} | {} |",
            fmt_duration(percentile(&run.mix, 0.5)),
            fmt_duration(percentile(&run.mix, 0.99)),
            run.qps_one,
            run.cpu_per_query
                .map_or_else(|| "n/a".to_string(), fmt_duration),
            fmt_duration(percentile(&run.mix_two, 0.5)),
            fmt_duration(percentile(&run.mix_two, 0.99)),
            run.qps_two,
            fmt_kib(run.memory.start_kib),
            fmt_kib(run.memory.peak_kib),
            if *name == "PostgreSQL" {
                fmt_kib(run.server_peak_kib)
            } else {
                "—".to_string()
            },
        );
    }

    print_breakdown(&r.breakdown);
    print_pages(r);
    print_http(&r.http);

    println!("\n### Bench process memory by phase\n");
    println!("| phase | RSS at start | peak RSS (VmHWM) |");
    println!("|---|---|---|");
    for phase in &r.phases {
        println!(
            "| {}{} | {} | {} |",
            phase.phase,
            if phase.reset {
                ""
            } else {
                " (peak not reset: cumulative)"
            },
            fmt_kib(phase.start_kib),
            fmt_kib(phase.peak_kib)
        );
    }
    println!(
        "\nWhole run: {:.0} s; load average (1, 5, 15 min) {} at the start, {} at the end.",
        r.total.as_secs_f64(),
        r.load_start,
        r.load_end
    );
}

fn print_breakdown(rows: &[Breakdown]) {
    println!(
        "\n### Where civiforge's query time goes (medians of {RUNS} runs, in the bench process)\n"
    );
    println!(
        "`Engine::search` makes one pass over the matches that counts them, keeps the top \
         {LIMIT} ranked by relevance × adoption × freshness and aggregates the 7 facets, then \
         reads the {LIMIT} stored documents and their highlights. The parts are timed apart, \
         each as a pass of its own, with the engine's own query (`Engine::query`), collectors \
         and highlighter.\n"
    );
    println!(
        "| query | `Engine::search` | count pass | top {LIMIT} (ranked as civiforge) | top {LIMIT} by score alone | facets pass | documents + highlights | count + top + facets in one pass |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        println!(
            "| `{}`{} | {} | {} | {} | {} | {} | {} | {} |",
            row.text,
            if row.counts_agree {
                ""
            } else {
                " (the first pass counts otherwise: the search was relaxed)"
            },
            fmt_duration(row.engine),
            fmt_duration(row.count),
            fmt_duration(row.top_ranked),
            fmt_duration(row.top_by_score),
            fmt_duration(row.facets),
            fmt_duration(row.documents_and_highlights),
            fmt_duration(row.one_pass),
        );
    }
}

fn print_pages(r: &Report) {
    println!(
        "\n### Pages (server time, in process, {} projects)\n",
        r.corpus.projects
    );
    println!("| page | p50 | p99 | runs | HTML size |");
    println!("|---|---|---|---|---|");
    for page in &r.pages {
        println!(
            "| `{}` | {:.1} ms | {:.1} ms | {} | {} kB |",
            page.path,
            page.p50.as_secs_f64() * 1000.0,
            page.p99.as_secs_f64() * 1000.0,
            page.runs,
            page.bytes / 1024
        );
    }
}

fn print_http(h: &HttpRun) {
    println!("\n### Over HTTP: `civiforge serve --no-worker` on loopback\n");
    println!(
        "The {}-search mix in turn (counts, ranking, highlights and the 7 facets in each \
         answer, {} kB for one round of answers); every total and facet count checked against \
         tantivy's `Count` and terms aggregation on the same query: {} of {} agree (the \
         others were relaxed).\n",
        SEARCH_MIX.len(),
        h.response_bytes / 1024,
        h.checked,
        SEARCH_MIX.len()
    );
    println!("| measure | p50 | p99 | per second | other |");
    println!("|---|---:|---:|---:|---|");
    println!(
        "| search, 1 client | {} | {} | {:.0} | server CPU per search {} |",
        fmt_duration(percentile(&h.one, 0.5)),
        fmt_duration(percentile(&h.one, 0.99)),
        h.qps_one,
        h.server_cpu_per_query.map_or("—".into(), fmt_duration)
    );
    println!(
        "| search, 2 clients | {} | {} | {:.0} | |",
        fmt_duration(percentile(&h.two, 0.5)),
        fmt_duration(percentile(&h.two, 0.99)),
        h.qps_two
    );
    println!(
        "| autocomplete, 1 client | {} | {} | {:.0} | {} requests |",
        fmt_duration(percentile(&h.suggest, 0.5)),
        fmt_duration(percentile(&h.suggest, 0.99)),
        h.suggest.len() as f64 / 4.0,
        h.suggest.len()
    );
    println!("\n| page | p50 | p99 | runs | size |");
    println!("|---|---:|---:|---:|---:|");
    for page in &h.pages {
        println!(
            "| `{}` | {} | {} | {} | {} kB |",
            page.path,
            fmt_duration(page.p50),
            fmt_duration(page.p99),
            page.runs,
            page.bytes / 1024
        );
    }
    println!(
        "\nServer memory: {} resident after the run, peak {}. Start on this catalogue: {}; \
         cold start on a fresh SQLite (migrations and every reference organisation) to a \
         healthy `/healthz`: {}.",
        fmt_kib(h.rss_kib),
        fmt_kib(h.rss_peak_kib),
        fmt_duration(h.start),
        fmt_duration(h.cold_start)
    );
}
