//! Yarn's `yarn.lock`: classic (v1, Yarn's own syntax) and Berry (v2+, YAML with a
//! `__metadata` block, versions 4 to 10).
//!
//! Each entry is keyed by the descriptors (`name@range`, comma-separated) it satisfies.
//! Classic writes `version "1.0.0"`, `resolved "<tarball>#<sha1>"` and `integrity`;
//! Berry writes `version`, `resolution: "name@npm:1.0.0"` and a `checksum` of its cache
//! zip. Berry resolutions use protocols: `npm:` (registry; an `npm:` descriptor under
//! another name is an alias), `patch:` (the patched package is the inner one at its
//! version), `link:` / `portal:` / `file:` (local folders, path sources), `workspace:`
//! (the project's own workspaces, which are not packages) and git URLs with
//! `#commit=<sha>`.

use std::borrow::Cow;
use std::collections::HashMap;

use tollgate_model::{DependencyEdge, Ecosystem, Lockfile, LockfileFormat, Package, Source};

use super::hashes::{push_unique, sha1_hex, sri_hashes, yarn_berry_checksum};
use super::package_lock::split_name_version;
use super::source::{self, classify, local_path};
use super::warning;
use super::yaml::{Node, parse_documents};
use crate::Error;

const SUPPORTED: &str = "Yarn Berry __metadata.version 4 to 10 (and Yarn classic v1)";

/// Parses a `yarn.lock`, classic or Berry (told apart by the `__metadata` block).
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    let is_berry = text.lines().any(|line| line.starts_with("__metadata:"));
    if is_berry {
        parse_berry(path, text)
    } else {
        parse_classic(path, text)
    }
}

// ---------------------------------------------------------------------------------------
// Classic

/// One classic entry while it is read.
#[derive(Default)]
struct ClassicEntry<'a> {
    descriptors: Vec<Cow<'a, str>>,
    line: u32,
    fields: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    dependencies: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

fn parse_classic(path: &str, text: &str) -> Result<Lockfile, Error> {
    let mut lockfile = Lockfile::new(path, LockfileFormat::YarnClassic);
    lockfile.format_version = Some("1".to_owned());
    let entries = classic_entries(path, text)?;
    for entry in &entries {
        match classic_package(&mut lockfile, entry) {
            Some(package) => lockfile.packages.push(package),
            None => {
                let message = format!(
                    "skipped entry `{}`: no `version` field",
                    entry.descriptors.join(", ")
                );
                lockfile
                    .warnings
                    .push(warning(path, Some(entry.line), message));
            }
        }
    }
    Ok(lockfile)
}

/// A `key:` section of a classic entry (`dependencies:`, `optionalDependencies:`, …).
#[derive(Clone, Copy)]
struct Section {
    /// The indent of its lines, once the first one is seen.
    indent: Option<usize>,
    /// Whether its lines are dependency edges (other sections are skipped).
    is_dependencies: bool,
}

/// Tokenizes the classic syntax: unindented `descriptor, descriptor:` headers, fields
/// `key value` indented once, and `dependencies:` sections whose `name range` lines are
/// indented twice.
fn classic_entries<'a>(path: &str, text: &'a str) -> Result<Vec<ClassicEntry<'a>>, Error> {
    let mut entries: Vec<ClassicEntry<'a>> = Vec::new();
    // The indent of field lines and the section being filled, set by the lines above.
    let mut field_indent: Option<usize> = None;
    let mut section: Option<Section> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let content = raw.trim_start_matches(' ');
        let content = content.trim_end();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let fail = |message: String| {
            Error::syntax(
                path,
                Some(number),
                Some(u32::try_from(indent + 1).unwrap_or(u32::MAX)),
                message,
            )
        };
        if indent == 0 {
            let header = content.strip_suffix(':').ok_or_else(|| {
                fail("expected `descriptor[, descriptor]:` starting an entry".to_owned())
            })?;
            let descriptors = split_descriptors(header).map_err(|m| fail(m.to_owned()))?;
            entries.push(ClassicEntry {
                descriptors,
                line: number,
                ..ClassicEntry::default()
            });
            field_indent = None;
            section = None;
            continue;
        }
        let entry = entries
            .last_mut()
            .ok_or_else(|| fail("indented line before the first entry".to_owned()))?;
        let (key, value) = split_field(content).map_err(|m| fail(m.to_owned()))?;
        let expected = *field_indent.get_or_insert(indent);
        if let Some(open) = section.take() {
            // The first line deeper than the fields fixes the section's indent.
            let section_indent = open.indent.or((indent > expected).then_some(indent));
            match section_indent {
                Some(at) if indent == at => {
                    if open.is_dependencies {
                        entry.dependencies.push((key, value.unwrap_or_default()));
                    }
                    section = Some(Section {
                        indent: section_indent,
                        ..open
                    });
                    continue;
                }
                Some(at) if indent > at => {
                    return Err(fail(format!(
                        "unexpected indentation (expected column {})",
                        at + 1
                    )));
                }
                _ => {}
            }
        }
        if indent != expected {
            return Err(fail(format!(
                "unexpected indentation (expected column {})",
                expected + 1
            )));
        }
        match value {
            Some(value) => entry.fields.push((key, value)),
            None => {
                section = Some(Section {
                    indent: None,
                    is_dependencies: matches!(
                        key.as_ref(),
                        "dependencies" | "optionalDependencies"
                    ),
                });
            }
        }
    }
    Ok(entries)
}

