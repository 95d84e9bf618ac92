//! The QR symbol: the link text turned into a module matrix, plus the print rules that
//! decide whether that matrix will still scan at a given physical size.
//!
//! Why we plan segments ourselves instead of letting the encoder choose: the link is
//! `https://host/path#<digits>`. The URL part goes in ONE byte-mode segment, kept
//! lowercase (several phone cameras do not open `HTTPS://…` as a link, so the cheaper
//! upper-case alphanumeric mode is not an option), and the digits go in ONE numeric
//! segment (10 bits per 3 digits, about 8.14 bits per payload byte). Anything that is
//! not such a link is encoded whole in byte mode. Because `qrcode`'s
//! `push_numeric_data` silently corrupts non-digits, every segment is validated here
//! before it is handed over.
//!
//! The entry point is [`encode`]; [`plan_size`] turns a symbol plus a requested size
//! into a [`PrintPlan`] or a clear refusal.

use qrcode::bits::Bits;
use qrcode::types::{EcLevel as QrcEc, Version};
use std::fmt;
use std::str::FromStr;

/// QR error-correction level: the share of codewords that may be damaged and still
/// be recovered (about 7 %, 15 %, 25 %, 30 %). M is the default: a good balance
/// between size and tolerance to scuffed packaging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, clap::ValueEnum)]
pub enum EcLevel {
    /// About 7 % recovery; smallest symbol.
    L,
    /// About 15 % recovery (default).
    #[default]
    M,
    /// About 25 % recovery.
    Q,
    /// About 30 % recovery; largest symbol.
    H,
}

impl EcLevel {
    /// All levels, from least to most redundancy.
    pub const ALL: [EcLevel; 4] = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];

    fn to_qrcode(self) -> QrcEc {
        match self {
            EcLevel::L => QrcEc::L,
            EcLevel::M => QrcEc::M,
            EcLevel::Q => QrcEc::Q,
            EcLevel::H => QrcEc::H,
        }
    }
}

impl fmt::Display for EcLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EcLevel::L => "L",
            EcLevel::M => "M",
            EcLevel::Q => "Q",
            EcLevel::H => "H",
        })
    }
}

impl FromStr for EcLevel {
    type Err = QrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "L" => Ok(EcLevel::L),
            "M" => Ok(EcLevel::M),
            "Q" => Ok(EcLevel::Q),
            "H" => Ok(EcLevel::H),
            _ => Err(QrError::InvalidEcLevel {
                given: s.to_string(),
            }),
        }
    }
}

/// Everything that can stop a symbol from being made or printed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QrError {
    #[error("nothing to encode: the QR text is empty")]
    Empty,
    #[error(
        "character {ch:?} at position {position} cannot go in the QR: a link must be printable \
         ASCII (space to ~); percent-encode anything else"
    )]
    NotPrintable { ch: char, position: usize },
    #[error("invalid error-correction level {given:?}: expected L, M, Q or H")]
    InvalidEcLevel { given: String },
    #[error("invalid QR version {version}: expected 1 to 40")]
    InvalidVersion { version: u8 },
    #[error(
        "too much data: {needed_bits} data bits, but even version 40 at EC {ec} holds only \
         {max_bits}; use a lower error-correction level or a shorter payload"
    )]
    TooLong {
        needed_bits: usize,
        ec: EcLevel,
        max_bits: usize,
    },
    #[error(
        "the link needs {needed_bits} data bits, but version {version} at EC {ec} holds only \
         {capacity_bits}; the smallest version that fits is {smallest} (or lower the EC level)"
    )]
    VersionTooSmall {
        version: u8,
        ec: EcLevel,
        needed_bits: usize,
        capacity_bits: usize,
        smallest: u8,
    },
    #[error("the QR encoder failed: {0}")]
    Encoder(String),
    #[error("invalid size {given:?}: {reason}")]
    InvalidSize { given: String, reason: &'static str },
    #[error(
        "module {module_mm} mm < {min_mm} mm minimum {purpose}; the symbol needs at least \
         {min_total_mm} mm including quiet zone, or use --force"
    )]
    ModuleTooSmall {
        module_mm: String,
        min_mm: String,
        purpose: &'static str,
        min_total_mm: String,
    },
    #[error(
        "quiet zone of {quiet_zone} modules is below the 4 that QR readers need to find the \
         symbol; use 4 or more, or --force"
    )]
    QuietZoneTooSmall { quiet_zone: u32 },
}

