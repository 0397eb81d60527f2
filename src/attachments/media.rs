//! Turning an untrusted file's bytes into what the store keeps.
//!
//! A caseworker attaches photos of a house, scans of ID cards, of the 户口簿
//! or of a signed application form, and PDFs. Whatever the file claims to be
//! by its name, it is recognised by its content only:
//!
//! * JPEG and PNG pictures are decoded with bounded memory (an "image bomb",
//!   a tiny file declaring a gigantic picture, is refused from its header
//!   before anything is allocated), turned upright by their EXIF orientation,
//!   scaled down so the long edge is at most [`STORED_LONG_EDGE`] and stored
//!   as a fresh JPEG ([`MediaKind::Jpeg`]);
//! * PDFs are kept byte for byte, once they are seen to be complete;
//! * anything else is refused, with a message that says what is accepted.
//!
//! The module does no I/O beyond [`read_input`] and knows nothing of the
//! store; `super` (the attachments store) decides where the bytes go.

use super::sniff::{sniff, Sniffed};
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{
    DynamicImage, GrayImage, ImageDecoder, ImageEncoder, ImageError, ImageFormat, ImageReader,
    Limits, RgbImage,
};
use sha2::{Digest, Sha256};

use crate::jpeg;

/// Largest file accepted for import.
pub const MAX_INPUT_BYTES: u64 = 30 * 1024 * 1024;

/// Largest picture accepted, in pixels (width × height), before any decoding allocates.
pub const MAX_PIXELS: u64 = 50_000_000;

/// Long edge of a stored photo.
pub const STORED_LONG_EDGE: u32 = 2048;

/// Longest side of a picture accepted, in pixels, whatever its area: this
/// is the strict per-side limit handed to the decoders (`image::Limits`).
/// 20 000 pixels is a 1.7 m strip scanned at 300 dpi.
const MAX_SIDE: u32 = 20_000;

/// Most bytes a decoder may allocate for one picture: the largest accepted
/// picture at 8 bytes a pixel (16-bit RGBA, the widest PNG), so every picture
/// within [`MAX_PIXELS`] decodes, and nothing larger is ever allocated.
const DECODE_BUDGET: u64 = MAX_PIXELS * 8;

/// JPEG quality of stored photos and of thumbnails.
const JPEG_QUALITY: u8 = 80;

/// Name used in messages about a stored photo (which has no file name).
const STORED_PHOTO: &str = "已存储的照片";

/// What a stored attachment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// A picture, re-encoded by [`prepare`] as JPEG.
    Jpeg,
    /// A PDF, kept as imported.
    Pdf,
}

impl MediaKind {
    /// The MIME type: `image/jpeg` or `application/pdf`.
    pub fn mime(&self) -> &'static str {
        match self {
            MediaKind::Jpeg => "image/jpeg",
            MediaKind::Pdf => "application/pdf",
        }
    }

    /// The file name extension, without the dot: `jpg` or `pdf`.
    pub fn extension(&self) -> &'static str {
        match self {
            MediaKind::Jpeg => "jpg",
            MediaKind::Pdf => "pdf",
        }
    }
}

/// A file made ready for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The bytes to store: a re-encoded JPEG, or the PDF as imported.
    pub bytes: Vec<u8>,
    /// What `bytes` are.
    pub kind: MediaKind,
    /// Width in pixels of the stored picture (upright); `None` for a PDF.
    pub width: Option<u32>,
    /// Height in pixels of the stored picture (upright); `None` for a PDF.
    pub height: Option<u32>,
    /// SHA-256 of `bytes`, lowercase hex.
    pub sha256: String,
    /// Size in bytes of the file as imported.
    pub original_len: u64,
}

/// A file that cannot be attached, and why.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The file could not be read from disk.
    #[error("无法读取文件“{path}”：{source}")]
    Read {
        /// Path of the file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The path is a folder, a device or a pipe, not a file.
    #[error("“{path}”不是普通文件（可能是文件夹或设备），不能作为附件导入")]
    NotAFile {
        /// The path given.
        path: PathBuf,
    },
    /// The file is larger than [`MAX_INPUT_BYTES`].
    #[error(
        "文件“{name}”有 {}，超过了附件的上限 {}",
        megabytes(*.size),
        megabytes(MAX_INPUT_BYTES)
    )]
    TooBig {
        /// File name (or path) as shown to the caseworker.
        name: String,
        /// Its size in bytes.
        size: u64,
    },
    /// Not a JPEG, PNG or PDF (or empty).
    #[error("无法导入“{name}”：{found}。可以导入的是 JPEG/PNG 照片或扫描件、PDF")]
    Unsupported {
        /// File name as shown to the caseworker.
        name: String,
        /// What the file was found to be.
        found: &'static str,
    },
    /// A picture with more pixels than [`MAX_PIXELS`] (or a side longer than
    /// the decoders accept), refused from its header.
    #[error(
        "图片“{name}”太大：{width}×{height} 像素，超过了上限（最多 {} 万像素，每边最多 {} 像素）",
        MAX_PIXELS / 10_000,
        MAX_SIDE
    )]
    TooLarge {
        /// File name as shown to the caseworker.
        name: String,
        /// Width declared in the header.
        width: u32,
        /// Height declared in the header.
        height: u32,
    },
    /// The file stops before its end (an interrupted copy or download).
    #[error("{what}“{name}”不完整，文件末尾缺了一部分（可能没有传完或复制中断），请重新复制或重新拍摄后再导入")]
    Truncated {
        /// File name as shown to the caseworker.
        name: String,
        /// `图片` or `PDF 文件`.
        what: &'static str,
    },
    /// A picture that cannot be decoded.
    #[error("图片“{name}”已损坏，无法读取（{problem}）")]
    Corrupt {
        /// File name as shown to the caseworker.
        name: String,
        /// What the decoder reported.
        problem: String,
    },
    /// The picture was read but could not be written as JPEG.
    #[error("无法把图片“{name}”转存为 JPEG：{problem}")]
    Encode {
        /// File name as shown to the caseworker.
        name: String,
        /// What the encoder reported.
        problem: String,
    },
}

