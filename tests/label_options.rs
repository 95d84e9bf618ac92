//! The QR and print options of `label` (and `sheet`), through the real command: module
//! size (`--module`, `--qr-size`) with its warning and refusal, `--ec`, `--dpi` with the
//! PNG's recorded resolution and whole-pixel modules, `--no-background` and `--outline`.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `label samples/thermostat.toml` with `args`; returns (exit code, stderr).
fn label(out: &Path, args: &[&str]) -> (i32, String) {
    let o = Command::cargo_bin("iotlabel")
        .unwrap()
        .current_dir(root())
        .args([
            "label",
            "samples/thermostat.toml",
            "--key",
            "samples/keys/demo.pem",
            "-o",
        ])
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        flat(&String::from_utf8_lossy(&o.stderr)),
    )
}

/// Error text with miette's line wrapping and gutter undone, so that phrases can be
/// searched whatever the terminal width.
fn flat(text: &str) -> String {
    text.replace(['│', '×'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn link() -> String {
    let o = Command::cargo_bin("iotlabel")
        .unwrap()
        .current_dir(root())
        .args([
            "sign",
            "samples/thermostat.toml",
            "--key",
            "samples/keys/demo.pem",
        ])
        .output()
        .unwrap();
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

fn decode_png(path: &Path) -> Vec<String> {
    iotlabel::scan::decode_image_bytes(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn module_size_is_exact_warned_below_the_scan_floor_and_refused_below_the_hard_floor() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("l.png");
    let (code, err) = label(&out, &["-t", "panel", "--module", "0.5mm", "--dpi", "254"]);
    assert_eq!(code, 0, "{err}");
    // 0.5 mm at 254 dpi is exactly 5 pixels.
    assert!(err.contains("with 0.500 mm modules"), "{err}");
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(decode_png(&out), vec![link()]);

    let (code, err) = label(&out, &["-t", "compact", "--module", "0.35mm"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: QR modules of 0.350 mm are below 0.42 mm"),
        "{err}"
    );

    let pdf = dir.path().join("tiny.pdf");
    let (code, err) = label(&pdf, &["-t", "compact", "--module", "0.2mm"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("below 0.25 mm"), "{err}");
    assert!(!pdf.exists());
    let (code, err) = label(&pdf, &["-t", "compact", "--module", "0.2mm", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("with 0.200 mm modules"), "{err}");
}

#[test]
fn qr_size_sets_the_outer_size_and_ec_the_level() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("l.pdf");
    // Version 10 is 57 modules + 8 of quiet zone: 30 mm gives 0.4615 mm modules.
    let (code, err) = label(&out, &["-t", "panel", "--qr-size", "30mm"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("QR version 10-M with 0.462 mm modules"),
        "{err}"
    );
    let (code, err) = label(&out, &["-t", "panel", "--ec", "L"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("QR version 8-L with 0.420 mm modules"),
        "{err}"
    );
    assert!(
        !err.contains("note: error correction"),
        "an asked-for level is no note: {err}"
    );
    // Level H needs version 15 (77 modules + quiet zone = 35.7 mm): too big for the
    // 64 × 30 mm compact label, which says so and names a size that fits.
    let (code, err) = label(&out, &["-t", "compact", "--ec", "h"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the QR does not fit") && err.contains("it fits at --size"),
        "{err}"
    );
    // --module and --qr-size together are a usage error.
    let (code, err) = label(&out, &["--module", "0.5mm", "--qr-size", "30mm"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
}

/// The `pHYs` chunk of a PNG: (x, y pixels per unit, unit).
fn phys(png: &[u8]) -> Option<(u32, u32, u8)> {
    let mut i = 8;
    while i + 8 <= png.len() {
        let len = u32::from_be_bytes(png[i..i + 4].try_into().ok()?) as usize;
        let kind = &png[i + 4..i + 8];
        if kind == b"pHYs" {
            let d = &png[i + 8..i + 8 + len];
            return Some((
                u32::from_be_bytes(d[0..4].try_into().ok()?),
                u32::from_be_bytes(d[4..8].try_into().ok()?),
                d[8],
            ));
        }
        i += 12 + len;
    }
    None
}

#[test]
fn png_records_its_resolution_and_modules_are_whole_pixels() {
    let dir = tempfile::tempdir().unwrap();
    for dpi in [300u32, 600] {
        let out = dir.path().join(format!("l{dpi}.png"));
        let (code, err) = label(
            &out,
            &["-t", "compact", "--no-outline", "--dpi", &dpi.to_string()],
        );
        assert_eq!(code, 0, "{err}");
        let bytes = std::fs::read(&out).unwrap();
        let ppm = (f64::from(dpi) / 0.0254).round() as u32;
        assert_eq!(phys(&bytes), Some((ppm, ppm, 1)), "{dpi} dpi");
        // 0.42 mm rounds up to whole pixels: 5 at 300 dpi, 10 at 600 dpi (0.423 mm).
        assert!(err.contains("with 0.423 mm modules"), "{err}");
        let img = image::load_from_memory(&bytes).unwrap().to_luma8();
        // Every pixel is black or white: no module edge falls between pixels. (Text is
        // anti-aliased, so look only at the QR: it fills the left 27.5 mm.)
        let qr_px = (27.0 * f64::from(dpi) / 25.4) as u32;
        let grey = img
            .enumerate_pixels()
            .filter(|(x, _, p)| *x < qr_px && p.0[0] > 20 && p.0[0] < 235)
            .count();
        assert_eq!(grey, 0, "{dpi} dpi: {grey} grey pixels in the QR");
        assert_eq!(decode_png(&out), vec![link()]);
    }
}

#[test]
fn background_and_outline_are_switchable() {
    let dir = tempfile::tempdir().unwrap();
    let content = |pdf: &Path| -> String {
        let qdf = pdf.with_extension("qdf");
        let ok = std::process::Command::new("qpdf")
            .args(["--qdf", "--object-streams=disable"])
            .arg(pdf)
            .arg(&qdf)
            .status()
            .expect("qpdf is needed (.ci/setup installs it)");
        assert!(ok.success());
        String::from_utf8_lossy(&std::fs::read(&qdf).unwrap()).into_owned()
    };
    let with = dir.path().join("with.pdf");
    assert_eq!(label(&with, &["-t", "compact"]).0, 0);
    let without = dir.path().join("without.pdf");
    assert_eq!(label(&without, &["-t", "compact", "--no-background"]).0, 0);
    // The white ground is CMYK 0/0/0/0 ("0 0 0 0 k"); nothing else is white.
    assert!(content(&with).contains("0 0 0 0 k"));
    assert!(!content(&without).contains("0 0 0 0 k"));
    let svg = dir.path().join("l.svg");
    assert_eq!(label(&svg, &["-t", "compact", "--no-background"]).0, 0);
    assert!(
        !std::fs::read_to_string(&svg)
            .unwrap()
            .contains(r##"fill="#fff""##)
    );
    // The compact template has an outline (curves of its rounded corners); the square
    // has none unless asked for.
    let curves = |pdf: &Path| {
        content(pdf)
            .split_whitespace()
            .filter(|t| *t == "c")
            .count()
    };
    assert!(curves(&with) >= 4);
    let plain = dir.path().join("plain.pdf");
    assert_eq!(label(&plain, &["-t", "compact", "--no-outline"]).0, 0);
    assert_eq!(curves(&plain), 0);
    let square = dir.path().join("square.pdf");
    assert_eq!(label(&square, &["-t", "square"]).0, 0);
    assert_eq!(curves(&square), 0);
    assert_eq!(label(&square, &["-t", "square", "--outline"]).0, 0);
    assert!(curves(&square) >= 4);
}

#[test]
fn sheets_on_one_inch_cells_use_level_l_or_refuse_naming_stocks_that_fit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.pdf");
    let sheet = |extra: &[&str]| {
        let o = Command::cargo_bin("iotlabel")
            .unwrap()
            .current_dir(root())
            .args([
                "sheet",
                "samples/batch.csv",
                "--stock",
                "avery-5160",
                "--key",
                "samples/keys/demo.pem",
                "-o",
            ])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        (
            o.status.code().unwrap(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = sheet(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("note: 6 of 6 rows use error correction L"),
        "{err}"
    );
    let (code, err) = sheet(&["--ec", "M"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the QR does not fit"), "{err}");
    assert!(err.contains("avery-l7160"), "names stocks that fit: {err}");
}

#[test]
fn a_user_template_file_is_loaded_checked_and_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("mine.toml");
    // A variant of the panel: only the how (A.2) and until-when (A.3) statements.
    std::fs::write(
        &tpl,
        r#"
name = "mine"
description = "Headline, two statements, QR"
width_mm = 60
height_mm = 70
margin_mm = 3
stroke_mm = 0.25
radius_mm = 1.5

[qr]
place = "bottom-left"
quiet_zone = 4
gap_mm = 0.5

[[block]]
text = "**{headline}**"
size_pt = 10
min_pt = 7
max_lines = 2

[[block]]
each = "statement"
elements = ["A.2", "A.3"]
text = "**{label}:** {text}"
size_pt = 7
min_pt = 6
max_lines = 3
space_before_mm = 1

[[block]]
area = "side"
text = "{url}"
size_pt = 7
min_pt = 6
"#,
    )
    .unwrap();
    let t = tpl.to_str().unwrap();
    for ext in ["pdf", "svg", "png"] {
        let out = dir.path().join(format!("l.{ext}"));
        let (code, err) = label(&out, &["-t", t]);
        assert_eq!(code, 0, "{ext}: {err}");
        assert!(err.contains("mine label 60x70mm"), "{err}");
        if ext == "png" {
            assert_eq!(decode_png(&out), vec![link()]);
        }
        if ext == "svg" {
            let svg = std::fs::read_to_string(&out).unwrap();
            assert!(
                svg.contains("How:") && svg.contains("Support:"),
                "A.2 and A.3 shown"
            );
            assert!(!svg.contains("Notices:"), "B.1 left out");
        }
    }
    // A mistake names the file, the line and what is accepted.
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(&tpl)
        .unwrap()
        .replace("place = \"bottom-left\"", "place = \"bottom-right\"");
    std::fs::write(&bad, text).unwrap();
    let (code, err) = label(&dir.path().join("x.pdf"), &["-t", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.toml") && err.contains("line 11"), "{err}");
    assert!(
        err.contains("bottom-left") && err.contains("left") && err.contains("top"),
        "{err}"
    );
    let bad2 = dir.path().join("bad2.toml");
    let text = std::fs::read_to_string(&tpl)
        .unwrap()
        .replace("[\"A.2\", \"A.3\"]", "[\"A.2\", \"C.1\"]");
    std::fs::write(&bad2, text).unwrap();
    let (code, err) = label(&dir.path().join("x.pdf"), &["-t", bad2.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("\"C.1\"") && err.contains("A.2, A.3, B.1, B.2, B.3"),
        "{err}"
    );
    let (code, err) = label(&dir.path().join("x.pdf"), &["-t", "./missing.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.toml: no such file"), "{err}");
}

#[test]
fn a_brand_colour_sets_the_headline_and_rules_but_never_the_qr() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("l.pdf");
    let (code, err) = label(&pdf, &["-t", "panel", "--color", "0,100,100,0"]);
    assert_eq!(code, 0, "{err}");
    let qdf = dir.path().join("l.qdf");
    assert!(
        std::process::Command::new("qpdf")
            .args(["--qdf", "--object-streams=disable"])
            .arg(&pdf)
            .arg(&qdf)
            .status()
            .expect("qpdf")
            .success()
    );
    let content = String::from_utf8_lossy(&std::fs::read(&qdf).unwrap()).into_owned();
    // The headline and the rules in CMYK 0/100/100/0; the QR is stroked in 100 % K.
    assert!(content.contains("0 1 1 0 k"), "brand colour missing");
    assert!(content.contains("0 0 0 1 K"), "QR not in 100 % K");
    assert!(
        !content.contains("0 1 1 0 K"),
        "QR must never take the brand colour"
    );
    let svg = dir.path().join("l.svg");
    assert_eq!(
        label(&svg, &["-t", "panel", "--color", "cmyk(0,100,100,0)"]).0,
        0
    );
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(
        s.contains(r##"font-weight="bold" fill="#ff0000""##),
        "headline in red"
    );
    assert!(s.matches("#ff0000").count() >= 3, "headline and rules");
    let (code, err) = label(&svg, &["--color", "120,0,0,0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("C,M,Y,K in percent"), "{err}");
}
