//! A brand logo on the label (`--logo`), and a spot colour (`--color NAME=C,M,Y,K`).
//!
//! Two real logos, made here: a wide SVG (a red bar with text, 3:1) and a tall PNG
//! written with the `image` crate (red over blue with transparent stripes, 1:2). Every
//! shipped sample fits every template that has a logo region, in every language, with
//! either logo; the logo's rectangle keeps its aspect ratio, stays inside the region
//! and clear of every line of text (by the gap), the rules and the QR. Rendered as
//! PDF (rasterised by poppler), SVG (by resvg) and PNG, the QR still decodes and the
//! logo's red is found inside its rectangle and nowhere else; `pdfimages` finds the
//! PNG logo in the PDF. Refusals: a file that is not an image, a truncated PNG, a
//! template without a logo region.

mod common;
use common::{demo_key, samples};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use iotlabel::artwork::{EcChoice, LabelSpec, SizeChoice, make_label};
use iotlabel::layout::{Frame, Item, LabelOptions, RectMm, Template};
use iotlabel::logo::Logo;
use iotlabel::summary::Catalogue;

/// A wide logo: a red bar, 120 × 40 user units, with a white disc and a word.
const WIDE_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40">
  <rect width="120" height="40" rx="6" fill="#ff0000"/>
  <circle cx="20" cy="20" r="12" fill="#ffffff"/>
  <text x="40" y="28" font-size="22" font-weight="bold" fill="#ffffff">ACME</text>
</svg>"##;