/// `12.3 MB` (MiB, as file managers on the caseworkers' laptops show them).
fn megabytes(bytes: u64) -> String {
    // Exact enough for a message; files here are at most a few GB.
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Reads a file for import.
///
/// Refuses a file over [`MAX_INPUT_BYTES`] by its size, before reading it
/// (a 200 MB video picked by mistake is not read into memory), and a path
/// that is not a regular file.
///
/// The size is checked from the file system before the file is opened,
/// and the read itself stops one byte past the limit, so a file that grows
/// while it is read cannot slip through either. A folder, a device or a
/// named pipe is refused without being opened (opening a pipe would block).
pub fn read_input(path: &Path) -> Result<Vec<u8>, MediaError> {
    let read_error = |source| MediaError::Read {
        path: path.to_path_buf(),
        source,
    };
    let too_big = |size| MediaError::TooBig {
        name: path.display().to_string(),
        size,
    };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if !meta.is_file() {
        return Err(MediaError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_big(meta.len()));
    }
    let file = File::open(path).map_err(read_error)?;
    // The path may have been replaced between the two looks: check the
    // file actually opened too.
    let meta = file.metadata().map_err(read_error)?;
    if !meta.is_file() {
        return Err(MediaError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_big(meta.len()));
    }
    // At most MAX_INPUT_BYTES (30 MiB), so the capacity fits any usize we run on.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Turns an imported file's bytes into what the store keeps.
///
/// The bytes are recognised by their content (magic numbers), never by the
/// file name:
///
/// * **JPEG and PNG** are decoded under `image::Limits`, after their header
///   dimensions have been checked against [`MAX_PIXELS`], so an "image
///   bomb" (a tiny file declaring, say, 100 000 × 100 000 pixels) is refused
///   before anything is allocated. The picture is turned upright by its EXIF
///   orientation (so it looks as the caseworker took it), scaled so its long
///   edge is at most [`STORED_LONG_EDGE`] (never enlarged), transparency is
///   flattened on white, and it is re-encoded as JPEG quality 80. The new
///   file carries no EXIF: see the privacy note in the code.
/// * **PDF** (starting with `%PDF-`) is kept byte for byte, provided it ends
///   with `%%EOF` within its last 1024 bytes; otherwise it is refused as
///   truncated.
/// * Anything else (an empty file, text, a Word document, a GIF, a HEIC
///   photo…) is refused with a message saying what is accepted.
///
/// A truncated or corrupt JPEG/PNG is refused with a message saying so.
///
/// A grey picture is stored as a grey JPEG; the colour profile, if any, is
/// kept. `file_name_for_messages` is only used in error messages.
///
/// The decoder used for JPEG (zune-jpeg, through `image`) fills a picture
/// whose data stops early with grey instead of failing, so a JPEG is walked
/// segment by segment first and refused as truncated unless its end marker
/// (EOI, `FF D9`) is there. Data after that marker (the video of a "motion
/// photo", padding) is allowed and dropped.
pub fn prepare(bytes: &[u8], file_name_for_messages: &str) -> Result<Prepared, MediaError> {
    let name = file_name_for_messages;
    let original_len = bytes.len() as u64;
    if original_len > MAX_INPUT_BYTES {
        return Err(MediaError::TooBig {
            name: name.to_owned(),
            size: original_len,
        });
    }
    let (out, kind, dims) = match sniff(bytes) {
        Sniffed::Jpeg => {
            let (jpeg, w, h) = picture_to_jpeg(
                bytes,
                ImageFormat::Jpeg,
                name,
                STORED_LONG_EDGE,
                Scaling::Sharp,
            )?;
            (jpeg, MediaKind::Jpeg, Some((w, h)))
        }
        Sniffed::Png => {
            let (jpeg, w, h) = picture_to_jpeg(
                bytes,
                ImageFormat::Png,
                name,
                STORED_LONG_EDGE,
                Scaling::Sharp,
            )?;
            (jpeg, MediaKind::Jpeg, Some((w, h)))
        }
        Sniffed::Pdf => {
            check_pdf_end(bytes, name)?;
            (bytes.to_vec(), MediaKind::Pdf, None)
        }
        Sniffed::Other(found) => {
            return Err(MediaError::Unsupported {
                name: name.to_owned(),
                found,
            })
        }
    };
    let sha256 = hex::encode(Sha256::digest(&out));
    Ok(Prepared {
        bytes: out,
        kind,
        width: dims.map(|d| d.0),
        height: dims.map(|d| d.1),
        sha256,
        original_len,
    })
}

/// Checks content that arrives already prepared by another copy of bangfu
/// (an attachment in a sync bundle) as [`prepare`] would have left it: the
/// bytes must be what `mime` says — a JPEG that decodes whole within the
/// same limits, or a PDF that ends properly. Nothing labelled a photo may be
/// HTML or anything else a browser or viewer would treat differently.
pub fn check_prepared(bytes: &[u8], mime: &str, name: &str) -> Result<MediaKind, MediaError> {
    let unsupported = |found| MediaError::Unsupported {
        name: name.to_owned(),
        found,
    };
    match (sniff(bytes), mime) {
        (Sniffed::Jpeg, "image/jpeg") => {
            decode(bytes, ImageFormat::Jpeg, name)?;
            Ok(MediaKind::Jpeg)
        }
        (Sniffed::Pdf, "application/pdf") => {
            check_pdf_end(bytes, name)?;
            Ok(MediaKind::Pdf)
        }
        (Sniffed::Other(found), _) => Err(unsupported(found)),
        _ => Err(unsupported("内容与标注的类型不符")),
    }
}

/// A small JPEG preview of a stored JPEG, its long edge at most `max_edge`,
/// for thumbnails in the app and pictures in the PDF dossier.
///
/// A picture already within `max_edge` is re-encoded at its size, never
/// enlarged; a `max_edge` of 0 is taken as 1. The same limits as for an
/// import apply, so a damaged store cannot make this allocate without bound.
pub fn thumbnail(jpeg: &[u8], max_edge: u32) -> Result<Vec<u8>, MediaError> {
    match sniff(jpeg) {
        Sniffed::Jpeg => {}
        Sniffed::Png | Sniffed::Pdf => {
            return Err(MediaError::Unsupported {
                name: STORED_PHOTO.to_owned(),
                found: "缩略图只能从 JPEG 照片生成",
            })
        }
        Sniffed::Other(found) => {
            return Err(MediaError::Unsupported {
                name: STORED_PHOTO.to_owned(),
                found,
            })
        }
    }
    let (out, _, _) = picture_to_jpeg(
        jpeg,
        ImageFormat::Jpeg,
        STORED_PHOTO,
        max_edge.max(1),
        Scaling::Fast,
    )?;
    Ok(out)
}

/// A PDF must end with `%%EOF` within its last 1024 bytes.
fn check_pdf_end(bytes: &[u8], name: &str) -> Result<(), MediaError> {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if tail.windows(5).any(|w| w == b"%%EOF") {
        Ok(())
    } else {
        Err(MediaError::Truncated {
            name: name.to_owned(),
            what: "PDF 文件",
        })
    }
}

/// Width and height from a PNG's IHDR chunk, which must come first.
fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let ihdr = bytes.get(8..24)?;
    if &ihdr[4..8] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
    let height = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
    Some((width, height))
}

/// Refuses a picture whose header declares too many pixels.
fn check_dimensions(width: u32, height: u32, name: &str) -> Result<(), MediaError> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width > MAX_SIDE || height > MAX_SIDE {
        Err(MediaError::TooLarge {
            name: name.to_owned(),
            width,
            height,
        })
    } else {
        Ok(())
    }
}

