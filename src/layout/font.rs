//! The label fonts and text measurement: the faces a label may be drawn with, the
//! chain of faces that covers a paragraph (user font → DejaVu Sans → the bundled CJK
//! font), and shaping.
//!
//! Text is measured here with the very shaper krilla uses to draw it (rustybuzz over the
//! same font files), so a line that the layout says is 31.2 mm wide is 31.2 mm wide in the
//! PDF. resvg shapes with harfrust, a port of the same HarfBuzz algorithm, so SVG and PNG
//! output agrees to within rounding. The built-in faces are compiled in so that a label
//! looks the same on every machine and no system font lookup can substitute another face.
//!
//! **Fallback.** A paragraph is split into runs of the first face in its weight's chain
//! ([`FontSet`]) that has each character ([`segment`]): a brand's Latin typeface for the
//! words, DejaVu Sans for a `→` or `ő` it lacks, Noto Sans CJK for a manufacturer called
//! 深圳市海康智能有限公司. Each run is measured and drawn with that one face
//! ([`crate::layout::TextRun::font`]), so widths agree in every backend. Only a character
//! that no face has is an error.
//!
//! **User fonts** ([`load_user_face`]) are checked before use: a TrueType/OpenType file
//! (the first face of a collection), basic Latin in its `cmap`, and OS/2 `fsType` flags
//! that allow embedding a subset in a document.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use unicode_segmentation::UnicodeSegmentation;

/// DejaVu Sans Book (see `fonts/LICENSE-DejaVu.txt`: free to embed and redistribute).
pub static REGULAR_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
pub static BOLD_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");
/// Noto Sans CJK SC Regular, subset to the coverage in `fonts/README.md` (SIL OFL 1.1,
/// `fonts/LICENSE-NotoSansCJK.txt`): the fallback for Chinese, Japanese and Korean
/// text, used for both weights.
pub static CJK_OTF: &[u8] = include_bytes!("../../fonts/NotoSansCJKsc-Regular-subset.otf");
/// The family name both DejaVu files declare; the SVG backend names it in `font-family`.
pub const FAMILY: &str = "DejaVu Sans";

/// Millimetres per typographic point.
pub const MM_PER_PT: f64 = 25.4 / 72.0;

/// The two weights a label uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    /// The embedded DejaVu Sans file for this weight.
    pub fn ttf(self) -> &'static [u8] {
        match self {
            Weight::Regular => REGULAR_TTF,
            Weight::Bold => BOLD_TTF,
        }
    }
}

/// One shaped glyph, in font units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShapedGlyph {
    pub glyph_id: u16,
    pub x_advance: i32,
    pub x_offset: i32,
    pub y_offset: i32,
}

/// The bytes of a font file: compiled in, or read from a user's file and shared by
/// every frame and backend that draws with it.
#[derive(Clone)]
pub enum FontData {
    Static(&'static [u8]),
    Shared(Arc<Vec<u8>>),
}

impl FontData {
    pub fn bytes(&self) -> &[u8] {
        match self {
            FontData::Static(b) => b,
            FontData::Shared(v) => v.as_slice(),
        }
    }
}

type BuzzFace<'a> = rustybuzz::Face<'a>;

self_cell::self_cell!(
    /// A font file and the shaper's view of it, kept together (the face borrows the
    /// bytes).
    struct ShapeFace {
        owner: FontData,
        #[covariant]
        dependent: BuzzFace,
    }
);

/// Identifies a face's file and face index across the process: built-in faces have
/// small fixed ids, user faces a hash of their bytes, so loading the same file twice
/// gives the same id (backends cache their loaded fonts by it).
pub type FaceId = u64;

/// A parsed face, shared (see [`FaceRef`]) by the layout and the backends.
pub struct Face {
    cell: ShapeFace,
    index: u32,
    id: FaceId,
    family: String,
    /// Where the face came from, for messages: a file path or "built in".
    origin: String,
    /// Units per em.
    pub upem: f64,
    /// Typographic ascender and descender (positive, in em) from `hhea`; they bound
    /// every glyph the label uses, so a run's box is `baseline - ascent .. baseline + descent`.
    pub ascent_em: f64,
    pub descent_em: f64,
}

/// A shared handle to a [`Face`]; what a [`crate::layout::TextRun`] is drawn with.
pub type FaceRef = Arc<Face>;

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Face({:?} from {}, id {:x})",
            self.family, self.origin, self.id
        )
    }
}

