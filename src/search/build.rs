//! Building the index into a fresh generation directory and switching `CURRENT` atomically.
//!
//! `index/CURRENT` names the generation in use and the knowledge fingerprint it was built from. A
//! build writes `gen-<time>/`, commits, then replaces `CURRENT` by rename — so a build that fails
//! midway leaves the old generation and `CURRENT` untouched and still serving.

use super::{collect, register_tokenizers, schema, NATIONAL};
use crate::knowledge::Knowledge;
use crate::text::Analyzer;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::{Index, IndexWriter, TantivyDocument};

/// Contents of `index/CURRENT`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// Generation directory name under the index root.
    pub generation: String,
    /// Fingerprint of the knowledge files the generation was built from.
    pub fingerprint: String,
    /// Number of tantivy documents (phrasings).
    pub docs: u64,
    /// RFC 3339 build time.
    pub built_at: String,
}

/// Knobs for a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Test hook: fail after adding this many documents, to prove a failed build changes nothing.
    #[doc(hidden)]
    pub fail_after: Option<usize>,
}

const CURRENT: &str = "CURRENT";

/// Read `CURRENT` and open the generation it names, if both are intact: every file of the
/// generation must pass tantivy's checksum (its footer) — opening reads only `meta.json`, so a
/// truncated or garbled segment file would otherwise be found at the first search, or make the
/// start fail. A damaged generation is logged and treated as missing, so it is rebuilt.
pub fn open_current(root: &Path) -> Option<(Index, Manifest)> {
    let text = std::fs::read_to_string(root.join(CURRENT)).ok()?;
    let manifest: Manifest = serde_json::from_str(&text).ok()?;
    let dir = root.join(&manifest.generation);
    let damaged = |reason: String| {
        tracing::error!(generation = %manifest.generation, %reason, "index generation damaged; it will be rebuilt");
    };
    let index = match Index::open_in_dir(&dir) {
        Ok(i) => i,
        Err(e) => {
            if dir.is_dir() {
                damaged(e.to_string());
            }
            return None;
        }
    };
    match index.validate_checksum() {
        Ok(bad) if bad.is_empty() => {}
        Ok(bad) => {
            damaged(format!("checksum mismatch in {bad:?}"));
            return None;
        }
        Err(e) => {
            damaged(e.to_string());
            return None;
        }
    }
    Some((index, manifest))
}

/// Open the current index if it was built from these knowledge files; otherwise build it.
pub fn ensure_index(
    kb: &Knowledge,
    analyzer: &Arc<Analyzer>,
    root: &Path,
    progress: &dyn Fn(usize, usize),
) -> Result<(Index, Manifest)> {
    if let Some(found) = current_for(root, kb) {
        return Ok(found);
    }
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    let _lock = BuildLock::acquire(root)?;
    // Another process may have built it while we waited for the lock.
    if let Some(found) = current_for(root, kb) {
        return Ok(found);
    }
    tracing::info!(root = %root.display(), "no index for these knowledge files; building");
    build_locked(kb, analyzer, root, &BuildOptions::default(), progress)
}

fn current_for(root: &Path, kb: &Knowledge) -> Option<(Index, Manifest)> {
    open_current(root).filter(|(_, m)| m.fingerprint == kb.fingerprint)
}

/// An exclusive lock on `index/.build.lock`, so concurrent builders (two processes starting at once)
/// take turns instead of deleting each other's half-written generations.
struct BuildLock(std::fs::File);