/// A tall logo: 100 × 200 pixels, the top half red, the bottom half blue with
/// transparent diagonal stripes.
fn tall_png() -> Vec<u8> {
    let img = image::RgbaImage::from_fn(100, 200, |x, y| {
        if y < 100 {
            image::Rgba([255, 0, 0, 255])
        } else if (x + y) % 20 < 14 {
            image::Rgba([0, 0, 255, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The two logos as files in `dir`: (wide.svg, tall.png).
fn logo_files(dir: &Path) -> (PathBuf, PathBuf) {
    let (svg, png) = (dir.join("wide.svg"), dir.join("tall.png"));
    std::fs::write(&svg, WIDE_SVG).unwrap();
    std::fs::write(&png, tall_png()).unwrap();
    (svg, png)
}

fn signed(sample: &Path) -> iotlabel::source::Signed {
    let opts = iotlabel::source::SourceOptions {
        key: Some(demo_key()),
        check: Some(iotlabel::declaration::CheckOptions::lenient()),
        ..Default::default()
    };
    iotlabel::source::resolve(sample.to_str().unwrap(), &opts).unwrap()
}

fn the_logo(frame: &Frame) -> (RectMm, Arc<Logo>) {
    let mut logos = frame.items.iter().filter_map(|i| match i {
        Item::Image { rect, logo } => Some((*rect, logo.clone())),
        _ => None,
    });
    let one = logos.next().expect("the frame has the logo");
    assert!(logos.next().is_none(), "one logo");
    one
}

/// The geometry promises of a label with a logo.
fn check_geometry(frame: &Frame, t: &Template, what: &str) {
    let (r, logo) = the_logo(frame);
    let spec = t.logo.as_ref().unwrap();
    let k = (frame.width_mm / t.width_mm)
        .min(frame.height_mm / t.height_mm)
        .clamp(0.5, 3.0);
    assert!(
        frame.bounds().contains(&r, 1e-9),
        "{what}: logo {r:?} off the label"
    );
    let aspect = r.w / r.h;
    assert!(
        (aspect / logo.aspect() - 1.0).abs() < 0.01,
        "{what}: aspect {aspect} for a logo of {}",
        logo.aspect()
    );
    assert!(
        r.w <= spec.width_mm * k + 1e-9 && r.h <= spec.height_mm * k + 1e-9,
        "{what}: {r:?} is larger than the region"
    );
    // It fills its box in one direction (fitted, not shrunk further).
    assert!(
        (r.w - spec.width_mm * k).abs() < 1e-6 || (r.h - spec.height_mm * k).abs() < 1e-6,
        "{what}: {r:?} does not fill its region"
    );
    let gap = spec.gap_mm * k - 1e-6;
    let keep_out = RectMm::new(r.x - gap, r.y - gap, r.w + 2.0 * gap, r.h + 2.0 * gap);
    let mut texts = 0;
    for item in &frame.items {
        match item {
            Item::Text(run) => {
                texts += 1;
                assert!(
                    !keep_out.overlaps(&run.ink_box(), 0.0),
                    "{what}: {:?} ({:?}) touches the logo {r:?}",
                    run.text,
                    run.ink_box()
                );
            }
            Item::Fill(f) => assert!(!r.overlaps(f, 0.0), "{what}: a rule crosses the logo"),
            Item::Qr(q) => assert!(!r.overlaps(&q.rect(), 0.0), "{what}: logo on the QR"),
            _ => {}
        }
    }
    assert!(texts > 0, "{what}: no text");
}

#[test]
fn every_sample_fits_every_template_with_a_logo_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    let (svg, png) = logo_files(dir.path());
    let logos = [Logo::load(&svg).unwrap(), Logo::load(&png).unwrap()];
    assert_eq!(logos[0].size(), (120.0, 40.0));
    assert_eq!(logos[1].size(), (100.0, 200.0));
    let templates: Vec<Template> = Template::all()
        .unwrap()
        .into_iter()
        .filter(|t| t.logo.is_some())
        .collect();
    assert!(
        templates.iter().any(|t| t.name == "panel"),
        "the panel template has a logo region"
    );
    let mut failures = Vec::new();
    let mut runs = 0;
    for sample in samples() {
        let name = sample.file_name().unwrap().to_string_lossy().into_owned();
        let signed = signed(&sample);
        for lang in Catalogue::languages() {
            for t in &templates {
                for logo in &logos {
                    runs += 1;
                    let spec = LabelSpec {
                        layout: LabelOptions {
                            outline: t.outline,
                            logo: Some(logo.clone()),
                            ..LabelOptions::default()
                        },
                        template: t.clone(),
                        size: SizeChoice::Default,
                        lang: lang.to_string(),
                        ec: EcChoice::Auto,
                        force: false,
                    };
                    let what = format!("{name} {lang} {} {}", t.name, logo.name());
                    match make_label(&signed, &spec) {
                        Ok(made) => {
                            assert_eq!(
                                (made.frame.width_mm, made.frame.height_mm),
                                (t.width_mm, t.height_mm),
                                "{what}: the size never grows"
                            );
                            check_geometry(&made.frame, t, &what);
                            // The QR is laid out exactly as without a logo.
                            let plain = make_label(
                                &signed,
                                &LabelSpec {
                                    layout: LabelOptions {
                                        logo: None,
                                        ..spec.layout.clone()
                                    },
                                    ..spec.clone()
                                },
                            )
                            .unwrap();
                            assert_eq!(
                                made.frame.qrs().next(),
                                plain.frame.qrs().next(),
                                "{what}: the logo moved or shrank the QR"
                            );
                        }
                        Err(e) => failures.push(format!("{what}: {e}")),
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} do not fit:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn larger_labels_scale_the_logo_region() {
    let dir = tempfile::tempdir().unwrap();
    let (svg, _) = logo_files(dir.path());
    let t = Template::by_name("panel").unwrap();
    let signed = signed(&samples()[0]);
    for size in ["56x100mm", "84x150mm", "70x100mm"] {
        let spec = LabelSpec {
            layout: LabelOptions {
                logo: Some(Logo::load(&svg).unwrap()),
                ..LabelOptions::default()
            },
            template: t.clone(),
            size: size.parse().unwrap(),
            lang: "de".into(),
            ec: EcChoice::Auto,
            force: false,
        };
        let made = make_label(&signed, &spec).unwrap();
        check_geometry(&made.frame, &t, size);
    }
}

/// Every place a template may give its logo, on the panel template's words: the
/// geometry holds for every sample in English and German (at the nearest size that
/// fits, where a column leaves the words too little room at the default size).
#[test]
fn every_logo_place_keeps_its_promises() {
    let dir = tempfile::tempdir().unwrap();
    let (svg, png) = logo_files(dir.path());
    let logos = [Logo::load(&svg).unwrap(), Logo::load(&png).unwrap()];
    let panel = std::fs::read_to_string(root().join("assets/templates/panel.toml")).unwrap();
    for place in ["top-left", "top-right", "top", "left", "right"] {
        let file = dir.path().join(format!("{place}.toml"));
        std::fs::write(
            &file,
            panel.replace(r#"place = "top-right""#, &format!("place = {place:?}")),
        )
        .unwrap();
        let t = Template::from_file(&file).unwrap();
        assert_eq!(
            format!("{:?}", t.logo.as_ref().unwrap().place).to_lowercase(),
            place.replace('-', "")
        );
        for sample in samples() {
            let signed = signed(&sample);
            for lang in ["en", "de"] {
                for logo in &logos {
                    let spec = LabelSpec {
                        layout: LabelOptions {
                            logo: Some(logo.clone()),
                            ..LabelOptions::default()
                        },
                        template: t.clone(),
                        size: SizeChoice::Auto,
                        lang: lang.into(),
                        ec: EcChoice::Auto,
                        force: false,
                    };
                    let what = format!("{place} {} {lang} {}", sample.display(), logo.name());
                    let made = make_label(&signed, &spec).unwrap_or_else(|e| panic!("{what}: {e}"));
                    check_geometry(&made.frame, &t, &what);
                }
            }
        }
    }
}

fn label_cmd(sample: &Path, args: &[&str], out: &Path) -> std::process::Output {
    Command::cargo_bin("iotlabel")
        .unwrap()
        .arg("label")
        .arg(sample)
        .arg("--key")
        .arg(demo_key())
        .args(args)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

fn decode(img: &image::GrayImage) -> Vec<String> {
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    iotlabel::scan::decode_image_bytes(&png).unwrap_or_default()
}

/// Pixels that are clearly red (the logos' red; nothing else on a label is).
fn red_pixels(img: &image::RgbImage) -> Vec<(u32, u32)> {
    img.enumerate_pixels()
        .filter(|(_, _, p)| p[0] > 180 && p[1] < 90 && p[2] < 90)
        .map(|(x, y, _)| (x, y))
        .collect()
}

/// The red pixels of a 300 dpi raster of the label lie inside the logo's rectangle
/// (one pixel of anti-aliasing allowed), and cover a good part of it.
fn check_red_in_rect(img: &image::RgbImage, r: &RectMm, min_share: f64, what: &str) {
    let px = |mm: f64| mm * 300.0 / 25.4;
    let (x0, y0, x1, y1) = (
        px(r.x) - 1.5,
        px(r.y) - 1.5,
        px(r.right()) + 1.5,
        px(r.bottom()) + 1.5,
    );
    let red = red_pixels(img);
    let outside: Vec<_> = red
        .iter()
        .filter(|(x, y)| {
            let (x, y) = (f64::from(*x) + 0.5, f64::from(*y) + 0.5);
            x < x0 || x > x1 || y < y0 || y > y1
        })
        .collect();
    assert!(
        outside.is_empty(),
        "{what}: {} red pixels outside the logo's rectangle, e.g. {:?}",
        outside.len(),
        &outside[..outside.len().min(5)]
    );
    let area = (px(r.w) * px(r.h)).max(1.0);
    assert!(
        red.len() as f64 >= min_share * area,
        "{what}: only {} red pixels in a {area:.0} px logo",
        red.len()
    );
}

/// Both logos on the panel and the strip label, as PDF, SVG and PNG through the
/// command: the QR decodes to the signed link, the logo is where the layout put it.
#[test]
fn the_logo_is_drawn_in_its_place_in_every_format_and_the_qr_still_scans() {
    let dir = tempfile::tempdir().unwrap();
    let (svg_logo, png_logo) = logo_files(dir.path());
    let sample = root().join("samples/thermostat.toml");
    let signed = signed(&sample);
    let link = signed.link().unwrap();
    for template in ["panel", "strip"] {
        let t = Template::by_name(template).unwrap();
        // (logo, share of its rectangle that is red: the SVG is red but for the disc
        // and the word; the PNG's top half)
        for (logo, share) in [(&svg_logo, 0.5), (&png_logo, 0.4)] {
            let lname = logo.file_name().unwrap().to_string_lossy().into_owned();
            // The frame the command draws, from the library with the same options.
            let frame = |dpi: Option<f64>| {
                make_label(
                    &signed,
                    &LabelSpec {
                        layout: LabelOptions {
                            logo: Some(Logo::load(logo).unwrap()),
                            outline: t.outline,
                            dpi,
                            ..LabelOptions::default()
                        },
                        template: t.clone(),
                        size: SizeChoice::Default,
                        lang: "en".into(),
                        ec: EcChoice::Auto,
                        force: false,
                    },
                )
                .unwrap()
                .frame
            };
            for ext in ["pdf", "svg", "png"] {
                let what = format!("{template} {lname} {ext}");
                let out = dir.path().join(format!("{template}-{lname}.{ext}"));
                let o = label_cmd(
                    &sample,
                    &["-t", template, "--logo", logo.to_str().unwrap()],
                    &out,
                );
                assert!(
                    o.status.success(),
                    "{what}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                let (rgb, rect) = match ext {
                    "pdf" => {
                        let st = std::process::Command::new("qpdf")
                            .arg("--check")
                            .arg(&out)
                            .output()
                            .expect("qpdf");
                        assert!(st.status.success(), "{what}: qpdf --check");
                        let ppm = dir.path().join("page");
                        assert!(
                            std::process::Command::new("pdftoppm")
                                .args(["-r", "300", "-png", "-singlefile"])
                                .arg(&out)
                                .arg(&ppm)
                                .status()
                                .expect("pdftoppm")
                                .success()
                        );
                        let img = image::open(ppm.with_extension("png")).unwrap().to_rgb8();
                        (img, the_logo(&frame(None)).0)
                    }
                    "svg" => {
                        let text = std::fs::read_to_string(&out).unwrap();
                        assert!(text.contains(r#"preserveAspectRatio="xMidYMid meet""#));
                        (rasterise_svg(&text), the_logo(&frame(None)).0)
                    }
                    _ => {
                        let img = image::open(&out).unwrap();
                        assert!(
                            matches!(img.color(), image::ColorType::Rgb8),
                            "{what}: a PNG with a logo is in colour"
                        );
                        (img.to_rgb8(), the_logo(&frame(Some(300.0))).0)
                    }
                };
                check_red_in_rect(&rgb, &rect, share, &what);
                let grey = image::DynamicImage::ImageRgb8(rgb).to_luma8();
                assert_eq!(decode(&grey), vec![link.clone()], "{what}: the QR");
            }
        }
    }
}

/// An SVG file rasterised by resvg at 300 dpi, without our fonts or our code: what a
/// designer's tool would show.
fn rasterise_svg(text: &str) -> image::RgbImage {
    use resvg::{tiny_skia, usvg};
    let tree = usvg::Tree::from_str(text, &usvg::Options::default()).unwrap();
    let (w, h) = (tree.size().width(), tree.size().height());
    // The document is sized in mm: usvg gives its size in CSS px (96 per inch).
    let scale = 300.0 / 96.0;
    let (wp, hp) = ((w * scale).round() as u32, (h * scale).round() as u32);
    let mut pixmap = tiny_skia::Pixmap::new(wp, hp).unwrap();
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(wp as f32 / w, hp as f32 / h),
        &mut pixmap.as_mut(),
    );
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    image::RgbImage::from_raw(wp, hp, rgb).unwrap()
}

#[test]
fn the_pdf_embeds_a_png_logo_as_an_image_and_an_svg_logo_as_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let (svg_logo, png_logo) = logo_files(dir.path());
    let sample = root().join("samples/router.toml");
    let pdfimages = |pdf: &Path| {
        let o = std::process::Command::new("pdfimages")
            .arg("-list")
            .arg(pdf)
            .output()
            .expect("pdfimages (poppler-utils)");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    for standard in [None, Some("x4"), Some("a2b")] {
        let mut args = vec!["--logo", png_logo.to_str().unwrap()];
        if let Some(s) = standard {
            args.extend(["--pdf-standard", s]);
        }
        if standard == Some("x4") {
            args.push("--cut-path");
        }
        let pdf = dir.path().join(format!("png-{standard:?}.pdf"));
        let o = label_cmd(&sample, &args, &pdf);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let check = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&pdf)
            .output()
            .unwrap();
        assert!(check.status.success(), "{standard:?}: qpdf --check");
        let list = pdfimages(&pdf);
        let images: Vec<&str> = list.lines().skip(2).collect();
        // The logo (100 × 200, RGB) and its transparency (the stripes) as a soft mask.
        assert!(
            images
                .iter()
                .any(|l| l.contains(" image ") && l.contains("100   200")),
            "{standard:?}: {list}"
        );
        assert!(images.iter().any(|l| l.contains(" smask ")), "{list}");
        assert_eq!(images.len(), 2, "{list}");
    }
    let pdf = dir.path().join("svg.pdf");
    let o = label_cmd(&sample, &["--logo", svg_logo.to_str().unwrap()], &pdf);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = pdfimages(&pdf);
    assert_eq!(
        list.lines().count(),
        2,
        "no raster image for an SVG logo:\n{list}"
    );
    // The word in the SVG logo is outlines, not text: the label's words are unchanged.
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&text.stdout).contains("ACME"));
}

/// A JPEG logo passes through as it is: DCT-encoded in the PDF, a JPEG `data:` URI in
/// the SVG.
#[test]
fn a_jpeg_logo_is_embedded_as_a_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = dir.path().join("photo-logo.jpg");
    let img = image::RgbImage::from_fn(90, 30, |x, _| {
        if x < 45 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([20, 20, 20])
        }
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(&img)
        .unwrap();
    std::fs::write(&jpeg, &bytes).unwrap();
    let logo = Logo::load(&jpeg).unwrap();
    assert_eq!(
        (logo.format(), logo.size()),
        (iotlabel::logo::LogoFormat::Jpeg, (90.0, 30.0))
    );
    let sample = root().join("samples/camera.toml");
    let pdf = dir.path().join("l.pdf");
    let o = label_cmd(&sample, &["--logo", jpeg.to_str().unwrap()], &pdf);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(&pdf)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    let rows: Vec<&str> = list.lines().skip(2).collect();
    assert_eq!(rows.len(), 1, "{list}");
    assert!(
        rows[0].contains("90    30") && rows[0].contains(" jpeg "),
        "{list}"
    );
    let svg = dir.path().join("l.svg");
    assert!(
        label_cmd(&sample, &["--logo", jpeg.to_str().unwrap()], &svg)
            .status
            .success()
    );
    assert!(
        std::fs::read_to_string(&svg)
            .unwrap()
            .contains("data:image/jpeg;base64,/9j/")
    );
}

#[test]
fn a_sheet_draws_the_logo_on_every_label_and_embeds_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (svg_logo, png_logo) = logo_files(dir.path());
    let batch = dir.path().join("batch.csv");
    let sample = root().join("samples/thermostat.toml");
    std::fs::write(
        &batch,
        format!("declaration,quantity\n{},6\n", sample.display()),
    )
    .unwrap();
    for (logo, images) in [(&png_logo, 2), (&svg_logo, 0)] {
        let out = dir.path().join(format!("sheet-{}.pdf", images));
        let o = Command::cargo_bin("iotlabel")
            .unwrap()
            .arg("sheet")
            .arg(&batch)
            .args(["--stock", "avery-l7163", "--template", "strip", "--key"])
            .arg(demo_key())
            .arg("--allow-paths-outside")
            .arg("--logo")
            .arg(logo)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let list = std::process::Command::new("pdfimages")
            .arg("-list")
            .arg(&out)
            .output()
            .unwrap();
        let list = String::from_utf8_lossy(&list.stdout).into_owned();
        // pdfimages lists every use (image and soft mask); the object (column 11, the
        // image's for both) is the same for all six.
        let uses: Vec<Vec<&str>> = list
            .lines()
            .skip(2)
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(uses.len(), images * 6, "{list}");
        let objects: std::collections::BTreeSet<&str> = uses.iter().map(|u| u[10]).collect();
        assert_eq!(objects.len(), images.min(1), "{list}");
        if images == 0 {
            // The SVG logo's paths are one form, drawn six times.
            let qdf = dir.path().join("sheet.qdf");
            assert!(
                std::process::Command::new("qpdf")
                    .args(["--qdf", "--object-streams=disable"])
                    .arg(&out)
                    .arg(&qdf)
                    .status()
                    .unwrap()
                    .success()
            );
            let text = String::from_utf8_lossy(&std::fs::read(&qdf).unwrap()).into_owned();
            assert_eq!(text.matches("/Subtype /Form").count(), 1);
            assert_eq!(text.lines().filter(|l| l.ends_with(" Do")).count(), 6);
        }
        // Each of the first six cells holds a label whose QR decodes.
        let pages = common::render_pages(&out);
        let g = iotlabel::sheet::Stock::by_id("avery-l7163")
            .unwrap()
            .geometry(0.0);
        let px = |mm: f64| (mm * 300.0 / 25.4).round() as u32;
        for c in g.cells().iter().take(6) {
            let cell =
                image::imageops::crop_imm(&pages[0], px(c.x), px(c.y), px(c.w), px(c.h)).to_image();
            assert_eq!(decode(&cell).len(), 1, "cell at {:?}", (c.x, c.y));
        }
    }
}

/// ZPL has one ink: the logo is rasterised at the printer's resolution with the text
/// and thresholded. Rendered by labelize, its dots fill its rectangle and the QR (its
/// own bitmap, unchanged by the logo) decodes.
#[test]
fn zpl_prints_the_logo_in_black_and_white() {
    let dir = tempfile::tempdir().unwrap();
    let (_, png_logo) = logo_files(dir.path());
    let sample = root().join("samples/thermostat.toml");
    let plain = dir.path().join("plain.zpl");
    let with = dir.path().join("logo.zpl");
    assert!(
        label_cmd(&sample, &["-t", "panel"], &plain)
            .status
            .success()
    );
    let o = label_cmd(
        &sample,
        &["-t", "panel", "--logo", png_logo.to_str().unwrap()],
        &with,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (a, b) = (
        std::fs::read_to_string(&plain).unwrap(),
        std::fs::read_to_string(&with).unwrap(),
    );
    // The QR bitmap (the last field) is the same with and without the logo.
    let last = |z: &str| z.rsplit("^FO").next().unwrap().to_string();
    assert_eq!(last(&a), last(&b));
    let png = dir.path().join("logo.png");
    let out = std::process::Command::new("labelize")
        .arg("convert")
        .arg(&with)
        .arg("-o")
        .arg(&png)
        .args(["--dpmm", "8", "--width", "56", "--height", "100"])
        .output()
        .expect("labelize (installed by .ci/setup)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img = image::open(&png).unwrap().to_luma8();
    let signed = signed(&sample);
    assert_eq!(decode(&img), vec![signed.link().unwrap()]);
    let frame = make_label(
        &signed,
        &LabelSpec {
            layout: LabelOptions {
                logo: Some(Logo::load(&png_logo).unwrap()),
                dpi: Some(203.2),
                ..LabelOptions::default()
            },
            template: Template::by_name("panel").unwrap(),
            size: SizeChoice::Default,
            lang: "en".into(),
            ec: EcChoice::Auto,
            force: false,
        },
    )
    .unwrap()
    .frame;
    let r = the_logo(&frame).0;
    let dot = |mm: f64| (mm * 8.0) as u32;
    let (mut dark, mut all) = (0, 0);
    for y in dot(r.y) + 1..dot(r.bottom()) - 1 {
        for x in dot(r.x) + 1..dot(r.right()) - 1 {
            all += 1;
            dark += usize::from(img.get_pixel(x, y)[0] < 128);
        }
    }
    // Red and blue print black, the transparent stripes stay white: about 85 %.
    let share = dark as f64 / all as f64;
    assert!((0.7..0.97).contains(&share), "{dark} of {all} dots black");
}

#[test]
fn refusals_name_the_file_and_what_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (svg_logo, _) = logo_files(dir.path());
    let sample = root().join("samples/thermostat.toml");
    let out = dir.path().join("x.pdf");
    let run = |logo: &Path, template: &str| {
        let o = label_cmd(
            &sample,
            &["-t", template, "--logo", logo.to_str().unwrap()],
            &out,
        );
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a picture\n").unwrap();
    let (code, err) = run(&notes, "panel");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("notes.txt") && err.contains("PNG, JPEG or SVG"),
        "{err}"
    );
    let png = tall_png();
    let cut = dir.path().join("cut.png");
    std::fs::write(&cut, &png[..png.len() / 2]).unwrap();
    let (code, err) = run(&cut, "panel");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cut.png") && err.contains("PNG image cannot be decoded"),
        "{err}"
    );
    let broken = dir.path().join("broken.svg");
    std::fs::write(&broken, &WIDE_SVG[..60]).unwrap();
    let (code, err) = run(&broken, "panel");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("broken.svg") && err.contains("SVG cannot be read"),
        "{err}"
    );
    let (code, err) = run(&svg_logo, "square");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("square template has no logo region") && err.contains("panel"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn a_spot_colour_is_a_separation_in_the_pdf_and_its_alternate_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let sample = root().join("samples/thermostat.toml");
    let pdf = dir.path().join("spot.pdf");
    let colour = "PANTONE 286 C=100,66,0,2";
    for standard in [None, Some("x4")] {
        let mut args = vec!["-t", "panel", "--color", colour];
        if let Some(s) = standard {
            args.extend(["--pdf-standard", s]);
        }
        let o = label_cmd(&sample, &args, &pdf);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let qdf = dir.path().join("spot.qdf");
        assert!(
            std::process::Command::new("qpdf")
                .args(["--qdf", "--object-streams=disable"])
                .arg(&pdf)
                .arg(&qdf)
                .status()
                .unwrap()
                .success()
        );
        let content = String::from_utf8_lossy(&std::fs::read(&qdf).unwrap()).into_owned();
        // The name is written with its spaces escaped (#20), the alternate in CMYK.
        assert!(
            content.contains("/Separation") && content.contains("/PANTONE#20286#20C"),
            "{standard:?}: no Separation named PANTONE 286 C"
        );
        assert!(content.contains("/DeviceCMYK"), "CMYK alternate");
        assert!(content.contains("0 0 0 1 K"), "the QR stays 100 % K");
    }
    // SVG: the alternate's screen colour (100,66,0,2 → #0055fa).
    let svg = dir.path().join("spot.svg");
    assert!(
        label_cmd(&sample, &["-t", "panel", "--color", colour], &svg)
            .status
            .success()
    );
    let s = std::fs::read_to_string(&svg).unwrap();
    let (r, g, b) = iotlabel::layout::Cmyk {
        c: 100,
        m: 66,
        y: 0,
        k: 2,
    }
    .to_rgb();
    assert!(
        s.contains(&format!("#{r:02x}{g:02x}{b:02x}")),
        "alternate in SVG"
    );
    for (bad, says) in [
        ("=0,0,0,100", "spot colour name"),
        ("Black=0,0,0,100", "process ink"),
        ("PANTONE 286 C=100,66,0", "NAME=C,M,Y,K"),
    ] {
        let o = label_cmd(&sample, &["--color", bad], &svg);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{bad}: {err}");
    }
}
