//! Opus as Ogg and WebM carry it (RFC 7845, RFC 6716): the identification header, the
//! comment header Digna writes in place of the one it got, and how long a packet lasts.

use super::Refused;

/// A checked identification header (`OpusHead`), kept byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpusHead {
    pub bytes: Vec<u8>,
    /// Samples (at 48 kHz) to drop from the start of the decoded stream.
    pub pre_skip: u16,
    pub channels: u8,
}

impl OpusHead {
    /// Checks an `OpusHead` packet: version 1, one or two channels with the default
    /// mapping, or up to eight with a channel mapping table of the right length.
    pub fn parse(packet: &[u8]) -> Result<OpusHead, Refused> {
        if packet.len() < 19 || &packet[..8] != b"OpusHead" {
            return Err(Refused::NotOpus);
        }
        let version = packet[8];
        if version >> 4 != 0 {
            return Err(Refused::Malformed("an Opus header of an unknown version"));
        }
        let channels = packet[9];
        let pre_skip = u16::from_le_bytes([packet[10], packet[11]]);
        let family = packet[18];
        let expected = match family {
            0 if (1..=2).contains(&channels) => 19,
            1 if (1..=8).contains(&channels) => 21 + usize::from(channels),
            _ => return Err(Refused::Malformed("an Opus header with a channel layout Digna does not play")),
        };
        if packet.len() != expected {
            return Err(Refused::Malformed("an Opus header of the wrong length"));
        }
        Ok(OpusHead { bytes: packet.to_vec(), pre_skip, channels })
    }
}

/// The comment header Digna writes: its own vendor string and no comments, so that no
/// name, device or date travels with a recording.
pub fn bare_tags() -> Vec<u8> {
    let vendor = b"digna";
    let mut tags = b"OpusTags".to_vec();
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor);
    tags.extend_from_slice(&0u32.to_le_bytes());
    tags
}

/// How many samples (at 48 kHz) an Opus packet holds, from its table-of-contents byte
/// (RFC 6716, 3.1); a packet that is empty, malformed or longer than 120 ms is refused.
pub fn packet_samples(packet: &[u8]) -> Result<u32, Refused> {
    let Some(&toc) = packet.first() else {
        return Err(Refused::Malformed("an empty Opus packet"));
    };
    let config = toc >> 3;
    let frame = match config {
        0..=11 => [480, 960, 1920, 2880][usize::from(config % 4)],
        12..=15 => [480, 960][usize::from(config % 2)],
        _ => [120, 240, 480, 960][usize::from(config % 4)],
    };
    let frames = match toc & 3 {
        0 => 1,
        1 | 2 => 2,
        _ => match packet.get(1) {
            Some(count) if count & 0x3f > 0 => u32::from(count & 0x3f),
            _ => return Err(Refused::Malformed("an Opus packet without its frame count")),
        },
    };
    let samples = frame * frames;
    if samples > 5760 {
        return Err(Refused::Malformed("an Opus packet longer than 120 ms"));
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(channels: u8, family: u8, len: usize) -> Vec<u8> {
        let mut h = b"OpusHead".to_vec();
        h.extend_from_slice(&[1, channels, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, family]);
        h.resize(len, 0);
        h
    }

    #[test]
    fn an_opus_header_is_checked() {
        let mono = OpusHead::parse(&head(1, 0, 19)).unwrap();
        assert_eq!((mono.channels, mono.pre_skip), (1, 312));
        assert!(OpusHead::parse(&head(2, 1, 23)).is_ok());
        assert_eq!(
            OpusHead::parse(&head(3, 0, 19)),
            Err(Refused::Malformed("an Opus header with a channel layout Digna does not play"))
        );
        assert_eq!(OpusHead::parse(&head(1, 0, 20)), Err(Refused::Malformed("an Opus header of the wrong length")));
        assert_eq!(OpusHead::parse(b"OpusTags\0\0\0\0\0\0\0\0\0\0\0"), Err(Refused::NotOpus));
        let mut future = head(1, 0, 19);
        future[8] = 0x10;
        assert!(OpusHead::parse(&future).is_err());
    }

    #[test]
    fn a_packet_lasts_what_its_toc_says() {
        assert_eq!(packet_samples(&[1 << 3]).unwrap(), 960, "SILK 20 ms, one frame");
        assert_eq!(packet_samples(&[(31 << 3) | 1]).unwrap(), 1920, "CELT 20 ms, two frames");
        assert_eq!(packet_samples(&[(16 << 3) | 3, 6]).unwrap(), 720, "CELT 2.5 ms, six frames");
        assert!(packet_samples(&[(3 << 3) | 3, 3]).is_err(), "three frames of 60 ms: 180 ms");
        assert!(packet_samples(&[(3 << 3) | 3]).is_err(), "no frame count");
        assert!(packet_samples(&[]).is_err());
    }
}
