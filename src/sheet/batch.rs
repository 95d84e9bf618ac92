//! Batch input: a CSV or JSONL file in which each row is one product to print.
//!
//! A row names its signed payload in exactly one way: `link` (a signed link), `cose`
//! (path to a `.cose` file), `declaration` (path to a `.toml`/`.json` declaration, or in
//! JSONL the declaration object itself), or — the whole JSONL line being a declaration,
//! or CSV columns named by the declaration's dotted field paths (`product.manufacturer`,
//! `notification.channels` as `app;email`). Optional `quantity`, `template`, `lang`.
//!
//! Why rows are turned into [`Prepared`] rows straight away, in parallel chunks: a print
//! shop's batch can hold 100,000 rows, and keeping every parsed declaration in memory
//! would cost gigabytes. A prepared row is just the signed bytes, the link base and a
//! few small indices. Every problem of every row is collected (row number and field)
//! so that one run shows all of them.
//!
//! Entry point: [`prepare`].

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::declaration::{self, CheckOptions};
use crate::link::{BaseUrl, LinkError};
use crate::source::{self, SourceError, SourceOptions};

/// Rows read and prepared per parallel chunk (bounds memory for huge batches).
const CHUNK_ROWS: usize = 4096;
/// The largest quantity one row may ask for.
pub const MAX_QUANTITY: u32 = 1_000_000;

/// The batch file's format, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFormat {
    Csv,
    Jsonl,
}

impl BatchFormat {
    pub fn from_path(path: &Path) -> Option<BatchFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(BatchFormat::Csv),
            "jsonl" | "ndjson" => Some(BatchFormat::Jsonl),
            _ => None,
        }
    }
}

/// One thing wrong with one row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    /// 1-based data row (the CSV header is not a row).
    pub row: usize,
    /// 1-based line in the batch file.
    pub line: usize,
    /// The column or dotted declaration field.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "row {} (line {}): `{}`: {}",
            self.row, self.line, self.field, self.message
        )
    }
}

/// A validated, signed row: everything needed to print it later.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub row: usize,
    pub line: usize,
    /// COSE_Sign1 bytes.
    pub cose: Vec<u8>,
    pub base: BaseUrl,
    pub quantity: u32,
    /// Index into the job's template list.
    pub template: usize,
    /// Index into the job's language list.
    pub lang: usize,
    /// The label's first record, for a declaration this run signed, when the job
    /// writes records (`sheet --records`).
    pub record: Option<crate::record::Record>,
}

/// How rows are resolved.
#[derive(Clone)]
pub struct BatchOptions {
    pub key: Option<ed25519_dalek::SigningKey>,
    pub base_url: Option<String>,
    pub check: CheckOptions,
    /// How already signed rows are checked before printing (none signed in this run).
    pub signed_inputs: crate::verify::ArtworkPolicy,
    /// Make each signed declaration's first record, issued in this month.
    pub records_issued: Option<crate::declaration::YearMonth>,
    /// Templates rows may name (the first is the default), and languages likewise.
    pub templates: Vec<String>,
    pub langs: Vec<String>,
}

/// A signed row: COSE bytes, base URL and (when the job writes records) its record.
type Signed = (Vec<u8>, BaseUrl, Option<crate::record::Record>);

/// A row as read, before resolution.
#[derive(Debug, Clone)]
struct RawRow {
    row: usize,
    line: usize,
    fields: RawFields,
}

#[derive(Debug, Clone)]
enum RawFields {
    Json(String),
    Csv(Vec<(String, String)>),
}

/// Why the batch file itself (not a row) could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BatchError {
    #[error("cannot read batch {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    File(#[from] crate::fsutil::ReadError),
    #[error("batch {path} has an unknown extension; use .csv or .jsonl")]
    #[diagnostic(help(
        "CSV: a header row, then one product per row; JSONL: one JSON object per line (docs/stocks.md)"
    ))]
    Format { path: PathBuf },
    #[error("batch {path}: CSV header: {message}")]
    Header { path: PathBuf, message: String },
}

/// Rows prepared and rows refused.
#[derive(Debug, Default)]
pub struct PrepareOutcome {
    pub rows: Vec<Prepared>,
    pub problems: Vec<RowProblem>,
    /// Rows refused (each may have several problems).
    pub bad_rows: usize,
}

