//! The bitstring of a Bitstring Status List: one bit per index, the first
//! index the left-most bit of the first byte, GZIP-compressed and written
//! as multibase base64url without padding (`u...`).

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Entries in every list: the specification's minimum (16 KiB of bits),
/// so that one entry cannot be told from the others by the list's size.
pub const LIST_LENGTH: usize = 131_072;

/// The `encodedList` of a list of [`LIST_LENGTH`] bits with `set` on.
pub fn encode(set: impl IntoIterator<Item = usize>) -> String {
    let mut bits = vec![0u8; LIST_LENGTH / 8];
    for index in set {
        if index < LIST_LENGTH {
            bits[index / 8] |= 0x80 >> (index % 8);
        }
    }
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into memory does not fail.
    let _ = gzip.write_all(&bits);
    let compressed = gzip.finish().unwrap_or_default();
    format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
}

/// The bits of an `encodedList`, or `None` where it cannot be read.
pub fn decode(encoded: &str) -> Option<Vec<u8>> {
    let compressed = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u')?).ok()?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .take(16 * 1024 * 1024)
        .read_to_end(&mut bits)
        .ok()?;
    Some(bits)
}

/// Whether bit `index` of `bits` is on.
pub fn is_set(bits: &[u8], index: usize) -> bool {
    bits.get(index / 8)
        .is_some_and(|byte| byte & (0x80 >> (index % 8)) != 0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bits_read_back_where_they_were_set() {
        let encoded = encode([0, 9, LIST_LENGTH - 1]);
        assert!(encoded.starts_with('u'));
        let bits = decode(&encoded).unwrap();
        assert_eq!(bits.len(), LIST_LENGTH / 8);
        assert_eq!(bits[0], 0x80);
        assert_eq!(bits[1], 0x40);
        assert!(is_set(&bits, 9) && is_set(&bits, LIST_LENGTH - 1));
        assert!(!is_set(&bits, 1) && !is_set(&bits, 8));
    }
}