/// A decoded picture with what is needed to store it.
struct Decoded {
    image: DynamicImage,
    orientation: Orientation,
    icc_profile: Option<Vec<u8>>,
}

/// Checks a JPEG or PNG from its header and structure, then decodes it.
fn decode(bytes: &[u8], format: ImageFormat, name: &str) -> Result<Decoded, MediaError> {
    let corrupt = |problem: &str| MediaError::Corrupt {
        name: name.to_owned(),
        problem: problem.to_owned(),
    };
    // Header dimensions first, from the bytes themselves: an image bomb is
    // refused here, before any decoder is involved.
    let declared = if format == ImageFormat::Jpeg {
        // Walked to the end: zune-jpeg would pad a truncated photo with grey.
        let mut frame = None;
        // Bytes of entropy-coded data (after each SOS, to the next marker).
        let (mut scan_bytes, mut scan_from) = (0usize, None);
        for segment in jpeg::segments(bytes) {
            if let (Ok(s), Some(from)) = (&segment, scan_from.take()) {
                scan_bytes += s.offset.saturating_sub(from);
            }
            if let Ok(s) = &segment {
                if s.marker == jpeg::SOS {
                    scan_from = Some(s.end);
                }
            }
            match segment {
                Ok(s) if jpeg::is_frame(s.marker) && frame.is_none() && s.data.len() >= 5 => {
                    let height = u16::from_be_bytes([s.data[1], s.data[2]]);
                    let width = u16::from_be_bytes([s.data[3], s.data[4]]);
                    // An image bomb is refused from its frame header, even
                    // when the rest of the file is missing.
                    check_dimensions(u32::from(width), u32::from(height), name)?;
                    frame = Some((u32::from(width), u32::from(height)));
                }
                Ok(_) => {}
                Err(jpeg::Broken::Truncated) => {
                    return Err(MediaError::Truncated {
                        name: name.to_owned(),
                        what: "图片",
                    })
                }
                Err(_) => return Err(corrupt("JPEG 结构错误")),
            }
        }
        let (w, h) = frame.ok_or_else(|| corrupt("JPEG 中没有图像帧"))?;
        // Every 8×8 block of a baseline or progressive JPEG takes at least
        // two bits (a DC code and an end-of-block code); a file with far
        // less data than its header's size claims is cut or forged, and the
        // decoder would fill the rest with grey.
        let blocks = u64::from(w.div_ceil(8)) * u64::from(h.div_ceil(8));
        if (scan_bytes as u64) * 32 < blocks {
            return Err(corrupt(&format!(
                "头部声明 {w}×{h} 像素，图像数据却只有 {scan_bytes} 字节：图片不完整或被改动"
            )));
        }
        (w, h)
    } else {
        let (w, h) = png_dimensions(bytes).ok_or_else(|| corrupt("PNG 缺少 IHDR 头"))?;
        check_dimensions(w, h, name)?;
        (w, h)
    };
    decode_with_limits(bytes, format, name, declared)
}

