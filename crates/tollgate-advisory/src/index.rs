//! The on-disk index: one file that opens with a few reads and answers "advisories for
//! (ecosystem, normalized name)" without parsing any OSV JSON.
//!
//! Layout (integers little-endian):
//!
//! ```text
//! magic "TGOSVIDX" | format version u32 | header length u32 | header (JSON, IndexHeader)
//! key count u64 | names length u64 | posting count u64 | blob length u64
//! key table:  key count × 24 bytes, sorted by (ecosystem, name):
//!             ecosystem u8, 3 zero bytes, name length u32, name offset u64,
//!             first posting u32, posting count u32
//! names:      the normalized names, concatenated
//! postings:   posting count × 20 bytes: record offset u64 (into the blob), length u32,
//!             the first 8 bytes of the record's SHA-256
//! blob:       digested records (`Advisory` as compact JSON), one per (record, package)
//! ```
//!
//! Opening reads the header and the three tables (a few MB even for npm's full export)
//! with plain reads; a lookup is a binary search plus one read per matching record. The
//! file is written under a temporary name in the same directory and renamed into place, so
//! readers only ever see a complete index.
//!
//! The header carries the SHA-256 of the tables, verified at open, and every posting the
//! digest of its record, verified when the record is read: a flipped bit or a file cut
//! short is refused (with the fix) instead of silently matching against damaged records,
//! and opening stays a few reads, not a hash of the whole blob.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tempfile::NamedTempFile;
use tollgate_model::Ecosystem;

use crate::Error;
use crate::osv::Advisory;

/// File name of the index inside the database directory.
pub const INDEX_FILE: &str = "advisories.idx";
const MAGIC: &[u8; 8] = b"TGOSVIDX";
/// Bumped whenever the layout or the digested record changes.
pub const FORMAT_VERSION: u32 = 2;
const KEY_ENTRY_LEN: usize = 24;
const POSTING_LEN: usize = 20;
const RECORD_DIGEST_LEN: usize = 8;
/// A header larger than this is taken as corruption, not allocated.
const MAX_HEADER_LEN: u32 = 16 << 20;

/// Statistics of one ecosystem in the index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcosystemStats {
    /// Records that affect at least one package of the ecosystem.
    pub records: u64,
    /// Distinct package names with at least one advisory.
    pub packages: u64,
    /// Records per id prefix (`GHSA`, `PYSEC`, `RUSTSEC`, `MAL`, ...).
    pub sources: BTreeMap<String, u64>,
    /// The newest `modified` time of the ecosystem's records (RFC 3339): how old the
    /// data is, as opposed to when the index was built.
    #[serde(default)]
    pub newest_modified: Option<String>,
    /// Per id prefix: records and newest `modified`.
    #[serde(default)]
    pub source_stats: BTreeMap<String, SourceStats>,
}

/// Statistics of one source (id prefix) within an ecosystem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStats {
    /// Records of this source affecting the ecosystem.
    pub records: u64,
    /// Their newest `modified` time (RFC 3339).
    pub newest_modified: Option<String>,
}

impl EcosystemStats {
    /// Counts one record of `source` with `modified` time.
    pub(crate) fn count(&mut self, source: &str, modified: Option<jiff::Timestamp>) {
        self.records += 1;
        *self.sources.entry(source.to_owned()).or_default() += 1;
        let stats = self.source_stats.entry(source.to_owned()).or_default();
        stats.records += 1;
        if let Some(modified) = modified {
            newer(&mut stats.newest_modified, modified);
            newer(&mut self.newest_modified, modified);
        }
    }
}

/// Keeps the later of `slot` and `time` in `slot`.
pub(crate) fn newer(slot: &mut Option<String>, time: jiff::Timestamp) {
    let current = slot
        .as_deref()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok());
    if current.is_none_or(|current| time > current) {
        *slot = Some(time.to_string());
    }
}

/// The id prefix of a record (`GHSA`, `PYSEC`, `RUSTSEC`, `MAL`, ...): its source.
pub fn source_of(id: &str) -> &str {
    id.split('-').next().unwrap_or_default()
}

