//! Where civiforge's query time goes: `Engine::search` and its parts timed one by one on the
//! built index, each part run with the engine's own query (`Engine::query`), collectors
//! (`Engine::ranking`, `Engine::facets_collector`) and highlighter (`Engine::highlighter`).

use std::path::Path;
use std::time::{Duration, Instant};

use ::civiforge::search::engine::{Engine, Filters, RankingWeights, SearchRequest};
use ::civiforge::search::query::UserQuery;
use ::civiforge::search::schema;
use chrono::Utc;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::Value;
use tantivy::{DocAddress, Index, ReloadPolicy, TantivyDocument};

use super::LIMIT;
use crate::measure::percentile;

/// Queries broken down.
const QUERIES: &[&str] = &[
    "élections",
    "délibérations conseil municipal",
    "deliberaton",
    "ostréiculture",
    "",
];
/// Runs of each part; the median is kept.
pub const RUNS: usize = 15;

/// Median time of each part of one civiforge query.
#[derive(Debug)]
pub struct Breakdown {
    pub text: &'static str,
    /// `Engine::search` called directly, without the service's `spawn_blocking`.
    pub engine: Duration,
    pub count: Duration,
    pub top_ranked: Duration,
    pub top_by_score: Duration,
    pub facets: Duration,
    pub documents_and_highlights: Duration,
    pub one_pass: Duration,
    /// The count pass counts what `Engine::search` reports.
    pub counts_agree: bool,
}

fn median_of<T>(mut run: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<Duration> {
    let mut samples = Vec::with_capacity(RUNS);
    run()?;
    for _ in 0..RUNS {
        let started = Instant::now();
        run()?;
        samples.push(started.elapsed());
    }
    samples.sort_unstable();
    Ok(percentile(&samples, 0.5))
}

/// Times `Engine::search` and the parts it is made of, on the index in `search_dir`.
pub fn measure(search_dir: &Path) -> anyhow::Result<Vec<Breakdown>> {
    let index = Index::open_in_dir(search_dir)?;
    schema::register_tokenizers(&index);
    let (_, fields) = schema::build();
    let reader: tantivy::IndexReader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let engine = Engine {
        index: &index,
        fields: &fields,
        weights: RankingWeights::default(),
    };
    let now = Utc::now().timestamp();
    let ranked = || engine.ranking(LIMIT, 0, now);

    let mut rows = Vec::new();
    for &text in QUERIES {
        let request = SearchRequest {
            text: text.to_string(),
            filters: Filters::default(),
            limit: LIMIT,
            offset: 0,
        };
        let expected = engine.search(&searcher, &request, now)?.total;
        let query = engine.query(&searcher, &request);
        let counts_agree = searcher.search(&*query, &Count)? == expected;
        let engine_time = median_of(|| Ok(engine.search(&searcher, &request, now)?))?;
        let count = median_of(|| Ok(searcher.search(&*query, &Count)?))?;
        let top_ranked = median_of(|| Ok(searcher.search(&*query, &ranked())?))?;
        let top_by_score = median_of(|| {
            Ok(searcher.search(&*query, &TopDocs::with_limit(LIMIT).order_by_score())?)
        })?;
        let facets = median_of(|| Ok(searcher.search(&*query, &engine.facets_collector())?))?;
        let top: Vec<(_, DocAddress)> = searcher.search(&*query, &ranked())?;
        let user_query = UserQuery::parse(text);
        let documents_and_highlights = median_of(|| {
            let highlighter = engine.highlighter(&searcher, &user_query)?;
            let mut length = 0;
            for (_, address) in &top {
                let doc: TantivyDocument = searcher.doc(*address)?;
                length += doc
                    .get_first(fields.summary)
                    .and_then(|v| v.as_str())
                    .map_or(0, str::len);
                if let Some(generator) = &highlighter {
                    length += generator.snippet_from_doc(&doc).to_html().len();
                }
            }
            Ok(length)
        })?;
        let one_pass = median_of(|| {
            Ok(searcher.search(&*query, &(Count, ranked(), engine.facets_collector()))?)
        })?;
        rows.push(Breakdown {
            text,
            engine: engine_time,
            count,
            top_ranked,
            top_by_score,
            facets,
            documents_and_highlights,
            one_pass,
            counts_agree,
        });
    }
    Ok(rows)
}