/// Decodes with `image::Limits`: the second line of defence behind
/// [`check_dimensions`], and the only one for what the header does not
/// show (PNG text and ICC chunks, which count against `max_alloc`).
fn decode_with_limits(
    bytes: &[u8],
    format: ImageFormat,
    name: &str,
    declared: (u32, u32),
) -> Result<Decoded, MediaError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(DECODE_BUDGET);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| image_error(e, name, declared))?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, name)?;
    // `ImageReader::into_decoder` + `DynamicImage::from_decoder` (needed to
    // get at the orientation) do not check `max_alloc` against the decoded
    // buffer (only `ImageReader::decode` does): check it here.
    if decoder.total_bytes() > DECODE_BUDGET {
        return Err(MediaError::TooLarge {
            name: name.to_owned(),
            width,
            height,
        });
    }
    // A broken EXIF block must not cost the caseworker the photo.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc_profile = decoder.icc_profile().ok().flatten();
    let image =
        DynamicImage::from_decoder(decoder).map_err(|e| image_error(e, name, (width, height)))?;
    Ok(Decoded {
        image,
        orientation,
        icc_profile,
    })
}

/// Turns an `image` error into a message for the caseworker.
fn image_error(e: ImageError, name: &str, (width, height): (u32, u32)) -> MediaError {
    match e {
        ImageError::Limits(_) => MediaError::TooLarge {
            name: name.to_owned(),
            width,
            height,
        },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            MediaError::Truncated {
                name: name.to_owned(),
                what: "图片",
            }
        }
        other => MediaError::Corrupt {
            name: name.to_owned(),
            problem: other.to_string(),
        },
    }
}

/// How a picture is scaled down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scaling {
    /// Lanczos3: the sharpest (text on a scanned ID card stays crisp), for
    /// the stored copy, which is all that is kept of the original. About
    /// half of the time of [`prepare`] on a 12-megapixel photo.
    Sharp,
    /// Averaging of the covered pixels: several times faster, and as good
    /// for a small preview.
    Fast,
}

/// Decodes a picture and writes it as an upright JPEG with its long edge at
/// most `long_edge`. Returns the JPEG and its width and height.
fn picture_to_jpeg(
    bytes: &[u8],
    format: ImageFormat,
    name: &str,
    long_edge: u32,
    scaling: Scaling,
) -> Result<(Vec<u8>, u32, u32), MediaError> {
    let decoded = decode(bytes, format, name)?;
    // 8-bit grey or RGB, alpha flattened on white, before anything else:
    // resizing then works on what will be stored.
    let mut image = match flatten(decoded.image) {
        Flat::Grey(grey) => DynamicImage::ImageLuma8(grey),
        Flat::Rgb(rgb) => DynamicImage::ImageRgb8(rgb),
    };
    if let Some((w, h)) = fit_within(image.width(), image.height(), long_edge) {
        image = match scaling {
            // Catmull-Rom keeps the text of a scanned card sharp at two thirds of
            // Lanczos3's cost.
            Scaling::Sharp => image.resize_exact(w, h, FilterType::CatmullRom),
            Scaling::Fast => image.thumbnail_exact(w, h),
        };
    }
    // Scaling before turning upright does the same work on fewer pixels:
    // the long edge is the long edge either way.
    image.apply_orientation(decoded.orientation);
    let (width, height) = (image.width(), image.height());

    // Privacy: the new file is written from the pixels alone. The EXIF
    // block of the original — GPS location of the house, the phone's make
    // and serial number, the date, its embedded thumbnail — is not carried
    // over (its orientation has been applied to the pixels instead). Only
    // the colour profile is kept, so colours look the same; it describes
    // the camera's colour space, not the household.
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
    let is_grey = matches!(image, DynamicImage::ImageLuma8(_));
    if let Some(icc) = decoded.icc_profile {
        if icc_matches(&icc, is_grey) {
            // The JPEG encoder supports ICC profiles; were it not to, the
            // picture is still right in sRGB viewers.
            let _ = encoder.set_icc_profile(icc);
        }
    }
    let encoded = match &image {
        DynamicImage::ImageLuma8(grey) => encoder.encode_image(grey),
        DynamicImage::ImageRgb8(rgb) => encoder.encode_image(rgb),
        other => encoder.encode_image(&other.to_rgb8()),
    };
    encoded.map_err(|e| MediaError::Encode {
        name: name.to_owned(),
        problem: e.to_string(),
    })?;
    Ok((out, width, height))
}

/// An 8-bit picture without alpha.
enum Flat {
    Grey(GrayImage),
    Rgb(RgbImage),
}

