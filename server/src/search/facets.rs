//! Facet counts gathered in the search's own pass over the matches: each facet's values are
//! read from its fast-field column as segment-local term ordinals and counted in an array;
//! an ordinal is turned into its text once per segment, when the segment is done. This is
//! what tantivy's general terms aggregation does too, minus its request tree, its limits
//! bookkeeping and its JSON answer, which cost more than the counting itself here.

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::request::FacetCount;

/// At most this many values are kept per facet, the most frequent first (there are about
/// a hundred départements, the largest facet).
pub const MAX_VALUES: usize = 200;

/// The facets, by the name the API uses, and the index field each is read from.
pub const FACETS: [(&str, &str); 7] = [
    ("category", "category"),
    ("license", "license"),
    ("status", "status"),
    ("departement", "departement"),
    ("kind", "adopter_kind"),
    ("has_adopters", "has_adopters"),
    ("active", "active"),
];

/// The counts of every facet, by the facet's API name; values by decreasing count, equal
/// counts in the order of their text.
pub type FacetCounts = BTreeMap<String, Vec<FacetCount>>;

/// Counts the values of every facet among the documents collected.
#[derive(Debug, Default, Clone, Copy)]
pub struct FacetsCollector;

/// One facet of one segment: its column (absent when no document of the segment has the
/// facet), a count per term ordinal, and the last document counted for each ordinal (a
/// document that holds a value twice counts once, as in a terms aggregation).
struct SegmentFacet {
    column: Option<StrColumn>,
    counts: Vec<u32>,
    last_doc: Vec<DocId>,
}

pub struct SegmentFacets {
    facets: Vec<SegmentFacet>,
}

/// What one segment found: for each facet, its values with their counts.
pub type SegmentFruit = Vec<Vec<(String, u64)>>;

impl Collector for FacetsCollector {
    type Fruit = FacetCounts;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let mut facets = Vec::with_capacity(FACETS.len());
        for (_, field) in FACETS {
            let column = reader.fast_fields().str(field)?;
            let terms = column.as_ref().map_or(0, |c| c.num_terms());
            facets.push(SegmentFacet {
                column,
                counts: vec![0; terms],
                last_doc: vec![DocId::MAX; terms],
            });
        }
        Ok(SegmentFacets { facets })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<SegmentFruit>) -> tantivy::Result<FacetCounts> {
        let mut merged: Vec<HashMap<String, u64>> = vec![HashMap::new(); FACETS.len()];
        for segment in segments {
            for (totals, values) in merged.iter_mut().zip(segment) {
                for (value, count) in values {
                    *totals.entry(value).or_default() += count;
                }
            }
        }
        Ok(FACETS
            .iter()
            .zip(merged)
            .map(|((name, _), totals)| (name.to_string(), ranked(totals)))
            .collect())
    }
}

/// The values by decreasing count, then by text, at most [`MAX_VALUES`] of them.
fn ranked(totals: HashMap<String, u64>) -> Vec<FacetCount> {
    let mut values: Vec<FacetCount> = totals
        .into_iter()
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    values.sort_unstable_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    values.truncate(MAX_VALUES);
    values
}