/// One run of the segment plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// 8 bits per character; printable ASCII only.
    Byte(&'a str),
    /// 10 bits per 3 digits; ASCII digits only.
    Numeric(&'a str),
}

/// Splits a link into the segments we encode, validating each one.
///
/// `https://host/path#<digits>` becomes `[Byte("https://host/path#"), Numeric(digits)]`;
/// any other text (a base64url fragment, no fragment) becomes one byte segment. The
/// whole text must be printable ASCII: that is what links are, and it keeps the bytes in
/// the QR identical to what the phone opens.
pub fn segment_plan(text: &str) -> Result<Vec<Segment<'_>>, QrError> {
    if text.is_empty() {
        return Err(QrError::Empty);
    }
    if let Some((i, ch)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| !(' '..='~').contains(c))
    {
        return Err(QrError::NotPrintable {
            ch,
            position: i + 1,
        });
    }
    if let Some(hash) = text.find('#') {
        let (url, digits) = text.split_at(hash + 1);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(vec![Segment::Byte(url), Segment::Numeric(digits)]);
        }
    }
    Ok(vec![Segment::Byte(text)])
}

/// Data bits the segments need at `version` (mode indicators, character counts and
/// data; the terminator is optional when the symbol is full, so it is not counted).
pub fn data_bits(segments: &[Segment<'_>], version: u8) -> usize {
    let big = usize::from(version >= 10) + usize::from(version >= 27);
    segments
        .iter()
        .map(|s| match s {
            Segment::Byte(t) => 4 + [8, 16, 16][big] + 8 * t.len(),
            Segment::Numeric(d) => {
                let n = d.len();
                4 + [10, 12, 14][big] + 10 * (n / 3) + [0, 4, 7][n % 3]
            }
        })
        .sum()
}

/// Data bits a symbol of `version` (1..=40) holds at `ec`, from the QR tables in the
/// `qrcode` crate; 0 for an invalid version.
pub fn capacity_bits(version: u8, ec: EcLevel) -> usize {
    if !(1..=40).contains(&version) {
        return 0;
    }
    Bits::new(Version::Normal(i16::from(version)))
        .max_len(ec.to_qrcode())
        .unwrap_or(0)
}

/// The smallest version (1..=40) that holds `text` at `ec` with our segment plan.
pub fn min_version(text: &str, ec: EcLevel) -> Result<u8, QrError> {
    let segments = segment_plan(text)?;
    smallest_fit(&segments, ec)
}

fn smallest_fit(segments: &[Segment<'_>], ec: EcLevel) -> Result<u8, QrError> {
    (1..=40u8)
        .find(|&v| data_bits(segments, v) <= capacity_bits(v, ec))
        .ok_or(QrError::TooLong {
            needed_bits: data_bits(segments, 40),
            ec,
            max_bits: capacity_bits(40, ec),
        })
}

/// Draws the symbol and applies the mask with the lowest penalty.
///
/// This is what `qrcode::QrCode::with_bits` does, with the same penalty rules and the
/// same tie-break (first lowest score in mask order), so the symbol is identical (a test
/// checks it). The difference is speed, which matters when a print shop makes 10,000
/// distinct symbols: qrcode clones, masks and scores a full module canvas for each of
/// the eight masks. Here the data modules are read once into bit rows; each mask is
/// then an XOR with a precomputed bit table and an OR with the function patterns
/// (including the format information that names that mask), both taken from qrcode's
/// own canvas once per version and EC level and cached; and the scoring works on bit
/// rows too. qrcode then applies only the winning mask.
fn build_with_best_mask(
    bits: Bits,
    ec: qrcode::EcLevel,
) -> Result<(usize, Vec<bool>), qrcode::types::QrError> {
    use qrcode::canvas::Canvas;
    let version = bits.version();
    let width = version.width().max(0) as usize;
    let data = bits.into_bytes();
    let (encoded, ec_data) = qrcode::ec::construct_codewords(&data, version, ec)?;
    let mut canvas = Canvas::new(version, ec);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&encoded, &ec_data);
    let best = if width <= 113 {
        let tables = mask_tables(version, ec, width);
        let mut base = vec![0u128; width];
        for (y, row) in base.iter_mut().enumerate() {
            for x in 0..width {
                let dark = canvas.get(x as i16, y as i16).is_dark();
                *row |= u128::from(dark) << x;
            }
            *row &= tables.data[y];
        }
        let mut best = (u32::MAX, 0usize);
        let mut rows = vec![0u128; width];
        for p in 0..8 {
            for (y, r) in rows.iter_mut().enumerate() {
                *r = (base[y] ^ tables.flip[p][y]) | tables.functional[p][y];
            }
            let score = penalty_rows(&rows, width);
            if score < best.0 {
                best = (score, p);
            }
        }
        best.1
    } else {
        // Version 25 and up (rare for labels): score full canvases.
        let mut best = (u32::MAX, 0usize);
        for (p, pattern) in MASK_PATTERNS.iter().enumerate() {
            let mut c = canvas.clone();
            c.apply_mask(*pattern);
            let modules: Vec<bool> = c
                .into_colors()
                .into_iter()
                .map(|m| m == qrcode::Color::Dark)
                .collect();
            let score = penalty_slow(&modules, width);
            if score < best.0 {
                best = (score, p);
            }
        }
        best.1
    };
    canvas.apply_mask(MASK_PATTERNS[best]);
    let modules = canvas
        .into_colors()
        .into_iter()
        .map(|m| m == qrcode::Color::Dark)
        .collect();
    Ok((width, modules))
}

/// The eight QR mask patterns in the order of their 3-bit codes.
const MASK_PATTERNS: [qrcode::canvas::MaskPattern; 8] = {
    use qrcode::canvas::MaskPattern as M;
    [
        M::Checkerboard,
        M::HorizontalLines,
        M::VerticalLines,
        M::DiagonalLines,
        M::LargeCheckerboard,
        M::Fields,
        M::Diamonds,
        M::Meadow,
    ]
};

/// Per version and EC level: which modules hold data, and for each mask the data
/// modules it inverts and the dark function-pattern modules (finders, timing,
/// alignment, version and format information for that mask), as bit rows.
struct MaskTables {
    data: Vec<u128>,
    flip: [Vec<u128>; 8],
    functional: [Vec<u128>; 8],
}

/// Builds (once) the [`MaskTables`] from qrcode's own canvas: function patterns are
/// the modules it has already set before data placement; masking an otherwise empty
/// canvas turns exactly the inverted data modules dark.
fn mask_tables(version: Version, ec: qrcode::EcLevel, width: usize) -> std::sync::Arc<MaskTables> {
    use qrcode::canvas::{Canvas, Module};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Cache = Mutex<HashMap<(i16, u8), Arc<MaskTables>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = (version.width(), ec as u8);
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(t) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return t;
    }
    let mut empty = Canvas::new(version, ec);
    empty.draw_all_functional_patterns();
    let rows_of = |pred: &dyn Fn(usize, usize) -> bool| -> Vec<u128> {
        (0..width)
            .map(|y| (0..width).fold(0u128, |r, x| r | (u128::from(pred(x, y)) << x)))
            .collect()
    };
    let data = rows_of(&|x, y| matches!(empty.get(x as i16, y as i16), Module::Empty));
    let mut flip: [Vec<u128>; 8] = Default::default();
    let mut functional: [Vec<u128>; 8] = Default::default();
    for (p, pattern) in MASK_PATTERNS.iter().enumerate() {
        let mut c = empty.clone();
        c.apply_mask(*pattern);
        let dark = rows_of(&|x, y| c.get(x as i16, y as i16).is_dark());
        flip[p] = dark.iter().zip(&data).map(|(d, m)| d & m).collect();
        functional[p] = dark.iter().zip(&data).map(|(d, m)| d & !m).collect();
    }
    let tables = Arc::new(MaskTables {
        data,
        flip,
        functional,
    });
    if let Ok(mut c) = cache.lock() {
        c.insert(key, tables.clone());
    }
    tables
}

