//! WebM as browsers' MediaRecorder writes it (EBML, Matroska's subset): the one Opus audio
//! track's header and packets, whatever else the file holds (tags, cues, seek heads) left
//! behind. Segments and clusters of unknown size, as a recorder streams them, are read.

use super::Refused;

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const CODEC_PRIVATE: u32 = 0x63A2;
const CLUSTER: u32 = 0x1F43_B675;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;

/// What a WebM file holds for Digna: the Opus header, the packets in order, and the
/// duration it declares, in seconds, if it declares one.
pub struct Track {
    pub codec_private: Vec<u8>,
    pub packets: Vec<Vec<u8>>,
    pub declared_seconds: Option<f64>,
}

/// An element's id (marker bits kept) and its size (`None`: unknown), at `*at`.
fn header(bytes: &[u8], at: &mut usize) -> Result<(u32, Option<u64>), Refused> {
    let first = *bytes.get(*at).ok_or(Refused::Truncated)?;
    let id_len = first.leading_zeros() as usize + 1;
    if id_len > 4 {
        return Err(Refused::Malformed("a WebM element with an impossible id"));
    }
    let id_bytes = bytes.get(*at..*at + id_len).ok_or(Refused::Truncated)?;
    let id = id_bytes.iter().fold(0u32, |v, &b| (v << 8) | u32::from(b));
    *at += id_len;
    let first = *bytes.get(*at).ok_or(Refused::Truncated)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return Err(Refused::Malformed("a WebM element with an impossible size"));
    }
    let size_bytes = bytes.get(*at..*at + len).ok_or(Refused::Truncated)?;
    *at += len;
    let mask = if len == 8 { 0 } else { 0xffu8 >> len };
    let value = size_bytes[1..].iter().fold(u64::from(first & mask), |v, &b| (v << 8) | u64::from(b));
    let unknown = value == (1u64 << (7 * len)) - 1;
    Ok((id, (!unknown).then_some(value)))
}

fn uint(data: &[u8]) -> u64 {
    data.iter().take(8).fold(0u64, |v, &b| (v << 8) | u64::from(b))
}

/// Reads the file: EBML header first (document type `webm`), then the segment's track
/// list and blocks. Exactly one track, audio, Opus.
pub fn read(bytes: &[u8]) -> Result<Track, Refused> {
    let mut at = 0;
    let (id, size) = header(bytes, &mut at)?;
    if id != EBML {
        return Err(Refused::NotAudio);
    }
    let end = at + size.ok_or(Refused::Malformed("a WebM header of unknown size"))? as usize;
    let ebml = bytes.get(at..end).ok_or(Refused::Truncated)?;
    let mut doc_type = None;
    let mut inner = 0;
    while inner < ebml.len() {
        let (id, size) = header(ebml, &mut inner)?;
        let size = size.ok_or(Refused::Malformed("a WebM header field of unknown size"))? as usize;
        let data = ebml.get(inner..inner + size).ok_or(Refused::Truncated)?;
        if id == DOC_TYPE {
            doc_type = Some(data);
        }
        inner += size;
    }
    if doc_type.map(|d| d.split(|&b| b == 0).next().unwrap_or_default()) != Some(b"webm".as_slice()) {
        return Err(Refused::Malformed("a Matroska file that is not WebM"));
    }
    at = end;

    let (mut tracks, mut current) = (Vec::new(), None::<(u64, u64, Vec<u8>, Vec<u8>)>);
    let (mut scale, mut duration) = (1_000_000u64, None);
    let mut packets = Vec::new();
    let mut saw_segment = false;
    while at < bytes.len() {
        let (id, size) = header(bytes, &mut at)?;
        // Containers are entered (their size may be unknown); what they hold follows.
        match id {
            SEGMENT => {
                saw_segment = true;
                continue;
            }
            CLUSTER | INFO | TRACKS | BLOCK_GROUP => continue,
            TRACK_ENTRY => {
                if let Some(done) = current.take() {
                    tracks.push(done);
                }
                current = Some((0, 0, Vec::new(), Vec::new()));
                continue;
            }
            _ => {}
        }
        let size = size.ok_or(Refused::Malformed("a WebM element of unknown size"))? as usize;
        let data = bytes.get(at..at + size).ok_or(Refused::Truncated)?;
        at += size;
        match (id, current.as_mut()) {
            (TRACK_NUMBER, Some(t)) => t.0 = uint(data),
            (TRACK_TYPE, Some(t)) => t.1 = uint(data),
            (CODEC_ID, Some(t)) => t.2 = data.to_vec(),
            (CODEC_PRIVATE, Some(t)) => t.3 = data.to_vec(),
            (TIMECODE_SCALE, _) => scale = uint(data),
            (DURATION, _) => {
                duration = match size {
                    4 => Some(f64::from(f32::from_be_bytes(data.try_into().expect("four bytes")))),
                    8 => Some(f64::from_be_bytes(data.try_into().expect("eight bytes"))),
                    _ => return Err(Refused::Malformed("a WebM duration that is not a number")),
                }
            }
            (SIMPLE_BLOCK | BLOCK, _) => packets.push(block(data)?),
            _ => {}
        }
    }
    if !saw_segment {
        return Err(Refused::Truncated);
    }
    if let Some(done) = current.take() {
        tracks.push(done);
    }
    let [(number, kind, codec, private)] = tracks.as_slice() else {
        return Err(Refused::Malformed("a WebM file with more than one track, or none"));
    };
    if *kind != 2 {
        return Err(Refused::Malformed("a WebM file whose track is not sound"));
    }
    if codec.as_slice() != b"A_OPUS" {
        return Err(Refused::NotOpus);
    }
    let packets = packets.into_iter().filter(|(track, _)| track == number).map(|(_, packet)| packet).collect();
    let declared_seconds = duration.map(|d| d * scale as f64 / 1e9);
    Ok(Track { codec_private: private.clone(), packets, declared_seconds })
}

/// A block's track number and its one frame (laced blocks are refused: recorders do not
/// write them for Opus).
fn block(data: &[u8]) -> Result<(u64, Vec<u8>), Refused> {
    let first = *data.first().ok_or(Refused::Truncated)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return Err(Refused::Malformed("a WebM block of an impossible track"));
    }
    let number_bytes = data.get(..len).ok_or(Refused::Truncated)?;
    let mask = if len == 8 { 0 } else { 0xffu8 >> len };
    let track = number_bytes[1..].iter().fold(u64::from(first & mask), |v, &b| (v << 8) | u64::from(b));
    // Then a 16-bit timecode and the flags.
    let flags = *data.get(len + 2).ok_or(Refused::Truncated)?;
    if flags & 0x06 != 0 {
        return Err(Refused::Malformed("a WebM block holding several frames (lacing)"));
    }
    Ok((track, data[len + 3..].to_vec()))
}
