//! Ogg pages (RFC 3533): read, every page checked (capture pattern, version, checksum, one
//! logical stream, sequence), and written, for the recordings Digna stores.

use super::Refused;

/// The page checksum: CRC-32 with polynomial 0x04C11DB7, unreflected, starting at 0.
fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, entry) in t.iter_mut().enumerate() {
            let mut r = (i as u32) << 24;
            for _ in 0..8 {
                r = if r & 0x8000_0000 != 0 { (r << 1) ^ 0x04c1_1db7 } else { r << 1 };
            }
            *entry = r;
        }
        t
    });
    data.iter().fold(0u32, |crc, &b| (crc << 8) ^ table[((crc >> 24) as u8 ^ b) as usize])
}

/// One page as read.
struct Page<'a> {
    header_type: u8,
    granule: i64,
    serial: u32,
    sequence: u32,
    lacing: &'a [u8],
    body: &'a [u8],
}

/// The packets of an Ogg stream, each with the granule position of the page it ends on
/// (`-1` when that page declares none).
pub struct Stream {
    pub packets: Vec<(Vec<u8>, i64)>,
}

/// Reads every page of `bytes` (a single logical stream, as Opus in Ogg is).
pub fn read(bytes: &[u8]) -> Result<Stream, Refused> {
    let mut at = 0;
    let mut packets = Vec::new();
    let mut partial: Vec<u8> = Vec::new();
    let mut expect: Option<(u32, u32)> = None;
    let mut ended = false;
    while at < bytes.len() {
        if ended {
            return Err(Refused::Malformed("Ogg pages after the end of the stream"));
        }
        let page = page_at(bytes, &mut at)?;
        match expect {
            None if page.header_type & 0x02 == 0 => {
                return Err(Refused::Malformed("an Ogg stream that does not begin with its first page"))
            }
            Some((serial, _)) if serial != page.serial => {
                return Err(Refused::Malformed("more than one stream in one Ogg file"))
            }
            Some((_, sequence)) if sequence != page.sequence => {
                return Err(Refused::Malformed("Ogg pages missing or out of order"))
            }
            _ => {}
        }
        expect = Some((page.serial, page.sequence.wrapping_add(1)));
        let continued = page.header_type & 0x01 != 0;
        if continued == partial.is_empty() {
            return Err(Refused::Malformed("an Ogg packet continued where none was begun"));
        }
        let mut body = page.body;
        for (i, &len) in page.lacing.iter().enumerate() {
            let (segment, rest) = body.split_at(usize::from(len));
            partial.extend_from_slice(segment);
            body = rest;
            if len < 255 {
                // No packet ends after this one on the page.
                let last_on_page = !page.lacing[i + 1..].iter().any(|&l| l < 255);
                let granule = if last_on_page { page.granule } else { -1 };
                packets.push((std::mem::take(&mut partial), granule));
            }
        }
        ended = page.header_type & 0x04 != 0;
    }
    if expect.is_none() {
        return Err(Refused::Malformed("an Ogg file without pages"));
    }
    if !partial.is_empty() {
        return Err(Refused::Truncated);
    }
    Ok(Stream { packets })
}

fn page_at<'a>(bytes: &'a [u8], at: &mut usize) -> Result<Page<'a>, Refused> {
    let rest = &bytes[*at..];
    if rest.len() < 27 {
        return Err(Refused::Truncated);
    }
    if &rest[..4] != b"OggS" {
        return Err(Refused::Malformed("bytes between Ogg pages"));
    }
    if rest[4] != 0 {
        return Err(Refused::Malformed("an Ogg page of an unknown version"));
    }
    let segments = usize::from(rest[26]);
    let lacing = rest.get(27..27 + segments).ok_or(Refused::Truncated)?;
    let body_len: usize = lacing.iter().map(|&l| usize::from(l)).sum();
    let total = 27 + segments + body_len;
    let whole = rest.get(..total).ok_or(Refused::Truncated)?;
    let declared = u32::from_le_bytes(whole[22..26].try_into().expect("four bytes"));
    let mut zeroed = whole.to_vec();
    zeroed[22..26].fill(0);
    if crc32(&zeroed) != declared {
        return Err(Refused::Malformed("an Ogg page whose checksum does not match (a damaged file)"));
    }
    *at += total;
    Ok(Page {
        header_type: whole[5],
        granule: i64::from_le_bytes(whole[6..14].try_into().expect("eight bytes")),
        serial: u32::from_le_bytes(whole[14..18].try_into().expect("four bytes")),
        sequence: u32::from_le_bytes(whole[18..22].try_into().expect("four bytes")),
        lacing,
        body: &whole[27 + segments..],
    })
}