/// The mask penalty of ISO/IEC 18004 §7.8.3 as the qrcode crate computes it (up to a
/// constant): runs of five or more (N1), 2×2 blocks (N2), finder-like 1:1:3:1:1 runs
/// with four light modules on one side (N3), and the dark/light balance (N4).
///
/// Rows and columns are scored as bit masks (bit i = module i, 1 = dark), so each rule
/// is a handful of shifts and popcounts per line instead of a branch per module.
/// Symbols wider than 113 modules (version 25 and up) use the plain loop.
#[cfg(test)]
fn penalty(m: &[bool], n: usize) -> u32 {
    if n > 113 {
        return penalty_slow(m, n);
    }
    let rows: Vec<u128> = m
        .chunks_exact(n)
        .map(|row| {
            row.iter()
                .enumerate()
                .fold(0u128, |r, (x, &d)| r | (u128::from(d) << x))
        })
        .collect();
    penalty_rows(&rows, n)
}

/// [`penalty`] on bit rows (bit x of row y = module (x, y) is dark); n ≤ 113.
fn penalty_rows(rows: &[u128], n: usize) -> u32 {
    let full: u128 = (1u128 << n) - 1;
    let mut cols = vec![0u128; n];
    for (y, &row) in rows.iter().enumerate() {
        let mut r = row;
        while r != 0 {
            let x = r.trailing_zeros() as usize;
            cols[x] |= 1 << y;
            r &= r - 1;
        }
    }
    let mut score = 0u32;
    for &d in rows.iter().chain(cols.iter()) {
        score += runs_penalty(d, full) + finder_penalty(d, full);
    }
    // N2: a 2×2 block is one colour when two rows agree at x and x+1 and a row agrees
    // with itself from x to x+1.
    let pairs: u128 = full >> 1;
    for w in rows.windows(2) {
        let (a, b) = (w[0], w[1]);
        let vertical = !(a ^ b);
        let horizontal = !(a ^ (a >> 1));
        score += 3 * (vertical & (vertical >> 1) & horizontal & pairs).count_ones();
    }
    // N4: distance of the dark share from 50 %, in percent.
    let dark: u32 = rows.iter().map(|r| r.count_ones()).sum();
    let ratio = dark as usize * 200 / (n * n).max(1);
    score + ratio.abs_diff(100) as u32
}