impl PartialEq for Face {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

const REGULAR_ID: FaceId = 1;
const BOLD_ID: FaceId = 2;
const CJK_ID: FaceId = 3;

impl Face {
    fn parse(data: FontData, index: u32, id: FaceId, origin: String) -> Option<Face> {
        let cell = ShapeFace::try_new(data, |d| {
            rustybuzz::Face::from_slice(d.bytes(), index).ok_or(())
        })
        .ok()?;
        let face = cell.borrow_dependent();
        let upem = f64::from(face.units_per_em());
        let ascent_em = f64::from(face.ascender()) / upem;
        let descent_em = -f64::from(face.descender()) / upem;
        let family = family_name(face).unwrap_or_else(|| "Unnamed".to_string());
        Some(Face {
            cell,
            index,
            id,
            family,
            origin,
            upem,
            ascent_em,
            descent_em,
        })
    }

    /// Shapes `text` as one left-to-right run with the font's default features (kerning
    /// and ligatures), exactly as `krilla::surface::Surface::draw_text` does.
    pub fn shape(&self, text: &str) -> Vec<ShapedGlyph> {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let out = rustybuzz::shape(self.cell.borrow_dependent(), &[], buffer);
        out.glyph_infos()
            .iter()
            .zip(out.glyph_positions())
            .map(|(info, pos)| ShapedGlyph {
                glyph_id: u16::try_from(info.glyph_id).unwrap_or(0),
                x_advance: pos.x_advance,
                x_offset: pos.x_offset,
                y_offset: pos.y_offset,
            })
            .collect()
    }

    /// Width of `text` set at `size_pt`, in millimetres.
    pub fn width_mm(&self, text: &str, size_pt: f64) -> f64 {
        let units: i64 = self
            .shape(text)
            .iter()
            .map(|g| i64::from(g.x_advance))
            .sum();
        units as f64 / self.upem * size_pt * MM_PER_PT
    }

    /// Whether the face has a glyph for `c`.
    pub fn has_char(&self, c: char) -> bool {
        self.cell.borrow_dependent().glyph_index(c).is_some()
    }

    /// Whether every character of `text` has a glyph in this face (no `.notdef` boxes);
    /// white space and invisible format characters are not asked for.
    pub fn covers(&self, text: &str) -> bool {
        text.chars()
            .filter(|c| !c.is_whitespace() && !is_ignorable(*c))
            .all(|c| self.has_char(c))
    }

    /// The underlying ttf-parser face (for glyph outlines).
    pub fn ttf(&self) -> &ttf_parser::Face<'_> {
        self.cell.borrow_dependent()
    }

    /// The font file's bytes (backends embed or load them).
    pub fn data(&self) -> &FontData {
        self.cell.borrow_owner()
    }

    /// The face's index in its file (0 unless the file is a collection).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Identity for caches (see [`FaceId`]).
    pub fn id(&self) -> FaceId {
        self.id
    }

    /// The family name from the font's `name` table (typographic family if it has
    /// one), as font matching (fontdb, a designer's tool) knows it.
    pub fn family(&self) -> &str {
        &self.family
    }

    /// Where the face came from: the user's file path, or "built in".
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether this is one of the faces compiled into the binary.
    pub fn is_builtin(&self) -> bool {
        self.id <= CJK_ID
    }
}

