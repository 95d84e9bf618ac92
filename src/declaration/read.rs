//! Reading a declaration from TOML or JSON text, collecting every problem at once.
//!
//! serde stops at the first error, but a packaging designer fixing a file wants the whole
//! list, each with the field path and (for TOML) line and column. So we parse the text
//! into a plain value tree while remembering where each value came from, then walk it
//! with a small reader that records a [`Problem`] per bad field and keeps going.

use super::*;
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

/// The text format of a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    /// By file extension (`.toml`, `.json`).
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
    /// JSON if the first non-blank character is `{`, TOML otherwise.
    pub fn sniff(text: &str) -> Format {
        if text.trim_start().starts_with('{') {
            Format::Json
        } else {
            Format::Toml
        }
    }
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::InvalidData => {
            "not a text file (declarations are UTF-8 TOML or JSON)".into()
        }
        _ => e.to_string(),
    }
}

/// "expected X", or a suggestion as it stands.
fn accepted(e: &str) -> String {
    if e.starts_with("did you mean") {
        e.to_string()
    } else {
        format!("expected {e}")
    }
}

/// One thing wrong with a declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// Dotted field path, e.g. `updates.delivery` or `notification.channels[1]`.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// What would be accepted, when that can be said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// 1-based line and column in the file (TOML only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The kind of problem, for tools.
    pub kind: ProblemKind,
    #[serde(skip)]
    pub(crate) span: Option<Range<usize>>,
}

/// Broad classes of problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A field that the format does not have.
    UnknownField,
    /// A required field is absent.
    Missing,
    /// Wrong type or unacceptable value.
    Invalid,
    /// Fields that contradict each other.
    Contradiction,
    /// A rule of a regulatory profile.
    Profile,
}

impl Problem {
    pub(crate) fn new(
        field: impl Into<String>,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            field: field.into(),
            message: message.into(),
            expected: None,
            line: None,
            column: None,
            kind,
            span: None,
        }
    }
    pub(crate) fn expected(mut self, e: impl Into<String>) -> Self {
        self.expected = Some(e.into());
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, "{l}:{c}: ")?;
        }
        write!(f, "`{}`: {}", self.field, self.message)?;
        if let Some(e) = &self.expected {
            write!(f, "; {}", accepted(e))?;
        }
        Ok(())
    }
}

/// Why a declaration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("cannot read declaration {path}: {}", describe_io(error))]
    Io { path: String, error: std::io::Error },
    /// The file is missing, a directory, too large or not UTF-8.
    #[error(transparent)]
    File(crate::fsutil::ReadError),
    /// The text is not valid TOML/JSON.
    #[error("{name}: not valid {format}: {message}")]
    Syntax {
        name: String,
        format: &'static str,
        message: String,
        src: Option<Box<NamedSource<String>>>,
        span: Option<SourceSpan>,
    },
    /// The text parsed but the declaration has problems (all of them are listed).
    #[error("{name}: {} problem{} in the declaration", problems.len(), if problems.len() == 1 { "" } else { "s" })]
    Invalid {
        name: String,
        problems: Vec<Problem>,
        src: Option<Box<NamedSource<String>>>,
    },
}

impl ReadError {
    /// A failure of [`crate::fsutil::read_input`] on a declaration file.
    pub(crate) fn file(path: &Path, e: crate::fsutil::ReadError) -> Self {
        match e {
            crate::fsutil::ReadError::Io { error, .. } => ReadError::io(path, error),
            other => ReadError::File(other),
        }
    }
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        ReadError::Io {
            path: path.display().to_string(),
            error: source,
        }
    }
    /// The problems, if the declaration was readable but invalid.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ReadError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
    /// Whether some problem names this field path.
    pub fn names_field(&self, field: &str) -> bool {
        self.problems().iter().any(|p| p.field == field)
    }
}

