//! Attachments through the real `bangfu` binary: a phone photo is shrunk and
//! kept once, bad files are refused with nothing saved, the limits hold, and
//! what is exported is what was stored.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::support::pdf::poppler as tool;
use crate::support::{demo_store, p, photo, run, sha256_file, sql, tempdir};

/// A demo village store in a temporary directory.
fn village() -> (tempfile::TempDir, PathBuf) {
    let dir = tempdir();
    let db = demo_store(dir.path(), "v.sqlite", &[]);
    (dir, db)
}

/// Rows in `attachments` and `blobs`, and change-log entries.
fn counts(db: &Path) -> (i64, i64, i64) {
    let conn = sql(db);
    let n = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql);
    (
        n("SELECT count(*) FROM attachments"),
        n("SELECT count(*) FROM blobs"),
        n("SELECT count(*) FROM change_log"),
    )
}

/// A 4000×3000 photo-like JPEG, about the size a 12-megapixel phone writes.
fn phone_photo(path: &Path) {
    photo(path, 4000, 3000, 7);
}

#[test]
fn a_phone_photo_is_shrunk_kept_once_and_exported_as_stored() {
    let (dir, db) = village();
    let photo = dir.path().join("IMG_0001.jpg");
    phone_photo(&photo);
    let original = std::fs::metadata(&photo).expect("meta").len();
    assert!(
        original > 2_000_000,
        "the test photo is phone-sized: {original}"
    );
    let (a0, b0, _) = counts(&db);

    let r = run(
        &db,
        &[
            "attach",
            "--household",
            "BY-001",
            p(&photo),
            "--kind",
            "住房照片",
            "--caption",
            "正房东墙裂缝",
            "--taken-on",
            "2026-11-20",
        ],
    )
    .ok();
    assert!(
        r.stdout.contains("已为 BY-001 户添加住房照片"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("2048×1536"), "{}", r.stdout);
    // The same photo again, under another caption: a second row, the bytes once.
    let r = run(
        &db,
        &[
            "attach",
            "--household",
            "BY-001",
            p(&photo),
            "--kind",
            "house_photo",
            "--caption",
            "同一张",
        ],
    )
    .ok();
    assert!(r.stdout.contains("未重复保存"), "{}", r.stdout);
    let (a1, b1, _) = counts(&db);
    assert_eq!((a1 - a0, b1 - b0), (2, 1));

    let r = run(
        &db,
        &["attachments", "list", "--household", "BY-001", "--json"],
    )
    .ok();
    let list: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let list = list.as_array().expect("list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["kind"], "house_photo");
    assert_eq!(list[0]["caption"], "正房东墙裂缝");
    assert_eq!(list[0]["taken_on"], "2026-11-20");
    assert_eq!(list[0]["sha256"], list[1]["sha256"]);
    let size = list[0]["size"].as_u64().expect("size");
    assert!(
        size < 1_000_000 && size * 4 < original,
        "stored {size} of {original}"
    );

    let out = dir.path().join("export");
    run(
        &db,
        &[
            "attachments",
            "export",
            "--household",
            "BY-001",
            "--out",
            p(&out),
        ],
    )
    .ok();
    let files: Vec<PathBuf> = std::fs::read_dir(&out)
        .expect("export dir")
        .map(|e| e.expect("entry").path())
        .collect();
    // One file per attachment (their dates differ), both the stored bytes.
    assert_eq!(files.len(), 2, "{files:?}");
    for f in &files {
        assert_eq!(sha256_file(f), list[0]["sha256"].as_str().expect("hash"));
    }
    let exported = image::open(&files[0]).expect("the export is a picture");
    assert_eq!((exported.width(), exported.height()), (2048, 1536));
    run(&db, &["log", "verify"]).ok();
}

#[test]
fn bad_files_are_refused_and_nothing_is_saved() {
    let (dir, db) = village();
    let d = dir.path();
    let before = counts(&db);
    let attach = |file: &Path| {
        run(
            &db,
            &["attach", "--household", "BY-002", p(file), "--kind", "证件"],
        )
    };

    let text = d.join("notes.txt");
    std::fs::write(&text, "这不是照片").expect("write");
    attach(&text).fails(2, "JPEG/PNG");

    let photo = d.join("photo.jpg");
    phone_photo(&photo);
    let bytes = std::fs::read(&photo).expect("read");
    let truncated = d.join("truncated.jpg");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    attach(&truncated).fails(2, "truncated.jpg");

    let huge = d.join("huge.pdf");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(200 * 1024 * 1024))
        .expect("sparse file");
    attach(&huge).fails(2, "huge.pdf");

    // A PNG whose header claims 100000×100000 pixels: refused from the header.
    let bomb = d.join("bomb.png");
    std::fs::write(&bomb, png_header_only(100_000, 100_000)).expect("write");
    let started = std::time::Instant::now();
    attach(&bomb).fails(2, "bomb.png");
    assert!(started.elapsed().as_secs() < 10);

    let pdf_cut = d.join("cut.pdf");
    std::fs::write(&pdf_cut, b"%PDF-1.4\n1 0 obj << >> endobj\n").expect("write");
    attach(&pdf_cut).fails(2, "cut.pdf");

    run(
        &db,
        &[
            "attach",
            "--household",
            "NO-SUCH",
            p(&photo),
            "--kind",
            "证件",
        ],
    );
    let r = run(
        &db,
        &[
            "attach",
            "--household",
            "BY-002",
            p(&photo),
            "--kind",
            "证件",
            "--member",
            "查无此人",
        ],
    );
    r.fails(2, "查无此人");
    run(
        &db,
        &[
            "attach",
            "--household",
            "BY-002",
            p(&photo),
            "--kind",
            "照片",
        ],
    )
    .fails(2, "附件类别");
    assert_eq!(counts(&db), before, "nothing was saved");
    run(&db, &["log", "verify"]).ok();
}

#[test]
fn the_per_file_and_per_household_limits_hold() {
    let (dir, db) = village();
    let pdf = |name: &str, mib: usize, seed: u8| {
        let path = dir.path().join(name);
        let mut f = std::fs::File::create(&path).expect("create");
        f.write_all(b"%PDF-1.4\n").expect("write");
        let mut block = vec![seed; 1024 * 1024];
        for (i, b) in block.iter_mut().enumerate() {
            *b = b.wrapping_add((i % 251) as u8);
        }
        for _ in 0..mib {
            f.write_all(&block).expect("write");
        }
        f.write_all(b"\n%%EOF\n").expect("write");
        path
    };
    let big = pdf("big.pdf", 13, 1);
    run(
        &db,
        &[
            "attach",
            "--household",
            "BY-003",
            p(&big),
            "--kind",
            "申请书",
        ],
    )
    .fails(2, "上限");
    let mut added = 0;
    let mut refused = None;
    for i in 0..10u8 {
        let scan = pdf(&format!("scan{i}.pdf"), 11, i + 2);
        let r = run(
            &db,
            &[
                "attach",
                "--household",
                "BY-003",
                p(&scan),
                "--kind",
                "申请书",
            ],
        );
        if r.code == 0 {
            added += 1;
        } else {
            refused = Some(r);
            break;
        }
    }
    // 9 × 11 MiB fit under 100 MiB; the tenth does not.
    assert_eq!(added, 9);
    refused.expect("the tenth scan is refused").fails(2, "每户");
    let (a, _, _) = counts(&db);
    assert_eq!(a, 9);
    // Another household still has room.
    let other = pdf("other.pdf", 1, 99);
    run(
        &db,
        &[
            "attach",
            "--household",
            "BY-004",
            p(&other),
            "--kind",
            "申请书",
        ],
    )
    .ok();
}

/// A PNG signature and IHDR chunk declaring `w`×`h` RGB pixels (correct CRC),
/// followed by a tiny IDAT: small on disk, gigapixels if decoded.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small JPEG of one flat colour, `w`×`h`.
fn flat_jpeg(path: &Path, w: u32, h: u32, rgb: [u8; 3]) {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut out = std::fs::File::create(path).expect("create");
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("encode");
}

#[test]
fn the_dossier_shows_photos_lists_scans_and_can_append_them() {
    let (dir, db) = village();
    let d = dir.path();
    let house = d.join("house.jpg");
    flat_jpeg(&house, 1600, 1200, [200, 40, 40]);
    let visit_photo = d.join("visit.jpg");
    flat_jpeg(&visit_photo, 1200, 1600, [40, 160, 40]);
    let card = d.join("card.jpg");
    flat_jpeg(&card, 1700, 1100, [40, 40, 200]);
    // A real PDF stands in for a scanned application: the village notice.
    let pdf = d.join("application.pdf");
    run(&db, &["notice", "--village", "保婴村", "--out", p(&pdf)]).ok();
    // A file that looks like a PDF but whose pages cannot be read.
    let broken = d.join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.4\n% no objects at all\n%%EOF\n").expect("write");

    let r = run(
        &db,
        &[
            "visit",
            "add",
            "--household",
            "BY-005",
            "--date",
            "2026-11-21",
            "--worker",
            "方晓燕",
            "--worker",
            "洪卫东",
            "--findings",
            "房屋漏雨",
        ],
    )
    .ok();
    let visit_id = r
        .stdout
        .split("记录号 ")
        .nth(1)
        .and_then(|t| t.split('）').next())
        .expect("visit id printed")
        .to_owned();
    let attach = |file: &Path, extra: &[&str]| {
        let mut args = vec!["attach", "--household", "BY-005", p(file)];
        args.extend_from_slice(extra);
        run(&db, &args).ok()
    };
    attach(
        &house,
        &["--kind", "house_photo", "--caption", "正房屋顶渗水"],
    );
    attach(
        &visit_photo,
        &[
            "--kind",
            "house_photo",
            "--caption",
            "灶房墙体开裂",
            "--visit",
            &visit_id,
        ],
    );
    // The ID document of a member the demo made: its first one.
    let shown = run(&db, &["households", "show", "BY-005", "--json"]).ok();
    let shown: serde_json::Value = serde_json::from_str(&shown.stdout).expect("household JSON");
    let member = shown["household"]["members"][0]["name"]
        .as_str()
        .expect("a member")
        .to_owned();
    attach(
        &card,
        &[
            "--kind",
            "id_document",
            "--caption",
            "残疾人证",
            "--member",
            &member,
        ],
    );
    let r = attach(&pdf, &["--kind", "application", "--caption", "低保申请书"]);
    assert!(!r.stderr.contains("警告"), "{}", r.stderr);
    // A PDF whose pages cannot be read is kept, with a warning at once.
    let r = attach(
        &broken,
        &["--kind", "review_record", "--caption", "评议记录"],
    );
    assert!(
        r.stderr.contains("警告") && r.stderr.contains("无法附上"),
        "{}",
        r.stderr
    );

    let plain = d.join("plain.pdf");
    run(
        &db,
        &["dossier", "--household", "BY-005", "--out", p(&plain)],
    )
    .ok();
    let with = d.join("with-scans.pdf");
    run(
        &db,
        &[
            "dossier",
            "--household",
            "BY-005",
            "--out",
            p(&with),
            "--with-scans",
        ],
    )
    .ok();

    let images = |f: &Path| {
        tool("pdfimages", &["-list", p(f)])
            .lines()
            .skip(2)
            .filter(|l| l.contains("jpeg"))
            .count()
    };
    assert_eq!(images(&plain), 2, "the house photo and the visit photo");
    assert_eq!(images(&with), 3, "and the scanned card as a page");
    let text = tool("pdftotext", &[p(&with), "-"]);
    for needle in [
        "住房情况照片",
        "正房屋顶渗水",
        "入户调查照片",
        "灶房墙体开裂",
        "证件及材料",
        "残疾人证",
        "低保申请书",
        "PDF，附后（",
        "PDF，无法附上",
        "附：证件",
        "社会救助对象公示",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let pages = |f: &Path| {
        tool("pdfinfo", &[p(f)])
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse::<u32>().ok())
            .expect("page count")
    };
    let application_pages = pages(&pdf);
    // The cell may wrap: compare without the line breaks and spaces.
    let squashed: String = text.split_whitespace().collect();
    assert!(
        squashed.contains(&format!("PDF，附后（{application_pages}页）")),
        "{text}"
    );
    assert_eq!(
        pages(&with),
        pages(&plain) + 1 + application_pages,
        "a page for the scanned card and the application's pages"
    );
    assert!(!tool("pdftotext", &[p(&plain), "-"]).contains("社会救助对象公示"));
}
