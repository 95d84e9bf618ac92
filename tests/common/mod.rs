//! Helpers shared by integration tests (each test file includes what it needs with
//! `mod common;`).
#![allow(dead_code)]

/// Small deterministic PRNG for image noise (xorshift64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Makes a grey image look like a phone photo of print: rotated by `angle_deg` about its
/// centre on a white margin of `margin` px, greyish paper and ink, a 3×3 box blur,
/// ±25 levels of noise, and JPEG quality 70.
pub fn degrade_to_jpeg(
    width: u32,
    height: u32,
    luma: &[u8],
    angle_deg: f64,
    margin: u32,
) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (w + 2 * margin as usize, h + 2 * margin as usize);
    let (c, s) = (angle_deg.to_radians().cos(), angle_deg.to_radians().sin());
    let (ccx, ccy) = (cw as f64 / 2.0, ch as f64 / 2.0);
    let (hx, hy) = (w as f64 / 2.0, h as f64 / 2.0);
    let px = |xi: f64, yi: f64| -> f64 {
        if xi < 0.0 || yi < 0.0 || xi >= w as f64 || yi >= h as f64 {
            255.0
        } else {
            f64::from(luma[yi as usize * w + xi as usize])
        }
    };
    // Rotate by inverse mapping with bilinear sampling.
    let sample = |x: f64, y: f64| -> f64 {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        px(x0, y0) * (1.0 - fx) * (1.0 - fy)
            + px(x0 + 1.0, y0) * fx * (1.0 - fy)
            + px(x0, y0 + 1.0) * (1.0 - fx) * fy
            + px(x0 + 1.0, y0 + 1.0) * fx * fy
    };
    let mut rotated = vec![0f64; cw * ch];
    for y in 0..ch {
        for x in 0..cw {
            let (dx, dy) = (x as f64 - ccx, y as f64 - ccy);
            let (sx, sy) = (c * dx + s * dy + hx, -s * dx + c * dy + hy);
            rotated[y * cw + x] = 30.0 + sample(sx, sy) * (200.0 / 255.0);
        }
    }
    let mut blurred = rotated.clone();
    for y in 1..ch - 1 {
        for x in 1..cw - 1 {
            let mut sum = 0.0;
            for dy in 0..3 {
                for dx in 0..3 {
                    sum += rotated[(y + dy - 1) * cw + x + dx - 1];
                }
            }
            blurred[y * cw + x] = sum / 9.0;
        }
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let pixels: Vec<u8> = blurred
        .iter()
        .map(|&v| (v + (rng.next() % 51) as f64 - 25.0).clamp(0.0, 255.0) as u8)
        .collect();
    let img = image::GrayImage::from_raw(cw as u32, ch as u32, pixels).expect("buffer size");
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70)
        .encode_image(&img)
        .expect("jpeg");
    out
}

/// The shipped sample declarations (`samples/*.toml` and `samples/*.json`), sorted.
pub fn samples() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("samples/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml" || x == "json"))
        .collect();
    v.sort();
    assert!(v.len() >= 5, "at least five sample declarations");
    v
}

/// The shipped demo signing key.
pub fn demo_key() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/keys/demo.pem")
}

/// The sample doorbell declaration with a distinct model per batch row (`Doorbell i`).
pub fn doorbell(i: usize) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/doorbell.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["product"]["model"] = format!("Doorbell {i}").into();
    v
}

/// The link of `doorbell(i)` signed through the single-label path (declaration file →
/// demo key), to compare with what a batch printed.
pub fn doorbell_link(dir: &std::path::Path, i: usize) -> String {
    let p = dir.join(format!("expected-{i}.json"));
    std::fs::write(&p, serde_json::to_string(&doorbell(i)).unwrap()).unwrap();
    let opts = iotlabel::source::SourceOptions {
        key: Some(demo_key()),
        ..Default::default()
    };
    iotlabel::source::resolve(&p.display().to_string(), &opts)
        .unwrap()
        .link()
        .unwrap()
}

/// Every page of a PDF rendered by poppler at 300 dpi, in greyscale, in page order.
pub fn render_pages(pdf: &std::path::Path) -> Vec<image::GrayImage> {
    let dir = tempfile::tempdir().unwrap();
    let ok = std::process::Command::new("pdftoppm")
        .args(["-r", "300", "-png"])
        .arg(pdf)
        .arg(dir.path().join("p"))
        .status()
        .expect("pdftoppm is needed (.ci/setup installs poppler-utils)")
        .success();
    assert!(ok, "pdftoppm failed on {}", pdf.display());
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| image::open(f).unwrap().to_luma8())
        .collect()
}

/// A declaration (or any signed input) signed with the demo key, its dates judged
/// leniently (the samples are read as shipped, whatever today is).
pub fn signed(path: &std::path::Path) -> iotlabel::source::Signed {
    let opts = iotlabel::source::SourceOptions {
        key: Some(demo_key()),
        check: Some(iotlabel::declaration::CheckOptions::lenient()),
        ..Default::default()
    };
    iotlabel::source::resolve(&path.display().to_string(), &opts).unwrap()
}

/// Every shipped sample, signed as it ships: (file name, signed input).
pub fn signed_samples() -> Vec<(String, iotlabel::source::Signed)> {
    samples()
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, signed(&p))
        })
        .collect()
}

/// A label as the command makes it by default: the template's fixed size and outline,
/// error correction M falling back to L, the scan floor enforced.
pub fn default_spec(t: &iotlabel::layout::Template, lang: &str) -> iotlabel::artwork::LabelSpec {
    iotlabel::artwork::LabelSpec {
        layout: iotlabel::layout::LabelOptions {
            outline: t.outline,
            ..iotlabel::layout::LabelOptions::default()
        },
        template: t.clone(),
        size: iotlabel::artwork::SizeChoice::Default,
        lang: lang.to_string(),
        ec: iotlabel::artwork::EcChoice::Auto,
        force: false,
    }
}
