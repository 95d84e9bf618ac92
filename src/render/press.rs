//! Press finishing of a PDF that krilla wrote: PDF/X-4 identification and output
//! intent, overprint for 100 % K, and the die line as a `CutContour` spot colour on an
//! optional content group named "Cut".
//!
//! Why a second pass: krilla 0.8 writes TrimBox/BleedBox, subset fonts and PDF/A, but
//! has no PDF/X, no overprint (no such graphics-state parameter in its API) and no
//! optional content. Rather than writing PDF by hand, the finished file is loaded with
//! lopdf and edited in the few places these need: the catalog (`OutputIntents`,
//! `OCProperties`), the document information and XMP metadata, and each page's content
//! stream (a `gs` before every colour change, and the cut path appended). Fonts, images
//! and everything else krilla wrote pass through unchanged, and the edit is
//! deterministic: identical input gives identical bytes.
//!
//! What PDF/X-4 ([`PdfStandard::X4`]) here means, exactly:
//! - `GTS_PDFXVersion (PDF/X-4)` in the information dictionary and
//!   `pdfxid:GTS_PDFXVersion` in XMP, with title, dates, creator, producer and
//!   `Trapped False` identical in both; XMP document, instance and version ids.
//! - One `GTS_PDFX` output intent with the embedded CMYK characterisation
//!   [`ISO_COATED_V2`] (FOGRA39, ISO 12647-2 coated paper).
//! - Header version 1.6, a trailer `ID`, TrimBox and BleedBox on every page (krilla).
//! - Colour: DeviceCMYK only (RGB black is refused with this standard), 100 % K fills
//!   and strokes (text, QR, rules) overprint with overprint mode 1, every other colour
//!   (paper white, registration black) knocks out.
//! - Nothing PDF/X-4 forbids: no encryption, actions, JavaScript, transfer functions,
//!   PostScript or external content — krilla writes none of these for our frames.
//!
//! Not done: no PDF/X checker runs here (none is packaged for Debian); the tests read
//! the file back with `qpdf --json` and assert each point above.

use std::collections::BTreeMap;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};
use sha2::{Digest, Sha256};

use super::RenderError;
use crate::layout::{PathSeg, RectMm};

/// ISO Coated v2 300 % (basICColor), the FOGRA39 characterisation of offset printing on
/// coated paper, under the zlib licence (assets/icc/ISOcoated_v2_300_bas.LICENSE.txt).
/// About 1 MB (0.78 MB compressed): embedded only in PDF/X-4 and PDF/A-2b files.
pub const ISO_COATED_V2: &[u8] = include_bytes!("../../assets/icc/ISOcoated_v2_300_bas.icc");
/// The output condition the profile characterises, as registered with the ICC.
pub const OUTPUT_CONDITION_ID: &str = "FOGRA39";
const OUTPUT_CONDITION: &str = "Offset printing, according to ISO 12647-2:2004/Amd 1, OFCOM, paper type 1 or 2 = coated art, 115 g/m2, screen ruling 60/cm";
const PROFILE_INFO: &str = "ISO Coated v2 300% (basICColor)";
/// The spot colour name cutters and RIPs look for.
pub const CUT_COLORANT: &str = "CutContour";
/// The optional content group (layer) the cut path is on.
pub const CUT_LAYER: &str = "Cut";
/// Cut-path stroke width in points.
pub const CUT_STROKE_PT: f64 = 0.25;

/// Which PDF standard a file follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PdfStandard {
    /// Plain PDF 1.7 (small: no profile embedded).
    #[default]
    None,
    /// PDF/X-4 for the press.
    X4,
    /// PDF/A-2b for archive copies (krilla's own validator).
    A2b,
}

impl std::str::FromStr for PdfStandard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "x4" | "pdf/x-4" | "x-4" => Ok(PdfStandard::X4),
            "a2b" | "pdf/a-2b" | "a-2b" => Ok(PdfStandard::A2b),
            "none" | "plain" => Ok(PdfStandard::None),
            _ => Err(format!(
                "unknown PDF standard {s:?}; use x4 (PDF/X-4, press), a2b (PDF/A-2b, archive) or none"
            )),
        }
    }
}

/// One closed die-cut shape on a page, in millimetres from the page's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CutShape {
    pub rect: RectMm,
    pub radius_mm: f64,
}

/// Document facts the identification repeats.
#[derive(Debug, Clone)]
pub struct DocFacts<'a> {
    pub title: &'a str,
    pub creator: &'a str,
}

