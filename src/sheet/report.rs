//! The job report (`sheet --report job.json`): what a finished sheet job printed, in a
//! form an operator or a packaging line's system can check against the order.
//!
//! It records the stock, the templates and languages used, labels per product and
//! language, pages, every file written with its SHA-256 (computed from the very bytes
//! committed), the key ids that signed the labels, each label's serial, and the rows
//! that were skipped. It holds no time of day and no paths beyond those the job was
//! given, so identical input gives an identical report.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::Digest;

use super::batch::{Prepared, RowProblem};

/// Version of the report's format; bumped when a field changes meaning.
pub const REPORT_VERSION: u32 = 1;

/// The whole report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JobReport {
    /// The report format's version. It is the first key, so the file guard
    /// (`crate::fsutil`) recognises the file as a report of ours when a later run
    /// replaces it.
    pub iotlabel_report: u32,
    pub batch: String,
    /// The job's date (`YYYY-MM-DD`), when the caller gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub stock: StockUsed,
    /// Templates used, with how many labels each.
    pub templates: BTreeMap<String, usize>,
    /// Labels per product and language, in row order of first appearance.
    pub products: Vec<ProductCount>,
    pub rows: usize,
    pub labels: usize,
    /// Pages of labels (the proof page not counted).
    pub pages: usize,
    pub proof_page: bool,
    pub offset_mm: [f64; 2],
    /// Hex key ids (COSE `kid`) of the keys that signed the printed labels.
    pub key_ids: Vec<String>,
    pub files: Vec<FileHash>,
    /// Rows whose labels carry serials, with the serials in print order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<RowSerials>,
    /// How many rows were skipped (`--keep-going`), and every problem found in them (a
    /// row may have several).
    pub skipped_rows: usize,
    pub skipped: Vec<RowProblem>,
}

/// The stock a job was printed on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StockUsed {
    pub id: String,
    pub name: String,
    pub label_width_mm: f64,
    pub label_height_mm: f64,
    pub labels_per_page: usize,
}

/// Labels of one product in one language.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProductCount {
    pub manufacturer: String,
    pub model: String,
    pub lang: String,
    pub labels: usize,
}

/// One written file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileHash {
    pub path: String,
    pub bytes: usize,
    pub sha256: String,
}

impl FileHash {
    /// The hash of `bytes`, to be written at `path`.
    pub fn of(path: &std::path::Path, bytes: &[u8]) -> FileHash {
        FileHash {
            path: path.display().to_string(),
            bytes: bytes.len(),
            sha256: hex(&sha2::Sha256::digest(bytes)),
        }
    }
}

/// The serials printed for one batch row.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowSerials {
    pub row: usize,
    pub serials: Vec<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Counts labels per product and language, templates and key ids over printed rows.
/// `template_names` and `langs` are the job's lists that rows index into.
pub fn tally(
    rows: &[Prepared],
    template_names: &[String],
    langs: &[String],
    report: &mut JobReport,
) {
    let mut index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut kids = std::collections::BTreeSet::new();
    for p in rows {
        let q = p.quantity as usize;
        let name = template_names.get(p.template).cloned().unwrap_or_default();
        *report.templates.entry(name).or_default() += q;
        let lang = langs.get(p.lang).cloned().unwrap_or_default();
        let (manufacturer, model) = match crate::envelope::open(&p.cose) {
            Ok(opened) => {
                kids.insert(hex(&opened.kid));
                crate::payload::decode(&opened.payload)
                    .map(|f| (f.manufacturer, f.model))
                    .unwrap_or_default()
            }
            Err(_) => Default::default(),
        };
        let key = (manufacturer.clone(), model.clone(), lang.clone());
        match index.get(&key) {
            Some(&i) => {
                if let Some(c) = report.products.get_mut(i) {
                    c.labels += q;
                }
            }
            None => {
                index.insert(key, report.products.len());
                report.products.push(ProductCount {
                    manufacturer,
                    model,
                    lang,
                    labels: q,
                });
            }
        }
    }
    report.key_ids = kids.into_iter().collect();
}

impl JobReport {
    /// The few lines the command prints on standard error after a job.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} label{} on {} page{} of {}{}; {} product/language combination{}",
            self.labels,
            if self.labels == 1 { "" } else { "s" },
            self.pages,
            if self.pages == 1 { "" } else { "s" },
            self.stock.id,
            if self.proof_page {
                " (plus a proof page)"
            } else {
                ""
            },
            self.products.len(),
            if self.products.len() == 1 { "" } else { "s" },
        );
        s.push_str(&format!(
            "\ntemplates: {}",
            self.templates
                .iter()
                .map(|(t, n)| format!("{t} ×{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        s.push_str(&format!("\nsigned with key id {}", self.key_ids.join(", ")));
        for f in &self.files {
            s.push_str(&format!(
                "\n{}  {} ({} bytes)",
                &f.sha256[..16.min(f.sha256.len())],
                f.path,
                f.bytes
            ));
        }
        if self.skipped_rows > 0 {
            s.push_str(&format!(
                "\nskipped {} of {} rows",
                self.skipped_rows, self.rows
            ));
        }
        s
    }
}
