//! Import: OSV records from JSON/YAML files, directories of them, and `all.zip` exports,
//! in one streaming pass into a new index.
//!
//! Every record is parsed, digested and appended to a temporary file as soon as it is
//! read; memory holds only the index keys and the set of ids seen. Invalid records are
//! skipped with a warning naming the file and the record, and counted; an import never
//! stops half-way because of one record.
//!
//! An import that yields no valid record fails and leaves the index as it was. Unless
//! asked to replace the index, the records of the previous index whose (ecosystem,
//! source) the import did not bring are kept, so importing one ecosystem's export never
//! drops the others.

use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;
use tollgate_model::Ecosystem;

use crate::Error;
use crate::index::{Index, IndexHeader, IndexWriter, source_of};
use crate::osv::{self, Digest};

/// A record larger than this is skipped rather than read into memory.
const MAX_RECORD_BYTES: u64 = 16 << 20;
/// Directories deeper than this are not walked (a guard against pathological trees).
const MAX_DIR_DEPTH: usize = 32;
/// Warnings kept in full; the rest are only counted.
const MAX_KEPT_WARNINGS: usize = 1000;

/// A record that was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportWarning {
    /// The file (or `archive.zip!entry`) the record came from.
    pub file: String,
    /// The record id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// What was wrong.
    pub message: String,
}

impl std::fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.record {
            Some(id) => write!(f, "{}: record {id}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The header of the index written.
    pub header: IndexHeader,
    /// The first warnings (up to 1000; `header.skipped` counts them all).
    pub warnings: Vec<ImportWarning>,
    /// Records kept from the previous index (ecosystems and sources this import did not
    /// bring); 0 with `replace`.
    pub kept: u64,
}

/// What happens to the previous index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Previous {
    /// Keep its records of every (ecosystem, source) the import does not bring.
    Merge,
    /// Start over: the new index holds only what was imported.
    Replace,
}

/// Builds a new index in `dir` from `paths` (files, directories, zip archives) and what
/// `previous` keeps of the old one, replacing the old index atomically when done. A path
/// that cannot be read at all is an error, and so is an import with no valid record;
/// bad records inside are warnings.
pub fn import(dir: &Path, paths: &[PathBuf], previous: Previous) -> Result<ImportReport, Error> {
    let mut importer = Importer::new(dir)?;
    for path in paths {
        importer.add_path(path)?;
    }
    importer.finish(
        paths.iter().map(|p| p.display().to_string()).collect(),
        previous,
    )
}

pub(crate) struct Importer {
    dir: PathBuf,
    writer: IndexWriter,
    /// The (ecosystem, source) pairs the imported records bring.
    covered: BTreeSet<(Ecosystem, String)>,
    seen: HashSet<Box<str>>,
    header: IndexHeader,
    newest: Option<Timestamp>,
    warnings: Vec<ImportWarning>,
}

impl Importer {
    pub(crate) fn new(dir: &Path) -> Result<Self, Error> {
        Ok(Importer {
            dir: dir.to_owned(),
            writer: IndexWriter::new(dir)?,
            covered: BTreeSet::new(),
            seen: HashSet::new(),
            header: IndexHeader::default(),
            newest: None,
            warnings: Vec::new(),
        })
    }

    /// Imports a file, a directory (recursively) or a zip archive.
    pub(crate) fn add_path(&mut self, path: &Path) -> Result<(), Error> {
        self.add_path_at_depth(path, 0)
    }

    fn add_path_at_depth(&mut self, path: &Path, depth: usize) -> Result<(), Error> {
        let metadata =
            std::fs::metadata(path).map_err(|e| Error::io(path, "reading advisories", e))?;
        if metadata.is_dir() {
            return self.add_dir(path, depth);
        }
        match extension(path).as_deref() {
            Some("zip") => self.add_zip(path),
            _ => {
                let display = path.display().to_string();
                let file =
                    File::open(path).map_err(|e| Error::io(path, "reading advisories", e))?;
                let text = read_bounded(file, metadata.len(), &display, &mut self.warnings);
                if let Some(text) = text {
                    self.add_record(&display, &text, is_yaml(path))?;
                } else {
                    self.header.skipped += 1;
                }
                Ok(())
            }
        }
    }

