//! Upload processing and storage. `sniff` decides what a file is from its bytes alone (names
//! and declared types are never trusted); `process` decodes images under pixel limits, applies
//! EXIF orientation, re-encodes (which drops every piece of metadata), scales the original and
//! a preview down and computes a blurhash; `storage` keeps the results under content-addressed
//! keys. Pure CPU and file work: no SQL and no HTTP here.

pub mod probe;
pub mod process;
pub mod s3;
pub mod storage;

pub use process::{process_image, ImageRole, ProcessError, Processed};
pub use storage::{LocalStorage, Storage};

/// What an upload really is, judged from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
    Gif,
    WebP,
    Mp4,
    QuickTime,
    WebM,
    Mp3,
    Ogg,
    Wav,
    Flac,
    M4a,
}

/// Mastodon's attachment kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Image,
    Video,
    Audio,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Video => "video",
            Kind::Audio => "audio",
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        match raw {
            "image" => Some(Kind::Image),
            "video" | "gifv" => Some(Kind::Video),
            "audio" => Some(Kind::Audio),
            _ => None,
        }
    }
}

impl Sniffed {
    pub fn kind(self) -> Kind {
        match self {
            Sniffed::Jpeg | Sniffed::Png | Sniffed::Gif | Sniffed::WebP => Kind::Image,
            Sniffed::Mp4 | Sniffed::QuickTime | Sniffed::WebM => Kind::Video,
            Sniffed::Mp3 | Sniffed::Ogg | Sniffed::Wav | Sniffed::Flac | Sniffed::M4a => {
                Kind::Audio
            }
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "image/jpeg",
            Sniffed::Png => "image/png",
            Sniffed::Gif => "image/gif",
            Sniffed::WebP => "image/webp",
            Sniffed::Mp4 => "video/mp4",
            Sniffed::QuickTime => "video/quicktime",
            Sniffed::WebM => "video/webm",
            Sniffed::Mp3 => "audio/mpeg",
            Sniffed::Ogg => "audio/ogg",
            Sniffed::Wav => "audio/wav",
            Sniffed::Flac => "audio/flac",
            Sniffed::M4a => "audio/mp4",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "jpg",
            Sniffed::Png => "png",
            Sniffed::Gif => "gif",
            Sniffed::WebP => "webp",
            Sniffed::Mp4 => "mp4",
            Sniffed::QuickTime => "mov",
            Sniffed::WebM => "webm",
            Sniffed::Mp3 => "mp3",
            Sniffed::Ogg => "ogg",
            Sniffed::Wav => "wav",
            Sniffed::Flac => "flac",
            Sniffed::M4a => "m4a",
        }
    }

    /// The type served for a stored file's extension; unknown extensions are not served.
    pub fn from_extension(ext: &str) -> Option<Sniffed> {
        ALL.iter().copied().find(|s| s.extension() == ext)
    }
}

const ALL: [Sniffed; 12] = [
    Sniffed::Jpeg,
    Sniffed::Png,
    Sniffed::Gif,
    Sniffed::WebP,
    Sniffed::Mp4,
    Sniffed::QuickTime,
    Sniffed::WebM,
    Sniffed::Mp3,
    Sniffed::Ogg,
    Sniffed::Wav,
    Sniffed::Flac,
    Sniffed::M4a,
];

/// The MIME types accepted, for `/api/v2/instance`.
pub fn supported_mime_types() -> Vec<&'static str> {
    ALL.iter().map(|s| s.mime()).collect()
}

/// Recognises the accepted formats by their magic bytes. Anything else, including SVG, HTML
/// and text that merely claims to be an image, is `None`.
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Some(Sniffed::Jpeg);
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return Some(Sniffed::Png);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Some(Sniffed::Gif);
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return Some(Sniffed::WebP);
    }
    if at(0, b"RIFF") && at(8, b"WAVE") {
        return Some(Sniffed::Wav);
    }
    if at(4, b"ftyp") {
        let brand = bytes.get(8..12)?;
        return Some(match brand {
            b"qt  " => Sniffed::QuickTime,
            b"M4A " | b"M4B " => Sniffed::M4a,
            _ => Sniffed::Mp4,
        });
    }
    if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some(Sniffed::WebM);
    }
    if at(0, b"OggS") {
        return Some(Sniffed::Ogg);
    }
    if at(0, b"fLaC") {
        return Some(Sniffed::Flac);
    }
    // An ID3 tag, or an MPEG audio frame sync (11 set bits, layer III).
    if at(0, b"ID3") || (bytes.len() > 2 && bytes[0] == 0xFF && bytes[1] & 0xE6 == 0xE2) {
        return Some(Sniffed::Mp3);
    }
    None
}

/// The content-addressed key of a stored file: its SHA-256 and extension. Equal files share
/// one key, so a file may only be removed when nothing refers to its key any more.
pub fn key_for(bytes: &[u8], ext: &str) -> String {
    use sha2::Digest;
    format!("{}.{ext}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// Whether `key` has the shape `key_for` gives (what the file route will serve).
pub fn is_key(key: &str) -> bool {
    match key.split_once('.') {
        Some((hash, ext)) => {
            hash.len() == 64
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                && Sniffed::from_extension(ext).is_some()
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_bytes_only() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Sniffed::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Sniffed::Png));
        assert_eq!(sniff(b"GIF89a...."), Some(Sniffed::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Sniffed::WebP));
        assert_eq!(sniff(b"\0\0\0\x20ftypisom"), Some(Sniffed::Mp4));
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A "), Some(Sniffed::M4a));
        assert_eq!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), None);
        assert_eq!(sniff(b"<!DOCTYPE html><script>"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\0\0\0\x20ftyp"), None);
    }

    #[test]
    fn keys() {
        let key = key_for(b"abc", "png");
        assert!(is_key(&key));
        assert!(!is_key("../etc/passwd"));
        assert!(!is_key(&key.replace(".png", ".html")));
        assert!(!is_key(&key.to_uppercase()));
    }
}
