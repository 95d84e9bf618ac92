//! Label sheets end to end: batches (JSONL and CSV) imposed on real stock, rendered by
//! poppler at 300 dpi, and every cell decoded with a real QR decoder (rxing via
//! `iotlabel::scan`) and compared with the link signed independently for that row.

use std::path::{Path, PathBuf};
use std::process::Command;

use image::GenericImageView;

use iotlabel::sheet::{self, Marks, NoProgress, SheetError, SheetJob, Stock};
use iotlabel::source;

mod common;
use common::{
    demo_key as key, doorbell as declaration, doorbell_link as expected_link,
    render_pages as render,
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

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

/// Pixels darker than this count as ink (white paper renders at 255).
const INK: u8 = 192;

/// The QR texts inside each cell of a page (cropped per the stock's geometry). A cell
/// with no ink at all is empty (`[]`); a cell with ink must decode, so a garbled or
/// half-drawn label in a cell that should be empty or full fails the test instead of
/// passing as "no codes". The ink check leaves out 0.5 mm along the cell edges, where a
/// neighbour's outline on the shared die line may anti-alias across.
fn decode_cells(page: &image::GrayImage, stock: &Stock) -> Vec<Vec<String>> {
    let g = stock.geometry(0.0);
    let px = |mm: f64| (mm * 300.0 / 25.4).round() as u32;
    let inset = px(0.5);
    g.cells()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (x, y) = (px(c.x), px(c.y));
            let (w, h) = (
                px(c.w).min(page.width() - x),
                px(c.h).min(page.height() - y),
            );
            let crop = image::imageops::crop_imm(page, x, y, w, h).to_image();
            let ink = image::imageops::crop_imm(
                &crop,
                inset,
                inset,
                w.saturating_sub(2 * inset),
                h.saturating_sub(2 * inset),
            )
            .pixels()
            .filter(|(_, _, p)| p.0[0] < INK)
            .count();
            if ink == 0 {
                return Vec::new();
            }
            match iotlabel::scan::decode_luma(w, h, crop.as_raw()) {
                Ok(texts) => texts,
                Err(e) => panic!(
                    "cell {} carries ink ({ink} dark pixels) but no QR code decodes: {e}",
                    i + 1
                ),
            }
        })
        .collect()
}

#[test]
fn thirty_rows_fill_one_avery_5160_page_each_qr_in_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..30).map(declaration).collect::<Vec<_>>());
    let out = dir.path().join("sheets.pdf");
    let report = sheet::run(&job(&batch, "avery-5160", &out), &NoProgress).unwrap();
    assert_eq!((report.labels, report.pages), (30, 1));
    let pages = render(&out);
    assert_eq!(pages.len(), 1);
    let stock = Stock::by_id("avery-5160").unwrap();
    // The page is US Letter at 300 dpi.
    assert_eq!((pages[0].width(), pages[0].height()), (2550, 3300));
    let cells = decode_cells(&pages[0], &stock);
    for (i, texts) in cells.iter().enumerate() {
        assert_eq!(texts, &vec![expected_link(dir.path(), i)], "cell {}", i + 1);
    }
}

#[test]
fn start_at_leaves_the_first_cells_empty() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..3).map(declaration).collect::<Vec<_>>());
    let out = dir.path().join("sheets.pdf");
    let mut j = job(&batch, "avery-5160", &out);
    j.start_at = 7;
    sheet::run(&j, &NoProgress).unwrap();
    let cells = decode_cells(&render(&out)[0], &j.stock);
    for (i, texts) in cells.iter().enumerate().take(6) {
        assert!(
            texts.is_empty(),
            "cell {} should be empty, found {texts:?}",
            i + 1
        );
    }
    for i in 0..3 {
        assert_eq!(
            cells[6 + i],
            vec![expected_link(dir.path(), i)],
            "row {} goes in cell {}",
            i + 1,
            7 + i
        );
    }
    assert!(cells[9..].iter().all(Vec::is_empty));
}

#[test]
fn start_at_past_the_sheet_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &[declaration(0)]);
    let mut j = job(&batch, "avery-5160", &dir.path().join("o.pdf"));
    j.start_at = 31;
    assert!(matches!(
        sheet::run(&j, &NoProgress),
        Err(SheetError::StartAt { per_page: 30, .. })
    ));
}

