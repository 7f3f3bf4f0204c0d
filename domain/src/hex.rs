//! Bytes as lower-case hexadecimal: ids inside JSON, SHA-256 sums, MACs in tokens.

/// `bytes` as lower-case hexadecimal, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 15)] as char]).collect()
}

/// The bytes `s` spells in hexadecimal (either case); `None` if it is not two digits a byte.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_reads_back() {
        assert_eq!(super::unhex("0009abFF"), Some(vec![0, 9, 0xab, 0xff]));
        assert_eq!(super::unhex(""), Some(vec![]));
        assert_eq!(super::unhex("abc"), None);
        assert_eq!(super::unhex("zz"), None);
        assert_eq!(super::unhex("+1"), None, "from_str_radix takes a sign: not a digit");
    }

    #[test]
    fn two_lower_case_digits_a_byte() {
        assert_eq!(super::hex(&[0, 9, 0xab, 0xff]), "0009abff");
        assert_eq!(super::hex(&[]), "");
    }
}
