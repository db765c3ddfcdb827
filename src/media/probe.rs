//! What the container of a video or audio file says about it (duration, frame size and rate,
//! audio codec, sample rate and channels), for Mastodon's `meta`. Only headers are read,
//! nothing is decoded. MP4, QuickTime and M4A go through Mozilla's `mp4parse` (written for
//! hostile input in Firefox); WAV and FLAC headers are read here. WebM, Ogg and MP3 are not
//! probed: their attachments have no duration in `meta`.

use std::io::Cursor;

use serde_json::{json, Map, Value};

use super::Sniffed;

/// The audio stream of a file.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioInfo {
    pub codec: &'static str,
    pub sample_rate: u32,
    pub channels: u32,
}

/// What was found in a container.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AvMeta {
    /// Seconds.
    pub duration: Option<f64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Frames per second as a fraction (numerator, denominator).
    pub frame_rate: Option<(u64, u64)>,
    pub audio: Option<AudioInfo>,
}

/// Reads the headers of a video or audio file; `None` when there is nothing to say (an
/// unprobed format, or headers that do not parse).
pub fn probe(bytes: &[u8], format: Sniffed) -> Option<AvMeta> {
    let meta = match format {
        Sniffed::Mp4 | Sniffed::QuickTime | Sniffed::M4a => {
            // mp4parse returns errors for bad input; a panic would be a bug in it, and must
            // not take an upload (or a worker) down with it.
            std::panic::catch_unwind(|| probe_mp4(bytes)).ok().flatten()
        }
        Sniffed::Wav => probe_wav(bytes),
        Sniffed::Flac => probe_flac(bytes),
        _ => None,
    }?;
    (meta != AvMeta::default()).then_some(meta)
}

fn probe_mp4(bytes: &[u8]) -> Option<AvMeta> {
    let context = mp4parse::read_mp4(&mut Cursor::new(bytes)).ok()?;
    let mut meta = AvMeta::default();
    let seconds = |t: &mp4parse::Track| -> Option<f64> {
        let scale = t.timescale?.0;
        let duration = t.duration?.0;
        (scale > 0).then(|| duration as f64 / scale as f64)
    };
    for track in context.tracks.iter() {
        let entry = track.stsd.as_ref().and_then(|d| d.descriptions.first());
        match track.track_type {
            mp4parse::TrackType::Video if meta.width.is_none() => {
                let (mut w, mut h) = track
                    .tkhd
                    .as_ref()
                    .map(|t| (t.width >> 16, t.height >> 16))
                    .unwrap_or((0, 0));
                if let Some(mp4parse::SampleEntry::Video(v)) = entry {
                    if w == 0 || h == 0 {
                        (w, h) = (u32::from(v.width), u32::from(v.height));
                    }
                }
                if w > 0 && h > 0 {
                    (meta.width, meta.height) = (Some(w), Some(h));
                }
                let frames: u64 = track
                    .stts
                    .as_ref()
                    .map(|s| s.samples.iter().map(|x| u64::from(x.sample_count)).sum())
                    .unwrap_or(0);
                if let (Some(scale), Some(duration)) = (track.timescale, track.duration) {
                    if frames > 0 && duration.0 > 0 {
                        meta.frame_rate = Some(reduce(frames.saturating_mul(scale.0), duration.0));
                    }
                }
                meta.duration = max(meta.duration, seconds(track));
            }
            mp4parse::TrackType::Audio if meta.audio.is_none() => {
                if let Some(mp4parse::SampleEntry::Audio(a)) = entry {
                    meta.audio = Some(AudioInfo {
                        codec: codec_name(a.codec_type),
                        sample_rate: a.samplerate as u32,
                        channels: a.channelcount,
                    });
                }
                meta.duration = max(meta.duration, seconds(track));
            }
            _ => {}
        }
    }
    Some(meta)
}

fn max(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn codec_name(codec: mp4parse::CodecType) -> &'static str {
    use mp4parse::CodecType as C;
    match codec {
        C::AAC => "aac",
        C::MP3 => "mp3",
        C::FLAC => "flac",
        C::Opus => "opus",
        C::ALAC => "alac",
        C::LPCM => "pcm",
        _ => "unknown",
    }
}