/// Reads the whole batch in chunks, validating and signing rows in parallel.
/// `progress(rows_done)` is called after each chunk.
pub fn prepare(
    path: &Path,
    opts: &BatchOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<PrepareOutcome, BatchError> {
    let format = BatchFormat::from_path(path).ok_or_else(|| BatchError::Format {
        path: path.to_path_buf(),
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let ctx = Ctx::new(opts, dir);
    let mut out = PrepareOutcome::default();
    let handle = |chunk: Vec<RawRow>, out: &mut PrepareOutcome| {
        let results: Vec<Result<Prepared, Vec<RowProblem>>> =
            chunk.par_iter().map(|r| ctx.resolve(r)).collect();
        for r in results {
            match r {
                Ok(p) => out.rows.push(p),
                Err(ps) => {
                    out.bad_rows += 1;
                    out.problems.extend(ps);
                }
            }
        }
        progress(out.rows.len() + out.bad_rows);
    };
    let io = |e: &dyn std::fmt::Display| BatchError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    match format {
        BatchFormat::Jsonl => {
            let file = crate::fsutil::open_input(path, crate::fsutil::Input::Batch)?;
            let mut chunk = Vec::with_capacity(CHUNK_ROWS);
            let mut row = 0;
            for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
                let line_text = line.map_err(|e| io(&e))?;
                if line_text.trim().is_empty() {
                    continue;
                }
                row += 1;
                chunk.push(RawRow {
                    row,
                    line: i + 1,
                    fields: RawFields::Json(line_text),
                });
                if chunk.len() == CHUNK_ROWS {
                    handle(std::mem::take(&mut chunk), &mut out);
                }
            }
            handle(chunk, &mut out);
        }
        BatchFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(false)
                .trim(csv::Trim::All)
                .from_reader(crate::fsutil::open_input(
                    path,
                    crate::fsutil::Input::Batch,
                )?);
            let headers: Vec<String> = reader
                .headers()
                .map_err(|e| BatchError::Header {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?
                .iter()
                .map(str::to_string)
                .collect();
            let mut chunk = Vec::with_capacity(CHUNK_ROWS);
            let mut record = csv::StringRecord::new();
            let mut row = 0;
            loop {
                match reader.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        row += 1;
                        let line = record
                            .position()
                            .map(|p| p.line() as usize)
                            .unwrap_or(row + 1);
                        let fields = headers
                            .iter()
                            .cloned()
                            .zip(record.iter().map(str::to_string))
                            .collect();
                        chunk.push(RawRow {
                            row,
                            line,
                            fields: RawFields::Csv(fields),
                        });
                    }
                    Err(e) => {
                        row += 1;
                        let line = e.position().map(|p| p.line() as usize).unwrap_or(row + 1);
                        out.bad_rows += 1;
                        out.problems.push(RowProblem {
                            row,
                            line,
                            field: "(row)".into(),
                            message: format!("not a valid CSV row: {e}"),
                        });
                    }
                }
                if chunk.len() == CHUNK_ROWS {
                    handle(std::mem::take(&mut chunk), &mut out);
                }
            }
            handle(chunk, &mut out);
        }
    }
    Ok(out)
}

/// The leaf types of the declaration's JSON form, for typing CSV cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Str,
    Bool,
    Int,
    Num,
    List,
}

struct Ctx<'a> {
    opts: &'a BatchOptions,
    dir: PathBuf,
    schema: Value,
    leaf_cache: std::sync::Mutex<HashMap<String, Option<Leaf>>>,
}

const BATCH_KEYS: [&str; 6] = [
    "link",
    "cose",
    "declaration",
    "quantity",
    "template",
    "lang",
];