    fn add_dir(&mut self, dir: &Path, depth: usize) -> Result<(), Error> {
        if depth >= MAX_DIR_DEPTH {
            self.warn(
                dir.display().to_string(),
                None,
                "directory nested too deep; not read".to_owned(),
            );
            return Ok(());
        }
        let entries =
            std::fs::read_dir(dir).map_err(|e| Error::io(dir, "listing advisories", e))?;
        let mut children: Vec<(PathBuf, bool)> = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, "listing advisories", e))?;
            // Symbolic links are not followed, so a link cycle cannot loop the walk.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            children.push((entry.path(), kind.is_dir()));
        }
        children.sort();
        for (child, is_dir) in children {
            let wanted = is_dir
                || matches!(
                    extension(&child).as_deref(),
                    Some("json" | "yaml" | "yml" | "zip")
                );
            if wanted {
                self.add_path_at_depth(&child, depth + 1)?;
            }
        }
        Ok(())
    }

    fn add_zip(&mut self, path: &Path) -> Result<(), Error> {
        let file = File::open(path).map_err(|e| Error::io(path, "reading advisories", e))?;
        let mut archive =
            zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| Error::Zip {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        for index in 0..archive.len() {
            let display = format!("{}!entry {index}", path.display());
            let mut entry = match archive.by_index(index) {
                Ok(entry) => entry,
                Err(e) => {
                    self.skip(display, None, format!("unreadable zip entry: {e}"));
                    continue;
                }
            };
            let name = entry.name_raw().to_vec();
            let name = String::from_utf8_lossy(&name).into_owned();
            let entry_path = Path::new(&name);
            let wanted = matches!(
                extension(entry_path).as_deref(),
                Some("json" | "yaml" | "yml")
            );
            if entry.is_dir() || !wanted {
                continue;
            }
            let display = format!("{}!{name}", path.display());
            let size = entry.size();
            let text = read_bounded(&mut entry, size, &display, &mut self.warnings);
            match text {
                Some(text) => self.add_record(&display, &text, is_yaml(entry_path))?,
                None => self.header.skipped += 1,
            }
        }
        Ok(())
    }

    fn add_record(&mut self, origin: &str, text: &[u8], yaml: bool) -> Result<(), Error> {
        let parsed = if yaml {
            osv::parse_yaml(text)
        } else {
            osv::parse_json(text)
        };
        let digest = match parsed {
            Ok(digest) => digest,
            Err(message) => {
                let id = record_id_hint(text);
                self.skip(origin.to_owned(), id, message);
                return Ok(());
            }
        };
        if digest.withdrawn {
            self.header.withdrawn += 1;
            return Ok(());
        }
        if !self.seen.insert(digest.id.as_str().into()) {
            self.header.duplicates += 1;
            self.warn(
                origin.to_owned(),
                Some(digest.id),
                "duplicate id; the first record read is kept".to_owned(),
            );
            return Ok(());
        }
        self.count(&digest);
        for (ecosystem, name, advisory) in &digest.packages {
            self.writer.add(*ecosystem, name, advisory)?;
        }
        Ok(())
    }

    fn count(&mut self, digest: &Digest) {
        self.header.records += 1;
        let source = source_of(&digest.id).to_owned();
        let modified = digest
            .modified
            .as_deref()
            .and_then(|m| m.parse::<Timestamp>().ok());
        let ecosystems: BTreeSet<Ecosystem> = digest.packages.iter().map(|(e, _, _)| *e).collect();
        for ecosystem in ecosystems {
            self.header
                .ecosystems
                .entry(ecosystem.as_str().to_owned())
                .or_default()
                .count(&source, modified);
            self.covered.insert((ecosystem, source.clone()));
        }
        self.note_modified(modified);
    }

    fn note_modified(&mut self, modified: Option<Timestamp>) {
        if let Some(modified) = modified {
            if self.newest.is_none_or(|newest| modified > newest) {
                self.newest = Some(modified);
            }
        }
    }

    /// Copies the previous index's records of every (ecosystem, source) the import did
    /// not bring. Returns how many records were kept.
    fn keep_previous(&mut self) -> Result<u64, Error> {
        let old = match Index::open(&self.dir) {
            Ok(old) => old,
            Err(Error::Missing { .. }) => return Ok(0),
            Err(error) => {
                return Err(Error::PreviousUnusable {
                    path: self.dir.join(crate::INDEX_FILE),
                    reason: error.to_string(),
                });
            }
        };
        let mut kept_ids: HashSet<(Ecosystem, String)> = HashSet::new();
        let mut kept = 0;
        let covered = std::mem::take(&mut self.covered);
        old.for_each_entry(|ecosystem, name, advisory| {
            let source = source_of(&advisory.id);
            if covered.contains(&(ecosystem, source.to_owned())) {
                return Ok(());
            }
            self.writer.add(ecosystem, name, &advisory)?;
            if kept_ids.insert((ecosystem, advisory.id.clone())) {
                let modified = advisory
                    .modified
                    .as_deref()
                    .and_then(|m| m.parse::<Timestamp>().ok());
                self.header
                    .ecosystems
                    .entry(ecosystem.as_str().to_owned())
                    .or_default()
                    .count(source, modified);
                self.note_modified(modified);
                if self.seen.insert(advisory.id.as_str().into()) {
                    self.header.records += 1;
                    kept += 1;
                }
            }
            Ok(())
        })?;
        self.covered = covered;
        let mut sources = old.header().sources.clone();
        sources.retain(|s| !self.header.sources.contains(s));
        sources.append(&mut self.header.sources);
        self.header.sources = sources;
        Ok(kept)
    }

    fn skip(&mut self, file: String, record: Option<String>, message: String) {
        self.header.skipped += 1;
        self.warn(file, record, message);
    }

    fn warn(&mut self, file: String, record: Option<String>, message: String) {
        if self.warnings.len() < MAX_KEPT_WARNINGS {
            self.warnings.push(ImportWarning {
                file,
                record,
                message,
            });
        }
    }

    pub(crate) fn finish(
        mut self,
        sources: Vec<String>,
        previous: Previous,
    ) -> Result<ImportReport, Error> {
        if self.header.records == 0 {
            return Err(Error::NothingImported {
                sources: sources.join(", "),
                skipped: self.header.skipped,
            });
        }
        self.header.sources = sources;
        let kept = match previous {
            Previous::Merge => self.keep_previous()?,
            Previous::Replace => 0,
        };
        self.header.created = Timestamp::now().to_string();
        self.header.newest_modified = self.newest.map(|t| t.to_string());
        let header = self.writer.finish(self.header)?;
        Ok(ImportReport {
            header,
            warnings: self.warnings,
            kept,
        })
    }
}