impl SegmentCollector for SegmentFacets {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for facet in &mut self.facets {
            if let Some(column) = &facet.column {
                for ordinal in column.ords().values_for_doc(doc) {
                    let ordinal = ordinal as usize;
                    if facet.last_doc[ordinal] != doc {
                        facet.last_doc[ordinal] = doc;
                        facet.counts[ordinal] += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> SegmentFruit {
        self.facets
            .into_iter()
            .map(|facet| {
                let Some(column) = facet.column else {
                    return Vec::new();
                };
                let mut values = Vec::new();
                for (ordinal, count) in facet.counts.into_iter().enumerate() {
                    let mut text = String::new();
                    // An ordinal of the segment's own dictionary is always found in it.
                    if count > 0
                        && column
                            .ord_to_str(ordinal as u64, &mut text)
                            .unwrap_or(false)
                    {
                        values.push((text, u64::from(count)));
                    }
                }
                values
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::aggregation::{AggContextParams, AggregationCollector, AggregationLimitsGuard};
    use tantivy::query::{AllQuery, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::{Index, TantivyDocument, Term};

    use super::*;
    use crate::search::schema;

    /// Counts the same facets with tantivy's own terms aggregation: the straightforward way.
    fn aggregated(index: &Index, query: &dyn Query) -> anyhow::Result<FacetCounts> {
        let mut spec = serde_json::Map::new();
        for (name, field) in FACETS {
            spec.insert(
                name.to_string(),
                serde_json::json!({"terms": {"field": field, "size": MAX_VALUES}}),
            );
        }
        let aggregations = serde_json::from_value(serde_json::Value::Object(spec))?;
        let context = AggContextParams::new(
            AggregationLimitsGuard::default(),
            index.tokenizers().clone(),
        );
        let collector = AggregationCollector::from_aggs(aggregations, context);
        let searcher = index.reader()?.searcher();
        let json = serde_json::to_value(searcher.search(query, &collector)?)?;
        Ok(FACETS
            .iter()
            .map(|(name, _)| {
                let mut values: Vec<FacetCount> = json[name]["buckets"]
                    .as_array()
                    .map(|buckets| {
                        buckets
                            .iter()
                            .filter_map(|b| {
                                Some(FacetCount {
                                    value: b["key"].as_str()?.to_string(),
                                    count: b["doc_count"].as_u64()?,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                (name.to_string(), values)
            })
            .collect())
    }

    /// Three segments, with values that some segments lack, documents with several values,
    /// with the same value twice, and with none.
    fn index() -> anyhow::Result<Index> {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        schema::register_tokenizers(&index);
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        let categories = [
            "elections",
            "etat-civil",
            "cimetieres",
            "urbanisme",
            "finances",
        ];
        for segment in 0..3u64 {
            for n in 0..40u64 {
                let i = segment * 40 + n;
                let mut doc = TantivyDocument::default();
                doc.add_u64(fields.id, i);
                if i % 7 != 0 {
                    doc.add_text(fields.category, categories[(i % 5) as usize]);
                }
                if i % 3 == 0 && segment > 0 {
                    doc.add_text(fields.category, categories[((i + 2) % 5) as usize]);
                }
                doc.add_text(fields.license, if i % 4 == 0 { "MIT" } else { "AGPL-3.0" });
                doc.add_text(fields.status, "stable");
                for d in 0..(i % 4) {
                    doc.add_text(fields.departement, format!("{:02}", 10 + d * segment));
                }
                if i % 2 == 0 {
                    doc.add_text(fields.adopter_kind, "commune");
                }
                doc.add_text(fields.has_adopters, if i % 2 == 0 { "oui" } else { "non" });
                doc.add_text(fields.active, if i % 5 == 0 { "non" } else { "oui" });
                writer.add_document(doc)?;
            }
            writer.commit()?;
        }
        Ok(index)
    }

    #[test]
    fn counts_agree_with_the_terms_aggregation() -> anyhow::Result<()> {
        let index = index()?;
        let searcher = index.reader()?.searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let (_, fields) = schema::build();
        let queries: Vec<Box<dyn Query>> = vec![
            Box::new(AllQuery),
            Box::new(TermQuery::new(
                Term::from_field_text(fields.category, "cimetieres"),
                IndexRecordOption::Basic,
            )),
            Box::new(TermQuery::new(
                Term::from_field_text(fields.license, "MIT"),
                IndexRecordOption::Basic,
            )),
        ];
        for query in &queries {
            let ours = searcher.search(query.as_ref(), &FacetsCollector)?;
            assert_eq!(ours, aggregated(&index, query.as_ref())?, "{query:?}");
        }
        let all = searcher.search(&AllQuery, &FacetsCollector)?;
        let categories: u64 = all["category"].iter().map(|c| c.count).sum();
        assert!(
            categories > 120,
            "documents with two categories count twice"
        );
        assert_eq!(
            all["status"],
            [FacetCount {
                value: "stable".into(),
                count: 120
            }]
        );
        Ok(())
    }
}
