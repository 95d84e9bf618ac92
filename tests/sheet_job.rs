//! The sheet job as the shop floor meets it: continuous tape that takes each row's own
//! template and length, stocks that print (bleed on a guttered plain stock, crop marks
//! inside the printable margin), and what the operator checks: the JSON job report with
//! file hashes, the slug line, the proof page, the feed offset, serials and progress.
//! Pages are read back with poppler (`pdfinfo`, `pdftotext`, `pdftoppm`) and QR codes
//! with a real decoder.

use std::path::{Path, PathBuf};
use std::process::Command;

use iotlabel::sheet::{self, Marks, NoProgress, SheetError, SheetJob, Stock};

mod common;
use common::{demo_key as key, doorbell as declaration, render_pages as render};

fn write_jsonl(dir: &Path, rows: &[serde_json::Value]) -> PathBuf {
    let p = dir.join("batch.jsonl");
    let text: String = rows
        .iter()
        .map(|r| format!("{}\n", serde_json::to_string(r).unwrap()))
        .collect();
    std::fs::write(&p, text).unwrap();
    p
}

fn job(batch: &Path, stock: &str, out: &Path) -> SheetJob {
    SheetJob {
        key: Some(key()),
        ..SheetJob::new(
            batch.to_path_buf(),
            Stock::by_id(stock).unwrap(),
            out.to_path_buf(),
        )
    }
}

/// Page sizes in mm, from `pdfinfo`.
fn page_sizes(pdf: &Path) -> Vec<(f64, f64)> {
    let out = Command::new("pdfinfo")
        .args(["-f", "1", "-l", "9999"])
        .arg(pdf)
        .output()
        .expect("pdfinfo");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("Page ") && l.contains(" size: "))
        .map(|l| {
            let dims = l.split(" size: ").nth(1).unwrap();
            let mut it = dims.split_whitespace();
            let w: f64 = it.next().unwrap().parse().unwrap();
            it.next(); // "x"
            let h: f64 = it.next().unwrap().parse().unwrap();
            (w * 25.4 / 72.0, h * 25.4 / 72.0)
        })
        .collect()
}