impl Diagnostic for ReadError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(match self {
            ReadError::Io { .. } | ReadError::File(_) => "iotlabel::declaration::io",
            ReadError::Syntax { .. } => "iotlabel::declaration::syntax",
            ReadError::Invalid { .. } => "iotlabel::declaration::invalid",
        }))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            ReadError::Syntax { src: Some(s), .. } | ReadError::Invalid { src: Some(s), .. } => {
                Some(s.as_ref())
            }
            _ => None,
        }
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        match self {
            ReadError::Syntax {
                span: Some(span), ..
            } => Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
                Some("here".into()),
                *span,
            )))),
            ReadError::Invalid {
                problems,
                src: Some(_),
                ..
            } => Some(Box::new(problems.iter().filter_map(|p| {
                let span = p.span.clone()?;
                let mut text = format!("{}: {}", p.field, p.message);
                if let Some(e) = &p.expected {
                    text.push_str(&format!("; {}", accepted(e)));
                }
                Some(LabeledSpan::new_with_span(
                    Some(text),
                    SourceSpan::from(span),
                ))
            }))),
            _ => None,
        }
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            // With the source shown, every problem is already labelled in place.
            ReadError::Invalid { src: Some(_), .. } => Some(Box::new(
                "fix the fields marked above; `iotlabel init` prints a commented template, docs/declaration.md lists every field",
            )),
            ReadError::Invalid { problems, .. } => {
                let list: Vec<String> = problems.iter().map(|p| format!("- {p}")).collect();
                Some(Box::new(list.join("\n")))
            }
            ReadError::Syntax { .. } => Some(Box::new(
                "see docs/declaration.md or run `iotlabel init` for a template",
            )),
            _ => None,
        }
    }
}

/// A parsed document: the value tree plus where each value came from.
pub(crate) struct Document {
    name: String,
    text: Option<String>,
    root: Value,
    /// Field path → byte range of the value (and `path#key` → range of the key).
    spans: HashMap<String, Range<usize>>,
}

impl Document {
    pub(crate) fn parse(text: &str, format: Format, name: &str) -> Result<Document, ReadError> {
        match format {
            Format::Toml => {
                let table = toml::de::DeTable::parse(text).map_err(|e| ReadError::Syntax {
                    name: name.to_string(),
                    format: "TOML",
                    message: e.message().to_string(),
                    src: Some(Box::new(NamedSource::new(name, text.to_string()))),
                    span: e.span().map(SourceSpan::from),
                })?;
                let mut spans = HashMap::new();
                let span = table.span();
                let root = toml_table(table.get_ref(), "", &mut spans);
                spans.insert(String::new(), span);
                Ok(Document {
                    name: name.to_string(),
                    text: Some(text.to_string()),
                    root,
                    spans,
                })
            }
            Format::Json => {
                let root: Value = serde_json::from_str(text).map_err(|e| {
                    let offset = offset_of(text, e.line(), e.column());
                    ReadError::Syntax {
                        name: name.to_string(),
                        format: "JSON",
                        message: e.to_string(),
                        src: Some(Box::new(NamedSource::new(name, text.to_string()))),
                        span: offset.map(|o| SourceSpan::from(o..o)),
                    }
                })?;
                Ok(Document {
                    name: name.to_string(),
                    text: Some(text.to_string()),
                    root,
                    spans: HashMap::new(),
                })
            }
        }
    }

    pub(crate) fn from_json_value(root: Value, name: &str) -> Document {
        Document {
            name: name.to_string(),
            text: None,
            root,
            spans: HashMap::new(),
        }
    }

    /// Builds the error for a list of problems, filling in lines and columns.
    pub(crate) fn error(&self, mut problems: Vec<Problem>) -> ReadError {
        for p in &mut problems {
            if p.span.is_none() {
                p.span = self.span_of(&p.field);
            }
            if let (Some(span), Some(text)) = (&p.span, &self.text) {
                let (l, c) = line_col(text, span.start);
                p.line = Some(l);
                p.column = Some(c);
            }
        }
        problems.sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.field.clone()));
        ReadError::Invalid {
            name: self.name.clone(),
            problems,
            src: self
                .text
                .as_ref()
                .filter(|_| !self.spans.is_empty())
                .map(|t| Box::new(NamedSource::new(&self.name, t.clone()))),
        }
    }

    /// The span of a field, or of its nearest present parent.
    fn span_of(&self, field: &str) -> Option<Range<usize>> {
        let mut f = field;
        loop {
            if let Some(s) = self.spans.get(f) {
                return Some(s.clone());
            }
            let Some(cut) = f.rfind(['.', '[']) else {
                return self.spans.get("").cloned();
            };
            f = &f[..cut];
        }
    }
}

