//! End-to-end checks of JPEG pictures in `bangfu::pdf`: real PDFs are
//! written to a temporary directory and inspected with poppler-utils
//! (`pdfimages`, `pdftotext`, `pdfinfo`, `pdftoppm`), which must be
//! installed. The JPEGs are made here with the `image` crate: flat colours
//! with a little noise, so that the rendered pages can be searched for the
//! pictures by colour (text is black, pictures are red, blue or grey).

use std::io::Cursor;
use std::path::Path;

use bangfu::pdf::{Document, PdfError};
use image::codecs::jpeg::JpegEncoder;
use image::{ImageBuffer, Luma, Rgb, RgbImage};

use crate::support::pdf::{page_count, pdf_text, poppler, squash, write_pdf};
use crate::support::{p, tempdir};

/// Resolution the pages are rendered at for pixel checks.
const DPI: f32 = 50.0;

fn px(mm: f32) -> f32 {
    mm * DPI / 25.4
}

/// One row of `pdfimages -list`.
#[derive(Debug)]
struct ListedImage {
    page: usize,
    width: u32,
    height: u32,
    color: String,
    encoding: String,
}

fn list_images(pdf: &Path) -> Vec<ListedImage> {
    let out = poppler("pdfimages", &["-list", p(pdf)]);
    out.lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(c[2], "image", "{l}");
            ListedImage {
                page: c[0].parse().expect("page"),
                width: c[3].parse().expect("width"),
                height: c[4].parse().expect("height"),
                color: c[5].to_owned(),
                encoding: c[8].to_owned(),
            }
        })
        .collect()
}

/// Render page `page` (1-based) at [`DPI`] in colour.
fn render_page(pdf: &Path, page: usize, dir: &Path) -> RgbImage {
    let n = page.to_string();
    let prefix = dir.join(format!("render-{page}"));
    poppler(
        "pdftoppm",
        &[
            "-r",
            &DPI.to_string(),
            "-png",
            "-singlefile",
            "-f",
            &n,
            "-l",
            &n,
            p(pdf),
            p(&prefix),
        ],
    );
    image::open(prefix.with_extension("png"))
        .expect("decode rendered png")
        .to_rgb8()
}

fn is_red(p: &Rgb<u8>) -> bool {
    p[0] > 140 && p[1] < 110 && p[2] < 110
}

fn is_blue(p: &Rgb<u8>) -> bool {
    p[2] > 140 && p[0] < 110 && p[1] < 110
}

/// The grey of the test scans (text is black, paper white).
fn is_scan_grey(p: &Rgb<u8>) -> bool {
    p.0.iter().all(|c| (80..=125).contains(c))
}

/// Bounding box `(x0, y0, x1, y1)` in pixels (exclusive ends) of the rows
/// and columns holding at least `min` pixels matching `pred`.
fn bbox(img: &RgbImage, pred: impl Fn(&Rgb<u8>) -> bool, min: usize) -> Option<[u32; 4]> {
    let (w, h) = img.dimensions();
    let mut rows = vec![0usize; h as usize];
    let mut cols = vec![0usize; w as usize];
    for (x, y, p) in img.enumerate_pixels() {
        if pred(p) {
            rows[y as usize] += 1;
            cols[x as usize] += 1;
        }
    }
    let span = |v: &[usize]| {
        let first = v.iter().position(|&c| c >= min)?;
        let last = v.iter().rposition(|&c| c >= min)?;
        Some((first as u32, last as u32 + 1))
    };
    let (y0, y1) = span(&rows)?;
    let (x0, x1) = span(&cols)?;
    Some([x0, y0, x1, y1])
}

fn count(img: &RgbImage, pred: impl Fn(&Rgb<u8>) -> bool) -> usize {
    img.pixels().filter(|p| pred(p)).count()
}

