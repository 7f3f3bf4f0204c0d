//! The parser on real recordings (opusenc's Ogg Opus with a name and a place in its
//! comments, Chromium's MediaRecorder WebM, a 16 kHz WAV), and on hostile ones made from
//! them.

use super::*;

const TONE_OPUS: &[u8] = include_bytes!("../../../tests/fixtures/voices/tone.opus");
const BEEP_WEBM: &[u8] = include_bytes!("../../../tests/fixtures/voices/beep.webm");
const TONE_WAV: &[u8] = include_bytes!("../../../tests/fixtures/voices/tone.wav");

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The audio packets of an Ogg Opus stream (after its two headers), with their granules.
fn audio_of(ogg: &[u8]) -> Vec<(Vec<u8>, i64)> {
    ogg::read(ogg).unwrap().packets.into_iter().skip(2).collect()
}

#[test]
fn an_ogg_opus_recording_is_kept_with_its_sound_and_without_its_comments() {
    assert!(contains(TONE_OPUS, b"Ana Quispe"), "the fixture names someone");
    let clip = normalize(TONE_OPUS).unwrap();
    assert_eq!(clip.millis, 1200, "57,600 samples after the pre-skip, as its last page says");
    assert!(!contains(&clip.ogg, b"Ana Quispe") && !contains(&clip.ogg, b"opusenc"), "no comments kept");
    let packets = ogg::read(&clip.ogg).unwrap().packets;
    assert_eq!(packets[0].0, ogg::read(TONE_OPUS).unwrap().packets[0].0, "the same OpusHead");
    assert_eq!(packets[1].0, opus::bare_tags());
    let sound = |ogg: &[u8]| audio_of(ogg).into_iter().map(|(p, _)| p).collect::<Vec<_>>();
    assert_eq!(sound(&clip.ogg), sound(TONE_OPUS), "every packet, unchanged");
    assert_eq!(audio_of(&clip.ogg).last().unwrap().1, audio_of(TONE_OPUS).last().unwrap().1, "trimmed end kept");
    assert_eq!(normalize(&clip.ogg).unwrap(), clip, "what Digna writes, it reads back as it is");
}

#[test]
fn a_browser_s_webm_recording_is_kept_as_ogg_opus() {
    assert!(contains(BEEP_WEBM, b"Chrome"), "the fixture names its recorder");
    let webm = webm::read(BEEP_WEBM).unwrap();
    let clip = normalize(BEEP_WEBM).unwrap();
    assert!((1000..2000).contains(&clip.millis), "about 1.5 s: {}", clip.millis);
    assert!(clip.ogg.starts_with(b"OggS") && !contains(&clip.ogg, b"Chrome"));
    let packets: Vec<Vec<u8>> = audio_of(&clip.ogg).into_iter().map(|(p, _)| p).collect();
    assert_eq!(packets, webm.packets, "the same sound");
    assert_eq!(ogg::read(&clip.ogg).unwrap().packets[0].0, webm.codec_private);
}

#[test]
fn what_is_not_opus_in_ogg_or_webm_is_refused_by_its_bytes() {
    assert_eq!(normalize(b""), Err(Refused::Empty));
    assert_eq!(normalize(b"\x89PNG\r\n\x1a\n...."), Err(Refused::NotAudio));
    // Vorbis in Ogg.
    let vorbis = ogg::write(b"\x01vorbis\0\0\0\0\x01\x44\xac\0\0", b"\x03vorbis", &[(vec![0; 30], 1024)]);
    assert_eq!(normalize(&vorbis), Err(Refused::NotOpus));
    // Vorbis in WebM: the same file with another codec id.
    let mut other = BEEP_WEBM.to_vec();
    let at = other.windows(6).position(|w| w == b"A_OPUS").unwrap();
    other[at..at + 6].copy_from_slice(b"A_VORB");
    assert_eq!(normalize(&other), Err(Refused::NotOpus));
}

