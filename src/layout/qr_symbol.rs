//! The bridge from an encoded `crate::qr::QrSymbol` to the layout model.

use super::{Frame, QrModules, qr_artwork_from_modules};

impl QrModules {
    /// Copies the matrix of an encoded symbol.
    pub fn from_symbol(symbol: &crate::qr::QrSymbol) -> Self {
        QrModules {
            width: symbol.width(),
            dark: symbol.modules().to_vec(),
        }
    }
}

/// QR-only artwork of an exact physical size: the symbol at `module_mm` per module with
/// `quiet_zone` light modules on each side, nothing else. The frame's size is exactly
/// `(width + 2·quiet_zone) · module_mm` square. Print-rule checks (minimum module size)
/// belong to the caller (`crate::qr`), which knows whether `--force` was given.
pub fn qr_artwork(symbol: &crate::qr::QrSymbol, module_mm: f64, quiet_zone: u32) -> Frame {
    qr_artwork_from_modules(QrModules::from_symbol(symbol), module_mm, quiet_zone)
}