/// The stream serial number of every recording Digna writes: the same for all, so that it
/// says nothing about where or when one was made.
const SERIAL: u32 = 0x6469_676e;

/// Writes an Ogg Opus stream: the identification header and the comment header each on a
/// page of its own, then the audio packets, each given with the granule position at its
/// end, a few to a page.
pub fn write(head: &[u8], tags: &[u8], audio: &[(Vec<u8>, i64)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut sequence = 0u32;
    let mut emit = |packets: &[&[u8]], granule: i64, header_type: u8, out: &mut Vec<u8>| {
        let mut lacing = Vec::new();
        for p in packets {
            lacing.extend(std::iter::repeat_n(255u8, p.len() / 255));
            lacing.push((p.len() % 255) as u8);
        }
        let start = out.len();
        out.extend_from_slice(b"OggS");
        out.push(0);
        out.push(header_type);
        out.extend_from_slice(&granule.to_le_bytes());
        out.extend_from_slice(&SERIAL.to_le_bytes());
        out.extend_from_slice(&sequence.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.push(lacing.len() as u8);
        out.extend_from_slice(&lacing);
        for p in packets {
            out.extend_from_slice(p);
        }
        let crc = crc32(&out[start..]);
        out[start + 22..start + 26].copy_from_slice(&crc.to_le_bytes());
        sequence += 1;
    };
    emit(&[head], 0, 0x02, &mut out);
    // A comment header longer than a page would span several; Digna's is a few bytes.
    emit(&[tags], 0, 0x00, &mut out);
    let mut page: Vec<&[u8]> = Vec::new();
    let (mut segments, mut granule) = (0usize, 0i64);
    for (i, (packet, end)) in audio.iter().enumerate() {
        let needed = packet.len() / 255 + 1;
        if !page.is_empty() && (segments + needed > 255 || page.len() >= 50) {
            emit(&page, granule, 0, &mut out);
            page.clear();
            segments = 0;
        }
        page.push(packet);
        segments += needed;
        granule = *end;
        if i + 1 == audio.len() {
            emit(&page, granule, 0x04, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_is_ogg_s() {
        // The page checksum of the ASCII digits, as libogg computes it.
        assert_eq!(crc32(b"123456789"), 0x89a1_897f);
    }

    #[test]
    fn what_is_written_reads_back() {
        let audio: Vec<(Vec<u8>, i64)> =
            (0..120).map(|i| (vec![0x08; 1 + i * 3], 312 + 960 * (i as i64 + 1))).collect();
        let bytes = write(b"OpusHead-ish", b"OpusTags", &audio);
        let stream = read(&bytes).unwrap();
        assert_eq!(stream.packets.len(), 122);
        assert_eq!(stream.packets[0].0, b"OpusHead-ish");
        assert_eq!(stream.packets.last().unwrap(), &(audio[119].0.clone(), audio[119].1));
        let packets: Vec<&Vec<u8>> = stream.packets[2..].iter().map(|(p, _)| p).collect();
        assert_eq!(packets, audio.iter().map(|(p, _)| p).collect::<Vec<_>>());
    }

    #[test]
    fn a_damaged_or_cut_stream_is_refused() {
        let audio = vec![(vec![0x08; 40], 1272)];
        let bytes = write(b"head", b"tags", &audio);
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(matches!(read(&flipped), Err(Refused::Malformed(m)) if m.contains("checksum")));
        assert_eq!(read(&bytes[..bytes.len() - 5]).err(), Some(Refused::Truncated));
        assert!(read(b"").is_err());
    }
}
