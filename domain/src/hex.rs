//! Bytes as lower-case hexadecimal: ids inside JSON, SHA-256 sums, MACs in tokens.

/// `bytes` as lower-case hexadecimal, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 15)] as char]).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_lower_case_digits_a_byte() {
        assert_eq!(super::hex(&[0, 9, 0xab, 0xff]), "0009abff");
        assert_eq!(super::hex(&[]), "");
    }
}