/// Assert a bounding box is `w_mm × h_mm` at `left_mm` (if given), within
/// about one rendered pixel plus JPEG edge blur.
fn assert_box_mm(b: [u32; 4], left_mm: Option<f32>, w_mm: f32, h_mm: f32, what: &str) {
    let tol = 2.5;
    let (w, h) = ((b[2] - b[0]) as f32, (b[3] - b[1]) as f32);
    assert!(
        (w - px(w_mm)).abs() <= tol && (h - px(h_mm)).abs() <= tol,
        "{what}: {w} × {h} px, expected {:.1} × {:.1} px ({w_mm} × {h_mm} mm); box {b:?}",
        px(w_mm),
        px(h_mm)
    );
    if let Some(left) = left_mm {
        assert!(
            (b[0] as f32 - px(left)).abs() <= tol,
            "{what}: left edge at {} px, expected {:.1}",
            b[0],
            px(left)
        );
    }
}

/// Deterministic pseudo-random bytes (xorshift), for noisy pictures.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 24) as u8
    }

    /// `base` ± `amp`.
    fn around(&mut self, base: u8, amp: u8) -> u8 {
        let d = i16::from(self.next() % (2 * amp + 1)) - i16::from(amp);
        (i16::from(base) + d).clamp(0, 255) as u8
    }
}

fn encode(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .expect("encode jpeg");
    out.into_inner()
}

/// A red `w × h` JPEG with noise of amplitude `amp` (more noise, bigger
/// file).
fn red_jpeg(w: u32, h: u32, amp: u8, seed: u64) -> Vec<u8> {
    let mut n = Noise(seed | 1);
    let img = ImageBuffer::from_fn(w, h, |_, _| {
        Rgb([n.around(200, amp), n.around(40, amp), n.around(40, amp)])
    });
    encode(&img, 90)
}

/// A photo of about 300 KB, as a phone photo re-saved at a moderate size.
fn photo_300k(seed: u64) -> Vec<u8> {
    red_jpeg(1024, 768, 11, seed)
}

/// A grey scan of an A4 page at 100 dpi (grayscale JPEG).
fn grey_scan() -> Vec<u8> {
    let mut n = Noise(7);
    let img: ImageBuffer<Luma<u8>, Vec<u8>> =
        ImageBuffer::from_fn(827, 1169, |_, _| Luma([n.around(102, 6)]));
    let mut out = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("encode jpeg");
    out.into_inner()
}

/// Insert an EXIF segment with the given Orientation right after SOI.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian, IFD0 at 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn new_doc(title: &str) -> Document {
    Document::new(title).expect("embedded font")
}

#[test]
fn one_image_with_caption_is_embedded_unchanged_and_drawn_in_its_box() {
    let dir = tempdir();
    let jpeg = red_jpeg(400, 300, 12, 1);
    let caption = "厨房：灶台、水缸和碗柜，屋顶有漏雨痕迹（2026 年 3 月 5 日入户拍摄）";
    let mut doc = new_doc("入户调查记录");
    doc.title("入户调查记录");
    doc.paragraph("户主张桂英，家中四口人。");
    doc.image(&jpeg, caption, 120.0, 90.0).expect("image");
    doc.paragraph("照片之后的文字。");
    let pdf = write_pdf(dir.path(), "one.pdf", &doc.to_bytes().expect("pdf"));

    assert_eq!(page_count(&pdf), 1);
    let images = list_images(&pdf);
    assert_eq!(images.len(), 1, "{images:?}");
    let im = &images[0];
    assert_eq!((im.width, im.height), (400, 300));
    assert_eq!((im.color.as_str(), im.encoding.as_str()), ("rgb", "jpeg"));

    // The JPEG is carried as it is (DCTDecode, no re-encoding).
    let prefix = dir.path().join("extracted");
    poppler("pdfimages", &["-j", p(&pdf), p(&prefix)]);
    let extracted = std::fs::read(dir.path().join("extracted-000.jpg")).expect("extracted jpeg");
    assert!(extracted == jpeg, "embedded JPEG differs from the input");

    let text = squash(&pdf_text(&pdf, None));
    assert!(text.contains(&squash(caption)), "{text}");
    // Reading order: paragraph, caption, following paragraph.
    let p = text.find("户主张桂英").expect("paragraph");
    let c = text.find("厨房：灶台").expect("caption");
    let after = text.find("照片之后的文字").expect("paragraph after");
    assert!(p < c && c < after, "{text}");

    // 4:3 fills the 120 × 90 mm box exactly, flush with the left margin.
    let page = render_page(&pdf, 1, dir.path());
    let b = bbox(&page, is_red, 3).expect("the picture is drawn");
    assert_box_mm(b, Some(18.0), 120.0, 90.0, "picture");
    let filled = count(&page, is_red) as f32;
    assert!(
        filled > 0.9 * px(120.0) * px(90.0),
        "picture area mostly blank: {filled} red pixels"
    );
}