/// Applies PDF/X-4 (if `standard` is [`PdfStandard::X4`]) and the cut paths (`cuts[i]`
/// for page i; empty for none) to the PDF `bytes`.
pub fn finish(
    bytes: &[u8],
    standard: PdfStandard,
    cuts: &[Vec<CutShape>],
    facts: &DocFacts<'_>,
) -> Result<Vec<u8>, RenderError> {
    let x4 = standard == PdfStandard::X4;
    let any_cut = cuts.iter().any(|c| !c.is_empty());
    if !x4 && !any_cut {
        return Ok(bytes.to_vec());
    }
    if standard == PdfStandard::A2b {
        // A spot colour with a DeviceCMYK alternate is not PDF/A without a CMYK output
        // intent, and an archive copy has no use for a die line.
        return Err(RenderError::CutPathArchive);
    }
    let err = |what: &str, e: lopdf::Error| RenderError::Pdf(format!("{what}: {e}"));
    let digest = Sha256::digest(bytes);
    let mut doc = Document::load_mem(bytes).map_err(|e| err("re-reading the PDF", e))?;

    let ocg = if any_cut {
        let ocg = doc.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"OCG".to_vec())),
            ("Name", text_string(CUT_LAYER)),
        ]));
        let d = Dictionary::from_iter([
            ("Name", text_string(CUT_LAYER)),
            ("Order", Object::Array(vec![Object::Reference(ocg)])),
            ("ON", Object::Array(vec![Object::Reference(ocg)])),
        ]);
        let props = Dictionary::from_iter([
            ("OCGs", Object::Array(vec![Object::Reference(ocg)])),
            ("D", Object::Dictionary(d)),
        ]);
        doc.catalog_mut()
            .map_err(|e| err("catalog", e))?
            .set("OCProperties", props);
        Some(ocg)
    } else {
        None
    };
    // The Separation space, one object shared by every page.
    let cut_cs = ocg.map(|_| {
        let tint = Dictionary::from_iter([
            ("FunctionType", Object::Integer(2)),
            ("Domain", reals(&[0.0, 1.0])),
            ("C0", reals(&[0.0, 0.0, 0.0, 0.0])),
            ("C1", reals(&[0.0, 1.0, 0.0, 0.0])),
            ("N", Object::Integer(1)),
        ]);
        doc.add_object(Object::Array(vec![
            Object::Name(b"Separation".to_vec()),
            Object::Name(CUT_COLORANT.as_bytes().to_vec()),
            Object::Name(b"DeviceCMYK".to_vec()),
            Object::Dictionary(tint),
        ]))
    });

    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    for (i, page) in pages.iter().enumerate() {
        let page_cuts = cuts.get(i).map(Vec::as_slice).unwrap_or(&[]);
        if !x4 && page_cuts.is_empty() {
            continue;
        }
        let height_pt = media_height(&doc, *page)
            .ok_or_else(|| RenderError::Pdf(format!("page {} has no MediaBox", i + 1)))?;
        let raw = doc.get_page_content(*page);
        let content = Content::decode(&raw).map_err(|e| err("parsing page content", e))?;
        let mut ops = if x4 {
            with_overprint(content.operations)
        } else {
            content.operations
        };
        let mut resources: Vec<(&str, &str, Object)> = Vec::new();
        if x4 {
            for (name, op_stroke, op_fill) in OVERPRINT_STATES {
                resources.push((
                    "ExtGState",
                    name,
                    Object::Dictionary(gstate(op_stroke, op_fill)),
                ));
            }
        }
        if let (Some(ocg), Some(cs)) = (ocg, cut_cs)
            && !page_cuts.is_empty()
        {
            ops.insert(0, Operation::new("q", vec![]));
            ops.push(Operation::new("Q", vec![]));
            ops.extend(cut_ops(page_cuts, height_pt));
            resources.push(("Properties", "IOTcut", Object::Reference(ocg)));
            resources.push(("ColorSpace", "IOTcutcs", Object::Reference(cs)));
            resources.push((
                "ExtGState",
                "IOTcutgs",
                Object::Dictionary(gstate(true, true)),
            ));
        }
        let encoded = Content { operations: ops }
            .encode()
            .map_err(|e| err("writing page content", e))?;
        let mut stream = Stream::new(Dictionary::new(), encoded);
        stream
            .compress()
            .map_err(|e| err("compressing page content", e))?;
        let content_id = doc.add_object(stream);
        add_resources(&mut doc, *page, &resources).map_err(|e| err("page resources", e))?;
        doc.get_dictionary_mut(*page)
            .map_err(|e| err("page", e))?
            .set("Contents", Object::Reference(content_id));
    }

    if x4 {
        identify_x4(&mut doc, facts, &digest).map_err(|e| err("PDF/X-4 identification", e))?;
        doc.version = "1.6".into();
    }
    doc.prune_objects();
    doc.renumber_objects();
    let mut out = Vec::with_capacity(bytes.len() + ISO_COATED_V2.len());
    doc.save_to(&mut out)
        .map_err(|e| RenderError::Pdf(format!("writing the PDF: {e}")))?;
    Ok(out)
}

