//! Label layout and rendering, end to end: real summaries from the phrase catalogue,
//! every template at its default and at a small size, every backend, and every QR read
//! back with a real decoder (rxing) from a real rasterisation (poppler, resvg).

use std::process::Command;

use iotlabel::declaration::{self, CheckOptions};
use iotlabel::layout::{self, Frame, Item, LabelContent, QrModules, SizeMm, Template};
use iotlabel::payload::Facts;
use iotlabel::render::{self, Format, RenderOptions, pdf, png, svg};
use iotlabel::summary::{Catalogue, summarize};

const LINK: &str = "https://acme.example/u#0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678";

fn qr_modules(text: &str) -> QrModules {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).unwrap();
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    QrModules { width, dark }
}

fn declaration(extra: &str) -> String {
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/declaration-template.toml"
    ))
    .unwrap();
    format!("{base}\n{extra}")
}

fn content(lang: &str, decl_text: &str) -> LabelContent {
    let d = declaration::parse_str(
        decl_text,
        declaration::Format::Toml,
        "test.toml",
        &CheckOptions::default(),
    )
    .unwrap();
    let facts = Facts::from_declaration(&d);
    let summary = summarize(&facts, &Catalogue::built_in(lang).unwrap()).unwrap();
    LabelContent::from_summary(&summary, qr_modules(LINK), "acme.example/u")
}

fn en() -> LabelContent {
    content("en", &declaration(""))
}

fn decode_luma(img: &image::GrayImage) -> String {
    let (w, h) = img.dimensions();
    rxing::helpers::detect_in_luma(
        img.as_raw().clone(),
        w,
        h,
        Some(rxing::BarcodeFormat::QR_CODE),
    )
    .expect("QR decodes")
    .getText()
    .to_string()
}

fn decode_png(bytes: &[u8]) -> String {
    decode_luma(&image::load_from_memory(bytes).unwrap().to_luma8())
}