/// The index header: what `tollgate db status` prints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexHeader {
    /// When the index was written (RFC 3339).
    pub created: String,
    /// Distinct records imported.
    pub records: u64,
    /// Per ecosystem (OSV spelling) statistics.
    pub ecosystems: BTreeMap<String, EcosystemStats>,
    /// The newest `modified` time of any record (RFC 3339), when any record has one.
    pub newest_modified: Option<String>,
    /// Records skipped as invalid.
    pub skipped: u64,
    /// Withdrawn records left out.
    pub withdrawn: u64,
    /// Records whose id was already imported from an earlier file (the first one is kept).
    pub duplicates: u64,
    /// The files, directories and archives the index was built from.
    pub sources: Vec<String>,
    /// SHA-256 (hex) of the counts and tables that follow the header.
    #[serde(default)]
    pub tables_sha256: String,
}

fn ecosystem_code(ecosystem: Ecosystem) -> u8 {
    match ecosystem {
        Ecosystem::Npm => 0,
        Ecosystem::PyPI => 1,
        Ecosystem::CratesIo => 2,
    }
}

/// Collects digested records into a temporary blob and writes the index file at the end.
/// Memory holds only the keys and offsets, never the records.
pub(crate) struct IndexWriter {
    dir: PathBuf,
    blob: BufWriter<NamedTempFile>,
    blob_len: u64,
    postings: Vec<PendingPosting>,
}

struct PendingPosting {
    ecosystem: u8,
    name: Box<str>,
    offset: u64,
    len: u32,
    digest: [u8; RECORD_DIGEST_LEN],
}