impl BuildLock {
    fn acquire(root: &Path) -> Result<BuildLock> {
        let path = root.join(".build.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        file.lock().map_err(|e| Error::io(&path, e))?;
        Ok(BuildLock(file))
    }
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// Build a new generation from `kb` and make it current. `progress(done, total)` is called as
/// documents are added.
pub fn build_index(
    kb: &Knowledge,
    analyzer: &Arc<Analyzer>,
    root: &Path,
    options: &BuildOptions,
    progress: &dyn Fn(usize, usize),
) -> Result<(Index, Manifest)> {
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    let _lock = BuildLock::acquire(root)?;
    build_locked(kb, analyzer, root, options, progress)
}

fn build_locked(
    kb: &Knowledge,
    analyzer: &Arc<Analyzer>,
    root: &Path,
    options: &BuildOptions,
    progress: &dyn Fn(usize, usize),
) -> Result<(Index, Manifest)> {
    let now = chrono::Utc::now();
    let generation = format!(
        "gen-{}-{}",
        now.format("%Y%m%dT%H%M%S%.f"),
        std::process::id()
    );
    let dir = root.join(&generation);
    let result = write_generation(kb, analyzer, &dir, options, progress);
    let docs = match result {
        Ok(d) => d,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    let manifest = Manifest {
        generation: generation.clone(),
        fingerprint: kb.fingerprint.clone(),
        docs,
        built_at: now.to_rfc3339(),
    };
    let tmp = root.join(format!("{CURRENT}.tmp-{}", std::process::id()));
    let json = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
    std::fs::write(&tmp, json).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, root.join(CURRENT)).map_err(|e| Error::io(root.join(CURRENT), e))?;
    remove_old_generations(root, &generation);
    let index = Index::open_in_dir(&dir)?;
    Ok((index, manifest))
}

fn write_generation(
    kb: &Knowledge,
    analyzer: &Arc<Analyzer>,
    dir: &PathBuf,
    options: &BuildOptions,
    progress: &dyn Fn(usize, usize),
) -> Result<u64> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let (schema, f) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    register_tokenizers(&index, analyzer);
    let (entries, phrasings) = collect(kb, analyzer);
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 50_000_000)?;
    let total = phrasings.len();
    for (i, p) in phrasings.iter().enumerate() {
        if options.fail_after == Some(i) {
            return Err(Error::Other(format!(
                "build aborted after {i} documents (test hook)"
            )));
        }
        let e = &entries[p.entry];
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.pidx, i as u64);
        doc.add_text(f.entry, &e.id);
        doc.add_text(f.kind, e.kind.as_str());
        doc.add_text(f.phrasing, &p.text);
        doc.add_text(f.phrasing_bi, &p.text);
        // The answer body goes into the entry's first document only: repeated under every
        // phrasing it made the body postings a dozen times longer for the same candidates.
        if i == 0 || phrasings[i - 1].entry != p.entry {
            doc.add_text(f.body, &e.body);
        }
        if e.regions.is_empty() {
            doc.add_text(f.region, NATIONAL);
        }
        for r in &e.regions {
            doc.add_text(f.region, r);
        }
        writer.add_document(doc)?;
        if i % 50 == 0 || i + 1 == total {
            progress(i + 1, total);
        }
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    keep_sources(kb, dir)?;
    let model = super::train_classifier(&entries, &phrasings, |_| false);
    let path = dir.join(super::classifier::FILE_NAME);
    model.save(&path).map_err(|e| Error::io(&path, e))?;
    Ok(total as u64)
}

/// Name of the copy of the knowledge files a generation was built from, inside the generation.
pub const SOURCES_DIR: &str = "knowledge";

/// Copy the (validated) knowledge files this generation is built from into it, so a server whose
/// knowledge directory was later broken by an edit can still start on the last good knowledge.
/// The copy must hash to the fingerprint the index is built for: files edited between loading and
/// copying fail the build instead of pairing an index with other files.
fn keep_sources(kb: &Knowledge, dir: &Path) -> Result<()> {
    if kb.root.as_os_str().is_empty() {
        return Ok(());
    }
    let target = dir.join(SOURCES_DIR);
    copy_tree(&kb.root, &target)?;
    let copied = crate::knowledge::fingerprint(&target)?;
    if copied != kb.fingerprint {
        return Err(Error::Other(format!(
            "the knowledge files in {} changed while the index was being built; try again",
            kb.root.display()
        )));
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        if src.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
        }
    }
    Ok(())
}

/// Delete generations other than the current one (a reader still holding an old one keeps its open
/// files; on Unix the data stays readable until closed).
fn remove_old_generations(root: &Path, keep: &str) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    for entry in rd.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("gen-") && name != keep {
            if let Err(e) = std::fs::remove_dir_all(entry.path()) {
                tracing::warn!(dir = %name, error = %e, "could not remove old index generation");
            }
        }
    }
}
