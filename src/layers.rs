//! The layers of `lib.rs`, checked: no module imports from a layer below it in
//! that list (the model knows nothing of detectors, detectors nothing of the
//! engine, the engine nothing of reports...). Test code (`#[cfg(test)]` modules,
//! `testkit.rs`, `tests.rs`) may reach anywhere.

use std::path::Path;

/// Layers from the bottom up; a file's layer is its first path component.
const LAYERS: &[&str] = &["model", "detect", "engine", "report", "input", "live", "ui"];

/// What the crate root re-exports, by the layer that defines it.
const ROOT_NAMES: &[(&str, &str)] = &[
    ("Config", "detect"),
    ("Engine", "engine"),
    ("Event", "model"),
    ("Finding", "model"),
    ("Severity", "model"),
    ("VERSION", "model"),
];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

/// The layer a `crate::` path names: `crate::engine::x` is the engine, `crate::Config` the detectors.
fn layer_of_path(first: &str) -> Option<&str> {
    if rank(first).is_some() {
        return Some(LAYERS[rank(first).unwrap()]);
    }
    ROOT_NAMES.iter().find(|(n, _)| *n == first).map(|(_, l)| *l)
}

/// Every layer `source` names through `crate::`, outside its test code.
fn layers_used(source: &str) -> Vec<String> {
    let code = match source.find("#[cfg(test)]\nmod ") {
        Some(i) => &source[..i],
        None => source,
    };
    let mut used = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end]
                .split(',')
                .map(|n| n.trim().split("::").next().unwrap_or(""))
                .collect()
        } else {
            vec![rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")]
        };
        for n in names {
            if let Some(l) = layer_of_path(n) {
                used.push(l.to_string());
            }
        }
    }
    used
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_from_a_layer_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for path in all {
        let rel = path.strip_prefix(&src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
        let layer = first.trim_end_matches(".rs");
        let name = rel.file_name().unwrap().to_string_lossy();
        if matches!(name.as_ref(), "testkit.rs" | "tests.rs") {
            continue;
        }
        let Some(own) = rank(layer) else {
            // lib.rs, main.rs (the CLI, above everything) and this file.
            assert!(
                matches!(layer, "lib" | "main" | "layers"),
                "{} is in no layer: add it to LAYERS",
                rel.display()
            );
            continue;
        };
        checked += 1;
        let source = std::fs::read_to_string(&path).unwrap();
        for used in layers_used(&source) {
            if rank(&used).unwrap() > own {
                wrong.push(format!("{} ({layer}) uses {used}", rel.display()));
            }
        }
    }
    assert!(checked > 40, "only {checked} files checked");
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "imports that point up a layer:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_paths_groups_and_root_names() {
    assert_eq!(layers_used("use crate::engine::Engine;"), ["engine"]);
    assert_eq!(layers_used("use crate::{Config, Event};"), ["detect", "model"]);
    assert_eq!(layers_used("let x = crate::report::html_of(e);"), ["report"]);
    assert!(
        layers_used("use crate::engine::E;\n#[cfg(test)]\nmod tests { use crate::live::Live; }")
            .iter()
            .all(|l| l == "engine")
    );
}