/// N1 for one line: a run of length L ≥ 5 costs L − 2, which is the number of five-module
/// windows inside it (L − 4) plus 2 for the run itself.
fn runs_penalty(dark: u128, full: u128) -> u32 {
    let light = !dark & full;
    [dark, light]
        .into_iter()
        .map(|b| {
            let windows = b & (b >> 1) & (b >> 2) & (b >> 3) & (b >> 4);
            windows.count_ones() + 2 * (windows & !(windows << 1)).count_ones()
        })
        .sum()
}

/// N3 for one line: 40 for every dark-light-dark-dark-dark-light-dark at j with four light
/// (or outside) modules before it or after it.
fn finder_penalty(d: u128, full: u128) -> u32 {
    let starts = d & !(d >> 1) & (d >> 2) & (d >> 3) & (d >> 4) & !(d >> 5) & (d >> 6);
    // Light modules with four outside positions before the line (shifted in as light)
    // and everything past the end light too.
    let light = ((!d & full) << 4) | 0xf | !(full << 4);
    let four = light & (light >> 1) & (light >> 2) & (light >> 3);
    // Bit j of `four` is "j−4..j−1 all light"; bit j+11 is "j+7..j+10 all light".
    40 * (starts & (four | (four >> 11))).count_ones()
}

/// The same score with one branch per module (reference, and for very large symbols).
fn penalty_slow(m: &[bool], n: usize) -> u32 {
    let at = |horizontal: bool, line: usize, k: usize| {
        if horizontal {
            m[line * n + k]
        } else {
            m[k * n + line]
        }
    };
    let mut score = 0u32;
    for horizontal in [true, false] {
        for line in 0..n {
            let mut run = 1u32;
            for k in 1..=n {
                if k < n && at(horizontal, line, k) == at(horizontal, line, k - 1) {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += run - 2;
                    }
                    run = 1;
                }
            }
            const PATTERN: [bool; 7] = [true, false, true, true, true, false, true];
            for j in 0..n.saturating_sub(6) {
                if (0..7).any(|i| at(horizontal, line, j + i) != PATTERN[i]) {
                    continue;
                }
                let dark =
                    |k: isize| k >= 0 && (k as usize) < n && at(horizontal, line, k as usize);
                let j = j as isize;
                if !(j - 4..j).any(dark) || !(j + 7..j + 11).any(dark) {
                    score += 40;
                }
            }
        }
    }
    for y in 0..n.saturating_sub(1) {
        for x in 0..n.saturating_sub(1) {
            let c = m[y * n + x];
            if m[y * n + x + 1] == c && m[(y + 1) * n + x] == c && m[(y + 1) * n + x + 1] == c {
                score += 3;
            }
        }
    }
    let dark = m.iter().filter(|d| **d).count();
    let ratio = dark * 200 / m.len().max(1);
    score + ratio.abs_diff(100) as u32
}