/// The text of page `page` (1-based) with its layout, from `pdftotext`.
fn page_text(pdf: &Path, page: usize) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Word boxes (text, x, y in mm) of page `page`, from `pdftotext -bbox`.
fn words(pdf: &Path, page: usize) -> Vec<(String, f64, f64, f64, f64)> {
    let out = Command::new("pdftotext")
        .args(["-bbox", "-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let html = String::from_utf8_lossy(&out.stdout).into_owned();
    let mm = |v: &str| v.parse::<f64>().unwrap() * 25.4 / 72.0;
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word "))
        .map(|l| {
            let attr = |name: &str| {
                let start = l.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                let end = l[start..].find('"').unwrap() + start;
                l[start..end].to_string()
            };
            let text = l[l.find('>').unwrap() + 1..l.rfind("</word>").unwrap()].to_string();
            (
                text,
                mm(&attr("xMin")),
                mm(&attr("yMin")),
                mm(&attr("xMax")),
                mm(&attr("yMax")),
            )
        })
        .collect()
}

fn decode(img: &image::GrayImage) -> Vec<String> {
    iotlabel::scan::decode_luma(img.width(), img.height(), img.as_raw()).unwrap_or_default()
}

// ---- item 4: continuous tape ----

#[test]
fn continuous_tape_takes_each_rows_template_and_grows_to_fit() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();
    for (i, (t, lang)) in [
        ("compact", "en"),
        ("panel", "en"),
        ("square", "de"),
        ("strip", "en"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut r = declaration(i);
        r["template"] = t.into();
        r["lang"] = lang.into();
        rows.push(r);
    }
    let batch = write_jsonl(dir.path(), &rows);
    let out = dir.path().join("tape.pdf");
    let report = sheet::run(&job(&batch, "roll-62mm-continuous", &out), &NoProgress).unwrap();
    assert_eq!(report.pages, 4);
    let sizes = page_sizes(&out);
    assert_eq!(sizes.len(), 4);
    for (i, (t, (w, h))) in ["compact", "panel", "square", "strip"]
        .iter()
        .zip(&sizes)
        .enumerate()
    {
        let tpl = iotlabel::layout::Template::by_name(t).unwrap();
        assert!((w - 62.0).abs() < 0.05, "row {i}: tape width {w}");
        // Each label is at least its own template's length (never the job's 30 mm
        // compact length), and a grown one is no more than three times as long.
        assert!(
            *h >= tpl.height_mm - 0.05 && *h <= 3.0 * tpl.height_mm + 1.0,
            "row {i} ({t}): {h} mm"
        );
    }
    // The compact row is exactly its template's length; the others are their own.
    assert!((sizes[0].1 - 30.0).abs() < 0.05, "{sizes:?}");
    assert!(sizes[1].1 >= 100.0 - 0.05, "{sizes:?}");
    for (i, page) in render(&out).iter().enumerate() {
        assert_eq!(decode(page).len(), 1, "page {}", i + 1);
    }
}

#[test]
fn sheet_errors_never_suggest_an_option_sheet_does_not_take() {
    let dir = tempfile::tempdir().unwrap();
    let j = job(
        &dir.path().join("missing.jsonl"),
        "avery-5167",
        &dir.path().join("o.pdf"),
    );
    let err = sheet::run(&j, &NoProgress).unwrap_err();
    assert!(matches!(err, SheetError::DoesNotFit { .. }), "{err}");
    let text = format!("{:?}", miette::Report::new(err));
    assert!(!text.contains("--size"), "{text}");
    // What it does suggest, `sheet` accepts.
    let help = Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args(["sheet", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for flag in text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',' || c == ';')
        .filter(|w| w.starts_with("--"))
    {
        assert!(help.contains(flag), "{flag} is not a sheet option: {text}");
    }
}

// ---- item 5: stocks that print ----

#[test]
fn guttered_plain_stock_takes_a_bleed_and_marks_stay_printable() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..3).map(declaration).collect::<Vec<_>>());
    let out = dir.path().join("bleed.pdf");
    let mut j = job(&batch, "a4-2x6-gutter", &out);
    j.marks = Marks {
        crop_marks: true,
        bleed_mm: 3.0,
        ..Marks::default()
    };
    sheet::run(&j, &NoProgress).unwrap();
    // Ink: nothing within 4 mm of the paper edge, and the marks are there.
    let page = &render(&out)[0];
    let edge = (4.0 * 300.0 / 25.4) as u32 - 1;
    let (w, h) = page.dimensions();
    let mut dark_in_margin = 0;
    for (x, y, p) in page.enumerate_pixels() {
        if p.0[0] < 128 && (x < edge || y < edge || x >= w - edge || y >= h - edge) {
            dark_in_margin += 1;
        }
    }
    assert_eq!(dark_in_margin, 0);
    // 3.5 mm of bleed is more than the 6 mm gutters allow.
    j.marks.bleed_mm = 3.5;
    let e = sheet::run(&j, &NoProgress).unwrap_err();
    assert!(matches!(e, SheetError::Marks(_)), "{e}");
    assert!(e.to_string().contains("gaps of at least 7 mm"), "{e}");
}