fn toml_table(
    t: &toml::de::DeTable<'_>,
    path: &str,
    spans: &mut HashMap<String, Range<usize>>,
) -> Value {
    let mut map = Map::new();
    for (k, v) in t {
        let p = if path.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{path}.{}", k.get_ref())
        };
        spans.insert(format!("{p}#key"), k.span());
        spans.insert(p.clone(), v.span());
        map.insert(k.get_ref().to_string(), toml_value(v.get_ref(), &p, spans));
    }
    Value::Object(map)
}

fn toml_value(
    v: &toml::de::DeValue<'_>,
    path: &str,
    spans: &mut HashMap<String, Range<usize>>,
) -> Value {
    use toml::de::DeValue;
    match v {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str();
            match i64::from_str_radix(digits, i.radix()) {
                Ok(n) => Value::from(n),
                // Out of range for i64: keep the text so the reader can say "too large".
                Err(_) => Value::String(format!("<integer {digits}>")),
            }
        }
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .map(Value::from)
            .unwrap_or(Value::Null),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{path}[{i}]");
                    spans.insert(p.clone(), item.span());
                    toml_value(item.get_ref(), &p, spans)
                })
                .collect(),
        ),
        DeValue::Table(t) => toml_table(t, path, spans),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

fn offset_of(text: &str, line: usize, col: usize) -> Option<usize> {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return Some(off + col.saturating_sub(1).min(l.len()));
        }
        off += l.len();
    }
    None
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

/// Suggests the closest known name for a typo.
pub(crate) fn did_you_mean<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (k, strsim::jaro_winkler(given, k)))
        .filter(|(_, s)| *s > 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| *k)
}

fn quoted_list(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        _ => format!("one of {}", q.join(", ")),
    }
}

/// Walks the value tree, collecting problems.
struct Reader<'d> {
    doc: &'d Document,
    problems: Vec<Problem>,
}

type Obj = Map<String, Value>;

impl<'d> Reader<'d> {
    fn push(&mut self, p: Problem) {
        self.problems.push(p);
    }