impl<'a> Ctx<'a> {
    fn new(opts: &'a BatchOptions, dir: PathBuf) -> Self {
        Ctx {
            opts,
            dir,
            schema: declaration::json_schema(),
            leaf_cache: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn resolve(&self, raw: &RawRow) -> Result<Prepared, Vec<RowProblem>> {
        let problem = |field: &str, message: String| RowProblem {
            row: raw.row,
            line: raw.line,
            field: field.to_string(),
            message,
        };
        // Normalise both formats to: batch keys + an optional inline declaration object.
        let (batch, inline): (Map<String, Value>, Option<Value>) = match &raw.fields {
            RawFields::Json(text) => {
                let v: Value = serde_json::from_str(text)
                    .map_err(|e| vec![problem("(row)", format!("not valid JSON: {e}"))])?;
                let Value::Object(mut obj) = v else {
                    return Err(vec![problem("(row)", "must be a JSON object".into())]);
                };
                let mut batch = Map::new();
                for k in BATCH_KEYS {
                    if let Some(v) = obj.remove(k) {
                        batch.insert(k.to_string(), v);
                    }
                }
                let inline = match batch.get("declaration") {
                    Some(Value::Object(_)) => batch.remove("declaration"),
                    _ if !obj.is_empty() => {
                        if batch.contains_key("link")
                            || batch.contains_key("cose")
                            || batch.contains_key("declaration")
                        {
                            let extra: Vec<&String> = obj.keys().collect();
                            return Err(vec![problem(
                                extra.first().map(|s| s.as_str()).unwrap_or("(row)"),
                                format!(
                                    "unknown key(s) {extra:?}; a row has `link`, `cose` or `declaration` plus optional `quantity`, `template`, `lang`"
                                ),
                            )]);
                        }
                        Some(Value::Object(obj))
                    }
                    _ => None,
                };
                (batch, inline)
            }
            RawFields::Csv(cells) => {
                let mut batch = Map::new();
                let mut decl = Map::new();
                let mut problems = Vec::new();
                for (name, cell) in cells {
                    if cell.is_empty() {
                        continue;
                    }
                    if BATCH_KEYS.contains(&name.as_str()) {
                        batch.insert(name.clone(), Value::String(cell.clone()));
                    } else {
                        match self.csv_value(name, cell) {
                            Ok(v) => insert_dotted(&mut decl, name, v),
                            Err(m) => problems.push(problem(name, m)),
                        }
                    }
                }
                if !problems.is_empty() {
                    return Err(problems);
                }
                (
                    batch,
                    if decl.is_empty() {
                        None
                    } else {
                        Some(Value::Object(decl))
                    },
                )
            }
        };
        let mut problems = Vec::new();
        let quantity = match batch.get("quantity") {
            None => 1,
            Some(v) => match v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            {
                Some(q) if (1..=u64::from(MAX_QUANTITY)).contains(&q) => q as u32,
                _ => {
                    problems.push(problem(
                        "quantity",
                        format!("{v} is not a whole number from 1 to {MAX_QUANTITY}"),
                    ));
                    1
                }
            },
        };
        let pick = |key: &str, list: &[String]| -> Result<usize, RowProblem> {
            match batch.get(key) {
                None => Ok(0),
                Some(v) => {
                    let s = v.as_str().unwrap_or_default();
                    list.iter()
                        .position(|t| t.eq_ignore_ascii_case(s.trim()))
                        .ok_or_else(|| {
                            problem(
                                key,
                                format!("{v} is not available; use one of {}", list.join(", ")),
                            )
                        })
                }
            }
        };
        let template = pick("template", &self.opts.templates).unwrap_or_else(|p| {
            problems.push(p);
            0
        });
        let lang = pick("lang", &self.opts.langs).unwrap_or_else(|p| {
            problems.push(p);
            0
        });
        let sources: Vec<&str> = ["link", "cose", "declaration"]
            .into_iter()
            .filter(|k| batch.contains_key(*k))
            .collect();
        let signed = match (sources.as_slice(), inline) {
            ([], None) => Err(vec![problem("(row)", "names no product: give `link`, `cose` or `declaration`, or the declaration's fields".into())]),
            ([], Some(decl)) => self.sign_inline(decl, raw),
            ([one], None) => {
                let text = batch.get(*one).and_then(Value::as_str).unwrap_or_default().trim().to_string();
                match *one {
                    "link" => self.load_signed(&text, "link", raw),
                    _ if text.is_empty() => Err(vec![problem(one, "must be a path (text)".into())]),
                    "cose" => self.load_signed(&self.dir.join(&text).display().to_string(), "cose", raw),
                    _ => self.sign_file(&self.dir.join(&text), raw),
                }
            }
            (many, _) => Err(vec![problem(
                many.first().copied().unwrap_or("(row)"),
                format!("gives the product more than one way ({}); give exactly one", if many.is_empty() { "declaration fields".into() } else { many.join(", ") + " and/or declaration fields" }),
            )]),
        };
        match signed {
            Ok((cose, base, record)) if problems.is_empty() => Ok(Prepared {
                row: raw.row,
                line: raw.line,
                cose,
                base,
                quantity,
                template,
                lang,
                record,
            }),
            Ok(_) => Err(problems),
            Err(mut ps) => {
                ps.append(&mut problems);
                Err(ps)
            }
        }
    }

    fn key(&self, raw: &RawRow) -> Result<&ed25519_dalek::SigningKey, Vec<RowProblem>> {
        self.opts.key.as_ref().ok_or_else(|| {
            vec![RowProblem {
                row: raw.row,
                line: raw.line,
                field: "declaration".into(),
                message: "is a declaration, and signing it needs --key KEY.pem".into(),
            }]
        })
    }

    fn base(&self, d: &declaration::Declaration, raw: &RawRow) -> Result<BaseUrl, Vec<RowProblem>> {
        let opts = SourceOptions {
            base_url: self.opts.base_url.clone(),
            ..SourceOptions::default()
        };
        let p = |field: &str, message: String| {
            vec![RowProblem {
                row: raw.row,
                line: raw.line,
                field: field.into(),
                message,
            }]
        };
        match source::base_for(Some(d), &opts, |e: LinkError| SourceError::Link {
            input: "base URL".into(),
            error: e,
        }) {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err(p(
                "product.link_base_url",
                "is missing and no --base-url was given".into(),
            )),
            Err(e) => Err(p("product.link_base_url", e.to_string())),
        }
    }

    fn sign_inline(&self, decl: Value, raw: &RawRow) -> Result<Signed, Vec<RowProblem>> {
        let d = declaration::from_json_value(decl, &format!("row {}", raw.row), &self.opts.check)
            .map_err(|e| self.read_problems(&e, raw, ""))?;
        self.sign(&d, raw)
    }

    fn sign_file(&self, path: &Path, raw: &RawRow) -> Result<Signed, Vec<RowProblem>> {
        let d = declaration::load(path, &self.opts.check).map_err(|e| {
            self.read_problems(&e, raw, &format!("declaration {}: ", path.display()))
        })?;
        self.sign(&d, raw)
    }

    fn sign(&self, d: &declaration::Declaration, raw: &RawRow) -> Result<Signed, Vec<RowProblem>> {
        let key = self.key(raw)?;
        let base = self.base(d, raw)?;
        let cose = source::sign_declaration(d, key);
        let record = self.opts.records_issued.map(|issued| {
            crate::record::Record::new(&cose, &d.product.manufacturer, Some(d), issued)
        });
        Ok((cose, base, record))
    }

    fn read_problems(
        &self,
        e: &declaration::ReadError,
        raw: &RawRow,
        prefix: &str,
    ) -> Vec<RowProblem> {
        let ps = e.problems();
        if ps.is_empty() {
            return vec![RowProblem {
                row: raw.row,
                line: raw.line,
                field: "declaration".into(),
                message: format!("{prefix}{e}"),
            }];
        }
        ps.iter()
            .map(|p| RowProblem {
                row: raw.row,
                line: raw.line,
                field: p.field.clone(),
                message: format!(
                    "{prefix}{}{}",
                    p.message,
                    p.expected
                        .as_ref()
                        .map(|x| format!(" (expected {x})"))
                        .unwrap_or_default()
                ),
            })
            .collect()
    }

    fn load_signed(
        &self,
        input: &str,
        field: &str,
        raw: &RawRow,
    ) -> Result<Signed, Vec<RowProblem>> {
        let p = |message: String| {
            vec![RowProblem {
                row: raw.row,
                line: raw.line,
                field: field.into(),
                message,
            }]
        };
        let opts = SourceOptions {
            base_url: self.opts.base_url.clone(),
            ..SourceOptions::default()
        };
        let env = source::load(input, &opts).map_err(|e| p(e.to_string()))?;
        if let crate::verify::ArtworkCheck::Unverified(why) = self
            .opts
            .signed_inputs
            .check(&env)
            .map_err(|e| p(e.to_string()))?
        {
            eprintln!(
                "warning: row {} ({field}): UNVERIFIED ({why}); printing because --unverified was given",
                raw.row
            );
        }
        let base = env
            .base
            .clone()
            .ok_or_else(|| p("has no base URL for the link; pass --base-url".into()))?;
        let signed = env.decode().map_err(|e| p(e.to_string()))?;
        Ok((signed.envelope.cose, base, None))
    }

    /// A CSV cell as the JSON value the declaration field expects.
    fn csv_value(&self, path: &str, cell: &str) -> Result<Value, String> {
        let leaf = {
            let mut cache = self.leaf_cache.lock().unwrap_or_else(|e| e.into_inner());
            *cache
                .entry(path.to_string())
                .or_insert_with(|| leaf_type(&self.schema, path))
        };
        let Some(leaf) = leaf else {
            return Err("is not a declaration field (dotted paths as in the JSON form, e.g. product.manufacturer) nor a batch column (link, cose, declaration, quantity, template, lang)".into());
        };
        Ok(match leaf {
            Leaf::Str => Value::String(cell.to_string()),
            Leaf::Bool => match cell.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Value::Bool(true),
                "false" | "no" | "0" => Value::Bool(false),
                _ => return Err(format!("{cell:?} is not true or false")),
            },
            Leaf::Int => Value::from(
                cell.parse::<i64>()
                    .map_err(|_| format!("{cell:?} is not a whole number"))?,
            ),
            Leaf::Num => serde_json::Number::from_f64(
                cell.parse::<f64>()
                    .map_err(|_| format!("{cell:?} is not a number"))?,
            )
            .map(Value::Number)
            .ok_or_else(|| format!("{cell:?} is not a finite number"))?,
            Leaf::List => Value::Array(
                cell.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.into()))
                    .collect(),
            ),
        })
    }
}