fn reduce(num: u64, den: u64) -> (u64, u64) {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let g = gcd(num, den).max(1);
    (num / g, den / g)
}

fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// RIFF/WAVE: the `fmt ` chunk gives channels, sample rate and bytes per second, the `data`
/// chunk's size the duration.
fn probe_wav(bytes: &[u8]) -> Option<AvMeta> {
    let mut at = 12;
    let (mut fmt, mut data) = (None, None);
    while at + 8 <= bytes.len() && (fmt.is_none() || data.is_none()) {
        let id = &bytes[at..at + 4];
        let size = le_u32(bytes, at + 4)? as usize;
        match id {
            b"fmt " => {
                let channels = le_u16(bytes, at + 10)?;
                let rate = le_u32(bytes, at + 12)?;
                let byte_rate = le_u32(bytes, at + 16)?;
                fmt = Some((channels, rate, byte_rate));
            }
            b"data" => data = Some(size),
            _ => {}
        }
        at = at.checked_add(8)?.checked_add(size + (size & 1))?;
    }
    let (channels, rate, byte_rate) = fmt?;
    Some(AvMeta {
        duration: data
            .filter(|_| byte_rate > 0)
            .map(|size| size as f64 / f64::from(byte_rate)),
        audio: Some(AudioInfo {
            codec: "pcm",
            sample_rate: rate,
            channels: u32::from(channels),
        }),
        ..AvMeta::default()
    })
}

/// FLAC: the STREAMINFO block, which comes first, holds the sample rate (20 bits), channels
/// (3 bits, minus one) and total samples (36 bits).
fn probe_flac(bytes: &[u8]) -> Option<AvMeta> {
    let info = bytes.get(8..8 + 34)?;
    if bytes.get(4)? & 0x7F != 0 {
        return None;
    }
    let rate =
        (u32::from(info[10]) << 12) | (u32::from(info[11]) << 4) | (u32::from(info[12]) >> 4);
    let channels = u32::from((info[12] >> 1) & 0x07) + 1;
    let total = (u64::from(info[13] & 0x0F) << 32)
        | (u64::from(info[14]) << 24)
        | (u64::from(info[15]) << 16)
        | (u64::from(info[16]) << 8)
        | u64::from(info[17]);
    if rate == 0 {
        return None;
    }
    Some(AvMeta {
        duration: (total > 0).then(|| total as f64 / f64::from(rate)),
        audio: Some(AudioInfo {
            codec: "flac",
            sample_rate: rate,
            channels,
        }),
        ..AvMeta::default()
    })
}

/// `H:MM:SS.ss`, as Mastodon's `length`.
fn length(seconds: f64) -> String {
    let centis = (seconds * 100.0).round() as u64;
    let (h, rest) = (centis / 360_000, centis % 360_000);
    let (m, rest) = (rest / 6000, rest % 6000);
    format!("{h}:{m:02}:{:02}.{:02}", rest / 100, rest % 100)
}