    /// Checks that `v` is a table with only known keys.
    fn table<'v>(&mut self, path: &str, v: &'v Value, known: &[&str]) -> Option<&'v Obj> {
        let Value::Object(map) = v else {
            self.push(
                Problem::new(
                    path,
                    ProblemKind::Invalid,
                    format!("must be a table, found {}", json_type(v)),
                )
                .expected(format!("a table with the fields {}", known.join(", "))),
            );
            return None;
        };
        for key in map.keys() {
            if !known.contains(&key.as_str()) {
                let field = join(path, key);
                let mut p = Problem::new(
                    &field,
                    ProblemKind::UnknownField,
                    format!("unknown field `{key}`"),
                );
                p.span = self.doc.spans.get(&format!("{field}#key")).cloned();
                p = match did_you_mean(key, known) {
                    Some(s) => p.expected(format!(
                        "did you mean `{s}`? Known fields here: {}",
                        known.join(", ")
                    )),
                    None => p.expected(format!("one of the fields {}", known.join(", "))),
                };
                self.push(p);
            }
        }
        Some(map)
    }

    fn missing(&mut self, path: &str, key: &str, what: &str) {
        self.push(
            Problem::new(
                join(path, key),
                ProblemKind::Missing,
                format!("missing required field `{key}`"),
            )
            .expected(what),
        );
    }

    fn string(
        &mut self,
        t: &Obj,
        path: &str,
        key: &str,
        required: bool,
        max_chars: usize,
    ) -> Option<String> {
        let field = join(path, key);
        match t.get(key) {
            None => {
                if required {
                    self.missing(path, key, "a text value");
                }
                None
            }
            Some(Value::String(s)) => {
                let s = s.trim();
                if s.is_empty() {
                    self.push(
                        Problem::new(field, ProblemKind::Invalid, "is empty")
                            .expected("a non-empty text"),
                    );
                    None
                } else if s.chars().any(char::is_control) {
                    self.push(
                        Problem::new(
                            field,
                            ProblemKind::Invalid,
                            "contains control characters (line breaks, tabs)",
                        )
                        .expected("a single line of text"),
                    );
                    None
                } else if s.chars().count() > max_chars {
                    self.push(
                        Problem::new(
                            field,
                            ProblemKind::Invalid,
                            format!("is {} characters long", s.chars().count()),
                        )
                        .expected(format!("at most {max_chars} characters")),
                    );
                    None
                } else {
                    Some(s.to_string())
                }
            }
            Some(other) => {
                self.push(
                    Problem::new(
                        field,
                        ProblemKind::Invalid,
                        format!("must be text, found {}", json_type(other)),
                    )
                    .expected("a quoted string"),
                );
                None
            }
        }
    }

    /// Free text (notes): may be multi-line.
    fn note(&mut self, t: &Obj, path: &str, key: &str) -> Option<String> {
        match t.get(key) {
            None => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) if s.chars().count() > 2000 => {
                self.push(
                    Problem::new(
                        join(path, key),
                        ProblemKind::Invalid,
                        "is longer than 2000 characters",
                    )
                    .expected("a shorter note; put long text on the details page"),
                );
                None
            }
            Some(Value::String(s)) => Some(s.trim().to_string()),
            Some(other) => {
                self.push(
                    Problem::new(
                        join(path, key),
                        ProblemKind::Invalid,
                        format!("must be text, found {}", json_type(other)),
                    )
                    .expected("a quoted string"),
                );
                None
            }
        }
    }

    fn boolean(&mut self, t: &Obj, path: &str, key: &str, required: bool) -> Option<bool> {
        match t.get(key) {
            None => {
                if required {
                    self.missing(path, key, "true or false");
                }
                None
            }
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                let hint = match other.as_str() {
                    Some("yes" | "true") => " (write true without quotes)",
                    Some("no" | "false") => " (write false without quotes)",
                    _ => "",
                };
                self.push(
                    Problem::new(
                        join(path, key),
                        ProblemKind::Invalid,
                        format!("must be true or false, found {}{hint}", json_type(other)),
                    )
                    .expected("true or false"),
                );
                None
            }
        }
    }

    fn uint(
        &mut self,
        t: &Obj,
        path: &str,
        key: &str,
        range: std::ops::RangeInclusive<u64>,
    ) -> Option<u64> {
        let v = t.get(key)?;
        let expected = format!("a whole number from {} to {}", range.start(), range.end());
        match v.as_u64() {
            Some(n) if range.contains(&n) => Some(n),
            Some(n) => {
                self.push(
                    Problem::new(
                        join(path, key),
                        ProblemKind::Invalid,
                        format!("{n} is out of range"),
                    )
                    .expected(expected),
                );
                None
            }
            None => {
                self.push(
                    Problem::new(
                        join(path, key),
                        ProblemKind::Invalid,
                        format!("must be a whole number, found {}", show(v)),
                    )
                    .expected(expected),
                );
                None
            }
        }
    }

    fn coded_at<T: Coded>(&mut self, field: &str, v: &Value) -> Option<T> {
        let expected = quoted_list(&T::names());
        match v {
            Value::String(s) => match T::from_name(s) {
                Some(x) => Some(x),
                None => {
                    let names = T::names();
                    let mut p = Problem::new(
                        field,
                        ProblemKind::Invalid,
                        format!("\"{s}\" is not a known {}", T::WHAT),
                    );
                    p = match did_you_mean(s, &names) {
                        Some(sugg) => {
                            p.expected(format!("did you mean \"{sugg}\"? Accepted: {expected}"))
                        }
                        None => p.expected(expected),
                    };
                    self.push(p);
                    None
                }
            },
            other => {
                self.push(
                    Problem::new(
                        field,
                        ProblemKind::Invalid,
                        format!("must be a quoted name, found {}", json_type(other)),
                    )
                    .expected(expected),
                );
                None
            }
        }
    }

    fn coded<T: Coded>(&mut self, t: &Obj, path: &str, key: &str, required: bool) -> Option<T> {
        match t.get(key) {
            None => {
                if required {
                    self.missing(path, key, &quoted_list(&T::names()));
                }
                None
            }
            Some(v) => self.coded_at(&join(path, key), v),
        }
    }

    fn coded_list<T: Coded>(&mut self, t: &Obj, path: &str, key: &str) -> Option<Vec<T>> {
        let field = join(path, key);
        match t.get(key) {
            None => Some(Vec::new()),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    let f = format!("{field}[{i}]");
                    match self.coded_at::<T>(&f, item) {
                        Some(x) if out.contains(&x) => {
                            self.push(
                                Problem::new(
                                    f,
                                    ProblemKind::Invalid,
                                    format!("\"{}\" is listed twice", x.name()),
                                )
                                .expected("each value once"),
                            );
                            ok = false;
                        }
                        Some(x) => out.push(x),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            }
            Some(other) => {
                self.push(
                    Problem::new(
                        field,
                        ProblemKind::Invalid,
                        format!("must be a list, found {}", json_type(other)),
                    )
                    .expected(format!(
                        "a list like [\"{}\"] of {}",
                        T::ALL[0].name(),
                        quoted_list(&T::names())
                    )),
                );
                None
            }
        }
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) if s.starts_with("<integer ") => {
            s.trim_start_matches("<integer ")
                .trim_end_matches('>')
                .to_string()
                + " (too large)"
        }
        other => format!("{} {}", json_type(other), other),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