/// The family name as fontdb reads it: the typographic family (name id 16) if there is
/// one, else the family (id 1); English (US) first, then any Unicode record.
fn family_name(face: &ttf_parser::Face<'_>) -> Option<String> {
    let names = face.names();
    for id in [
        ttf_parser::name_id::TYPOGRAPHIC_FAMILY,
        ttf_parser::name_id::FAMILY,
    ] {
        let mut found: Option<String> = None;
        for name in names.into_iter().filter(|n| n.name_id == id) {
            let Some(s) = name.to_string() else { continue };
            if name.language() == ttf_parser::Language::English_UnitedStates {
                return Some(s);
            }
            found.get_or_insert(s);
        }
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Format characters that are never drawn (joiners, variation selectors, the soft
/// hyphen, byte-order mark): a face need not have them.
fn is_ignorable(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}')
}

static BUILTIN: OnceLock<Option<[FaceRef; 3]>> = OnceLock::new();

fn builtin() -> Option<&'static [FaceRef; 3]> {
    BUILTIN
        .get_or_init(|| {
            let load = |bytes: &'static [u8], id| {
                Face::parse(FontData::Static(bytes), 0, id, "built in".into()).map(Arc::new)
            };
            Some([
                load(REGULAR_TTF, REGULAR_ID)?,
                load(BOLD_TTF, BOLD_ID)?,
                load(CJK_OTF, CJK_ID)?,
            ])
        })
        .as_ref()
}

/// The built-in DejaVu Sans face for `weight`. The font files are compiled in and known
/// good; a unit test proves they parse, so `None` here could only mean a corrupted build.
pub fn face(weight: Weight) -> Option<&'static FaceRef> {
    let faces = builtin()?;
    Some(match weight {
        Weight::Regular => &faces[0],
        Weight::Bold => &faces[1],
    })
}

/// The bundled CJK fallback face (one weight, used for regular and bold).
pub fn cjk() -> Option<&'static FaceRef> {
    builtin().map(|f| &f[2])
}

/// The user's own faces (`--font REGULAR[,BOLD]`): without a bold face, the regular
/// one sets the bold text too.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFonts {
    pub regular: FaceRef,
    pub bold: Option<FaceRef>,
}

/// The faces a label's text is set in, per weight, in order of preference.
#[derive(Debug, Clone, PartialEq)]
pub struct FontSet {
    regular: Vec<FaceRef>,
    bold: Vec<FaceRef>,
}

impl FontSet {
    /// User faces (if any) → DejaVu Sans → the CJK fallback. `None` only if the
    /// compiled-in fonts do not parse (a corrupted build).
    pub fn new(user: Option<&UserFonts>) -> Option<FontSet> {
        let [regular, bold, cjk] = builtin()?.clone();
        let mut r = vec![regular, cjk.clone()];
        let mut b = vec![bold, cjk];
        if let Some(u) = user {
            r.insert(0, u.regular.clone());
            b.insert(0, u.bold.clone().unwrap_or_else(|| u.regular.clone()));
        }
        Some(FontSet {
            regular: r,
            bold: b,
        })
    }