fn insert_dotted(root: &mut Map<String, Value>, path: &str, v: Value) {
    let mut parts = path.split('.').peekable();
    let mut cur = root;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(part.to_string(), v);
            return;
        }
        let entry = cur
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        cur = next;
    }
}

/// Follows a dotted path through the declaration's JSON Schema to the leaf's type.
fn leaf_type(schema: &Value, path: &str) -> Option<Leaf> {
    let mut node = schema;
    for part in path.split('.') {
        node = deref(schema, node);
        node = object_branch(schema, node)?.get("properties")?.get(part)?;
    }
    type_of(schema, node, 0)
}

fn deref<'v>(root: &'v Value, node: &'v Value) -> &'v Value {
    match node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/"))
    {
        Some(ptr) => root.pointer(&format!("/{ptr}")).unwrap_or(node),
        None => node,
    }
}

/// The branch of a schema node that describes an object (through anyOf/oneOf/$ref).
fn object_branch<'v>(root: &'v Value, node: &'v Value) -> Option<&'v Value> {
    let node = deref(root, node);
    if node.get("properties").is_some() {
        return Some(node);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(list) = node.get(key).and_then(Value::as_array)
            && let Some(found) = list.iter().find_map(|b| object_branch(root, b))
        {
            return Some(found);
        }
    }
    None
}