impl IndexWriter {
    /// Starts an index in `dir` (created if missing).
    pub(crate) fn new(dir: &Path) -> Result<Self, Error> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(dir, "creating the database directory", e))?;
        let blob = NamedTempFile::new_in(dir)
            .map_err(|e| Error::io(dir, "creating a temporary file", e))?;
        Ok(IndexWriter {
            dir: dir.to_owned(),
            blob: BufWriter::new(blob),
            blob_len: 0,
            postings: Vec::new(),
        })
    }

    /// Appends one package's advisory.
    pub(crate) fn add(
        &mut self,
        ecosystem: Ecosystem,
        name: &str,
        advisory: &Advisory,
    ) -> Result<(), Error> {
        let bytes = serde_json::to_vec(advisory).map_err(|e| Error::Corrupt {
            path: self.dir.clone(),
            reason: format!("could not encode record {}: {e}", advisory.id),
        })?;
        let len = u32::try_from(bytes.len()).map_err(|_| Error::Corrupt {
            path: self.dir.clone(),
            reason: format!("record {} is larger than 4 GiB", advisory.id),
        })?;
        self.blob
            .write_all(&bytes)
            .map_err(|e| Error::io(&self.dir, "writing the temporary record file", e))?;
        self.postings.push(PendingPosting {
            ecosystem: ecosystem_code(ecosystem),
            name: name.into(),
            offset: self.blob_len,
            len,
            digest: record_digest(&bytes),
        });
        self.blob_len += u64::from(len);
        Ok(())
    }

    /// Fills in the per-ecosystem package counts, writes the index under a temporary name
    /// and renames it over `INDEX_FILE`. Returns the final header.
    pub(crate) fn finish(mut self, mut header: IndexHeader) -> Result<IndexHeader, Error> {
        let dir = self.dir.clone();
        let io = |action: &'static str| {
            let dir = dir.clone();
            move |e| Error::io(dir, action, e)
        };
        self.postings
            .sort_by(|a, b| (a.ecosystem, &a.name).cmp(&(b.ecosystem, &b.name)));

        let mut keys: Vec<u8> = Vec::new();
        let mut names: Vec<u8> = Vec::new();
        let mut postings: Vec<u8> = Vec::with_capacity(self.postings.len() * POSTING_LEN);
        let mut start = 0usize;
        while let Some(first) = self.postings.get(start) {
            let count = self.postings[start..]
                .iter()
                .take_while(|p| p.ecosystem == first.ecosystem && p.name == first.name)
                .count();
            keys.push(first.ecosystem);
            keys.extend_from_slice(&[0, 0, 0]);
            keys.extend_from_slice(&(first.name.len() as u32).to_le_bytes());
            keys.extend_from_slice(&(names.len() as u64).to_le_bytes());
            keys.extend_from_slice(&(start as u32).to_le_bytes());
            keys.extend_from_slice(&(count as u32).to_le_bytes());
            names.extend_from_slice(first.name.as_bytes());
            if let Some(ecosystem) = Ecosystem::ALL.get(usize::from(first.ecosystem)) {
                header
                    .ecosystems
                    .entry(ecosystem.as_str().to_owned())
                    .or_default()
                    .packages += 1;
            }
            start += count;
        }
        for posting in &self.postings {
            postings.extend_from_slice(&posting.offset.to_le_bytes());
            postings.extend_from_slice(&posting.len.to_le_bytes());
            postings.extend_from_slice(&posting.digest);
        }
        let key_count = (keys.len() / KEY_ENTRY_LEN) as u64;
        let counts: Vec<u8> = [
            key_count,
            names.len() as u64,
            self.postings.len() as u64,
            self.blob_len,
        ]
        .iter()
        .flat_map(|count| count.to_le_bytes())
        .collect();
        header.tables_sha256 = tables_digest(&counts, &keys, &names, &postings);
        let header_json = serde_json::to_vec(&header).map_err(|e| Error::Corrupt {
            path: self.dir.clone(),
            reason: format!("could not encode the header: {e}"),
        })?;

        let mut blob = self.blob.into_inner().map_err(|e| {
            Error::io(
                &self.dir,
                "writing the temporary record file",
                e.into_error(),
            )
        })?;
        blob.as_file_mut()
            .seek(SeekFrom::Start(0))
            .map_err(io("rewinding the temporary record file"))?;

        let index =
            NamedTempFile::new_in(&self.dir).map_err(io("creating a temporary index file"))?;
        let mut out = BufWriter::new(index);
        let write = |out: &mut BufWriter<NamedTempFile>, bytes: &[u8]| out.write_all(bytes);
        (|| -> std::io::Result<()> {
            write(&mut out, MAGIC)?;
            write(&mut out, &FORMAT_VERSION.to_le_bytes())?;
            write(&mut out, &(header_json.len() as u32).to_le_bytes())?;
            write(&mut out, &header_json)?;
            write(&mut out, &counts)?;
            write(&mut out, &keys)?;
            write(&mut out, &names)?;
            write(&mut out, &postings)?;
            std::io::copy(blob.as_file_mut(), &mut out)?;
            out.flush()
        })()
        .map_err(io("writing the index"))?;
        let index = out
            .into_inner()
            .map_err(|e| Error::io(&self.dir, "writing the index", e.into_error()))?;
        index
            .as_file()
            .sync_all()
            .map_err(io("syncing the index"))?;
        let target = self.dir.join(INDEX_FILE);
        index
            .persist(&target)
            .map_err(|e| Error::io(&target, "renaming the new index into place", e.error))?;
        Ok(header)
    }
}

/// An open index.
#[derive(Debug)]
pub struct Index {
    path: PathBuf,
    header: IndexHeader,
    keys: Vec<u8>,
    names: Vec<u8>,
    postings: Vec<u8>,
    blob_start: u64,
    blob_len: u64,
    file: Mutex<File>,
}