/// `"a@^1", a@^2` as descriptors.
fn split_descriptors(header: &str) -> Result<Vec<Cow<'_, str>>, &'static str> {
    let mut descriptors = Vec::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        let (token, after) = classic_token(rest)?;
        descriptors.push(token);
        rest = after.trim_start();
        if let Some(after_comma) = rest.strip_prefix(',') {
            rest = after_comma.trim_start();
        } else if !rest.is_empty() {
            return Err("expected `,` between descriptors");
        }
    }
    if descriptors.is_empty() {
        return Err("expected at least one descriptor before `:`");
    }
    Ok(descriptors)
}

/// A field line: `key value`, `key "value"`, or `key:` opening a section (`None` value).
fn split_field(content: &str) -> Result<(Cow<'_, str>, Option<Cow<'_, str>>), &'static str> {
    let (key, rest) = classic_token(content)?;
    let rest = rest.trim_start();
    if rest == ":" || (rest.is_empty() && key.ends_with(':')) {
        let key = match key {
            Cow::Borrowed(k) => Cow::Borrowed(k.strip_suffix(':').unwrap_or(k)),
            Cow::Owned(k) => Cow::Owned(k.trim_end_matches(':').to_owned()),
        };
        return Ok((key, None));
    }
    if rest.is_empty() {
        return Err("expected a value after the key");
    }
    let (value, after) = classic_token(rest)?;
    if !after.trim().is_empty() {
        return Err("unexpected text after the value");
    }
    Ok((key, Some(value)))
}

/// One token: a double-quoted string (JSON escapes) or a bare word up to whitespace or `,`.
fn classic_token(text: &str) -> Result<(Cow<'_, str>, &str), &'static str> {
    if let Some(body) = text.strip_prefix('"') {
        let mut escaped = false;
        for (at, c) in body.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let raw = &body[..at];
                    let value = if raw.contains('\\') {
                        Cow::Owned(unescape(raw))
                    } else {
                        Cow::Borrowed(raw)
                    };
                    return Ok((value, &body[at + 1..]));
                }
                _ => escaped = false,
            }
        }
        return Err("unterminated string");
    }
    let end = text
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(text.len());
    if end == 0 {
        return Err("expected a key or value");
    }
    Ok((Cow::Borrowed(&text[..end]), &text[end..]))
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn classic_package(lockfile: &mut Lockfile, entry: &ClassicEntry<'_>) -> Option<Package> {
    let field = |name: &str| {
        entry
            .fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_ref())
    };
    let version = field("version")?;
    let descriptor = entry.descriptors.first()?;
    let (install_name, range) = split_name_version(descriptor);
    // `alias@npm:real@range` installs `real` under `alias`; `name@npm:range` is no alias.
    let (name, alias) = match range.strip_prefix("npm:").map(split_name_version) {
        Some((real, real_range)) if !real_range.is_empty() => (real, Some(install_name)),
        _ => (install_name, None),
    };
    let mut package = Package::new(Ecosystem::Npm, name, version);
    package.line = Some(entry.line);
    package.alias = alias.map(str::to_owned);
    if let Some(integrity) = field("integrity") {
        let (hashes, invalid) = sri_hashes(integrity);
        package.hashes = hashes;
        for token in invalid {
            let message =
                format!("{name}: ignored integrity `{token}` (expected `<algorithm>-<base64>`)");
            lockfile
                .warnings
                .push(warning(&lockfile.path, package.line, message));
        }
    }
    match field("resolved") {
        Some(resolved) => {
            let classified = classify(name, resolved);
            let fragment_hash = match &classified.source {
                Source::Git { .. } => None,
                _ => resolved
                    .split_once('#')
                    .and_then(|(_, fragment)| sha1_hex(fragment)),
            };
            if let Some(hash) = fragment_hash {
                push_unique(&mut package.hashes, hash);
            }
            package.source = classified.source;
            if let Some(url) = classified.tarball {
                package
                    .artifacts
                    .push(source::tarball(url, &package.hashes));
            }
        }
        None => {
            if let Some((kind, path)) = local_path(range) {
                package.source = Source::Path {
                    path: path.to_owned(),
                    local_kind: kind.to_owned(),
                };
            }
        }
    }
    package.dependencies = entry
        .dependencies
        .iter()
        .map(|(name, range)| DependencyEdge {
            name: name.to_string(),
            version: Some(range.to_string()),
        })
        .collect();
    Some(package)
}

