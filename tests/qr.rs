//! QR symbols and reading them back: every symbol is rasterised here (independently of
//! the library's renderers) and decoded with rxing; segment plans and version choices
//! are checked against the `qrcode` crate's own bit packing; print rules at their edges;
//! and images (clean, degraded, several codes, junk) through `scan`.

mod common;
use iotlabel::link::{BaseUrl, PayloadForm, format_link};
use iotlabel::qr::*;
use iotlabel::scan::{ScanError, decode_image_bytes, decode_luma};
use qrcode::bits::Bits;
use qrcode::types::Version;

/// A stand-in COSE_Sign1 of realistic size (first byte 0x84 like the real thing).
fn fake_cose(len: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..len).map(|i| (i * 151 + 7) as u8).collect();
    v[0] = 0x84;
    v
}

/// "https://iot.example/" is the 20-character base URL used for sizes in the docs.
fn base20() -> BaseUrl {
    BaseUrl::parse("https://iot.example/").unwrap()
}

fn links() -> Vec<String> {
    let mut v = vec![
        "https://a.example/#132".to_string(),
        format_link(&base20(), &fake_cose(120), PayloadForm::Digits),
        format_link(&base20(), &fake_cose(128), PayloadForm::Digits),
        format_link(&base20(), &fake_cose(150), PayloadForm::Digits),
        format_link(&base20(), &fake_cose(125), PayloadForm::Base64Url),
        format_link(
            &BaseUrl::gs1(
                &BaseUrl::parse("https://id.acme.example").unwrap(),
                "4006381333931",
            )
            .unwrap(),
            &fake_cose(125),
            PayloadForm::Digits,
        ),
        "https://acme.example/Mixed/Case/Path".to_string(),
    ];
    v.push(format!("HTTPS://ACME.EXAMPLE/U#{}", "0".repeat(17)));
    v
}

/// Renders the module matrix to 8-bit gray: `px` pixels per module, `qz` modules of
/// quiet zone, dark = 0, light = 255.
fn rasterise(sym: &QrSymbol, px: usize, qz: usize) -> (u32, Vec<u8>) {
    let n = (sym.width + 2 * qz) * px;
    let mut out = vec![255u8; n * n];
    for y in 0..n {
        for x in 0..n {
            let (mx, my) = ((x / px).wrapping_sub(qz), (y / px).wrapping_sub(qz));
            if sym.is_dark(mx, my) {
                out[y * n + x] = 0;
            }
        }
    }
    (n as u32, out)
}

/// Decodes with rxing directly (not through the library's scan module).
fn rxing_decode(w: u32, h: u32, luma: Vec<u8>) -> String {
    rxing::helpers::detect_in_luma(luma, w, h, Some(rxing::BarcodeFormat::QR_CODE))
        .expect("rxing decodes the symbol")
        .getText()
        .to_string()
}

/// Pushes the library's segment plan into qrcode's own Bits at `version`.
fn qrcode_bits(
    text: &str,
    version: u8,
    ec: EcLevel,
    all_byte: bool,
) -> Result<Bits, qrcode::types::QrError> {
    let mut bits = Bits::new(Version::Normal(version as i16));
    if all_byte {
        bits.push_byte_data(text.as_bytes())?;
    } else {
        for s in segment_plan(text).unwrap() {
            match s {
                Segment::Byte(t) => bits.push_byte_data(t.as_bytes())?,
                Segment::Numeric(d) => bits.push_numeric_data(d.as_bytes())?,
            }
        }
    }
    let qec = match ec {
        EcLevel::L => qrcode::EcLevel::L,
        EcLevel::M => qrcode::EcLevel::M,
        EcLevel::Q => qrcode::EcLevel::Q,
        EcLevel::H => qrcode::EcLevel::H,
    };
    bits.push_terminator(qec)?;
    Ok(bits)
}

fn fits(text: &str, version: u8, ec: EcLevel, all_byte: bool) -> bool {
    qrcode_bits(text, version, ec, all_byte).is_ok()
}

#[test]
fn every_link_round_trips_through_rxing_at_every_ec_level() {
    for link in links() {
        for ec in EcLevel::ALL {
            let sym = encode(&link, ec, None).unwrap();
            assert_eq!(sym.width, 17 + 4 * sym.version as usize);
            assert_eq!(sym.ec, ec);
            let (n, luma) = rasterise(&sym, 4, 4);
            assert_eq!(rxing_decode(n, n, luma), link, "v{} {ec}", sym.version);
        }
    }
}

