//! How small may a QR module be for a shopper's phone? For QR versions 8–10 and module
//! sizes from 0.30 to 0.50 mm, renders QR-only artwork (PDF, rasterised by poppler at
//! the resolution a phone sees at about 30 cm), makes 12 simulated shop photos of each
//! (`iotlabel::photo`, a different noise seed and turn each), decodes them with rxing,
//! and prints the share that decoded and the smallest printed size that decoded every
//! time. docs/qr.md records the result.
//!
//! Run: `cargo bench --bench shop_scan` (needs pdftoppm). `-- --quick` tries 4 photos;
//! `BLUR=1.8` changes the model's blur (pixels).

use iotlabel::layout::QrModules;
use iotlabel::layout::qr_artwork_from_modules;
use iotlabel::photo::{PhotoModel, SHOP_DPI, shop_photo};
use iotlabel::render::{self, Format, RenderOptions};

fn print(pdf: &[u8]) -> image::GrayImage {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("q.pdf");
    std::fs::write(&p, pdf).unwrap();
    let ok = std::process::Command::new("pdftoppm")
        .args(["-gray", "-r", &format!("{SHOP_DPI}"), "-png", "-singlefile"])
        .arg(&p)
        .arg(dir.path().join("r"))
        .status()
        .expect("pdftoppm (poppler-utils) is needed")
        .success();
    assert!(ok);
    image::open(dir.path().join("r.png")).unwrap().to_luma8()
}

fn decodes(jpeg: &[u8], text: &str) -> bool {
    let img = image::load_from_memory(jpeg).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    rxing::helpers::detect_in_luma(img.into_raw(), w, h, Some(rxing::BarcodeFormat::QR_CODE))
        .is_ok_and(|r| r.getText() == text)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let photos: u64 = if quick { 4 } else { 12 };
    // A link like ours: lowercase URL, then digits; lengths that need versions 8, 9, 10 at M.
    let link = |digits: usize| {
        let d: String = (0..digits)
            .map(|i| char::from(b'0' + (i * 7 % 10) as u8))
            .collect();
        format!("https://maker.example/v#{d}")
    };
    println!("| version (EC M) | module mm | decoded | symbol with quiet zone |");
    println!("|---|---|---|---|");
    for (version, digits) in [(8u8, 280usize), (9, 330), (10, 380)] {
        let text = link(digits);
        let symbol = iotlabel::qr::encode(&text, iotlabel::qr::EcLevel::M, Some(version)).unwrap();
        let mut smallest = None;
        for step in 0..=10 {
            let module = 0.30 + 0.02 * f64::from(step);
            let frame = qr_artwork_from_modules(QrModules::from_symbol(&symbol), module, 4);
            let pdf = render::render(&frame, Format::Pdf, &RenderOptions::default()).unwrap();
            let raster = print(&pdf);
            let ok = (0..photos)
                .filter(|i| {
                    let model = PhotoModel {
                        seed: 1000 + i,
                        turn_deg: 10.0 + (*i % 4) as f64 * 2.5,
                        blur_px: std::env::var("BLUR")
                            .ok()
                            .and_then(|b| b.parse().ok())
                            .unwrap_or(PhotoModel::default().blur_px),
                        ..PhotoModel::default()
                    };
                    decodes(&shop_photo(&raster, &model).unwrap(), &text)
                })
                .count();
            println!(
                "| {version} | {module:.2} | {ok}/{photos} | {:.1} mm |",
                frame.width_mm
            );
            if ok as u64 == photos && smallest.is_none() {
                smallest = Some((module, frame.width_mm));
            }
        }
        if let Some((m, side)) = smallest {
            println!(
                "version {version}: smallest module decoding every photo {m:.2} mm ({side:.1} mm symbol)"
            );
        }
    }
}