impl Index {
    /// Opens the index in database directory `dir`.
    pub fn open(dir: &Path) -> Result<Index, Error> {
        let path = dir.join(INDEX_FILE);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Missing { path });
            }
            Err(e) => return Err(Error::io(&path, "opening the index", e)),
        };
        let corrupt = |reason: String| Error::Corrupt {
            path: path.clone(),
            reason,
        };
        let file_len = file
            .metadata()
            .map_err(|e| Error::io(&path, "reading the index", e))?
            .len();
        let mut fixed = [0u8; 16];
        read_exact(&mut file, &mut fixed, &path)?;
        if &fixed[..8] != MAGIC {
            return Err(corrupt("wrong magic bytes".to_owned()));
        }
        let version = u32_at(&fixed, 8);
        if version != FORMAT_VERSION {
            return Err(corrupt(format!(
                "format version {version}, this tollgate reads version {FORMAT_VERSION}"
            )));
        }
        let header_len = u32_at(&fixed, 12);
        if header_len > MAX_HEADER_LEN || u64::from(header_len) + 48 > file_len {
            return Err(corrupt(format!(
                "header length {header_len} is out of bounds"
            )));
        }
        let mut header_json = vec![0u8; header_len as usize];
        read_exact(&mut file, &mut header_json, &path)?;
        let header: IndexHeader = serde_json::from_slice(&header_json)
            .map_err(|e| corrupt(format!("unreadable header: {e}")))?;
        let mut counts = [0u8; 32];
        read_exact(&mut file, &mut counts, &path)?;
        let [key_count, names_len, posting_count, blob_len] =
            [0, 8, 16, 24].map(|at| u64_at(&counts, at));
        let tables_len = key_count
            .checked_mul(KEY_ENTRY_LEN as u64)
            .and_then(|k| k.checked_add(names_len))
            .and_then(|n| {
                posting_count
                    .checked_mul(POSTING_LEN as u64)?
                    .checked_add(n)
            });
        let front = 16 + u64::from(header_len) + 32;
        let expected_len = tables_len
            .and_then(|t| t.checked_add(front))
            .and_then(|t| t.checked_add(blob_len));
        if expected_len != Some(file_len) {
            return Err(corrupt(format!(
                "the tables need {expected_len:?} bytes, the file has {file_len} (truncated?)"
            )));
        }
        let mut read_table = |len: u64| -> Result<Vec<u8>, Error> {
            let mut table = vec![0u8; len as usize];
            read_exact(&mut file, &mut table, &path)?;
            Ok(table)
        };
        let keys = read_table(key_count * KEY_ENTRY_LEN as u64)?;
        let names = read_table(names_len)?;
        let postings = read_table(posting_count * POSTING_LEN as u64)?;
        let blob_start = file_len - blob_len;
        if tables_digest(&counts, &keys, &names, &postings) != header.tables_sha256 {
            return Err(corrupt(
                "the tables do not match their checksum (damaged file)".to_owned(),
            ));
        }
        Ok(Index {
            path,
            header,
            keys,
            names,
            postings,
            blob_start,
            blob_len,
            file: Mutex::new(file),
        })
    }

    /// The index file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header (statistics).
    pub fn header(&self) -> &IndexHeader {
        &self.header
    }

    /// Calls `each` with every (ecosystem, normalized name, advisory) in the index, in key
    /// order, one key's records in memory at a time: what a partial import keeps of the
    /// previous index.
    pub fn for_each_entry(
        &self,
        mut each: impl FnMut(Ecosystem, &str, Advisory) -> Result<(), Error>,
    ) -> Result<(), Error> {
        for index in 0..self.keys.len() / KEY_ENTRY_LEN {
            let (code, name, first, count) = self.key(index)?;
            let ecosystem = *Ecosystem::ALL
                .get(usize::from(code))
                .ok_or_else(|| self.corrupt("unknown ecosystem code"))?;
            let name =
                std::str::from_utf8(name).map_err(|_| self.corrupt("key name is not UTF-8"))?;
            for advisory in self.records(first, count)? {
                each(ecosystem, name, advisory)?;
            }
        }
        Ok(())
    }

    /// Reads and checks every record (what `db status` does): `Corrupt` at the first
    /// damaged one.
    pub fn verify(&self) -> Result<(), Error> {
        self.for_each_entry(|_, _, _| Ok(()))
    }

    /// Number of (ecosystem, name) keys.
    pub fn key_count(&self) -> usize {
        self.keys.len() / KEY_ENTRY_LEN
    }

    /// Every advisory for `normalized_name` in `ecosystem`, in import order.
    pub fn lookup(
        &self,
        ecosystem: Ecosystem,
        normalized_name: &str,
    ) -> Result<Vec<Advisory>, Error> {
        let wanted = (ecosystem_code(ecosystem), normalized_name.as_bytes());
        let (mut low, mut high) = (0usize, self.key_count());
        while low < high {
            let mid = low + (high - low) / 2;
            let (code, name, first, count) = self.key(mid)?;
            match (code, name).cmp(&wanted) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return self.records(first, count),
            }
        }
        Ok(Vec::new())
    }

    fn corrupt(&self, reason: &str) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            reason: reason.to_owned(),
        }
    }

    /// Key table entry `index`: (ecosystem code, name, first posting, posting count).
    fn key(&self, index: usize) -> Result<(u8, &[u8], usize, usize), Error> {
        let entry = self
            .keys
            .get(index * KEY_ENTRY_LEN..(index + 1) * KEY_ENTRY_LEN)
            .ok_or_else(|| self.corrupt("key table entry out of bounds"))?;
        let name_len = u32_at(entry, 4) as usize;
        let name_offset = usize::try_from(u64_at(entry, 8)).unwrap_or(usize::MAX);
        let name = name_offset
            .checked_add(name_len)
            .and_then(|end| self.names.get(name_offset..end))
            .ok_or_else(|| self.corrupt("key name out of bounds"))?;
        Ok((
            entry[0],
            name,
            u32_at(entry, 16) as usize,
            u32_at(entry, 20) as usize,
        ))
    }

    fn records(&self, first: usize, count: usize) -> Result<Vec<Advisory>, Error> {
        let mut file = self
            .file
            .lock()
            .map_err(|_| self.corrupt("index file handle poisoned"))?;
        let mut advisories = Vec::with_capacity(count);
        let mut buffer = Vec::new();
        for posting in first..first.saturating_add(count) {
            let entry = self
                .postings
                .get(posting * POSTING_LEN..(posting + 1) * POSTING_LEN)
                .ok_or_else(|| self.corrupt("posting out of bounds"))?;
            let (offset, len) = (u64_at(entry, 0), u64::from(u32_at(entry, 8)));
            if offset
                .checked_add(len)
                .is_none_or(|end| end > self.blob_len)
            {
                return Err(self.corrupt("record out of bounds"));
            }
            buffer.resize(len as usize, 0);
            file.seek(SeekFrom::Start(self.blob_start + offset))
                .map_err(|e| Error::io(&self.path, "reading the index", e))?;
            read_exact(&mut file, &mut buffer, &self.path)?;
            if entry[12..POSTING_LEN] != record_digest(&buffer) {
                return Err(self.corrupt(&format!(
                    "the record at {offset} does not match its checksum (damaged file)"
                )));
            }
            let advisory = serde_json::from_slice(&buffer)
                .map_err(|e| self.corrupt(&format!("unreadable record at {offset}: {e}")))?;
            advisories.push(advisory);
        }
        Ok(advisories)
    }
}

