//! `meta` of video and audio attachments, read from their containers as Mastodon shows it.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::assert_shape;
use crate::media::{mp4, spawn_media, upload};

const TINY_MP4: &[u8] = include_bytes!("../fixtures/media/tiny.mp4");

/// A mono 8 kHz 16-bit WAV of `seconds` of silence.
fn wav(seconds: u32) -> Vec<u8> {
    let data = 16_000 * seconds;
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&(36 + data).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt \x10\0\0\0\x01\0\x01\0");
    v.extend_from_slice(&8000u32.to_le_bytes());
    v.extend_from_slice(&16000u32.to_le_bytes());
    v.extend_from_slice(&[2, 0, 16, 0]);
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data.to_le_bytes());
    v.resize(v.len() + data as usize, 0);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_and_audio_meta_come_from_their_containers() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;

    let (status, video) = upload(&app, &alice, TINY_MP4.to_vec(), &[]).await;
    assert_eq!(status, StatusCode::OK, "{video}");
    assert_eq!(video["type"], "video");
    let meta = &video["meta"];
    assert_shape(
        meta,
        &[
            ("length", "string"),
            ("duration", "number"),
            ("fps", "number"),
            ("size", "string"),
            ("width", "number"),
            ("height", "number"),
            ("aspect", "number"),
            ("audio_encode", "string"),
            ("audio_bitrate", "string"),
            ("audio_channels", "string"),
            ("original", "object"),
            ("small", "object"),
        ],
    );
    assert_eq!(meta["length"], "0:00:02.50");
    assert_eq!(meta["duration"], 2.5);
    assert_eq!(meta["fps"], 24);
    assert_eq!(meta["size"], "320x240");
    assert_eq!(meta["audio_encode"], "mp3");
    assert_eq!(meta["audio_bitrate"], "44100 Hz");
    assert_eq!(meta["audio_channels"], "stereo");
    assert_eq!(meta["original"]["width"], 320);
    assert_eq!(meta["original"]["height"], 240);
    assert_eq!(meta["original"]["frame_rate"], "24/1");
    assert_eq!(meta["original"]["duration"], 2.5);
    assert_eq!(
        meta["original"]["bitrate"],
        json!((TINY_MP4.len() as f64 * 8.0 / 2.5).round() as u64)
    );
    assert!(meta.get("focus").is_none(), "focus is for images");

    // The same through a status.
    let post = app
        .post_status(&alice, "clip", json!({ "media_ids": [video["id"]] }))
        .await;
    assert_eq!(post["media_attachments"][0]["meta"]["fps"], 24);

    let (status, audio) = upload(&app, &alice, wav(2), &[]).await;
    assert_eq!(status, StatusCode::OK, "{audio}");
    assert_eq!(audio["type"], "audio");
    assert_eq!(audio["meta"]["length"], "0:00:02.00");
    assert_eq!(audio["meta"]["duration"], 2.0);
    assert_eq!(audio["meta"]["audio_encode"], "pcm");
    assert_eq!(audio["meta"]["audio_bitrate"], "8000 Hz");
    assert_eq!(audio["meta"]["audio_channels"], "mono");
    assert!(audio["meta"].get("width").is_none());

    // A container whose headers say nothing usable still uploads, with no duration.
    let (status, opaque) = upload(&app, &alice, mp4(), &[]).await;
    assert_eq!(status, StatusCode::OK, "{opaque}");
    assert!(opaque["meta"].get("duration").is_none(), "{opaque}");
    assert!(opaque["meta"]["small"].is_object());
}
