//! Image processing: decode under limits, orient, strip, scale, preview, blurhash. Everything
//! here is CPU-bound and synchronous; callers run it on a blocking thread.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::Sniffed;

/// What an image becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageRole {
    /// A status attachment: original capped to `original_pixels`, preview, blurhash.
    Attachment {
        original_pixels: u64,
        preview_pixels: u64,
    },
    /// A square avatar of `side` pixels, centre-cropped.
    Avatar { side: u32 },
    /// A profile header of `width`×`height`, centre-cropped.
    Header { width: u32, height: u32 },
    /// A custom preview sent with an upload (`thumbnail`): scaled to at most `pixels`, with a
    /// blurhash.
    Thumbnail { pixels: u64 },
    /// A link preview card's image: scaled down (never up) to fit a `side`×`side` box, a
    /// still JPEG or PNG, with a blurhash.
    Card { side: u32 },
    /// A custom emoji: kept as sent when it may be animated (GIF, WebP, animated PNG), a
    /// still PNG re-encoded; the preview is a still PNG of the first frame (`static_url`).
    Emoji,
}

/// Mastodon's sizes for avatars and headers.
pub const AVATAR: ImageRole = ImageRole::Avatar { side: 400 };
pub const HEADER: ImageRole = ImageRole::Header {
    width: 1500,
    height: 500,
};

/// An encoded image and its dimensions.
#[derive(Debug)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub format: Sniffed,
    pub width: u32,
    pub height: u32,
}

/// The result of processing an image.
#[derive(Debug)]
pub struct Processed {
    pub original: Encoded,
    pub preview: Option<Encoded>,
    pub blurhash: Option<String>,
}

/// Why an image was refused: each is the client's fault, never ours.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("the image is too large: {width}×{height} pixels is more than {limit}")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("the file could not be read as an image: {0}")]
    Corrupt(String),
    #[error("not an image")]
    NotAnImage,
}

/// The dimensions an image declares in its header, read without decoding the pixels.
pub fn dimensions(bytes: &[u8], format: Sniffed) -> Result<(u32, u32), ProcessError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format(format)?);
    reader.no_limits();
    reader
        .into_dimensions()
        .map_err(|e| ProcessError::Corrupt(e.to_string()))
}

fn image_format(format: Sniffed) -> Result<ImageFormat, ProcessError> {
    Ok(match format {
        Sniffed::Jpeg => ImageFormat::Jpeg,
        Sniffed::Png => ImageFormat::Png,
        Sniffed::Gif => ImageFormat::Gif,
        Sniffed::WebP => ImageFormat::WebP,
        _ => return Err(ProcessError::NotAnImage),
    })
}