#[test]
fn ten_photos_in_a_grid_across_pages_none_lost_rows_whole() {
    let dir = tempdir();
    let photos: Vec<(Vec<u8>, String)> = (1..=10)
        .map(|i| {
            (
                photo_300k(i as u64 * 7919),
                format!("照片{i:02}：入户查看第{i:02}处"),
            )
        })
        .collect();
    let jpeg_total: usize = photos.iter().map(|(j, _)| j.len()).sum();
    let mut doc = new_doc("入户调查照片");
    doc.title("入户调查照片");
    doc.heading("一、房屋及生活条件");
    doc.photo_grid(&photos, 2, 60.0).expect("grid");
    doc.paragraph("以上照片由村协理员拍摄。");
    let bytes = doc.to_bytes().expect("pdf");
    let pdf = write_pdf(dir.path(), "grid.pdf", &bytes);
    eprintln!(
        "10 photos: JPEGs {} bytes in total (each {}–{} bytes), PDF {} bytes ({} bytes overhead)",
        jpeg_total,
        photos.iter().map(|(j, _)| j.len()).min().unwrap_or(0),
        photos.iter().map(|(j, _)| j.len()).max().unwrap_or(0),
        bytes.len(),
        bytes.len() as i64 - jpeg_total as i64
    );
    for (j, _) in &photos {
        assert!(
            (250_000..=400_000).contains(&j.len()),
            "test photo is {} bytes",
            j.len()
        );
    }
    // JPEGs are carried as they are: the PDF is their sum plus the font
    // subset and a few objects.
    assert!(bytes.len() >= jpeg_total);
    assert!(
        bytes.len() < jpeg_total + 120 * 1024,
        "PDF {} bytes",
        bytes.len()
    );

    let images = list_images(&pdf);
    assert_eq!(images.len(), 10, "{images:?}");
    assert!(images
        .iter()
        .all(|i| (i.width, i.height, i.encoding.as_str()) == (1024, 768, "jpeg")));
    // 3 rows of 2 fit on the first page, the other 2 rows on the second.
    let pages = page_count(&pdf);
    let per_page: Vec<usize> = (1..=pages)
        .map(|p| images.iter().filter(|i| i.page == p).count())
        .collect();
    assert_eq!(per_page, vec![6, 4]);

    let text = squash(&pdf_text(&pdf, None));
    for (_, caption) in &photos {
        assert_eq!(
            text.matches(caption.as_str()).count(),
            1,
            "{caption} in {text}"
        );
    }
    // The heading is on the page of the first row, captions with their
    // photos' page.
    let page1 = squash(&pdf_text(&pdf, Some(1)));
    assert!(page1.contains("一、房屋及生活条件"));
    assert!(
        page1.contains("照片06") && !page1.contains("照片07"),
        "{page1}"
    );
    assert!(squash(&pdf_text(&pdf, Some(2))).contains("照片10"));

    // Every photo is actually drawn at its size (80 × 60 mm in an 85 mm
    // cell), and nothing reaches the bottom margin.
    let one = px(80.0) * px(60.0);
    for (p, n) in per_page.iter().enumerate() {
        let page = render_page(&pdf, p + 1, dir.path());
        let red = count(&page, is_red) as f32;
        assert!(
            red > 0.9 * *n as f32 * one && red < 1.1 * *n as f32 * one,
            "page {}: {red} red pixels for {n} photos",
            p + 1
        );
        let b = bbox(&page, is_red, 3).expect("photos drawn");
        assert!(
            b[3] as f32 <= px(297.0 - 20.0) + 1.0,
            "page {}: {b:?}",
            p + 1
        );
        assert!(b[1] as f32 >= px(20.0) - 1.0, "page {}: {b:?}", p + 1);
        // Two columns: photos centred in 85 mm cells, 4 mm apart.
        assert_box_mm(
            [b[0], 0, b[2], 0],
            Some(18.0 + 2.5),
            169.0,
            0.0,
            "grid width",
        );
    }
}