/// Reads a record of (claimed) `size` bytes, refusing oversized ones with a warning.
fn read_bounded(
    reader: impl Read,
    size: u64,
    display: &str,
    warnings: &mut Vec<ImportWarning>,
) -> Option<Vec<u8>> {
    let mut refuse = |message: String| {
        if warnings.len() < MAX_KEPT_WARNINGS {
            warnings.push(ImportWarning {
                file: display.to_owned(),
                record: None,
                message,
            });
        }
        None
    };
    if size > MAX_RECORD_BYTES {
        return refuse(format!(
            "{size} bytes is over the {MAX_RECORD_BYTES}-byte record limit"
        ));
    }
    let mut text = Vec::with_capacity(size as usize);
    match reader.take(MAX_RECORD_BYTES + 1).read_to_end(&mut text) {
        Ok(_) if text.len() as u64 > MAX_RECORD_BYTES => {
            refuse(format!("over the {MAX_RECORD_BYTES}-byte record limit"))
        }
        Ok(_) => Some(text),
        Err(e) => refuse(format!("could not be read: {e}")),
    }
}

/// The record's id if the text is at least a JSON object with one (for warnings).
fn record_id_hint(text: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: String,
    }
    serde_json::from_slice::<IdOnly>(text)
        .ok()
        .or_else(|| serde_yaml_ng::from_slice::<IdOnly>(text).ok())
        .map(|r| r.id)
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

fn is_yaml(path: &Path) -> bool {
    matches!(extension(path).as_deref(), Some("yaml" | "yml"))
}