/// Decodes, orients, strips and resizes an image. `matrix_limit` bounds width × height, checked
/// on the header before any pixel is decoded, so a small file that would inflate to gigabytes
/// (a decompression bomb) costs nothing; the decoder's own allocation limit backs it up.
pub fn process_image(
    bytes: &[u8],
    format: Sniffed,
    matrix_limit: u64,
    role: ImageRole,
) -> Result<Processed, ProcessError> {
    let (width, height) = dimensions(bytes, format)?;
    if u64::from(width) * u64::from(height) > matrix_limit {
        return Err(ProcessError::TooManyPixels {
            width,
            height,
            limit: matrix_limit,
        });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format(format)?);
    let mut limits = Limits::default();
    // Four bytes per pixel plus headroom for the decoder's own buffers.
    limits.max_alloc = Some(matrix_limit.saturating_mul(8).max(64 << 20));
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| ProcessError::Corrupt(e.to_string()))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| ProcessError::Corrupt(e.to_string()))?;
    img.apply_orientation(orientation);

    match role {
        ImageRole::Attachment {
            original_pixels,
            preview_pixels,
        } => {
            let original = if format == Sniffed::Gif {
                // GIFs keep their animation: the bytes are stored as sent (GIF has no EXIF
                // or GPS; comment blocks remain), and the preview is the first frame.
                Encoded {
                    bytes: bytes.to_vec(),
                    format: Sniffed::Gif,
                    width: img.width(),
                    height: img.height(),
                }
            } else {
                encode(&fit_pixels(&img, original_pixels), format)?
            };
            let small = fit_pixels(&img, preview_pixels);
            let blurhash = blurhash_of(&small);
            let preview = encode(&small, preview_format(&small))?;
            Ok(Processed {
                original,
                preview: Some(preview),
                blurhash,
            })
        }
        ImageRole::Thumbnail { pixels } => {
            let small = fit_pixels(&img, pixels);
            Ok(Processed {
                original: encode(&small, preview_format(&small))?,
                preview: None,
                blurhash: blurhash_of(&small),
            })
        }
        ImageRole::Card { side } => {
            let small = if img.width() > side || img.height() > side {
                img.resize(side, side, FilterType::Triangle)
            } else {
                img
            };
            Ok(Processed {
                original: encode(&small, preview_format(&small))?,
                preview: None,
                blurhash: blurhash_of(&small),
            })
        }
        ImageRole::Emoji => {
            let animated = match format {
                Sniffed::Gif | Sniffed::WebP => true,
                Sniffed::Png => is_animated_png(bytes),
                _ => false,
            };
            let still = encode(&img, Sniffed::Png)?;
            let original = if animated {
                Encoded {
                    bytes: bytes.to_vec(),
                    format,
                    width: img.width(),
                    height: img.height(),
                }
            } else {
                encode(&img, Sniffed::Png)?
            };
            Ok(Processed {
                original,
                preview: Some(still),
                blurhash: None,
            })
        }
        ImageRole::Avatar { side } => {
            let out = img.resize_to_fill(side, side, FilterType::Lanczos3);
            Ok(Processed {
                original: encode(&out, still_format(format, &out))?,
                preview: None,
                blurhash: None,
            })
        }
        ImageRole::Header { width, height } => {
            let out = img.resize_to_fill(width, height, FilterType::Lanczos3);
            Ok(Processed {
                original: encode(&out, still_format(format, &out))?,
                preview: None,
                blurhash: None,
            })
        }
    }
}

/// Whether a PNG is animated (APNG): an `acTL` chunk comes before the first `IDAT`.
fn is_animated_png(bytes: &[u8]) -> bool {
    let mut at = 8;
    while let Some(header) = bytes.get(at..at + 8) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        match &header[4..8] {
            b"acTL" => return true,
            b"IDAT" => return false,
            _ => at = at.saturating_add(12).saturating_add(len),
        }
    }
    false
}

/// Scales `img` down (never up) to at most `pixels` pixels, keeping its aspect ratio.
fn fit_pixels(img: &DynamicImage, pixels: u64) -> DynamicImage {
    let (w, h) = (u64::from(img.width()), u64::from(img.height()));
    if w * h <= pixels {
        return img.clone();
    }
    let scale = ((pixels as f64) / ((w * h) as f64)).sqrt();
    let nw = ((w as f64 * scale).floor() as u32).max(1);
    let nh = ((h as f64 * scale).floor() as u32).max(1);
    // Triangle is close to Lanczos for downscaling and several times faster on big photos.
    img.resize_exact(nw, nh, FilterType::Triangle)
}

/// Previews are JPEG unless transparency matters.
fn preview_format(img: &DynamicImage) -> Sniffed {
    if img.color().has_alpha() {
        Sniffed::Png
    } else {
        Sniffed::Jpeg
    }
}

/// Avatars and headers from GIF or WebP become PNG or JPEG (WebP encoding is lossless-only
/// in the `image` crate, GIF would lose colours).
fn still_format(format: Sniffed, img: &DynamicImage) -> Sniffed {
    match format {
        Sniffed::Jpeg | Sniffed::Png => format,
        _ => preview_format(img),
    }
}

