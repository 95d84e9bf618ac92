//! Press-ready PDF (PDF/X-4, PDF/A-2b) and the cut path, checked by reading the files
//! back with an independent reader (`qpdf --json`) and asserting each requirement the
//! press finishing implements: identification in the information dictionary and XMP,
//! the output intent with its embedded profile, TrimBox/BleedBox on every page,
//! overprint of 100 % K fills and strokes (and knockout of everything else), subset
//! fonts, determinism, and a `CutContour` separation on a "Cut" layer that follows the
//! stock's die geometry.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use iotlabel::render::pdf::PT_PER_MM;
use iotlabel::render::press::{CUT_STROKE_PT, ISO_COATED_V2, PdfStandard};
use iotlabel::sheet::{self, NoProgress, PressOptions, SheetJob, Stock};
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn key() -> PathBuf {
    Path::new(ROOT).join("samples/keys/demo.pem")
}

fn iotlabel(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args(args)
        .output()
        .expect("run iotlabel")
}

/// A PDF as qpdf sees it: objects by "N 0 R", streams decoded.
struct Pdf {
    bytes: Vec<u8>,
    objects: HashMap<String, Value>,
    trailer: Value,
}

impl Pdf {
    fn read(path: &Path) -> Pdf {
        let out = Command::new("qpdf")
            .args([
                "--json=2",
                "--json-stream-data=inline",
                "--decode-level=generalized",
            ])
            .arg(path)
            .output()
            .expect("qpdf (installed by .ci/setup)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut objects = HashMap::new();
        let mut trailer = Value::Null;
        for (k, o) in v["qpdf"][1].as_object().unwrap() {
            if k == "trailer" {
                trailer = o["value"].clone();
            } else if let Some(id) = k.strip_prefix("obj:") {
                objects.insert(id.to_string(), o.clone());
            }
        }
        Pdf {
            bytes: std::fs::read(path).unwrap(),
            objects,
            trailer,
        }
    }

    /// A value with references followed (the value of an object, or a stream's dict).
    fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        match v.as_str().and_then(|s| s.strip_suffix(" R")) {
            Some(_) => {
                let o = &self.objects[v.as_str().unwrap()];
                if o.get("stream").is_some() {
                    &o["stream"]["dict"]
                } else {
                    &o["value"]
                }
            }
            None => v,
        }
    }

    fn stream_data(&self, r: &Value) -> Vec<u8> {
        let o = &self.objects[r.as_str().expect("a reference")];
        let data = o["stream"]["data"].as_str().expect("stream data");
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap()
    }

    fn catalog(&self) -> &Value {
        self.resolve(&self.trailer["/Root"])
    }

    fn pages(&self) -> Vec<&Value> {
        let mut out = Vec::new();
        let mut todo = vec![self.resolve(&self.catalog()["/Pages"])];
        while let Some(node) = todo.pop() {
            if node["/Type"] == "/Page" {
                out.push(node);
            } else {
                for k in node["/Kids"].as_array().unwrap().iter().rev() {
                    todo.push(self.resolve(k));
                }
            }
        }
        out
    }

    fn page_content(&self, page: &Value) -> String {
        let c = &page["/Contents"];
        let refs: Vec<&Value> = match c.as_array() {
            Some(a) => a.iter().collect(),
            None => vec![c],
        };
        refs.into_iter()
            .map(|r| String::from_utf8_lossy(&self.stream_data(r)).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn text(v: &Value) -> String {
    let s = v.as_str().unwrap_or("");
    if let Some(t) = s.strip_prefix("u:") {
        t.to_string()
    } else {
        s.to_string()
    }
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Content-stream operations as (operands, operator), good enough for krilla's output
/// and ours (no inline images; strings never hold the delimiters we split on).
fn ops(content: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut operands: Vec<String> = Vec::new();
    let mut chars = content.chars().peekable();
    let mut tok = String::new();
    let flush =
        |tok: &mut String, operands: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>| {
            if tok.is_empty() {
                return;
            }
            let t = std::mem::take(tok);
            let is_operand = t.starts_with('/')
                || t.starts_with('(')
                || t.starts_with('<')
                || t.starts_with('[')
                || t.parse::<f64>().is_ok()
                || t == "true"
                || t == "false";
            if is_operand {
                operands.push(t);
            } else {
                out.push((std::mem::take(operands), t));
            }
        };
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                flush(&mut tok, &mut operands, &mut out);
                let mut depth = 1;
                let mut s = String::from("(");
                while let Some(c) = chars.next() {
                    s.push(c);
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                s.push(n);
                            }
                        }
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                operands.push(s);
            }
            '[' => {
                flush(&mut tok, &mut operands, &mut out);
                let mut s = String::from("[");
                let mut in_str = 0;
                for c in chars.by_ref() {
                    s.push(c);
                    match c {
                        '(' => in_str += 1,
                        ')' => in_str -= 1,
                        ']' if in_str == 0 => break,
                        _ => {}
                    }
                }
                operands.push(s);
            }
            '/' => {
                flush(&mut tok, &mut operands, &mut out);
                tok.push('/');
            }
            c if c.is_whitespace() => flush(&mut tok, &mut operands, &mut out),
            c => tok.push(c),
        }
    }
    flush(&mut tok, &mut operands, &mut out);
    out
}

