//! ZPL II output, checked with an independent renderer and a real decoder: every
//! template on a 2×1 in, a 4×6 in and a 62 mm roll (die-cut and continuous), at 203 and
//! 300 dpi, is written with `sheet -o x.zpl`, rendered by `labelize` (installed by
//! .ci/setup) and its QR decoded by rxing to the exact signed link. The QR bitmap is
//! read back from the ZPL and every run of dark dots is a whole number of modules of a
//! whole number of dots, never below the 0.42 mm floor.

use std::path::Path;
use std::process::Command;

use iotlabel::layout::Template;
use iotlabel::render::zpl::PrinterDpi;
use iotlabel::sheet::{self, NoProgress, PressOptions, SheetJob, Stock};

mod common;
use common::{demo_key as key, doorbell as declaration, doorbell_link as expected_link};

/// A job of `rows` products, row i with quantity i + 1.
fn job(dir: &Path, stock: &str, template: &str, dpi: PrinterDpi, rows: usize) -> SheetJob {
    let mut lines = String::new();
    for i in 0..rows {
        let mut v = declaration(i);
        v["quantity"] = (i + 1).into();
        lines.push_str(&serde_json::to_string(&v).unwrap());
        lines.push('\n');
    }
    let batch = dir.join("batch.jsonl");
    std::fs::write(&batch, lines).unwrap();
    SheetJob {
        key: Some(key()),
        template: template.into(),
        press: PressOptions {
            printer_dpi: dpi,
            ..PressOptions::default()
        },
        ..SheetJob::new(batch, Stock::by_id(stock).unwrap(), dir.join("labels.zpl"))
    }
}

