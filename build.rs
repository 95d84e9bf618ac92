//! Finds the phrase catalogues in `assets/phrases/` so that adding a language is adding
//! a file: the list of built-in catalogues is generated, not written in code.
use std::fmt::Write;

fn main() {
    // The manifest directory of this run, not of the build in which this script was
    // compiled (`env!`): a target directory shared by or copied between checkouts
    // would otherwise embed another checkout's catalogues.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = std::path::Path::new(&manifest).join("assets/phrases");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("assets/phrases exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    entries.sort();
    let mut out = String::from(
        "/// Built-in phrase catalogues: (language code, TOML text).\npub const BUILT_IN: &[(&str, &str)] = &[\n",
    );
    for p in entries {
        println!("cargo:rerun-if-changed={}", p.display());
        let lang = p
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 file name");
        writeln!(
            out,
            "    ({lang:?}, include_str!({:?})),",
            p.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("phrases.rs");
    std::fs::write(dest, out).unwrap();
}
