//! A deterministic pseudo-random sequence: every run generates the same corpus.

/// Every run generates the same catalogue.
const SEED: u64 = 0x0000_0C1F_0F6E_2026;

/// A 64-bit linear congruential generator, enough to shape a corpus.
pub struct Lcg(u64);

impl Lcg {
    /// A generator for one stream (a project, a phase) of the run.
    pub fn new(stream: u64) -> Self {
        // SplitMix64 of the seed and stream, so that neighbouring streams do not correlate.
        let mut z = SEED ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Lcg(z ^ (z >> 31))
    }

    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let x = self.0;
        x ^ (x >> 29)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 32) % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}