/// The number after `cmd` (e.g. `^PW`) in ZPL text.
fn zpl_number(zpl: &str, cmd: &str) -> f64 {
    let rest = zpl.split(cmd).nth(1).expect(cmd);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// Renders a one-label ZPL file with labelize at `dpmm`, on a canvas of the label's
/// own size (`^PW` × `^LL`), and returns it as a grey image.
fn labelize(zpl: &Path, dpmm: u32) -> image::GrayImage {
    let png = zpl.with_extension("png");
    let text = std::fs::read_to_string(zpl).unwrap();
    let w_mm = zpl_number(&text, "^PW") / f64::from(dpmm);
    let h_mm = zpl_number(&text, "^LL") / f64::from(dpmm);
    let out = Command::new("labelize")
        .arg("convert")
        .arg(zpl)
        .arg("-o")
        .arg(&png)
        .args(["--dpmm", &dpmm.to_string()])
        .args(["--width", &w_mm.to_string(), "--height", &h_mm.to_string()])
        .output()
        .expect("labelize (installed by .ci/setup)");
    assert!(
        out.status.success(),
        "labelize: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    image::open(&png).expect("labelize wrote a PNG").to_luma8()
}

fn decode(img: &image::GrayImage) -> Option<String> {
    let (w, h) = img.dimensions();
    rxing::helpers::detect_in_luma(
        img.as_raw().clone(),
        w,
        h,
        Some(rxing::BarcodeFormat::QR_CODE),
    )
    .ok()
    .map(|r| r.getText().to_string())
}

/// Expands ZPL ASCII-compressed `^GFA` data into rows of dots (written independently
/// of the encoder, from the ZPL II manual's description).
fn expand_gfa(data: &str, row_bytes: usize) -> Vec<Vec<bool>> {
    let width = row_bytes * 2;
    let mut rows: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut count = 0usize;
    for c in data.chars() {
        match c {
            'G'..='Y' => count += (c as u8 - b'F') as usize,
            'g'..='z' => count += (c as u8 - b'f') as usize * 20,
            ',' | '!' => {
                let fill = if c == ',' { '0' } else { 'F' };
                while cur.len() < width {
                    cur.push(fill);
                }
            }
            ':' => {
                let last = rows.last().cloned().expect("a row to repeat");
                rows.push(last);
            }
            c if c.is_ascii_hexdigit() => {
                for _ in 0..count.max(1) {
                    cur.push(c);
                }
                count = 0;
            }
            _ => {}
        }
        if cur.len() >= width {
            rows.push(std::mem::take(&mut cur));
        }
    }
    rows.iter()
        .map(|r| {
            (0..row_bytes * 8)
                .map(|x| {
                    let byte = u8::from_str_radix(&r[x / 8 * 2..x / 8 * 2 + 2], 16).unwrap();
                    byte & (0x80 >> (x % 8)) != 0
                })
                .collect()
        })
        .collect()
}

/// The `^GFA` fields of a label block: (x, y, bytes per row, data).
fn gfa_fields(block: &str) -> Vec<(u32, u32, usize, String)> {
    let mut out = Vec::new();
    for field in block.split("^FO").skip(1) {
        let Some((pos, rest)) = field.split_once("^GFA,") else {
            continue;
        };
        let (x, y) = pos.split_once(',').unwrap();
        let parts: Vec<&str> = rest.splitn(4, ',').collect();
        let data = parts[3].split("^FS").next().unwrap();
        out.push((
            x.trim().parse().unwrap(),
            y.trim().parse().unwrap(),
            parts[2].parse().unwrap(),
            data.to_string(),
        ));
    }
    out
}

/// Checks the QR bitmap (the last `^GFA` of a block): square, every dark run a whole
/// number of `m`-dot modules with `m` whole, and `m` dots ≥ 0.42 mm. Returns `m`.
fn check_whole_dots(block: &str, dpi: PrinterDpi) -> u32 {
    let (_, _, row_bytes, data) = gfa_fields(block).pop().expect("a QR bitmap");
    let rows = expand_gfa(&data, row_bytes);
    let side = rows.len();
    // Runs along rows and columns.
    let mut runs = Vec::new();
    for r in &rows {
        let mut n = 0;
        for &d in r.iter().chain([false].iter()) {
            if d {
                n += 1;
            } else if n > 0 {
                runs.push(n);
                n = 0;
            }
        }
    }
    for x in 0..side {
        let mut n = 0;
        for d in rows.iter().map(|r| r[x]).chain([false]) {
            if d {
                n += 1;
            } else if n > 0 {
                runs.push(n);
                n = 0;
            }
        }
    }
    let m = runs.iter().copied().min().unwrap();
    assert!(
        runs.iter().all(|r| r % m == 0),
        "a run that is not whole modules"
    );
    let modules = side / m;
    assert_eq!(side % m, 0);
    assert_eq!(
        (modules - 17) % 4,
        0,
        "{modules} modules is not a QR version"
    );
    let mm = m as f64 / f64::from(dpi.dots_per_mm());
    assert!(mm >= 0.42 - 1e-9, "{m} dots = {mm} mm is below the floor");
    m as u32
}

#[test]
fn every_template_on_every_roll_renders_and_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let link = expected_link(dir.path(), 0);
    let (mut rendered, mut refused) = (0, 0);
    for stock in [
        "roll-2x1in",
        "roll-4x6in",
        "roll-62x29mm",
        "roll-62mm-continuous",
    ] {
        for dpi in [PrinterDpi::Dpi203, PrinterDpi::Dpi300] {
            for t in Template::all().unwrap() {
                let case = format!("{stock} {} {dpi}", t.name);
                let started = std::time::Instant::now();
                let sub = dir
                    .path()
                    .join(format!("{stock}-{}-{}", t.name, dpi.nominal()));
                std::fs::create_dir_all(&sub).unwrap();
                let job = job(&sub, stock, &t.name, dpi, 1);
                match sheet::run(&job, &NoProgress) {
                    Err(e) => {
                        let msg = format!("{e}");
                        assert!(
                            msg.contains(" mm") || msg.contains("mm "),
                            "{case}: refusal does not name a size: {msg}"
                        );
                        eprintln!("{case}: refused in {:?}", started.elapsed());
                        refused += 1;
                        continue;
                    }
                    Ok(report) => assert_eq!(report.files, vec![job.output.clone()]),
                }
                let t_zpl = started.elapsed();
                let zpl = std::fs::read_to_string(&job.output).unwrap();
                assert_eq!(zpl.matches("^XA").count(), 1, "{case}");
                assert_eq!(zpl.matches("^XZ").count(), 1, "{case}");
                assert!(zpl.contains("^PQ1,"), "{case}");
                let m = check_whole_dots(&zpl, dpi);
                let t_check = started.elapsed();
                let img = labelize(&job.output, dpi.dots_per_mm());
                let t_png = started.elapsed();
                assert_eq!(
                    decode(&img).as_deref(),
                    Some(link.as_str()),
                    "{case}, {m} dots"
                );
                eprintln!(
                    "{case}: {m} dots/module, {} bytes; times {t_zpl:?} {t_check:?} {t_png:?} {:?}",
                    zpl.len(),
                    started.elapsed()
                );
                rendered += 1;
            }
        }
    }
    eprintln!("ZPL: {rendered} rendered and decoded, {refused} refused by the layout");
    assert!(rendered >= 12, "only {rendered} combinations rendered");
}

#[test]
fn one_block_per_row_in_order_with_quantities() {
    let dir = tempfile::tempdir().unwrap();
    let job = job(dir.path(), "roll-62x29mm", "strip", PrinterDpi::Dpi203, 3);
    let report = sheet::run(&job, &NoProgress).unwrap();
    assert_eq!(report.labels, 1 + 2 + 3);
    let zpl = std::fs::read_to_string(&job.output).unwrap();
    let blocks: Vec<&str> = zpl.split("^XZ").filter(|b| b.contains("^XA")).collect();
    assert_eq!(blocks.len(), 3);
    for (i, b) in blocks.iter().enumerate() {
        assert!(b.contains(&format!("^PQ{},", i + 1)), "block {i}");
        // Each block alone renders to its row's link (as one copy: labelize writes a
        // PNG per copy).
        let one = dir.path().join(format!("row{i}.zpl"));
        let single = b.replace(&format!("^PQ{},", i + 1), "^PQ1,");
        std::fs::write(&one, format!("{single}^XZ\n")).unwrap();
        let img = labelize(&one, 8);
        let want = expected_link(dir.path(), i);
        assert_eq!(decode(&img), Some(want), "row {i}");
        // 62 × 29 mm at 8 dots/mm.
        assert!(b.contains("^PW496") && b.contains("^LL232"), "{b:.200}");
    }
    // Sheets are not for thermal printers.
    let sheet_job = SheetJob {
        stock: Stock::by_id("avery-5160").unwrap(),
        ..job.clone()
    };
    let err = sheet::run(&sheet_job, &NoProgress).unwrap_err();
    assert!(
        err.to_string().contains("avery-5160 is a sheet stock"),
        "{err}"
    );
}

#[test]
fn label_command_writes_zpl_at_the_printer_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let link = expected_link(dir.path(), 0);
    let decl = dir.path().join("expected-0.json");
    for (dpi, dpmm) in [("203", 8), ("300", 12), ("600", 24)] {
        let out = dir.path().join(format!("l{dpi}.zpl"));
        let r = Command::new(env!("CARGO_BIN_EXE_iotlabel"))
            .args(["label", decl.to_str().unwrap(), "--key"])
            .arg(key())
            .args([
                "--size",
                "3x2in",
                "--template",
                "compact",
                "--printer-dpi",
                dpi,
                "-o",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let zpl = std::fs::read_to_string(&out).unwrap();
        assert_eq!(zpl.matches("^XA").count(), 1);
        assert!(zpl.contains(&format!("^PW{}", (76.2 * f64::from(dpmm)).round())));
        let m = check_whole_dots(&zpl, dpi.parse().unwrap());
        if dpmm <= 12 {
            let img = labelize(&out, dpmm);
            assert_eq!(
                decode(&img).as_deref(),
                Some(link.as_str()),
                "{dpi} dpi, {m} dots"
            );
        }
    }
}