/// Walks a page's content and checks overprint at every painting operator: a 100 % K
/// fill or stroke paints with overprint on (OPM 1), anything else with it off. Returns
/// how many black fills/strokes were seen.
fn check_overprint(pdf: &Pdf, page: &Value) -> (usize, usize) {
    let res = pdf.resolve(&page["/Resources"]);
    let gstates = pdf.resolve(&res["/ExtGState"]);
    #[derive(Clone)]
    struct St {
        fill: Vec<f64>,
        stroke: Vec<f64>,
        op: bool,
        op_stroke: bool,
    }
    let mut st = St {
        fill: vec![0.0],
        stroke: vec![0.0],
        op: false,
        op_stroke: false,
    };
    let mut stack = Vec::new();
    let (mut black_fills, mut black_strokes) = (0, 0);
    let k = [0.0, 0.0, 0.0, 1.0];
    for (operands, op) in ops(&pdf.page_content(page)) {
        let n: Vec<f64> = operands.iter().filter_map(|o| o.parse().ok()).collect();
        match op.as_str() {
            "q" => stack.push(st.clone()),
            "Q" => st = stack.pop().expect("balanced q/Q"),
            "k" | "g" | "rg" | "sc" | "scn" => st.fill = n,
            "K" | "G" | "RG" => st.stroke = n,
            "gs" => {
                let g = pdf.resolve(&gstates[operands[0].as_str()]);
                if let Some(v) = g["/OP"].as_bool() {
                    st.op_stroke = v;
                    st.op = v;
                    assert_eq!(g["/OPM"], 1, "overprint mode 1");
                }
                if let Some(v) = g["/op"].as_bool() {
                    st.op = v;
                }
            }
            "f" | "f*" | "Tj" | "TJ" => {
                if st.fill == k {
                    assert!(st.op, "100 % K fill without overprint");
                    black_fills += 1;
                } else {
                    assert!(!st.op, "{:?} fill set to overprint", st.fill);
                }
            }
            "S" => {
                if st.stroke == k {
                    assert!(st.op_stroke, "100 % K stroke without overprint");
                    black_strokes += 1;
                } else if st.stroke.len() == 4 {
                    assert!(!st.op_stroke, "{:?} stroke set to overprint", st.stroke);
                }
            }
            _ => {}
        }
    }
    (black_fills, black_strokes)
}