#[test]
fn a_truncated_or_damaged_file_is_refused() {
    assert_eq!(normalize(&TONE_OPUS[..TONE_OPUS.len() / 2]), Err(Refused::Truncated));
    assert_eq!(normalize(&BEEP_WEBM[..BEEP_WEBM.len() - 7]), Err(Refused::Truncated));
    assert_eq!(normalize(&BEEP_WEBM[..40]), Err(Refused::Truncated));
    let mut damaged = TONE_OPUS.to_vec();
    damaged[200] ^= 0x40;
    assert!(matches!(normalize(&damaged), Err(Refused::Malformed(m)) if m.contains("checksum")));
}

#[test]
fn an_oversize_or_overlong_recording_is_refused() {
    let mut big = TONE_OPUS.to_vec();
    big.resize(MAX_BYTES + 1, 0);
    assert_eq!(normalize(&big), Err(Refused::TooLarge));
    let packets = ogg::read(TONE_OPUS).unwrap().packets;
    let (head, tags) = (&packets[0].0, &packets[1].0);
    // 31 s of the smallest packets there are (20 ms of silence each).
    let long: Vec<(Vec<u8>, i64)> = (1..=1550).map(|i| (vec![0x08], 312 + 960 * i)).collect();
    let overlong = ogg::write(head, tags, &long);
    assert!(overlong.len() < MAX_BYTES);
    assert_eq!(normalize(&overlong), Err(Refused::TooLong(30_020)));
    // One second of sound that declares an hour.
    let mut sound = audio_of(TONE_OPUS);
    sound.last_mut().unwrap().1 = 48_000 * 3600;
    assert_eq!(normalize(&ogg::write(head, tags, &sound)), Err(Refused::TooLong(3_599_993)));
}

/// A WebM file made by hand: the fixture's track, and an Info that declares `seconds`.
fn webm_declaring(seconds: f64) -> Vec<u8> {
    let webm = webm::read(BEEP_WEBM).unwrap();
    let element = |id: &[u8], data: &[u8]| {
        let mut e = id.to_vec();
        e.push(0x01); // an 8-byte size
        e.extend_from_slice(&(data.len() as u64).to_be_bytes()[1..]);
        e.extend_from_slice(data);
        e
    };
    let ebml = element(&[0x1a, 0x45, 0xdf, 0xa3], &element(&[0x42, 0x82], b"webm"));
    let info = element(&[0x15, 0x49, 0xa9, 0x66], &element(&[0x44, 0x89], &(seconds * 1000.0).to_be_bytes()));
    let entry = [
        element(&[0xd7], &[1]),
        element(&[0x83], &[2]),
        element(&[0x86], b"A_OPUS"),
        element(&[0x63, 0xa2], &webm.codec_private),
    ]
    .concat();
    let tracks = element(&[0x16, 0x54, 0xae, 0x6b], &element(&[0xae], &entry));
    let blocks: Vec<u8> =
        webm.packets.iter().flat_map(|p| element(&[0xa3], &[&[0x81, 0, 0, 0x80][..], p].concat())).collect();
    let cluster = element(&[0x1f, 0x43, 0xb6, 0x75], &[element(&[0xe7], &[0]), blocks].concat());
    [ebml, element(&[0x18, 0x53, 0x80, 0x67], &[info, tracks, cluster].concat())].concat()
}

#[test]
fn a_webm_file_that_declares_a_huge_duration_is_refused() {
    assert!(normalize(&webm_declaring(1.5)).is_ok(), "the hand-made file is sound");
    assert_eq!(normalize(&webm_declaring(36_000.0)), Err(Refused::TooLong(36_000_000)));
    assert!(matches!(normalize(&webm_declaring(f64::NAN)), Err(Refused::TooLong(_))));
}

/// The decoded sound of an Ogg Opus stream, mono at 16 kHz.
fn decoded(ogg: &[u8]) -> Vec<f32> {
    let mut decoder = opus_rs::OpusDecoder::new(16_000, 1).unwrap();
    let mut out = Vec::new();
    for (packet, _) in audio_of(ogg) {
        let mut pcm = vec![0f32; 1920];
        let n = decoder.decode(&packet, 320, &mut pcm).unwrap();
        out.extend_from_slice(&pcm[..n]);
    }
    out
}

