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
    /// Layout of the generation ([`INDEX_FORMAT`]); absent in manifests of format 1.
    #[serde(default = "format_1")]
    pub format: u32,
    /// Generation directory name under the index root.
    pub generation: String,
    /// Fingerprint of the knowledge files the generation was built from.
    pub fingerprint: String,
    /// Number of tantivy documents (phrasings).
    pub docs: u64,
    /// RFC 3339 build time.
    pub built_at: String,
    /// Entries re-indexed in a copy of the previous generation (0: built from scratch). A patched
    /// generation serves at once; its classifier is an approximation until a full build
    /// replaces it ([`rebuild_if_patched`]).
    #[serde(default)]
    pub patched_entries: u32,
}

/// Layout of a generation: bump on any change to the schema or to what a document's fields mean.
/// Format 2: documents carry a stable phrasing key (`pkey`) instead of a corpus position, so a
/// generation can be updated in place of one entry.
pub const INDEX_FORMAT: u32 = 2;

fn format_1() -> u32 {
    1
}

/// Knobs for a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Test hook: fail after adding this many documents, to prove a failed build changes nothing.
    #[doc(hidden)]
    pub fail_after: Option<usize>,
}

const CURRENT: &str = "CURRENT";

/// The knowledge fingerprint the current generation was built for, read from `CURRENT` alone
/// (nothing opened or checked): whether opening, not building, is what a start will do.
pub fn current_fingerprint(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join(CURRENT)).ok()?;
    let manifest: Manifest = serde_json::from_str(&text).ok()?;
    (manifest.format == INDEX_FORMAT).then_some(manifest.fingerprint)
}

/// Read `CURRENT` and open the generation it names, if both are intact: every file of the
/// generation must pass tantivy's checksum (its footer) — opening reads only `meta.json`, so a
/// truncated or garbled segment file would otherwise be found at the first search, or make the
/// start fail. A damaged generation is logged and treated as missing, so it is rebuilt.
pub fn open_current(root: &Path) -> Option<(Index, Manifest)> {
    let text = std::fs::read_to_string(root.join(CURRENT)).ok()?;
    let manifest: Manifest = serde_json::from_str(&text).ok()?;
    if manifest.format != INDEX_FORMAT {
        tracing::info!(
            format = manifest.format,
            expected = INDEX_FORMAT,
            "index generation written in another format; it will be rebuilt"
        );
        return None;
    }
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
    match update_locked(kb, analyzer, root) {
        Ok(Some(found)) => return Ok(found),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not update the index in place; building it"),
    }
    tracing::info!(root = %root.display(), "no index for these knowledge files; building");
    build_locked(kb, analyzer, root, &BuildOptions::default(), progress)
}

/// Replace a patched current generation (see [`Manifest::patched_entries`]) by one built from
/// scratch for the same knowledge files. Does nothing (returns `Ok(None)`) when the current
/// generation is a full build or was built from other files (a newer publish came first).
pub fn rebuild_if_patched(
    kb: &Knowledge,
    analyzer: &Arc<Analyzer>,
    root: &Path,
) -> Result<Option<(Index, Manifest)>> {
    let _lock = BuildLock::acquire(root)?;
    match open_current(root) {
        Some((_, m)) if m.patched_entries > 0 && m.fingerprint == kb.fingerprint => {
            build_locked(kb, analyzer, root, &BuildOptions::default(), &|_, _| {}).map(Some)
        }
        _ => Ok(None),
    }
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
    let generation = new_generation_name();
    let dir = root.join(&generation);
    let docs = removed_on_error(&dir, || {
        write_generation(kb, analyzer, &dir, options, progress)
    })?;
    let manifest = Manifest {
        format: INDEX_FORMAT,
        generation: generation.clone(),
        fingerprint: kb.fingerprint.clone(),
        docs,
        built_at: now.to_rfc3339(),
        patched_entries: 0,
    };
    make_current(root, &manifest)?;
    let index = Index::open_in_dir(&dir)?;
    Ok((index, manifest))
}