/// Asserts every PDF/X-4 point the press finishing implements.
fn assert_pdf_x4(pdf: &Pdf, title_part: &str) {
    assert!(pdf.bytes.starts_with(b"%PDF-1.6"), "PDF/X-4 is PDF 1.6");
    let info = pdf.resolve(&pdf.trailer["/Info"]);
    assert_eq!(text(&info["/GTS_PDFXVersion"]), "PDF/X-4");
    assert_eq!(info["/Trapped"], "/False");
    let title = text(&info["/Title"]);
    assert!(title.contains(title_part), "{title}");
    assert!(pdf.trailer["/ID"].as_array().is_some_and(|a| a.len() == 2));
    assert!(pdf.trailer.get("/Encrypt").is_none());
    let cat = pdf.catalog();
    for forbidden in ["/OpenAction", "/AA", "/Names", "/AcroForm"] {
        assert!(cat.get(forbidden).is_none(), "catalog has {forbidden}");
    }
    // XMP agrees with the information dictionary.
    let xmp = String::from_utf8(pdf.stream_data(&cat["/Metadata"])).unwrap();
    assert!(xmp.contains("<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>"));
    assert!(xmp.contains("<pdf:Trapped>False</pdf:Trapped>"));
    assert!(xmp.contains("<xmpMM:DocumentID>uuid:"));
    assert!(xmp.contains("<xmpMM:VersionID>1</xmpMM:VersionID>"));
    assert!(xmp.contains("<xmp:CreateDate>2026-01-01T00:00:00Z</xmp:CreateDate>"));
    assert_eq!(text(&info["/CreationDate"]), "D:20260101000000Z");
    assert_eq!(text(&info["/ModDate"]), "D:20260101000000Z");
    let xml_title = title.replace('&', "&amp;").replace('<', "&lt;");
    assert!(xmp.contains(&format!(">{xml_title}</rdf:li>")), "XMP title");
    // One PDF/X output intent with the embedded CMYK profile.
    let intents = cat["/OutputIntents"].as_array().unwrap();
    assert_eq!(intents.len(), 1);
    let oi = pdf.resolve(&intents[0]);
    assert_eq!(oi["/S"], "/GTS_PDFX");
    assert_eq!(text(&oi["/OutputConditionIdentifier"]), "FOGRA39");
    assert_eq!(text(&oi["/RegistryName"]), "http://www.color.org");
    let profile = &oi["/DestOutputProfile"];
    assert_eq!(pdf.resolve(profile)["/N"], 4);
    let icc = pdf.stream_data(profile);
    assert_eq!(icc, ISO_COATED_V2);
    assert_eq!(&icc[16..20], b"CMYK");
    assert_eq!(&icc[12..16], b"prtr");
    // Every page: TrimBox and BleedBox, inside the MediaBox; overprint where black.
    let pages = pdf.pages();
    assert!(!pages.is_empty());
    let mut painted = 0;
    for page in &pages {
        let media = nums(&page["/MediaBox"]);
        let trim = nums(&page["/TrimBox"]);
        let bleed = nums(&page["/BleedBox"]);
        for (outer, inner) in [(&media, &bleed), (&bleed, &trim)] {
            assert!(inner[0] >= outer[0] - 1e-3 && inner[1] >= outer[1] - 1e-3);
            assert!(inner[2] <= outer[2] + 1e-3 && inner[3] <= outer[3] + 1e-3);
        }
        let (fills, strokes) = check_overprint(pdf, page);
        painted += fills + strokes;
        // No DeviceRGB under PDF/X with a CMYK intent.
        assert!(!pdf.page_content(page).contains(" rg\n"));
    }
    assert!(painted > 0, "no 100 % K painting found");
    // Fonts embedded and subset (six capital letters and a plus).
    let mut fonts = 0;
    for o in pdf.objects.values() {
        let v = &o["value"];
        if v["/Type"] == "/Font"
            && let Some(name) = v["/BaseFont"].as_str()
            && v["/Subtype"] != "/Type0"
        {
            let name = name.trim_start_matches('/');
            let (tag, _) = name.split_once('+').expect("subset tag");
            assert!(
                tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
                "{name}"
            );
            fonts += 1;
        }
        if let Some(d) = o["stream"]["dict"].as_object() {
            assert!(!d.contains_key("/JS") && d.get("/Subtype") != Some(&Value::from("/PS")));
        }
    }
    assert!(fonts >= 1);
}

