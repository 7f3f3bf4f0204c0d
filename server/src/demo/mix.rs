//! The bulk seed's random numbers.

/// SplitMix64: a small, fast generator whose stream is fixed by its seed, so that the
/// n-th response comes out the same whenever it is generated.
pub(super) struct Mix(u64);

impl Mix {
    pub(super) fn new(seed: u64, stream: u64) -> Mix {
        let mut m = Mix(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        m.next_u64();
        m
    }

    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// About normal (mean 0, deviation 1): the sum of four uniforms, rescaled.
    pub(super) fn normal(&mut self) -> f64 {
        (self.unit() + self.unit() + self.unit() + self.unit() - 2.0) * 3f64.sqrt()
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
