//! The link text: the signed COSE bytes placed in the fragment of an `https://` link.
//!
//! A phone camera opens a QR code only when it holds a URL, so the signed payload
//! rides in the fragment of one: `https://<host>/<path>#<payload>`. The fragment is
//! never sent to the server, so the page can verify the payload in the browser and the
//! server does not learn which product was scanned.
//!
//! Two payload forms exist:
//!
//! * **digits** (for QR codes): the bytes packed 7 bytes → 17 decimal digits, so the
//!   QR encoder can use numeric mode at about 8.14 bits per byte (base64url in byte mode
//!   costs 10.67). See [`encode_digits`] for the exact rule.
//! * **base64url** without padding (for NFC, where memory is counted in bytes).
//!
//! The entry points are [`format_link`] (bytes → link) and [`parse_link`] (pasted text
//! → bytes). Parsing never panics: every failure is a [`LinkError`] that says what
//! would have been accepted.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt;
use std::str::FromStr;

/// The longest link (or digit string) read, in bytes. A QR code holds at most 7,089
/// digits and the largest NFC tags under 2 KB, so anything longer is not a label; the
/// verifier page uses the same bound. Bounding the input bounds all later work.
pub const MAX_LINK_BYTES: usize = 8192;

/// Bytes per full digit group.
const GROUP_BYTES: usize = 7;
/// Digits per full digit group: 2^56 − 1 has 17 decimal digits.
const GROUP_DIGITS: usize = 17;
/// Digits for a final partial group of k = 1..6 bytes: the number of decimal digits of
/// 2^(8k) − 1. Index 0 is k = 1.
const PARTIAL_DIGITS: [usize; 6] = [3, 5, 8, 10, 13, 15];

/// Everything that can be wrong with a link, a digit string, a base URL or a GTIN.
///
/// Each message names the offending part and says what would be accepted, because
/// these texts are typed or pasted by people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Nothing to decode.
    #[error("empty input: expected a link like https://example.com/u#<digits>, or the bare digits")]
    Empty,
    /// Longer than any label holds.
    #[error(
        "the text is {len} bytes long; a label's link is at most {MAX_LINK_BYTES} bytes (a QR code holds at most 7,089 digits)"
    )]
    TooLong { len: usize },
    /// The digit count is not 17·n + r with r one of 0, 3, 5, 8, 10, 13, 15.
    #[error(
        "invalid length: {len} digits ({len} = 17×{groups} + {remainder}); the digit count must be \
         17×n plus 0, 3, 5, 8, 10, 13 or 15 — digits are probably missing or extra"
    )]
    InvalidLength {
        len: usize,
        groups: usize,
        remainder: usize,
    },
    /// A digit group encodes a number too large for its byte count.
    #[error(
        "impossible group value: group {index} (digits {start}–{end}) is {value}, but a group of \
         {bytes} byte(s) holds at most {max}; a digit was probably mistyped"
    )]
    ImpossibleGroup {
        /// 1-based group number.
        index: usize,
        /// 1-based position of the group's first and last digit.
        start: usize,
        end: usize,
        value: u64,
        bytes: usize,
        max: u64,
    },
    /// A character that is not an ASCII digit where digits were expected.
    #[error(
        "invalid character {ch:?} at position {position} of the digits: only 0-9 are accepted \
         (no spaces, separators or trailing parameters)"
    )]
    InvalidDigit {
        ch: char,
        /// 1-based character position within the digit string.
        position: usize,
    },
    /// Text that is neither a link nor bare digits.
    #[error(
        "not a link: expected https://<host>/<path>#<payload> or the bare digits, got {found:?}"
    )]
    NotALink { found: String },
    /// `http://` (or another scheme) instead of `https://`.
    #[error("https is required: the link starts with {scheme:?}://, write https:// instead")]
    NotHttps { scheme: String },
    /// No `scheme://` at all.
    #[error("missing scheme: {url:?} must start with https:// (for example https://{url})")]
    MissingScheme { url: String },
    /// `user@` before the host.
    #[error(
        "user information ({userinfo:?}@) is not allowed in the URL; give only https://host/path"
    )]
    Userinfo { userinfo: String },
    /// The host is not a DNS name.
    #[error(
        "invalid host {host:?}: {reason}; a host is a DNS name of letters, digits, hyphens and \
         dots (internationalised names in punycode, xn--…)"
    )]
    InvalidHost { host: String, reason: &'static str },
    /// The port is not a number 1..=65535.
    #[error("invalid port {port:?}: expected a number from 1 to 65535")]
    InvalidPort { port: String },
    /// A character not allowed in a URL path.
    #[error(
        "invalid character {ch:?} at position {position} of the path {path:?}: a path may hold \
         letters, digits and -._~!$&'()*+,;=:@/ and %XX escapes"
    )]
    InvalidPath {
        path: String,
        ch: char,
        position: usize,
    },
    /// A `?query` in the base URL.
    #[error(
        "the base URL {url:?} has a query (?…); give only https://host/path — the payload goes in the #fragment"
    )]
    QueryNotAllowed { url: String },
    /// A `#fragment` in a base URL.
    #[error(
        "the base URL {url:?} has a fragment (#…); give only https://host/path — the payload is added as the fragment"
    )]
    FragmentNotAllowed { url: String },
    /// A link without `#`.
    #[error(
        "missing fragment: the link has no #<payload> part; expected https://<host>/<path>#<digits>"
    )]
    MissingFragment,
    /// A link ending in `#`.
    #[error(
        "empty fragment: nothing follows #; expected the payload digits (or base64url) after #"
    )]
    EmptyFragment,
    /// A fragment that starts with digits and then has something else.
    #[error(
        "trailing junk after the digits: {ch:?} at position {position} of the fragment; the \
         fragment must hold only the digits 0-9 (remove anything after them)"
    )]
    TrailingJunk { ch: char, position: usize },
    /// A fragment that is neither digits nor valid base64url.
    #[error(
        "invalid base64url payload: {reason}; expected only A-Z a-z 0-9 - _ without = padding, \
         or only the digits 0-9"
    )]
    InvalidBase64 { reason: String },
    /// A GTIN with the wrong length or characters.
    #[error("invalid GTIN {gtin:?}: expected 8, 12, 13 or 14 digits")]
    GtinFormat { gtin: String },
    /// A GTIN whose GS1 check digit does not match.
    #[error(
        "invalid GTIN {gtin:?}: check digit is {found}, but the GS1 mod-10 check digit is {expected}"
    )]
    GtinCheckDigit {
        gtin: String,
        found: char,
        expected: char,
    },
}

