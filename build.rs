//! Extracts each detector's `//!` documentation (the leading `//!` lines of
//! `src/detect/<name>.rs`) into `OUT_DIR/<name>.doc`, so the registry embeds the
//! text `stormwatch explain` and the panel show, not the whole source file with its
//! tests (which made up a good part of the panel's wasm). The lines keep their `//!`
//! prefix: `detect::module_doc` turns them into Markdown as before.
//!
//! For the panel's wasm the files are left empty: the panel shows a detector's
//! title, never its documentation (that is `stormwatch explain`, the README and
//! the registry's tests, all native), and the text was 28 KB of its download.

use std::fs;
use std::path::Path;

fn main() {
    let dir = Path::new("src/detect");
    println!("cargo:rerun-if-changed=src/detect");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let panel = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32");
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("src/detect exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    entries.sort();
    for path in entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let source = fs::read_to_string(&path).expect("readable detector source");
        let doc: String = source
            .lines()
            .filter(|_| !panel)
            .take_while(|l| l.starts_with("//!"))
            .map(|l| format!("{l}\n"))
            .collect();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("utf-8 file name");
        fs::write(Path::new(&out).join(format!("{name}.doc")), doc).expect("OUT_DIR is writable");
    }
}