fn label(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let decl = Path::new(ROOT).join("samples/doorbell.json");
    let key = key();
    let mut args = vec![
        "label",
        decl.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let r = iotlabel(&args);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    out
}

#[test]
fn pdf_x4_label_passes_every_check_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let a = label(dir.path(), "a.pdf", &["--pdf-standard", "x4"]);
    let b = label(dir.path(), "b.pdf", &["--pdf-standard", "x4"]);
    let plain = label(dir.path(), "plain.pdf", &[]);
    let pdf = Pdf::read(&a);
    assert_pdf_x4(&pdf, "");
    assert_eq!(pdf.bytes, std::fs::read(&b).unwrap(), "deterministic");
    // The profile is only in press files: ordinary PDFs stay small.
    let plain_len = std::fs::metadata(&plain).unwrap().len();
    assert!(plain_len < 100_000, "plain label is {plain_len} bytes");
    assert!(Pdf::read(&plain).catalog().get("/OutputIntents").is_none());
    // Still the same label: the QR decodes from a rasterisation of the X-4 file.
    let png = dir.path().join("x4");
    let st = Command::new("pdftoppm")
        .args(["-r", "300", "-png", "-singlefile"])
        .arg(&a)
        .arg(&png)
        .status()
        .unwrap();
    assert!(st.success());
    let img = image::open(dir.path().join("x4.png")).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let link =
        rxing::helpers::detect_in_luma(img.into_raw(), w, h, Some(rxing::BarcodeFormat::QR_CODE))
            .unwrap()
            .getText()
            .to_string();
    assert!(link.starts_with("https://"), "{link}");
}