const ROOT: &[&str] = &[
    "format",
    "product",
    "updates",
    "support",
    "notification",
    "end_of_support",
    "security",
];
const PRODUCT: &[&str] = &[
    "manufacturer",
    "model",
    "gtin",
    "firmware_version",
    "hardware_version",
    "details_url",
    "vulnerability_contact",
    "link_base_url",
];
const UPDATES: &[&str] = &[
    "security_updates",
    "delivery",
    "user_action",
    "cost",
    "cost_note",
    "manual_reason",
    "note",
];
const SUPPORT: &[&str] = &["end", "period_months", "period_from", "commitment", "note"];
const NOTIFICATION: &[&str] = &["channels", "schedule", "note"];
const END_OF_SUPPORT: &[&str] = &["behaviour", "offer", "note"];
const SECURITY: &[&str] = &["measures", "standards", "note"];

/// Reads the whole tree; returns the declaration when every required part was readable,
/// and every problem found either way.
pub(crate) fn read_declaration(doc: &Document) -> (Option<Declaration>, Vec<Problem>) {
    let mut r = Reader {
        doc,
        problems: Vec::new(),
    };
    let decl = read_root(&mut r, &doc.root);
    (decl, r.problems)
}

fn read_root(r: &mut Reader<'_>, v: &Value) -> Option<Declaration> {
    let root = r.table("", v, ROOT)?;
    let format = match r.uint(root, "", "format", 1..=u64::from(u32::MAX)) {
        Some(f) if f > u64::from(FORMAT_VERSION) => {
            r.push(
                Problem::new(
                    "format",
                    ProblemKind::Invalid,
                    format!("format {f} is newer than this iotlabel understands"),
                )
                .expected(format!("format = {FORMAT_VERSION} (or update iotlabel)")),
            );
            None
        }
        Some(f) => Some(f as u32),
        None if root.contains_key("format") => None,
        None => Some(FORMAT_VERSION),
    };
    let product = match root.get("product") {
        Some(v) => read_product(r, v),
        None => {
            r.missing(
                "",
                "product",
                "a [product] table with manufacturer and model",
            );
            None
        }
    };
    let updates = match root.get("updates") {
        Some(v) => read_updates(r, v),
        None => {
            r.missing(
                "",
                "updates",
                "an [updates] table with security_updates = true or false",
            );
            None
        }
    };
    let support = opt_section(r, root, "support", read_support);
    let notification = opt_section(r, root, "notification", read_notification);
    let end_of_support = opt_section(r, root, "end_of_support", read_eos);
    let security = opt_section(r, root, "security", read_security);
    Some(Declaration {
        format: format?,
        product: product?,
        updates: updates?,
        support: support?,
        notification: notification?,
        end_of_support: end_of_support?,
        security: security?,
    })
}