#[test]
fn crop_marks_on_die_cut_stock_warn_and_narrow_margins_are_refused_with_the_reason() {
    struct Notes(std::sync::Mutex<Vec<String>>);
    impl sheet::Progress for Notes {
        fn phase(&self, _: &str, _: Option<u64>) {}
        fn done(&self, _: u64) {}
        fn note(&self, text: &str) {
            self.0.lock().unwrap().push(text.to_string());
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &[declaration(0)]);
    let mut j = job(&batch, "avery-5160", &dir.path().join("w.pdf"));
    j.marks.crop_marks = true;
    let notes = Notes(Default::default());
    sheet::run(&j, &notes).unwrap();
    let notes = notes.0.into_inner().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("warning: stock avery-5160 is die-cut")),
        "{notes:?}"
    );
    // A stock file with 4.5 mm margins all round: no room for marks 4 mm from the edge.
    let p = dir.path().join("tight.toml");
    std::fs::write(
        &p,
        "[[stock]]\nid = \"tight\"\nname = \"tight\"\ndie_cut = false\npage_width_mm = 210\npage_height_mm = 297\nlabel_width_mm = 100.5\nlabel_height_mm = 48\ncolumns = 2\nrows = 6\nleft_margin_mm = 4.5\ntop_margin_mm = 4.5\nhorizontal_pitch_mm = 100.5\nvertical_pitch_mm = 48\n",
    )
    .unwrap();
    let mut t = job(&batch, "avery-5160", &dir.path().join("t.pdf"));
    t.stock = Stock::from_file(&p, None).unwrap();
    t.marks.crop_marks = true;
    let e = sheet::run(&t, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains("must stay 4 mm from the paper edge") && e.contains("needs 6.0 mm"),
        "{e}"
    );
}

// ---- item 6: the operator's job ----

#[test]
fn report_records_stock_labels_files_with_hashes_keys_and_skipped_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows: Vec<serde_json::Value> = (0..3).map(declaration).collect();
    rows[1]["quantity"] = 4.into();
    rows[2]["lang"] = "de".into();
    rows.push(serde_json::json!({"link": "not a link"}));
    let batch = write_jsonl(dir.path(), &rows);
    let out = dir.path().join("r.pdf");
    let mut j = job(&batch, "avery-5163", &out);
    j.keep_going = true;
    j.pages_per_file = Some(1);
    j.operator.report = Some(dir.path().join("job.json"));
    j.operator.date = Some("2026-11-29".into());
    let report = sheet::run(&j, &NoProgress).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("job.json")).unwrap())
            .unwrap();
    assert_eq!(v["stock"]["id"], "avery-5163");
    assert_eq!(v["stock"]["labels_per_page"], 10);
    assert_eq!(v["date"], "2026-11-29");
    assert_eq!(v["labels"], 6);
    assert_eq!(v["pages"], 1);
    assert_eq!(v["rows"], 4);
    assert_eq!(v["templates"], serde_json::json!({"compact": 6}));
    assert_eq!(v["skipped_rows"], 1);
    assert_eq!(v["skipped"][0]["row"], 4);
    let products = v["products"].as_array().unwrap();
    let count = |model: &str, lang: &str| {
        products
            .iter()
            .find(|p| p["model"] == model && p["lang"] == lang)
            .map(|p| p["labels"].as_u64().unwrap())
    };
    assert_eq!(count("Doorbell 0", "en"), Some(1));
    assert_eq!(count("Doorbell 1", "en"), Some(4));
    assert_eq!(count("Doorbell 2", "de"), Some(1));
    assert_eq!(products.len(), 3);
    // The key id is the demo key's.
    let sk = iotlabel::keys::load_signing_key(&key()).unwrap();
    let kid: String = iotlabel::envelope::key_id(&sk.verifying_key())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v["key_ids"], serde_json::json!([kid]));
    // Every file's hash is the SHA-256 of the bytes on disk (checked with sha256sum).
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), report.files.len());
    for f in files {
        let path = f["path"].as_str().unwrap();
        let out = Command::new("sha256sum").arg(path).output().unwrap();
        let sum = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();
        assert_eq!(f["sha256"], sum);
        assert_eq!(
            f["bytes"].as_u64().unwrap(),
            std::fs::metadata(path).unwrap().len()
        );
    }
}

