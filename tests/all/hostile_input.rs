//! Hostile input through the real command: texts that would reach a
//! terminal, a spreadsheet or a file name, files too large to read, text in
//! the wrong encoding. Each is refused with a Chinese message naming the
//! place, and the store is left exactly as it was.

use serde_json::{json, Value};

use crate::support::*;

const ID: &str = "341024198104120119";

fn household(code: &str, name: &str) -> Value {
    json!({
        "id": code, "region_code": "341024", "village": "田心寨村", "hukou": "rural",
        "members": [{
            "name": name, "id_number": ID, "relation": "self", "cohabiting": true,
            "disability": null, "serious_illness": false, "work_capacity": "full",
            "self_care": "full", "incomes": []
        }],
        "expenses": [],
        "assets": {"financial": "0.00", "disqualifying": []}
    })
}

/// What an import could change.
fn state(db: &std::path::Path) -> Vec<String> {
    query_all(
        db,
        &[
            "SELECT COUNT(*) || ':' || COALESCE(MAX(hash), '') FROM change_log",
            "SELECT group_concat(code) FROM households",
            "SELECT group_concat(name) FROM members",
        ],
    )
}

#[test]
fn hostile_texts_and_codes_are_refused_whole_and_nothing_is_saved() {
    let dir = tempdir();
    let d = dir.path();
    let db = d.join("v.sqlite");
    import_households(&db, &d.join("ok.json"), &[household("TXZ-001", "程金明")]);
    let before = state(&db);
    let huge = "名".repeat(5 * 1024 * 1024 / 3);
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            "TXZ-002",
            "王\u{202E}gpj.exe",
            &["第1名成员", "name", "U+202E"],
        ),
        ("TXZ-002", "张\u{0}三", &["name", "U+0000"]),
        ("TXZ-002", "\u{1b}[31m红", &["name", "U+001B"]),
        ("TXZ-002", &huge, &["name", "太长", "最多 50 个"]),
        ("../../pwned-code", "李四", &["户编号只能由", "/"]),
        ("TXZ\u{202E}-003", "李四", &["字段 id", "U+202E"]),
    ];
    for (code, name, needles) in cases {
        let file = d.join("bad.json");
        write_json(
            &file,
            &json!({"format": "bangfu.household.v1", "households": [
                household("TXZ-009", "赵六"), household(code, name)
            ]}),
        );
        let r = run(&db, &["import", "households", p(&file)]).input_error();
        for needle in needles {
            assert!(
                r.stderr.contains(needle),
                "“{needle}” for {code}:\n{}",
                r.stderr
            );
        }
        // The message itself carries no raw control character to the terminal.
        assert!(
            !r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{0}'),
            "{}",
            r.stderr
        );
        assert_eq!(state(&db), before, "nothing saved for {code}");
    }
    run(&db, &["log", "verify"]).ok();
}

#[test]
fn files_too_large_or_in_the_wrong_encoding_are_refused_before_reading() {
    let dir = tempdir();
    let d = dir.path();
    let db = d.join("v.sqlite");
    import_households(&db, &d.join("ok.json"), &[household("TXZ-001", "程金明")]);
    let before = state(&db);

    // A household file in GBK: said in Chinese, not "stream did not contain valid UTF-8".
    let text = serde_json::to_string(&json!({"format": "bangfu.household.v1",
        "households": [household("TXZ-002", "王五")]}))
    .expect("json");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let file = d.join("gbk.json");
    std::fs::write(&file, &gbk).expect("write");
    let r = run(&db, &["import", "households", p(&file)]).input_error();
    assert!(r.stderr.contains("不是 UTF-8 编码"), "{}", r.stderr);
    assert!(!r.stderr.contains("stream did not"), "{}", r.stderr);

    // A roster larger than any county's (33 MiB): refused by its size.
    let big = d.join("big.csv");
    std::fs::write(&big, vec![b'a'; 33 * 1024 * 1024]).expect("write");
    let r = run(&db, &["import", "roster", p(&big)]).input_error();
    assert!(r.stderr.contains("超过上限"), "{}", r.stderr);

    // A roster of more rows than allowed: refused before its rows are read.
    let mut rows = String::from("户编号,村/社区,户籍类型,姓名,身份证号,与户主关系\n");
    for n in 0..200_001 {
        rows.push_str(&format!("R{n},田心寨村,农村,某,,户主\n"));
    }
    let long = d.join("long.csv");
    std::fs::write(&long, rows).expect("write");
    let r = run(&db, &["import", "roster", p(&long)]).input_error();
    assert!(r.stderr.contains("超过 200000 行"), "{}", r.stderr);

    assert_eq!(state(&db), before);
    run(&db, &["log", "verify"]).ok();
}

/// Every file below `dir`, as paths relative to it.
fn files_below(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("list") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path.strip_prefix(dir).expect("below").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_village_name_cannot_put_a_file_outside_the_folder_asked_for() {
    let dir = tempdir();
    let root = dir.path().join("root");
    let work = root.join("a").join("b");
    std::fs::create_dir_all(&work).expect("dirs");
    let db = work.join("v.sqlite");
    let village = "../../逃出";
    let mut h = household("TXZ-001", "程金明");
    h["village"] = json!(village);
    import_households(&db, &work.join("h.json"), &[h]);
    let before = files_below(&root);
    let out = work.join("out");
    run(&db, &["dossier", "--village", village, "--out", p(&out)]).ok();
    let written: Vec<_> = files_below(&root)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");
    for f in &written {
        assert!(
            f.starts_with("a/b/out"),
            "{} written outside --out",
            f.display()
        );
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(!name.starts_with('.'), "{name}");
    }
    assert!(written
        .iter()
        .any(|f| f.to_string_lossy().contains("逃出-一户一档合订本.pdf")));
}
