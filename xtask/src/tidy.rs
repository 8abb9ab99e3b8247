//! Tidy checks: run by `cargo xtask ci` and as ordinary tests.

use std::process::Command;

use anyhow::{bail, Result};

use crate::root;

/// Crates that must never depend on Arrow or Parquet (they do no IO).
const PURE: &[&str] = &["anomseq-core", "anomseq-model", "anomseq-score", "anomseq-eval"];

/// The workspace crates that depend, directly or not, on `package`.
fn dependents(package: &str) -> Result<Vec<String>> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--workspace", "-e", "normal", "--prefix", "none", "-i", package])
        .current_dir(root())
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        if stderr.contains("did not match any packages") {
            return Ok(Vec::new());
        }
        bail!("cargo tree -i {package} failed: {stderr}");
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect())
}

/// Model and score never depend on arrow or parquet.
pub(crate) fn check_layering() -> Result<()> {
    for package in ["arrow-array", "arrow-schema", "parquet"] {
        let users = dependents(package)?;
        if let Some(bad) = PURE.iter().find(|p| users.iter().any(|u| u == *p)) {
            bail!("{bad} depends on {package}: the model and score layers must not know Arrow");
        }
    }
    Ok(())
}

/// Dependencies that no source file names, though declared for a reason: (package, dependency, why).
const USED_WITHOUT_A_PATH: &[(&str, &str, &str)] = &[];

/// Every `.rs` file under `dir`.
fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The dependencies a `Cargo.toml` declares (normal, dev and build), by name.
fn declared(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_deps = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = matches!(line, "[dependencies]" | "[dev-dependencies]" | "[build-dependencies]");
            continue;
        }
        if !in_deps || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name = line.split(['=', '.', ' ']).next().unwrap_or_default().trim();
        if !name.is_empty() {
            out.push(name.to_owned());
        }
    }
    out
}

/// Every dependency of every workspace package is named by one of its source
/// files (`name::`, `use name`), unless listed in [`USED_WITHOUT_A_PATH`] with a reason:
/// the unused-dependency check of `cargo xtask ci` and of the tests.
pub(crate) fn check_unused_dependencies() -> Result<()> {
    let mut packages: Vec<std::path::PathBuf> =
        std::fs::read_dir(root().join("crates"))?.flatten().map(|e| e.path()).collect();
    packages.extend([root().join("xtask"), root().join("benches")]);
    packages.sort();
    let mut unused = Vec::new();
    for dir in packages {
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else { continue };
        let package = manifest
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = "))
            .map(|n| n.trim_matches('"').to_owned())
            .unwrap_or_default();
        let mut files = Vec::new();
        sources(&dir, &mut files);
        let text: String = files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect::<Vec<_>>().join("\n");
        for dep in declared(&manifest) {
            let ident = dep.replace('-', "_");
            let named = [format!("{ident}::"), format!("use {ident}"), format!("extern crate {ident}")]
                .iter()
                .any(|needle| text.contains(needle.as_str()));
            let excused = USED_WITHOUT_A_PATH.iter().any(|(p, d, _)| *p == package && *d == dep);
            if !named && !excused {
                unused.push(format!("{package}: {dep}"));
            }
        }
    }
    if !unused.is_empty() {
        bail!(
            "dependencies no source file uses (remove them, or list them in USED_WITHOUT_A_PATH with a reason): {}",
            unused.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(rel: &str) -> String {
        std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn crates() -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root().join("crates"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn no_unused_dependencies() {
        check_unused_dependencies().unwrap();
    }

    #[test]
    fn layering() {
        check_layering().unwrap();
    }

    /// Every `.rs` file below `dir`, sorted.
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() && p.file_name().is_some_and(|n| n != "target") {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_source_file_opens_with_a_line_saying_its_job() {
        let mut files = Vec::new();
        for dir in ["crates", "xtask", "benches", "fuzz/fuzz_targets"] {
            rust_files(&root().join(dir), &mut files);
        }
        assert!(files.len() > 50, "found only {} files", files.len());
        let missing: Vec<String> = files
            .iter()
            .filter(|f| {
                let text = std::fs::read_to_string(f).unwrap();
                // a fuzz target's `#![no_main]` must come first
                let first = text.lines().find(|l| !l.starts_with("#![")).unwrap_or("");
                !first.starts_with("//! ")
            })
            .map(|f| f.strip_prefix(root()).unwrap_or(f).display().to_string())
            .collect();
        assert!(missing.is_empty(), "files without a `//!` line saying their job: {missing:?}");
    }

    #[test]
    fn library_crates_open_with_docs_and_deny_missing_docs() {
        for name in crates() {
            let lib = format!("crates/{name}/src/lib.rs");
            if !root().join(&lib).exists() {
                continue;
            }
            let text = read(&lib);
            assert!(text.starts_with("//!"), "{lib} must open with `//!` crate docs");
            assert!(text.contains("#![deny(missing_docs)]"), "{lib} must deny missing docs");
            assert!(text.contains("```"), "{lib} must hold a runnable example");
        }
    }

    #[test]
    fn architecture_names_every_source_file() {
        let arch = read("docs/ARCHITECTURE.md");
        let mut dirs: Vec<std::path::PathBuf> =
            crates().iter().map(|c| root().join("crates").join(c).join("src")).collect();
        dirs.extend([root().join("xtask/src"), root().join("benches/src"), root().join("benches/src/bin")]);
        let mut missing = Vec::new();
        for dir in dirs {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".rs") && !arch.contains(&name) {
                    missing.push(format!("{}/{name}", dir.display()));
                }
            }
        }
        for dir in ["benches/examples", "benches/benches"] {
            for e in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let stem = name.trim_end_matches(".rs");
                if !arch.contains(stem) {
                    missing.push(format!("{dir}/{name}"));
                }
            }
        }
        assert!(missing.is_empty(), "docs/ARCHITECTURE.md does not name: {missing:?}");
    }

    #[test]
    fn architecture_has_a_heading_per_crate() {
        let arch = read("docs/ARCHITECTURE.md");
        for name in crates() {
            assert!(
                arch.contains(&format!("### `crates/{name}`")),
                "docs/ARCHITECTURE.md lacks a heading for crates/{name}"
            );
        }
        assert!(arch.contains("## Architecture Invariants"));
    }

    #[test]
    fn readme_opens_with_the_two_commands() {
        let readme = read("README.md");
        let head: String = readme.lines().take(15).collect::<Vec<_>>().join("\n");
        assert!(head.contains("cargo xtask test"), "README must give the test command first");
        assert!(head.contains("cargo run --release"), "README must give the main job first");
        let ci = read(".ci/run");
        assert!(ci.contains("cargo xtask test"), ".ci/run must run the README's test command");
    }

    #[test]
    fn packages_are_prefixed_and_declared_once() {
        let manifest = read("Cargo.toml");
        for name in crates() {
            let pkg = read(&format!("crates/{name}/Cargo.toml"));
            let expected = if name == "anomseq" { "anomseq".to_string() } else { format!("anomseq-{name}") };
            assert!(pkg.contains(&format!("name = \"{expected}\"")), "crates/{name} must be package {expected}");
            assert!(
                manifest.contains(&format!("{expected} = {{ path = \"crates/{name}\"")),
                "{expected} must be in [workspace.dependencies]"
            );
            assert!(pkg.contains("[lints]\nworkspace = true"), "crates/{name} must use the workspace lints");
        }
    }
}
