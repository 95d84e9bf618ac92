//! Nothing lost: every command goes through one guard for the files it reads and
//! writes (`iotlabel::fsutil`). These tests drive the real binary and check, for each
//! way a user has lost data before, that the file on disk is exactly as it was.

mod common;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn iotlabel(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("iotlabel").unwrap();
    c.current_dir(dir);
    c
}

/// A scratch directory with a copy of the demo key, the thermostat declaration and a
/// one-row batch.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(root().join("samples/keys/demo.pem"), d.join("k.pem")).unwrap();
    std::fs::copy(root().join("samples/thermostat.toml"), d.join("d.toml")).unwrap();
    std::fs::write(d.join("b.csv"), "declaration,quantity\nd.toml,2\n").unwrap();
    dir
}

/// Runs a command that must fail with a file error (exit 2) whose message contains
/// `needle`, and returns its standard error.
fn refused(dir: &Path, args: &[&str], needle: &str) -> String {
    refused_with(dir, args, 2, needle)
}

/// As [`refused`], with the exit code expected (`validate` says "invalid" with 1).
fn refused_with(dir: &Path, args: &[&str], code: i32, needle: &str) -> String {
    let out = iotlabel(dir).args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected {needle:?} in:\n{err}"
    );
    err
}

fn read(p: PathBuf) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn sign_never_writes_over_its_key_or_its_declaration() {
    let dir = scratch();
    let d = dir.path();
    let (key, decl) = (read(d.join("k.pem")), read(d.join("d.toml")));
    refused(
        d,
        &["sign", "d.toml", "--key", "k.pem", "-o", "k.pem"],
        "it is one of this command's inputs",
    );
    refused(
        d,
        &["sign", "d.toml", "--key", "k.pem", "-o", "d.toml"],
        "it is one of this command's inputs",
    );
    // --force does not change that.
    refused(
        d,
        &[
            "sign", "d.toml", "--key", "k.pem", "-o", "./d.toml", "--force",
        ],
        "it is one of this command's inputs",
    );
    assert_eq!(read(d.join("k.pem")), key);
    assert_eq!(read(d.join("d.toml")), decl);
}

#[cfg(unix)]
#[test]
fn an_input_under_another_name_is_still_an_input() {
    let dir = scratch();
    let d = dir.path();
    std::os::unix::fs::symlink(d.join("d.toml"), d.join("alias.txt")).unwrap();
    let decl = read(d.join("d.toml"));
    refused(
        d,
        &["sign", "d.toml", "--key", "k.pem", "-o", "alias.txt"],
        "it is one of this command's inputs",
    );
    assert_eq!(read(d.join("d.toml")), decl);
}

#[test]
fn sheet_never_writes_over_its_batch() {
    let dir = scratch();
    let d = dir.path();
    let batch = read(d.join("b.csv"));
    refused(
        d,
        &[
            "sheet",
            "b.csv",
            "--stock",
            "avery-l7160",
            "--key",
            "k.pem",
            "-o",
            "b.csv",
        ],
        "it is one of this command's inputs",
    );
    assert_eq!(read(d.join("b.csv")), batch);
}