/// `Some(None)` when absent, `Some(Some(x))` when read, `None` when unreadable.
fn opt_section<T>(
    r: &mut Reader<'_>,
    root: &Obj,
    key: &str,
    f: fn(&mut Reader<'_>, &Value) -> Option<T>,
) -> Option<Option<T>> {
    match root.get(key) {
        None => Some(None),
        Some(v) => f(r, v).map(Some),
    }
}

fn read_product(r: &mut Reader<'_>, v: &Value) -> Option<Product> {
    let p = "product";
    let t = r.table(p, v, PRODUCT)?;
    let manufacturer = r.string(t, p, "manufacturer", true, 60);
    let model = r.string(t, p, "model", true, 60);
    let gtin = match t.get("gtin") {
        // A bare number loses leading zeros; accept it but normalise through the text.
        Some(Value::Number(n)) => n.as_u64().map(|n| n.to_string()).or_else(|| {
            r.push(
                Problem::new("product.gtin", ProblemKind::Invalid, "must be digits")
                    .expected("a GTIN-8, -12, -13 or -14 as a quoted string"),
            );
            None
        }),
        _ => r.string(t, p, "gtin", false, 14),
    };
    let gtin = gtin.and_then(|g| match gtin14(&g) {
        Ok(_) => Some(g),
        Err(msg) => {
            r.push(
                Problem::new("product.gtin", ProblemKind::Invalid, msg)
                    .expected("a GTIN-8, GTIN-12, GTIN-13 or GTIN-14 with a correct check digit"),
            );
            None
        }
    });
    let firmware_version = r.string(t, p, "firmware_version", false, 40);
    let hardware_version = r.string(t, p, "hardware_version", false, 40);
    let details_url = r
        .string(t, p, "details_url", false, 200)
        .and_then(|u| check_https(r, "product.details_url", u));
    let vulnerability_contact = r.string(t, p, "vulnerability_contact", false, 200).and_then(|c| {
        if c.to_ascii_lowercase().starts_with("http") {
            check_https(r, "product.vulnerability_contact", c)
        } else if is_email(c.strip_prefix("mailto:").unwrap_or(&c)) {
            Some(c)
        } else {
            r.push(
                Problem::new("product.vulnerability_contact", ProblemKind::Invalid, format!("\"{c}\" is neither an https URL nor an e-mail address"))
                    .expected("an address like \"security@example.com\" or a URL like \"https://example.com/security\""),
            );
            None
        }
    });
    let link_base_url = r
        .string(t, p, "link_base_url", false, 120)
        .and_then(|u| check_https(r, "product.link_base_url", u));
    Some(Product {
        manufacturer: manufacturer?,
        model: model?,
        gtin,
        firmware_version,
        hardware_version,
        details_url,
        vulnerability_contact,
        link_base_url,
    })
}

fn check_https(r: &mut Reader<'_>, field: &str, url: String) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://") else {
        r.push(
            Problem::new(
                field,
                ProblemKind::Invalid,
                format!("\"{url}\" is not an https URL"),
            )
            .expected("a URL starting with https://"),
        );
        return None;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_ok = !host.is_empty()
        && host.contains('.')
        && host.split(':').next().is_some_and(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        })
        && !url.contains(char::is_whitespace);
    if host_ok {
        Some(url)
    } else {
        r.push(
            Problem::new(
                field,
                ProblemKind::Invalid,
                format!("\"{url}\" has no valid host name"),
            )
            .expected("a URL like https://example.com/path"),
        );
        None
    }
}

fn is_email(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && !s.contains(char::is_whitespace)
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        }
        _ => false,
    }
}

/// Checks a GTIN's length and check digit and returns it as GTIN-14, with messages
/// worded for the declaration (the GS1 check itself is [`crate::link::gtin14`]).
pub fn gtin14(g: &str) -> Result<String, String> {
    if !g.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("\"{g}\" contains characters other than digits"));
    }
    crate::link::gtin14(g).map_err(|e| match e {
        crate::link::LinkError::GtinCheckDigit {
            found, expected, ..
        } => format!("\"{g}\" has check digit {found} but the digits before it give {expected}"),
        _ => format!("\"{g}\" has {} digits; a GTIN has 8, 12, 13 or 14", g.len()),
    })
}

