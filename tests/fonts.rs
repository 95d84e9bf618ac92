//! User fonts (`--font REGULAR[,BOLD]`) and the bundled CJK fallback, through the real
//! command and the real backends: the PDF embeds a subset of each face used (pdffonts)
//! and keeps the words as text (pdftotext), the SVG names each run's family, the PNG and
//! the PDF draw the same face (their ink lines up), and every QR still decodes. The user
//! font fixtures are DejaVu Serif Condensed subsets (`tests/fonts/`, Bitstream Vera
//! licence with DejaVu changes in the public domain).

mod common;

use assert_cmd::Command;
use iotlabel::artwork::{LabelSpec, make_label};
use iotlabel::layout::{Frame, LabelOptions, Template, TextRun};
use iotlabel::render::{self, Format, RenderOptions};
use std::path::{Path, PathBuf};

const CHINESE: &str = "深圳市海康智能有限公司";
const JAPANESE: &str = "株式会社ノードライト";
const KOREAN: &str = "삼성전자";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fonts").join(name)
}

fn regular() -> PathBuf {
    fixture("DejaVuSerifCondensed-subset.ttf")
}

fn bold() -> PathBuf {
    fixture("DejaVuSerifCondensed-Bold-subset.ttf")
}

/// The thermostat sample with another manufacturer name, written into `dir`.
fn declaration(dir: &Path, manufacturer: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("samples/thermostat.toml")).unwrap();
    let text = text.replace(
        "manufacturer = \"Nordlicht Home GmbH\"",
        &format!("manufacturer = \"{manufacturer}\""),
    );
    assert!(text.contains(manufacturer));
    let path = dir.join("decl.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `iotlabel label DECL --key demo -o OUT ARGS…`; returns (success, stderr).
fn label(decl: &Path, out: &Path, args: &[&str]) -> (bool, String) {
    let o = Command::cargo_bin("iotlabel")
        .unwrap()
        .current_dir(root())
        .arg("label")
        .arg(decl)
        .arg("--key")
        .arg(common::demo_key())
        .arg("-o")
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr)
        .replace(['│', '×'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (o.status.success(), err)
}

fn font_arg(regular: &Path, bold: Option<&Path>) -> String {
    match bold {
        Some(b) => format!("{},{}", regular.display(), b.display()),
        None => regular.display().to_string(),
    }
}

/// Runs a poppler tool on `file`, with `after` following the file name (`-` sends
/// pdftotext's text to standard output); returns its standard output.
fn tool(name: &str, file: &Path, after: &[&str]) -> String {
    let o = std::process::Command::new(name)
        .arg(file)
        .args(after)
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed (.ci/setup installs poppler-utils): {e}"));
    assert!(o.status.success(), "{name} failed on {}", file.display());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// pdffonts rows as (name without the subset tag, embedded, subset).
fn pdf_fonts(pdf: &Path) -> Vec<(String, bool, bool)> {
    tool("pdffonts", pdf, &[])
        .lines()
        .skip(2)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let name = cols.first()?;
            let name = name.split_once('+').map_or(*name, |(_, n)| n).to_string();
            // name, type words…, encoding, emb, sub, uni, object, id
            let n = cols.len();
            Some((name, cols[n - 5] == "yes", cols[n - 4] == "yes"))
        })
        .collect()
}

fn decode(img: &image::GrayImage) -> String {
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

fn signed(decl: &Path) -> iotlabel::source::Signed {
    let opts = iotlabel::source::SourceOptions {
        key: Some(common::demo_key()),
        ..Default::default()
    };
    iotlabel::source::resolve(&decl.display().to_string(), &opts).unwrap()
}

/// A panel label of `decl` laid out with `fonts`.
fn frame(decl: &Path, fonts: Option<iotlabel::layout::UserFonts>) -> (Frame, String) {
    let s = signed(decl);
    let spec = LabelSpec {
        template: Template::resolve("panel").unwrap(),
        size: Default::default(),
        lang: "en".into(),
        ec: Default::default(),
        layout: LabelOptions {
            fonts,
            ..LabelOptions::default()
        },
        force: false,
    };
    (make_label(&s, &spec).unwrap().frame, s.link().unwrap())
}

/// Left and right edge (mm) of the dark pixels inside `run`'s box on a 300 dpi image.
fn ink_extent(img: &image::GrayImage, run: &TextRun) -> (f64, f64) {
    let px = |mm: f64| (mm * 300.0 / 25.4).round() as i64;
    let b = run.ink_box();
    let (x0, x1) = (px(b.x - 0.5), px(b.right() + 0.5));
    let (y0, y1) = (px(b.y), px(b.bottom()));
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for y in y0.max(0)..y1.min(i64::from(img.height())) {
        for x in x0.max(0)..x1.min(i64::from(img.width())) {
            if img.get_pixel(x as u32, y as u32).0[0] < 128 {
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
    }
    assert!(lo <= hi, "no ink for {:?}", run.text);
    let mm = |p: i64| p as f64 * 25.4 / 300.0;
    (mm(lo), mm(hi + 1))
}

/// The PDF (rasterised by poppler) and the PNG (resvg) of `frame` draw `run` with the
/// same face: the ink starts and ends at the same place (within 0.25 mm), and ends
/// near the measured width, which is the layout's.
fn same_ink_in_pdf_and_png(frame: &Frame, run: &TextRun, dir: &Path) {
    let pdf = dir.join("ink.pdf");
    std::fs::write(
        &pdf,
        render::render(frame, Format::Pdf, &RenderOptions::default()).unwrap(),
    )
    .unwrap();
    let pdf_img = common::render_pages(&pdf).remove(0);
    let png_img = render::png::render_luma(frame, &render::png::PngOptions { dpi: 300.0 }).unwrap();
    let (a, b) = (ink_extent(&pdf_img, run), ink_extent(&png_img, run));
    assert!(
        (a.0 - b.0).abs() < 0.25 && (a.1 - b.1).abs() < 0.25,
        "{:?}: PDF ink {a:?} mm, PNG ink {b:?} mm",
        run.text
    );
    let right = run.x_mm + run.width_mm;
    assert!(
        (a.1 - right).abs() < 0.6,
        "{:?}: ink ends at {:.2} mm, the layout measured {right:.2} mm",
        run.text,
        a.1
    );
}

#[test]
fn a_user_font_is_measured_embedded_and_drawn_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let decl = root().join("samples/thermostat.toml");
    let fonts = font_arg(&regular(), Some(&bold()));

    let pdf = dir.path().join("l.pdf");
    let (ok, err) = label(&decl, &pdf, &["--font", &fonts]);
    assert!(ok, "{err}");
    let listed = pdf_fonts(&pdf);
    for name in ["DejaVuSerifCondensed", "DejaVuSerifCondensed-Bold"] {
        assert!(
            listed.iter().any(|(n, emb, sub)| n == name && *emb && *sub),
            "{name} embedded and subset: {listed:?}"
        );
    }
    let text = tool("pdftotext", &pdf, &["-"]);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Nordlicht Home GmbH"), "{text}");
    assert!(text.contains("Therma T3"), "{text}");
    let (frame, link) = frame(
        &decl,
        Some(iotlabel::artwork::load_user_fonts(&regular(), Some(&bold())).unwrap()),
    );
    assert_eq!(decode(&common::render_pages(&pdf)[0]), link);

    let svg = dir.path().join("l.svg");
    let (ok, err) = label(&decl, &svg, &["--font", &fonts]);
    assert!(ok, "{err}");
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(
        svg.contains(r#"font-family="DejaVu Serif Condensed""#),
        "the SVG names the user's family"
    );

    let png = dir.path().join("l.png");
    let (ok, err) = label(&decl, &png, &["--font", &fonts]);
    assert!(ok, "{err}");
    let img = image::open(&png).unwrap().to_luma8();
    assert_eq!(decode(&img), link);

    // The layout measured with the user's faces (the condensed serif is narrower than DejaVu
    // Sans), and the PDF and the PNG draw them where it measured.
    let (plain, _) = self::frame(&decl, None);
    let name = |f: &Frame| {
        f.texts()
            .find(|t| t.text.starts_with("Nordlicht"))
            .cloned()
            .unwrap()
    };
    let (serif, sans) = (name(&frame), name(&plain));
    assert_eq!(serif.font.family(), "DejaVu Serif Condensed");
    assert_eq!(sans.font.family(), "DejaVu Sans");
    // Each run's width is its own face's measure of its text (at whatever size the
    // fit chose), and the condensed serif sets the same words narrower.
    for run in [&serif, &sans] {
        assert!((run.font.width_mm(&run.text, run.size_pt) - run.width_mm).abs() < 1e-9);
    }
    assert!(
        serif.font.width_mm(&serif.text, 7.0) < 0.97 * sans.font.width_mm(&sans.text, 7.0),
        "{serif:?} vs {sans:?}"
    );
    let headline = frame
        .texts()
        .find(|t| t.weight == iotlabel::layout::Weight::Bold)
        .unwrap();
    assert!(
        headline
            .font
            .origin()
            .ends_with("DejaVuSerifCondensed-Bold-subset.ttf")
    );
    same_ink_in_pdf_and_png(&frame, &serif, dir.path());
    same_ink_in_pdf_and_png(&frame, headline, dir.path());
}

#[test]
fn a_regular_font_alone_sets_both_weights_and_gaps_fall_back_to_dejavu() {
    let dir = tempfile::tempdir().unwrap();
    // The fixture has Latin-1 only: "→" and "ő" come from DejaVu Sans.
    let decl = declaration(dir.path(), "Kovács Erőmű → Home");
    let fonts = iotlabel::artwork::load_user_fonts(&regular(), None).unwrap();
    let (frame, _) = frame(&decl, Some(fonts));
    let bold: Vec<&TextRun> = frame
        .texts()
        .filter(|t| t.weight == iotlabel::layout::Weight::Bold)
        .collect();
    assert!(!bold.is_empty());
    assert!(
        bold.iter()
            .all(|t| t.font.family() == "DejaVu Serif Condensed")
    );
    let runs: Vec<(&str, &str)> = frame
        .texts()
        .filter(|t| t.baseline_mm == frame.texts().next().unwrap().baseline_mm)
        .map(|t| (t.text.as_str(), t.font.family()))
        .collect();
    // A space goes with the face before it when that face has one.
    assert_eq!(
        runs[..5],
        [
            ("Kovács Er", "DejaVu Serif Condensed"),
            ("ő", "DejaVu Sans"),
            ("m", "DejaVu Serif Condensed"),
            ("ű →", "DejaVu Sans"),
            ("Home ·\u{a0}Therma T3", "DejaVu Serif Condensed"),
        ],
        "{runs:?}"
    );
    // Each run starts where the one before ends (plus the space it carried).
    let line: Vec<&TextRun> = frame
        .texts()
        .filter(|t| t.baseline_mm == frame.texts().next().unwrap().baseline_mm)
        .collect();
    for pair in line.windows(2) {
        assert!(pair[1].x_mm >= pair[0].x_mm + pair[0].width_mm - 1e-9);
    }
    let pdf = dir.path().join("l.pdf");
    let (ok, err) = label(&decl, &pdf, &["--font", &font_arg(&regular(), None)]);
    assert!(ok, "{err}");
    let names: Vec<String> = pdf_fonts(&pdf).into_iter().map(|f| f.0).collect();
    assert!(
        names.contains(&"DejaVuSerifCondensed".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"DejaVuSans".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("Bold")), "{names:?}");
    let text = tool("pdftotext", &pdf, &["-"]);
    assert!(text.contains("Kovács Erőmű → Home"), "{text}");
}

#[test]
fn cjk_manufacturer_names_render_with_the_bundled_font() {
    let dir = tempfile::tempdir().unwrap();
    for name in [CHINESE, JAPANESE, KOREAN] {
        let decl = declaration(dir.path(), name);
        let pdf = dir.path().join("cjk.pdf");
        let (ok, err) = label(&decl, &pdf, &[]);
        assert!(ok, "{name}: {err}");
        let text = tool("pdftotext", &pdf, &["-"]);
        assert!(text.contains(name), "{name}: {text}");
        let listed = pdf_fonts(&pdf);
        assert!(
            listed
                .iter()
                .any(|(n, emb, sub)| n.starts_with("NotoSansCJKsc-Regular") && *emb && *sub),
            "{listed:?}"
        );
        let (frame, link) = frame(&decl, None);
        assert_eq!(decode(&common::render_pages(&pdf)[0]), link);

        let svg = dir.path().join("cjk.svg");
        let (ok, err) = label(&decl, &svg, &[]);
        assert!(ok, "{err}");
        let svg = std::fs::read_to_string(&svg).unwrap();
        assert!(
            svg.contains(&format!(r#"font-family="Noto Sans CJK SC">{name}</tspan>"#)),
            "{svg}"
        );
        // Outlined text draws the CJK glyphs too (a path per run, none empty).
        let outlined = dir.path().join("cjk-outlined.svg");
        let (ok, err) = label(&decl, &outlined, &["--outline-text"]);
        assert!(ok, "{err}");
        let outlined = std::fs::read_to_string(&outlined).unwrap();
        assert!(outlined.contains(&format!(r#"aria-label="{name}" d="M"#)));

        let png = dir.path().join("cjk.png");
        let (ok, err) = label(&decl, &png, &[]);
        assert!(ok, "{err}");
        assert_eq!(decode(&image::open(&png).unwrap().to_luma8()), link);
        let run = frame.texts().find(|t| t.text == name).expect("one run");
        assert_eq!(run.font.family(), "Noto Sans CJK SC");
        same_ink_in_pdf_and_png(&frame, run, dir.path());
    }
}

#[test]
fn cjk_lines_are_taller_and_stay_in_their_region() {
    let dir = tempfile::tempdir().unwrap();
    let (latin, _) = frame(&root().join("samples/thermostat.toml"), None);
    let (cjk, _) = frame(&declaration(dir.path(), CHINESE), None);
    let first = |f: &Frame| f.texts().next().unwrap().clone();
    let (l, c) = (first(&latin), first(&cjk));
    // Noto's ascender (1.16 em) is taller than DejaVu's (0.93 em) at the same size.
    assert!(c.ascent_mm / c.size_pt > 1.2 * l.ascent_mm / l.size_pt);
    for t in cjk.texts() {
        assert!(t.region.contains(&t.ink_box(), 1e-6), "{t:?}");
    }
}

#[test]
fn characters_no_font_has_are_named_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let decl = declaration(dir.path(), "कंपनी Ltd");
    let (ok, err) = label(&decl, &dir.path().join("x.pdf"), &[]);
    assert!(!ok);
    assert!(err.contains("U+0915"), "{err}");
    assert!(err.contains("--font"), "{err}");
    assert!(!dir.path().join("x.pdf").exists());
}

/// A copy of the regular fixture with its OS/2 `fsType` set to `fs`.
fn with_fs_type(fs: u16) -> Vec<u8> {
    let mut bytes = std::fs::read(regular()).unwrap();
    let tables = u16::from_be_bytes([bytes[4], bytes[5]]) as usize;
    let record = (0..tables)
        .map(|i| 12 + 16 * i)
        .find(|r| &bytes[*r..*r + 4] == b"OS/2")
        .expect("an OS/2 table");
    let offset = u32::from_be_bytes(bytes[record + 8..record + 12].try_into().unwrap()) as usize;
    bytes[offset + 8..offset + 10].copy_from_slice(&fs.to_be_bytes());
    bytes
}

#[test]
fn bad_font_files_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let decl = root().join("samples/thermostat.toml");
    let out = dir.path().join("x.pdf");

    let text = dir.path().join("Brand-Regular.ttf");
    std::fs::write(&text, "this is a text file, not a font\n").unwrap();
    let (ok, err) = label(&decl, &out, &["--font", &text.display().to_string()]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "{} is not a TrueType or OpenType font",
            text.display()
        )),
        "{err}"
    );

    let restricted = dir.path().join("Restricted.ttf");
    std::fs::write(&restricted, with_fs_type(0x0002)).unwrap();
    let (ok, err) = label(&decl, &out, &["--font", &restricted.display().to_string()]);
    assert!(!ok);
    assert!(err.contains(&restricted.display().to_string()), "{err}");
    assert!(err.contains("may not be embedded"), "{err}");
    assert!(err.contains("0x0002"), "{err}");
    // "Print & preview" alongside the restricted bit is allowed (OS/2 version < 3 takes
    // the most permissive flag).
    let preview = dir.path().join("Preview.ttf");
    std::fs::write(&preview, with_fs_type(0x0004)).unwrap();
    let (ok, err) = label(&decl, &out, &["--font", &preview.display().to_string()]);
    assert!(ok, "{err}");

    // A missing bold file is named; the regular one was fine.
    let missing = dir.path().join("Brand-Bold.ttf");
    let (ok, err) = label(
        &decl,
        &dir.path().join("y.pdf"),
        &["--font", &font_arg(&regular(), Some(&missing))],
    );
    assert!(!ok);
    assert!(
        err.contains(&format!("{}: no such file", missing.display())),
        "{err}"
    );

    let (ok, err) = label(&decl, &out, &["--font", ","]);
    assert!(!ok);
    assert!(err.contains("expected REGULAR or REGULAR,BOLD"), "{err}");
}

#[test]
fn a_sheet_embeds_the_user_font_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sheet.pdf");
    let o = Command::cargo_bin("iotlabel")
        .unwrap()
        .current_dir(root())
        .args([
            "sheet",
            "samples/batch.csv",
            "--stock",
            "avery-l7165",
            "--key",
        ])
        .arg(common::demo_key())
        .arg("-o")
        .arg(&out)
        .arg("--font")
        .arg(font_arg(&regular(), Some(&bold())))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let names: Vec<String> = pdf_fonts(&out).into_iter().map(|f| f.0).collect();
    let count = |n: &str| names.iter().filter(|x| *x == n).count();
    assert_eq!(count("DejaVuSerifCondensed"), 1, "{names:?}");
    assert_eq!(count("DejaVuSerifCondensed-Bold"), 1, "{names:?}");
    let text = tool("pdftotext", &out, &["-"]);
    assert!(text.contains("Therma T3"), "{text}");
}