/// ExtGState names and their (`OP` stroke, `op` fill) overprint flags. Both are always
/// given: an `OP` without `op` would set the fill's too.
const OVERPRINT_STATES: [(&str, bool, bool); 4] = [
    ("IOTk00", false, false),
    ("IOTk01", false, true),
    ("IOTk10", true, false),
    ("IOTk11", true, true),
];

fn gstate(op_stroke: bool, op_fill: bool) -> Dictionary {
    Dictionary::from_iter([
        ("Type", Object::Name(b"ExtGState".to_vec())),
        ("OP", Object::Boolean(op_stroke)),
        ("op", Object::Boolean(op_fill)),
        ("OPM", Object::Integer(1)),
    ])
}

fn reals(v: &[f32]) -> Object {
    Object::Array(v.iter().map(|x| Object::Real(*x)).collect())
}

/// A PDF text string: ASCII as is, anything else as UTF-16BE with a byte-order mark.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut b = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            b.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(b, StringFormat::Hexadecimal)
    }
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(*r as f64),
        _ => None,
    }
}

/// Is this colour operation 100 % K (C = M = Y = 0, K = 1)?
fn is_full_k(operands: &[Object]) -> bool {
    let v: Vec<f64> = operands.iter().filter_map(number).collect();
    v.len() == 4 && v.len() == operands.len() && v[..3].iter().all(|c| *c == 0.0) && v[3] == 1.0
}

/// Inserts a `gs` before every colour change so that 100 % K overprints and every other
/// colour (and every image or form, such as a logo) knocks out. The state follows `q`/`Q` like the colours it mirrors.
fn with_overprint(ops: Vec<Operation>) -> Vec<Operation> {
    let mut out = Vec::with_capacity(ops.len() + ops.len() / 8 + 1);
    // (stroke K, fill K); the initial colours are DeviceGray black, which knock out.
    let mut state = (false, false);
    let mut applied = (false, false);
    let mut stack: Vec<((bool, bool), (bool, bool))> = Vec::new();
    for op in ops {
        match op.operator.as_str() {
            "q" => stack.push((state, applied)),
            "Q" => {
                if let Some((s, a)) = stack.pop() {
                    state = s;
                    applied = a;
                }
            }
            "k" | "sc" | "scn" | "g" | "rg" | "cs" => state.1 = is_full_k(&op.operands),
            "K" | "SC" | "SCN" | "G" | "RG" | "CS" => state.0 = is_full_k(&op.operands),
            _ => {}
        }
        let paints = matches!(
            op.operator.as_str(),
            "f" | "F"
                | "f*"
                | "B"
                | "B*"
                | "b"
                | "b*"
                | "S"
                | "s"
                | "Tj"
                | "TJ"
                | "'"
                | "\""
                | "sh"
                | "Do"
        );
        // An image or a form (a logo) brings its own colours: it always knocks out, or
        // a logo drawn after black text would inherit that text's overprint.
        let want = if op.operator == "Do" {
            (false, false)
        } else {
            state
        };
        if paints && want != applied {
            let name = match want {
                (false, false) => "IOTk00",
                (false, true) => "IOTk01",
                (true, false) => "IOTk10",
                (true, true) => "IOTk11",
            };
            out.push(Operation::new(
                "gs",
                vec![Object::Name(name.as_bytes().to_vec())],
            ));
            applied = want;
        }
        out.push(op);
    }
    out
}

fn media_height(doc: &Document, page: ObjectId) -> Option<f64> {
    let d = doc.get_dictionary(page).ok()?;
    let mb = d.get(b"MediaBox").ok()?;
    let arr = match mb {
        Object::Reference(r) => doc.get_object(*r).ok()?.as_array().ok()?,
        o => o.as_array().ok()?,
    };
    let v: Vec<f64> = arr.iter().filter_map(number).collect();
    (v.len() == 4).then(|| v[3] - v[1])
}