#[test]
fn slug_line_names_job_page_date_and_stock_in_the_margin() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..31).map(declaration).collect::<Vec<_>>());
    let out = dir.path().join("slug.pdf");
    let mut j = job(&batch, "avery-5160", &out);
    j.operator.slug = true;
    j.operator.date = Some("2026-11-29".into());
    sheet::run(&j, &NoProgress).unwrap();
    let g = j.stock.geometry(0.0);
    let grid_bottom = g.cells().iter().map(|c| c.bottom()).fold(0.0, f64::max);
    for page in 1..=2 {
        let text = page_text(&out, page);
        let want = format!("iotlabel · batch.jsonl · page {page} of 2 · 2026-11-29 · avery-5160");
        assert!(text.contains(&want), "page {page}: {text}");
        let ws = words(&out, page);
        let slug: Vec<_> = ws.iter().filter(|w| w.0 == "2026-11-29").collect();
        assert_eq!(slug.len(), 1);
        let (_, x0, y0, _, y1) = slug[0];
        // Below every label, and 4 mm inside the paper edge.
        assert!(
            *y0 > grid_bottom && *y1 <= g.page_height_mm - 4.0,
            "{slug:?}"
        );
        assert!(*x0 >= 4.0);
    }
}

#[test]
fn proof_page_prints_only_cell_outlines_and_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..2).map(declaration).collect::<Vec<_>>());
    let out = dir.path().join("proof.pdf");
    let mut j = job(&batch, "avery-5163", &out);
    j.operator.proof = true;
    let report = sheet::run(&j, &NoProgress).unwrap();
    assert_eq!(report.pages, 1, "the proof page is extra");
    let pages = render(&out);
    assert_eq!(pages.len(), 2);
    assert!(decode(&pages[0]).is_empty(), "no QR on the proof page");
    assert_eq!(decode(&pages[1]).len(), 2);
    // The numbers 1–10, each centred in its cell.
    let ws = words(&out, 1);
    let g = j.stock.geometry(0.0);
    assert_eq!(ws.len(), 10, "{ws:?}");
    for (i, c) in g.cells().iter().enumerate() {
        let n = (i + 1).to_string();
        let w = ws.iter().find(|w| w.0 == n).unwrap();
        let (cx, cy) = ((w.1 + w.3) / 2.0, (w.2 + w.4) / 2.0);
        assert!(
            (cx - (c.x + c.w / 2.0)).abs() < 1.0 && (cy - (c.y + c.h / 2.0)).abs() < 1.5,
            "{n}: {cx},{cy} vs {c:?}"
        );
    }
    // The outline of cell 1 is drawn on its left edge.
    let page = &pages[0];
    let px = |mm: f64| (mm * 300.0 / 25.4).round() as u32;
    let c = g.cell(0);
    let dark_on_edge = (px(c.y + 10.0)..px(c.y + 40.0))
        .filter(|y| (px(c.x) - 1..=px(c.x) + 1).any(|x| page.get_pixel(x, *y).0[0] < 160))
        .count();
    assert!(dark_on_edge > 300, "{dark_on_edge}");
}

#[test]
fn offset_moves_every_label_by_the_same_amount() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..1).map(declaration).collect::<Vec<_>>());
    let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.pdf"));
    let mut j = job(&batch, "avery-5163", &a);
    j.operator.serial_start = Some(7);
    sheet::run(&j, &NoProgress).unwrap();
    j.output = b.clone();
    j.operator.offset_mm = (2.0, -1.5);
    sheet::run(&j, &NoProgress).unwrap();
    let (wa, wb) = (words(&a, 1), words(&b, 1));
    assert_eq!(wa.len(), wb.len());
    assert!(!wa.is_empty());
    for (p, q) in wa.iter().zip(&wb) {
        assert_eq!(p.0, q.0);
        assert!((q.1 - p.1 - 2.0).abs() < 0.05, "{p:?} → {q:?}");
        assert!((q.2 - p.2 + 1.5).abs() < 0.05, "{p:?} → {q:?}");
    }
    j.operator.offset_mm = (6.0, 0.0);
    let e = sheet::run(&j, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("±5 mm"), "{e}");
}