/// Packs bytes into decimal digits for a QR numeric segment.
///
/// The rule: split `bytes` into groups of 7 from the start. Each full group is a
/// big-endian 56-bit unsigned integer written as exactly 17 digits (zero-padded). A final
/// partial group of k = 1..6 bytes is read big-endian and written with exactly
/// 3, 5, 8, 10, 13 or 15 digits (the digit count of 2^(8k) − 1), zero-padded.
///
/// Why this rule: 17 digits cost 57 bits in QR numeric mode, so 7 bytes (56 bits of
/// information) cost 57 bits — about 8.14 bits per byte, against 10.67 for base64url in
/// byte mode. The fixed widths make the byte count recoverable from the digit count, so
/// leading zero bytes survive. An empty input gives an empty string (which
/// [`decode_digits`] rejects: a signed payload is never empty).
pub fn encode_digits(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(digits_len(bytes.len()));
    for chunk in bytes.chunks(GROUP_BYTES) {
        let value = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let width = if chunk.len() == GROUP_BYTES {
            GROUP_DIGITS
        } else {
            PARTIAL_DIGITS[chunk.len() - 1]
        };
        out.push_str(&format!("{value:0width$}"));
    }
    out
}

/// The number of digits [`encode_digits`] writes for `byte_len` bytes.
pub fn digits_len(byte_len: usize) -> usize {
    let partial = byte_len % GROUP_BYTES;
    let tail = if partial == 0 {
        0
    } else {
        PARTIAL_DIGITS[partial - 1]
    };
    byte_len / GROUP_BYTES * GROUP_DIGITS + tail
}