fn read_updates(r: &mut Reader<'_>, v: &Value) -> Option<Updates> {
    let p = "updates";
    let t = r.table(p, v, UPDATES)?;
    let security_updates = r.boolean(t, p, "security_updates", true);
    let delivery = r.coded::<Delivery>(t, p, "delivery", false);
    let user_action = r.coded::<UserAction>(t, p, "user_action", false);
    let cost = r.coded::<Cost>(t, p, "cost", false);
    let bad = |r: &Reader<'_>, k: &str| r.problems.iter().any(|x| x.field == join(p, k));
    let (d_bad, a_bad, c_bad) = (bad(r, "delivery"), bad(r, "user_action"), bad(r, "cost"));
    let cost_note = r.note(t, p, "cost_note");
    let manual_reason = r.note(t, p, "manual_reason");
    let note = r.note(t, p, "note");
    if d_bad || a_bad || c_bad {
        return None;
    }
    Some(Updates {
        security_updates: security_updates?,
        delivery,
        user_action,
        cost,
        cost_note,
        manual_reason,
        note,
    })
}

fn read_support(r: &mut Reader<'_>, v: &Value) -> Option<Support> {
    let p = "support";
    let t = r.table(p, v, SUPPORT)?;
    let before = r.problems.len();
    let end = match t.get("end") {
        None => None,
        Some(Value::String(s)) => match SupportEndSpec::parse(s.trim()) {
            Ok(e) => Some(e),
            Err(msg) => {
                r.push(
                    Problem::new("support.end", ProblemKind::Invalid, msg)
                        .expected("\"YYYY-MM\", \"YYYY-MM-DD\", \"indefinite\" or \"unknown\""),
                );
                None
            }
        },
        Some(other) => {
            r.push(
                Problem::new(
                    "support.end",
                    ProblemKind::Invalid,
                    format!("must be text, found {}", json_type(other)),
                )
                .expected("a quoted month like \"2030-12\", or \"indefinite\" or \"unknown\""),
            );
            None
        }
    };
    let period_months = r.uint(t, p, "period_months", 1..=1200).map(|n| n as u16);
    let period_from = r.coded::<PeriodStart>(t, p, "period_from", false);
    let commitment = r.coded::<Commitment>(t, p, "commitment", false);
    let note = r.note(t, p, "note");
    (r.problems.len() == before).then_some(Support {
        end,
        period_months,
        period_from,
        commitment,
        note,
    })
}

fn read_notification(r: &mut Reader<'_>, v: &Value) -> Option<Notification> {
    let p = "notification";
    let t = r.table(p, v, NOTIFICATION)?;
    let channels = r.coded_list::<Channel>(t, p, "channels");
    let before = r.problems.len();
    let schedule = r.coded::<Schedule>(t, p, "schedule", false);
    let note = r.note(t, p, "note");
    let schedule_ok = r.problems.len() == before;
    schedule_ok.then_some(())?;
    Some(Notification {
        channels: channels?,
        schedule,
        note,
    })
}

fn read_eos(r: &mut Reader<'_>, v: &Value) -> Option<EndOfSupport> {
    let p = "end_of_support";
    let t = r.table(p, v, END_OF_SUPPORT)?;
    let behaviour = r.coded::<EosBehaviour>(t, p, "behaviour", true);
    let before = r.problems.len();
    let offer = r.coded::<EosOffer>(t, p, "offer", false);
    let note = r.note(t, p, "note");
    (r.problems.len() == before).then_some(())?;
    Some(EndOfSupport {
        behaviour: behaviour?,
        offer,
        note,
    })
}

fn read_security(r: &mut Reader<'_>, v: &Value) -> Option<Security> {
    let p = "security";
    let t = r.table(p, v, SECURITY)?;
    let measures = r.coded_list::<Measure>(t, p, "measures");
    let standards = r.coded_list::<Standard>(t, p, "standards");
    let note = r.note(t, p, "note");
    Some(Security {
        measures: measures?,
        standards: standards?,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_check_digits() {
        assert_eq!(gtin14("4006381333931").unwrap(), "04006381333931");
        assert_eq!(gtin14("96385074").unwrap(), "00000096385074");
        assert_eq!(gtin14("036000291452").unwrap(), "00036000291452");
        assert!(gtin14("4006381333932").is_err());
        assert!(gtin14("400638133393").is_err());
        assert!(gtin14("40063813339a1").is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("manufacturar", PRODUCT), Some("manufacturer"));
        assert_eq!(did_you_mean("zzz", PRODUCT), None);
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("ab\ncd", 3), (2, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