#[test]
fn rgb_with_a_standard_is_refused_and_a2b_is_pdf_a() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.pdf");
    let decl = Path::new(ROOT).join("samples/doorbell.json");
    let r = iotlabel(&[
        "label",
        decl.to_str().unwrap(),
        "--key",
        key().to_str().unwrap(),
        "--pdf-standard",
        "x4",
        "--rgb",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("RGB black cannot be used"));
    assert!(!out.exists());

    let a2b = label(dir.path(), "a2b.pdf", &["--pdf-standard", "a2b"]);
    let pdf = Pdf::read(&a2b);
    let cat = pdf.catalog();
    let xmp = String::from_utf8(pdf.stream_data(&cat["/Metadata"])).unwrap();
    assert!(
        xmp.contains("pdfaid:part>2<") || xmp.contains("pdfaid:part=\"2\""),
        "{xmp}"
    );
    let oi = pdf.resolve(&pdf.resolve(&cat["/OutputIntents"])[0]);
    assert_eq!(oi["/S"], "/GTS_PDFA1");
    for page in pdf.pages() {
        assert!(page.get("/TrimBox").is_some() && page.get("/BleedBox").is_some());
    }
    // The die line is for the press, not for an archive copy.
    let r = iotlabel(&[
        "label",
        decl.to_str().unwrap(),
        "--key",
        key().to_str().unwrap(),
        "--pdf-standard",
        "a2b",
        "--cut-path",
        "-o",
        dir.path().join("c.pdf").to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("cut path"));
}

fn sheet_job(dir: &Path, stock: &str, press: PressOptions, rows: usize) -> SheetJob {
    let text = std::fs::read_to_string(Path::new(ROOT).join("samples/doorbell.json")).unwrap();
    let mut lines = String::new();
    for i in 0..rows {
        let mut v: Value = serde_json::from_str(&text).unwrap();
        v["product"]["model"] = format!("Doorbell {i}").into();
        lines.push_str(&serde_json::to_string(&v).unwrap());
        lines.push('\n');
    }
    let batch = dir.join("batch.jsonl");
    std::fs::write(&batch, lines).unwrap();
    SheetJob {
        key: Some(key()),
        press,
        ..SheetJob::new(batch, Stock::by_id(stock).unwrap(), dir.join("sheet.pdf"))
    }
}

#[test]
fn pdf_x4_sheet_passes_every_check() {
    let dir = tempfile::tempdir().unwrap();
    let press = PressOptions {
        pdf_standard: PdfStandard::X4,
        ..PressOptions::default()
    };
    // Two pages of Avery 5160 (30 labels a page).
    let job = sheet_job(dir.path(), "avery-5160", press, 31);
    let report = sheet::run(&job, &NoProgress).unwrap();
    assert_eq!(report.pages, 2);
    let pdf = Pdf::read(&job.output);
    assert_eq!(pdf.pages().len(), 2);
    assert_pdf_x4(&pdf, "avery-5160");
}

/// Reads the cut path of a page: the operations between `/OC /IOTcut BDC` and `EMC`.
fn cut_ops(content: &str) -> Vec<(Vec<f64>, String)> {
    let all = ops(content);
    let start = all
        .iter()
        .position(|(a, o)| o == "BDC" && a.len() == 2 && a[0] == "/OC")
        .expect("a marked-content section for the cut layer");
    all[start..]
        .iter()
        .take_while(|(_, o)| o != "EMC")
        .map(|(a, o)| (a.iter().filter_map(|x| x.parse().ok()).collect(), o.clone()))
        .collect()
}

fn assert_cut_path(pdf: &Pdf, cells_per_page: &[Vec<(f64, f64, f64, f64)>], radius: f64) {
    // Exactly one Separation, named CutContour, 100 % magenta alternate.
    let seps: Vec<&Value> = pdf
        .objects
        .values()
        .map(|o| &o["value"])
        .filter(|v| {
            v.as_array()
                .is_some_and(|a| a.first() == Some(&Value::from("/Separation")))
        })
        .collect();
    assert_eq!(seps.len(), 1, "one Separation colour space");
    let sep = seps[0].as_array().unwrap();
    assert_eq!(sep[1], "/CutContour");
    assert_eq!(sep[2], "/DeviceCMYK");
    let f = pdf.resolve(&sep[3]);
    assert_eq!(nums(&f["/C1"]), vec![0.0, 1.0, 0.0, 0.0]);
    assert_eq!(nums(&f["/C0"]), vec![0.0, 0.0, 0.0, 0.0]);
    // One optional content group named "Cut", listed and on by default.
    let ocp = &pdf.catalog()["/OCProperties"];
    let ocgs = ocp["/OCGs"].as_array().unwrap();
    assert_eq!(ocgs.len(), 1);
    let ocg = pdf.resolve(&ocgs[0]);
    assert_eq!(ocg["/Type"], "/OCG");
    assert_eq!(text(&ocg["/Name"]), "Cut");
    assert_eq!(ocp["/D"]["/ON"][0], ocgs[0]);
    let pages = pdf.pages();
    assert_eq!(pages.len(), cells_per_page.len());
    for (page, cells) in pages.iter().zip(cells_per_page) {
        let res = pdf.resolve(&page["/Resources"]);
        let props = pdf.resolve(&res["/Properties"]);
        let content = pdf.page_content(page);
        let cut = cut_ops(&content);
        let all = ops(&content);
        let bdc = all.iter().find(|(_, o)| o == "BDC").unwrap();
        assert_eq!(props[bdc.0[1].as_str()], ocgs[0], "BDC names the Cut OCG");
        // Overprinting, in the separation, 0.25 pt wide.
        let gs = cut.iter().find(|(_, o)| o == "gs").is_some();
        assert!(gs);
        let gname = ops(&content)
            .into_iter()
            .skip_while(|(_, o)| o != "BDC")
            .find(|(_, o)| o == "gs")
            .unwrap()
            .0[0]
            .clone();
        let g = pdf.resolve(&pdf.resolve(&res["/ExtGState"])[gname.as_str()]);
        assert_eq!(g["/OP"], true);
        let csname = all
            .iter()
            .skip_while(|(_, o)| o != "BDC")
            .find(|(_, o)| o == "CS")
            .unwrap()
            .0[0]
            .clone();
        let cs = &pdf.resolve(&res["/ColorSpace"])[csname.as_str()];
        assert_eq!(pdf.resolve(cs).as_array().unwrap()[1], "/CutContour");
        let cm = &cut.iter().find(|(_, o)| o == "cm").unwrap().0;
        let s = PT_PER_MM;
        assert!((cm[0] - s).abs() < 1e-3 && (cm[3] + s).abs() < 1e-3);
        let w = cut.iter().find(|(_, o)| o == "w").unwrap().0[0];
        assert!((w * s - CUT_STROKE_PT).abs() < 1e-3, "stroke {} pt", w * s);
        assert_eq!(cut.iter().filter(|(_, o)| o == "S").count(), 1);
        // The geometry is the stock's die: one closed shape per cell.
        type Start = (f64, f64, Option<(f64, f64)>);
        let starts: Vec<Start> = cut
            .iter()
            .filter(|(_, o)| o == "m" || o == "re")
            .map(|(a, o)| {
                if o == "re" {
                    (a[0], a[1], Some((a[2], a[3])))
                } else {
                    (a[0], a[1], None)
                }
            })
            .collect();
        assert_eq!(starts.len(), cells.len());
        for ((x, y, w, h), (sx, sy, size)) in cells.iter().zip(&starts) {
            match size {
                Some((sw, sh)) => {
                    assert!(radius == 0.0);
                    for (a, b) in [(x, sx), (y, sy), (w, sw), (h, sh)] {
                        assert!((a - b).abs() < 1e-3, "{cells:?} vs {starts:?}");
                    }
                }
                None => {
                    assert!((x + radius - sx).abs() < 1e-3 && (y - sy).abs() < 1e-3);
                }
            }
        }
    }
}

#[test]
fn cut_path_sheet_follows_the_die_of_the_stock() {
    for stock in ["avery-5160", "a4-3x8"] {
        let dir = tempfile::tempdir().unwrap();
        let press = PressOptions {
            cut_path: true,
            ..PressOptions::default()
        };
        let job = sheet_job(dir.path(), stock, press, 2);
        sheet::run(&job, &NoProgress).unwrap();
        let g = job.stock.geometry(0.0);
        let cells: Vec<(f64, f64, f64, f64)> =
            g.cells().iter().map(|c| (c.x, c.y, c.w, c.h)).collect();
        let pdf = Pdf::read(&job.output);
        assert_cut_path(&pdf, &[cells], g.corner_radius_mm);
    }
    // With PDF/X-4 too: the cut layer and the press checks together.
    let dir = tempfile::tempdir().unwrap();
    let press = PressOptions {
        cut_path: true,
        pdf_standard: PdfStandard::X4,
        ..PressOptions::default()
    };
    let job = sheet_job(dir.path(), "avery-l7163", press, 1);
    sheet::run(&job, &NoProgress).unwrap();
    let pdf = Pdf::read(&job.output);
    let g = job.stock.geometry(0.0);
    let cells: Vec<(f64, f64, f64, f64)> = g.cells().iter().map(|c| (c.x, c.y, c.w, c.h)).collect();
    assert_cut_path(&pdf, &[cells], g.corner_radius_mm);
    assert_pdf_x4(&pdf, "avery-l7163");
}

#[test]
fn cut_path_label_is_its_edge() {
    let dir = tempfile::tempdir().unwrap();
    let out = label(
        dir.path(),
        "cut.pdf",
        &["--cut-path", "--template", "compact"],
    );
    let pdf = Pdf::read(&out);
    let page = pdf.pages()[0];
    let media = nums(&page["/MediaBox"]);
    let (w, h) = (media[2] / PT_PER_MM, media[3] / PT_PER_MM);
    let cut = cut_ops(&pdf.page_content(page));
    let shapes: Vec<&(Vec<f64>, String)> =
        cut.iter().filter(|(_, o)| o == "m" || o == "re").collect();
    assert_eq!(shapes.len(), 1);
    // The edge of the label: the page rectangle, or a rounded one starting on the top
    // edge and reaching the right and bottom edges.
    let (a, op) = shapes[0];
    assert!(a[1].abs() < 1e-3, "{a:?}");
    if op == "re" {
        assert!(a[0].abs() < 1e-3 && (a[2] - w).abs() < 1e-2 && (a[3] - h).abs() < 1e-2);
    } else {
        let xs: Vec<f64> = cut
            .iter()
            .filter(|(_, o)| o == "l")
            .map(|(a, _)| a[0])
            .collect();
        let ys: Vec<f64> = cut
            .iter()
            .filter(|(_, o)| o == "l")
            .map(|(a, _)| a[1])
            .collect();
        assert!(xs.iter().any(|x| (x - w).abs() < 1e-2), "{xs:?} {w}");
        assert!(ys.iter().any(|y| (y - h).abs() < 1e-2), "{ys:?} {h}");
    }
    let r = iotlabel(&[
        "label",
        Path::new(ROOT)
            .join("samples/doorbell.json")
            .to_str()
            .unwrap(),
        "--key",
        key().to_str().unwrap(),
        "--cut-path",
        "-o",
        dir.path().join("x.svg").to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("apply to PDF output"));
}
