//! The analyzer's cutting of every text of an index generation, stored beside it
//! (`cutting.bin`), so that opening a generation does not run jieba over the whole corpus again.
//!
//! Opening a snapshot needs each phrasing's and each answer's term keys (`lm::term_key`; the terms
//! themselves are never held) and each phrasing's character-bigram keys (for the rerank features, the language model and the classifier's inputs). Cutting them was most of a cold start: 11 of 20
//! seconds for a national corpus (100 times the real one, 800 thousand phrasings). The build has
//! the cutting at hand, so it writes it down; a start reads it back, and only texts the file does
//! not have (a generation patched by an editor's publish has no file of its own) are cut.
//!
//! Format 2 stores keys, not term strings (format 1): a start then allocates no string per term,
//! and the file is smaller.
//!
//! The cutting is only valid for the analyzer that made it, so the header carries the analyzer's
//! key ([`Analyzer::key`](crate::text::Analyzer::key): the user dictionary, synonyms and stop
//! words) besides a format version and a payload checksum. Any mismatch or damage means the file
//! is ignored (the texts are cut again and the file written anew), never an error. Texts are
//! keyed by XXH3-64 of their bytes (specified and stable across Rust releases) plus their length.

use rustc_hash::FxHashMap;
use std::io::Read;
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

/// The file's name inside a generation directory.
pub(crate) const FILE_NAME: &str = "cutting.bin";
const MAGIC: &[u8; 8] = b"BJCUTS\0\0";
/// Layout of the file; bump on any change.
pub(crate) const FORMAT_VERSION: u32 = 2;
/// Magic, version, reserved, analyzer key, text count, payload checksum.
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 8 + 8;

/// Why a stored cutting was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejected {
    Unreadable(String),
    NotACutting,
    OtherVersion(u32),
    OtherAnalyzer,
    Checksum,
    Layout,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejected::Unreadable(e) => write!(f, "unreadable: {e}"),
            Rejected::NotACutting => write!(f, "not a cutting file"),
            Rejected::OtherVersion(v) => write!(f, "format {v}, this build reads {FORMAT_VERSION}"),
            Rejected::OtherAnalyzer => write!(f, "cut by another analyzer (dictionaries changed)"),
            Rejected::Checksum => write!(f, "damaged (checksum mismatch)"),
            Rejected::Layout => write!(f, "damaged (bad layout)"),
        }
    }
}

/// Term keys of texts, by text: the file's payload as read (one buffer, checked once), and where
/// each text's record starts in it. A lookup reads the record out ([`Cutting::take`]) once; the
/// buffer goes back to the system in one piece when the cutting is dropped, where a vector per
/// text (a million of them for a national corpus) left the heap fragmented at its peak size.
#[derive(Debug, Default)]
pub(crate) struct Cutting {
    payload: Vec<u8>,
    /// Keyed by XXH3 of the text (well mixed already: Fx hashing is enough): the offset in
    /// `payload` of the text's term-key count.
    by_text: FxHashMap<(u64, u32), usize>,
}

/// One text's term keys (`lm::term_key` of each of `Analyzer::query_terms`) and its
/// character-bigram keys (`search::bigram_keys`; empty when not stored: answers keep only their
/// terms).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Cut {
    pub term_keys: Vec<u64>,
    pub bigram_keys: Vec<u64>,
}

fn text_key(text: &str) -> (u64, u32) {
    (xxh3_64(text.as_bytes()), text.len() as u32)
}

impl Cutting {
    pub(crate) fn len(&self) -> usize {
        self.by_text.len()
    }

    /// Whether `text`'s terms are here.
    pub(crate) fn contains(&self, text: &str) -> bool {
        self.by_text.contains_key(&text_key(text))
    }

    /// `text`'s cut, taken out.
    pub(crate) fn take(&mut self, text: &str) -> Option<Cut> {
        let at = self.by_text.remove(&text_key(text))?;
        let mut r = Reader(self.payload.get(at..)?);
        Some(Cut {
            term_keys: r.keys()?,
            bigram_keys: r.keys()?,
        })
    }

    /// Read a file written for the analyzer with key `analyzer_key`.
    pub(crate) fn load(path: &Path, analyzer_key: u64) -> Result<Cutting, Rejected> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| Rejected::Unreadable(e.to_string()))?;
        if bytes.len() < HEADER_LEN {
            return Err(Rejected::NotACutting);
        }
        let payload = bytes.split_off(HEADER_LEN);
        let header = bytes;
        if &header[..8] != MAGIC {
            return Err(Rejected::NotACutting);
        }
        let mut h = Reader(&header[8..]);
        let version = h.u32().ok_or(Rejected::Layout)?;
        if version != FORMAT_VERSION {
            return Err(Rejected::OtherVersion(version));
        }
        let _reserved = h.u32();
        if h.u64() != Some(analyzer_key) {
            return Err(Rejected::OtherAnalyzer);
        }
        let count = h.u64().ok_or(Rejected::Layout)?;
        if h.u64() != Some(xxh3_64(&payload)) {
            return Err(Rejected::Checksum);
        }
        Self::parse(payload, count).ok_or(Rejected::Layout)
    }

    /// Check the records' layout and note where each starts.
    fn parse(payload: Vec<u8>, count: u64) -> Option<Cutting> {
        // Each text takes at least 20 bytes: a count larger than that is a damaged header.
        if count > (payload.len() / 20) as u64 {
            return None;
        }
        let mut by_text = FxHashMap::with_capacity_and_hasher(count as usize, Default::default());
        let mut r = Reader(&payload);
        for _ in 0..count {
            let key = (r.u64()?, r.u32()?);
            let at = payload.len() - r.0.len();
            r.skip_keys()?;
            r.skip_keys()?;
            by_text.insert(key, at);
        }
        if !r.0.is_empty() {
            return None;
        }
        Some(Cutting { payload, by_text })
    }
}

