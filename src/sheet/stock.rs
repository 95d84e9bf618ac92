//! Label stock: the physical geometry of a sheet or roll that labels are printed on.
//!
//! A print shop loads a box of Avery 5160 or a thermal roll and expects every label to
//! land exactly in its die-cut cell, so the geometry is data (`assets/stocks.toml`,
//! compiled in), transcribed from the maker's published template or the gLabels template
//! database (each entry's `source` says which), never guessed in code.
//! A user stock file has the same format and goes through the same validation, which
//! names the offending field: labels must lie on the page and cells must not overlap.
//!
//! Entry points: [`Stock::catalogue`], [`Stock::by_id`], [`Stock::from_file`].

use serde::{Deserialize, Serialize};
use std::path::Path;

use crate::layout::RectMm;

const CATALOGUE: &str = include_str!("../../assets/stocks.toml");

/// Float tolerance for geometry checks (the catalogue rounds to 0.001 mm).
const EPS_MM: f64 = 0.01;

/// How labels sit on the stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StockKind {
    /// A sheet with a grid of labels (columns × rows).
    #[default]
    Sheet,
    /// Die-cut labels on a roll: one label per page, the page the label's size.
    Roll,
    /// Continuous tape of a fixed width: one label per page, its length taken from the
    /// label template.
    Continuous,
}

/// One stock, as written in the stock file. All lengths in millimetres, origin at the
/// page's top-left corner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stock {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub manufacturer: String,
    /// Where the numbers come from (template database entry, datasheet …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(default)]
    pub kind: StockKind,
    /// Whether the labels are die-cut (cut before printing: the edge is fixed and a
    /// printed outline would show any misregistration) rather than plain paper cut
    /// after printing. Default: die-cut.
    #[serde(default = "yes")]
    pub die_cut: bool,
    /// Page size; for roll stock the page is the label, for continuous stock the
    /// height is the label template's height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_width_mm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_height_mm: Option<f64>,
    pub label_width_mm: f64,
    /// Absent for continuous stock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_height_mm: Option<f64>,
    #[serde(default)]
    pub corner_radius_mm: f64,
    #[serde(default = "one")]
    pub columns: u32,
    #[serde(default = "one")]
    pub rows: u32,
    #[serde(default)]
    pub left_margin_mm: f64,
    #[serde(default)]
    pub top_margin_mm: f64,
    /// Distance from one label's left edge to the next one's (label width + gap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizontal_pitch_mm: Option<f64>,
    /// Distance from one label's top edge to the next one's (label height + gap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical_pitch_mm: Option<f64>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StockFile {
    stock: Vec<Stock>,
}

/// Why a stock is unusable. Every variant names the stock and the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum StockError {
    #[error("unknown stock {id:?}; available: {available}")]
    #[diagnostic(help(
        "run `iotlabel stocks` for the list with geometry, or describe your own with --stock-file FILE (format in docs/stocks.md)"
    ))]
    Unknown { id: String, available: String },
    #[error("stock file {file}: {message}")]
    #[diagnostic(help("a stock file holds one or more [[stock]] tables; see docs/stocks.md"))]
    Syntax { file: String, message: String },
    #[error("stock {id}: `{field}` {message}")]
    #[diagnostic(help(
        "fix the field in the stock file; all lengths are millimetres from the page's top-left corner"
    ))]
    Invalid {
        id: String,
        field: &'static str,
        message: String,
    },
    #[error("cannot read stock file {file}: {message}")]
    Io { file: String, message: String },
}

/// The resolved geometry of a stock for one job (continuous stock gets its length).
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    pub page_width_mm: f64,
    pub page_height_mm: f64,
    pub label_width_mm: f64,
    pub label_height_mm: f64,
    pub corner_radius_mm: f64,
    pub columns: u32,
    pub rows: u32,
    pub left_margin_mm: f64,
    pub top_margin_mm: f64,
    pub horizontal_pitch_mm: f64,
    pub vertical_pitch_mm: f64,
}

impl Geometry {
    /// Labels per page.
    pub fn per_page(&self) -> usize {
        self.columns as usize * self.rows as usize
    }

