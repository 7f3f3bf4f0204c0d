//! What an uploaded recording is, read from its bytes and never from its name or its
//! declared type: Opus in Ogg or in WebM (what browsers record), or 16-bit PCM WAV, which
//! is encoded as Opus ([`wav`]). Anything else is refused
//! with a reason; what is accepted is written again as a fresh Ogg Opus stream with a bare
//! comment header (no name, device or date: nothing but the sound), bounded in size and
//! length.

pub mod ogg;
pub mod opus;
pub mod wav;
pub mod webm;

use opus::{bare_tags, packet_samples, OpusHead};

/// The largest upload taken, in bytes.
pub const MAX_BYTES: usize = 1024 * 1024;
/// The longest recording taken, in milliseconds.
pub const MAX_MILLIS: u32 = 30_000;

/// Why an upload is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    Empty,
    TooLarge,
    /// Not a container Digna reads (Ogg, WebM).
    NotAudio,
    /// A container Digna reads, holding something else than Opus.
    NotOpus,
    /// The file stops in the middle.
    Truncated,
    Malformed(&'static str),
    /// Longer than [`MAX_MILLIS`], measured or declared: the milliseconds.
    TooLong(u64),
    /// No sound in it.
    Silent,
}

impl Refused {
    /// What the admin console says, in Spanish or English.
    pub fn message(&self, english: bool) -> String {
        let limit = MAX_MILLIS / 1000;
        match (self, english) {
            (Refused::Empty, false) => "El archivo está vacío.".into(),
            (Refused::Empty, true) => "The file is empty.".into(),
            (Refused::TooLarge, false) => format!("El archivo pasa de {} MB.", MAX_BYTES / (1024 * 1024)),
            (Refused::TooLarge, true) => format!("The file is over {} MB.", MAX_BYTES / (1024 * 1024)),
            (Refused::NotAudio, false) => {
                "No es una grabación que Digna acepte: envíe Opus en Ogg o en WebM (lo que graba esta página), o WAV."
                    .into()
            }
            (Refused::NotAudio, true) => {
                "Not a recording Digna takes: send Opus in Ogg or WebM (what this page records), or WAV.".into()
            }
            (Refused::NotOpus, false) => "El archivo no lleva sonido Opus.".into(),
            (Refused::NotOpus, true) => "The file does not hold Opus sound.".into(),
            (Refused::Truncated, false) => "El archivo está cortado: termina a medias.".into(),
            (Refused::Truncated, true) => "The file is cut short.".into(),
            (Refused::Malformed(why), false) => format!("El archivo está dañado o no se puede leer ({why})."),
            (Refused::Malformed(why), true) => format!("The file is damaged or unreadable ({why})."),
            (Refused::TooLong(ms), false) => {
                format!("La grabación dura {:.1} s; el máximo es {limit} s.", *ms as f64 / 1000.0)
            }
            (Refused::TooLong(ms), true) => {
                format!("The recording lasts {:.1} s; at most {limit} s.", *ms as f64 / 1000.0)
            }
            (Refused::Silent, false) => "La grabación no tiene sonido.".into(),
            (Refused::Silent, true) => "The recording holds no sound.".into(),
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(true))
    }
}

/// A recording as Digna keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clip {
    /// Ogg Opus, written by Digna.
    pub ogg: Vec<u8>,
    pub millis: u32,
}

/// Reads an upload and writes it again as Digna keeps recordings, or says why not.
pub fn normalize(bytes: &[u8]) -> Result<Clip, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refused::TooLarge);
    }
    let (head, packets, declared_end) = if bytes.starts_with(b"OggS") {
        let mut stream = ogg::read(bytes)?.packets.into_iter();
        let head = OpusHead::parse(&stream.next().ok_or(Refused::NotOpus)?.0)?;
        let tags = stream.next().ok_or(Refused::Truncated)?.0;
        if !tags.starts_with(b"OpusTags") {
            return Err(Refused::Malformed("an Opus stream without its comment header"));
        }
        let packets: Vec<(Vec<u8>, i64)> = stream.collect();
        let end = packets.iter().rev().find(|(_, g)| *g >= 0).map(|(_, g)| *g);
        (head, packets.into_iter().map(|(p, _)| p).collect::<Vec<_>>(), end.map(Declared::Granule))
    } else if bytes.starts_with(b"RIFF") {
        let (head, packets) = wav::encode(bytes)?;
        let end = packets.last().map(|(_, g)| Declared::Granule(*g));
        (head, packets.into_iter().map(|(p, _)| p).collect(), end)
    } else if bytes.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]) {
        let track = webm::read(bytes)?;
        let head = OpusHead::parse(&track.codec_private)?;
        (head, track.packets, track.declared_seconds.map(Declared::Seconds))
    } else {
        return Err(Refused::NotAudio);
    };
    // Granule positions as Digna counts them: the packets' own lengths.
    let mut end = i64::from(head.pre_skip);
    let mut audio = Vec::with_capacity(packets.len());
    for packet in packets {
        end += i64::from(packet_samples(&packet)?);
        audio.push((packet, end));
        if end - i64::from(head.pre_skip) > i64::from(MAX_MILLIS) * 48 {
            return Err(Refused::TooLong(((end - i64::from(head.pre_skip)) / 48) as u64));
        }
    }
    if end <= i64::from(head.pre_skip) {
        return Err(Refused::Silent);
    }
    match declared_end {
        // An Ogg stream may end inside its last packet (the encoder's padding trimmed off):
        // kept so.
        Some(Declared::Granule(g)) if g < end && end - g < 5760 && g > i64::from(head.pre_skip) => {
            if let Some(last) = audio.last_mut() {
                last.1 = g;
                end = g;
            }
        }
        Some(Declared::Granule(g)) if g < end => {
            return Err(Refused::Malformed("an Ogg stream that declares less sound than it holds"))
        }
        Some(Declared::Granule(g)) if g > end => {
            let ms = (g - i64::from(head.pre_skip)).max(0) as u64 / 48;
            return Err(if ms > u64::from(MAX_MILLIS) {
                Refused::TooLong(ms)
            } else {
                Refused::Malformed("an Ogg stream that declares more sound than it holds")
            });
        }
        Some(Declared::Seconds(s)) if !(0.0..=f64::from(MAX_MILLIS) / 1000.0 + 1.0).contains(&s) => {
            return Err(Refused::TooLong(if s.is_finite() && s > 0.0 { (s * 1000.0) as u64 } else { u64::MAX }));
        }
        _ => {}
    }
    let ogg = ogg::write(&head.bytes, &bare_tags(), &audio);
    Ok(Clip { ogg, millis: ((end - i64::from(head.pre_skip)) / 48) as u32 })
}

enum Declared {
    Granule(i64),
    Seconds(f64),
}

#[cfg(test)]
mod tests;