/// A text's key with its term and bigram keys, as written.
type Keyed<'a> = ((u64, u32), &'a [u64], &'a [u64]);

/// Write `texts` with their term and bigram keys for the analyzer with key `analyzer_key`, in
/// key order, once each. Streamed through a buffer (a national corpus's file is over 100 MB) to a
/// temp file, the checksum written last, then renamed: a reader never sees half a file.
pub(crate) fn save<'a>(
    path: &Path,
    analyzer_key: u64,
    texts: impl IntoIterator<Item = (&'a str, &'a [u64], &'a [u64])>,
) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    let mut keyed: Vec<Keyed> = texts
        .into_iter()
        .map(|(t, terms, bigrams)| (text_key(t), terms, bigrams))
        .collect();
    keyed.sort_by_key(|k| k.0); // stable: the first of a repeated text is kept
    keyed.dedup_by_key(|k| k.0);
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT_VERSION.to_le_bytes())?;
        out.write_all(&0u32.to_le_bytes())?;
        out.write_all(&analyzer_key.to_le_bytes())?;
        out.write_all(&(keyed.len() as u64).to_le_bytes())?;
        out.write_all(&0u64.to_le_bytes())?; // the checksum, once known
        let mut hash = xxhash_rust::xxh3::Xxh3::new();
        let mut put = |bytes: &[u8]| -> std::io::Result<()> {
            hash.update(bytes);
            out.write_all(bytes)
        };
        for (key, terms, bigrams) in &keyed {
            put(&key.0.to_le_bytes())?;
            put(&key.1.to_le_bytes())?;
            put(&(terms.len() as u32).to_le_bytes())?;
            for t in terms.iter() {
                put(&t.to_le_bytes())?;
            }
            put(&(bigrams.len() as u32).to_le_bytes())?;
            for b in bigrams.iter() {
                put(&b.to_le_bytes())?;
            }
        }
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start((HEADER_LEN - 8) as u64))?;
        file.write_all(&hash.digest().to_le_bytes())?;
        file.sync_all()
    };
    write()
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

/// Little-endian reads that stop (None) at the end of the bytes instead of panicking.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// Past a count and that many keys.
    fn skip_keys(&mut self) -> Option<()> {
        let n = self.u32()? as usize;
        self.take(n.checked_mul(8)?).map(|_| ())
    }

    /// A count, then that many keys.
    fn keys(&mut self) -> Option<Vec<u64>> {
        let n = self.u32()? as usize;
        let bytes = self.take(n.checked_mul(8)?)?;
        Some(
            bytes
                .chunks_exact(8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn save_sample(path: &Path) {
        let texts: Vec<(&str, Vec<u64>)> = vec![
            ("医保断缴三个月还能补吗", vec![11, 12, 13]),
            ("滞纳金怎么算", vec![21, 22, 23]),
            ("", vec![]),
            ("滞纳金怎么算", vec![99]),
        ];
        let bigrams = [7u64, 9];
        save(
            path,
            42,
            texts.iter().map(|(t, v)| (*t, v.as_slice(), &bigrams[..])),
        )
        .unwrap();
    }

    #[test]
    fn saves_loads_and_takes_terms_out() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(FILE_NAME);
        save_sample(&path);
        let mut back = Cutting::load(&path, 42).unwrap();
        assert_eq!(back.len(), 3);
        assert!(back.contains("滞纳金怎么算"));
        let cut = back.take("滞纳金怎么算").unwrap();
        assert_eq!(cut.term_keys, vec![21, 22, 23]);
        assert_eq!(cut.bigram_keys, vec![7, 9]);
        assert_eq!(back.take("滞纳金怎么算"), None, "taken once");
        assert_eq!(back.take("没有的文本"), None);
    }

    #[test]
    fn another_analyzer_version_or_damage_is_rejected_not_misread() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(FILE_NAME);
        save_sample(&path);
        assert_eq!(
            Cutting::load(&path, 43).unwrap_err(),
            Rejected::OtherAnalyzer
        );
        let bytes = std::fs::read(&path).unwrap();
        let mut other = bytes.clone();
        other[8] = 9;
        std::fs::write(&path, &other).unwrap();
        assert_eq!(
            Cutting::load(&path, 42).unwrap_err(),
            Rejected::OtherVersion(9)
        );
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert_eq!(Cutting::load(&path, 42).unwrap_err(), Rejected::Checksum);
        std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
        assert_eq!(Cutting::load(&path, 42).unwrap_err(), Rejected::Checksum);
        std::fs::write(&path, b"short").unwrap();
        assert_eq!(Cutting::load(&path, 42).unwrap_err(), Rejected::NotACutting);
        assert!(matches!(
            Cutting::load(&dir.path().join("missing"), 42),
            Err(Rejected::Unreadable(_))
        ));
    }

    #[test]
    fn a_consistent_but_truncated_payload_is_a_layout_error() {
        // A header whose checksum matches a payload that ends mid-record.
        let mut payload = Vec::new();
        payload.extend_from_slice(&7u64.to_le_bytes());
        payload.extend_from_slice(&3u32.to_le_bytes());
        payload.extend_from_slice(&5u32.to_le_bytes()); // five term keys promised, none there
        assert!(Cutting::parse(payload.clone(), 1).is_none());
        assert!(Cutting::parse(payload, u64::MAX).is_none());
    }
}
