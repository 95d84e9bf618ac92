//! One size per template, in every language: every shipped sample, signed as it ships,
//! fits every shipped template in every shipped language at the template's fixed
//! default size, with the QR at the scan floor or above. Laid out through the library
//! (the command-line runs are in `label_samples.rs`), so the whole matrix is cheap.

mod common;
use common::{default_spec, signed_samples};

use iotlabel::artwork::make_label;
use iotlabel::layout::{SCAN_MODULE_MM, Template};
use iotlabel::summary::Catalogue;

#[test]
fn every_sample_fits_every_template_in_every_language_at_the_default_size() {
    let mut failures = Vec::new();
    let mut runs = 0;
    let mut levels = Vec::new();
    for (name, signed) in signed_samples() {
        for lang in Catalogue::languages() {
            for t in Template::all().unwrap() {
                runs += 1;
                let spec = default_spec(&t, lang);
                match make_label(&signed, &spec) {
                    Ok(made) => {
                        let f = &made.frame;
                        levels.push(format!("{name} {lang} {}: {}", t.name, made.symbol.ec));
                        assert_eq!(
                            (f.width_mm, f.height_mm),
                            (t.width_mm, t.height_mm),
                            "{name} {lang} {}: the size never grows",
                            t.name
                        );
                        let q = f.qrs().next().unwrap();
                        assert!(
                            q.module_mm >= SCAN_MODULE_MM - 1e-9,
                            "{name} {lang} {}: module {}",
                            t.name,
                            q.module_mm
                        );
                    }
                    Err(e) => failures.push(format!("{name} {lang} {}: {e}", t.name)),
                }
            }
        }
    }
    // Level L only where M does not fit: the square template at 38 mm.
    for l in &levels {
        assert!(l.ends_with(": M") || l.contains(" square: "), "{l}");
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} do not fit:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_template_sizes_in_the_docs_are_the_templates() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let labels = std::fs::read_to_string(root.join("docs/labels.md")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mm = |v: f64| format!("{v}");
    for t in Template::all().unwrap() {
        let size = format!("{}×{} mm", mm(t.width_mm), mm(t.height_mm));
        let row = format!("| `{}` | {size} |", t.name);
        assert!(labels.contains(&row), "docs/labels.md lacks {row:?}");
        let head = format!("{} ({size})", t.name);
        assert!(readme.contains(&head), "README.md lacks {head:?}");
    }
}