#[test]
fn quantity_expands_rows_and_pages_follow() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = serde_json::json!({"quantity": 3});
    a["declaration"] = declaration(1);
    let mut b = declaration(2);
    b["quantity"] = 2.into(); // whole-line declaration with a batch key beside it
    let batch = write_jsonl(dir.path(), &[a, b]);
    let out = dir.path().join("q.pdf");
    let mut j = job(&batch, "avery-5160", &out);
    j.start_at = 28; // 3 cells left on the first sheet: 3 + 2 labels → 2 pages
    let report = sheet::run(&j, &NoProgress).unwrap();
    assert_eq!((report.labels, report.pages), (5, 2));
    let pages = render(&out);
    let (l1, l2) = (expected_link(dir.path(), 1), expected_link(dir.path(), 2));
    let p1 = decode_cells(&pages[0], &j.stock);
    let p2 = decode_cells(&pages[1], &j.stock);
    assert_eq!(&p1[27..], &[vec![l1.clone()], vec![l1.clone()], vec![l1]]);
    assert_eq!(&p2[..2], &[vec![l2.clone()], vec![l2]]);
    assert!(p1[..27].iter().chain(&p2[2..]).all(Vec::is_empty));
}

#[test]
fn csv_rows_with_dotted_columns_links_and_declaration_paths() {
    let dir = tempfile::tempdir().unwrap();
    let link = expected_link(dir.path(), 5);
    std::fs::write(
        dir.path().join("decl.json"),
        serde_json::to_string(&declaration(6)).unwrap(),
    )
    .unwrap();
    let csv = format!(
        "link,declaration,quantity,format,product.manufacturer,product.model,product.link_base_url,updates.security_updates,updates.delivery,updates.user_action,updates.cost,support.end,support.commitment,notification.channels,notification.schedule,end_of_support.behaviour,security.measures\n\
         {link},,2,,,,,,,,,,,,,,\n\
         ,decl.json,,,,,,,,,,,,,,,\n\
         ,,,1,Hallway Labs Ltd,Chime 7,https://hallway.example/v,true,automatic,none,free,2032-03-31,minimum,app;sms,monthly,keeps-working,signed;verified-on-device\n"
    );
    let batch = dir.path().join("batch.csv");
    std::fs::write(&batch, csv).unwrap();
    let out = dir.path().join("c.pdf");
    let mut j = job(&batch, "avery-5160", &out);
    // The link row was signed elsewhere: without a trust store it is refused.
    let err = sheet::run(&j, &NoProgress).unwrap_err().to_string();
    assert!(err.contains("without --trust"), "{err}");
    j.signed_inputs = iotlabel::verify::ArtworkPolicy {
        trust: Some(
            iotlabel::keys::TrustStore::load(&[Path::new(ROOT).join("samples/trust")]).unwrap(),
        ),
        unverified: false,
    };
    let report = sheet::run(&j, &NoProgress).unwrap();
    assert_eq!(report.labels, 4);
    let cells = decode_cells(&render(&out)[0], &j.stock);
    assert_eq!(cells[0], vec![link.clone()]);
    assert_eq!(cells[1], vec![link]);
    assert_eq!(cells[2], vec![expected_link(dir.path(), 6)]);
    // The inline row decodes to a signed payload naming the model from the CSV.
    let signed = source::decode_signed(&cells[3][0]).unwrap();
    assert_eq!(signed.summary("en").unwrap().model, "Chime 7");
}