/// Converts to 8-bit grey or RGB, compositing any transparency on white
/// (a transparent PNG scan would otherwise turn black in a JPEG).
fn flatten(image: DynamicImage) -> Flat {
    /// `value` seen through `alpha` over white.
    fn over_white(value: u8, alpha: u8) -> u8 {
        let (v, a) = (u32::from(value), u32::from(alpha));
        // At most (255·255 + 255·0 + 127) / 255 = 255.
        ((v * a + 255 * (255 - a) + 127) / 255) as u8
    }
    match image {
        DynamicImage::ImageLuma8(grey) => Flat::Grey(grey),
        DynamicImage::ImageLuma16(_) => Flat::Grey(image.to_luma8()),
        DynamicImage::ImageLumaA8(_) | DynamicImage::ImageLumaA16(_) => {
            let la = image.to_luma_alpha8();
            let (w, h) = la.dimensions();
            Flat::Grey(GrayImage::from_fn(w, h, |x, y| {
                let p = la.get_pixel(x, y).0;
                image::Luma([over_white(p[0], p[1])])
            }))
        }
        DynamicImage::ImageRgb8(rgb) => Flat::Rgb(rgb),
        other if !other.color().has_alpha() => Flat::Rgb(other.to_rgb8()),
        other => {
            let rgba = match other {
                DynamicImage::ImageRgba8(rgba) => rgba,
                other => other.to_rgba8(),
            };
            let (w, h) = rgba.dimensions();
            Flat::Rgb(RgbImage::from_fn(w, h, |x, y| {
                let [r, g, b, a] = rgba.get_pixel(x, y).0;
                image::Rgb([over_white(r, a), over_white(g, a), over_white(b, a)])
            }))
        }
    }
}

/// True if an ICC profile describes the colour space of the output: RGB,
/// or grey for a grey picture (a CMYK JPEG comes out RGB, and its CMYK
/// profile must then be dropped).
fn icc_matches(icc: &[u8], is_grey: bool) -> bool {
    let wanted: &[u8] = if is_grey { b"GRAY" } else { b"RGB " };
    icc.get(16..20) == Some(wanted)
}

