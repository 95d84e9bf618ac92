//! Keys: Ed25519 signing keys in standard formats, and the verifier's trust store.
//!
//! Private keys are PKCS#8 PEM that `openssl pkey` reads: ed25519-dalek's own PKCS#8
//! output is version 2 (with the public key), which OpenSSL 3.0 refuses, so we write the
//! version-1 form (RFC 8410 `OneAsymmetricKey` without the public key). Keys made by
//! `openssl genpkey -algorithm ed25519` load as they are. A private key is created with
//! mode 0600, never overwrites a file, and is never printed.
//!
//! The trust store is what a verifier trusts: PEM public keys (the file name is the
//! key's name) and keyset files that name keys and give their period of use. Keys are
//! found by key id, and several keys may be trusted at once, so labels signed with a
//! retired key still verify after a rotation.
//!
//! Entry points: [`generate`], [`load_signing_key`], [`TrustStore::load`].

use crate::declaration::YearMonth;
use crate::envelope::{KID_LEN, key_id};
use crate::fsutil::{FileSet, Input, Overwrite, WriteOptions};
use ed25519_dalek::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, KeypairBytes,
};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::path::{Path, PathBuf};

/// Problems with keys and trust stores.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum KeyError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] crate::fsutil::WriteError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Read(#[from] crate::fsutil::ReadError),
    #[error("{path} is not an Ed25519 private key in PKCS#8 PEM form ({detail})")]
    #[diagnostic(help(
        "make one with `iotlabel keygen --out KEY.pem` or `openssl genpkey -algorithm ed25519 -out KEY.pem`"
    ))]
    BadPrivateKey { path: PathBuf, detail: String },
    #[error("{path} holds a public key, but signing needs the private key")]
    #[diagnostic(help(
        "pass the private key file (BEGIN PRIVATE KEY); the .pub.pem file is for verifiers"
    ))]
    PublicNotPrivate { path: PathBuf },
    #[error("{path}: not an Ed25519 public key in PEM form ({detail})")]
    #[diagnostic(help(
        "expected a file with -----BEGIN PUBLIC KEY----- made by `iotlabel keygen` or `openssl pkey -pubout`"
    ))]
    BadPublicKey { path: PathBuf, detail: String },
    #[error("{path}: a private key was given where a public key belongs; refusing to use it")]
    #[diagnostic(help(
        "give verifiers only the .pub.pem file; the private key stays with the signer"
    ))]
    PrivateInTrustStore { path: PathBuf },
    #[error("{path}: keyset file is invalid: {detail}")]
    BadKeyset { path: PathBuf, detail: String },
    #[error("the trust store is empty: no public keys found in {0}")]
    #[diagnostic(help(
        "pass --trust with a .pub.pem file, a directory of them, or a keyset .toml"
    ))]
    EmptyTrustStore(String),
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The default public-key path for a private key path: `KEY.pem` → `KEY.pub.pem`.
pub fn default_public_path(private: &Path) -> PathBuf {
    let stem = private
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "key".into());
    private.with_file_name(format!("{stem}.pub.pem"))
}

/// The PKCS#8 v1 PEM of a private key (OpenSSL-compatible).
pub fn private_key_pem(key: &SigningKey) -> Result<zeroize::Zeroizing<String>, KeyError> {
    let kp = KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    kp.to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| KeyError::BadPrivateKey {
            path: PathBuf::new(),
            detail: e.to_string(),
        })
}

/// The SubjectPublicKeyInfo PEM of a public key.
pub fn public_key_pem(key: &VerifyingKey) -> String {
    key.to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .unwrap_or_default()
}

/// Generates a key pair and writes both files. The private file gets mode 0600 and
/// neither file may exist already. Both destinations are checked before either is
/// written, and the pair is committed together: a failure leaves neither file behind.
/// Returns the key id.
pub fn generate(private: &Path, public: &Path) -> Result<[u8; KID_LEN], KeyError> {
    let refuse = |mode| WriteOptions {
        overwrite: Overwrite::Refuse,
        mode,
        kind: None,
        force: false,
    };
    let mut set = FileSet::new();
    set.check(private, &refuse(Some(0o600)))?;
    set.check(public, &refuse(Some(0o644)))?;
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    let pem = private_key_pem(&key)?;
    set.add(private, refuse(Some(0o600)), |w| {
        w.write_all(pem.as_bytes())
    })?;
    let pub_pem = public_key_pem(&key.verifying_key());
    set.add_bytes(public, refuse(Some(0o644)), pub_pem.as_bytes())?;
    set.commit()?;
    Ok(key_id(&key.verifying_key()))
}