fn tool(name: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// PDF → pdftoppm at `dpi` → PNG bytes.
fn rasterise_pdf(pdf_bytes: &[u8], dpi: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("in.pdf");
    std::fs::write(&p, pdf_bytes).unwrap();
    let prefix = dir.path().join("out");
    let (ok, log) = tool(
        "pdftoppm",
        &[
            "-r",
            &dpi.to_string(),
            "-png",
            "-gray",
            "-singlefile",
            p.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    assert!(ok, "{log}");
    std::fs::read(dir.path().join("out.png")).unwrap()
}

fn pdf_tool(name: &str, pdf_bytes: &[u8], extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("in.pdf");
    std::fs::write(&p, pdf_bytes).unwrap();
    let mut args: Vec<&str> = extra.to_vec();
    args.push(p.to_str().unwrap());
    if name == "pdftotext" {
        args.push("-");
    }
    let (ok, log) = tool(name, &args);
    assert!(ok, "{name}: {log}");
    log
}

/// MediaBox of the single page, in points.
fn media_box(pdf_bytes: &[u8]) -> (f64, f64) {
    let info = pdf_tool("pdfinfo", pdf_bytes, &[]);
    let line = info.lines().find(|l| l.starts_with("Page size:")).unwrap();
    let nums: Vec<f64> = line
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    (nums[0], nums[1])
}

fn assert_geometry(frame: &Frame, what: &str) {
    let bounds = frame.bounds();
    let qr = frame.qrs().next().map(|q| q.rect());
    let texts: Vec<_> = frame.texts().collect();
    assert!(!texts.is_empty(), "{what}: no text");
    for t in &texts {
        let b = t.ink_box();
        assert!(
            t.region.contains(&b, 1e-6),
            "{what}: {:?} leaves its region {:?}",
            t.text,
            t.region
        );
        assert!(
            bounds.contains(&b, 1e-6),
            "{what}: {:?} leaves the frame",
            t.text
        );
        assert!(
            t.size_pt >= 6.0 - 1e-9,
            "{what}: {:?} at {} pt",
            t.text,
            t.size_pt
        );
        if let Some(q) = qr {
            assert!(
                !q.overlaps(&b, 1e-6),
                "{what}: {:?} overlaps the QR",
                t.text
            );
        }
    }
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i + 1..] {
            assert!(
                !a.ink_box().overlaps(&b.ink_box(), 1e-6),
                "{what}: {:?} overlaps {:?}",
                a.text,
                b.text
            );
        }
    }
    if let Some(q) = qr {
        assert!(bounds.contains(&q, 1e-6), "{what}: QR leaves the frame");
        for item in &frame.items {
            if let Item::Fill(r) = item {
                assert!(
                    !q.overlaps(r, 1e-6),
                    "{what}: a rule enters the QR quiet zone"
                );
            }
        }
    }
    let m = frame.qrs().next().unwrap().module_mm;
    assert!(
        m >= 0.25 - 1e-9,
        "{what}: module {m} mm below the print minimum"
    );
}

/// Five sizes per template besides its default: a tighter one, a 38 mm square cell, a
/// 100 × 150 mm box side, a 4 × 6 in roll label, and twice the default.
fn sizes(t: &Template) -> Vec<SizeMm> {
    let tight = match t.name.as_str() {
        "panel" => "52x90mm",
        "compact" => "58x29mm",
        "strip" => "84x28mm",
        _ => "38.1x38.1mm",
    };
    let mut v: Vec<SizeMm> = [tight, "38.1x38.1mm", "100x150mm", "4x6in"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    v.push(SizeMm {
        width_mm: 2.0 * t.width_mm,
        height_mm: 2.0 * t.height_mm,
    });
    v
}

#[test]
fn every_template_fits_without_overlap_at_default_and_other_sizes() {
    let c = en();
    for t in Template::all().unwrap() {
        let default = layout::label_from_content(&c, &t, None).unwrap();
        assert_geometry(&default, &t.name);
        let base_module = default.qrs().next().unwrap().module_mm;
        assert!(
            (base_module - layout::SCAN_MODULE_MM).abs() < 1e-9,
            "{}",
            t.name
        );
        for s in sizes(&t) {
            let what = format!("{} at {s}", t.name);
            let frame = match layout::label_from_content(&c, &t, Some(s)) {
                Ok(f) => f,
                // A template whose QR sits beside the words cannot use a square cell
                // the QR alone fills: it must say so, not shrink the QR.
                Err(e @ layout::LayoutError::DoesNotFit { .. }) if s.width_mm < 40.0 => {
                    assert!(t.name != "square", "{what}: {e}");
                    continue;
                }
                Err(e) => panic!("{what}: {e}"),
            };
            assert_geometry(&frame, &what);
            assert_eq!((frame.width_mm, frame.height_mm), (s.width_mm, s.height_mm));
            let q = frame.qrs().next().unwrap();
            let grow = (s.width_mm / t.width_mm).min(s.height_mm / t.height_mm);
            if grow >= 1.4 {
                // A larger label gets a larger QR (up to 0.6 mm modules or half the
                // short side, whichever is bigger) and larger type.
                assert!(
                    q.module_mm > base_module + 0.1,
                    "{what}: module {}",
                    q.module_mm
                );
                let cap = (layout::MAX_AUTO_MODULE_MM * q.side_mm() / q.module_mm)
                    .max(0.5 * s.width_mm.min(s.height_mm));
                assert!(q.side_mm() <= cap + 1e-6, "{what}: QR {} mm", q.side_mm());
                let biggest = |f: &Frame| f.texts().map(|r| r.size_pt).fold(0.0, f64::max);
                assert!(
                    biggest(&frame) > biggest(&default) * 1.2,
                    "{what}: text did not grow"
                );
            }
        }
    }
}

#[test]
fn every_language_fits_every_template_or_names_a_size_that_does() {
    // Some catalogues are longer than English: a label that does not fit at the default
    // size must say so and name a size at which it does fit, and that size must work.
    for lang in Catalogue::languages() {
        let c = content(lang, &declaration(""));
        for t in Template::all().unwrap() {
            let what = format!("{lang} {}", t.name);
            let frame = match layout::label_from_content(&c, &t, None) {
                Ok(f) => f,
                Err(layout::LayoutError::DoesNotFit {
                    suggestion: Some(s),
                    ..
                }) => layout::label_from_content(&c, &t, Some(s))
                    .unwrap_or_else(|e| panic!("{what} at {s}: {e}")),
                Err(e) => panic!("{what}: {e}"),
            };
            assert_geometry(&frame, &what);
        }
    }
}

#[test]
fn too_small_says_what_and_by_how_much() {
    let c = en();
    let panel = Template::by_name("panel").unwrap();
    let e = layout::label_from_content(&c, &panel, Some("56x60mm".parse().unwrap())).unwrap_err();
    let msg = e.to_string();
    let layout::LayoutError::DoesNotFit {
        over_mm,
        suggestion: Some(fits),
        ..
    } = e
    else {
        panic!("{msg}")
    };
    // The shortfall is real and is the number the message gives.
    assert!(over_mm > 1.0, "{msg}");
    assert!(msg.contains(&format!("over by {over_mm:.1} mm")), "{msg}");
    // The suggested size fits, and is at least the shortfall taller.
    assert!(fits.height_mm >= 60.0 + over_mm - 0.5, "{msg}");
    layout::label_from_content(&c, &panel, Some(fits)).unwrap();
    let strip = Template::by_name("strip").unwrap();
    let e = layout::label_from_content(&c, &strip, Some("60x12mm".parse().unwrap())).unwrap_err();
    assert!(matches!(e, layout::LayoutError::QrDoesNotFit { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("at 0.42 mm need 23.9 mm, only 11.4 mm available"),
        "{e}"
    );
    // The error names a size at which the QR and the words fit.
    let layout::LayoutError::QrDoesNotFit {
        suggestion: Some(s),
        ..
    } = e
    else {
        panic!("no suggestion: {e}")
    };
    layout::label_from_content(&c, &strip, Some(s)).unwrap();
}

#[test]
fn label_pdf_is_exact_size_with_subset_fonts_text_and_a_scannable_qr() {
    let c = en();
    for t in Template::all().unwrap() {
        let frame = layout::label_from_content(&c, &t, None).unwrap();
        let bytes = render::render(&frame, Format::Pdf, &RenderOptions::default()).unwrap();
        let (w, h) = media_box(&bytes);
        assert!(
            (w - t.width_mm * 72.0 / 25.4).abs() < 0.01
                && (h - t.height_mm * 72.0 / 25.4).abs() < 0.01
        );
        let fonts = pdf_tool("pdffonts", &bytes, &[]);
        assert!(
            fonts.contains("DejaVuSans") && fonts.contains('+'),
            "{fonts}"
        );
        for line in fonts.lines().filter(|l| l.contains("DejaVu")) {
            assert!(
                line.contains(" yes yes "),
                "font not embedded+subset: {line}"
            );
        }
        let text = pdf_tool("pdftotext", &bytes, &[]);
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&c.support), "{}: {flat}", t.name);
        if t.blocks.iter().any(|b| b.text.contains("{ui.declaration}")) {
            // As set: with the typographic apostrophe.
            let declaration = layout::typo::typeset(&c.declaration, "en");
            assert!(flat.contains(&declaration), "{}: {flat}", t.name);
            assert!(declaration.contains('’'));
        }
        let (ok, log) = {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("l.pdf");
            std::fs::write(&p, &bytes).unwrap();
            tool("qpdf", &["--check", p.to_str().unwrap()])
        };
        assert!(ok, "qpdf: {log}");
        assert_eq!(decode_png(&rasterise_pdf(&bytes, 300)), LINK, "{}", t.name);
    }
}

#[test]
fn label_svg_and_png_round_trip() {
    let c = en();
    for t in Template::all().unwrap() {
        let frame = layout::label_from_content(&c, &t, None).unwrap();
        for outline in [false, true] {
            let s = svg::render(
                &frame,
                &svg::SvgOptions {
                    outline_text: outline,
                },
            );
            assert!(
                s.contains(&format!(r#"width="{}mm""#, t.width_mm)),
                "{}",
                &s[..200]
            );
            assert!(s.contains(&format!(r#"height="{}mm""#, t.height_mm)));
            assert_eq!(s.contains("<text"), !outline);
            let tree = resvg::usvg::Tree::from_str(&s, &resvg::usvg::Options::default()).unwrap();
            let mut pm = resvg::tiny_skia::Pixmap::new(600, 600).unwrap();
            pm.fill(resvg::tiny_skia::Color::WHITE);
            let k = 590.0 / tree.size().width().max(tree.size().height());
            resvg::render(
                &tree,
                resvg::tiny_skia::Transform::from_scale(k, k),
                &mut pm.as_mut(),
            );
            let luma = image::GrayImage::from_raw(
                600,
                600,
                pm.data().chunks_exact(4).map(|p| p[1]).collect(),
            )
            .unwrap();
            assert_eq!(decode_luma(&luma), LINK);
        }
        let p = png::render(&frame, &png::PngOptions { dpi: 300.0 }).unwrap();
        assert_eq!(p.width_px, (t.width_mm * 300.0 / 25.4).round() as u32);
        assert_eq!(decode_png(&p.bytes), LINK, "{}", t.name);
    }
}

#[test]
fn accented_text_renders_with_real_glyphs() {
    // French, German and Spanish words with é, ß, ñ come back out of the PDF as text.
    let mut c = content("de", &declaration(""));
    c.model = "Größe Señal Café".into();
    c.statements.truncate(3); // keep the German panel within its default size
    let t = Template::by_name("panel").unwrap();
    let frame = layout::label_from_content(&c, &t, None).unwrap();
    let bytes = render::render(&frame, Format::Pdf, &RenderOptions::default()).unwrap();
    let text = pdf_tool("pdftotext", &bytes, &[])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for w in ["Größe", "Señal", "Café"] {
        assert!(text.contains(w), "{w} missing: {text}");
    }
    assert!(text.contains(&c.support), "{text}");
}

#[test]
fn no_updates_device_says_so_first() {
    let d = declaration::load(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/smart-bulb.toml"
        )),
        &CheckOptions::lenient(),
    )
    .unwrap();
    assert!(!d.updates.security_updates);
    let summary = summarize(
        &Facts::from_declaration(&d),
        &Catalogue::built_in("en").unwrap(),
    )
    .unwrap();
    let c = LabelContent::from_summary(&summary, qr_modules(LINK), "acme.example/u");
    assert_eq!(c.headline, "No security updates");
    let identity = format!("{} · {}", c.manufacturer, c.model);
    for t in Template::all().unwrap() {
        let frame = layout::label_from_content(&c, &t, None).unwrap();
        // Reading order: top to bottom, then left to right.
        let mut runs: Vec<&layout::TextRun> = frame.texts().collect();
        runs.sort_by(|a, b| {
            (a.baseline_mm, a.x_mm)
                .partial_cmp(&(b.baseline_mm, b.x_mm))
                .unwrap()
        });
        let first = runs
            .iter()
            .position(|r| r.weight == layout::Weight::Bold)
            .unwrap_or_else(|| panic!("{}: no bold text", t.name));
        // Only the product's identity may come before the headline.
        let plain = |t: &str| t.replace(['\u{a0}', '\u{202f}'], " ");
        for r in &runs[..first] {
            assert!(
                identity.contains(&plain(&r.text)),
                "{}: {:?} comes before the headline",
                t.name,
                r.text
            );
        }
        // The headline is the first bold text, whole: its lines joined are exactly it.
        let headline: Vec<String> = runs[first..]
            .iter()
            .take_while(|r| r.weight == layout::Weight::Bold)
            .map(|r| plain(&r.text))
            .collect();
        assert_eq!(headline.join(" "), c.headline, "{}", t.name);
    }
}

#[test]
fn pdf_output_is_deterministic_and_ink_is_selectable() {
    let frame =
        layout::label_from_content(&en(), &Template::by_name("compact").unwrap(), None).unwrap();
    let a = pdf::single_page(&frame, &pdf::PdfOptions::default()).unwrap();
    let b = pdf::single_page(&frame, &pdf::PdfOptions::default()).unwrap();
    assert_eq!(a, b);
    let rgb = pdf::single_page(
        &frame,
        &pdf::PdfOptions {
            ink: pdf::Ink::Rgb,
            ..Default::default()
        },
    )
    .unwrap();
    assert_ne!(a, rgb);
    assert_eq!(decode_png(&rasterise_pdf(&rgb, 300)), LINK);
}

#[test]
fn qr_artwork_round_trips_in_every_format_at_exact_size() {
    let m = qr_modules(LINK);
    assert_eq!(m.width, 49, "test link should need version 8");
    let frame = layout::qr_artwork_from_modules(m.clone(), 0.4, 4);
    let side = 57.0 * 0.4;
    // PDF
    let bytes = pdf::single_page(&frame, &pdf::PdfOptions::default()).unwrap();
    let (w, h) = media_box(&bytes);
    assert!((w - side * 72.0 / 25.4).abs() < 0.01 && (h - side * 72.0 / 25.4).abs() < 0.01);
    assert_eq!(decode_png(&rasterise_pdf(&bytes, 300)), LINK);
    // SVG: one path, small
    let s = svg::render(&frame, &svg::SvgOptions::default());
    assert_eq!(s.matches("<path").count(), 1);
    assert!(s.contains(r#"width="22.8mm""#) && s.contains(r#"height="22.8mm""#));
    let d = svg::qr_path(&m);
    eprintln!(
        "v8 QR SVG: {} bytes, path data {} bytes, {} subpaths, {} h/v",
        s.len(),
        d.len(),
        d.matches('z').count(),
        d.matches('h').count() + d.matches('v').count()
    );
    // One outline per connected shape: ~1,600 corners for a dense v8 symbol, about
    // 2.7 bytes each (docs/labels.md); about a fifth of one-rect-per-module SVG.
    assert!(s.len() < 5000, "v8 QR SVG is {} bytes", s.len());
    // PNG with modules on whole pixels: every module is a uniform block, so the
    // rasterised matrix equals the symbol exactly.
    let (px, eff) = layout::snap_module_to_pixels(0.4, 300.0);
    let snapped = layout::qr_artwork_from_modules(m.clone(), eff, 4);
    let luma = png::render_luma(&snapped, &png::PngOptions { dpi: 300.0 }).unwrap();
    assert_eq!(luma.width(), 57 * px);
    for y in 0..57 * px {
        for x in 0..57 * px {
            let (mx, my) = ((x / px) as isize - 4, (y / px) as isize - 4);
            let dark = mx >= 0 && my >= 0 && m.is_dark(mx as usize, my as usize);
            let v = luma.get_pixel(x, y).0[0];
            assert!(
                if dark { v == 0 } else { v == 255 },
                "pixel ({x},{y}) = {v}, module dark={dark}"
            );
        }
    }
    assert_eq!(decode_luma(&luma), LINK);
}

/// The previews in docs/ and the README are what the code draws today: each template's
/// label of the thermostat sample (signed with the demo key, as the README's command
/// does), as a 300 dpi PNG, byte for byte. When a layout change is intended, the test
/// writes the new previews next to the old ones (`*.new.png`) to look at and copy over.
#[test]
fn previews_in_the_docs_are_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let opts = iotlabel::source::SourceOptions {
        key: Some(root.join("samples/keys/demo.pem")),
        check: Some(CheckOptions::lenient()),
        ..Default::default()
    };
    let signed = iotlabel::source::resolve(
        root.join("samples/thermostat.toml").to_str().unwrap(),
        &opts,
    )
    .unwrap();
    let mut stale = Vec::new();
    for t in Template::all().unwrap() {
        let spec = iotlabel::artwork::LabelSpec {
            layout: layout::LabelOptions {
                outline: t.outline,
                dpi: Some(300.0),
                ..layout::LabelOptions::default()
            },
            template: t.clone(),
            size: iotlabel::artwork::SizeChoice::Default,
            lang: "en".into(),
            ec: iotlabel::artwork::EcChoice::Auto,
            force: false,
        };
        let made = iotlabel::artwork::make_label(&signed, &spec).unwrap();
        let png = png::render(&made.frame, &png::PngOptions { dpi: 300.0 }).unwrap();
        let path = root.join(format!("docs/previews/{}.png", t.name));
        if std::fs::read(&path).ok().as_deref() != Some(png.bytes.as_slice()) {
            let new = root.join(format!("target/previews/{}.new.png", t.name));
            std::fs::create_dir_all(new.parent().unwrap()).unwrap();
            std::fs::write(&new, &png.bytes).unwrap();
            stale.push(format!("{} (new: {})", path.display(), new.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "previews out of date; look at and copy the new ones:\n{}",
        stale.join("\n")
    );
}

#[test]
fn svg_sets_each_paragraph_as_one_text_element() {
    let c = en();
    let t = Template::by_name("panel").unwrap();
    let frame = layout::label_from_content(&c, &t, None).unwrap();
    let paras: std::collections::BTreeSet<usize> = frame.texts().map(|r| r.para).collect();
    let s = svg::render(
        &frame,
        &svg::SvgOptions {
            outline_text: false,
        },
    );
    assert_eq!(s.matches("<text ").count(), paras.len(), "{s}");
    assert_eq!(s.matches("<tspan ").count(), frame.texts().count());
    // A wrapped statement is one <text> with several lines in it.
    let multi = s
        .split("<text ")
        .skip(1)
        .filter(|t| {
            t.split("</text>")
                .next()
                .unwrap_or("")
                .matches("<tspan")
                .count()
                >= 3
        })
        .count();
    assert!(multi >= 1, "no paragraph with several lines: {s}");
}