/// Unpacks digits written by [`encode_digits`].
///
/// Strict on purpose: a mistyped or truncated code must fail here with a message that
/// points at the problem rather than produce bytes that fail the signature check for
/// no visible reason. Rejects empty input, any character other than `0-9` (named with
/// its 1-based position), a digit count that is not `17·n + r` with
/// `r ∈ {0, 3, 5, 8, 10, 13, 15}`, and any group whose value does not fit its bytes.
pub fn decode_digits(s: &str) -> Result<Vec<u8>, LinkError> {
    if s.is_empty() {
        return Err(LinkError::Empty);
    }
    if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(LinkError::InvalidDigit {
            ch,
            position: i + 1,
        });
    }
    // All ASCII from here on, so byte offsets are character positions.
    let digits = s.as_bytes();
    let len = digits.len();
    let groups = len / GROUP_DIGITS;
    let remainder = len % GROUP_DIGITS;
    let partial_bytes = if remainder == 0 {
        0
    } else {
        match PARTIAL_DIGITS.iter().position(|&d| d == remainder) {
            Some(i) => i + 1,
            None => {
                return Err(LinkError::InvalidLength {
                    len,
                    groups,
                    remainder,
                });
            }
        }
    };
    let mut out = Vec::with_capacity(groups * GROUP_BYTES + partial_bytes);
    let mut start = 0;
    let mut index = 1;
    while start < len {
        let (width, bytes) = if len - start >= GROUP_DIGITS {
            (GROUP_DIGITS, GROUP_BYTES)
        } else {
            (remainder, partial_bytes)
        };
        let group = digits.get(start..start + width).unwrap_or_default();
        // At most 17 digits, so the value is below 10^17 < 2^64: no overflow.
        let value = group
            .iter()
            .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
        let max = (1u64 << (8 * bytes)) - 1;
        if value > max {
            return Err(LinkError::ImpossibleGroup {
                index,
                start: start + 1,
                end: start + width,
                value,
                bytes,
                max,
            });
        }
        out.extend_from_slice(&value.to_be_bytes()[8 - bytes..]);
        start += width;
        index += 1;
    }
    Ok(out)
}

/// The manufacturer's base URL, checked and normalised, that the payload is appended to.
///
/// Only `https` is accepted: a phone should not open a verification page over plain
/// HTTP. The scheme and host are lowercased because the QR encoder puts the URL in a
/// byte segment and several phone cameras do not open `HTTPS://…` as a link. The path
/// is kept byte for byte, since servers may treat it case-sensitively. A port of 443 is
/// dropped (it is the default). Query, fragment and `user@` are refused: the fragment
/// is where the payload goes, and the others would only cost QR modules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    host: String,
    port: Option<u16>,
    path: String,
}

impl BaseUrl {
    /// Parses and normalises a base URL such as `https://acme.example/u`.
    /// The scheme is matched case-insensitively.
    pub fn parse(text: &str) -> Result<BaseUrl, LinkError> {
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(LinkError::MissingScheme {
                url: text.to_string(),
            });
        };
        if !scheme.eq_ignore_ascii_case("https") {
            return Err(LinkError::NotHttps {
                scheme: scheme.to_string(),
            });
        }
        if rest.contains('#') {
            return Err(LinkError::FragmentNotAllowed {
                url: text.to_string(),
            });
        }
        if rest.contains('?') {
            return Err(LinkError::QueryNotAllowed {
                url: text.to_string(),
            });
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            return Err(LinkError::Userinfo {
                userinfo: userinfo.to_string(),
            });
        }
        if authority.starts_with('[') {
            return Err(LinkError::InvalidHost {
                host: authority.to_string(),
                reason: "IP address literals are not DNS names",
            });
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(parse_port(p)?)),
            None => (authority, None),
        };
        let host = host.to_ascii_lowercase();
        check_host(&host)?;
        check_path(path)?;
        Ok(BaseUrl {
            host,
            port: port.filter(|&p| p != 443),
            path: path.to_string(),
        })
    }

    /// A GS1 Digital Link base: `https://<resolver host + path>/01/<GTIN-14>`.
    ///
    /// `/01/` is the GS1 application identifier for the GTIN, so a retail scanner that
    /// understands GS1 Digital Link reads the product key from the same QR that the
    /// consumer's phone opens. The GTIN is normalised with [`gtin14`] (GTIN-8/12/13 are
    /// left-padded, the check digit must be right).
    pub fn gs1(resolver: &BaseUrl, gtin: &str) -> Result<BaseUrl, LinkError> {
        let gtin = gtin14(gtin)?;
        Ok(BaseUrl {
            host: resolver.host.clone(),
            port: resolver.port,
            path: format!("{}/01/{gtin}", resolver.path.trim_end_matches('/')),
        })
    }

    /// The lowercase host name.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, if one other than 443 was given.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The path exactly as given (may be empty or `/`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The URL as printed under a QR code: without `https://` or a trailing `/`
    /// (`acme.example/v`).
    pub fn short(&self) -> String {
        self.to_string()
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_string()
    }

    /// The GTIN-14 if the path is a GS1 Digital Link (`…/01/<GTIN>`), checked.
    ///
    /// Returns `Ok(None)` when the path has no `/01/` segment followed by a GTIN-length
    /// number (e.g. `/2024/01/15` is a date, not a GTIN), and an error when it does
    /// but the check digit is wrong.
    pub fn gs1_gtin14(&self) -> Result<Option<String>, LinkError> {
        let segments: Vec<&str> = self.path.split('/').collect();
        for pair in segments.windows(2) {
            if let [ai, value] = pair
                && *ai == "01"
                && matches!(value.len(), 8 | 12 | 13 | 14)
                && value.bytes().all(|b| b.is_ascii_digit())
            {
                return gtin14(value).map(Some);
            }
        }
        Ok(None)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "https://{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        f.write_str(&self.path)
    }
}