/// Horizontal runs of dark modules as `(y, x0, len)` in a row-major `width × width`
/// matrix.
///
/// Vector backends draw one rectangle (or one stroked line) per run rather than one per
/// module: a version-8 symbol shrinks from about 1,200 shapes to about 500, and
/// neighbouring modules cannot show hairline seams when rasterised.
pub fn dark_runs(width: usize, dark: &[bool]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    dark.chunks_exact(width.max(1))
        .take(width)
        .enumerate()
        .flat_map(|(y, row)| {
            let mut out = Vec::new();
            let mut x = 0;
            while x < row.len() {
                if row[x] {
                    let x0 = x;
                    while x < row.len() && row[x] {
                        x += 1;
                    }
                    out.push((y, x0, x - x0));
                } else {
                    x += 1;
                }
            }
            out
        })
}

/// A finished QR symbol: a square of dark and light modules, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSymbol {
    pub version: u8,
    pub ec: EcLevel,
    /// Modules per side (17 + 4 × version).
    pub width: usize,
    modules: Vec<bool>,
}

/// Encodes `text` with our segment plan at the smallest version that fits, or at
/// `version` when given (an error with the numbers if it does not fit).
pub fn encode(text: &str, ec: EcLevel, version: Option<u8>) -> Result<QrSymbol, QrError> {
    let segments = segment_plan(text)?;
    let smallest = smallest_fit(&segments, ec)?;
    let version = match version {
        None => smallest,
        Some(v) if !(1..=40).contains(&v) => return Err(QrError::InvalidVersion { version: v }),
        Some(v) if v < smallest => {
            return Err(QrError::VersionTooSmall {
                version: v,
                ec,
                needed_bits: data_bits(&segments, v),
                capacity_bits: capacity_bits(v, ec),
                smallest,
            });
        }
        Some(v) => v,
    };
    let enc = |e: qrcode::types::QrError| QrError::Encoder(e.to_string());
    let mut bits = Bits::new(Version::Normal(i16::from(version)));
    for segment in &segments {
        match segment {
            // Validated by segment_plan: printable ASCII / ASCII digits only.
            Segment::Byte(t) => bits.push_byte_data(t.as_bytes()).map_err(enc)?,
            Segment::Numeric(d) => bits.push_numeric_data(d.as_bytes()).map_err(enc)?,
        }
    }
    bits.push_terminator(ec.to_qrcode()).map_err(enc)?;
    let (width, modules) = build_with_best_mask(bits, ec.to_qrcode()).map_err(enc)?;
    Ok(QrSymbol {
        version,
        ec,
        width,
        modules,
    })
}