/// Loads a private key (PKCS#8 PEM, v1 or v2; OpenSSL's and ours).
pub fn load_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    let text = zeroize::Zeroizing::new(crate::fsutil::read_input_text(path, Input::Key)?);
    if text.contains("BEGIN PUBLIC KEY") {
        return Err(KeyError::PublicNotPrivate {
            path: path.to_path_buf(),
        });
    }
    SigningKey::from_pkcs8_pem(&text).map_err(|e| KeyError::BadPrivateKey {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

/// The key id of the public demo key shipped in `samples/keys/demo.pem` (a test checks
/// it). Signing with it is worth a note, and its file mode is not worth a warning:
/// anyone can read that key anyway, and git cannot store mode 0600.
pub const DEMO_KID: [u8; KID_LEN] = [0x9b, 0x39, 0x75, 0x49];

/// What a user should be told about a private key they sign with: a note that it is
/// the public demo key, or a warning that other users can read the file. Every command
/// that reads a private key shows these (see [`crate::source::Envelope::warnings`]).
pub fn key_warning(path: &Path, key: &SigningKey) -> Option<String> {
    if key_id(&key.verifying_key()) == DEMO_KID {
        return Some(format!(
            "note: {} is the public demo key; what it signs proves nothing (make your own with `iotlabel keygen`)",
            path.display()
        ));
    }
    permission_warning(path).map(|w| format!("warning: {w}"))
}

/// A warning when a private key file can be read by others (Unix), else `None`.
pub fn permission_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Some(format!(
                "private key {} is readable by other users (mode {mode:03o}); run `chmod 600 {}`",
                path.display(),
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    None
}

/// Parses a public key PEM.
pub fn parse_public_pem(text: &str, path: &Path) -> Result<VerifyingKey, KeyError> {
    if text.contains("PRIVATE KEY") {
        return Err(KeyError::PrivateInTrustStore {
            path: path.to_path_buf(),
        });
    }
    VerifyingKey::from_public_key_pem(text.trim()).map_err(|e| KeyError::BadPublicKey {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

/// One trusted key.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// Who the key belongs to, as shown in verdicts.
    pub name: String,
    pub key: VerifyingKey,
    pub kid: [u8; KID_LEN],
    /// The key's period of use, when the keyset states it (informational: a payload
    /// carries no signing date, so a label signed in the period stays valid after it).
    pub valid_from: Option<YearMonth>,
    pub valid_until: Option<YearMonth>,
    /// The manufacturer names (as the payload spells them) this key may sign for.
    /// Empty: the key is not bound to a manufacturer and vouches for any name (a bare
    /// PEM file, or a keyset entry without `manufacturers`).
    pub manufacturers: Vec<String>,
    /// The base URLs (scheme, host and path, as on the label) this key's labels link
    /// to. Empty: any host. A link elsewhere verifies but is flagged.
    pub base_urls: Vec<crate::link::BaseUrl>,
    /// Where the key was loaded from.
    pub source: PathBuf,
}

impl TrustedKey {
    /// Whether this key vouches for labels naming `manufacturer`.
    pub fn may_sign_for(&self, manufacturer: &str) -> bool {
        self.manufacturers.is_empty() || self.manufacturers.iter().any(|m| m == manufacturer)
    }

    /// Whether a link's base URL is one of this key's (same host and port, and the
    /// listed path or a path below it, e.g. a GS1 Digital Link's `/01/<GTIN>`). A key
    /// without base URLs accepts any.
    pub fn serves(&self, base: &crate::link::BaseUrl) -> bool {
        self.base_urls.is_empty()
            || self.base_urls.iter().any(|b| {
                let listed = b.path().trim_end_matches('/');
                b.host() == base.host()
                    && b.port() == base.port()
                    && (base.path().trim_end_matches('/') == listed
                        || base.path().starts_with(&format!("{listed}/")))
            })
    }
}

/// The keys a verifier trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    pub keys: Vec<TrustedKey>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysetFile {
    #[serde(rename = "key")]
    keys: Vec<KeysetEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysetEntry {
    name: String,
    file: Option<PathBuf>,
    pem: Option<String>,
    valid_from: Option<String>,
    valid_until: Option<String>,
    #[serde(default)]
    manufacturers: Vec<String>,
    #[serde(default)]
    base_urls: Vec<String>,
}

impl TrustStore {
    /// Loads keys from files and directories: `*.pem` public keys (named after the file)
    /// and `*.toml` keysets. Directories are read one level deep: keysets first, then
    /// PEM files, each in name order.
    pub fn load(paths: &[PathBuf]) -> Result<TrustStore, KeyError> {
        let mut store = TrustStore::default();
        for p in paths {
            if p.is_dir() {
                let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                    .map_err(io_err(p))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| f.extension().is_some_and(|x| x == "pem" || x == "toml"))
                    .collect();
                // Keysets first: they name keys, and the first name given to a key wins
                // over the file name of a bare PEM copy of it.
                entries.sort_by_key(|f| (f.extension().is_none_or(|x| x != "toml"), f.clone()));
                for f in entries {
                    store.add_file(&f)?;
                }
            } else {
                store.add_file(p)?;
            }
        }
        if store.keys.is_empty() {
            let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            return Err(KeyError::EmptyTrustStore(list.join(", ")));
        }
        Ok(store)
    }

    fn add_file(&mut self, path: &Path) -> Result<(), KeyError> {
        let is_keyset = path.extension().is_some_and(|x| x == "toml");
        let kind = if is_keyset { Input::Config } else { Input::Key };
        let text = crate::fsutil::read_input_text(path, kind)?;
        if is_keyset {
            return self.add_keyset(path, &text);
        }
        // A private key is refused here, named or found in a directory: a verifier's
        // trust store must never hold one.
        let key = parse_public_pem(&text, path)?;
        let name = path
            .file_name()
            .map(|s| {
                s.to_string_lossy()
                    .trim_end_matches(".pem")
                    .trim_end_matches(".pub")
                    .to_string()
            })
            .unwrap_or_default();
        self.push(name, key, None, None, path);
        Ok(())
    }

    fn add_keyset(&mut self, path: &Path, text: &str) -> Result<(), KeyError> {
        let bad = |detail: String| KeyError::BadKeyset {
            path: path.to_path_buf(),
            detail,
        };
        let set: KeysetFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        for (i, e) in set.keys.into_iter().enumerate() {
            let month = |v: &Option<String>, f: &str| -> Result<Option<YearMonth>, KeyError> {
                v.as_deref()
                    .map(|s| {
                        s.parse::<YearMonth>()
                            .map_err(|m| bad(format!("key[{i}].{f}: {m}")))
                    })
                    .transpose()
            };
            let (from, until) = (
                month(&e.valid_from, "valid_from")?,
                month(&e.valid_until, "valid_until")?,
            );
            let key = match (&e.file, &e.pem) {
                (Some(f), None) => {
                    let full = path.parent().unwrap_or(Path::new(".")).join(f);
                    let t = crate::fsutil::read_input_text(&full, Input::Key)?;
                    parse_public_pem(&t, &full)?
                }
                (None, Some(pem)) => parse_public_pem(pem, path)?,
                _ => {
                    return Err(bad(format!(
                        "key[{i}] (\"{}\") needs exactly one of `file` or `pem`",
                        e.name
                    )));
                }
            };
            for (j, m) in e.manufacturers.iter().enumerate() {
                if m.trim().is_empty() || m.trim() != m || m.chars().any(char::is_control) {
                    return Err(bad(format!(
                        "key[{i}].manufacturers[{j}] {m:?} must be a name as the label spells it (no surrounding spaces or control characters)"
                    )));
                }
            }
            let mut base_urls = Vec::new();
            for (j, u) in e.base_urls.iter().enumerate() {
                let parsed = crate::link::BaseUrl::parse(u).map_err(|err| {
                    bad(format!(
                        "key[{i}].base_urls[{j}] {u:?} is not a base URL: {err}"
                    ))
                })?;
                base_urls.push(parsed);
            }
            if self.push(e.name, key, from, until, path)
                && let Some(k) = self.keys.last_mut()
            {
                k.manufacturers = e.manufacturers;
                k.base_urls = base_urls;
            }
        }
        Ok(())
    }

    fn push(
        &mut self,
        name: String,
        key: VerifyingKey,
        valid_from: Option<YearMonth>,
        valid_until: Option<YearMonth>,
        source: &Path,
    ) -> bool {
        if self.keys.iter().any(|k| k.key == key) {
            return false;
        }
        self.keys.push(TrustedKey {
            name,
            kid: key_id(&key),
            key,
            valid_from,
            valid_until,
            manufacturers: Vec::new(),
            base_urls: Vec::new(),
            source: source.to_path_buf(),
        });
        true
    }

    /// Adds a key directly (for library users and tests).
    pub fn add(&mut self, name: &str, key: VerifyingKey) {
        self.push(name.to_string(), key, None, None, Path::new("<memory>"));
    }

    /// Trusted keys with this key id (usually one).
    pub fn by_kid<'a>(&'a self, kid: &'a [u8]) -> impl Iterator<Item = &'a TrustedKey> + 'a {
        self.keys.iter().filter(move |k| k.kid[..] == *kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_kid_is_the_shipped_demo_key() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/keys/demo.pem");
        let key = load_signing_key(&path).unwrap();
        assert_eq!(key_id(&key.verifying_key()), DEMO_KID);
        let note = key_warning(&path, &key).unwrap();
        assert!(
            note.starts_with("note: ") && note.contains("public demo key"),
            "{note}"
        );
    }

    #[test]
    fn keygen_writes_loadable_private_0600_and_refuses_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let sk = dir.path().join("k.pem");
        let pk = default_public_path(&sk);
        assert_eq!(pk.file_name().unwrap(), "k.pub.pem");
        let kid = generate(&sk, &pk).unwrap();
        let key = load_signing_key(&sk).unwrap();
        assert_eq!(key_id(&key.verifying_key()), kid);
        assert!(permission_warning(&sk).is_none());
        assert!(
            std::fs::read_to_string(&sk)
                .unwrap()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        let before = std::fs::read(&sk).unwrap();
        assert!(generate(&sk, &dir.path().join("other.pub.pem")).is_err());
        assert_eq!(std::fs::read(&sk).unwrap(), before);
        let store = TrustStore::load(&[pk]).unwrap();
        assert_eq!(store.keys[0].name, "k");
        assert_eq!(store.by_kid(&kid).count(), 1);
    }

    #[test]
    fn private_key_in_trust_store_is_refused_and_public_key_cannot_sign() {
        let dir = tempfile::tempdir().unwrap();
        let sk = dir.path().join("k.pem");
        let pk = dir.path().join("k.pub.pem");
        generate(&sk, &pk).unwrap();
        assert!(matches!(
            TrustStore::load(std::slice::from_ref(&sk)),
            Err(KeyError::PrivateInTrustStore { .. })
        ));
        assert!(matches!(
            load_signing_key(&pk),
            Err(KeyError::PublicNotPrivate { .. })
        ));
    }

    #[test]
    fn keyset_names_keys() {
        let dir = tempfile::tempdir().unwrap();
        let a = SigningKey::from_bytes(&[1; 32]).verifying_key();
        std::fs::write(dir.path().join("a.pub.pem"), public_key_pem(&a)).unwrap();
        let set = dir.path().join("keys.toml");
        std::fs::write(
            &set,
            "[[key]]\nname = \"Acme 2026\"\nfile = \"a.pub.pem\"\nvalid_from = \"2026-01\"\nvalid_until = \"2027-12\"\n",
        )
        .unwrap();
        let store = TrustStore::load(&[set]).unwrap();
        assert_eq!(store.keys[0].name, "Acme 2026");
        assert_eq!(
            store.keys[0].valid_until,
            Some(YearMonth {
                year: 2027,
                month: 12
            })
        );
    }
}