impl FromStr for BaseUrl {
    type Err = LinkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BaseUrl::parse(s)
    }
}

fn parse_port(p: &str) -> Result<u16, LinkError> {
    let bad = || LinkError::InvalidPort {
        port: p.to_string(),
    };
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad()),
        Ok(n) => Ok(n),
    }
}

/// DNS name syntax (RFC 1123 labels). Internationalised names must already be in
/// punycode (`xn--…`), which is plain ASCII and passes this check; we do not convert
/// Unicode names ourselves because the printed QR must hold exactly what a browser
/// would send, and a wrong conversion would be printed on thousands of boxes.
fn check_host(host: &str) -> Result<(), LinkError> {
    let err = |reason| {
        Err(LinkError::InvalidHost {
            host: host.to_string(),
            reason,
        })
    };
    if host.is_empty() {
        return err("the host is empty");
    }
    if host.len() > 253 {
        return err("longer than 253 characters");
    }
    if !host.is_ascii() {
        return err("non-ASCII characters (write internationalised names in punycode)");
    }
    for label in host.split('.') {
        if label.is_empty() {
            return err("empty label (two dots in a row, or a leading or trailing dot)");
        }
        if label.len() > 63 {
            return err("a label is longer than 63 characters");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return err("only letters, digits, hyphens and dots are allowed");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return err("a label starts or ends with a hyphen");
        }
    }
    Ok(())
}

/// RFC 3986 path characters: unreserved, sub-delims, `:` `@` `/` and `%XX`.
fn check_path(path: &str) -> Result<(), LinkError> {
    let bytes = path.as_bytes();
    for (i, ch) in path.char_indices() {
        let ok = match ch {
            'a'..='z' | 'A'..='Z' | '0'..='9' => true,
            '-' | '.' | '_' | '~' | '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';'
            | '=' | ':' | '@' | '/' => true,
            '%' => bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
            _ => false,
        };
        if !ok {
            return Err(LinkError::InvalidPath {
                path: path.to_string(),
                ch,
                position: path[..i].chars().count() + 1,
            });
        }
    }
    Ok(())
}

/// True when `digits` is all ASCII digits (at least two) and its last digit is the
/// GS1 mod-10 check digit of the others.
pub fn gtin_check_digit_ok(digits: &str) -> bool {
    match gs1_check_digit(digits) {
        Some(expected) => digits.as_bytes().last() == Some(&expected),
        None => false,
    }
}

/// The GS1 mod-10 check digit (as an ASCII byte) for the digits before the last one.
/// Weights 3, 1, 3, … from the right, starting next to the check digit.
fn gs1_check_digit(digits: &str) -> Option<u8> {
    let b = digits.as_bytes();
    if b.len() < 2 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let body = &b[..b.len() - 1];
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    // (10 - sum % 10) % 10 is at most 9.
    Some(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// Normalises a GTIN-8, -12, -13 or -14 to 14 digits (left-padded with zeros, as GS1
/// Digital Link and the payload expect) and checks its check digit.
pub fn gtin14(gtin: &str) -> Result<String, LinkError> {
    if !matches!(gtin.len(), 8 | 12 | 13 | 14) || !gtin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LinkError::GtinFormat {
            gtin: gtin.to_string(),
        });
    }
    let padded = format!("{gtin:0>14}");
    match gs1_check_digit(&padded) {
        Some(expected) if padded.as_bytes().last() == Some(&expected) => Ok(padded),
        Some(expected) => Err(LinkError::GtinCheckDigit {
            gtin: gtin.to_string(),
            found: gtin.chars().last().unwrap_or('?'),
            expected: char::from(expected),
        }),
        None => Err(LinkError::GtinFormat {
            gtin: gtin.to_string(),
        }),
    }
}

/// How the payload is written in the fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadForm {
    /// Decimal digits ([`encode_digits`]), for QR numeric mode.
    Digits,
    /// base64url without padding (RFC 4648 §5), for NFC where bytes are counted.
    Base64Url,
}

