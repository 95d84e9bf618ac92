//! Per-stage timings of the label pipeline, for finding where a sheet job spends its
//! time: `cargo bench --bench pipeline` (release build; prints a table, asserts nothing).
//!
//! Stages: sign (facts → CBOR → COSE_Sign1), link (digit packing), QR (segments, Reed–
//! Solomon, mask selection), layout (one compact label frame), and the PDF page with 30
//! labels (krilla, including compression).

use iotlabel::declaration::{CheckOptions, load};
use iotlabel::layout::{LabelInput, Template};
use iotlabel::link::{BaseUrl, PayloadForm, format_link};
use iotlabel::payload::{Facts, encode};
use iotlabel::qr::{self, EcLevel};
use iotlabel::render::pdf::{Ink, PdfWriter, draw_frame};
use std::time::Instant;

fn per_item(label: &str, n: usize, f: impl FnMut(usize)) {
    let mut f = f;
    let t = Instant::now();
    for i in 0..n {
        f(i);
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("| {label} | {us:.1} µs |");
}

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let decl = load(
        &root.join("samples/thermostat.toml"),
        &CheckOptions::lenient(),
    )
    .expect("sample");
    let key =
        iotlabel::keys::load_signing_key(&root.join("samples/keys/demo.pem")).expect("demo key");
    let base = BaseUrl::parse("https://nordlicht.example/v").expect("base");
    let n = 2000;
    let mut facts: Vec<Facts> = (0..n)
        .map(|i| {
            let mut f = Facts::from_declaration(&decl);
            f.model = format!("Therma T3 #{i:05}");
            f
        })
        .collect();
    println!("| stage (one label) | time |\n|---|---|");
    let mut coses = Vec::with_capacity(n);
    per_item("sign (CBOR + COSE_Sign1 + Ed25519)", n, |i| {
        coses.push(iotlabel::envelope::sign(&encode(&facts[i]), &key))
    });
    let mut links = Vec::with_capacity(n);
    per_item("link (digit packing)", n, |i| {
        links.push(format_link(&base, &coses[i], PayloadForm::Digits))
    });
    let mut symbols = Vec::with_capacity(n);
    per_item("QR symbol (version 10, EC M)", n, |i| {
        symbols.push(qr::encode(&links[i], EcLevel::M, None).expect("fits"))
    });
    let catalogue = iotlabel::summary::Catalogue::built_in("en").expect("en");
    let summary =
        iotlabel::summary::summarize(&facts.pop().expect("one"), &catalogue).expect("summary");
    let template = Template::by_name("compact").expect("compact");
    let mut frames = Vec::with_capacity(n);
    per_item("layout (compact label)", n, |i| {
        let input = LabelInput {
            summary: &summary,
            qr: &symbols[i],
            short_url: "nordlicht.example/v",
        };
        frames.push(iotlabel::layout::label(&input, &template, None).expect("fits"));
    });
    let pages = n / 30;
    let t = Instant::now();
    let mut w = PdfWriter::new("bench", "en", Ink::Cmyk).expect("writer");
    for p in 0..pages {
        w.page(215.9, 279.4, |surface, fonts, ink| {
            for k in 0..30 {
                let (x, y) = (5.0 + (k % 3) as f64 * 70.0, 12.7 + (k / 3) as f64 * 25.4);
                draw_frame(surface, &frames[p * 30 + k], (x, y), fonts, ink);
            }
        })
        .expect("page");
    }
    let bytes = w.finish().expect("pdf");
    let us = t.elapsed().as_secs_f64() * 1e6 / (pages * 30) as f64;
    println!("| PDF drawing + writing (per label, 30 per page) | {us:.1} µs |");
    println!(
        "\nPDF: {} bytes for {} labels = {:.0} bytes/label",
        bytes.len(),
        pages * 30,
        bytes.len() as f64 / (pages * 30) as f64
    );
}