#[test]
fn bad_rows_are_all_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows: Vec<serde_json::Value> = (0..30).map(declaration).collect();
    rows[14]["updates"]["delivery"] = "sometimes".into();
    rows[21]["product"]
        .as_object_mut()
        .unwrap()
        .remove("manufacturer");
    rows[25] = serde_json::json!({"link": "https://example.com/v#123", "quantity": 0});
    let batch = write_jsonl(dir.path(), &rows);
    let out = dir.path().join("sheets.pdf");
    std::fs::write(&out, b"%PDF-1.7 previous good output").unwrap();
    let err = sheet::run(&job(&batch, "avery-5160", &out), &NoProgress).unwrap_err();
    let SheetError::Rows {
        problems, bad_rows, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*bad_rows, 3);
    let named = |row: usize, field: &str| problems.iter().any(|p| p.row == row && p.field == field);
    assert!(named(15, "updates.delivery"), "{err}");
    assert!(named(22, "product.manufacturer"), "{err}");
    assert!(named(26, "link") && named(26, "quantity"), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("row 15 (line 15)") && text.contains("row 22") && text.contains("row 26"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        b"%PDF-1.7 previous good output"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.to_string_lossy().starts_with(".iotlabel-")),
        "temporary left: {names:?}"
    );

    // A fresh output name is not created either.
    let fresh = dir.path().join("fresh.pdf");
    assert!(sheet::run(&job(&batch, "avery-5160", &fresh), &NoProgress).is_err());
    assert!(!fresh.exists());
}

#[test]
fn keep_going_skips_bad_rows_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows: Vec<serde_json::Value> = (0..30).map(declaration).collect();
    rows[14]["updates"]["delivery"] = "sometimes".into();
    let batch = write_jsonl(dir.path(), &rows);
    let out = dir.path().join("sheets.pdf");
    let mut j = job(&batch, "avery-5160", &out);
    j.keep_going = true;
    let report = sheet::run(&j, &NoProgress).unwrap();
    assert_eq!((report.labels, report.skipped_rows), (29, 1));
    let skipped = std::fs::read_to_string(sheet::skipped_report_path(&out)).unwrap();
    assert!(
        skipped.contains("row 15") && skipped.contains("updates.delivery"),
        "{skipped}"
    );
    let cells = decode_cells(&render(&out)[0], &j.stock);
    assert_eq!(
        cells[14],
        vec![expected_link(dir.path(), 15)],
        "row 16 moves up into cell 15"
    );
    assert!(cells[29].is_empty());
}

#[test]
fn identical_input_gives_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..40).map(declaration).collect::<Vec<_>>());
    let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.pdf"));
    let mut j = job(&batch, "avery-5160", &a);
    j.marks = Marks {
        crop_marks: true,
        bleed_mm: 0.0,
        ..Marks::default()
    };
    sheet::run(&j, &NoProgress).unwrap();
    j.output = b.clone();
    sheet::run(&j, &NoProgress).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn pages_per_file_splits_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..9).map(declaration).collect::<Vec<_>>());
    let out = dir.path().join("s.pdf");
    let mut j = job(&batch, "avery-5163", &out); // 10 per page
    j.start_at = 5; // 6 + 3 labels → 2 pages
    j.pages_per_file = Some(1);
    let report = sheet::run(&j, &NoProgress).unwrap();
    assert_eq!(
        report.files,
        vec![dir.path().join("s-001.pdf"), dir.path().join("s-002.pdf")]
    );
    assert!(!out.exists());
    let second = decode_cells(&render(&report.files[1])[0], &j.stock);
    assert_eq!(second[2], vec![expected_link(dir.path(), 8)]);
}

#[test]
fn template_that_cannot_fit_the_stock_fails_before_reading_rows() {
    let dir = tempfile::tempdir().unwrap();
    // The batch does not even exist: the fit check comes first.
    let j = job(
        &dir.path().join("missing.jsonl"),
        "avery-5167",
        &dir.path().join("o.pdf"),
    );
    let err = sheet::run(&j, &NoProgress).unwrap_err();
    assert!(matches!(err, SheetError::DoesNotFit { .. }), "{err}");
    assert!(err.to_string().contains("avery-5167"), "{err}");
}

#[test]
fn roll_stock_prints_one_label_per_page_of_the_label_size() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..2).map(declaration).collect::<Vec<_>>());
    for (stock, w, h) in [
        ("roll-62x29mm", 62.0, 29.0),
        // Continuous tape takes the template's length: compact is 30 mm.
        ("roll-62mm-continuous", 62.0, 30.0),
    ] {
        let out = dir.path().join(format!("{stock}.pdf"));
        let j = job(&batch, stock, &out);
        let report = sheet::run(&j, &NoProgress).unwrap();
        assert_eq!(report.pages, 2);
        let pages = render(&out);
        let px = |mm: f64| (mm * 300.0 / 25.4).round() as u32;
        // pdftoppm rounds the page size up to whole pixels.
        let (pw, ph) = pages[0].dimensions();
        assert!(
            pw.abs_diff(px(w)) <= 1 && ph.abs_diff(px(h)) <= 1,
            "{stock}: {pw}×{ph}"
        );
        for (i, p) in pages.iter().enumerate() {
            let (wd, ht) = p.dimensions();
            assert_eq!(
                iotlabel::scan::decode_luma(wd, ht, p.as_raw()).unwrap(),
                vec![expected_link(dir.path(), i)]
            );
        }
    }
}