#[test]
fn full_page_scan_gets_its_own_page_with_its_heading() {
    let dir = tempdir();
    let scan = grey_scan();
    let mut doc = new_doc("一户一档");
    doc.title("一户一档");
    doc.paragraph("附件见后页。");
    doc.heading("附件一：户口簿");
    doc.full_page_image(&scan, "户口簿（首页）扫描件")
        .expect("scan");
    doc.paragraph("扫描件之后的内容。");
    let pdf = write_pdf(dir.path(), "scan.pdf", &doc.to_bytes().expect("pdf"));

    assert_eq!(page_count(&pdf), 3);
    let images = list_images(&pdf);
    assert_eq!(images.len(), 1, "{images:?}");
    assert_eq!(images[0].page, 2);
    assert_eq!((images[0].width, images[0].height), (827, 1169));
    assert_eq!(
        (images[0].color.as_str(), images[0].encoding.as_str()),
        ("gray", "jpeg")
    );
    let page2 = squash(&pdf_text(&pdf, Some(2)));
    assert!(
        page2.contains("附件一：户口簿"),
        "heading stays with the scan: {page2}"
    );
    assert!(page2.contains("户口簿（首页）扫描件"));
    assert!(!squash(&pdf_text(&pdf, Some(1))).contains("附件一"));
    assert!(squash(&pdf_text(&pdf, Some(3))).contains("扫描件之后的内容"));

    // The scan fills the content height left under the heading and above
    // its caption, centred: 257 mm minus heading (~11 mm) and caption
    // (~6 mm), at the A4 aspect ratio.
    let page = render_page(&pdf, 2, dir.path());
    let b = bbox(&page, is_scan_grey, 60).expect("scan drawn");
    let h_mm = (b[3] - b[1]) as f32 * 25.4 / DPI;
    let w_mm = (b[2] - b[0]) as f32 * 25.4 / DPI;
    assert!(
        (230.0..=245.0).contains(&h_mm),
        "scan height {h_mm} mm, box {b:?}"
    );
    assert!(
        (w_mm / h_mm - 827.0 / 1169.0).abs() < 0.02,
        "{w_mm} × {h_mm}"
    );
    let centre = (b[0] + b[2]) as f32 / 2.0;
    assert!((centre - px(105.0)).abs() <= 2.0, "centre at {centre} px");
    assert!(b[3] as f32 <= px(277.0), "{b:?}");
}

#[test]
fn tall_and_wide_pictures_fit_their_box() {
    let dir = tempdir();
    let mut doc = new_doc("t");
    doc.no_header().no_footer();
    doc.image(&red_jpeg(300, 1200, 10, 3), "", 100.0, 80.0)
        .expect("tall");
    doc.page_break();
    doc.image(&red_jpeg(1200, 200, 10, 4), "很宽的图片", 100.0, 80.0)
        .expect("wide");
    doc.page_break();
    // A box larger than the page is limited to the content area.
    doc.image(&red_jpeg(300, 1200, 10, 5), "", 500.0, 500.0)
        .expect("huge box");
    let pdf = write_pdf(dir.path(), "shapes.pdf", &doc.to_bytes().expect("pdf"));
    assert_eq!(page_count(&pdf), 3);

    let tall = bbox(&render_page(&pdf, 1, dir.path()), is_red, 3).expect("tall");
    assert_box_mm(tall, Some(18.0), 20.0, 80.0, "tall picture");
    let wide = bbox(&render_page(&pdf, 2, dir.path()), is_red, 3).expect("wide");
    assert_box_mm(wide, Some(18.0), 100.0, 100.0 / 6.0, "wide picture");
    // 257 mm content height (no caption), a quarter of that wide.
    let huge = bbox(&render_page(&pdf, 3, dir.path()), is_red, 3).expect("huge");
    assert_box_mm(
        huge,
        Some(18.0),
        257.0 / 4.0,
        257.0,
        "picture in a huge box",
    );
}