    /// The chain of faces for `weight`, first choice first.
    pub fn chain(&self, weight: Weight) -> &[FaceRef] {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

/// Splits `text` into runs, each set in one face of `chain`: every grapheme cluster
/// (a base character with its combining marks stays whole) takes the first face that
/// has all its characters, white space takes the face of its neighbour (the one before,
/// else after) when that face has it. Returns byte ranges of `text` with their face,
/// or the first character that no face has.
pub fn segment(chain: &[FaceRef], text: &str) -> Result<Vec<(FaceRef, Range<usize>)>, char> {
    let Some(first) = chain.first() else {
        return Err(text.chars().next().unwrap_or(' '));
    };
    // Nearly every run is in the first face: one cmap lookup per character.
    if text.chars().all(|c| is_ignorable(c) || first.has_char(c)) {
        return Ok(vec![(first.clone(), 0..text.len())]);
    }
    let mut clusters: Vec<(Range<usize>, Option<usize>)> = Vec::new();
    for (start, g) in text.grapheme_indices(true) {
        let range = start..start + g.len();
        let visible: Vec<char> = g
            .chars()
            .filter(|c| !c.is_whitespace() && !is_ignorable(*c))
            .collect();
        let Some(&base) = visible.first() else {
            clusters.push((range, None));
            continue;
        };
        let face = chain
            .iter()
            .position(|f| visible.iter().all(|c| f.has_char(*c)))
            .or_else(|| chain.iter().position(|f| f.has_char(base)))
            .ok_or(base)?;
        clusters.push((range, Some(face)));
    }
    for i in 0..clusters.len() {
        if clusters[i].1.is_some() {
            continue;
        }
        let g = &text[clusters[i].0.clone()];
        let has = |f: usize| g.chars().all(|c| is_ignorable(c) || chain[f].has_char(c));
        let prev = clusters[..i].iter().rev().find_map(|c| c.1);
        let next = clusters[i + 1..].iter().find_map(|c| c.1);
        // A space no face has is shaped as a plain space (HarfBuzz's fallback).
        let face = prev
            .filter(|f| has(*f))
            .or(next.filter(|f| has(*f)))
            .or_else(|| (0..chain.len()).find(|f| has(*f)))
            .or(prev)
            .or(next)
            .unwrap_or(0);
        clusters[i].1 = Some(face);
    }
    let mut runs: Vec<(usize, Range<usize>)> = Vec::new();
    for (range, face) in clusters {
        let face = face.unwrap_or(0);
        match runs.last_mut() {
            Some((f, r)) if *f == face => r.end = range.end,
            _ => runs.push((face, range)),
        }
    }
    Ok(runs
        .into_iter()
        .map(|(f, r)| (chain[f].clone(), r))
        .collect())
}

/// Why a user's font file cannot be used. Each names the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum FontError {
    #[error("{file} is not a TrueType or OpenType font: {reason}")]
    #[diagnostic(help(
        "--font takes .ttf, .otf or .ttc files (the first face of a collection is used)"
    ))]
    NotAFont { file: String, reason: String },
    #[error("{file} ({family}) has no glyphs for basic Latin: {missing}")]
    #[diagnostic(help(
        "choose the brand's Latin text face; Chinese, Japanese and Korean come from the bundled fallback font"
    ))]
    NoLatin {
        file: String,
        family: String,
        missing: String,
    },
    #[error(
        "{file} ({family}) may not be embedded in a document: its licence flags (OS/2 fsType 0x{fs_type:04X}) say {what}"
    )]
    #[diagnostic(help(
        "a label PDF embeds the glyphs it uses; ask the foundry for a licence that allows embedding (\"Installable\", \"Editable\" or \"Print & preview\"), or choose another font"
    ))]
    EmbeddingForbidden {
        file: String,
        family: String,
        fs_type: u16,
        what: &'static str,
    },
}

/// The raw OS/2 `fsType` and table version, if the face has an OS/2 table.
fn fs_type(face: &ttf_parser::Face<'_>) -> Option<(u16, u16)> {
    let os2 = face
        .raw_face()
        .table(ttf_parser::Tag::from_bytes(b"OS/2"))?;
    let version = u16::from_be_bytes([*os2.first()?, *os2.get(1)?]);
    let fs = u16::from_be_bytes([*os2.get(8)?, *os2.get(9)?]);
    Some((version, fs))
}

/// What the `fsType` flags forbid for a label PDF (which embeds a subset of the
/// outlines), if anything: "Restricted License" without a "Print & preview" or
/// "Editable" bit, "No subsetting", or "Bitmap embedding only".
fn embedding_refusal(version: u16, fs: u16) -> Option<&'static str> {
    if fs & 0x0002 != 0 && fs & 0x000C == 0 {
        return Some("\"Restricted License embedding\": no embedding at all");
    }
    if version >= 2 && fs & 0x0100 != 0 {
        return Some(
            "\"No subsetting\": only the whole font may be embedded, and labels embed subsets",
        );
    }
    if version >= 2 && fs & 0x0200 != 0 {
        return Some("\"Bitmap embedding only\": outlines may not be embedded");
    }
    None
}