    /// The label cell at 0-based position `index` on a page, row by row from the top
    /// left (the order a partly used sheet is used in).
    pub fn cell(&self, index: usize) -> RectMm {
        let cols = self.columns.max(1) as usize;
        let (c, r) = (index % cols, index / cols);
        RectMm::new(
            self.left_margin_mm + c as f64 * self.horizontal_pitch_mm,
            self.top_margin_mm + r as f64 * self.vertical_pitch_mm,
            self.label_width_mm,
            self.label_height_mm,
        )
    }

    /// Every cell of a page, in fill order.
    pub fn cells(&self) -> Vec<RectMm> {
        (0..self.per_page()).map(|i| self.cell(i)).collect()
    }
}

impl Stock {
    /// Every shipped stock, in file order.
    pub fn catalogue() -> Result<Vec<Stock>, StockError> {
        parse_all(CATALOGUE, "assets/stocks.toml")
    }

    /// A shipped stock by id (case-insensitive).
    pub fn by_id(id: &str) -> Result<Stock, StockError> {
        let all = Stock::catalogue()?;
        let wanted = id.trim();
        all.iter()
            .find(|s| s.id.eq_ignore_ascii_case(wanted))
            .cloned()
            .ok_or_else(|| StockError::Unknown {
                id: id.to_string(),
                available: all
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Every stock in a user file, each validated.
    pub fn all_from_file(path: &Path) -> Result<Vec<Stock>, StockError> {
        let file = path.display().to_string();
        let text =
            crate::fsutil::read_input_text(path, crate::fsutil::Input::Config).map_err(|e| {
                StockError::Io {
                    file: file.clone(),
                    message: e.to_string(),
                }
            })?;
        parse_all(&text, &file)
    }

    /// A stock from a user file. With `id`, the one with that id; otherwise the file
    /// must hold exactly one.
    pub fn from_file(path: &Path, id: Option<&str>) -> Result<Stock, StockError> {
        let file = path.display().to_string();
        let mut all = Stock::all_from_file(path)?;
        match id {
            Some(id) => match all
                .iter()
                .position(|s| s.id.eq_ignore_ascii_case(id.trim()))
            {
                Some(i) => Ok(all.swap_remove(i)),
                None => Err(StockError::Unknown {
                    id: id.to_string(),
                    available: all
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
            },
            None if all.len() == 1 => all.pop().ok_or(StockError::Syntax {
                file,
                message: "no [[stock]] table".into(),
            }),
            None => Err(StockError::Syntax {
                file,
                message: format!("holds {} stocks; choose one with --stock ID", all.len()),
            }),
        }
    }

    /// The geometry for a job; `template_height_mm` is the label length on
    /// continuous stock (ignored otherwise).
    pub fn geometry(&self, template_height_mm: f64) -> Geometry {
        let lw = self.label_width_mm;
        let lh = match self.kind {
            StockKind::Continuous => template_height_mm,
            _ => self.label_height_mm.unwrap_or(template_height_mm),
        };
        let (pw, ph) = match self.kind {
            StockKind::Sheet => (
                self.page_width_mm.unwrap_or(lw),
                self.page_height_mm.unwrap_or(lh),
            ),
            StockKind::Roll | StockKind::Continuous => (lw, lh),
        };
        let single = self.kind != StockKind::Sheet;
        Geometry {
            page_width_mm: pw,
            page_height_mm: ph,
            label_width_mm: lw,
            label_height_mm: lh,
            corner_radius_mm: self.corner_radius_mm,
            columns: if single { 1 } else { self.columns },
            rows: if single { 1 } else { self.rows },
            left_margin_mm: if single { 0.0 } else { self.left_margin_mm },
            top_margin_mm: if single { 0.0 } else { self.top_margin_mm },
            horizontal_pitch_mm: if single {
                lw
            } else {
                self.horizontal_pitch_mm.unwrap_or(lw)
            },
            vertical_pitch_mm: if single {
                lh
            } else {
                self.vertical_pitch_mm.unwrap_or(lh)
            },
        }
    }

    /// Checks the stock's geometry; the error names the first bad field.
    pub fn validate(&self) -> Result<(), StockError> {
        let bad = |field: &'static str, message: String| {
            Err(StockError::Invalid {
                id: self.id.clone(),
                field,
                message,
            })
        };
        if self.id.trim().is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return bad(
                "id",
                format!(
                    "{:?} must be non-empty letters, digits, '-' or '_'",
                    self.id
                ),
            );
        }
        let positive = |field: &'static str, v: f64| -> Result<(), StockError> {
            if v.is_finite() && v > 0.0 && v <= 2000.0 {
                Ok(())
            } else {
                Err(StockError::Invalid {
                    id: self.id.clone(),
                    field,
                    message: format!("is {v}; must be greater than 0 and at most 2000 mm"),
                })
            }
        };
        let non_negative = |field: &'static str, v: f64| -> Result<(), StockError> {
            if v.is_finite() && (0.0..=2000.0).contains(&v) {
                Ok(())
            } else {
                Err(StockError::Invalid {
                    id: self.id.clone(),
                    field,
                    message: format!("is {v}; must be between 0 and 2000 mm"),
                })
            }
        };
        positive("label_width_mm", self.label_width_mm)?;
        non_negative("corner_radius_mm", self.corner_radius_mm)?;
        non_negative("left_margin_mm", self.left_margin_mm)?;
        non_negative("top_margin_mm", self.top_margin_mm)?;
        match self.kind {
            StockKind::Continuous => {
                if self.label_height_mm.is_some() {
                    return bad(
                        "label_height_mm",
                        "must be absent on continuous stock (the length comes from the template)"
                            .into(),
                    );
                }
            }
            StockKind::Roll | StockKind::Sheet => {
                let Some(h) = self.label_height_mm else {
                    return bad("label_height_mm", "is missing".into());
                };
                positive("label_height_mm", h)?;
            }
        }
        if self.kind == StockKind::Sheet {
            let (Some(pw), Some(ph)) = (self.page_width_mm, self.page_height_mm) else {
                return bad(
                    if self.page_width_mm.is_none() {
                        "page_width_mm"
                    } else {
                        "page_height_mm"
                    },
                    "is missing (needed for sheet stock)".into(),
                );
            };
            positive("page_width_mm", pw)?;
            positive("page_height_mm", ph)?;
            if self.columns == 0 || self.columns > 100 {
                return bad("columns", format!("is {}; must be 1 to 100", self.columns));
            }
            if self.rows == 0 || self.rows > 100 {
                return bad("rows", format!("is {}; must be 1 to 100", self.rows));
            }
            let lh = self.label_height_mm.unwrap_or(0.0);
            if let Some(hp) = self.horizontal_pitch_mm {
                positive("horizontal_pitch_mm", hp)?;
                if self.columns > 1 && hp + EPS_MM < self.label_width_mm {
                    return bad(
                        "horizontal_pitch_mm",
                        format!(
                            "is {hp} mm, less than label_width_mm {} mm: neighbouring labels would overlap",
                            self.label_width_mm
                        ),
                    );
                }
            } else if self.columns > 1 {
                return bad(
                    "horizontal_pitch_mm",
                    "is missing (needed with more than one column)".into(),
                );
            }
            if let Some(vp) = self.vertical_pitch_mm {
                positive("vertical_pitch_mm", vp)?;
                if self.rows > 1 && vp + EPS_MM < lh {
                    return bad(
                        "vertical_pitch_mm",
                        format!(
                            "is {vp} mm, less than label_height_mm {lh} mm: neighbouring labels would overlap"
                        ),
                    );
                }
            } else if self.rows > 1 {
                return bad(
                    "vertical_pitch_mm",
                    "is missing (needed with more than one row)".into(),
                );
            }
            let g = self.geometry(lh);
            let last = g.cell(g.per_page().saturating_sub(1));
            if last.right() > pw + EPS_MM {
                return bad(
                    "columns",
                    format!(
                        "{} columns from left_margin_mm {} at horizontal_pitch_mm {} end at {:.2} mm, past the page width {pw} mm",
                        self.columns,
                        self.left_margin_mm,
                        g.horizontal_pitch_mm,
                        last.right()
                    ),
                );
            }
            if last.bottom() > ph + EPS_MM {
                return bad(
                    "rows",
                    format!(
                        "{} rows from top_margin_mm {} at vertical_pitch_mm {} end at {:.2} mm, past the page height {ph} mm",
                        self.rows,
                        self.top_margin_mm,
                        g.vertical_pitch_mm,
                        last.bottom()
                    ),
                );
            }
        } else if self.columns != 1 || self.rows != 1 {
            return bad(
                if self.columns != 1 { "columns" } else { "rows" },
                "must be 1 on roll and continuous stock (one label per page)".into(),
            );
        }
        let short_side = self
            .label_width_mm
            .min(self.label_height_mm.unwrap_or(f64::INFINITY));
        if self.corner_radius_mm * 2.0 > short_side + EPS_MM {
            return bad(
                "corner_radius_mm",
                format!(
                    "{} mm is more than half the label's shorter side",
                    self.corner_radius_mm
                ),
            );
        }
        Ok(())
    }

    /// A one-line geometry description for listings.
    pub fn describe(&self) -> String {
        let mm = |v: f64| {
            let s = format!("{v:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        };
        match self.kind {
            StockKind::Continuous => format!(
                "{} mm wide tape, length from the template",
                mm(self.label_width_mm)
            ),
            StockKind::Roll => format!(
                "roll, {}×{} mm, one per page",
                mm(self.label_width_mm),
                mm(self.label_height_mm.unwrap_or(0.0))
            ),
            StockKind::Sheet => {
                let g = self.geometry(0.0);
                format!(
                    "{}×{} mm page, {}×{} of {}×{} mm, margins left {} top {}, pitch {}×{}, radius {}",
                    mm(g.page_width_mm),
                    mm(g.page_height_mm),
                    g.columns,
                    g.rows,
                    mm(g.label_width_mm),
                    mm(g.label_height_mm),
                    mm(g.left_margin_mm),
                    mm(g.top_margin_mm),
                    mm(g.horizontal_pitch_mm),
                    mm(g.vertical_pitch_mm),
                    mm(g.corner_radius_mm)
                )
            }
        }
    }
}

fn parse_all(text: &str, file: &str) -> Result<Vec<Stock>, StockError> {
    let parsed: StockFile = toml::from_str(text).map_err(|e| StockError::Syntax {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    if parsed.stock.is_empty() {
        return Err(StockError::Syntax {
            file: file.to_string(),
            message: "no [[stock]] table".into(),
        });
    }
    for s in &parsed.stock {
        s.validate()?;
    }
    Ok(parsed.stock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_valid_and_has_the_required_stocks() {
        let all = Stock::catalogue().unwrap();
        for id in [
            "avery-5160",
            "avery-5161",
            "avery-5163",
            "avery-5164",
            "avery-5167",
            "avery-22805",
            "avery-l7160",
            "avery-l7161",
            "avery-l7163",
            "avery-l7165",
            "avery-l7651",
            "a4-3x8",
            "letter-3x10",
            "roll-4x6in",
            "roll-2x1in",
            "roll-62x29mm",
            "roll-62mm-continuous",
        ] {
            assert!(all.iter().any(|s| s.id == id), "{id} missing");
        }
        let g = Stock::by_id("AVERY-5160").unwrap().geometry(0.0);
        assert_eq!(g.per_page(), 30);
        // Avery's published template: 3/16 in side margins on both sides, 2.75 in pitch.
        assert!((g.cell(29).right() - (4.7625 + 2.0 * 69.85 + 66.675)).abs() < 0.01);
        assert!((g.page_width_mm - g.cell(29).right() - 4.7625).abs() < 0.01);
    }

    #[test]
    fn overlapping_pitch_is_refused_naming_the_field() {
        let mut s = Stock::by_id("avery-5160").unwrap();
        s.horizontal_pitch_mm = Some(60.0);
        let e = s.validate().unwrap_err();
        assert!(
            matches!(
                e,
                StockError::Invalid {
                    field: "horizontal_pitch_mm",
                    ..
                }
            ),
            "{e}"
        );
        let mut s = Stock::by_id("avery-5160").unwrap();
        s.rows = 11;
        assert!(matches!(
            s.validate().unwrap_err(),
            StockError::Invalid { field: "rows", .. }
        ));
    }
}
