//! `record`, `extend` and `withdraw`: a label's signed product record (see
//! [`crate::record`]), written into a records directory that `iotlabel site --records`
//! publishes beside the verifier page.

use crate::declaration::{CheckOptions, YearMonth};
use crate::record::{self, PublishError, Reason, Record, Status};
use crate::source::{self, Envelope, SourceOptions};
use clap::Args;
use miette::Result;
use std::path::PathBuf;
use std::process::ExitCode;

/// The label a record is about, and where records go.
#[derive(Debug, Args)]
pub struct RecordTarget {
    /// Private key (PKCS#8 PEM): the label's signing key, or another key trusted for
    /// its manufacturer.
    #[arg(long, value_name = "KEY.pem")]
    pub key: PathBuf,
    /// Records directory (created if missing); publish it with `iotlabel site --records`.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// The month the record is issued (YYYY-MM), shown as "announced …"; default: this
    /// month (UTC).
    #[arg(long, value_name = "YYYY-MM")]
    pub issued: Option<YearMonth>,
    /// Base URL, for a .cose label (which carries none); not part of the record.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// When the label is given as its declaration: the COSE algorithm id it was signed
    /// with (`sign --alg`), so that the record is for that very label.
    #[arg(long, value_enum, default_value = "eddsa")]
    pub alg: crate::envelope::Alg,
}

/// Write the first record of a label: contacts, versions and notes from its declaration.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// A declaration (signed with --key exactly as `sign` does, so the record is for the
    /// label `sign` prints) or a signed label (link, digits, .cose, image, NFC dump).
    pub input: String,
    #[command(flatten)]
    pub target: RecordTarget,
}

/// Extend a label's support to a later month (a new signed record).
#[derive(Debug, Args)]
pub struct ExtendArgs {
    /// The label (or its declaration): link, digits, .cose, image, NFC dump, .toml/.json.
    pub label: String,
    /// The new last month of security updates (later than the current one).
    #[arg(long, value_name = "YYYY-MM")]
    pub until: YearMonth,
    #[command(flatten)]
    pub target: RecordTarget,
}

/// Withdraw a label, or mark it superseded by a newer one (a new signed record).
#[derive(Debug, Args)]
pub struct WithdrawArgs {
    /// The label (or its declaration): link, digits, .cose, image, NFC dump, .toml/.json.
    pub label: String,
    /// Why.
    #[arg(long, value_enum)]
    pub reason: Reason,
    /// The label that replaces this one (any signed input): the status is then
    /// "superseded" instead of "withdrawn".
    #[arg(long, value_name = "LABEL")]
    pub superseded_by: Option<String>,
    #[command(flatten)]
    pub target: RecordTarget,
}

struct Loaded {
    env: Envelope,
    facts: crate::payload::Facts,
    key: ed25519_dalek::SigningKey,
    issued: YearMonth,
}

fn load(input: &str, t: &RecordTarget) -> Result<Loaded> {
    let key = crate::keys::load_signing_key(&t.key)?;
    let opts = SourceOptions {
        key: Some(t.key.clone()),
        base_url: t.base_url.clone(),
        gs1: false,
        check: Some(CheckOptions::lenient()),
        alg: t.alg,
    };
    let env = source::load(input, &opts)?;
    let facts = crate::payload::decode(&env.opened.payload)
        .map_err(|e| miette::miette!("{input}: the label's payload cannot be read: {e}"))?;
    if env.opened.kid[..] != crate::envelope::key_id(&key.verifying_key())[..] {
        eprintln!(
            "warning: {input} was signed with key {}, the record with key {}: verifiers must trust both for {:?}",
            crate::verify::hex(&env.opened.kid),
            crate::verify::hex(&crate::envelope::key_id(&key.verifying_key())),
            facts.manufacturer
        );
    }
    Ok(Loaded {
        env,
        facts,
        key,
        issued: t.issued.unwrap_or_else(YearMonth::now),
    })
}

fn finish(l: &Loaded, r: &Record, t: &RecordTarget) -> Result<ExitCode> {
    let path = record::write(&t.out, &l.env.cose, r, &l.key)?;
    eprintln!(
        "wrote {} (record {} of label {}, status {}, {} bytes)",
        path.display(),
        r.seq,
        record::address(&l.env.cose),
        r.status.name(),
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
    );
    println!("{}", path.display());
    Ok(ExitCode::SUCCESS)
}

pub fn record(a: RecordArgs) -> Result<ExitCode> {
    let l = load(&a.input, &a.target)?;
    let r = Record::new(
        &l.env.cose,
        &l.facts.manufacturer,
        l.env.declaration.as_ref(),
        l.issued,
    );
    if record::read(&a.target.out, &l.env.cose)?.is_some() {
        // Rerunning with the same inputs is fine; anything else would hide history.
        let same = crate::envelope::sign(&record::encode(&r), &l.key);
        if record::read(&a.target.out, &l.env.cose)?.as_deref() != Some(&same[..]) {
            return Err(PublishError::AlreadyPublished {
                path: record::record_path(&a.target.out, &l.env.cose),
            }
            .into());
        }
    }
    finish(&l, &r, &a.target)
}

fn current(l: &Loaded, t: &RecordTarget) -> Result<Record> {
    let existing = record::load_own(
        &t.out,
        &l.env.cose,
        &l.facts.manufacturer,
        &l.key.verifying_key(),
    )?;
    Ok(existing.unwrap_or_else(|| {
        Record::new(
            &l.env.cose,
            &l.facts.manufacturer,
            l.env.declaration.as_ref(),
            l.issued,
        )
    }))
}

pub fn extend(a: ExtendArgs) -> Result<ExitCode> {
    let l = load(&a.label, &a.target)?;
    let cur = current(&l, &a.target)?;
    let r = record::extend(&cur, &l.facts, a.until, l.issued)?;
    finish(&l, &r, &a.target)
}

pub fn withdraw(a: WithdrawArgs) -> Result<ExitCode> {
    let l = load(&a.label, &a.target)?;
    let cur = current(&l, &a.target)?;
    let status = match &a.superseded_by {
        Some(newer) => {
            let opts = SourceOptions {
                key: Some(a.target.key.clone()),
                base_url: a.target.base_url.clone(),
                gs1: false,
                check: Some(CheckOptions::lenient()),
                alg: a.target.alg,
            };
            let env = source::load(newer, &opts)?;
            if env.cose == l.env.cose {
                return Err(miette::miette!(
                    "--superseded-by names the same label; give the newer one"
                ));
            }
            Status::Superseded {
                reason: a.reason,
                by: Some(record::label_hash(&env.cose)),
            }
        }
        None => Status::Withdrawn { reason: a.reason },
    };
    let r = cur.next(l.issued, status);
    finish(&l, &r, &a.target)
}