/// Builds the link `https://host/path#<payload>`.
pub fn format_link(base: &BaseUrl, cose: &[u8], form: PayloadForm) -> String {
    let fragment = match form {
        PayloadForm::Digits => encode_digits(cose),
        PayloadForm::Base64Url => URL_SAFE_NO_PAD.encode(cose),
    };
    format!("{base}#{fragment}")
}

/// What [`parse_link`] found in a pasted link or digit string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLink {
    /// The URL before `#`, normalised; `None` for bare digits.
    pub base: Option<BaseUrl>,
    /// The GTIN-14 when the URL is a GS1 Digital Link (`…/01/<GTIN>`).
    pub gtin14: Option<String>,
    /// Which payload form the fragment used.
    pub form: PayloadForm,
    /// The payload bytes (a COSE_Sign1, not yet checked).
    pub cose: Vec<u8>,
}

/// Reads the payload bytes from a link, a GS1 Digital Link or bare digits.
///
/// People paste these from scanner apps, e-mails and terminals, so whitespace at the
/// ends is trimmed and the scheme is matched case-insensitively; everything else is
/// strict. The fragment is the digit form when it is made only of ASCII digits. A
/// fragment that starts with a digit but holds anything else is reported as trailing
/// junk after the digits: the base64url form of a COSE_Sign1 always starts with `h`
/// (its first byte is 0x84, a CBOR array of four), so it can never start with a digit.
/// Any other fragment is read as base64url without padding.
pub fn parse_link(text: &str) -> Result<ParsedLink, LinkError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(LinkError::Empty);
    }
    if text.len() > MAX_LINK_BYTES {
        return Err(LinkError::TooLong { len: text.len() });
    }
    if !text.contains("://") && !text.contains('#') {
        if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            return Ok(ParsedLink {
                base: None,
                gtin14: None,
                form: PayloadForm::Digits,
                cose: decode_digits(text)?,
            });
        }
        let found: String = text.chars().take(40).collect();
        return Err(LinkError::NotALink { found });
    }
    let Some((url, fragment)) = text.split_once('#') else {
        // Check the URL first so that "http://…" says https is required.
        BaseUrl::parse(text)?;
        return Err(LinkError::MissingFragment);
    };
    let base = BaseUrl::parse(url)?;
    let gtin14 = base.gs1_gtin14()?;
    if fragment.is_empty() {
        return Err(LinkError::EmptyFragment);
    }
    let (form, cose) = if fragment.bytes().all(|b| b.is_ascii_digit()) {
        (PayloadForm::Digits, decode_digits(fragment)?)
    } else if fragment.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        let (i, ch) = fragment
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_digit())
            .unwrap_or((0, '?'));
        return Err(LinkError::TrailingJunk {
            ch,
            position: i + 1,
        });
    } else {
        (PayloadForm::Base64Url, decode_base64url(fragment)?)
    };
    Ok(ParsedLink {
        base: Some(base),
        gtin14,
        form,
        cose,
    })
}

fn decode_base64url(fragment: &str) -> Result<Vec<u8>, LinkError> {
    use base64::DecodeError as E;
    // Report the character, not the byte, so non-ASCII input reads sensibly.
    let at = |offset: usize| {
        let ch = fragment
            .get(offset..)
            .and_then(|s| s.chars().next())
            .unwrap_or('?');
        let pos = fragment.get(..offset).map_or(offset, |s| s.chars().count()) + 1;
        (ch, pos)
    };
    URL_SAFE_NO_PAD.decode(fragment).map_err(|e| {
        let reason = match e {
            E::InvalidByte(offset, _) => {
                let (ch, pos) = at(offset);
                format!("character {ch:?} at position {pos} is not in the base64url alphabet")
            }
            E::InvalidLength(n) => format!("{n} symbols is not a valid base64url length"),
            E::InvalidLastSymbol { offset, .. } => {
                let (ch, pos) = at(offset);
                format!(
                    "last symbol {ch:?} at position {pos} has extra bits set (truncated or damaged)"
                )
            }
            E::InvalidPadding => "padding (=) is not allowed".to_string(),
        };
        LinkError::InvalidBase64 { reason }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_widths_are_digit_counts_of_max_values() {
        for k in 1..=6 {
            let max = (1u128 << (8 * k)) - 1;
            assert_eq!(PARTIAL_DIGITS[k - 1], max.to_string().len());
        }
        assert_eq!(((1u128 << 56) - 1).to_string().len(), GROUP_DIGITS);
    }

    #[test]
    fn digits_len_matches_encoder() {
        for n in 0..40 {
            assert_eq!(encode_digits(&vec![0xff; n]).len(), digits_len(n));
        }
    }
}