#[test]
fn chosen_version_is_the_smallest_that_fits() {
    for link in links() {
        for ec in EcLevel::ALL {
            let sym = encode(&link, ec, None).unwrap();
            assert!(
                fits(&link, sym.version, ec, false),
                "{link} must fit v{}",
                sym.version
            );
            if sym.version > 1 {
                assert!(
                    !fits(&link, sym.version - 1, ec, false),
                    "{link} must not fit v{}",
                    sym.version - 1
                );
                let err = encode(&link, ec, Some(sym.version - 1)).unwrap_err();
                assert!(
                    matches!(err, QrError::VersionTooSmall { smallest, .. } if smallest == sym.version)
                );
            }
            assert_eq!(min_version(&link, ec).unwrap(), sym.version);
        }
    }
}

#[test]
fn digit_links_use_byte_plus_numeric_segments() {
    let link = format_link(&base20(), &fake_cose(125), PayloadForm::Digits);
    let segs = segment_plan(&link).unwrap();
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0], Segment::Byte("https://iot.example/#"));
    assert!(matches!(segs[1], Segment::Numeric(d) if d.len() == 304));
    // base64url, no fragment, or junk after digits: one byte segment.
    for t in [
        "https://iot.example/#hEOh",
        "https://iot.example/",
        "https://a/#12a",
        "https://a/#",
    ] {
        assert_eq!(segment_plan(t).unwrap(), vec![Segment::Byte(t)]);
    }
}

#[test]
fn byte_plus_numeric_is_never_larger_than_all_byte() {
    for len in [20, 60, 100, 120, 128, 140, 150, 200, 300] {
        let link = format_link(&base20(), &fake_cose(len), PayloadForm::Digits);
        for ec in EcLevel::ALL {
            let ours = encode(&link, ec, None).unwrap().version;
            let all_byte = (1..=40).find(|&v| fits(&link, v, ec, true));
            // If all-byte does not fit at all, ours is trivially smaller.
            if let Some(v) = all_byte {
                assert!(ours <= v, "{len} B {ec}: ours v{ours}, all-byte v{v}");
            }
        }
    }
}

#[test]
fn fixed_version_is_honoured_or_refused_with_numbers() {
    let link = format_link(&base20(), &fake_cose(125), PayloadForm::Digits);
    let sym = encode(&link, EcLevel::M, Some(12)).unwrap();
    assert_eq!((sym.version, sym.width), (12, 65));
    let (n, luma) = rasterise(&sym, 3, 4);
    assert_eq!(rxing_decode(n, n, luma), link);

    let err = encode(&link, EcLevel::M, Some(3)).unwrap_err();
    let QrError::VersionTooSmall {
        needed_bits,
        capacity_bits,
        ..
    } = err.clone()
    else {
        panic!("{err:?}")
    };
    assert_eq!(capacity_bits, qrcode_capacity(3, qrcode::EcLevel::M));
    assert!(needed_bits > capacity_bits);
    let msg = err.to_string();
    assert!(
        msg.contains(&needed_bits.to_string()) && msg.contains(&capacity_bits.to_string()),
        "{msg}"
    );
    assert!(matches!(
        encode(&link, EcLevel::M, Some(0)),
        Err(QrError::InvalidVersion { version: 0 })
    ));
    assert!(matches!(
        encode(&link, EcLevel::M, Some(41)),
        Err(QrError::InvalidVersion { version: 41 })
    ));
}

fn qrcode_capacity(v: i16, ec: qrcode::EcLevel) -> usize {
    Bits::new(Version::Normal(v)).max_len(ec).unwrap()
}

#[test]
fn invalid_text_is_refused_before_the_encoder() {
    assert_eq!(encode("", EcLevel::M, None), Err(QrError::Empty));
    assert_eq!(
        encode("https://a.example/ü#1", EcLevel::M, None),
        Err(QrError::NotPrintable {
            ch: 'ü',
            position: 19
        })
    );
    assert!(matches!(
        encode("https://a/#1\n", EcLevel::M, None),
        Err(QrError::NotPrintable { ch: '\n', .. })
    ));
    let huge = format!("https://a.example/#{}", "7".repeat(8000));
    assert!(matches!(
        encode(&huge, EcLevel::L, None),
        Err(QrError::TooLong { .. })
    ));
}