#[test]
fn every_catalogue_stock_passes_geometry_validation() {
    let all = Stock::catalogue().unwrap();
    assert!(all.len() >= 17);
    for s in &all {
        s.validate().unwrap();
        let g = s.geometry(25.0);
        for c in g.cells() {
            assert!(
                c.x >= 0.0
                    && c.y >= 0.0
                    && c.right() <= g.page_width_mm + 0.01
                    && c.bottom() <= g.page_height_mm + 0.01,
                "{}",
                s.id
            );
        }
        let cells = g.cells();
        for (i, a) in cells.iter().enumerate() {
            for b in &cells[i + 1..] {
                assert!(!a.overlaps(b, 0.01), "{}: cells overlap", s.id);
            }
        }
    }
}

#[test]
fn user_stock_file_is_validated_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("my.toml");
    let good = "[[stock]]\nid = \"shop-2x4\"\nname = \"Shop sheet\"\npage_width_mm = 210\npage_height_mm = 297\nlabel_width_mm = 100\nlabel_height_mm = 70\ncolumns = 2\nrows = 4\nleft_margin_mm = 5\ntop_margin_mm = 8.5\nhorizontal_pitch_mm = 100\nvertical_pitch_mm = 70\n";
    std::fs::write(&p, good).unwrap();
    assert_eq!(
        Stock::from_file(&p, None).unwrap().geometry(0.0).per_page(),
        8
    );
    std::fs::write(&p, good.replace("rows = 4", "rows = 5")).unwrap();
    let e = Stock::from_file(&p, None).unwrap_err().to_string();
    assert!(e.contains("`rows`") && e.contains("page height"), "{e}");
    std::fs::write(
        &p,
        good.replace("vertical_pitch_mm = 70", "vertical_pitch_mm = 60"),
    )
    .unwrap();
    let e = Stock::from_file(&p, None).unwrap_err().to_string();
    assert!(e.contains("`vertical_pitch_mm`"), "{e}");
    std::fs::write(&p, good.replace("columns = 2", "colums = 2")).unwrap();
    let e = Stock::from_file(&p, None).unwrap_err().to_string();
    assert!(e.contains("colums"), "{e}");
}

#[test]
fn crop_marks_and_bleed_rules() {
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &[declaration(0)]);
    let out = dir.path().join("m.pdf");
    let mut j = job(&batch, "a4-3x8", &out);
    j.marks = Marks {
        crop_marks: false,
        bleed_mm: 2.0,
        ..Marks::default()
    };
    assert!(
        matches!(sheet::run(&j, &NoProgress), Err(SheetError::Marks(_))),
        "bleed without marks"
    );
    j.marks = Marks {
        crop_marks: true,
        bleed_mm: 2.0,
        ..Marks::default()
    };
    assert!(
        matches!(sheet::run(&j, &NoProgress), Err(SheetError::Marks(_))),
        "gapless grid cannot bleed"
    );
    j.marks = Marks {
        crop_marks: true,
        bleed_mm: 0.0,
        ..Marks::default()
    };
    sheet::run(&j, &NoProgress).unwrap();
    let mut r = job(&batch, "roll-4x6in", &out);
    r.template = "panel".into();
    r.marks = Marks {
        crop_marks: true,
        bleed_mm: 0.0,
        ..Marks::default()
    };
    assert!(
        matches!(sheet::run(&r, &NoProgress), Err(SheetError::Marks(_))),
        "rolls are die-cut"
    );
}

