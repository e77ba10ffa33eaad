//! [`Seen`]: the numbers a campaign already has, for de-duplication at import.
//!
//! An E.164 number is at most 15 digits and never starts with 0 after the `+`, so its digits
//! read as one integer identify it exactly and fit a `u64` (15 digits < 2^50). A hash map of
//! `u64` to the first sighting's line costs 16 bytes a slot plus one control byte, about
//! 36 MB for a million numbers, where a set of `String`s alone costs over 100 MB.
//!
//! Must not: normalise (it trusts [`E164`]) or decide what a duplicate means for the campaign.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::campaign::E164;

/// A set of E.164 numbers stored as integers, each with the line it was first seen on.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    numbers: HashMap<u64, u64, BuildHasherDefault<DigitsHasher>>,
    /// Values that are not `+digits` (only possible through [`E164::from_trusted`]): kept
    /// exactly, so they are never confused with a real number.
    other: HashMap<E164, u64>,
}

impl Seen {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set with room for `capacity` numbers without growing.
    pub fn with_capacity(capacity: usize) -> Self {
        Seen {
            numbers: HashMap::with_capacity_and_hasher(capacity, Default::default()),
            other: HashMap::new(),
        }
    }

    /// Adds `number`; true when it was not already present (the first sighting).
    pub fn insert(&mut self, number: &E164) -> bool {
        self.insert_at(number, 0).is_none()
    }

    /// Adds `number`, first seen on `line`; returns the line of an earlier sighting instead
    /// when there was one (which is kept).
    pub fn insert_at(&mut self, number: &E164, line: u64) -> Option<u64> {
        match key(number) {
            Some(k) => match self.numbers.entry(k) {
                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(line);
                    None
                }
            },
            None => match self.other.get(number) {
                Some(first) => Some(*first),
                None => {
                    self.other.insert(number.clone(), line);
                    None
                }
            },
        }
    }

    /// True when `number` was inserted before.
    pub fn contains(&self, number: &E164) -> bool {
        match key(number) {
            Some(k) => self.numbers.contains_key(&k),
            None => self.other.contains_key(number),
        }
    }

    /// How many distinct numbers were inserted.
    pub fn len(&self) -> usize {
        self.numbers.len() + self.other.len()
    }

    /// True when nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `+8613800138000` -> 8613800138000.
fn key(number: &E164) -> Option<u64> {
    let digits = number.as_str().strip_prefix('+')?;
    let valid = (1..=15).contains(&digits.len())
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| digits.parse().ok()).flatten()
}

/// A hasher for integer keys: the SplitMix64 finaliser. Phone numbers share long prefixes
/// (country and area codes), so the bits must be mixed; SipHash would do it too, at several
/// times the cost, and these keys are not attacker-chosen in a way that matters for a CLI run.
#[derive(Debug, Default, Clone, Copy)]
struct DigitsHasher(u64);

impl Hasher for DigitsHasher {
    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `Seen`; this keeps the hasher correct for anything else.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sighting_only() {
        let mut seen = Seen::new();
        let a = E164::from_trusted("+8613800138000");
        let b = E164::from_trusted("+12015550123");
        assert!(seen.insert(&a));
        assert!(seen.insert(&b));
        assert!(!seen.insert(&a));
        assert!(seen.contains(&b) && !seen.contains(&E164::from_trusted("+12015550124")));
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn odd_values_are_kept_apart_from_numbers() {
        let mut seen = Seen::new();
        assert!(seen.insert(&E164::from_trusted("+0123")));
        assert!(seen.insert(&E164::from_trusted("123")));
        assert!(seen.insert(&E164::from_trusted("+123")));
        assert!(!seen.insert(&E164::from_trusted("123")));
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn the_longest_numbers_fit() {
        let mut seen = Seen::new();
        assert!(seen.insert(&E164::from_trusted("+999999999999999")));
        assert!(seen.insert(&E164::from_trusted("+999999999999998")));
        assert!(!seen.insert(&E164::from_trusted("+999999999999999")));
    }
}