#[test]
fn ec_level_parses_and_displays() {
    for ec in EcLevel::ALL {
        assert_eq!(ec.to_string().parse::<EcLevel>().unwrap(), ec);
        assert_eq!(
            ec.to_string().to_lowercase().parse::<EcLevel>().unwrap(),
            ec
        );
    }
    assert!("X".parse::<EcLevel>().is_err());
    assert_eq!(EcLevel::default(), EcLevel::M);
}

#[test]
fn runs_cover_exactly_the_dark_modules() {
    let sym = encode(&links()[2], EcLevel::M, None).unwrap();
    let mut grid = vec![false; sym.width * sym.width];
    let mut prev: Option<(usize, usize, usize)> = None;
    for (y, x0, len) in sym.runs() {
        assert!(len > 0 && x0 + len <= sym.width);
        if let Some((py, px0, plen)) = prev {
            assert!(y > py || x0 > px0 + plen, "runs are ordered and separated");
        }
        for x in x0..x0 + len {
            assert!(!grid[y * sym.width + x]);
            grid[y * sym.width + x] = true;
        }
        prev = Some((y, x0, len));
    }
    for y in 0..sym.width {
        for x in 0..sym.width {
            assert_eq!(grid[y * sym.width + x], sym.is_dark(x, y), "({x},{y})");
        }
    }
    assert!(!sym.is_dark(sym.width, 0) && !sym.is_dark(0, sym.width));
}

/// Reads the half-block text back into pixels: glyph ink is LIGHT (as on a dark
/// terminal), blank is dark.
fn terminal_to_luma(text: &str, px: usize) -> (u32, u32, Vec<u8>) {
    let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
    let cols = lines.iter().map(Vec::len).max().unwrap();
    let (w, h) = (cols * px, lines.len() * 2 * px);
    let mut out = vec![0u8; w * h];
    for (row, line) in lines.iter().enumerate() {
        for (col, ch) in line.iter().enumerate() {
            let (top, bottom) = match ch {
                '█' => (true, true),
                '▀' => (true, false),
                '▄' => (false, true),
                ' ' => (false, false),
                other => panic!("unexpected character {other:?}"),
            };
            for (half, light) in [(0, top), (1, bottom)] {
                if !light {
                    continue;
                }
                for dy in 0..px {
                    let y = (row * 2 + half) * px + dy;
                    out[y * w + col * px..y * w + col * px + px].fill(255);
                }
            }
        }
    }
    (w as u32, h as u32, out)
}

#[test]
fn terminal_preview_decodes() {
    for link in [links()[0].clone(), links()[2].clone()] {
        let sym = encode(&link, EcLevel::M, None).unwrap();
        let text = sym.to_terminal(4);
        assert_eq!(text.lines().count(), (sym.width + 8).div_ceil(2));
        assert!(text.lines().all(|l| l.chars().count() == sym.width + 8));
        // Quiet zone rows are full light blocks.
        assert!(text.lines().next().unwrap().chars().all(|c| c == '█'));
        let (w, h, luma) = terminal_to_luma(&text, 4);
        assert_eq!(rxing_decode(w, h, luma), link);
    }
}

#[test]
fn print_plan_from_total_or_module_size() {
    let sym = encode(&links()[2], EcLevel::M, None).unwrap();
    let n = (sym.width + 8) as f64;
    let rules = PrintRules::default();
    let plan = plan_size(&sym, Size::Total(25.0), &rules).unwrap();
    assert_eq!(plan.modules, sym.width);
    assert!((plan.module_mm - 25.0 / n).abs() < 1e-12);
    assert_eq!(plan.total_mm, 25.0);
    let plan = plan_size(&sym, Size::Module(0.4), &rules).unwrap();
    assert!((plan.total_mm - 0.4 * n).abs() < 1e-12);
    let shown = plan.to_string();
    let expected = format!(
        "QR version {v} ({w}×{w} modules), EC M, module 0.400 mm, {t:.1} mm with 4-module quiet zone",
        v = sym.version,
        w = sym.width,
        t = 0.4 * n
    );
    assert_eq!(shown, expected);
}

