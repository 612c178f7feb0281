//! Hostile archives, built in code, each refused with the error that names its problem;
//! and well-formed ones, read back exactly.

use std::io::{Cursor, Write};

use flate2::Compression;
use flate2::write::GzEncoder;
use tar::{EntryType, Header};
use tollgate_archive::{
    ArchiveError, ArchiveKind, Limits, LinkKind, read_archive, read_archive_contents,
};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// One tar entry to build; the name is written raw, so hostile names get through.
struct TarEntry<'a> {
    name: &'a [u8],
    kind: EntryType,
    data: &'a [u8],
    link: Option<&'a str>,
}

fn file<'a>(name: &'a str, data: &'a [u8]) -> TarEntry<'a> {
    TarEntry {
        name: name.as_bytes(),
        kind: EntryType::Regular,
        data,
        link: None,
    }
}

fn link<'a>(name: &'a str, kind: EntryType, target: &'a str) -> TarEntry<'a> {
    TarEntry {
        name: name.as_bytes(),
        kind,
        data: b"",
        link: Some(target),
    }
}

fn special<'a>(name: &'a str, kind: EntryType) -> TarEntry<'a> {
    TarEntry {
        name: name.as_bytes(),
        kind,
        data: b"",
        link: None,
    }
}

fn tar_gz(entries: &[TarEntry<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for entry in entries {
        let mut header = Header::new_gnu();
        // Bypass `set_path`, which refuses `..` and absolute paths: attackers do not use it.
        let name_field = &mut header.as_old_mut().name;
        name_field[..entry.name.len()].copy_from_slice(entry.name);
        header.set_entry_type(entry.kind);
        header.set_size(entry.data.len() as u64);
        header.set_mode(0o644);
        if let Some(target) = entry.link {
            let linkname = &mut header.as_old_mut().linkname;
            linkname[..target.len()].copy_from_slice(target.as_bytes());
        }
        header.set_cksum();
        builder.append(&header, entry.data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn read_tar(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ArchiveError> {
    read_with(bytes, ArchiveKind::TarGz, &Limits::default())
}

fn read_with(
    bytes: &[u8],
    kind: ArchiveKind,
    limits: &Limits,
) -> Result<Vec<(String, Vec<u8>)>, ArchiveError> {
    Ok(read_archive(bytes, kind, limits)?
        .into_iter()
        .map(|e| (e.path, e.contents))
        .collect())
}

#[test]
fn reads_an_npm_style_tarball() {
    let bytes = tar_gz(&[
        special("package/", EntryType::Directory),
        file("package/package.json", br#"{"name":"x"}"#),
        file("./package/lib//index.js", b"module.exports = 1;\n"),
    ]);
    let entries = read_tar(&bytes).unwrap();
    assert_eq!(
        entries,
        [
            (
                "package/package.json".to_owned(),
                br#"{"name":"x"}"#.to_vec()
            ),
            (
                "package/lib/index.js".to_owned(),
                b"module.exports = 1;\n".to_vec()
            ),
        ]
    );
}

#[test]
fn a_later_duplicate_replaces_the_earlier_entry() {
    let bytes = tar_gz(&[file("p/a", b"benign"), file("p/a", b"payload")]);
    assert_eq!(
        read_tar(&bytes).unwrap(),
        [("p/a".into(), b"payload".to_vec())]
    );
}

#[test]
fn refuses_truncated_tar_gz() {
    let bytes = tar_gz(&[file("package/index.js", &[b'x'; 4000])]);
    for cut in [10, bytes.len() / 2, bytes.len() - 4] {
        let err = read_tar(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(err, ArchiveError::Corrupt { .. }),
            "cut {cut}: {err}"
        );
    }
}

#[test]
fn refuses_a_tar_gz_with_a_flipped_byte() {
    let data: Vec<u8> = (0..20_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let mut bytes = tar_gz(&[file("package/data.bin", &data)]);
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    let err = read_tar(&bytes).unwrap_err();
    assert!(matches!(err, ArchiveError::Corrupt { .. }), "{err}");
}

#[test]
fn refuses_garbage() {
    let err = read_tar(b"this is not gzip").unwrap_err();
    assert!(matches!(err, ArchiveError::Corrupt { .. }), "{err}");
    let err = read_with(b"PK nope", ArchiveKind::Zip, &Limits::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::Corrupt { .. }), "{err}");
}

#[test]
fn refuses_tar_path_traversal_and_absolute_paths() {
    let err = read_tar(&tar_gz(&[file("package/../../.bashrc", b"x")])).unwrap_err();
    assert!(
        matches!(err, ArchiveError::PathTraversal { ref entry } if entry == "package/../../.bashrc")
    );
    assert!(err.to_string().contains("package/../../.bashrc"));

    let err = read_tar(&tar_gz(&[file("/etc/cron.d/x", b"x")])).unwrap_err();
    assert!(matches!(err, ArchiveError::AbsolutePath { .. }), "{err}");
}

#[test]
fn refuses_non_utf8_tar_paths() {
    let bytes = tar_gz(&[TarEntry {
        name: b"package/\xff.js",
        kind: EntryType::Regular,
        data: b"",
        link: None,
    }]);
    let err = read_tar(&bytes).unwrap_err();
    assert!(matches!(err, ArchiveError::InvalidPath { .. }), "{err}");
}

#[test]
fn refuses_links_that_leave_the_root() {
    for (kind, target) in [
        (EntryType::Symlink, "../../.ssh/id_rsa"),
        (EntryType::Symlink, "/home/user/.npmrc"),
        (EntryType::Link, "../outside"),
    ] {
        let err = read_tar(&tar_gz(&[link("package/x", kind, target)])).unwrap_err();
        assert!(
            matches!(err, ArchiveError::LinkOutside { target: ref t, .. } if t == target),
            "{target}: {err}"
        );
    }
}

#[test]
fn records_and_skips_links_that_stay_inside() {
    let bytes = tar_gz(&[
        file("package/lib/cli.js", b"cli"),
        link("package/bin/cli", EntryType::Symlink, "../lib/cli.js"),
        link("package/copy.js", EntryType::Link, "package/lib/cli.js"),
    ]);
    let contents = read_archive_contents(&bytes, ArchiveKind::TarGz, &Limits::default()).unwrap();
    assert_eq!(contents.entries.len(), 1);
    let links: Vec<_> = contents
        .links
        .iter()
        .map(|l| (l.path.as_str(), l.target.as_str(), l.kind))
        .collect();
    assert_eq!(
        links,
        [
            ("package/bin/cli", "package/lib/cli.js", LinkKind::Symbolic),
            ("package/copy.js", "package/lib/cli.js", LinkKind::Hard),
        ]
    );
}

#[test]
fn refuses_device_files_and_fifos() {
    for (kind, name) in [
        (EntryType::Char, "character device"),
        (EntryType::Block, "block device"),
        (EntryType::Fifo, "FIFO"),
    ] {
        let err = read_tar(&tar_gz(&[special("package/dev", kind)])).unwrap_err();
        assert!(
            matches!(err, ArchiveError::SpecialFile { file_type, .. } if file_type == name),
            "{err}"
        );
    }
}

#[test]
fn stops_a_tar_gz_bomb_by_ratio_while_streaming() {
    // 4 MiB of zeros compress to ~4 KiB: a ratio near 1000, past the 1 MiB grace.
    let zeros = vec![0u8; 4 << 20];
    let bytes = tar_gz(&[file("package/bomb", &zeros)]);
    let err = read_tar(&bytes).unwrap_err();
    assert!(matches!(err, ArchiveError::RatioExceeded { .. }), "{err}");
    assert!(err.to_string().contains("package/bomb"), "{err}");
}

#[test]
fn stops_at_the_total_limit_across_files() {
    let limits = Limits {
        max_total_bytes: 64 * 1024,
        max_ratio: u64::MAX,
        ..Limits::default()
    };
    let chunk = vec![7u8; 20 * 1024];
    let bytes = tar_gz(&[
        file("p/a", &chunk),
        file("p/b", &chunk),
        file("p/c", &chunk),
        file("p/d", &chunk),
    ]);
    let err = read_with(&bytes, ArchiveKind::TarGz, &limits).unwrap_err();
    assert!(matches!(err, ArchiveError::TotalTooLarge { .. }), "{err}");
}

#[test]
fn refuses_a_file_over_the_per_file_limit() {
    let limits = Limits {
        max_file_bytes: 1000,
        ..Limits::default()
    };
    let bytes = tar_gz(&[file("p/small", &[1; 1000]), file("p/big", &[1; 1001])]);
    let err = read_with(&bytes, ArchiveKind::TarGz, &limits).unwrap_err();
    assert!(matches!(err, ArchiveError::FileTooLarge { ref entry, .. } if entry == "p/big"));

    let zip = zip_of(&[("p/big", &[1; 1001])]);
    let err = read_with(&zip, ArchiveKind::Zip, &limits).unwrap_err();
    assert!(matches!(err, ArchiveError::FileTooLarge { .. }), "{err}");
}

#[test]
fn refuses_too_many_entries() {
    let limits = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let names = ["p/1", "p/2", "p/3", "p/4"];
    let tar_entries: Vec<_> = names.iter().map(|n| file(n, b"x")).collect();
    let err = read_with(&tar_gz(&tar_entries), ArchiveKind::TarGz, &limits).unwrap_err();
    assert!(
        matches!(err, ArchiveError::TooManyEntries { limit: 3 }),
        "{err}"
    );

    let zip_entries: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, &b"x"[..])).collect();
    let err = read_with(&zip_of(&zip_entries), ArchiveKind::Zip, &limits).unwrap_err();
    assert!(
        matches!(err, ArchiveError::TooManyEntries { limit: 3 }),
        "{err}"
    );
    // Exactly at the limit is fine.
    assert_eq!(
        read_with(&zip_of(&zip_entries[..3]), ArchiveKind::Zip, &limits)
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn reads_a_wheel() {
    let bytes = zip_of(&[
        ("pkg/__init__.py", b"VERSION = 1\n"),
        ("pkg-1.0.dist-info/METADATA", b"Name: pkg\n"),
    ]);
    let entries = read_with(&bytes, ArchiveKind::Zip, &Limits::default()).unwrap();
    assert_eq!(
        entries[0],
        ("pkg/__init__.py".into(), b"VERSION = 1\n".to_vec())
    );
    assert_eq!(entries[1].0, "pkg-1.0.dist-info/METADATA");
}

#[test]
fn refuses_zip_traversal_and_absolute_paths() {
    for (name, absolute) in [
        ("../../etc/profile.d/x.sh", false),
        ("pkg\\..\\..\\x", false),
        ("/usr/lib/python3/site.py", true),
        ("C:\\Windows\\x.dll", true),
    ] {
        let err = read_with(
            &zip_of(&[(name, b"x")]),
            ArchiveKind::Zip,
            &Limits::default(),
        )
        .unwrap_err();
        if absolute {
            assert!(
                matches!(err, ArchiveError::AbsolutePath { .. }),
                "{name}: {err}"
            );
        } else {
            assert!(
                matches!(err, ArchiveError::PathTraversal { .. }),
                "{name}: {err}"
            );
        }
    }
}

#[test]
fn zip_symlinks_outside_are_refused_and_inside_recorded() {
    let build = |target: &str| {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        zip.add_symlink("pkg/link", target, SimpleFileOptions::default())
            .unwrap();
        zip.finish().unwrap().into_inner()
    };
    let err = read_with(
        &build("../../.aws/credentials"),
        ArchiveKind::Zip,
        &Limits::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ArchiveError::LinkOutside { .. }), "{err}");

    let contents =
        read_archive_contents(&build("data/x"), ArchiveKind::Zip, &Limits::default()).unwrap();
    assert!(contents.entries.is_empty());
    assert_eq!(contents.links[0].target, "pkg/data/x");
}

#[test]
fn refuses_zip_device_entries() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().external_attributes(0o020_644 << 16);
    zip.start_file("pkg/tty", options).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let err = read_with(&bytes, ArchiveKind::Zip, &Limits::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::SpecialFile { .. }), "{err}");
}

#[test]
fn stops_a_zip_bomb_while_streaming() {
    let zeros = vec![0u8; 4 << 20];
    let bytes = zip_of(&[("pkg/bomb.bin", &zeros)]);
    let err = read_with(&bytes, ArchiveKind::Zip, &Limits::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::RatioExceeded { .. }), "{err}");
}

#[test]
fn refuses_truncated_and_corrupt_zips() {
    let data: Vec<u8> = (0..5_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let bytes = zip_of(&[("pkg/a.py", &data)]);
    let err = read_with(
        &bytes[..bytes.len() - 30],
        ArchiveKind::Zip,
        &Limits::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ArchiveError::Corrupt { .. }), "{err}");

    let mut flipped = bytes.clone();
    flipped[100] ^= 0x55; // inside the deflated data of the only entry
    let err = read_with(&flipped, ArchiveKind::Zip, &Limits::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::Corrupt { .. }), "{err}");
}