#[test]
fn a_wav_recording_is_encoded_as_opus_and_keeps_its_sound_and_length() {
    let clip = normalize(TONE_WAV).unwrap();
    assert_eq!(clip.millis, 1200, "1.2 s of 16 kHz mono");
    let head = ogg::read(&clip.ogg).unwrap().packets[0].0.clone();
    let head = opus::OpusHead::parse(&head).unwrap();
    assert_eq!((head.channels, head.pre_skip), (1, 312));
    assert!(clip.ogg.len() < TONE_WAV.len() / 5, "{} bytes from {}", clip.ogg.len(), TONE_WAV.len());
    // The 440 Hz tone is there: loud in the middle, as in the file.
    let sound = decoded(&clip.ogg);
    let middle = &sound[sound.len() / 3..2 * sound.len() / 3];
    let rms = (middle.iter().map(|s| s * s).sum::<f32>() / middle.len() as f32).sqrt();
    assert!(rms > 0.05, "a tone, not silence: {rms}");
    assert_eq!(normalize(&clip.ogg).unwrap(), clip, "kept as Digna keeps recordings");
}

/// A WAV file: its format chunk (`tag`, channels, rate, bits), a comment, and `data`.
fn wav(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8], declared: Option<u32>) -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&tag.to_le_bytes());
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate * u32::from(channels) * u32::from(bits) / 8).to_le_bytes());
    fmt.extend_from_slice(&(channels * bits / 8).to_le_bytes());
    fmt.extend_from_slice(&bits.to_le_bytes());
    let mut body = b"WAVE".to_vec();
    for (id, chunk) in [(b"fmt ", fmt.as_slice()), (b"LIST", b"INFOIART\x0b\0\0\0Ana Quispe\0\0".as_slice())] {
        body.extend_from_slice(id);
        body.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        body.extend_from_slice(chunk);
    }
    body.extend_from_slice(b"data");
    body.extend_from_slice(&declared.unwrap_or(data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&(body.len() as u32).to_le_bytes());
    file.extend_from_slice(&body);
    file
}

#[test]
fn a_wav_file_at_any_rate_in_stereo_is_mixed_down_and_its_comments_dropped() {
    // Half a second of 44.1 kHz stereo: resampled to 16 kHz, one channel.
    let frames: Vec<u8> = (0..22_050)
        .flat_map(|i| {
            let s = ((i as f32 * 440.0 * std::f32::consts::TAU / 44_100.0).sin() * 9000.0) as i16;
            [s.to_le_bytes(), s.to_le_bytes()].concat()
        })
        .collect();
    let clip = normalize(&wav(1, 2, 44_100, 16, &frames, None)).unwrap();
    assert_eq!(clip.millis, 500);
    assert!(!contains(&clip.ogg, b"Ana Quispe"));
    let sound = decoded(&clip.ogg);
    let rms = (sound.iter().map(|s| s * s).sum::<f32>() / sound.len() as f32).sqrt();
    assert!(rms > 0.05, "{rms}");
}

#[test]
fn a_hostile_wav_file_is_refused() {
    let second = vec![0u8; 32_000];
    assert_eq!(normalize(&wav(1, 1, 16_000, 16, &second[..1000], Some(32_000))), Err(Refused::Truncated), "cut short");
    assert!(
        matches!(normalize(&wav(3, 1, 16_000, 32, &second, None)), Err(Refused::Malformed(m)) if m.contains("16-bit PCM")),
        "float"
    );
    assert!(matches!(normalize(&wav(1, 1, 16_000, 8, &second, None)), Err(Refused::Malformed(_))), "8-bit");
    assert!(matches!(normalize(&wav(1, 6, 16_000, 16, &second, None)), Err(Refused::Malformed(_))), "5.1");
    // 31 s of 8 kHz mono fits in a megabyte, and is too long.
    let long = vec![0u8; 8_000 * 2 * 31];
    assert_eq!(normalize(&wav(1, 1, 8_000, 16, &long, None)), Err(Refused::TooLong(31_000)));
    assert_eq!(normalize(b"RIFF\0\0\0\0WAVE"), Err(Refused::Malformed("a WAV file without its format")));
    assert_eq!(normalize(&wav(1, 1, 16_000, 16, &[], None)), Err(Refused::Silent));
}
