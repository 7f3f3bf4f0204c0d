//! Fixed-size frames: whatever a visitor answered, what is sealed has one size.
//!
//! A sealed record's length would otherwise follow the length of her answers' JSON:
//! whoever reads the tablet's storage or copies the database could match a pending
//! record to her released row by its length. So the JSON is framed before sealing:
//! a zero byte (JSON never starts with one, so records sealed before frames existed
//! still open), its length as four big-endian bytes, the JSON, then zeros up to the
//! frame's size. Content that does not fit is refused, never sealed at another size.

/// The frame a tablet seals a submission in (`POST /api/v1/responses`). The largest
/// possible response of the default survey is under a third of it; publishing a survey
/// version whose largest possible response does not fit is refused.
pub const SUBMISSION_FRAME: usize = 4096;

/// The frame the server seals a pending response in (`pending_responses.sealed`): its
/// content in the server's own, more verbose, format, and the week it arrived.
pub const PENDING_FRAME: usize = 8192;

const HEADER: usize = 5;

/// Why content could not be framed or a frame could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the answers take {len} bytes; a sealed record holds at most {max}")]
    TooLarge { len: usize, max: usize },
    #[error("not a frame: {0}")]
    Malformed(&'static str),
}

/// The most content a frame of `size` bytes holds.
pub const fn capacity(size: usize) -> usize {
    size - HEADER
}

/// `content` in a frame of exactly `size` bytes.
pub fn pad(content: &[u8], size: usize) -> Result<Vec<u8>, FrameError> {
    if content.len() > capacity(size) {
        return Err(FrameError::TooLarge { len: content.len(), max: capacity(size) });
    }
    let mut frame = Vec::with_capacity(size);
    frame.push(0);
    frame.extend_from_slice(&(content.len() as u32).to_be_bytes());
    frame.extend_from_slice(content);
    frame.resize(size, 0);
    Ok(frame)
}

/// What was sealed: the content of a frame, or, for a record sealed before frames
/// existed (it starts with `{`), the record itself. The padding must be zeros.
pub fn unpad(sealed_plaintext: &[u8]) -> Result<&[u8], FrameError> {
    match sealed_plaintext.first() {
        Some(b'{') => Ok(sealed_plaintext),
        Some(0) => {
            let header = sealed_plaintext.get(1..HEADER).ok_or(FrameError::Malformed("cut short"))?;
            let len = u32::from_be_bytes(header.try_into().expect("four bytes")) as usize;
            let end = HEADER.checked_add(len).filter(|&e| e <= sealed_plaintext.len());
            let end = end.ok_or(FrameError::Malformed("its length runs past its end"))?;
            if sealed_plaintext[end..].iter().any(|&b| b != 0) {
                return Err(FrameError::Malformed("its padding is not zeros"));
            }
            Ok(&sealed_plaintext[HEADER..end])
        }
        _ => Err(FrameError::Malformed("unknown format")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_content_that_fits_gives_one_size_and_comes_back() {
        for content in [&b"{}"[..], b"{\"a\":1}", &[b'x'; capacity(64)][..]] {
            let frame = pad(content, 64).unwrap();
            assert_eq!(frame.len(), 64);
            assert_eq!(unpad(&frame).unwrap(), content);
        }
        assert_eq!(pad(&[b'x'; capacity(64) + 1], 64), Err(FrameError::TooLarge { len: 60, max: 59 }));
    }

    #[test]
    fn records_sealed_before_frames_still_read_and_bad_frames_do_not() {
        assert_eq!(unpad(b"{\"respect\":4}").unwrap(), b"{\"respect\":4}");
        let mut frame = pad(b"{}", 32).unwrap();
        frame[20] = 1;
        assert!(unpad(&frame).is_err(), "padding that is not zeros");
        let mut frame = pad(b"{}", 32).unwrap();
        frame[4] = 200;
        assert!(unpad(&frame).is_err(), "a length past the end");
        assert!(unpad(&[0, 0]).is_err(), "cut short");
        assert!(unpad(b"").is_err() && unpad(b"[1]").is_err(), "neither a frame nor a record");
    }
}