// ---------------------------------------------------------------------------------------
// Berry

fn parse_berry(path: &str, text: &str) -> Result<Lockfile, Error> {
    let mut lockfile = Lockfile::new(path, LockfileFormat::YarnBerry);
    let documents = parse_documents(path, text)?;
    let empty = Node::Map(Vec::new());
    let document = documents.first().unwrap_or(&empty);
    let metadata = document.entries().iter().find(|e| e.key == "__metadata");
    let version = metadata
        .and_then(|m| m.value.get("version"))
        .and_then(Node::as_str)
        .unwrap_or("(missing)");
    if !matches!(version.parse::<u32>(), Ok(4..=10)) {
        return Err(Error::UnsupportedVersion {
            path: path.to_owned(),
            line: metadata.map(|m| m.line),
            what: "__metadata.version",
            found: version.to_owned(),
            supported: SUPPORTED,
        });
    }
    lockfile.format_version = Some(version.to_owned());

    let entries: Vec<_> = document
        .entries()
        .iter()
        .filter(|e| e.key != "__metadata")
        .collect();
    // Every descriptor names the entry it resolves to, for edges and direct dependencies.
    let mut by_descriptor: HashMap<&str, usize> = HashMap::new();
    for (index, entry) in entries.iter().enumerate() {
        for descriptor in entry.key.split(',') {
            by_descriptor.insert(descriptor.trim(), index);
        }
    }
    let versions: Vec<Option<&str>> = entries
        .iter()
        .map(|e| e.value.get("version").and_then(Node::as_str))
        .collect();
    let mut direct = vec![false; entries.len()];
    let mut has_workspace = false;
    for entry in &entries {
        let resolution = entry
            .value
            .get("resolution")
            .and_then(Node::as_str)
            .unwrap_or_default();
        if split_name_version(resolution).1.starts_with("workspace:") {
            has_workspace = true;
            for dep in dependency_entries(&entry.value) {
                if let Some(&target) = by_descriptor.get(descriptor_of(&dep.0, dep.1).as_str()) {
                    direct[target] = true;
                }
            }
        }
    }

    for (index, entry) in entries.iter().enumerate() {
        let body = &entry.value;
        let Some(resolution) = body.get("resolution").and_then(Node::as_str) else {
            let message = format!("skipped entry `{}`: no `resolution` field", entry.key);
            lockfile
                .warnings
                .push(warning(path, Some(entry.line), message));
            continue;
        };
        let (name, reference) = split_name_version(resolution);
        if reference.starts_with("workspace:") {
            // Workspaces are the project itself, not dependencies (as in every npm-family
            // parser here); reporting them would also match registry advisories against
            // local code that merely shares a name.
            continue;
        }
        let version = berry_version(versions.get(index).copied().flatten(), reference);
        let mut package = Package::new(Ecosystem::Npm, name, version);
        package.line = Some(entry.line);
        package.source = berry_source(name, reference);
        if let Source::Url { url } = &package.source {
            package.artifacts.push(source::tarball(url.clone(), &[]));
        }
        let install_name =
            split_name_version(entry.key.split(',').next().unwrap_or_default().trim()).0;
        if install_name != name && !install_name.is_empty() {
            package.alias = Some(install_name.to_owned());
        }
        if let Some(hash) = body
            .get("checksum")
            .and_then(Node::as_str)
            .and_then(yarn_berry_checksum)
        {
            package.hashes.push(hash);
        }
        package.direct = has_workspace.then(|| direct.get(index).copied().unwrap_or(false));
        package.dependencies = dependency_entries(body)
            .map(|(dep, range)| {
                let resolved = by_descriptor
                    .get(descriptor_of(&dep, range).as_str())
                    .and_then(|&target| versions.get(target).copied().flatten());
                DependencyEdge {
                    name: dep.to_string(),
                    version: Some(resolved.unwrap_or(range).to_owned()),
                }
            })
            .collect();
        lockfile.packages.push(package);
    }
    Ok(lockfile)
}

