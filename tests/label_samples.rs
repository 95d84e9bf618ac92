//! Every shipped sample × every template × PDF, SVG and PNG, through the real command:
//! each output exists at the template's size, the PDF passes `qpdf --check` with subset
//! fonts and gives back the support-end statement as text, and the QR in every format,
//! rasterised by a real renderer (poppler for PDF, resvg for SVG) at 300 dpi, decodes to
//! exactly the link that `iotlabel sign` produces for the same sample.

mod common;
use common::samples;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed (.ci/setup installs it): {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn decode(png: &Path) -> String {
    let texts = iotlabel::scan::decode_image_bytes(&std::fs::read(png).unwrap()).unwrap();
    assert_eq!(texts.len(), 1, "{}: {texts:?}", png.display());
    texts[0].clone()
}

#[test]
fn every_sample_template_and_format() {
    let dir = tempfile::tempdir().unwrap();
    let key = root().join("samples/keys/demo.pem");
    for sample in samples() {
        let name = sample.file_stem().unwrap().to_string_lossy().into_owned();
        let link = {
            let out = Command::cargo_bin("iotlabel")
                .unwrap()
                .arg("sign")
                .arg(&sample)
                .arg("--key")
                .arg(&key)
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        let signed = iotlabel::source::decode_signed(&link).unwrap();
        let support = signed.summary("en").unwrap().support;
        for template in ["panel", "compact", "strip", "square"] {
            for ext in ["pdf", "svg", "png"] {
                let out = dir.path().join(format!("{name}-{template}.{ext}"));
                Command::cargo_bin("iotlabel")
                    .unwrap()
                    .arg("label")
                    .arg(&sample)
                    .arg("--key")
                    .arg(&key)
                    .args(["--template", template, "--dpi", "300", "-o"])
                    .arg(&out)
                    .assert()
                    .success();
                let what = format!("{name} {template} {ext}");
                let png = match ext {
                    "pdf" => {
                        let p = out.to_str().unwrap();
                        run("qpdf", &["--check", p]);
                        let fonts = run("pdffonts", &[p]);
                        let dejavu: Vec<&str> =
                            fonts.lines().filter(|l| l.contains("DejaVu")).collect();
                        assert!(
                            !dejavu.is_empty()
                                && dejavu
                                    .iter()
                                    .all(|l| l.contains('+') && l.contains(" yes ")),
                            "{what}: fonts not embedded as subsets:\n{fonts}"
                        );
                        let text = run("pdftotext", &[p, "-"]);
                        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
                        assert!(
                            flat.contains(&support),
                            "{what}: {support:?} not in extracted text {flat:?}"
                        );
                        let prefix = dir.path().join(format!("{name}-{template}-pdf"));
                        run(
                            "pdftoppm",
                            &[
                                "-r",
                                "300",
                                "-png",
                                "-singlefile",
                                p,
                                prefix.to_str().unwrap(),
                            ],
                        );
                        prefix.with_extension("png")
                    }
                    "svg" => {
                        let svg = std::fs::read_to_string(&out).unwrap();
                        assert!(svg.contains("mm\""), "{what}: size not in mm");
                        let mut opt = resvg::usvg::Options::default();
                        opt.fontdb_mut().load_font_data(
                            std::fs::read(root().join("fonts/DejaVuSans.ttf")).unwrap(),
                        );
                        let tree = resvg::usvg::Tree::from_str(&svg, &opt).unwrap();
                        let scale = 300.0 / 25.4 / (96.0 / 25.4); // the tree is in CSS px (96 per inch)
                        let size = tree.size();
                        let mut pm = resvg::tiny_skia::Pixmap::new(
                            (size.width() * scale).ceil() as u32,
                            (size.height() * scale).ceil() as u32,
                        )
                        .unwrap();
                        pm.fill(resvg::tiny_skia::Color::WHITE);
                        resvg::render(
                            &tree,
                            resvg::tiny_skia::Transform::from_scale(scale, scale),
                            &mut pm.as_mut(),
                        );
                        let p = dir.path().join(format!("{name}-{template}-svg.png"));
                        pm.save_png(&p).unwrap();
                        p
                    }
                    _ => out.clone(),
                };
                assert_eq!(
                    decode(&png),
                    link,
                    "{what}: QR does not decode to the signed link"
                );
            }
        }
    }
}

#[test]
fn every_language_fits_by_default_and_an_explicit_size_is_strict() {
    // The whole sample × template × language matrix is laid out through the library in
    // tests/label_fit.rs; here the command itself, once per template and language: the
    // label comes out at the template's one fixed size, with the QR's version, EC level
    // and module size reported.
    let dir = tempfile::tempdir().unwrap();
    let key = root().join("samples/keys/demo.pem");
    let out = dir.path().join("l.pdf");
    let sample = root().join("samples/camera.toml");
    for t in iotlabel::layout::Template::all().unwrap() {
        for lang in iotlabel::summary::Catalogue::languages() {
            let o = Command::cargo_bin("iotlabel")
                .unwrap()
                .arg("label")
                .arg(&sample)
                .arg("--key")
                .arg(&key)
                .args(["--template", &t.name, "--lang", lang, "--force", "-o"])
                .arg(&out)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "{} {lang}: {err}", t.name);
            let size = format!("{} label {}, {lang},", t.name, t.default_size());
            assert!(
                err.contains(&size),
                "{} {lang}: expected {size:?} in {err}",
                t.name
            );
            assert!(!err.contains("does not fit"), "{} {lang}: {err}", t.name);
            // camera.toml needs version 10 at M; the square holds it only at L.
            let qr = if t.name == "square" {
                "QR version 8-L with 0.420 mm modules"
            } else {
                "QR version 10-M with 0.420 mm modules"
            };
            assert!(err.contains(qr), "{} {lang}: {err}", t.name);
            let info = run("pdfinfo", &[out.to_str().unwrap()]);
            let page = info
                .lines()
                .find_map(|l| l.strip_prefix("Page size:"))
                .unwrap_or_default();
            let pts: Vec<f64> = page
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            assert!(
                pts.len() == 2
                    && (pts[0] - t.width_mm * 72.0 / 25.4).abs() < 0.01
                    && (pts[1] - t.height_mm * 72.0 / 25.4).abs() < 0.01,
                "{} {lang}: page size {page}",
                t.name
            );
        }
    }
    // With --size nothing is grown: a label too small for its text is refused, names a
    // size that fits, and no file is left behind.
    let small = dir.path().join("small.pdf");
    let o = Command::cargo_bin("iotlabel")
        .unwrap()
        .args([
            "label",
            "samples/router.toml",
            "--key",
            "samples/keys/demo.pem",
            "--lang",
            "fr",
            "--size",
            "50x70mm",
            "-o",
        ])
        .arg(&small)
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("does not fit") && err.contains("it fits at"),
        "{err}"
    );
    assert!(!small.exists());
}
