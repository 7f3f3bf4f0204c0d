//! WAV, converted: 16-bit PCM (mono or stereo, any rate from 8 to 48 kHz) read from its
//! `fmt ` and `data` chunks (every other chunk, its metadata, left behind), mixed down to
//! mono, brought to a rate Opus encodes, and encoded as Opus in 20 ms packets (the pure
//! Rust `opus-rs`), ready for the Ogg writer.

use super::opus::OpusHead;
use super::{Refused, MAX_MILLIS};

/// Opus's input rates; anything else is resampled to 16 kHz (wideband, what speech needs).
const RATES: [u32; 5] = [8000, 12000, 16000, 24000, 48000];
const SPEECH_RATE: u32 = 16_000;
/// The encoder's delay at 48 kHz, as libopus's own encoder declares it.
const PRE_SKIP: u16 = 312;
/// Bits per second: clear speech, small files.
const BITRATE: i32 = 24_000;

/// An Opus packet and the granule position (at 48 kHz) at its end.
pub type Packet = (Vec<u8>, i64);

/// A WAV file's sound: mono 16-bit samples and their rate.
struct Pcm {
    rate: u32,
    samples: Vec<i16>,
}

fn read(bytes: &[u8]) -> Result<Pcm, Refused> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(Refused::NotAudio);
    }
    let (mut at, mut format, mut data) = (12, None, None);
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("four bytes")) as usize;
        let body = at + 8;
        if id == b"data" {
            // The rest of the file, however large the chunk says it is: a size beyond it is
            // a cut file.
            let available = bytes.len() - body;
            if size > available {
                return Err(Refused::Truncated);
            }
            data = Some(&bytes[body..body + size]);
            break;
        }
        let chunk = bytes.get(body..body + size).ok_or(Refused::Truncated)?;
        if id == b"fmt " {
            format = Some(chunk);
        }
        // Chunks are padded to an even length.
        at = body + size + (size & 1);
    }
    let format = format.ok_or(Refused::Malformed("a WAV file without its format"))?;
    let data = data.ok_or(Refused::Truncated)?;
    if format.len() < 16 {
        return Err(Refused::Malformed("a WAV format chunk too short"));
    }
    let tag = u16::from_le_bytes([format[0], format[1]]);
    let channels = u16::from_le_bytes([format[2], format[3]]);
    let rate = u32::from_le_bytes(format[4..8].try_into().expect("four bytes"));
    let bits = u16::from_le_bytes([format[14], format[15]]);
    // PCM, or the extensible format whose sub-format is PCM.
    let pcm = tag == 1 || (tag == 0xfffe && format.len() >= 26 && format[24..26] == [1, 0]);
    if !pcm || bits != 16 {
        return Err(Refused::Malformed("a WAV file that is not 16-bit PCM"));
    }
    if !(1..=2).contains(&channels) || !(8000..=48_000).contains(&rate) {
        return Err(Refused::Malformed("a WAV file of more than two channels or an unusual rate"));
    }
    let frame = 2 * usize::from(channels);
    let frames = data.len() / frame;
    let millis = frames as u64 * 1000 / u64::from(rate);
    if millis > u64::from(MAX_MILLIS) {
        return Err(Refused::TooLong(millis));
    }
    let samples = data
        .chunks_exact(frame)
        .map(|f| {
            let sum: i32 = f.chunks_exact(2).map(|s| i32::from(i16::from_le_bytes([s[0], s[1]]))).sum();
            (sum / i32::from(channels)) as i16
        })
        .collect();
    Ok(Pcm { rate, samples })
}

/// `pcm` at a rate Opus takes: as it is, or resampled to 16 kHz (linear, after averaging
/// away what the lower rate cannot hold).
fn at_opus_rate(pcm: Pcm) -> Pcm {
    if RATES.contains(&pcm.rate) {
        return pcm;
    }
    let ratio = f64::from(pcm.rate) / f64::from(SPEECH_RATE);
    let width = ratio.ceil().max(1.0) as usize;
    let smoothed: Vec<f64> = (0..pcm.samples.len())
        .map(|i| {
            let window = &pcm.samples[i.saturating_sub(width / 2)..(i + width.div_ceil(2)).min(pcm.samples.len())];
            window.iter().map(|&s| f64::from(s)).sum::<f64>() / window.len() as f64
        })
        .collect();
    let n = (pcm.samples.len() as f64 / ratio).floor() as usize;
    let samples = (0..n)
        .map(|i| {
            let x = i as f64 * ratio;
            let (j, frac) = (x.floor() as usize, x.fract());
            let a = smoothed[j.min(smoothed.len() - 1)];
            let b = smoothed[(j + 1).min(smoothed.len() - 1)];
            (a + (b - a) * frac).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect();
    Pcm { rate: SPEECH_RATE, samples }
}

/// The WAV file's sound as Opus: its header and its packets, each with the granule
/// position (at 48 kHz) at its end, the last one trimmed to the sound's own length.
pub fn encode(bytes: &[u8]) -> Result<(OpusHead, Vec<Packet>), Refused> {
    let pcm = read(bytes)?;
    let original_rate = pcm.rate;
    let pcm = at_opus_rate(pcm);
    if pcm.samples.is_empty() {
        return Err(Refused::Silent);
    }
    let mut encoder = opus_rs::OpusEncoder::new(pcm.rate as i32, 1, opus_rs::Application::Voip)
        .map_err(|_| Refused::Malformed("a WAV file Digna cannot encode"))?;
    encoder.bitrate_bps = BITRATE;
    let frame = (pcm.rate / 50) as usize;
    let per_frame_48k = 960i64;
    let total_48k = pcm.samples.len() as i64 * 48_000 / i64::from(pcm.rate);
    let mut packets = Vec::new();
    let mut out = vec![0u8; 1500];
    for (i, chunk) in pcm.samples.chunks(frame).enumerate() {
        let mut input = chunk.to_vec();
        input.resize(frame, 0);
        let n = encoder
            .encode_i16(&input, frame, &mut out)
            .map_err(|_| Refused::Malformed("a WAV file Digna cannot encode"))?;
        let end = i64::from(PRE_SKIP) + (per_frame_48k * (i as i64 + 1)).min(total_48k);
        packets.push((out[..n].to_vec(), end));
    }
    let mut head = b"OpusHead".to_vec();
    head.push(1);
    head.push(1);
    head.extend_from_slice(&PRE_SKIP.to_le_bytes());
    head.extend_from_slice(&original_rate.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes());
    head.push(0);
    Ok((OpusHead::parse(&head)?, packets))
}