impl QrSymbol {
    /// Modules per side (same as the `width` field; for code that wants a method).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark; false outside the symbol
    /// (the quiet zone is light).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width
            && y < self.width
            && self
                .modules
                .get(y * self.width + x)
                .copied()
                .unwrap_or(false)
    }

    /// Horizontal runs of dark modules as `(y, x0, len)`, row by row (see [`dark_runs`]).
    pub fn runs(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        dark_runs(self.width, &self.modules)
    }

    /// The module matrix, row-major, `true` = dark.
    pub fn modules(&self) -> &[bool] {
        &self.modules
    }

    /// A preview for a terminal, two module rows per text line using half blocks.
    ///
    /// Like `qrencode -t UTF8`, the block glyphs draw the LIGHT modules and the quiet
    /// zone, and dark modules are left as blank background. On the usual dark terminal
    /// that gives dark modules on a light field, the way a phone expects; the quiet zone
    /// must be drawn for the same reason (the terminal background is dark).
    pub fn to_terminal(&self, quiet_zone: usize) -> String {
        let n = self.width + 2 * quiet_zone;
        let light = |x: usize, y: usize| -> bool {
            // Rows past the end (odd total height) stay background.
            y < n && !self.is_dark(x.wrapping_sub(quiet_zone), y.wrapping_sub(quiet_zone))
        };
        let mut out = String::with_capacity((n + 1) * n.div_ceil(2) * 3);
        for y in (0..n).step_by(2) {
            for x in 0..n {
                out.push(match (light(x, y), light(x, y + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            out.push('\n');
        }
        out
    }
}

/// Physical print limits for a symbol.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrintRules {
    /// Smallest module edge in mm: 0.25 for phone scanning (default), 0.396 for retail
    /// point-of-sale scanners (the GS1 minimum for QR on trade items).
    pub min_module_mm: f64,
    /// Light border in modules on every side; QR readers need 4.
    pub quiet_zone: u32,
    /// Print anyway when the rules are broken (the user's responsibility).
    pub force: bool,
}

impl PrintRules {
    /// The phone-scanning floor.
    pub const PHONE_MIN_MODULE_MM: f64 = 0.25;
    /// The GS1 point-of-sale minimum module size for QR codes.
    pub const RETAIL_MIN_MODULE_MM: f64 = 0.396;

    /// Rules for retail packaging scanned at a till (`--retail`).
    pub fn retail() -> PrintRules {
        PrintRules {
            min_module_mm: Self::RETAIL_MIN_MODULE_MM,
            ..PrintRules::default()
        }
    }
}

impl Default for PrintRules {
    fn default() -> Self {
        PrintRules {
            min_module_mm: Self::PHONE_MIN_MODULE_MM,
            quiet_zone: 4,
            force: false,
        }
    }
}

/// A requested physical size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    /// Overall edge in mm, INCLUDING the quiet zone.
    Total(f64),
    /// Module edge in mm.
    Module(f64),
}

/// Parses a length such as `25mm`, `2.5cm`, `1in`, `72pt` or a bare number (mm) into mm.
pub fn parse_length_mm(s: &str) -> Result<f64, QrError> {
    let t = s.trim();
    let bad = |reason| QrError::InvalidSize {
        given: s.to_string(),
        reason,
    };
    let (num, factor) = [("mm", 1.0), ("cm", 10.0), ("in", 25.4), ("pt", 25.4 / 72.0)]
        .iter()
        .find_map(|(unit, f)| t.strip_suffix(unit).map(|n| (n.trim(), *f)))
        .unwrap_or((t, 1.0));
    let v: f64 = num
        .parse()
        .map_err(|_| bad("expected a number with mm, cm, in or pt, e.g. 25mm"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(bad("the length must be a positive number"));
    }
    Ok(v * factor)
}

/// How a symbol will be printed: what the CLI reports and the renderers draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrintPlan {
    pub version: u8,
    pub ec: EcLevel,
    /// Modules per side, without quiet zone.
    pub modules: usize,
    pub module_mm: f64,
    /// Quiet zone in modules on each side.
    pub quiet_zone: u32,
    /// Overall edge in mm including the quiet zone.
    pub total_mm: f64,
}

impl fmt::Display for PrintPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "QR version {} ({m}×{m} modules), EC {}, module {:.3} mm, {:.1} mm with {}-module quiet zone",
            self.version,
            self.ec,
            self.module_mm,
            self.total_mm,
            self.quiet_zone,
            m = self.modules
        )
    }
}

/// The smallest overall edge (mm, including quiet zone) that keeps the modules at
/// or above the rules' floor.
pub fn min_total_mm(symbol: &QrSymbol, rules: &PrintRules) -> f64 {
    rules.min_module_mm * (symbol.width + 2 * rules.quiet_zone as usize) as f64
}