fn type_of(root: &Value, node: &Value, depth: usize) -> Option<Leaf> {
    if depth > 8 {
        return None;
    }
    let node = deref(root, node);
    let types: Vec<&str> = match node.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for t in &types {
        match *t {
            "array" => return Some(Leaf::List),
            "boolean" => return Some(Leaf::Bool),
            "integer" => return Some(Leaf::Int),
            "number" => return Some(Leaf::Num),
            "string" => return Some(Leaf::Str),
            _ => {}
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(list) = node.get(key).and_then(Value::as_array)
            && let Some(t) = list
                .iter()
                .filter(|b| b.get("type") != Some(&Value::String("null".into())))
                .find_map(|b| type_of(root, b, depth + 1))
        {
            return Some(t);
        }
    }
    if node.get("enum").is_some() || node.get("const").is_some() {
        return Some(Leaf::Str);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_get_the_declaration_types() {
        let s = declaration::json_schema();
        assert_eq!(leaf_type(&s, "product.manufacturer"), Some(Leaf::Str));
        assert_eq!(leaf_type(&s, "product.gtin"), Some(Leaf::Str));
        assert_eq!(leaf_type(&s, "updates.security_updates"), Some(Leaf::Bool));
        assert_eq!(leaf_type(&s, "notification.channels"), Some(Leaf::List));
        assert_eq!(leaf_type(&s, "format"), Some(Leaf::Int));
        assert_eq!(leaf_type(&s, "product.nonsense"), None);
    }
}
