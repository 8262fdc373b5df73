//! All-or-nothing file updates: stage every new file next to its target, rename them all into
//! place, then delete.
//!
//! [`apply`] is the only writer `cargo xtask codegen` uses. It stages each new content as a
//! temporary file (from `tempfile`) in the target's own directory, so that the final rename stays on
//! one file system and is atomic per file. If any staging fails, the temporaries (removed when
//! dropped) and any directories it created go, and nothing else was touched. If a rename fails, the
//! files already renamed are put back from their previous contents. Deletions run last, once every
//! new file is in place.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use tempfile::NamedTempFile;

/// One file to (re)write.
#[derive(Debug, Clone)]
pub struct FileWrite<'a> {
    /// The file to create or replace.
    pub path: PathBuf,
    /// Its new contents.
    pub contents: &'a [u8],
    /// Its contents before the change (`None` when it does not exist yet), used to undo a partial
    /// update.
    pub previous: Option<&'a [u8]>,
}

/// One file to delete.
#[derive(Debug, Clone)]
pub struct FileDelete {
    /// The file.
    pub path: PathBuf,
    /// The directory the file's owner owns: directories emptied by the deletion are removed up to
    /// it, never it.
    pub owner: PathBuf,
}

/// Writes `contents` to `target` atomically: other readers see the old file or the new one, never
/// a mix.
pub fn write_atomic(target: &Path, contents: &[u8]) -> io::Result<()> {
    stage(target, contents)?
        .persist(target)
        .map(drop)
        .map_err(|err| err.error)
}

/// Applies `writes`, then `deletes`, as close to all-or-nothing as a file system allows.
pub fn apply(writes: &[FileWrite<'_>], deletes: &[FileDelete]) -> anyhow::Result<()> {
    // Stage: create missing directories and every temporary file. Nothing visible has changed yet.
    let mut created_dirs = Vec::new();
    let mut staged = Vec::with_capacity(writes.len());
    for write in writes {
        let result = create_parent_dirs(&write.path, &mut created_dirs)
            .and_then(|()| stage(&write.path, write.contents));
        match result {
            Ok(file) => staged.push(file),
            Err(err) => {
                drop(staged);
                remove_dirs(&created_dirs);
                return Err(err).with_context(|| {
                    format!(
                        "cannot write {} (nothing was changed)",
                        write.path.display()
                    )
                });
            }
        }
    }

    // Commit: rename each temporary over its target. On failure, undo the renames already done.
    for (index, (file, write)) in staged.into_iter().zip(writes).enumerate() {
        if let Err(err) = file.persist(&write.path) {
            // The temporaries not yet renamed are removed as they drop.
            let undo_errors = undo(&writes[..index]);
            remove_dirs(&created_dirs);
            let err =
                anyhow!(err.error).context(format!("cannot replace {}", write.path.display()));
            return Err(if undo_errors.is_empty() {
                err.context("the files already written were restored")
            } else {
                err.context(format!(
                    "some files could not be restored: {}",
                    undo_errors.join("; ")
                ))
            });
        }
    }

    // Delete, last: the new files are all in place whatever happens here.
    let mut failures = Vec::new();
    for delete in deletes {
        match fs::remove_file(&delete.path) {
            Ok(()) => remove_empty_parents(&delete.owner, &delete.path),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => failures.push(format!("{}: {err}", delete.path.display())),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(anyhow!(
            "all files were written, but some could not be removed: {}",
            failures.join("; ")
        ))
    }
}

/// Writes `contents` to a new hidden temporary file in `target`'s directory, flushed to disk, with
/// `target`'s permissions when it exists.
fn stage(target: &Path, contents: &[u8]) -> io::Result<NamedTempFile> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".xtask-tmp");
    // A new file gets the permissions `fs::write` would give it (the umask applies), not the
    // owner-only ones of a temporary file.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut file = builder.tempfile_in(dir)?;
    file.write_all(contents)?;
    file.as_file().sync_all()?;
    if let Ok(metadata) = fs::metadata(target) {
        file.as_file().set_permissions(metadata.permissions())?;
    }
    Ok(file)
}

