//! JPEG pictures for the PDF: reading a JPEG's header, and what the layout
//! and the renderer need of it.
//!
//! JPEG files are embedded exactly as they are, as PDF `DCTDecode` image
//! streams: nothing is decoded or re-encoded, so a 300 KB photo adds about
//! 300 KB to the PDF and no quality is lost. All this module needs from the
//! file is its header: the pixel size and number of colour components (from
//! the frame header, `SOFn`), the EXIF orientation (`APP1`) and whether it
//! is an Adobe CMYK file (`APP14`). The header is untrusted input; every read
//! is bounds-checked and a file that cannot be used is an error, never a
//! panic.

use std::sync::Arc;

use crate::jpeg::{self, Broken};

/// Colour space of a JPEG, from its number of components.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JpegColor {
    Gray,
    Rgb,
    /// CMYK; `inverted` for Adobe files, which store the inks inverted.
    Cmyk {
        inverted: bool,
    },
}

/// A JPEG file whose header has been read, ready to embed.
#[derive(Clone)]
pub(crate) struct Jpeg {
    /// The file, unchanged.
    pub bytes: Arc<[u8]>,
    /// Stored width in pixels (before EXIF orientation).
    pub width: u32,
    /// Stored height in pixels (before EXIF orientation).
    pub height: u32,
    pub color: JpegColor,
    /// EXIF orientation, 1–8 (1 = upright as stored).
    pub orientation: u8,
}

impl std::fmt::Debug for Jpeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jpeg")
            .field("bytes", &self.bytes.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("color", &self.color)
            .field("orientation", &self.orientation)
            .finish()
    }
}

impl Jpeg {
    /// Read the header of `data`. The error is a Chinese sentence saying
    /// what is wrong with the file.
    pub fn parse(data: &[u8]) -> Result<Self, String> {
        let header = read_header(data)?;
        Ok(Self {
            bytes: Arc::from(data),
            width: header.width,
            height: header.height,
            color: header.color,
            orientation: header.orientation,
        })
    }

    /// Whether the picture is shown turned by 90° (EXIF orientations 5–8).
    fn transposed(&self) -> bool {
        self.orientation >= 5
    }

    /// Width and height as displayed (after EXIF orientation), in pixels.
    pub fn display_size(&self) -> (u32, u32) {
        if self.transposed() {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }

    /// The PDF matrix `[a b c d e f]` that paints this image (whose samples
    /// fill the unit square) upright into the rectangle `x, y, w, h` of PDF
    /// user space (`y` is the bottom edge, growing upwards), honouring the
    /// EXIF orientation.
    pub fn placement_matrix(&self, x: f32, y: f32, w: f32, h: f32) -> [f32; 6] {
        // Unit square: u to the right, v upwards; the first stored row is at
        // v = 1. Each orientation maps (u, v) to the displayed rectangle.
        match self.orientation {
            2 => [-w, 0.0, 0.0, h, x + w, y],
            3 => [-w, 0.0, 0.0, -h, x + w, y + h],
            4 => [w, 0.0, 0.0, -h, x, y + h],
            5 => [0.0, -h, -w, 0.0, x + w, y + h],
            6 => [0.0, -h, w, 0.0, x, y + h],
            7 => [0.0, h, w, 0.0, x, y],
            8 => [0.0, h, -w, 0.0, x + w, y],
            _ => [w, 0.0, 0.0, h, x, y],
        }
    }
}

/// What [`read_header`] finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    width: u32,
    height: u32,
    color: JpegColor,
    orientation: u8,
}