/// Reads exactly `buffer.len()` bytes. Running out of file means the index was truncated
/// (a killed write, a copy cut short): that is corruption, reported with the fix, not an
/// I/O failure.
fn read_exact(file: &mut File, buffer: &mut [u8], path: &Path) -> Result<(), Error> {
    file.read_exact(buffer).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::Corrupt {
                path: path.to_owned(),
                reason: format!(
                    "the file ends early (truncated) while reading a {}-byte block",
                    buffer.len()
                ),
            }
        } else {
            Error::io(path, "reading the index", e)
        }
    })
}

/// SHA-256 (hex) of the counts and the three tables, in file order.
fn tables_digest(counts: &[u8], keys: &[u8], names: &[u8], postings: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [counts, keys, names, postings] {
        hash.update(part);
    }
    hex(&hash.finalize())
}

/// The first bytes of a record's SHA-256, kept in its posting.
fn record_digest(bytes: &[u8]) -> [u8; RECORD_DIGEST_LEN] {
    let mut digest = [0u8; RECORD_DIGEST_LEN];
    digest.copy_from_slice(&Sha256::digest(bytes)[..RECORD_DIGEST_LEN]);
    digest
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    if let Some(slice) = bytes.get(at..at + 4) {
        word.copy_from_slice(slice);
    }
    u32::from_le_bytes(word)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    if let Some(slice) = bytes.get(at..at + 8) {
        word.copy_from_slice(slice);
    }
    u64::from_le_bytes(word)
}