/// The die line: `q /OC /IOTcut BDC … EMC Q`, drawn in millimetres from the top-left
/// corner under one transform, stroked 0.25 pt in 100 % CutContour, overprinting.
fn cut_ops(cuts: &[CutShape], page_height_pt: f64) -> Vec<Operation> {
    let s = super::pdf::PT_PER_MM;
    let r = |v: f64| Object::Real(((v * 10_000.0).round() / 10_000.0) as f32);
    let mut ops = vec![
        Operation::new("q", vec![]),
        Operation::new(
            "BDC",
            vec![
                Object::Name(b"OC".to_vec()),
                Object::Name(b"IOTcut".to_vec()),
            ],
        ),
        Operation::new("gs", vec![Object::Name(b"IOTcutgs".to_vec())]),
        Operation::new(
            "cm",
            vec![r(s), r(0.0), r(0.0), r(-s), r(0.0), r(page_height_pt)],
        ),
        Operation::new("CS", vec![Object::Name(b"IOTcutcs".to_vec())]),
        Operation::new("SCN", vec![r(1.0)]),
        Operation::new("w", vec![r(CUT_STROKE_PT / s)]),
        Operation::new("j", vec![Object::Integer(0)]),
    ];
    for c in cuts {
        for seg in c.rect.rounded_outline(c.radius_mm) {
            let (name, v): (&str, Vec<f64>) = match seg {
                PathSeg::Rect(x, y, w, h) => ("re", vec![x, y, w, h]),
                PathSeg::Move(x, y) => ("m", vec![x, y]),
                PathSeg::Line(x, y) => ("l", vec![x, y]),
                PathSeg::Cubic(p) => ("c", p.to_vec()),
                PathSeg::Close => ("h", vec![]),
            };
            ops.push(Operation::new(name, v.into_iter().map(r).collect()));
        }
    }
    ops.push(Operation::new("S", vec![]));
    ops.push(Operation::new("EMC", vec![]));
    ops.push(Operation::new("Q", vec![]));
    ops
}

/// Adds `(category, name, value)` entries to a page's resources (inline or referenced).
fn add_resources(
    doc: &mut Document,
    page: ObjectId,
    entries: &[(&str, &str, Object)],
) -> Result<(), lopdf::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    // Make the page's resources an inline dictionary of inline dictionaries, so that
    // editing them touches nothing another page shares.
    let mut res = match doc.get_dictionary(page)?.get(b"Resources") {
        Ok(Object::Reference(r)) => doc.get_dictionary(*r)?.clone(),
        Ok(Object::Dictionary(d)) => d.clone(),
        _ => Dictionary::new(),
    };
    let mut groups: BTreeMap<&str, Vec<(&str, Object)>> = BTreeMap::new();
    for (cat, name, value) in entries {
        groups.entry(cat).or_default().push((name, value.clone()));
    }
    for (cat, items) in groups {
        let mut sub = match res.get(cat.as_bytes()) {
            Ok(Object::Reference(r)) => doc.get_dictionary(*r)?.clone(),
            Ok(Object::Dictionary(d)) => d.clone(),
            _ => Dictionary::new(),
        };
        for (name, value) in items {
            sub.set(name.as_bytes().to_vec(), value);
        }
        res.set(cat.as_bytes().to_vec(), Object::Dictionary(sub));
    }
    doc.get_dictionary_mut(page)?
        .set("Resources", Object::Dictionary(res));
    Ok(())
}