#[test]
fn cli_lists_stocks_as_json() {
    let out = assert_cmd::Command::cargo_bin("iotlabel")
        .unwrap()
        .args(["stocks", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s5160 = v
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "avery-5160")
        .unwrap();
    assert_eq!(
        (s5160["columns"].as_u64(), s5160["rows"].as_u64()),
        (Some(3), Some(10))
    );
    assert_eq!(s5160["label_width_mm"].as_f64(), Some(66.675));
}

#[test]
fn outline_is_off_on_die_cut_stock_unless_asked_for() {
    // The outline is a rounded rectangle, the only curves on a label: count the PDF's
    // curve operators by default, with --outline and with --no-outline, and check the QR
    // codes still read.
    let dir = tempfile::tempdir().unwrap();
    let batch = write_jsonl(dir.path(), &(0..3).map(declaration).collect::<Vec<_>>());
    let curves = |marks: Marks, name: &str| -> (usize, PathBuf) {
        let out = dir.path().join(name);
        let mut j = job(&batch, "avery-l7160", &out);
        j.outline = (name == "with.pdf").then_some(true);
        j.marks = marks;
        sheet::run(&j, &NoProgress).unwrap();
        let qdf = dir.path().join(format!("{name}.qdf"));
        let ok = Command::new("qpdf")
            .args(["--qdf", "--object-streams=disable"])
            .arg(&out)
            .arg(&qdf)
            .status()
            .expect("qpdf is needed (.ci/setup installs it)");
        assert!(ok.success());
        let text = String::from_utf8_lossy(&std::fs::read(&qdf).unwrap()).into_owned();
        (text.split_whitespace().filter(|t| *t == "c").count(), out)
    };
    let (with, _) = curves(Marks::default(), "with.pdf");
    let (without, out) = curves(
        Marks {
            no_outline: true,
            ..Marks::default()
        },
        "without.pdf",
    );
    assert!(
        with >= 3 * 4,
        "each label's outline has four rounded corners: {with}"
    );
    assert_eq!(without, 0);
    let (default, _) = curves(Marks::default(), "default.pdf");
    assert_eq!(default, 0, "die-cut stock: no outline by default");
    let stock = Stock::by_id("avery-l7160").unwrap();
    let cells = decode_cells(&render(&out)[0], &stock);
    for (i, texts) in cells.iter().take(3).enumerate() {
        assert_eq!(texts, &vec![expected_link(dir.path(), i)]);
    }
}

#[test]
fn no_ink_within_the_safe_area_of_a_die_line_on_avery_5160_and_l7160() {
    // Rendered at 300 dpi, every pixel in the 1.5 mm band inside each label's edge (and
    // everything outside the labels) is paper white; each label's QR still reads, at
    // EC level L where a 1-inch cell cannot hold level M at 0.42 mm modules.
    let dir = tempfile::tempdir().unwrap();
    for (stock_id, n) in [("avery-5160", 30), ("avery-l7160", 21)] {
        let batch = write_jsonl(dir.path(), &(0..n).map(declaration).collect::<Vec<_>>());
        let out = dir.path().join(format!("{stock_id}.pdf"));
        let report = sheet::run(&job(&batch, stock_id, &out), &NoProgress).unwrap();
        if stock_id == "avery-5160" {
            assert_eq!(report.ec_lowered_rows, n, "25.4 mm cells take level L");
        }
        let page = &render(&out)[0];
        let stock = Stock::by_id(stock_id).unwrap();
        let g = stock.geometry(0.0);
        let mm = |px: u32| (f64::from(px) + 0.5) * 25.4 / 300.0;
        let safe = iotlabel::layout::SAFE_AREA_MM;
        let cells = g.cells();
        let mut inked = 0;
        for (x, y, p) in page.enumerate_pixels() {
            if p.0[0] >= 250 {
                continue;
            }
            let (xm, ym) = (mm(x), mm(y));
            let inside_safe = cells.iter().any(|c| {
                xm >= c.x + safe
                    && xm <= c.right() - safe
                    && ym >= c.y + safe
                    && ym <= c.bottom() - safe
            });
            if !inside_safe {
                inked += 1;
            }
        }
        assert_eq!(
            inked, 0,
            "{stock_id}: {inked} inked pixels outside the safe areas"
        );
        for (i, texts) in decode_cells(page, &stock).iter().enumerate() {
            assert_eq!(
                texts,
                &vec![expected_link(dir.path(), i)],
                "{stock_id} cell {}",
                i + 1
            );
        }
    }
}