#[test]
fn exif_orientation_turns_the_picture_upright() {
    let dir = tempdir();
    // Stored landscape 400 × 200, blue top-left quadrant; EXIF 6 says
    // "rotate 90° clockwise to display", as phones write for portrait shots.
    let stored = ImageBuffer::from_fn(400, 200, |x, y| {
        if x < 200 && y < 100 {
            Rgb([30u8, 30, 210])
        } else {
            Rgb([210, 30, 30])
        }
    });
    let jpeg = with_exif_orientation(&encode(&stored, 90), 6);
    let mut doc = new_doc("t");
    doc.no_header().no_footer();
    doc.image(&jpeg, "", 100.0, 100.0).expect("image");
    let pdf = write_pdf(dir.path(), "exif.pdf", &doc.to_bytes().expect("pdf"));

    let images = list_images(&pdf);
    assert_eq!((images[0].width, images[0].height), (400, 200));
    let page = render_page(&pdf, 1, dir.path());
    let all = bbox(&page, |p| is_red(p) || is_blue(p), 3).expect("picture");
    // Displayed portrait: 50 × 100 mm.
    assert_box_mm(all, Some(18.0), 50.0, 100.0, "rotated picture");
    // The stored top-left corner is now the top-right quarter.
    let blue = bbox(&page, is_blue, 3).expect("blue quarter");
    let mid_x = (all[0] + all[2]) / 2;
    let mid_y = (all[1] + all[3]) / 2;
    assert!(
        blue[0] + 2 >= mid_x && blue[3] <= mid_y + 2,
        "blue {blue:?} not in the top-right of {all:?}"
    );
}

#[test]
fn corrupt_jpegs_are_errors_naming_the_problem() {
    let good = red_jpeg(64, 48, 5, 9);
    let err = |r: Result<&mut Document, PdfError>| match r {
        Err(PdfError::Image(msg)) => msg,
        Err(e) => panic!("expected PdfError::Image, got {e:?}"),
        Ok(_) => panic!("corrupt JPEG accepted"),
    };
    let mut doc = new_doc("t");

    let msg = err(doc.image(b"definitely not a jpeg", "门牌", 50.0, 50.0));
    assert!(msg.contains("不是 JPEG") && msg.contains("门牌"), "{msg}");
    let display = PdfError::Image(msg).to_string();
    assert!(display.starts_with("图片无法放入 PDF"), "{display}");

    // Truncated inside the header, before the image data.
    let msg = err(doc.image(&good[..good.len().min(100)], "", 50.0, 50.0));
    assert!(msg.contains("不完整"), "{msg}");

    // A PNG with a .jpg name.
    let mut png = Cursor::new(Vec::new());
    ImageBuffer::from_pixel(4, 4, Rgb([1u8, 2, 3]))
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("png");
    let msg = err(doc.full_page_image(png.get_ref(), "残疾人证"));
    assert!(
        msg.contains("不是 JPEG") && msg.contains("残疾人证"),
        "{msg}"
    );

    // A bad photo in a grid names its position; nothing of the grid is
    // added.
    let photos = vec![
        (good.clone(), "正门".to_owned()),
        (good.clone(), "厨房".to_owned()),
        (vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00], "卧室".to_owned()),
    ];
    let msg = err(doc.photo_grid(&photos, 2, 50.0));
    assert!(msg.contains("第 3 张照片（卧室）"), "{msg}");

    // Bad box sizes are layout errors.
    assert!(matches!(
        doc.image(&good, "", f32::NAN, 50.0),
        Err(PdfError::Layout(_))
    ));

    // The document is still fine, and holds no picture.
    doc.paragraph("正文");
    let dir = tempdir();
    let pdf = write_pdf(
        dir.path(),
        "after-errors.pdf",
        &doc.to_bytes().expect("pdf"),
    );
    assert!(list_images(&pdf).is_empty());
}