/// The size that fits `width`×`height` within `long_edge` keeping its
/// proportions, or `None` if it already fits (pictures are never enlarged).
fn fit_within(width: u32, height: u32, long_edge: u32) -> Option<(u32, u32)> {
    let long = width.max(height);
    if long <= long_edge || long == 0 {
        return None;
    }
    let scale = |side: u32| {
        let scaled =
            (u64::from(side) * u64::from(long_edge) + u64::from(long) / 2) / u64::from(long);
        // At most long_edge, so it fits.
        u32::try_from(scaled).unwrap_or(long_edge).max(1)
    };
    Some(if width >= height {
        (long_edge, scale(height))
    } else {
        (scale(width), long_edge)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GenericImageView, Rgb, Rgba, RgbaImage};
    use std::time::{Duration, Instant};

    /// A photo-like picture: smooth gradients, some shapes, mild noise.
    fn photo_like(width: u32, height: u32) -> RgbImage {
        let mut state: u32 = 0x1234_5678;
        RgbImage::from_fn(width, height, |x, y| {
            // xorshift32
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state % 13) as i32 - 6;
            let fx = x as f32 / width as f32;
            let fy = y as f32 / height as f32;
            let wave = ((fx * 23.0).sin() * (fy * 17.0).cos() * 40.0) as i32;
            let r = (fx * 200.0) as i32 + wave + noise + 20;
            let g = (fy * 180.0) as i32 - wave / 2 + noise + 30;
            let b = ((fx + fy) * 100.0) as i32 + noise + 40;
            let c = |v: i32| v.clamp(0, 255) as u8;
            Rgb([c(r), c(g), c(b)])
        })
    }

    fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(image)
            .unwrap();
        out
    }

    fn encode_png(image: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    fn decode_output(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory_with_format(bytes, ImageFormat::Jpeg).unwrap()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// An APP1 Exif segment: a little-endian TIFF header and one IFD with
    /// an ImageDescription (standing in for GPS and camera data) and the
    /// orientation.
    fn exif_segment(orientation: u16, description: &str) -> Vec<u8> {
        let mut text = description.as_bytes().to_vec();
        text.push(0);
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"II*\0");
        tiff.extend_from_slice(&8u32.to_le_bytes());
        tiff.extend_from_slice(&2u16.to_le_bytes()); // two entries
                                                     // 0x010E ImageDescription, ASCII, at offset 8 + 2 + 2·12 + 4 = 38.
        tiff.extend_from_slice(&0x010Eu16.to_le_bytes());
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&(text.len() as u32).to_le_bytes());
        tiff.extend_from_slice(&38u32.to_le_bytes());
        // 0x0112 Orientation, SHORT, count 1, value in place.
        tiff.extend_from_slice(&0x0112u16.to_le_bytes());
        tiff.extend_from_slice(&3u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&orientation.to_le_bytes());
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        assert_eq!(tiff.len(), 38);
        tiff.extend_from_slice(&text);
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend_from_slice(&tiff);
        segment
    }

    fn with_exif(jpeg: &[u8], orientation: u16, description: &str) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&exif_segment(orientation, description));
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }

    /// A valid-looking PNG declaring `width`×`height` RGB with a tiny IDAT.
    fn png_bomb(width: u32, height: u32) -> Vec<u8> {
        let mut out = crate::attachments::sniff::PNG_SIGNATURE.to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
        png_chunk(&mut out, b"IHDR", &ihdr);
        // zlib stream of a few zero bytes (deflate would expand it forever).
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut z, &[0u8; 64]).unwrap();
        png_chunk(&mut out, b"IDAT", &z.finish().unwrap());
        png_chunk(&mut out, b"IEND", &[]);
        out
    }

    /// A real small JPEG whose SOF0 is rewritten to declare `width`×`height`.
    fn jpeg_bomb(width: u16, height: u16) -> Vec<u8> {
        let mut jpeg = encode_jpeg(&photo_like(16, 16), 90);
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
        jpeg
    }

    #[test]
    fn a_12_megapixel_photo_is_scaled_to_2048_and_a_few_hundred_kb() {
        let original = encode_jpeg(&photo_like(4000, 3000), 95);
        let prepared = prepare(&original, "IMG_20260315_101010.jpg").unwrap();
        assert_eq!(prepared.kind, MediaKind::Jpeg);
        assert_eq!((prepared.width, prepared.height), (Some(2048), Some(1536)));
        assert_eq!(prepared.original_len, original.len() as u64);
        assert!(
            prepared.bytes.len() < 1024 * 1024,
            "{} bytes stored",
            prepared.bytes.len()
        );
        assert!(prepared.bytes.len() < original.len() / 3);
        assert_eq!(
            prepared.sha256,
            hex::encode(Sha256::digest(&prepared.bytes))
        );
        assert_eq!(prepared.sha256.len(), 64);
        assert!(prepared
            .sha256
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        let stored = decode_output(&prepared.bytes);
        assert_eq!(stored.dimensions(), (2048, 1536));
    }

    #[test]
    fn portrait_pictures_are_scaled_by_their_long_edge_and_small_ones_never_enlarged() {
        let tall = encode_png(&DynamicImage::ImageRgb8(photo_like(1000, 3000)));
        let prepared = prepare(&tall, "户口簿.png").unwrap();
        assert_eq!((prepared.width, prepared.height), (Some(683), Some(2048)));

        let small = encode_jpeg(&photo_like(300, 200), 90);
        let prepared = prepare(&small, "small.jpg").unwrap();
        assert_eq!((prepared.width, prepared.height), (Some(300), Some(200)));
        assert_eq!(fit_within(2048, 2048, 2048), None);
        assert_eq!(fit_within(4000, 1, 2048), Some((2048, 1)));
    }

    #[test]
    fn exif_orientation_is_applied_and_exif_is_dropped() {
        // Landscape as the sensor stored it, red mark in the top-left corner.
        let mut sensor = RgbImage::from_pixel(400, 300, Rgb([200, 200, 200]));
        for y in 0..40 {
            for x in 0..40 {
                sensor.put_pixel(x, y, Rgb([255, 0, 0]));
            }
        }
        let secret = "GPS 26.5833N 107.9833E 张家";
        let jpeg = with_exif(&encode_jpeg(&sensor, 95), 6, secret);
        assert!(contains(&jpeg, secret.as_bytes()));

        let prepared = prepare(&jpeg, "house.jpg").unwrap();
        // 6 = rotate 90° clockwise to display: portrait, and the top-left
        // corner goes to the top-right.
        assert_eq!((prepared.width, prepared.height), (Some(300), Some(400)));
        let stored = decode_output(&prepared.bytes).to_rgb8();
        let is_red = |p: &Rgb<u8>| p.0[0] > 200 && p.0[1] < 60 && p.0[2] < 60;
        assert!(
            is_red(stored.get_pixel(280, 20)),
            "{:?}",
            stored.get_pixel(280, 20)
        );
        assert!(!is_red(stored.get_pixel(20, 20)));
        assert!(!is_red(stored.get_pixel(20, 380)));
        assert!(!is_red(stored.get_pixel(280, 380)));

        assert!(!contains(&prepared.bytes, b"Exif\0\0"));
        assert!(!contains(&prepared.bytes, secret.as_bytes()));
    }

    #[test]
    fn png_transparency_becomes_white() {
        let mut rgba = RgbaImage::from_pixel(64, 48, Rgba([0, 0, 0, 0]));
        for y in 0..48 {
            for x in 32..64 {
                rgba.put_pixel(x, y, Rgba([0, 0, 255, 255]));
            }
        }
        let png = encode_png(&DynamicImage::ImageRgba8(rgba));
        let prepared = prepare(&png, "签字申请表.png").unwrap();
        assert_eq!(prepared.kind, MediaKind::Jpeg);
        assert_eq!((prepared.width, prepared.height), (Some(64), Some(48)));
        let stored = decode_output(&prepared.bytes).to_rgb8();
        let left = stored.get_pixel(8, 24).0;
        let right = stored.get_pixel(56, 24).0;
        assert!(left.iter().all(|&c| c > 240), "{left:?}");
        assert!(
            right[0] < 30 && right[1] < 30 && right[2] > 220,
            "{right:?}"
        );
    }

    #[test]
    fn grey_scans_stay_grey() {
        let grey = GrayImage::from_fn(200, 100, |x, _| image::Luma([(x % 256) as u8]));
        let png = encode_png(&DynamicImage::ImageLuma8(grey));
        let prepared = prepare(&png, "身份证.png").unwrap();
        assert_eq!(decode_output(&prepared.bytes).color(), image::ColorType::L8);
    }

    #[test]
    fn a_jpeg_claiming_more_pixels_than_its_data_holds_is_refused() {
        let small =
            image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
            .encode_image(&small)
            .unwrap();
        assert!(prepare(&jpeg, "小图.jpg").is_ok());
        // The same bytes with a frame header claiming 4000×3000.
        let sof = jpeg
            .windows(2)
            .position(|w| w[0] == 0xFF && crate::jpeg::is_frame(w[1]))
            .unwrap();
        jpeg[sof + 5..sof + 7].copy_from_slice(&3000u16.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&4000u16.to_be_bytes());
        let err = prepare(&jpeg, "伪造.jpg").unwrap_err();
        assert!(matches!(err, MediaError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("4000×3000"), "{err}");
        assert!(check_prepared(&jpeg, "image/jpeg", "附件").is_err());
    }

    #[test]
    fn pdfs_are_kept_byte_for_byte() {
        let pdf =
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        let prepared = prepare(pdf, "低保申请书.pdf").unwrap();
        assert_eq!(prepared.kind, MediaKind::Pdf);
        assert_eq!(prepared.bytes, pdf.to_vec());
        assert_eq!((prepared.width, prepared.height), (None, None));
        assert_eq!(prepared.original_len, pdf.len() as u64);
        assert_eq!(prepared.sha256, hex::encode(Sha256::digest(pdf)));
        assert_eq!(MediaKind::Pdf.mime(), "application/pdf");
        assert_eq!(MediaKind::Pdf.extension(), "pdf");
        assert_eq!(MediaKind::Jpeg.mime(), "image/jpeg");
        assert_eq!(MediaKind::Jpeg.extension(), "jpg");
    }

    #[test]
    fn a_truncated_pdf_is_refused() {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend(std::iter::repeat_n(b'x', 5000));
        pdf.extend_from_slice(b"\n%%EOF\n");
        assert!(prepare(&pdf, "a.pdf").is_ok());
        let err = prepare(&pdf[..pdf.len() / 2], "低保申请书.pdf").unwrap_err();
        assert!(matches!(err, MediaError::Truncated { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("低保申请书.pdf"), "{message}");
        assert!(message.contains("不完整"), "{message}");
    }

    #[test]
    fn a_jpeg_cut_in_half_is_refused() {
        let jpeg = encode_jpeg(&photo_like(800, 600), 95);
        let err = prepare(&jpeg[..jpeg.len() / 2], "IMG_0001.jpg").unwrap_err();
        assert!(matches!(err, MediaError::Truncated { .. }), "{err:?}");
        assert!(err.to_string().contains("IMG_0001.jpg"));
        // Cut just before the end marker too.
        let err = prepare(&jpeg[..jpeg.len() - 2], "IMG_0001.jpg").unwrap_err();
        assert!(matches!(err, MediaError::Truncated { .. }), "{err:?}");
    }

    #[test]
    fn data_after_the_end_of_a_jpeg_is_allowed_and_dropped() {
        // Motion photos carry a video after the picture's EOI.
        let mut jpeg = encode_jpeg(&photo_like(320, 240), 90);
        jpeg.extend_from_slice(b"\0\0\0\x18ftypmp42 trailing video data");
        let prepared = prepare(&jpeg, "MVIMG_0001.jpg").unwrap();
        assert_eq!((prepared.width, prepared.height), (Some(320), Some(240)));
        assert!(!contains(&prepared.bytes, b"ftypmp42"));
    }

    #[test]
    fn a_truncated_or_corrupt_png_is_refused() {
        let png = encode_png(&DynamicImage::ImageRgb8(photo_like(400, 300)));
        let err = prepare(&png[..png.len() / 2], "scan.png").unwrap_err();
        assert!(
            matches!(
                err,
                MediaError::Truncated { .. } | MediaError::Corrupt { .. }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("scan.png"));

        let mut broken = png.clone();
        let middle = broken.len() / 2;
        broken[middle] ^= 0xFF; // IDAT CRC no longer matches
        let err = prepare(&broken, "scan.png").unwrap_err();
        assert!(
            matches!(
                err,
                MediaError::Truncated { .. } | MediaError::Corrupt { .. }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn other_files_are_refused_with_what_is_accepted() {
        let cases: &[(&[u8], &str, &str)] = &[
            ("户主：张三\n家庭人口：4\n".as_bytes(), "说明.txt", "文本"),
            (b"", "empty.jpg", "空"),
            (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "photo.jpg", "GIF"),
            (b"PK\x03\x04\x14\x00\x06\x00", "申请.docx", "Word"),
            (
                b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
                "IMG_1234.HEIC",
                "HEIC",
            ),
            (&[0x00, 0x01, 0x02, 0x03, 0xFE], "data.bin", "无法识别"),
        ];
        for (bytes, name, found) in cases {
            let err = prepare(bytes, name).unwrap_err();
            assert!(matches!(err, MediaError::Unsupported { .. }), "{err:?}");
            let message = err.to_string();
            assert!(message.contains(name), "{message}");
            assert!(message.contains(found), "{message}");
            assert!(message.contains("JPEG/PNG 照片或扫描件、PDF"), "{message}");
        }
    }

    #[test]
    fn image_bombs_are_refused_from_their_header() {
        let png = png_bomb(100_000, 100_000);
        assert!(png.len() < 200);
        let started = Instant::now();
        let err = prepare(&png, "bomb.png").unwrap_err();
        assert!(
            matches!(
                err,
                MediaError::TooLarge {
                    width: 100_000,
                    height: 100_000,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("bomb.png"));

        let jpeg = jpeg_bomb(60_000, 60_000);
        let err = prepare(&jpeg, "bomb.jpg").unwrap_err();
        assert!(
            matches!(
                err,
                MediaError::TooLarge {
                    width: 60_000,
                    height: 60_000,
                    ..
                }
            ),
            "{err:?}"
        );
        // Within the per-side limit but over the pixel limit.
        let err = prepare(&jpeg_bomb(10_000, 10_000), "bomb2.jpg").unwrap_err();
        assert!(matches!(err, MediaError::TooLarge { .. }), "{err:?}");
        // Allocating (let alone zeroing) 30 GB would not be this quick.
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn image_limits_refuse_bombs_even_without_the_header_check() {
        // The second line of defence: straight to the decoder.
        let started = Instant::now();
        let png = png_bomb(100_000, 100_000);
        let err = decode_with_limits(&png, ImageFormat::Png, "bomb.png", (100_000, 100_000))
            .err()
            .unwrap();
        assert!(matches!(err, MediaError::TooLarge { .. }), "{err:?}");
        let jpeg = jpeg_bomb(60_000, 60_000);
        let err = decode_with_limits(&jpeg, ImageFormat::Jpeg, "bomb.jpg", (60_000, 60_000))
            .err()
            .unwrap();
        assert!(matches!(err, MediaError::TooLarge { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn inputs_over_the_size_limit_are_refused() {
        let big = vec![0xFFu8; MAX_INPUT_BYTES as usize + 1];
        let err = prepare(&big, "big.jpg").unwrap_err();
        assert!(matches!(err, MediaError::TooBig { .. }), "{err:?}");
        assert!(err.to_string().contains("30.0 MB"), "{err}");
    }

    #[test]
    fn read_input_refuses_a_200_mb_file_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.jpg");
        let file = File::create(&path).unwrap();
        file.set_len(200 * 1024 * 1024).unwrap(); // sparse
        drop(file);
        let started = Instant::now();
        let err = read_input(&path).unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(500));
        assert!(matches!(err, MediaError::TooBig { size, .. } if size == 200 * 1024 * 1024));
        let message = err.to_string();
        assert!(
            message.contains("huge.jpg") && message.contains("200.0 MB"),
            "{message}"
        );

        let small = dir.path().join("small.pdf");
        std::fs::write(&small, b"%PDF-1.4\n%%EOF\n").unwrap();
        assert_eq!(read_input(&small).unwrap(), b"%PDF-1.4\n%%EOF\n");

        let err = read_input(dir.path()).unwrap_err();
        assert!(matches!(err, MediaError::NotAFile { .. }), "{err:?}");
        let err = read_input(&dir.path().join("missing.jpg")).unwrap_err();
        assert!(matches!(err, MediaError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("missing.jpg"));
    }

    #[test]
    fn thumbnails_are_small_jpegs() {
        let stored = prepare(&encode_jpeg(&photo_like(1600, 1200), 90), "p.jpg").unwrap();
        let thumb = thumbnail(&stored.bytes, 256).unwrap();
        let decoded = decode_output(&thumb);
        assert_eq!(decoded.dimensions(), (256, 192));
        assert!(thumb.len() < 40 * 1024, "{}", thumb.len());
        // Never enlarged.
        let small = prepare(&encode_jpeg(&photo_like(100, 80), 90), "s.jpg").unwrap();
        let thumb = thumbnail(&small.bytes, 256).unwrap();
        assert_eq!(decode_output(&thumb).dimensions(), (100, 80));
        // Not a JPEG.
        let err = thumbnail(b"%PDF-1.4\n%%EOF", 256).unwrap_err();
        assert!(matches!(err, MediaError::Unsupported { .. }), "{err:?}");
        let err = thumbnail(&stored.bytes[..stored.bytes.len() / 2], 256).unwrap_err();
        assert!(matches!(err, MediaError::Truncated { .. }), "{err:?}");
    }

    #[test]
    fn a_real_jpeg_walks_to_its_end_and_every_cut_is_truncated() {
        let jpeg = encode_jpeg(&photo_like(33, 17), 90);
        let walked: Vec<_> = jpeg::segments(&jpeg).collect::<Result<_, _>>().unwrap();
        assert_eq!(walked.last().map(|s| s.marker), Some(jpeg::EOI));
        let frame = walked.iter().find(|s| jpeg::is_frame(s.marker)).unwrap();
        assert_eq!(&frame.data[1..5], [0, 17, 0, 33]);
        for cut in [3, 10, jpeg.len() / 3, jpeg.len() - 1] {
            assert_eq!(
                jpeg::segments(&jpeg[..cut]).last(),
                Some(Err(jpeg::Broken::Truncated)),
                "cut at {cut}"
            );
        }
    }

    /// Figures for the report: `cargo test --release --lib attachments -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn measure_prepare_on_a_12_megapixel_photo() {
        let original = encode_jpeg(&photo_like(4000, 3000), 95);
        let runs = 5;
        let mut times = Vec::new();
        let mut prepared = None;
        for _ in 0..runs {
            let started = Instant::now();
            prepared = Some(prepare(&original, "IMG.jpg").unwrap());
            times.push(started.elapsed());
        }
        times.sort();
        let prepared = prepared.unwrap();
        let started = Instant::now();
        let thumb = thumbnail(&prepared.bytes, 256).unwrap();
        let thumb_time = started.elapsed();
        println!(
            "12 MP input: {} bytes; prepare(): median {:?} (min {:?}, max {:?}); output {}×{} {} bytes; thumbnail(256): {:?}, {} bytes",
            original.len(),
            times[runs / 2],
            times[0],
            times[runs - 1],
            prepared.width.unwrap(),
            prepared.height.unwrap(),
            prepared.bytes.len(),
            thumb_time,
            thumb.len()
        );
    }
}
