//! Writing a plan's files so that a crash never leaves a half-written knowledge file.
//!
//! Each file is written to a temporary file in its own directory, flushed to disk (fsync), then
//! renamed over the target (atomic on POSIX file systems) and the directory is fsynced so the
//! rename itself survives a power cut. A plan that touches several files (an import) writes all
//! temporary files first and renames them only when every write succeeded, so a failure while
//! writing leaves every old file intact. The remaining window: the renames are atomic one by one,
//! not together — a crash between two renames leaves some files new and some old (each file whole
//! and valid on its own). Rerunning the same import then finishes the job, because an import
//! applies records, not differences.

use super::{EditError, Plan};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

/// Runs before each rename with the target path; an error stops the commit there (the test seam
/// for a crash between write and rename).
pub type CommitHook<'a> = dyn FnMut(&Path) -> std::io::Result<()> + 'a;

/// One commit at a time in this process, so the on-disk check and the renames are not
/// interleaved with another editor's.
static COMMIT_LOCK: Mutex<()> = Mutex::new(());

fn sync_dir(dir: &Path) -> Result<(), EditError> {
    // Directories can be opened read-only and fsynced on Unix; elsewhere this is a no-op.
    #[cfg(unix)]
    {
        let d = std::fs::File::open(dir).map_err(|e| EditError::io(dir, e))?;
        d.sync_all().map_err(|e| EditError::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes every file of `plan` under `root` (see the module doc); returns the paths written or
/// deleted. Refuses with [`EditError::FileChanged`] when a file on disk is no longer the text the
/// plan was computed from.
pub(super) fn commit_with(
    root: &Path,
    plan: &Plan,
    hook: &mut CommitHook<'_>,
) -> Result<Vec<String>, EditError> {
    let _guard = COMMIT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    for f in &plan.files {
        let path = root.join(&f.path);
        let now = match std::fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(EditError::io(&path, e)),
        };
        if now != f.old {
            return Err(EditError::FileChanged(f.path.clone()));
        }
    }
    // 1. Every new text into a temporary file beside its target, flushed to disk.
    let mut staged = Vec::new();
    for f in &plan.files {
        let Some(text) = &f.new else { continue };
        let path = root.join(&f.path);
        let dir = path
            .parent()
            .ok_or_else(|| EditError::Unreadable {
                file: f.path.clone(),
                message: "no parent directory".into(),
            })?
            .to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| EditError::io(&dir, e))?;
        // The suffix keeps a leftover out of the loader's `*.toml` / `*.md` globs.
        let mut tmp = tempfile::Builder::new()
            .prefix(".bujiao-edit-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| EditError::io(&dir, e))?;
        tmp.write_all(text.as_bytes())
            .map_err(|e| EditError::io(tmp.path(), e))?;
        let perms = match std::fs::metadata(&path) {
            Ok(m) => Some(m.permissions()),
            Err(_) => default_permissions(),
        };
        if let Some(p) = perms {
            std::fs::set_permissions(tmp.path(), p).map_err(|e| EditError::io(tmp.path(), e))?;
        }
        tmp.as_file()
            .sync_all()
            .map_err(|e| EditError::io(tmp.path(), e))?;
        staged.push((tmp, path, dir));
    }
    // 2. Rename each over its target (a failure here drops the remaining temporary files).
    for (tmp, path, dir) in staged {
        hook(&path).map_err(|e| EditError::io(&path, e))?;
        tmp.persist(&path)
            .map_err(|e| EditError::io(&path, e.error))?;
        sync_dir(&dir)?;
    }
    // 3. Deletions last.
    for f in plan.files.iter().filter(|f| f.new.is_none()) {
        let path = root.join(&f.path);
        hook(&path).map_err(|e| EditError::io(&path, e))?;
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(EditError::io(&path, e)),
        }
        if let Some(dir) = path.parent() {
            sync_dir(dir)?;
        }
    }
    Ok(plan.files.iter().map(|f| f.path.clone()).collect())
}

/// rw-r--r-- for a new file (a temporary file is created owner-only).
fn default_permissions() -> Option<std::fs::Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    None
}