impl AvMeta {
    /// Mastodon's `meta` of a video or audio attachment (without `small`, which comes from
    /// the preview): `length`, `duration`, `fps`, `size`, `width`, `height`, `aspect`,
    /// `audio_encode`, `audio_bitrate` (the sample rate, as Mastodon labels it),
    /// `audio_channels`, and `original` with `width`, `height`, `frame_rate`, `duration` and
    /// `bitrate` (of the whole file), each where known.
    pub fn to_json(&self, file_size: usize) -> Value {
        let mut top = Map::new();
        let mut original = Map::new();
        if let Some(d) = self.duration.filter(|d| d.is_finite() && *d > 0.0) {
            top.insert("length".into(), json!(length(d)));
            top.insert("duration".into(), json!((d * 100.0).round() / 100.0));
            original.insert("duration".into(), json!((d * 1000.0).round() / 1000.0));
            original.insert(
                "bitrate".into(),
                json!(((file_size as f64) * 8.0 / d).round() as u64),
            );
        }
        if let Some((num, den)) = self.frame_rate.filter(|f| f.1 > 0) {
            top.insert(
                "fps".into(),
                json!((num as f64 / den as f64).round() as u64),
            );
            original.insert("frame_rate".into(), json!(format!("{num}/{den}")));
        }
        if let (Some(w), Some(h)) = (self.width, self.height) {
            top.insert("size".into(), json!(format!("{w}x{h}")));
            top.insert("width".into(), json!(w));
            top.insert("height".into(), json!(h));
            top.insert("aspect".into(), json!(f64::from(w) / f64::from(h)));
            original.insert("width".into(), json!(w));
            original.insert("height".into(), json!(h));
        }
        if let Some(a) = &self.audio {
            top.insert("audio_encode".into(), json!(a.codec));
            if a.sample_rate > 0 {
                top.insert(
                    "audio_bitrate".into(),
                    json!(format!("{} Hz", a.sample_rate)),
                );
            }
            let channels = match a.channels {
                0 => None,
                1 => Some("mono".to_string()),
                2 => Some("stereo".to_string()),
                n => Some(format!("{n} channels")),
            };
            if let Some(c) = channels {
                top.insert("audio_channels".into(), json!(c));
            }
        }
        if !original.is_empty() {
            top.insert("original".into(), Value::Object(original));
        }
        Value::Object(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY_MP4: &[u8] = include_bytes!("../../tests/fixtures/media/tiny.mp4");

    #[test]
    fn reads_mp4_headers() {
        let meta = probe(TINY_MP4, Sniffed::Mp4).expect("meta");
        assert_eq!((meta.width, meta.height), (Some(320), Some(240)));
        assert_eq!(meta.frame_rate, Some((24, 1)));
        assert_eq!(meta.duration, Some(2.5));
        assert_eq!(
            meta.audio,
            Some(AudioInfo {
                codec: "mp3",
                sample_rate: 44100,
                channels: 2
            })
        );
        let json = meta.to_json(TINY_MP4.len());
        assert_eq!(json["length"], "0:00:02.50");
        assert_eq!(json["fps"], 24);
        assert_eq!(json["audio_channels"], "stereo");
        assert_eq!(json["original"]["frame_rate"], "24/1");
    }

    #[test]
    fn garbage_and_truncation_say_nothing() {
        assert_eq!(probe(&TINY_MP4[..200], Sniffed::Mp4), None);
        assert_eq!(probe(b"\0\0\0\x20ftypisom", Sniffed::Mp4), None);
        let mut lying = TINY_MP4.to_vec();
        // A box claiming to be 4 GiB long.
        lying[32..36].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xF0]);
        let _ = probe(&lying, Sniffed::Mp4);
        assert_eq!(probe(b"RIFF\0\0\0\0WAVE", Sniffed::Wav), None);
        assert_eq!(probe(b"fLaC", Sniffed::Flac), None);
    }

    #[test]
    fn reads_wav_and_flac_headers() {
        let mut wav = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0".to_vec();
        wav.extend_from_slice(&8000u32.to_le_bytes());
        wav.extend_from_slice(&16000u32.to_le_bytes());
        wav.extend_from_slice(&[2, 0, 16, 0]);
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&32000u32.to_le_bytes());
        let meta = probe(&wav, Sniffed::Wav).expect("wav");
        assert_eq!(meta.duration, Some(2.0));
        assert_eq!(meta.to_json(wav.len())["audio_channels"], "mono");

        // STREAMINFO: 44.1 kHz, stereo, 88,200 samples.
        let mut flac = b"fLaC\x80\0\0\x22".to_vec();
        let mut info = [0u8; 34];
        info[10] = 0x0A;
        info[11] = 0xC4;
        info[12] = 0x42;
        info[13] = 0xF0;
        info[15] = 0x01;
        info[16] = 0x58;
        info[17] = 0x88;
        flac.extend_from_slice(&info);
        let meta = probe(&flac, Sniffed::Flac).expect("flac");
        let audio = meta.audio.clone().expect("audio");
        assert_eq!((audio.sample_rate, audio.channels), (44100, 2));
        assert_eq!(meta.duration, Some(2.0));
    }
}