#[test]
fn no_command_writes_over_a_private_key_even_with_force() {
    let dir = scratch();
    let d = dir.path();
    std::fs::copy(d.join("k.pem"), d.join("other.pem")).unwrap();
    let key = read(d.join("other.pem"));
    let link = String::from_utf8(
        iotlabel(d)
            .args(["sign", "d.toml", "--key", "k.pem"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let link = link.trim();
    for force in [false, true] {
        let mut args = vec![
            "nfc",
            link,
            "--unverified",
            "--format",
            "hex",
            "-o",
            "other.pem",
        ];
        if force {
            args.push("--force");
        }
        refused(d, &args, "it holds a private key");
    }
    assert_eq!(read(d.join("other.pem")), key);
}

#[test]
fn another_kind_of_file_is_replaced_only_with_force() {
    let dir = scratch();
    let d = dir.path();
    std::fs::write(d.join("notes.pdf"), "my notes, not a PDF\n").unwrap();
    let args = [
        "label",
        "d.toml",
        "--key",
        "k.pem",
        "-t",
        "compact",
        "-o",
        "notes.pdf",
    ];
    refused(d, &args, "it holds a file of unknown kind");
    assert_eq!(read(d.join("notes.pdf")), b"my notes, not a PDF\n");
    let out = iotlabel(d).args(args).arg("--force").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(read(d.join("notes.pdf")).starts_with(b"%PDF-"));
    // A PDF of ours is replaced without --force, as any output is.
    let out = iotlabel(d).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn keygen_with_one_path_for_both_keys_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    refused(
        d,
        &["keygen", "--out", "k.pem", "--pub", "k.pem"],
        "named twice",
    );
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 0, "no orphan key");
    // An existing public key file: the private key is not written either.
    std::fs::write(d.join("k.pub.pem"), "old").unwrap();
    refused(d, &["keygen", "--out", "k.pem"], "already exists");
    assert!(!d.join("k.pem").exists());
    assert_eq!(read(d.join("k.pub.pem")), b"old");
}

/// Writes a batch whose rows make `n` pages of Avery L7160 (21 labels a page).
fn pages_batch(d: &Path, n: usize) {
    std::fs::write(
        d.join("b.csv"),
        format!("declaration,quantity\nd.toml,{}\n", 21 * n),
    )
    .unwrap();
}

fn sheet_split(d: &Path, extra: &[&str]) -> std::process::Output {
    iotlabel(d)
        .args([
            "sheet",
            "b.csv",
            "--stock",
            "avery-l7160",
            "--key",
            "k.pem",
            "--pages-per-file",
            "1",
            "-o",
            "out.pdf",
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn split_output_replaces_the_whole_set_or_nothing() {
    let dir = scratch();
    let d = dir.path();
    pages_batch(d, 3);
    let out = sheet_split(d, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = read(d.join("out-001.pdf"));
    assert!(d.join("out-003.pdf").exists());

    // A job that fails while writing (the second file's name is taken by a directory)
    // leaves the earlier set exactly as it was.
    pages_batch(d, 2);
    std::fs::remove_file(d.join("out-002.pdf")).unwrap();
    std::fs::create_dir(d.join("out-002.pdf")).unwrap();
    let out = sheet_split(d, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("it is a directory"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(read(d.join("out-001.pdf")), first);
    assert!(d.join("out-003.pdf").exists());
    let leftovers: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // A shorter clean run removes the stale third file: the set is exactly this job's.
    std::fs::remove_dir(d.join("out-002.pdf")).unwrap();
    let out = sheet_split(d, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("out-001.pdf").exists() && d.join("out-002.pdf").exists());
    assert!(!d.join("out-003.pdf").exists(), "stale split file survived");
}

#[test]
fn a_stale_skipped_report_does_not_survive_a_clean_run() {
    let dir = scratch();
    let d = dir.path();
    std::fs::write(
        d.join("b.csv"),
        "declaration,quantity\nd.toml,2\nmissing.toml,1\n",
    )
    .unwrap();
    let args = [
        "sheet",
        "b.csv",
        "--stock",
        "avery-l7160",
        "--key",
        "k.pem",
        "-o",
        "out.pdf",
    ];
    let out = iotlabel(d).args(args).arg("--keep-going").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8(read(d.join("out.pdf.skipped.txt"))).unwrap();
    assert!(
        report.starts_with("1 of 2 rows in b.csv were skipped"),
        "{report}"
    );
    std::fs::write(d.join("b.csv"), "declaration,quantity\nd.toml,2\n").unwrap();
    let out = iotlabel(d).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!d.join("out.pdf.skipped.txt").exists());
}

#[test]
fn the_output_location_is_checked_before_any_work() {
    let dir = scratch();
    let d = dir.path();
    refused(
        d,
        &[
            "sheet",
            "b.csv",
            "--stock",
            "avery-l7160",
            "--key",
            "k.pem",
            "-o",
            "no/such/dir/out.pdf",
        ],
        "does not exist",
    );
    refused(
        d,
        &["label", "d.toml", "--key", "k.pem", "-o", "nowhere/l.pdf"],
        "does not exist",
    );
}

#[test]
fn a_huge_quantity_in_one_file_is_refused_with_the_way_out() {
    let dir = scratch();
    let d = dir.path();
    std::fs::write(d.join("b.csv"), "declaration,quantity\nd.toml,1000000\n").unwrap();
    let err = refused(
        d,
        &[
            "sheet",
            "b.csv",
            "--stock",
            "avery-l7160",
            "--key",
            "k.pem",
            "-o",
            "out.pdf",
        ],
        "the limit is 50000 labels per file",
    );
    assert!(err.contains("--pages-per-file 2380"), "{err}");
    assert!(!d.join("out.pdf").exists());
}

#[test]
fn a_missing_file_or_a_directory_is_named_as_such() {
    let dir = scratch();
    let d = dir.path();
    let trust = root().join("samples/trust");
    let trust = trust.to_str().unwrap();
    for (input, needle) in [
        ("photo-of-box.jpg", "photo-of-box.jpg: no such file"),
        ("./labels/tag.ndef", "no such file"),
        (".", "is a directory"),
    ] {
        let out = iotlabel(d)
            .args(["verify", input, "--trust", trust])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{input}: {err}");
        assert!(err.contains(needle), "{input}: {err}");
        assert!(!err.contains("MALFORMED"), "{input}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn endless_inputs_are_capped_by_kind() {
    let dir = scratch();
    let d = dir.path();
    refused_with(
        d,
        &["validate", "/dev/zero"],
        1,
        "larger than 1048576 bytes, the limit for declaration files",
    );
    refused(
        d,
        &["sign", "d.toml", "--key", "/dev/zero"],
        "the limit for key files",
    );
    refused(d, &["decode", "/dev/zero"], "the limit for image files");
}

#[test]
fn bad_utf8_names_the_line_and_byte() {
    let dir = scratch();
    let d = dir.path();
    std::fs::write(d.join("bad.toml"), b"[product]\nmodel = \"T\xff3\"\n").unwrap();
    refused_with(
        d,
        &["validate", "bad.toml"],
        1,
        "line 2, byte 11 (offset 20 in the file)",
    );
}

#[test]
fn every_command_that_signs_warns_about_a_readable_key_but_not_the_demo_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(root().join("samples/thermostat.toml"), d.join("d.toml")).unwrap();
    let out = iotlabel(d)
        .args(["keygen", "--out", "mine.pem"])
        .output()
        .unwrap();
    assert!(out.status.success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("mine.pem"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
    }
    let demo = root().join("samples/keys/demo.pem");
    let demo = demo.to_str().unwrap();
    for cmd in [
        vec!["sign", "d.toml", "--key", "KEY"],
        vec!["label", "d.toml", "--key", "KEY", "-o", "l.pdf"],
        vec!["qr", "d.toml", "--key", "KEY", "-o", "q.svg"],
        vec!["nfc", "d.toml", "--key", "KEY", "-o", "t.ndef"],
    ] {
        for key in ["mine.pem", demo] {
            let args: Vec<&str> = cmd
                .iter()
                .map(|a| if *a == "KEY" { key } else { a })
                .collect();
            let out = iotlabel(d).args(&args).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{args:?}: {err}");
            if key == demo {
                assert!(err.contains("is the public demo key"), "{args:?}: {err}");
                assert!(!err.contains("readable by other users"), "{args:?}: {err}");
            } else if cfg!(unix) {
                assert!(
                    err.contains("mine.pem is readable by other users (mode 644)"),
                    "{args:?}: {err}"
                );
            }
        }
    }
}
