//! Where the workspace is, found at run time.
//!
//! The root is never taken from `env!("CARGO_MANIFEST_DIR")`: cargo shares one build of xtask between
//! checkouts that use one `CARGO_TARGET_DIR`, so a path fixed at compile time can name another
//! checkout, and `cargo xtask codegen` there would write and delete files in the wrong place.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// The workspace the command runs in: the nearest directory, from the current one upwards, whose
/// `Cargo.toml` has a `[workspace]` table (as cargo finds it).
pub fn root() -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    find_root(&cwd)
}

/// The nearest directory at or above `start` whose `Cargo.toml` has a `[workspace]` table.
pub fn find_root(start: &Path) -> anyhow::Result<PathBuf> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let text = fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", manifest.display()))?;
        let table: toml::Table = text
            .parse()
            .with_context(|| format!("{} is not valid TOML", manifest.display()))?;
        if table.contains_key("workspace") {
            return Ok(dir.to_path_buf());
        }
    }
    bail!(
        "no Cargo.toml with a [workspace] table in {} or above: run `cargo xtask` inside the project",
        start.display()
    )
}

/// The path to the `cargo` that runs this command, as cargo tells its children.
pub fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_nearest_workspace_above() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        fs::create_dir_all(root.join("member/src")).unwrap();
        fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"member\"]\n",
        )
        .unwrap();
        fs::write(root.join("member/Cargo.toml"), "[package]\nname = \"m\"\n").unwrap();
        assert_eq!(find_root(&root.join("member/src")).unwrap(), root);
        assert_eq!(find_root(&root).unwrap(), root);
        let err = find_root(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("no Cargo.toml with a [workspace] table"),
            "{err}"
        );
    }
}