#[test]
fn serials_print_small_on_each_label_and_go_into_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows: Vec<serde_json::Value> = (0..3).map(declaration).collect();
    rows[0]["serial"] = "SN-A1".into();
    rows[1]["quantity"] = 2.into();
    rows[2]["serial"] = "B7".into();
    rows[2]["quantity"] = 2.into();
    let batch = write_jsonl(dir.path(), &rows);
    let out = dir.path().join("serial.pdf");
    let mut j = job(&batch, "avery-5163", &out);
    j.operator.serial_start = Some(1000);
    j.operator.report = Some(dir.path().join("job.json"));
    let report = sheet::run(&j, &NoProgress).unwrap();
    // Row 1 its own, row 2 running numbers (label index 1 and 2), row 3 its own per copy.
    let mut printed: Vec<String> = words(&out, 1)
        .into_iter()
        .filter(|w| w.4 - w.2 < 2.5) // 5 pt type: under 2.5 mm tall
        .map(|w| w.0)
        .collect();
    printed.sort();
    assert_eq!(printed, ["1001", "1002", "B7-1", "B7-2", "SN-A1"]);
    let rs = &report.job.serials;
    assert_eq!(rs.len(), 3);
    assert_eq!(rs[0].serials, ["SN-A1"]);
    assert_eq!(
        (rs[1].row, rs[1].serials.clone()),
        (2, vec!["1001".to_string(), "1002".into()])
    );
    assert_eq!(rs[2].serials, ["B7-1", "B7-2"]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("job.json")).unwrap())
            .unwrap();
    assert_eq!(
        v["serials"][2]["serials"],
        serde_json::json!(["B7-1", "B7-2"])
    );
    // Every label still decodes, with the serial beside it.
    let page = &render(&out)[0];
    let g = j.stock.geometry(0.0);
    let px = |mm: f64| (mm * 300.0 / 25.4).round() as u32;
    for c in g.cells().iter().take(5) {
        let crop = image::imageops::crop_imm(page, px(c.x), px(c.y), px(c.w), px(c.h)).to_image();
        assert_eq!(decode(&crop).len(), 1);
    }
    // A bad serial is a row problem naming the column.
    rows[0]["serial"] = "no spaces".into();
    let batch = write_jsonl(dir.path(), &rows);
    j.batch = batch;
    let e = sheet::run(&j, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("row 1 (line 1): `serial`"), "{e}");
}

#[test]
fn progress_off_a_terminal_is_one_line_per_ten_percent_and_quiet_is_silent() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..40).map(declaration).collect::<Vec<_>>());
    let stderr = run_sheet(&batch, dir.path(), &[]);
    let progress: Vec<&str> = stderr.lines().filter(|l| l.contains(" % (")).collect();
    // Writing 40 labels, one per page: 10 lines, none repeated, no control characters.
    assert_eq!(
        progress
            .iter()
            .filter(|l| l.starts_with("writing: "))
            .count(),
        10,
        "{stderr}"
    );
    assert!(progress.contains(&"writing: 100 % (40 of 40)"), "{stderr}");
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}'),
        "{stderr:?}"
    );
    assert!(
        stderr.contains("40 labels on 40 pages of roll-62x29mm"),
        "{stderr}"
    );
    // Quiet: no progress and no summary; only the warning about the public demo key.
    let quiet = run_sheet(&batch, dir.path(), &["--quiet"]);
    let lines: Vec<&str> = quiet.lines().collect();
    assert_eq!(lines.len(), 1, "{quiet}");
    assert!(lines[0].starts_with("note: ") && lines[0].contains("public demo key"));
}

fn run_sheet(batch: &Path, dir: &Path, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .arg("sheet")
        .arg(batch)
        .args(["--stock", "roll-62x29mm", "--key"])
        .arg(key())
        .arg("-o")
        .arg(dir.join("p.pdf"))
        .args(["--date", "2026-11-29"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}
