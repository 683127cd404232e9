//! Every search of the mix checked against a straightforward count of the same query on
//! the same index: tantivy's `Count` for the total, its terms aggregation for the facets.

use std::path::Path;

use civiforge::search::engine::{Engine, RankingWeights, SearchRequest};
use civiforge::search::facets::{FACETS, MAX_VALUES};
use civiforge::search::{params, schema};
use tantivy::aggregation::{AggContextParams, AggregationCollector, AggregationLimitsGuard};
use tantivy::collector::Count;
use tantivy::{Index, ReloadPolicy};

use super::{SEARCH_MIX, get};

/// The straightforward answer's total and facets for one search of the mix: the engine's
/// query counted with `Count`, its facets with tantivy's terms aggregation.
fn straightforward(
    index: &Index,
    searcher: &tantivy::Searcher,
    query_string: &str,
) -> anyhow::Result<(u64, serde_json::Value)> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query_string.as_bytes())
        .into_owned()
        .collect();
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let request = SearchRequest {
        text: value("q").unwrap_or_default(),
        filters: params::filters(|key| value(key))?,
        limit: 20,
        offset: value("offset").map_or(Ok(0), |o| o.parse())?,
    };
    let (_, fields) = schema::build();
    let engine = Engine {
        index,
        fields: &fields,
        weights: RankingWeights::default(),
    };
    let query = engine.query(searcher, &request);
    let total = searcher.search(&*query, &Count)? as u64;
    let mut spec = serde_json::Map::new();
    for (name, field) in FACETS {
        spec.insert(
            name.to_string(),
            serde_json::json!({"terms": {"field": field, "size": MAX_VALUES}}),
        );
    }
    let collector = AggregationCollector::from_aggs(
        serde_json::from_value(serde_json::Value::Object(spec))?,
        AggContextParams::new(
            AggregationLimitsGuard::default(),
            index.tokenizers().clone(),
        ),
    );
    let aggregated = serde_json::to_value(searcher.search(&*query, &collector)?)?;
    let mut facets = serde_json::Map::new();
    for (name, _) in FACETS {
        let mut values: Vec<(String, u64)> = aggregated[name]["buckets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| Some((b["key"].as_str()?.to_string(), b["doc_count"].as_u64()?)))
            .collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        facets.insert(
            name.to_string(),
            values
                .into_iter()
                .map(|(value, count)| serde_json::json!({"value": value, "count": count}))
                .collect(),
        );
    }
    Ok((total, serde_json::Value::Object(facets)))
}

/// Checks every search of the mix against [`straightforward`]; returns how many agree
/// (an error names the first that does not).
pub async fn check_answers(
    client: &reqwest::Client,
    base: &str,
    search_dir: &Path,
) -> anyhow::Result<usize> {
    let index = Index::open_in_dir(search_dir)?;
    schema::register_tokenizers(&index);
    let reader: tantivy::IndexReader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let mut checked = 0;
    for query_string in SEARCH_MIX {
        let body = get(client, base, &format!("/api/v1/search?{query_string}")).await?;
        let answer: serde_json::Value = serde_json::from_slice(&body)?;
        if answer["relaxed"] == true {
            // Answered by the relaxed query, which the strict count does not describe.
            eprintln!("  {query_string}: relaxed, total not checked");
            continue;
        }
        let (total, facets) = straightforward(&index, &searcher, query_string)?;
        anyhow::ensure!(
            answer["total"].as_u64() == Some(total),
            "{query_string}: total {} over HTTP, {total} counted",
            answer["total"]
        );
        anyhow::ensure!(
            answer["facets"] == facets,
            "{query_string}: facets differ from the terms aggregation"
        );
        checked += 1;
    }
    Ok(checked)
}