fn truncated() -> String {
    "JPEG 文件不完整（文件在图像数据之前就结束了）".to_owned()
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

/// Walk the marker segments up to the start of the image data (`SOS`).
fn read_header(data: &[u8]) -> Result<Header, String> {
    if data.len() < 2 || data[0] != 0xFF || data[1] != 0xD8 {
        return Err("不是 JPEG 文件（文件头不是 FF D8）".to_owned());
    }
    let mut frame: Option<(u32, u32, u8)> = None;
    let mut orientation = 1;
    let mut adobe = false;
    for segment in jpeg::segments(data) {
        let segment = segment.map_err(|broken| match broken {
            Broken::Truncated => truncated(),
            Broken::NotAMarker { offset, found } => {
                format!("JPEG 文件已损坏（第 {offset} 字节应为段标记 FF，实为 {found:02X}）")
            }
            Broken::BadMarker { offset, marker } => {
                format!("JPEG 文件已损坏（第 {offset} 字节处出现无效的段标记 FF {marker:02X}）")
            }
            Broken::BadLength { offset, length } => {
                format!("JPEG 文件已损坏（第 {offset} 字节处的段长度 {length} 无效）")
            }
        })?;
        match segment.marker {
            // Baseline, extended sequential and progressive Huffman: what
            // PDF's DCTDecode reads.
            0xC0..=0xC2 => {
                if frame.is_some() {
                    return Err("不支持分层编码的 JPEG（有多个帧头）".to_owned());
                }
                frame = Some(read_frame(segment.data)?);
            }
            marker if jpeg::is_frame(marker) => {
                return Err(format!(
                    "不支持此 JPEG 编码方式（SOF{}：无损、分层或算术编码），请另存为普通 JPEG",
                    marker - 0xC0
                ));
            }
            jpeg::APP1 => {
                if let Some(tiff) = segment.data.strip_prefix(b"Exif\0\0") {
                    orientation = exif_orientation(tiff).unwrap_or(1);
                }
            }
            jpeg::APP14 => adobe |= segment.data.starts_with(b"Adobe"),
            jpeg::SOS => {
                let (width, height, components) =
                    frame.ok_or("JPEG 文件已损坏（图像数据前没有帧头，无法得知图片尺寸）")?;
                if segment.end >= data.len() {
                    return Err(truncated());
                }
                let color = match components {
                    1 => JpegColor::Gray,
                    3 => JpegColor::Rgb,
                    _ => JpegColor::Cmyk { inverted: adobe },
                };
                return Ok(Header {
                    width,
                    height,
                    color,
                    orientation,
                });
            }
            // EOI before any image data.
            jpeg::EOI => break,
            _ => {}
        }
    }
    Err(truncated())
}

/// Width, height and component count from a frame header segment.
fn read_frame(seg: &[u8]) -> Result<(u32, u32, u8), String> {
    let bad = || "JPEG 文件已损坏（帧头太短）".to_owned();
    let precision = *seg.first().ok_or_else(bad)?;
    let height = be16(seg, 1).ok_or_else(bad)?;
    let width = be16(seg, 3).ok_or_else(bad)?;
    let components = *seg.get(5).ok_or_else(bad)?;
    if seg.len() < 6 + 3 * usize::from(components) {
        return Err(bad());
    }
    if precision != 8 {
        return Err(format!(
            "不支持 {precision} 位精度的 JPEG（只支持常见的 8 位）"
        ));
    }
    if width == 0 || height == 0 {
        return Err(format!("JPEG 图片尺寸无效（{width} × {height} 像素）"));
    }
    if !matches!(components, 1 | 3 | 4) {
        return Err(format!(
            "不支持有 {components} 个颜色分量的 JPEG（只支持灰度、彩色和 CMYK）"
        ));
    }
    Ok((u32::from(width), u32::from(height), components))
}

/// The Orientation tag (0x0112) of IFD0 of the TIFF structure inside an
/// EXIF segment, if present and valid.
fn exif_orientation(tiff: &[u8]) -> Option<u8> {
    let little = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at.checked_add(2)?)?;
        Some(if little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = tiff.get(at..at.checked_add(4)?)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count {
        let entry = ifd.checked_add(2 + 12 * i)?;
        // Tag 0x0112, type SHORT (3), value in the first 2 bytes of the
        // 4-byte value field.
        if u16_at(entry)? == 0x0112 && u16_at(entry.checked_add(2)?)? == 3 {
            let v = u16_at(entry.checked_add(8)?)?;
            return u8::try_from(v).ok().filter(|v| (1..=8).contains(v));
        }
    }
    None
}

/// A picture as the layout sees it: which image and its displayed shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Picture {
    /// Index into the document's images.
    pub index: usize,
    /// Displayed width divided by displayed height.
    pub aspect: f32,
}

impl Picture {
    pub fn new(index: usize, jpeg: &Jpeg) -> Self {
        let (w, h) = jpeg.display_size();
        Self {
            index,
            aspect: w as f32 / h as f32,
        }
    }