/// The `(name, range)` pairs of an entry's `dependencies`.
fn dependency_entries<'n, 'a>(
    body: &'n Node<'a>,
) -> impl Iterator<Item = (Cow<'a, str>, &'n str)> + 'n {
    body.get("dependencies")
        .map_or(&[][..], Node::entries)
        .iter()
        .map(|dep| (dep.key.clone(), dep.value.as_str().unwrap_or_default()))
}

/// The lockfile key spelling of a dependency: `name@range`, with Berry's default `npm:`
/// protocol added to bare semver ranges as Yarn does when it writes keys.
fn descriptor_of(name: &str, range: &str) -> String {
    let has_protocol = range.contains(':');
    if has_protocol {
        format!("{name}@{range}")
    } else {
        format!("{name}@npm:{range}")
    }
}

/// The version of a Berry entry: the `version` field, else the resolution's.
fn berry_version<'a>(field: Option<&'a str>, reference: &'a str) -> &'a str {
    field.unwrap_or_else(|| reference.strip_prefix("npm:").unwrap_or(""))
}

/// The source a Berry resolution reference (`npm:1.0.0`, `patch:…`, …) denotes.
fn berry_source(name: &str, reference: &str) -> Source {
    if let Some(patched) = reference.strip_prefix("patch:") {
        // `patch:name@npm%3A1.0.0#<patch file>::…`: the source is the inner descriptor's.
        let inner = patched.split('#').next().unwrap_or_default();
        let inner = percent_decode(inner);
        let (_, inner_reference) = split_name_version(&inner);
        return berry_source(name, inner_reference);
    }
    if reference.starts_with("npm:") {
        return Source::Registry { url: None };
    }
    // `::locator=…` and `#…` suffixes are Yarn bookkeeping, not part of the path/URL.
    let without_locator = reference.split("::").next().unwrap_or(reference);
    if let Some((kind, path)) = local_path(without_locator) {
        let path = path.split('#').next().unwrap_or(path);
        return Source::Path {
            path: path.to_owned(),
            local_kind: kind.to_owned(),
        };
    }
    if let Some((url, fragment)) = without_locator.split_once('#') {
        let commit = fragment.split('&').find_map(|part| {
            part.strip_prefix("commit=")
                .or_else(|| part.strip_prefix("commit:"))
        });
        if commit.is_some() || source::is_git(without_locator) {
            let mut source = source::git_source(url);
            if let Source::Git { commit: slot, .. } = &mut source {
                *slot = commit.map(str::to_owned);
            }
            return source;
        }
    }
    if source::is_git(without_locator) {
        return source::git_source(without_locator);
    }
    classify(name, without_locator).source
}

/// `%XX` sequences decoded (Yarn escapes `:` and `@` inside `patch:` descriptors).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berry_sources() {
        assert_eq!(
            berry_source(
                "resolve",
                "patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d"
            ),
            Source::Registry { url: None }
        );
        assert_eq!(
            berry_source("x", "https://github.com/o/x.git#commit=0123"),
            Source::Git {
                url: "https://github.com/o/x.git".into(),
                reference: None,
                commit: Some("0123".into())
            }
        );
        assert_eq!(
            berry_source(
                "p",
                "file:../deps/p#../deps/p::hash=351be1&locator=a%40workspace%3A."
            ),
            Source::Path {
                path: "../deps/p".into(),
                local_kind: "file".into()
            }
        );
    }

    #[test]
    fn classic_tokens() {
        assert_eq!(
            split_descriptors(r#""@a/b@^1", c@2"#).unwrap(),
            vec![Cow::Borrowed("@a/b@^1"), Cow::Borrowed("c@2")]
        );
        assert_eq!(
            split_field(r#""version" "1.0.0""#).unwrap(),
            (Cow::Borrowed("version"), Some(Cow::Borrowed("1.0.0")))
        );
        assert_eq!(
            split_field("dependencies:").unwrap(),
            (Cow::Borrowed("dependencies"), None)
        );
        assert!(split_field(r#"version "1"#).is_err());
    }
}