/// The fixed dates (see `pdf::fixed_date`), in PDF and XMP form.
const PDF_DATE: &str = "D:20260101000000Z";
const XMP_DATE: &str = "2026-01-01T00:00:00Z";

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Information dictionary, XMP metadata and the output intent.
fn identify_x4(
    doc: &mut Document,
    facts: &DocFacts<'_>,
    digest: &[u8],
) -> Result<(), lopdf::Error> {
    let producer = format!("iotlabel {} (krilla, lopdf)", env!("CARGO_PKG_VERSION"));
    let info = Dictionary::from_iter([
        ("Title", text_string(facts.title)),
        ("Creator", text_string(facts.creator)),
        ("Producer", text_string(&producer)),
        ("CreationDate", text_string(PDF_DATE)),
        ("ModDate", text_string(PDF_DATE)),
        ("Trapped", Object::Name(b"False".to_vec())),
        ("GTS_PDFXVersion", text_string("PDF/X-4")),
    ]);
    let info_id = doc.add_object(info);
    doc.trailer.set("Info", Object::Reference(info_id));

    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let uuid = format!(
        "uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    let xmp = format!(
        r#"<?xpacket begin="{bom}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<xmp:CreatorTool>{creator}</xmp:CreatorTool>
<xmp:CreateDate>{date}</xmp:CreateDate>
<xmp:ModifyDate>{date}</xmp:ModifyDate>
<xmp:MetadataDate>{date}</xmp:MetadataDate>
<pdf:Producer>{producer}</pdf:Producer>
<pdf:Trapped>False</pdf:Trapped>
<xmpMM:DocumentID>{uuid}</xmpMM:DocumentID>
<xmpMM:InstanceID>{uuid}</xmpMM:InstanceID>
<xmpMM:VersionID>1</xmpMM:VersionID>
<xmpMM:RenditionClass>default</xmpMM:RenditionClass>
<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#,
        title = xml_escape(facts.title),
        creator = xml_escape(facts.creator),
        producer = xml_escape(&producer),
        date = XMP_DATE,
        bom = '\u{feff}',
    );
    // XMP stays uncompressed so that any tool can find the identification.
    let meta = doc.add_object(Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp.into_bytes(),
    ));
    let mut icc = Stream::new(
        Dictionary::from_iter([("N", Object::Integer(4))]),
        ISO_COATED_V2.to_vec(),
    );
    icc.compress()?;
    let icc_id = doc.add_object(icc);
    let intent = Dictionary::from_iter([
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFX".to_vec())),
        (
            "OutputConditionIdentifier",
            text_string(OUTPUT_CONDITION_ID),
        ),
        ("OutputCondition", text_string(OUTPUT_CONDITION)),
        ("RegistryName", text_string("http://www.color.org")),
        ("Info", text_string(PROFILE_INFO)),
        ("DestOutputProfile", Object::Reference(icc_id)),
    ]);
    let catalog = doc.catalog_mut()?;
    catalog.set("Metadata", Object::Reference(meta));
    catalog.set(
        "OutputIntents",
        Object::Array(vec![Object::Dictionary(intent)]),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overprint_follows_full_k_and_q() {
        let ops = vec![
            Operation::new("q", vec![]),
            Operation::new("k", vec![0.into(), 0.into(), 0.into(), 1.into()]),
            Operation::new("f", vec![]),
            Operation::new("Q", vec![]),
            Operation::new("k", vec![0.into(), 0.into(), 0.into(), 0.into()]),
            Operation::new("f", vec![]),
        ];
        let out = with_overprint(ops);
        let names: Vec<String> = out
            .iter()
            .filter(|o| o.operator == "gs")
            .map(|o| String::from_utf8_lossy(o.operands[0].as_name().unwrap()).into_owned())
            .collect();
        // Black fill overprints; after Q the state is restored to knockout, and white
        // (CMYK 0) stays knockout, so no second gs is needed.
        assert_eq!(names, vec!["IOTk01".to_string()]);
    }

    #[test]
    fn an_image_after_black_knocks_out() {
        let name = |n: &str| Object::Name(n.as_bytes().to_vec());
        let ops = vec![
            Operation::new("k", vec![0.into(), 0.into(), 0.into(), 1.into()]),
            Operation::new("f", vec![]),
            Operation::new("q", vec![]),
            Operation::new("Do", vec![name("x0")]),
            Operation::new("Q", vec![]),
            Operation::new("f", vec![]),
        ];
        let out = with_overprint(ops);
        let seq: Vec<String> = out
            .iter()
            .map(|o| match o.operator.as_str() {
                "gs" => String::from_utf8_lossy(o.operands[0].as_name().unwrap()).into_owned(),
                other => other.to_string(),
            })
            .collect();
        // Black overprints, the image knocks out inside its q/Q, and after Q the black
        // state is back without another gs.
        assert_eq!(seq, ["k", "IOTk01", "f", "q", "IOTk00", "Do", "Q", "f"]);
    }

    #[test]
    fn standards_parse() {
        assert_eq!("x4".parse::<PdfStandard>(), Ok(PdfStandard::X4));
        assert_eq!("A2B".parse::<PdfStandard>(), Ok(PdfStandard::A2b));
        assert!("x1a".parse::<PdfStandard>().unwrap_err().contains("x4"));
    }
}
