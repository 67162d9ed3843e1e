//! Deterministic pseudo-random text for the long-name tests and benches (shared by path).

/// Pseudo-random lower-case letters (xorshift), deterministic.
pub fn letters(seed: u64, n: usize) -> String {
    let mut z = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            char::from(b'a' + (z % 26) as u8)
        })
        .collect()
}