#[test]
fn print_rules_refuse_small_modules_and_thin_quiet_zones() {
    let sym = encode(&links()[2], EcLevel::M, None).unwrap();
    let n = (sym.width + 8) as f64;
    let rules = PrintRules::default();
    // Exactly at the floor passes (also via the total size, despite rounding).
    assert!(plan_size(&sym, Size::Module(0.25), &rules).is_ok());
    assert!(plan_size(&sym, Size::Total(0.25 * n), &rules).is_ok());
    let err = plan_size(&sym, Size::Module(0.21), &rules).unwrap_err();
    let msg = err.to_string();
    let need = format!("{:.1}", (0.25 * n * 10.0).ceil() / 10.0);
    assert!(
        msg.contains("0.21 mm < 0.25 mm") && msg.contains(&need) && msg.contains("--force"),
        "{msg}"
    );
    // The suggested size really passes.
    assert!(plan_size(&sym, Size::Total(need.parse().unwrap()), &rules).is_ok());
    assert!((min_total_mm(&sym, &rules) - 0.25 * n).abs() < 1e-12);

    let retail = PrintRules::retail();
    assert_eq!(retail.min_module_mm, 0.396);
    let err = plan_size(&sym, Size::Module(0.3), &retail).unwrap_err();
    assert!(err.to_string().contains("0.396"), "{err}");
    assert!(
        plan_size(
            &sym,
            Size::Module(0.3),
            &PrintRules {
                force: true,
                ..retail
            }
        )
        .is_ok()
    );

    let thin = PrintRules {
        quiet_zone: 2,
        ..PrintRules::default()
    };
    assert_eq!(
        plan_size(&sym, Size::Module(0.5), &thin),
        Err(QrError::QuietZoneTooSmall { quiet_zone: 2 })
    );
    let plan = plan_size(
        &sym,
        Size::Module(0.5),
        &PrintRules {
            force: true,
            ..thin
        },
    )
    .unwrap();
    assert!((plan.total_mm - 0.5 * (sym.width + 4) as f64).abs() < 1e-12);
    assert!(plan_size(&sym, Size::Total(0.0), &rules).is_err());
    assert!(
        plan_size(
            &sym,
            Size::Total(f64::NAN),
            &PrintRules {
                force: true,
                ..rules
            }
        )
        .is_err()
    );
}

#[test]
fn v8_at_retail_minimum_matches_the_design_number() {
    // Version 8 (49 modules) plus a 4-module quiet zone each side at GS1's 0.396 mm
    // retail minimum: 57 × 0.396 = 22.6 mm square.
    let link = format!("https://iot.example/#{}", "1".repeat(300));
    let sym = encode(&link, EcLevel::M, None).unwrap();
    assert_eq!(sym.version, 8);
    let plan = plan_size(&sym, Size::Module(0.396), &PrintRules::retail()).unwrap();
    assert_eq!(format!("{:.1}", plan.total_mm), "22.6");
}

#[test]
fn lengths_parse_with_units() {
    assert_eq!(parse_length_mm("25mm").unwrap(), 25.0);
    assert_eq!(parse_length_mm("25").unwrap(), 25.0);
    assert_eq!(parse_length_mm("2.5cm").unwrap(), 25.0);
    assert_eq!(parse_length_mm("1in").unwrap(), 25.4);
    assert!((parse_length_mm("72pt").unwrap() - 25.4).abs() < 1e-12);
    for bad in ["", "mm", "-3mm", "0", "abc", "1e999mm", "NaN"] {
        assert!(parse_length_mm(bad).is_err(), "{bad}");
    }
}

// ---------------------------------------------------------------------------------
// Reading back from images (scan)

