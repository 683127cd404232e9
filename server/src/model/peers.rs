//! Peer suggestions: what organisations close to one use and it does not, and why; and the
//! INSEE population bands that make communes of a size peers.

use serde::Serialize;
use utoipa::ToSchema;

/// A project that peers of an organisation use and it does not.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeerSuggestion {
    pub slug: String,
    pub name: String,
    pub summary: String,
    /// Peers using it, in the closest circle that does.
    pub peers: i64,
    /// Why it is suggested, in French: the closest circle's reason.
    pub reason: String,
    /// Every circle of peers that uses it, the closest first.
    pub reasons: Vec<PeerReason>,
}

/// One circle of peers that uses a suggested project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeerReason {
    /// `epci`, `structure`, `group`, `departement` or `population`.
    pub circle: String,
    pub peers: i64,
    /// « utilisé par 4 communes de votre EPCI ».
    pub label: String,
}

/// The INSEE population bands: a commune's peers by size.
const BANDS: &[(i64, Option<i64>, &str)] = &[
    (0, Some(500), "de moins de 500 habitants"),
    (500, Some(2_000), "de 500 à 1 999 habitants"),
    (2_000, Some(3_500), "de 2 000 à 3 499 habitants"),
    (3_500, Some(5_000), "de 3 500 à 4 999 habitants"),
    (5_000, Some(10_000), "de 5 000 à 9 999 habitants"),
    (10_000, Some(20_000), "de 10 000 à 19 999 habitants"),
    (20_000, Some(50_000), "de 20 000 à 49 999 habitants"),
    (50_000, Some(100_000), "de 50 000 à 99 999 habitants"),
    (100_000, None, "de 100 000 habitants ou plus"),
];

/// A population band: from `low` (included) to `high` (excluded; none for the last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PopulationBand {
    pub low: i64,
    pub high: Option<i64>,
    /// « de 20 000 à 49 999 habitants ».
    pub label: &'static str,
}

impl PopulationBand {
    /// The band of a population.
    pub fn of(population: i64) -> PopulationBand {
        let (low, high, label) = BANDS
            .iter()
            .rev()
            .find(|(low, _, _)| population >= *low)
            .copied()
            .unwrap_or(BANDS[0]);
        PopulationBand { low, high, label }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_insee() {
        assert_eq!(PopulationBand::of(499).label, "de moins de 500 habitants");
        assert_eq!(PopulationBand::of(500).low, 500);
        assert_eq!(PopulationBand::of(21_000).high, Some(50_000));
        assert_eq!(
            PopulationBand::of(43_000).label,
            "de 20 000 à 49 999 habitants"
        );
        assert_eq!(PopulationBand::of(870_000).high, None);
    }
}