/// Re-encodes pixels alone: nothing of the source's metadata survives.
fn encode(img: &DynamicImage, format: Sniffed) -> Result<Encoded, ProcessError> {
    let mut out = Cursor::new(Vec::new());
    let result = match format {
        Sniffed::Jpeg => {
            let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
            rgb.write_with_encoder(encoder)
        }
        Sniffed::WebP if !img.color().has_alpha() => {
            // Lossless WebP of a photo is large: photos become JPEG.
            return encode(img, Sniffed::Jpeg);
        }
        Sniffed::WebP => img.write_to(&mut out, ImageFormat::WebP),
        _ => img.write_to(&mut out, ImageFormat::Png),
    };
    result.map_err(|e| ProcessError::Corrupt(e.to_string()))?;
    let format = match format {
        Sniffed::Jpeg | Sniffed::WebP => format,
        _ => Sniffed::Png,
    };
    Ok(Encoded {
        bytes: out.into_inner(),
        format,
        width: img.width(),
        height: img.height(),
    })
}

/// A 4×3 blurhash computed from a small copy (the hash is blurry by design).
fn blurhash_of(img: &DynamicImage) -> Option<String> {
    let tiny = img.thumbnail(64, 64).to_rgba8();
    blurhash::encode(4, 3, tiny.width(), tiny.height(), tiny.as_raw()).ok()
}

/// The key of the placeholder preview (shared by every video and audio file without a
/// thumbnail of its own).
pub fn placeholder_key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let p = placeholder();
        super::key_for(&p.bytes, p.format.extension())
    })
}

/// The preview of a video or an audio file, which are not decoded: a plain dark image.
pub fn placeholder() -> Encoded {
    let img = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        640,
        360,
        image::Rgb([40, 44, 55]),
    ));
    // A solid colour always encodes.
    encode(&img, Sniffed::Png).unwrap_or(Encoded {
        bytes: Vec::new(),
        format: Sniffed::Png,
        width: 640,
        height: 360,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(w, h, image::Rgb([1, 2, 3])));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).expect("encode");
        out.into_inner()
    }

    const ROLE: ImageRole = ImageRole::Attachment {
        original_pixels: 8_294_400,
        preview_pixels: 230_400,
    };

    #[test]
    fn scales_and_previews() {
        let p = process_image(&png(1280, 960), Sniffed::Png, 33_177_600, ROLE).expect("ok");
        assert_eq!((p.original.width, p.original.height), (1280, 960));
        let preview = p.preview.expect("preview");
        assert!(u64::from(preview.width) * u64::from(preview.height) <= 230_400);
        let aspect = f64::from(preview.width) / f64::from(preview.height);
        assert!((aspect - 4.0 / 3.0).abs() < 0.01, "{aspect}");
        assert!(p.blurhash.is_some());
    }

    #[test]
    fn refuses_too_many_pixels_and_garbage() {
        assert!(matches!(
            process_image(&png(200, 200), Sniffed::Png, 100, ROLE),
            Err(ProcessError::TooManyPixels { .. })
        ));
        let mut truncated = png(300, 300);
        truncated.truncate(60);
        assert!(process_image(&truncated, Sniffed::Png, 33_177_600, ROLE).is_err());
    }

    #[test]
    fn thumbnails_are_previews() {
        let role = ImageRole::Thumbnail { pixels: 230_400 };
        let p = process_image(&png(1280, 720), Sniffed::Png, 33_177_600, role).expect("ok");
        assert_eq!((p.original.width, p.original.height), (640, 360));
        assert!(p.blurhash.is_some());
    }

    #[test]
    fn emoji_keep_animation_and_get_a_still() {
        let p = process_image(&png(64, 32), Sniffed::Png, 1_000_000, ImageRole::Emoji).expect("ok");
        assert_eq!(p.original.format, Sniffed::Png);
        assert_eq!((p.original.width, p.original.height), (64, 32));
        assert_eq!(p.preview.expect("static").format, Sniffed::Png);
        assert!(!is_animated_png(&png(4, 4)));
    }

    #[test]
    fn avatars_are_square() {
        let p = process_image(&png(900, 300), Sniffed::Png, 33_177_600, AVATAR).expect("ok");
        assert_eq!((p.original.width, p.original.height), (400, 400));
    }
}