/// The characters a user's text face must have: label words and numbers.
const LATIN_PROBE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Parses and checks a user's font file (`file` names it in errors): a TrueType or
/// OpenType font (of a collection, the first face), with basic Latin letters and
/// digits, whose licence flags allow embedding a subset.
pub fn load_user_face(file: &str, bytes: Vec<u8>) -> Result<FaceRef, FontError> {
    // The font parsers (dependencies) have panicked on malformed tables in builds with
    // overflow checks and debug assertions (found by `tests/fuzz.rs`, `fuzz_font`: the
    // shaper's layout tables, a cmap format 14 subtable): a user's file must give an
    // error, never a crash, so the whole check, the parse and a first shaping run are
    // isolated and a panic becomes "malformed tables".
    let name = file.to_string();
    std::panic::catch_unwind(move || check_user_face(&name, bytes)).unwrap_or_else(|_| {
        Err(FontError::NotAFont {
            file: file.to_string(),
            reason: "its tables are malformed (the font parser cannot read them)".into(),
        })
    })
}

fn check_user_face(file: &str, bytes: Vec<u8>) -> Result<FaceRef, FontError> {
    let not_font = |reason: &str| FontError::NotAFont {
        file: file.to_string(),
        reason: reason.to_string(),
    };
    match bytes.get(..4) {
        Some(b"wOFF") | Some(b"wOF2") => {
            return Err(not_font(
                "it is a WOFF web font; use the .ttf or .otf it was made from",
            ));
        }
        None => return Err(not_font("the file is empty or too short")),
        _ => {}
    }
    let parsed = ttf_parser::Face::parse(&bytes, 0).map_err(|e| {
        not_font(&match e {
            ttf_parser::FaceParsingError::UnknownMagic => {
                "it does not start like one (unknown file signature)".to_string()
            }
            other => format!("it does not parse ({other})"),
        })
    })?;
    let family = family_name(&parsed).unwrap_or_else(|| "unnamed".into());
    let missing: String = LATIN_PROBE
        .chars()
        .filter(|c| parsed.glyph_index(*c).is_none())
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    if !missing.is_empty() {
        let shown: String = missing.chars().take(60).collect();
        return Err(FontError::NoLatin {
            file: file.to_string(),
            family,
            missing: if shown.len() < missing.len() {
                format!("{shown} …")
            } else {
                shown
            },
        });
    }
    if let Some((version, fs)) = fs_type(&parsed)
        && let Some(what) = embedding_refusal(version, fs)
    {
        return Err(FontError::EmbeddingForbidden {
            file: file.to_string(),
            family,
            fs_type: fs,
            what,
        });
    }
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(&bytes);
    let mut id_bytes = [0u8; 8];
    id_bytes.copy_from_slice(&digest[..8]);
    // Never one of the small built-in ids.
    let id = u64::from_be_bytes(id_bytes) | (1 << 63);
    let face = Face::parse(FontData::Shared(Arc::new(bytes)), 0, id, file.to_string())
        .ok_or_else(|| not_font("the shaper cannot read it"))?;
    // A first shaping run, so that a face the shaper chokes on fails here.
    face.shape(LATIN_PROBE);
    Ok(Arc::new(face))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_parse_and_cover_label_languages() {
        for w in [Weight::Regular, Weight::Bold] {
            let f = face(w).expect("embedded font parses");
            assert!(f.covers("Sicherheitsupdates bis 12/2030 · é ß ñ ü ç à « » – ’"));
            assert!(f.ascent_em > 0.7 && f.descent_em > 0.1);
            assert_eq!(f.family(), FAMILY);
        }
        let c = cjk().expect("CJK font parses");
        assert_eq!(c.family(), "Noto Sans CJK SC");
        assert!(
            c.covers("深圳市海康智能有限公司 株式会社ノードライト 삼성전자 鴻海精密工業（株）、。")
        );
        assert!(
            !c.covers("A"),
            "Latin comes from DejaVu, not the CJK subset"
        );
    }

    #[test]
    fn bold_is_wider_and_width_scales_with_size() {
        let r = face(Weight::Regular).unwrap();
        let b = face(Weight::Bold).unwrap();
        let w8 = r.width_mm("Security updates", 8.0);
        assert!((r.width_mm("Security updates", 16.0) - 2.0 * w8).abs() < 1e-9);
        assert!(b.width_mm("Security updates", 8.0) > w8);
    }

    #[test]
    fn kerning_is_applied() {
        // "AV" kerns in DejaVu Sans: shaped width is less than the sum of the parts.
        let r = face(Weight::Regular).unwrap();
        assert!(r.width_mm("AV", 10.0) < r.width_mm("A", 10.0) + r.width_mm("V", 10.0));
    }

    fn names(runs: &[(FaceRef, Range<usize>)], text: &str) -> Vec<(String, String)> {
        runs.iter()
            .map(|(f, r)| (f.family().to_string(), text[r.clone()].to_string()))
            .collect()
    }

    #[test]
    fn text_is_split_into_runs_of_the_first_face_that_has_it() {
        let set = FontSet::new(None).unwrap();
        let chain = set.chain(Weight::Regular);
        let text = "Acme 深圳市海康 Ltd";
        let runs = segment(chain, text).unwrap();
        // The spaces go with the face before them.
        assert_eq!(
            names(&runs, text),
            [
                ("DejaVu Sans".into(), "Acme ".into()),
                ("Noto Sans CJK SC".into(), "深圳市海康 ".into()),
                ("DejaVu Sans".into(), "Ltd".into()),
            ]
        );
        // A leading space takes the face after it; all-Latin text is one run.
        let runs = segment(chain, " 삼성").unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].0.family(), "Noto Sans CJK SC");
        assert_eq!(segment(chain, "plain text").unwrap().len(), 1);
        // A base letter keeps its combining mark: both from the face that has both.
        let text = "e\u{301}";
        let runs = segment(chain, text).unwrap();
        assert_eq!(runs.len(), 1);
        // A character no face has is named.
        assert_eq!(segment(chain, "ok \u{0915}").unwrap_err(), '\u{0915}');
        assert_eq!(segment(chain, "𓀀").unwrap_err(), '𓀀');
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/fonts/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn user_faces_come_first_and_fall_back_per_character() {
        let regular =
            load_user_face("serif.ttf", fixture("DejaVuSerifCondensed-subset.ttf")).unwrap();
        assert_eq!(regular.family(), "DejaVu Serif Condensed");
        let again = load_user_face("copy.ttf", fixture("DejaVuSerifCondensed-subset.ttf")).unwrap();
        assert_eq!(regular.id(), again.id(), "same bytes, same id");
        let user = UserFonts {
            regular: regular.clone(),
            bold: None,
        };
        let set = FontSet::new(Some(&user)).unwrap();
        // No bold face: the regular one sets bold text.
        assert_eq!(set.chain(Weight::Bold)[0], regular);
        // The subset has Latin-1 but no arrow: the arrow comes from DejaVu Sans.
        let text = "Café → 株式会社";
        let runs = segment(set.chain(Weight::Regular), text).unwrap();
        assert_eq!(
            names(&runs, text),
            [
                ("DejaVu Serif Condensed".into(), "Café ".into()),
                ("DejaVu Sans".into(), "→ ".into()),
                ("Noto Sans CJK SC".into(), "株式会社".into()),
            ]
        );
    }

    #[test]
    fn user_fonts_are_checked() {
        let e = load_user_face("notes.txt", b"hello, not a font".to_vec()).unwrap_err();
        assert!(matches!(e, FontError::NotAFont { .. }));
        assert!(
            e.to_string().starts_with("notes.txt is not a TrueType"),
            "{e}"
        );
        let e = load_user_face("w.woff2", b"wOF2\0\0\0\0".to_vec()).unwrap_err();
        assert!(e.to_string().contains("WOFF"), "{e}");
        // The CJK subset has no Latin letters.
        let e = load_user_face("cjk.otf", CJK_OTF.to_vec()).unwrap_err();
        assert!(matches!(e, FontError::NoLatin { .. }), "{e}");
        assert!(e.to_string().contains("cjk.otf"), "{e}");
        for (fs, ok) in [
            (0x0000, true),
            (0x0004, true),
            (0x0008, true),
            (0x0006, true), // restricted, but print & preview wins (OS/2 version < 3)
            (0x0002, false),
            (0x0100, false),
            (0x0200, false),
        ] {
            assert_eq!(embedding_refusal(4, fs).is_none(), ok, "fsType {fs:#06x}");
        }
    }
}
