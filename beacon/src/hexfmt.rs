//! The one hex codec of the project: `0x`-prefixed (or bare) hex strings to bytes and back.
//!
//! Every hex value a user, a file or a node gives us goes through [`parse`] or [`parse_fixed`],
//! so that every input gets the same rules and the same error texts: one optional `0x`
//! prefix, an even number of hex digits, and (for fixed sizes) exactly the expected length.

use thiserror::Error;

/// What is wrong with a hex string.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HexError {
    /// `0x0x…`: the prefix is given twice.
    #[error("{input:?}: the 0x prefix is given twice")]
    DoublePrefix {
        /// The input as given.
        input: String,
    },
    /// An odd number of hex digits (a byte is two digits).
    #[error("{input:?}: odd number of hex digits ({digits}); a byte is two digits")]
    OddLength {
        /// The input as given.
        input: String,
        /// How many digits it has after the prefix.
        digits: usize,
    },
    /// A character that is not a hex digit.
    #[error("{input:?}: {found:?} at position {position} is not a hex digit")]
    NotHex {
        /// The input as given.
        input: String,
        /// The offending character.
        found: char,
        /// Its position after the prefix.
        position: usize,
    },
    /// The wrong number of bytes for a fixed-size value.
    #[error("{input:?}: expected {expected} bytes, found {found}")]
    Length {
        /// The input as given.
        input: String,
        /// Bytes expected.
        expected: usize,
        /// Bytes found.
        found: usize,
    },
}

/// Parses `0x…` or bare hex (surrounding whitespace ignored) into bytes.
pub fn parse(s: &str) -> Result<Vec<u8>, HexError> {
    let t = s.trim();
    let body = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if body.starts_with("0x") || body.starts_with("0X") {
        return Err(HexError::DoublePrefix { input: s.into() });
    }
    if let Some((position, found)) = body.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(HexError::NotHex {
            input: s.into(),
            found,
            position,
        });
    }
    if body.len() % 2 == 1 {
        return Err(HexError::OddLength {
            input: s.into(),
            digits: body.len(),
        });
    }
    // Only ASCII hex digits remain, in pairs: decoding cannot fail.
    Ok(body
        .as_bytes()
        .chunks(2)
        .map(|p| (digit(p[0]) << 4) | digit(p[1]))
        .collect())
}

fn digit(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

/// Parses hex into exactly `N` bytes.
pub fn parse_fixed<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let b = parse(s)?;
    let found = b.len();
    b.try_into().map_err(|_| HexError::Length {
        input: s.into(),
        expected: N,
        found,
    })
}

/// Encodes bytes as `0x…` (lower case).
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_prefixed_bare_and_upper_case() {
        assert_eq!(parse("0x0aFf").unwrap(), vec![0x0a, 0xff]);
        assert_eq!(parse(" 0AFF ").unwrap(), vec![0x0a, 0xff]);
        assert_eq!(parse("0x").unwrap(), Vec::<u8>::new());
        assert_eq!(parse_fixed::<2>("0x0102").unwrap(), [1, 2]);
        assert_eq!(encode([1u8, 0xab]), "0x01ab");
    }

    #[test]
    fn names_what_is_wrong() {
        assert!(matches!(
            parse("0x0x00"),
            Err(HexError::DoublePrefix { .. })
        ));
        assert!(matches!(
            parse("0xabc"),
            Err(HexError::OddLength { digits: 3, .. })
        ));
        assert!(matches!(
            parse("0xzz"),
            Err(HexError::NotHex {
                found: 'z',
                position: 0,
                ..
            })
        ));
        assert!(matches!(
            parse_fixed::<32>("0x00"),
            Err(HexError::Length {
                expected: 32,
                found: 1,
                ..
            })
        ));
        assert!(parse("0xabc")
            .unwrap_err()
            .to_string()
            .contains("odd number"));
    }
}
