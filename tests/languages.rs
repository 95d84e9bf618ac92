//! One label in several languages (`--lang en,fr`), as Canada, Belgium and Switzerland
//! sell: made by the real command in PDF, SVG and PNG, read back with poppler
//! (`pdftotext`) and a real QR decoder, and its geometry checked through the library
//! (stacked languages one after the other, columns side by side).

mod common;

use assert_cmd::Command;
use iotlabel::artwork::{EcChoice, LabelSpec, SizeChoice, make_label};
use iotlabel::layout::{Item, LabelOptions, Template};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `label samples/thermostat.toml` with `args`; returns (exit code, stderr).
fn label(out: &Path, args: &[&str]) -> (i32, String) {
    let o = Command::cargo_bin("iotlabel")
        .unwrap()
        .current_dir(root())
        .args(["label", "samples/thermostat.toml", "--key"])
        .arg(common::demo_key())
        .arg("-o")
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn link() -> String {
    let o = Command::cargo_bin("iotlabel")
        .unwrap()
        .current_dir(root())
        .args(["sign", "samples/thermostat.toml", "--key"])
        .arg(common::demo_key())
        .output()
        .unwrap();
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

fn pdftotext(pdf: &Path) -> String {
    let o = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is needed (.ci/setup installs poppler-utils)");
    String::from_utf8(o.stdout)
        .unwrap()
        .replace(['\u{a0}', '\u{202f}'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_two_language_label_renders_in_pdf_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let link = link();
    for (template, langs) in [("panel", "en,fr"), ("strip", "en,de")] {
        for ext in ["pdf", "svg", "png"] {
            let out = dir.path().join(format!("{template}.{ext}"));
            let (code, err) = label(&out, &["-t", template, "--lang", langs, "--size", "auto"]);
            assert_eq!(code, 0, "{template} {ext}: {err}");
            assert!(err.contains(&format!(", {langs},")), "{err}");
            match ext {
                "pdf" => {
                    let text = pdftotext(&out);
                    let (first, second) = match langs {
                        "en,fr" => ("Automatic security updates", "Mises à jour de sécurité"),
                        _ => ("Automatic security updates", "Automatische Si"),
                    };
                    assert!(text.contains(first) && text.contains(second), "{text}");
                    let page = &common::render_pages(&out)[0];
                    let mut png = std::io::Cursor::new(Vec::new());
                    page.write_to(&mut png, image::ImageFormat::Png).unwrap();
                    assert_eq!(
                        iotlabel::scan::decode_image_bytes(png.get_ref()).unwrap(),
                        vec![link.clone()]
                    );
                }
                "svg" => {
                    let svg = std::fs::read_to_string(&out).unwrap();
                    // One <text> per paragraph, a <tspan> per line.
                    assert!(svg.contains(">Automatic"), "{template}");
                    assert!(
                        svg.contains("Mises à jour") || svg.contains("Dezember"),
                        "{template}"
                    );
                }
                _ => assert_eq!(
                    iotlabel::scan::decode_image_bytes(&std::fs::read(&out).unwrap()).unwrap(),
                    vec![link.clone()]
                ),
            }
        }
    }
    // Both languages read in order in the panel; "Scan to verify" beside the QR names
    // both in one line.
    let text = pdftotext(&dir.path().join("panel.pdf"));
    let en = text.find("Until at least December 2031").unwrap();
    let fr = text.find("Au moins jusqu’en décembre 2031").unwrap();
    assert!(en < fr, "{text}");
    assert!(
        text.contains("Scan to verify / Scanner pour vérifier"),
        "{text}"
    );
}

fn frame(template: &str, lang: &str) -> iotlabel::layout::Frame {
    let t = Template::by_name(template).unwrap();
    let spec = LabelSpec {
        layout: LabelOptions::default(),
        template: t,
        size: SizeChoice::Auto,
        lang: lang.into(),
        ec: EcChoice::Auto,
        force: false,
    };
    make_label(
        &common::signed(&root().join("samples/thermostat.toml")),
        &spec,
    )
    .unwrap()
    .frame
}

/// The x and y of the first run whose text starts with `start`.
fn at(f: &iotlabel::layout::Frame, start: &str) -> (f64, f64) {
    let r = f
        .texts()
        .find(|r| r.text.starts_with(start))
        .unwrap_or_else(|| panic!("no run starts with {start:?}"));
    (r.x_mm, r.baseline_mm)
}

#[test]
fn stacked_languages_follow_each_other_and_columns_stand_side_by_side() {
    // Panel (stack): the French headline is below the English one, in the same column,
    // after a rule; the product line is set once.
    let f = frame("panel", "en,fr");
    let (ex, ey) = at(&f, "Automatic");
    let (fx, fy) = at(&f, "Mises");
    assert!(
        (ex - fx).abs() < 1e-6 && fy > ey + 20.0,
        "{ex},{ey} {fx},{fy}"
    );
    let rules = f
        .items
        .iter()
        .filter(|i| matches!(i, Item::Fill(r) if r.h < 0.2 && r.y > ey && r.y < fy))
        .count();
    assert!(rules >= 1, "a rule between the languages");
    assert_eq!(f.texts().filter(|r| r.text.contains("Therma")).count(), 1);
    // Strip (columns): the German headline is to the right of the English one, at the
    // same height, and never overlaps it.
    let f = frame("strip", "en,de");
    let (ex, ey) = at(&f, "Automatic");
    let (dx, dy) = at(&f, "Automatische");
    assert!(
        (ey - dy).abs() < 1e-6 && dx > ex + 20.0,
        "{ex},{ey} {dx},{dy}"
    );
    let runs: Vec<_> = f.texts().collect();
    for (i, a) in runs.iter().enumerate() {
        for b in &runs[i + 1..] {
            assert!(
                !a.ink_box().overlaps(&b.ink_box(), 0.01),
                "{:?} / {:?}",
                a.text,
                b.text
            );
        }
    }
    // One language is exactly the single-language label.
    assert_eq!(frame("panel", "en"), frame("panel", "en,en"));
}

/// A sheet in several languages: the job's `--lang en,fr` is every row's default, and a
/// row may still name one language.
#[test]
fn a_sheet_takes_a_language_list() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("samples/thermostat.toml"),
        dir.path().join("thermostat.toml"),
    )
    .unwrap();
    let batch = dir.path().join("b.csv");
    std::fs::write(
        &batch,
        "declaration,lang\nthermostat.toml,\nthermostat.toml,de\n",
    )
    .unwrap();
    let out = dir.path().join("s.pdf");
    let o = Command::cargo_bin("iotlabel")
        .unwrap()
        .args([
            "sheet",
            "--stock",
            "roll-4x6in",
            "--lang",
            "en,fr",
            "--quiet",
            "--key",
        ])
        .arg(common::demo_key())
        .arg("-o")
        .arg(&out)
        .arg(&batch)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = pdftotext(&out);
    assert_eq!(
        text.matches("Au moins jusqu’en décembre 2031").count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches("Mindestens bis Dezember 2031").count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches("Until at least December 2031").count(),
        1,
        "{text}"
    );
}