/// Run `write`, which fills the new generation directory `dir`; if it fails, the half-written
/// directory is removed so only complete generations stay on disk.
fn removed_on_error<T>(dir: &Path, write: impl FnOnce() -> Result<T>) -> Result<T> {
    write().inspect_err(|_| {
        let _ = std::fs::remove_dir_all(dir);
    })
}

fn new_generation_name() -> String {
    format!(
        "gen-{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.f"),
        std::process::id()
    )
}

/// Point `CURRENT` at `manifest`'s generation (temp file + rename) and delete the others.
fn make_current(root: &Path, manifest: &Manifest) -> Result<()> {
    let tmp = root.join(format!("{CURRENT}.tmp-{}", std::process::id()));
    let json = serde_json::to_string_pretty(manifest).expect("manifest serialises");
    std::fs::write(&tmp, json).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, root.join(CURRENT)).map_err(|e| Error::io(root.join(CURRENT), e))?;
    remove_old_generations(root, &manifest.generation);
    Ok(())
}

/// At most this many changed entries (added, edited or removed) are applied to a copy of the
/// current generation; a larger change is built from scratch.
const UPDATE_MAX_ENTRIES: usize = 64;

/// An editor's publish changes one entry or a few: rebuilding a national corpus for it would
/// take minutes. So when the current generation was built from knowledge files with the same
/// dictionaries, the new generation starts as a copy of it (hard links: tantivy never modifies a
/// segment file), the changed entries' documents are deleted and added again, and the
/// classifier keeps every unchanged entry's weights while the changed ones are trained against
/// their rivals ([`super::patch_classifier`]). `Ok(None)`: not applicable, build from scratch.
fn update_locked(
    kb: &Knowledge,
    analyzer: &Arc<Analyzer>,
    root: &Path,
) -> Result<Option<(Index, Manifest)>> {
    if kb.root.as_os_str().is_empty() {
        return Ok(None);
    }
    let Some((_, old_manifest)) = open_current(root) else {
        return Ok(None);
    };
    let old_dir = root.join(&old_manifest.generation);
    let sources = old_dir.join(SOURCES_DIR);
    let same_dict = match (
        crate::knowledge::fingerprint(&sources.join("dict")),
        crate::knowledge::fingerprint(&kb.root.join("dict")),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same_dict {
        return Ok(None);
    }
    let Ok((old_kb, problems)) = crate::knowledge::load(&sources) else {
        return Ok(None);
    };
    if !problems.is_empty() || old_kb.fingerprint != old_manifest.fingerprint {
        return Ok(None);
    }
    let Ok(old_model) =
        super::classifier::Classifier::load(&old_dir.join(super::classifier::FILE_NAME))
    else {
        return Ok(None);
    };
    let old_entries = super::indexed_entries(&old_kb);
    let new_entries = super::indexed_entries(kb);
    let old_by_id: std::collections::HashMap<&str, &super::IndexedEntry> =
        old_entries.iter().map(|e| (e.id, e)).collect();
    let new_ids: std::collections::HashSet<&str> = new_entries.iter().map(|e| e.id).collect();
    let changed: Vec<&super::IndexedEntry> = new_entries
        .iter()
        .filter(|e| old_by_id.get(e.id) != Some(e))
        .collect();
    let removed: Vec<&str> = old_entries
        .iter()
        .map(|e| e.id)
        .filter(|id| !new_ids.contains(id))
        .collect();
    if changed.len() + removed.len() > UPDATE_MAX_ENTRIES
        || old_model.classes() != old_entries.len()
    {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let generation = new_generation_name();
    let dir = root.join(&generation);
    let docs = removed_on_error(&dir, || -> Result<u64> {
        link_generation(&old_dir, &dir)?;
        let index = Index::open_in_dir(&dir)?;
        super::register_tokenizers(&index, analyzer);
        let (_, f) = super::schema();
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 50_000_000)?;
        for id in changed.iter().map(|e| e.id).chain(removed.iter().copied()) {
            writer.delete_term(tantivy::Term::from_field_text(f.entry, id));
        }
        for e in &changed {
            for (ord, text) in e.texts.iter().enumerate() {
                writer.add_document(document(&f, e, ord, text))?;
            }
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        keep_sources(kb, &dir)?;
        let old_ids: Vec<&str> = old_entries.iter().map(|e| e.id).collect();
        let changed_ids: std::collections::HashSet<&str> = changed.iter().map(|e| e.id).collect();
        let model = super::patch_classifier(&old_model, &old_ids, kb, analyzer, &changed_ids);
        let path = dir.join(super::classifier::FILE_NAME);
        model.save(&path).map_err(|e| Error::io(&path, e))?;
        Ok(new_entries.iter().map(|e| e.texts.len() as u64).sum())
    })?;
    let manifest = Manifest {
        format: INDEX_FORMAT,
        generation,
        fingerprint: kb.fingerprint.clone(),
        docs,
        built_at: chrono::Utc::now().to_rfc3339(),
        patched_entries: (changed.len() + removed.len()) as u32,
    };
    make_current(root, &manifest)?;
    tracing::info!(
        changed = changed.len(),
        removed = removed.len(),
        ms = started.elapsed().as_millis() as u64,
        generation = %manifest.generation,
        "index updated in place of the changed entries"
    );
    let index = Index::open_in_dir(&dir)?;
    Ok(Some((index, manifest)))
}

/// A new generation directory holding hard links to the old one's index files (not its copy of
/// the knowledge files, its classifier, its cutting or tantivy's lock files).
fn link_generation(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        let path = entry.path();
        // The patched generation gets its own classifier and cutting (written when it opens).
        if path.is_dir()
            || name_str == super::classifier::FILE_NAME
            || name_str == super::cutting::FILE_NAME
            || name_str.starts_with(".tantivy-")
        {
            continue;
        }
        let dst = to.join(&name);
        // meta.json and .managed.json are replaced by rename when tantivy rewrites them, so a
        // link is safe for them too; copy only if linking is refused (another file system).
        if std::fs::hard_link(&path, &dst).is_err() {
            std::fs::copy(&path, &dst).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// The tantivy document of an entry's `ord`-th text (the body goes into its first one only:
/// repeated under every phrasing it made the body postings a dozen times longer).
fn document(f: &super::Fields, e: &super::IndexedEntry, ord: usize, text: &str) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(f.pkey, super::phrasing_key(e.id, ord));
    doc.add_text(f.entry, e.id);
    doc.add_text(f.kind, e.kind.as_str());
    doc.add_text(f.phrasing, text);
    doc.add_text(f.phrasing_bi, text);
    if ord == 0 {
        doc.add_text(f.body, e.body);
    }
    if e.regions.is_empty() {
        doc.add_text(f.region, NATIONAL);
    }
    for r in e.regions {
        doc.add_text(f.region, r);
    }
    doc
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
    let started = std::time::Instant::now();
    let indexed = super::indexed_entries(kb);
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 50_000_000)?;
    let total: usize = indexed.iter().map(|e| e.texts.len()).sum();
    let mut i = 0;
    for e in &indexed {
        for (ord, text) in e.texts.iter().enumerate() {
            if options.fail_after == Some(i) {
                return Err(Error::Other(format!(
                    "build aborted after {i} documents (test hook)"
                )));
            }
            writer.add_document(document(&f, e, ord, text))?;
            i += 1;
            if i % 50 == 0 || i == total {
                progress(i, total);
            }
        }
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let indexed_ms = started.elapsed().as_millis() as u64;
    keep_sources(kb, dir)?;
    let started = std::time::Instant::now();
    let (entries, phrasings, flat) = collect(kb, analyzer);
    // Kept beside the index, so opening this generation (right after this build, or at the next
    // start) reads the cutting instead of running jieba over every text again.
    super::store_cutting(
        &dir.join(super::cutting::FILE_NAME),
        analyzer,
        &entries,
        &phrasings,
        &flat,
    );
    let collect_ms = started.elapsed().as_millis() as u64;
    let started = std::time::Instant::now();
    let model = super::train_classifier(&entries, &phrasings, &flat, |_| false);
    let path = dir.join(super::classifier::FILE_NAME);
    model.save(&path).map_err(|e| Error::io(&path, e))?;
    tracing::info!(
        docs = total,
        indexed_ms,
        collect_ms,
        classifier_ms = started.elapsed().as_millis() as u64,
        "index generation written"
    );
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