    /// The largest size with this aspect ratio inside `max_w × max_h`.
    pub fn fit(&self, max_w: f32, max_h: f32) -> (f32, f32) {
        let (max_w, max_h) = (max_w.max(1.0), max_h.max(1.0));
        if max_w / max_h > self.aspect {
            (max_h * self.aspect, max_h)
        } else {
            (max_w, max_w / self.aspect)
        }
    }
}

/// PDF colour space name and optional `Decode` array for a JPEG.
pub(crate) fn pdf_color(color: JpegColor) -> (&'static str, Option<[f32; 8]>) {
    match color {
        JpegColor::Gray => ("DeviceGray", None),
        JpegColor::Rgb => ("DeviceRGB", None),
        JpegColor::Cmyk { inverted: false } => ("DeviceCMYK", None),
        JpegColor::Cmyk { inverted: true } => {
            ("DeviceCMYK", Some([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A syntactically complete JPEG header (no real image data).
    fn header(sof: u8, precision: u8, w: u16, h: u16, comps: u8, extra: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend_from_slice(extra);
        let len = 8 + 3 * u16::from(comps);
        v.extend_from_slice(&[0xFF, sof]);
        v.extend_from_slice(&len.to_be_bytes());
        v.push(precision);
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&w.to_be_bytes());
        v.push(comps);
        for c in 0..comps {
            v.extend_from_slice(&[c + 1, 0x11, 0]);
        }
        // SOS with one component, then some "entropy-coded data" and EOI.
        v.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0]);
        v.extend_from_slice(&[0x12, 0x34, 0xFF, 0xD9]);
        v
    }

    fn exif(orientation: u16, little: bool) -> Vec<u8> {
        let mut tiff: Vec<u8> = Vec::new();
        let p16 = |v: u16| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let p32 = |v: u32| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        tiff.extend_from_slice(if little { b"II" } else { b"MM" });
        tiff.extend_from_slice(&p16(42));
        tiff.extend_from_slice(&p32(8));
        tiff.extend_from_slice(&p16(2)); // two entries
                                         // ImageWidth, LONG — skipped.
        tiff.extend_from_slice(&p16(0x0100));
        tiff.extend_from_slice(&p16(4));
        tiff.extend_from_slice(&p32(1));
        tiff.extend_from_slice(&p32(640));
        // Orientation, SHORT, value left-justified in the 4-byte field.
        tiff.extend_from_slice(&p16(0x0112));
        tiff.extend_from_slice(&p16(3));
        tiff.extend_from_slice(&p32(1));
        tiff.extend_from_slice(&p16(orientation));
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&p32(0));
        let mut seg = vec![0xFF, 0xE1];
        seg.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
        seg.extend_from_slice(b"Exif\0\0");
        seg.extend_from_slice(&tiff);
        seg
    }

    #[test]
    fn reads_size_components_and_orientation() {
        let app0 = [0xFF, 0xE0, 0, 6, b'J', b'F', b'I', b'F'];
        let j = Jpeg::parse(&header(0xC0, 8, 640, 480, 3, &app0)).unwrap();
        assert_eq!((j.width, j.height, j.orientation), (640, 480, 1));
        assert_eq!(j.color, JpegColor::Rgb);
        assert_eq!(j.display_size(), (640, 480));

        let j = Jpeg::parse(&header(0xC2, 8, 10, 20, 1, &exif(6, true))).unwrap();
        assert_eq!((j.color, j.orientation), (JpegColor::Gray, 6));
        assert_eq!(j.display_size(), (20, 10));
        let j = Jpeg::parse(&header(0xC1, 8, 10, 20, 3, &exif(3, false))).unwrap();
        assert_eq!(j.orientation, 3);
        // Out-of-range orientation is ignored.
        let j = Jpeg::parse(&header(0xC0, 8, 10, 20, 3, &exif(9, true))).unwrap();
        assert_eq!(j.orientation, 1);

        let adobe = [
            0xFF, 0xEE, 0, 14, b'A', b'd', b'o', b'b', b'e', 0, 100, 0, 0, 0, 0, 2,
        ];
        let j = Jpeg::parse(&header(0xC0, 8, 10, 20, 4, &adobe)).unwrap();
        assert_eq!(j.color, JpegColor::Cmyk { inverted: true });
        // Fill bytes before a marker are allowed.
        let mut filled = header(0xC0, 8, 3, 4, 3, &[]);
        filled.insert(2, 0xFF);
        assert_eq!(Jpeg::parse(&filled).unwrap().width, 3);
    }

    #[test]
    fn bad_headers_are_errors_not_panics() {
        let good = header(0xC0, 8, 640, 480, 3, &exif(6, true));
        // Every truncation of a valid header is an error (before the image
        // data starts) or a success, never a panic.
        let sos = good.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        for n in 0..good.len() {
            let r = Jpeg::parse(&good[..n]);
            if n <= sos + 10 {
                assert!(r.is_err(), "prefix of {n} bytes accepted");
            }
        }
        // Every single-byte corruption is handled without panicking.
        for i in 0..good.len() {
            for v in [0x00, 0x01, 0x7F, 0xC3, 0xD9, 0xDA, 0xFF] {
                let mut bad = good.clone();
                bad[i] = v;
                let _ = Jpeg::parse(&bad);
            }
        }
        let msg = |b: &[u8]| Jpeg::parse(b).unwrap_err();
        assert!(msg(b"\x89PNG\r\n\x1a\n").contains("不是 JPEG"));
        assert!(msg(&[]).contains("不是 JPEG"));
        assert!(msg(&header(0xC3, 8, 10, 10, 3, &[])).contains("SOF3"));
        assert!(msg(&header(0xC9, 8, 10, 10, 3, &[])).contains("SOF9"));
        assert!(msg(&header(0xC1, 12, 10, 10, 3, &[])).contains("12 位"));
        assert!(msg(&header(0xC0, 8, 10, 0, 3, &[])).contains("尺寸"));
        assert!(msg(&header(0xC0, 8, 10, 10, 2, &[])).contains("2 个颜色分量"));
        assert!(msg(&[0xFF, 0xD8, 0xFF, 0xD9]).contains("不完整"));
        assert!(msg(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 0]).contains("帧头"));
        assert!(msg(&[0xFF, 0xD8, 0x12]).contains("已损坏"));
        assert!(msg(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 1]).contains("段长度"));
        // A segment length pointing past the end.
        assert!(msg(&[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF, 0]).contains("不完整"));
        // EXIF with an IFD offset far outside the segment: orientation 1.
        let mut e = exif(6, true);
        e[14..18].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            Jpeg::parse(&header(0xC0, 8, 5, 5, 3, &e))
                .unwrap()
                .orientation,
            1
        );
    }

    #[test]
    fn orientation_matrices_map_the_unit_square_onto_the_box() {
        let (x, y, w, h) = (10.0, 20.0, 30.0, 40.0);
        for o in 1..=8 {
            let j = Jpeg {
                bytes: Arc::from(&[][..]),
                width: 4,
                height: 3,
                color: JpegColor::Rgb,
                orientation: o,
            };
            let m = j.placement_matrix(x, y, w, h);
            let map = |u: f32, v: f32| (m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5]);
            let mut corners: Vec<(f32, f32)> = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
                .iter()
                .map(|&(u, v)| map(u, v))
                .collect();
            corners.sort_by(|a, b| a.partial_cmp(b).unwrap());
            assert_eq!(
                corners,
                vec![(10.0, 20.0), (10.0, 60.0), (40.0, 20.0), (40.0, 60.0)],
                "orientation {o}"
            );
            // Where the first stored pixel (top-left, u = 0, v = 1) lands.
            let first = map(0.0, 1.0);
            let expected = match o {
                1 | 5 => (10.0, 60.0), // top-left
                2 | 6 => (40.0, 60.0), // top-right
                3 | 7 => (40.0, 20.0), // bottom-right
                _ => (10.0, 20.0),     // bottom-left
            };
            assert_eq!(first, expected, "orientation {o}");
        }
    }

    #[test]
    fn fit_keeps_the_aspect_ratio() {
        let wide = Picture {
            index: 0,
            aspect: 4.0,
        };
        assert_eq!(wide.fit(100.0, 100.0), (100.0, 25.0));
        let tall = Picture {
            index: 0,
            aspect: 0.25,
        };
        assert_eq!(tall.fit(100.0, 100.0), (25.0, 100.0));
    }
}