fn png_bytes(w: u32, h: u32, luma: Vec<u8>) -> Vec<u8> {
    let img = image::GrayImage::from_raw(w, h, luma).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn scan_reads_a_clean_png() {
    let link = &links()[2];
    let sym = encode(link, EcLevel::M, None).unwrap();
    let (n, luma) = rasterise(&sym, 3, 4);
    assert_eq!(
        decode_image_bytes(&png_bytes(n, n, luma)).unwrap(),
        vec![link.clone()]
    );
}

/// A label-sized symbol at about 300 dpi, rotated, blurred, noisy, saved as JPEG.
fn degraded_jpeg(link: &str, angle_deg: f64) -> Vec<u8> {
    let sym = encode(link, EcLevel::M, None).unwrap();
    // 25 mm at 300 dpi is 295 px; a v9 symbol plus quiet zone is 61 modules → 5 px.
    let (n, luma) = rasterise(&sym, 5, 4);
    common::degrade_to_jpeg(n, n, &luma, angle_deg, 60)
}

#[test]
fn scan_reads_a_degraded_photo_like_jpeg() {
    let link = format_link(&base20(), &fake_cose(125), PayloadForm::Digits);
    for angle in [4.0, -3.5] {
        let jpeg = degraded_jpeg(&link, angle);
        if let Ok(dir) = std::env::var("IOTLABEL_TEST_OUT") {
            std::fs::write(format!("{dir}/degraded_{angle}.jpg"), &jpeg).unwrap();
        }
        assert_eq!(
            decode_image_bytes(&jpeg).unwrap(),
            vec![link.clone()],
            "angle {angle}"
        );
    }
}

#[test]
fn scan_finds_several_codes_on_one_sheet() {
    let texts: Vec<String> = (0..4)
        .map(|i| format_link(&base20(), &fake_cose(100 + i), PayloadForm::Digits))
        .collect();
    let syms: Vec<QrSymbol> = texts
        .iter()
        .map(|t| encode(t, EcLevel::M, None).unwrap())
        .collect();
    let tiles: Vec<(u32, Vec<u8>)> = syms.iter().map(|s| rasterise(s, 4, 4)).collect();
    let tile = tiles.iter().map(|t| t.0).max().unwrap() as usize;
    let w = tile * 2 + 40;
    let mut sheet = vec![255u8; w * w];
    for (i, (n, luma)) in tiles.iter().enumerate() {
        let (ox, oy) = ((i % 2) * (tile + 40), (i / 2) * (tile + 40));
        for y in 0..*n as usize {
            let row = &luma[y * *n as usize..(y + 1) * *n as usize];
            sheet[(oy + y) * w + ox..(oy + y) * w + ox + row.len()].copy_from_slice(row);
        }
    }
    let mut found = decode_luma(w as u32, w as u32, &sheet).unwrap();
    found.sort();
    let mut expected = texts.clone();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn scan_downscales_very_large_images() {
    let link = &links()[1];
    let sym = encode(link, EcLevel::M, None).unwrap();
    let (n, luma) = rasterise(&sym, 60, 4); // > 3000 px wide
    assert!(n > 3000);
    assert_eq!(decode_luma(n, n, &luma).unwrap(), vec![link.clone()]);
}

#[test]
fn scan_reports_no_code_and_bad_images() {
    let blank = vec![255u8; 300 * 200];
    assert_eq!(decode_luma(300, 200, &blank), Err(ScanError::NoCode));
    assert_eq!(
        decode_image_bytes(&png_bytes(300, 200, blank)),
        Err(ScanError::NoCode)
    );
    assert!(matches!(
        decode_luma(10, 10, &[0; 99]),
        Err(ScanError::Image(_))
    ));
    assert!(matches!(decode_luma(0, 0, &[]), Err(ScanError::Image(_))));
    assert!(matches!(
        decode_image_bytes(b"not an image"),
        Err(ScanError::Image(_))
    ));
    let mut truncated = png_bytes(50, 50, vec![0; 2500]);
    truncated.truncate(60);
    assert!(matches!(
        decode_image_bytes(&truncated),
        Err(ScanError::Image(_))
    ));
    assert!(matches!(
        decode_image_bytes(b"GIF89a......"),
        Err(ScanError::Image(_))
    ));
}

/// The two capacity tables in docs/qr.md are what the encoder does: this builds them
/// and fails, printing the current tables, when the doc has drifted.
#[test]
fn capacity_tables_in_docs_are_current() {
    let mut t = String::from("| version | modules | L | M | Q | H |\n|---|---|---|---|---|---|\n");
    for v in 1..=15u8 {
        let mut cells = Vec::new();
        for ec in EcLevel::ALL {
            // Largest COSE byte count whose digit link behind a 20-character base URL fits.
            let max = (1..2000)
                .take_while(|&len| {
                    min_version(
                        &format_link(&base20(), &fake_cose(len), PayloadForm::Digits),
                        ec,
                    )
                    .unwrap_or(99)
                        <= v
                })
                .last()
                .unwrap_or(0);
            cells.push(if max == 0 {
                "–".to_string()
            } else {
                format!("{max} B")
            });
        }
        t.push_str(&format!(
            "| {v} | {w}×{w} | {} |\n",
            cells.join(" | "),
            w = 17 + 4 * v as usize
        ));
    }
    let mut u = String::from(
        "| COSE bytes | digits | L | M | Q | H | base64url link at M |\n|---|---|---|---|---|---|---|\n",
    );
    for len in [100, 110, 120, 128, 140, 146, 155, 170] {
        let link = format_link(&base20(), &fake_cose(len), PayloadForm::Digits);
        let vs: Vec<String> = EcLevel::ALL
            .iter()
            .map(|&ec| format!("v{}", min_version(&link, ec).unwrap()))
            .collect();
        let b64 = format_link(&base20(), &fake_cose(len), PayloadForm::Base64Url);
        u.push_str(&format!(
            "| {len} | {} | {} | v{} |\n",
            iotlabel::link::digits_len(len),
            vs.join(" | "),
            min_version(&b64, EcLevel::M).unwrap()
        ));
    }
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/qr.md")).unwrap();
    for table in [&t, &u] {
        assert!(
            doc.contains(table.as_str()),
            "docs/qr.md has drifted from the encoder; the current table is:\n{table}"
        );
    }
}

// ---------------------------------------------------------------------------------
// The `qr` and `decode` commands, end to end: every output format is rasterised by a
// real renderer (resvg for SVG, poppler for PDF) and decoded with rxing.

mod cli {
    use assert_cmd::Command;
    use std::path::{Path, PathBuf};

    fn sample(p: &str) -> String {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(p)
            .display()
            .to_string()
    }

    /// The link the library makes for the camera sample (Ed25519 is deterministic).
    fn camera_link() -> String {
        let opts = iotlabel::source::SourceOptions {
            key: Some(PathBuf::from(sample("samples/keys/demo.pem"))),
            ..Default::default()
        };
        iotlabel::source::resolve(&sample("samples/camera.toml"), &opts)
            .unwrap()
            .link()
            .unwrap()
    }

    fn qr_cmd(out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("iotlabel")
            .unwrap()
            .args([
                "qr",
                &sample("samples/camera.toml"),
                "--key",
                &sample("samples/keys/demo.pem"),
                "-o",
            ])
            .arg(out)
            .args(extra)
            .assert()
    }

    fn rxing_gray(img: &image::GrayImage) -> String {
        let (w, h) = img.dimensions();
        rxing::helpers::detect_in_luma(
            img.as_raw().clone(),
            w,
            h,
            Some(rxing::BarcodeFormat::QR_CODE),
        )
        .expect("rxing decodes the rendered artwork")
        .getText()
        .to_string()
    }

    #[test]
    fn png_svg_and_pdf_outputs_decode_to_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let link = camera_link();

        let png = dir.path().join("qr.png");
        qr_cmd(&png, &["--module", "0.5mm", "--dpi", "254"]).success();
        let img = image::open(&png).unwrap().to_luma8();
        assert_eq!(rxing_gray(&img), link);
        // 0.5 mm at 254 dpi is exactly 5 px per module.
        let sym = iotlabel::qr::encode(&link, iotlabel::qr::EcLevel::M, None).unwrap();
        assert_eq!(img.width() as usize, (sym.width + 8) * 5);

        let svg = dir.path().join("qr.svg");
        qr_cmd(&svg, &["--size", "30mm"]).success();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(
            text.contains(r#"width="30mm""#) && text.contains(r#"height="30mm""#),
            "{}",
            &text[..200]
        );
        let tree = resvg::usvg::Tree::from_str(&text, &resvg::usvg::Options::default()).unwrap();
        // usvg sizes the tree in CSS px (96 per inch): 30 mm → 113.4 px.
        assert!((tree.size().width() as f64 - 30.0 / 25.4 * 96.0).abs() < 0.01);
        let scale = 300.0 / tree.size().width(); // 30 mm → 300 px
        let mut pixmap = resvg::tiny_skia::Pixmap::new(300, 300).unwrap();
        pixmap.fill(resvg::tiny_skia::Color::WHITE);
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        let gray = image::GrayImage::from_fn(300, 300, |x, y| {
            image::Luma([pixmap.pixel(x, y).map_or(255, |p| p.red())])
        });
        assert_eq!(rxing_gray(&gray), link);

        let pdf = dir.path().join("qr.pdf");
        qr_cmd(&pdf, &["--size", "25mm", "--rgb"]).success();
        let prefix = dir.path().join("page");
        let ok = std::process::Command::new("pdftoppm")
            .args(["-r", "200", "-gray", "-png", "-singlefile"])
            .arg(&pdf)
            .arg(&prefix)
            .status()
            .expect("pdftoppm (poppler-utils) is installed")
            .success();
        assert!(ok);
        let img = image::open(dir.path().join("page.png")).unwrap().to_luma8();
        // 25 mm at 200 dpi ≈ 197 px: the page is exactly the symbol's size.
        assert!(
            (img.width() as f64 - 25.0 / 25.4 * 200.0).abs() <= 1.0,
            "{}",
            img.width()
        );
        assert_eq!(rxing_gray(&img), link);

        // And the decode command reads our PNG back.
        Command::cargo_bin("iotlabel")
            .unwrap()
            .arg("decode")
            .arg(&png)
            .assert()
            .success()
            .stdout(format!("{link}\n"));
    }

    /// Runs `qr` expecting a refusal: exit 2, nothing written, and stderr (with the
    /// report's line wrapping undone) naming the reason in each of `words`.
    fn refused(out: &Path, extra: &[&str], words: &[&str]) {
        let a = qr_cmd(out, extra).code(2);
        let err: String = String::from_utf8_lossy(&a.get_output().stderr)
            .replace(['│', '×'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for w in words {
            assert!(err.contains(w), "{extra:?}: stderr lacks {w:?}: {err}");
        }
        assert!(
            !out.exists(),
            "{extra:?}: nothing is written when the rules refuse"
        );
    }

    #[test]
    fn print_rules_are_enforced_on_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("qr.svg");
        refused(
            &out,
            &["--size", "10mm"],
            &["mm < 0.25 mm minimum", "or use --force"],
        );
        qr_cmd(&out, &["--size", "10mm", "--force"]).success();
        std::fs::remove_file(&out).unwrap();
        refused(
            &out,
            &["--quiet-zone", "2"],
            &["quiet zone of 2 modules is below the 4"],
        );
        refused(
            &out,
            &["--module", "0.3mm", "--retail"],
            &["module 0.3", "< 0.396 mm minimum"],
        );
        // The camera link needs version 10 at EC M.
        refused(
            &out,
            &["--version", "2"],
            &[
                "version 2 at EC M holds only",
                "the smallest version that fits is 10",
            ],
        );

        // A forced version and level are what the symbol really is: the report says
        // so, the PNG has 97 + 2·4 modules of 4 px, and an independent decoder reads
        // the link back at EC H.
        let png = dir.path().join("v20.png");
        let a = qr_cmd(
            &png,
            &["--version", "20", "--ec", "h", "--px-per-module", "4"],
        )
        .success();
        let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
        assert!(err.contains("QR version 20 (97×97 modules), EC H"), "{err}");
        let img = image::open(&png).unwrap().to_luma8();
        assert_eq!(img.dimensions(), ((97 + 8) * 4, (97 + 8) * 4));
        let (w, h) = img.dimensions();
        let r = rxing::helpers::detect_in_luma(
            img.as_raw().clone(),
            w,
            h,
            Some(rxing::BarcodeFormat::QR_CODE),
        )
        .unwrap();
        assert_eq!(r.getText(), camera_link());
        assert_eq!(
            r.getRXingResultMetadata()
                .get(&rxing::RXingResultMetadataType::ERROR_CORRECTION_LEVEL),
            Some(&rxing::RXingResultMetadataValue::ErrorCorrectionLevel(
                "H".into()
            ))
        );
    }

    #[test]
    fn terminal_preview_and_decode_failures() {
        let a = qr_cmd(Path::new("-"), &[]).success();
        let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
        assert!(out.lines().next().unwrap().chars().all(|c| c == '█'));
        let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
        assert!(err.contains("QR version"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let blank = dir.path().join("blank.png");
        image::GrayImage::from_pixel(200, 200, image::Luma([255]))
            .save(&blank)
            .unwrap();
        let a = Command::cargo_bin("iotlabel")
            .unwrap()
            .arg("decode")
            .arg(&blank)
            .assert()
            .code(2);
        assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("no QR code found"));
        let junk = dir.path().join("junk.jpg");
        std::fs::write(&junk, b"not a jpeg").unwrap();
        Command::cargo_bin("iotlabel")
            .unwrap()
            .arg("decode")
            .arg(&junk)
            .assert()
            .code(2);
    }
}