/// Works out the module size for a requested size and checks it against the rules.
///
/// Refuses (unless `rules.force`) a module below `rules.min_module_mm` and a quiet
/// zone below 4 modules, with the numbers needed to fix it.
pub fn plan_size(symbol: &QrSymbol, size: Size, rules: &PrintRules) -> Result<PrintPlan, QrError> {
    let n = (symbol.width + 2 * rules.quiet_zone as usize) as f64;
    let (module_mm, total_mm) = match size {
        Size::Total(t) => (t / n, t),
        Size::Module(m) => (m, m * n),
    };
    if !module_mm.is_finite() || module_mm <= 0.0 {
        return Err(QrError::InvalidSize {
            given: format!("{size:?}"),
            reason: "the size must be a positive number of mm",
        });
    }
    if rules.quiet_zone < 4 && !rules.force {
        return Err(QrError::QuietZoneTooSmall {
            quiet_zone: rules.quiet_zone,
        });
    }
    // Compare with a little tolerance so "0.4mm" from a 0.4 floor is not refused for
    // a rounding error in t / n.
    if module_mm + 1e-9 < rules.min_module_mm && !rules.force {
        let purpose = if rules.min_module_mm >= PrintRules::RETAIL_MIN_MODULE_MM {
            "for retail scanners (GS1)"
        } else {
            "for phone scanning"
        };
        // Round the suggestion UP to 0.1 mm so that following it passes.
        let need = (min_total_mm(symbol, rules) * 10.0).ceil() / 10.0;
        return Err(QrError::ModuleTooSmall {
            module_mm: trim_num(module_mm, 3),
            min_mm: trim_num(rules.min_module_mm, 3),
            purpose,
            min_total_mm: format!("{need:.1}"),
        });
    }
    Ok(PrintPlan {
        version: symbol.version,
        ec: symbol.ec,
        modules: symbol.width,
        module_mm,
        quiet_zone: rules.quiet_zone,
        total_mm,
    })
}

/// `0.210` → `"0.21"`: numbers in messages without noise digits.
fn trim_num(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_parallel_penalty_equals_the_plain_loop() {
        // Random matrices of several sizes, including the 113-module limit.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for n in [21usize, 49, 57, 65, 101, 113] {
            for _ in 0..40 {
                let m: Vec<bool> = (0..n * n)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        x & 1 == 0
                    })
                    .collect();
                assert_eq!(penalty(&m, n), penalty_slow(&m, n), "n = {n}");
            }
        }
    }

    #[test]
    fn fast_mask_selection_gives_the_same_symbol_as_qrcode() {
        // Several lengths and every EC level: our symbol must equal qrcode's own.
        // 1,500 digits needs version 25+ at some levels: the canvas-scoring path.
        for len in [10usize, 57, 123, 200, 301, 1500] {
            let digits: String = (0..len)
                .map(|i| char::from(b'0' + ((i * 7 + len) % 10) as u8))
                .collect();
            let text = format!("https://verify.example/v#{digits}");
            for ec in EcLevel::ALL {
                let ours = encode(&text, ec, None).unwrap();
                // Build qrcode's reference from the same bits (its own segmenting may differ).
                let segs = segment_plan(&text).unwrap();
                let mut bits = Bits::new(Version::Normal(i16::from(ours.version)));
                for seg in &segs {
                    match seg {
                        Segment::Byte(b) => bits.push_byte_data(b.as_bytes()).unwrap(),
                        Segment::Numeric(d) => bits.push_numeric_data(d.as_bytes()).unwrap(),
                    }
                }
                bits.push_terminator(ec.to_qrcode()).unwrap();
                let reference = qrcode::QrCode::with_bits(bits, ec.to_qrcode()).unwrap();
                let reference: Vec<bool> = reference
                    .to_colors()
                    .into_iter()
                    .map(|c| c == qrcode::Color::Dark)
                    .collect();
                assert_eq!(ours.modules, reference, "len {len} ec {ec}");
            }
        }
    }

    #[test]
    fn own_bit_count_matches_qrcode() {
        let texts = [
            "https://a.example/u#0123456789",
            "https://a.example/u#hEOh",
            "x",
            "https://a#1",
        ];
        for t in texts {
            let segs = segment_plan(t).unwrap();
            for v in [1u8, 9, 10, 26, 27, 40] {
                let mut bits = Bits::new(Version::Normal(i16::from(v)));
                for s in &segs {
                    match s {
                        Segment::Byte(b) => bits.push_byte_data(b.as_bytes()).unwrap(),
                        Segment::Numeric(d) => bits.push_numeric_data(d.as_bytes()).unwrap(),
                    }
                }
                assert_eq!(bits.len(), data_bits(&segs, v), "{t} v{v}");
            }
        }
    }
}
