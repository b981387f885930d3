//! What an upload really is: magic-byte sniffing, a bounded decode and the thumbnail.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// A decoded RGBA image of this many pixels takes 160 MB; more is refused before decoding.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Thumbnails fit in a square of this side, keeping the aspect ratio.
pub const THUMB_SIZE: u32 = 320;
const THUMB_JPEG_QUALITY: u8 = 80;
/// Decoders stop (with an error) past this much memory, whatever the header claimed.
const MAX_DECODER_ALLOC: u64 = 512 * 1024 * 1024;

/// One of the accepted image types, as told by the file's first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    pub mime: &'static str,
    pub extension: &'static str,
    format: ImageFormat,
}

const PNG: Kind = Kind {
    mime: "image/png",
    extension: "png",
    format: ImageFormat::Png,
};
const JPEG: Kind = Kind {
    mime: "image/jpeg",
    extension: "jpg",
    format: ImageFormat::Jpeg,
};
const GIF: Kind = Kind {
    mime: "image/gif",
    extension: "gif",
    format: ImageFormat::Gif,
};
const WEBP: Kind = Kind {
    mime: "image/webp",
    extension: "webp",
    format: ImageFormat::WebP,
};

/// Never trusts the Content-Type: the bytes are what a browser will be shown.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(PNG)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(JPEG)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(GIF)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(WEBP)
    } else {
        None
    }
}

pub struct Checked {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
    pub thumbnail: Vec<u8>,
    pub thumb_mime: &'static str,
}

/// Why an upload is not an acceptable image; the text is shown to the uploader.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused(pub String);

/// Sniffs, decodes within limits and makes the thumbnail. CPU-heavy: run it off the
/// async workers.
pub fn check(bytes: &[u8]) -> Result<Checked, Refused> {
    let Some(kind) = sniff(bytes) else {
        return Err(Refused(
            "the file is not a PNG, JPEG, GIF or WebP image".into(),
        ));
    };
    let refused = |e: image::ImageError| {
        Refused(format!(
            "the file looks like {} but cannot be decoded: {e}",
            kind.mime
        ))
    };
    let (width, height) = reader(bytes, kind, None)
        .into_dimensions()
        .map_err(refused)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 || pixels > MAX_PIXELS {
        return Err(Refused(format!(
            "the image is {width}×{height} pixels; at most {} megapixels are accepted",
            MAX_PIXELS / 1_000_000
        )));
    }
    let image = reader(bytes, kind, Some((width, height)))
        .decode()
        .map_err(refused)?;
    let (thumbnail, thumb_mime) = thumbnail(&image)
        .map_err(|e| Refused(format!("cannot make a thumbnail of the image: {e}")))?;
    Ok(Checked {
        kind,
        width,
        height,
        thumbnail,
        thumb_mime,
    })
}

/// A reader bound to the sniffed format (never guessing) and, once the header has been
/// read, to exactly the dimensions it announced.
fn reader(bytes: &[u8], kind: Kind, size: Option<(u32, u32)>) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    if let Some((width, height)) = size {
        limits.max_image_width = Some(width);
        limits.max_image_height = Some(height);
    }
    reader.limits(limits);
    reader
}

/// JPEG, unless the image has transparency worth keeping (then PNG).
fn thumbnail(image: &DynamicImage) -> Result<(Vec<u8>, &'static str), image::ImageError> {
    let small = if image.width() > THUMB_SIZE || image.height() > THUMB_SIZE {
        image.thumbnail(THUMB_SIZE, THUMB_SIZE)
    } else {
        image.clone()
    };
    let mut out = Vec::new();
    if small.color().has_alpha() {
        small.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)?;
        Ok((out, "image/png"))
    } else {
        JpegEncoder::new_with_quality(&mut out, THUMB_JPEG_QUALITY)
            .encode_image(&small.to_rgb8())?;
        Ok((out, "image/jpeg"))
    }
}

/// The name an upload is stored and served under: the client's name (percent-decoded,
/// path stripped) reduced to `[A-Za-z0-9_-]`, with the real type's extension, so it is
/// safe in a URL and on any file system.
pub fn file_name(requested: Option<&str>, kind: Kind) -> String {
    const MAX_STEM: usize = 60;
    let decoded = requested.map(percent_decode).unwrap_or_default();
    let base = decoded.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let mut clean = String::new();
    for c in stem.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '_'
        };
        if !(c == '_' && clean.ends_with('_')) {
            clean.push(c);
        }
    }
    let clean: String = clean.trim_matches('_').chars().take(MAX_STEM).collect();
    // "thumb.*" is the thumbnail's URL; an upload must never shadow it.
    let stem = if clean.is_empty() || clean.eq_ignore_ascii_case("thumb") {
        "image"
    } else {
        &clean
    };
    format!("{stem}.{}", kind.extension)
}

/// `%XX` sequences to bytes, so a browser can send any name through an ASCII header.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_reduced_to_safe_characters_with_the_real_extension() {
        assert_eq!(
            file_name(Some("Holiday photo.PNG"), JPEG),
            "Holiday_photo.jpg"
        );
        assert_eq!(file_name(Some("../../etc/passwd"), PNG), "passwd.png");
        assert_eq!(file_name(Some("C:\\Users\\a\\cat.gif"), GIF), "cat.gif");
        assert_eq!(
            file_name(Some("%C3%A9t%C3%A9%202024.webp"), WEBP),
            "t_2024.webp"
        );
        assert_eq!(file_name(Some("thumb.jpg"), JPEG), "image.jpg");
        assert_eq!(file_name(Some("...."), PNG), "image.png");
        assert_eq!(file_name(None, PNG), "image.png");
        assert_eq!(file_name(Some("%zz%4"), PNG), "zz_4.png");
        let long = "a".repeat(500);
        assert_eq!(file_name(Some(&long), PNG).len(), 60 + 4);
    }

    #[test]
    fn sniffing_reads_magic_bytes_only() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(PNG));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(JPEG));
        assert_eq!(sniff(b"GIF89a...."), Some(GIF));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(WEBP));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_tiny_file_claiming_a_huge_size_is_refused_before_decoding() {
        let png = crate::test_support::png_claiming(100_000, 100_000);
        let Refused(message) = check(&png).err().expect("refused");
        assert!(message.contains("100000×100000"), "{message}");
        assert!(message.contains("40 megapixels"), "{message}");
    }
}