/// Puts back the previous contents of files already replaced, or removes those that are new.
fn undo(done: &[FileWrite<'_>]) -> Vec<String> {
    let mut errors = Vec::new();
    for write in done.iter().rev() {
        let result = match write.previous {
            Some(previous) => write_atomic(&write.path, previous),
            None => fs::remove_file(&write.path),
        };
        if let Err(err) = result {
            errors.push(format!("{}: {err}", write.path.display()));
        }
    }
    errors
}

/// Creates the missing ancestors of `path`, recording each one created (outermost first).
fn create_parent_dirs(path: &Path, created: &mut Vec<PathBuf>) -> io::Result<()> {
    let missing: Vec<&Path> = path
        .ancestors()
        .skip(1)
        .take_while(|dir| !dir.as_os_str().is_empty() && !dir.exists())
        .collect();
    for dir in missing.into_iter().rev() {
        match fs::create_dir(dir) {
            Ok(()) => created.push(dir.to_path_buf()),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// Removes the directories `create_parent_dirs` made, innermost first, if they are empty.
fn remove_dirs(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        let _ = fs::remove_dir(dir);
    }
}

/// Removes the now-empty directories between `path` and `owner`, excluding `owner`.
fn remove_empty_parents(owner: &Path, path: &Path) {
    for dir in path.ancestors().skip(1) {
        if dir == owner || !dir.starts_with(owner) || fs::remove_dir(dir).is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn delete(root: &Path, name: &str) -> FileDelete {
        FileDelete {
            path: root.join(name),
            owner: root.to_path_buf(),
        }
    }

    fn write<'a>(path: PathBuf, contents: &'a str, previous: Option<&'a str>) -> FileWrite<'a> {
        FileWrite {
            path,
            contents: contents.as_bytes(),
            previous: previous.map(str::as_bytes),
        }
    }

    #[test]
    fn write_atomic_creates_and_replaces_without_leaving_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.rs");
        write_atomic(&target, b"one").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "one");
        write_atomic(&target, b"two").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "two");
        assert_eq!(names(dir.path()), ["a.rs"]);
    }

    #[test]
    fn write_atomic_into_a_missing_directory_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("nope/a.rs"), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(names(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn write_atomic_keeps_the_target_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.sh");
        fs::write(&target, "old").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o750)).unwrap();
        write_atomic(&target, b"new").unwrap();
        let mode = fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o750);
    }

    #[test]
    fn apply_writes_creates_directories_and_deletes_last() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("generated");
        fs::create_dir_all(root.join("old")).unwrap();
        fs::write(root.join("keep.rs"), "old keep").unwrap();
        fs::write(root.join("old/orphan.rs"), "orphan").unwrap();
        let writes = [
            write(root.join("keep.rs"), "new keep", Some("old keep")),
            write(root.join("sub/new.rs"), "new", None),
        ];
        apply(&writes, &[delete(&root, "old/orphan.rs")]).unwrap();
        assert_eq!(
            fs::read_to_string(root.join("keep.rs")).unwrap(),
            "new keep"
        );
        assert_eq!(fs::read_to_string(root.join("sub/new.rs")).unwrap(), "new");
        // The emptied directory went with its last file; the root stays.
        assert_eq!(names(&root), ["keep.rs", "sub"]);
        assert_eq!(names(&root.join("sub")), ["new.rs"]);
    }

    #[test]
    fn apply_removing_the_last_file_keeps_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("generated");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("orphan.rs"), "x").unwrap();
        apply(&[], &[delete(&root, "orphan.rs")]).unwrap();
        assert!(root.is_dir());
        assert!(names(&root).is_empty());
    }

    #[test]
    fn apply_changes_nothing_when_staging_fails() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("generated");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("a.rs"), "old a").unwrap();
        fs::write(root.join("orphan.rs"), "orphan").unwrap();
        // `blocker` is a file, so nothing can be created under it.
        fs::write(root.join("blocker"), "file").unwrap();
        let writes = [
            write(root.join("a.rs"), "new a", Some("old a")),
            write(root.join("new/b.rs"), "b", None),
            write(root.join("blocker/c.rs"), "c", None),
        ];
        let err = apply(&writes, &[delete(&root, "orphan.rs")]).unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("blocker"), "{message}");
        assert!(message.contains("nothing was changed"), "{message}");
        assert_eq!(fs::read_to_string(root.join("a.rs")).unwrap(), "old a");
        assert_eq!(names(&root), ["a.rs", "blocker", "orphan.rs"]);
    }

    #[test]
    fn apply_restores_written_files_when_a_rename_fails() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("generated");
        // `z.rs` is a non-empty directory: staging beside it works, renaming a file over it does not.
        fs::create_dir_all(root.join("z.rs")).unwrap();
        fs::write(root.join("z.rs/inner"), "x").unwrap();
        fs::write(root.join("a.rs"), "old a").unwrap();
        fs::write(root.join("orphan.rs"), "orphan").unwrap();
        let writes = [
            write(root.join("a.rs"), "new a", Some("old a")),
            write(root.join("b.rs"), "new b", None),
            write(root.join("z.rs"), "new z", None),
        ];
        let err = apply(&writes, &[delete(&root, "orphan.rs")]).unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("z.rs"), "{message}");
        assert!(message.contains("restored"), "{message}");
        assert_eq!(fs::read_to_string(root.join("a.rs")).unwrap(), "old a");
        assert_eq!(names(&root), ["a.rs", "orphan.rs", "z.rs"]);
    }
}
