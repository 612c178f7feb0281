//! Validation of the raw file: turns the `Raw*` structs (with their spans) into the
//! [`Config`] the checks use, collecting every problem with its line and column.

use std::ops::Range;

use toml::Spanned;

use super::*;
use crate::error::{ConfigError, ConfigErrors, LineIndex, closest};

/// Collects the problems of one file while building its [`Config`].
pub(super) struct Validator<'a> {
    path: &'a str,
    text: &'a str,
    lines: LineIndex,
    pub(super) errors: Vec<ConfigError>,
}

impl<'a> Validator<'a> {
    pub(super) fn new(path: &'a str, text: &'a str) -> Self {
        Validator {
            path,
            text,
            lines: LineIndex::new(text),
            errors: Vec::new(),
        }
    }

    pub(super) fn into_errors(mut self) -> ConfigErrors {
        self.errors
            .sort_by_key(|error| error.span.as_ref().map_or(0, |span| span.start));
        ConfigErrors {
            path: self.path.to_owned(),
            source_text: self.text.to_owned(),
            errors: self.errors,
        }
    }

    fn error(&mut self, span: Range<usize>, message: String, hint: Option<String>) {
        let (line, column) = self.lines.position(self.text, span.start);
        self.errors.push(ConfigError {
            span: Some(span),
            line: Some(line),
            column: Some(column),
            message,
            hint,
        });
    }

    fn line(&self, span: &Range<usize>) -> u32 {
        self.lines.line(span.start)
    }

    pub(super) fn push_toml_error(&mut self, error: &toml::de::Error) {
        let message = error.message().trim().to_owned();
        let hint = unknown_key_hint(&message);
        match error.span() {
            Some(span) => self.error(span, message, hint),
            None => self.errors.push(ConfigError {
                span: None,
                line: None,
                column: None,
                message,
                hint,
            }),
        }
    }

    /// A section's line (when the file has it) and its content (defaults when it does not).
    fn section<T: Default>(&self, raw: Option<Spanned<T>>) -> (Option<u32>, T) {
        match raw {
            Some(raw) => (Some(self.line(&raw.span())), raw.into_inner()),
            None => (None, T::default()),
        }
    }

    pub(super) fn build(&mut self, raw: RawConfig) -> Config {
        Config {
            path: self.path.to_owned(),
            advisories: self.advisories(raw.advisories),
            bans: self.bans(raw.bans),
            sources: self.sources(raw.sources),
            hashes: self.hashes(raw.hashes),
            install_scripts: self.install_scripts(raw.install_scripts),
            licenses: self.licenses(raw.licenses),
            cooldown: self.cooldown(raw.cooldown),
            names: self.names(raw.names),
            trust: self.trust(raw.trust),
            provenance: self.provenance(raw.provenance),
        }
    }

    fn advisories(&mut self, raw: RawAdvisories) -> AdvisoriesConfig {
        let mut ignore = Vec::with_capacity(raw.ignore.len());
        for entry in raw.ignore {
            let line = self.line(&entry.span());
            let entry = entry.into_inner();
            let expires = match &entry.expires {
                None => None,
                Some(text) => match jiff::civil::Date::from_str(text.get_ref().trim()) {
                    Ok(date) => Some(date),
                    Err(error) => {
                        self.error(
                            text.span(),
                            format!("`expires` is not a date: {error}"),
                            Some("write the last day the ignore applies as \"YYYY-MM-DD\"".into()),
                        );
                        continue;
                    }
                },
            };
            if entry.reason.get_ref().trim().is_empty() {
                self.error(
                    entry.reason.span(),
                    "`reason` is empty".into(),
                    Some("say why the advisory does not apply, for the next reader".into()),
                );
            }
            ignore.push(IgnoreEntry {
                id: entry.id.into_inner(),
                reason: entry.reason.into_inner(),
                expires,
                line,
            });
        }
        let max_db_age = raw.max_db_age.and_then(|text| self.duration(&text));
        let unscored =
            raw.unscored
                .and_then(|text| match text.get_ref().trim().parse::<Severity>() {
                    Ok(severity) => Some(severity),
                    Err(_) => {
                        self.error(
                            text.span(),
                            format!("`unscored` is not a severity: `{}`", text.get_ref()),
                            Some("one of info, low, medium, high, critical".into()),
                        );
                        None
                    }
                });
        AdvisoriesConfig {
            ignore,
            max_db_age,
            unscored,
        }
    }

    /// A friendly duration (`7d`, `36h`, `2 weeks`) with days taken as 24 hours.
    fn duration(&mut self, text: &Text) -> Option<jiff::SignedDuration> {
        let parsed = jiff::Span::from_str(text.get_ref().trim())
            .map_err(|e| e.to_string())
            .and_then(|span| {
                span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
                    .map_err(|e| e.to_string())
            });
        match parsed {
            Ok(duration) if duration.is_positive() => Some(duration),
            Ok(_) => {
                self.error(text.span(), "the duration must be positive".into(), None);
                None
            }
            Err(error) => {
                self.error(
                    text.span(),
                    format!("`{}` is not a duration: {error}", text.get_ref()),
                    Some("write it like \"7d\", \"36h\" or \"2 weeks\"".into()),
                );
                None
            }
        }
    }

    fn ecosystem(&mut self, text: &Option<Text>) -> Result<Option<Ecosystem>, ()> {
        let Some(text) = text else { return Ok(None) };
        match Ecosystem::from_str(text.get_ref()) {
            Ok(ecosystem) => Ok(Some(ecosystem)),
            Err(error) => {
                let hint = closest(text.get_ref(), ["npm", "PyPI", "crates.io"])
                    .map(|near| format!("did you mean `{near}`?"));
                self.error(text.span(), error.to_string(), hint);
                Err(())
            }
        }
    }

    fn package_rule(
        &mut self,
        span: Range<usize>,
        ecosystem: &Option<Text>,
        name: &Text,
        version: &Option<Text>,
    ) -> Option<PackageRule> {
        let ecosystem = self.ecosystem(ecosystem).ok()?;
        if name.get_ref().trim().is_empty() {
            self.error(name.span(), "`name` is empty".into(), None);
            return None;
        }
        let range = match (version, ecosystem) {
            (None, _) => None,
            (Some(text), None) => {
                self.error(
                    text.span(),
                    "a version range needs an `ecosystem`: npm, PyPI and Cargo ranges are written differently".into(),
                    Some("add `ecosystem = \"npm\"` (or \"PyPI\", \"crates.io\") to this entry".into()),
                );
                return None;
            }
            (Some(text), Some(ecosystem)) => match VersionRange::parse(ecosystem, text.get_ref()) {
                Ok(range) => Some(range),
                Err(reason) => {
                    let example = match ecosystem {
                        Ecosystem::Npm => "\">=1.2.0 <2\" or \"^1.2.0\"",
                        Ecosystem::PyPI => "\">=1.2,<2\"",
                        Ecosystem::CratesIo => "\">=1.2, <2\" or \"^1.2\"",
                    };
                    self.error(
                        text.span(),
                        format!(
                            "bad {ecosystem} version range `{}`: {reason}",
                            text.get_ref()
                        ),
                        Some(format!("{ecosystem} ranges look like {example}")),
                    );
                    return None;
                }
            },
        };
        Some(PackageRule {
            ecosystem,
            name: name.get_ref().trim().to_owned(),
            version: range,
            version_text: version.as_ref().map(|v| v.get_ref().clone()),
            line: self.line(&span),
        })
    }

    fn package_rules(&mut self, raw: Vec<Spanned<RawPackage>>) -> Vec<PackageRule> {
        raw.into_iter()
            .filter_map(|entry| {
                let span = entry.span();
                let entry = entry.into_inner();
                self.package_rule(span, &entry.ecosystem, &entry.name, &entry.version)
            })
            .collect()
    }

    fn bans(&mut self, raw: Option<Spanned<RawBans>>) -> BansConfig {
        let (_, raw) = self.section(raw);
        let deny = raw
            .deny
            .into_iter()
            .filter_map(|entry| {
                let span = entry.span();
                let entry = entry.into_inner();
                let rule =
                    self.package_rule(span, &entry.ecosystem, &entry.name, &entry.version)?;
                Some(BanRule {
                    rule,
                    reason: entry.reason,
                    use_instead: entry.use_instead,
                })
            })
            .collect();
        BansConfig {
            level: raw.level.unwrap_or(Level::Deny),
            deny,
            allow: self.package_rules(raw.allow),
        }
    }

    fn sources(&mut self, raw: Option<Spanned<RawSources>>) -> SourcesConfig {
        let (line, raw) = self.section(raw);
        use tollgate_model::defaults as d;
        let mut registries = BTreeMap::new();
        let defaults = [
            (
                Ecosystem::Npm,
                raw.registries.npm,
                vec![d::NPM_REGISTRY, d::YARN_REGISTRY],
            ),
            (
                Ecosystem::PyPI,
                raw.registries.pypi,
                vec![d::PYPI_SIMPLE_INDEX, d::PYPI_FILES],
            ),
            (
                Ecosystem::CratesIo,
                raw.registries.crates_io,
                vec![d::CRATES_IO_LOCK_SOURCE, d::CRATES_IO_SPARSE_LOCK_SOURCE],
            ),
        ];
        for (ecosystem, configured, default) in defaults {
            let list =
                configured.unwrap_or_else(|| default.into_iter().map(str::to_owned).collect());
            registries.insert(ecosystem, list);
        }
        SourcesConfig {
            level: raw.level.unwrap_or(Level::Deny),
            registries,
            git: raw.git,
            require_git_commit: raw.require_git_commit.unwrap_or(true),
            allow_path: raw.allow_path.unwrap_or(false),
            allow_url: raw.allow_url.unwrap_or(false),
            line,
        }
    }

    fn hashes(&mut self, raw: Option<Spanned<RawHashes>>) -> HashesConfig {
        let (line, raw) = self.section(raw);
        HashesConfig {
            level: raw.level.unwrap_or(Level::Warn),
            require_lockfile: raw.require_lockfile.unwrap_or(true),
            exclude: self.package_rules(raw.exclude),
            line,
        }
    }

    fn install_scripts(&mut self, raw: Option<Spanned<RawInstallScripts>>) -> InstallScriptsConfig {
        let (line, raw) = self.section(raw);
        let allow = raw
            .allow
            .into_iter()
            .filter_map(|entry| {
                let span = entry.span();
                let entry = entry.into_inner();
                let rule =
                    self.package_rule(span, &entry.ecosystem, &entry.name, &entry.version)?;
                let digest = entry.digest.and_then(|digest| self.digest(digest));
                Some(ScriptAllow { rule, digest })
            })
            .collect();
        InstallScriptsConfig {
            level: raw.level.unwrap_or(Level::Warn),
            allow,
            line,
        }
    }

    fn digest(&mut self, digest: Text) -> Option<String> {
        let text = digest.get_ref().trim().to_ascii_lowercase();
        let valid = text
            .strip_prefix("sha256:")
            .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        if valid {
            Some(text)
        } else {
            self.error(
                digest.span(),
                format!("`{}` is not a sha256 digest", digest.get_ref()),
                Some("write `sha256:` followed by 64 hex digits, as `tollgate scan --format json` prints it".into()),
            );
            None
        }
    }

    fn license_id(&mut self, text: &Text) -> Option<String> {
        let id = text.get_ref().trim();
        let (license, exception) = match id.split_once(" WITH ") {
            Some((license, exception)) => (license.trim(), Some(exception.trim())),
            None => (id, None),
        };
        let license_ok = spdx::license_id(license).is_some() || license.starts_with("LicenseRef-");
        let exception_ok = exception.is_none_or(|e| spdx::exception_id(e).is_some());
        if license_ok && exception_ok {
            return Some(id.to_owned());
        }
        let hint = spdx::imprecise_license_id(license)
            .map(|(found, _)| format!("did you mean `{}`?", found.name))
            .or_else(|| Some("use an SPDX license id from https://spdx.org/licenses/".into()));
        self.error(
            text.span(),
            format!("`{id}` is not an SPDX license id"),
            hint,
        );
        None
    }

    fn licenses(&mut self, raw: Option<Spanned<RawLicenses>>) -> LicensesConfig {
        let (section_line, raw) = self.section(raw);
        let line = raw
            .allow
            .as_ref()
            .map_or(section_line, |allow| Some(self.line(&allow.span())));
        let allow = raw
            .allow
            .map(Spanned::into_inner)
            .unwrap_or_default()
            .iter()
            .filter_map(|id| self.license_id(id))
            .collect();
        let exceptions = raw
            .exceptions
            .into_iter()
            .filter_map(|entry| {
                let span = entry.span();
                let entry = entry.into_inner();
                let rule =
                    self.package_rule(span, &entry.ecosystem, &entry.name, &entry.version)?;
                let allow = entry
                    .allow
                    .iter()
                    .filter_map(|id| self.license_id(id))
                    .collect();
                Some(LicenseException { rule, allow })
            })
            .collect();
        let clarify = raw
            .clarify
            .into_iter()
            .filter_map(|entry| {
                let span = entry.span();
                let entry = entry.into_inner();
                let rule =
                    self.package_rule(span, &entry.ecosystem, &entry.name, &entry.version)?;
                let expression = entry.expression.get_ref().trim().to_owned();
                if let Err(error) = spdx::Expression::parse(&expression) {
                    self.error(
                        entry.expression.span(),
                        format!(
                            "`{expression}` is not a valid SPDX expression: {}",
                            error.reason
                        ),
                        Some("write an SPDX expression such as \"MIT OR Apache-2.0\"".into()),
                    );
                    return None;
                }
                Some(Clarification { rule, expression })
            })
            .collect();
        LicensesConfig {
            level: raw.level.unwrap_or(Level::Deny),
            allow,
            exceptions,
            clarify,
            unknown: raw.unknown.unwrap_or(Level::Warn),
            line,
        }
    }

    fn cooldown(&mut self, raw: Option<Spanned<RawCooldown>>) -> CooldownConfig {
        let (section_line, raw) = self.section(raw);
        let line = raw
            .minimum_release_age
            .as_ref()
            .map_or(section_line, |age| Some(self.line(&age.span())));
        let exclude = raw
            .exclude
            .iter()
            .filter_map(|name| self.package_rule(name.span(), &None, name, &None))
            .collect();
        CooldownConfig {
            level: raw.level.unwrap_or(Level::Warn),
            minimum_release_age_days: raw.minimum_release_age.map(Spanned::into_inner),
            exclude,
            line,
        }
    }

    fn names(&mut self, raw: Option<Spanned<RawNames>>) -> NamesConfig {
        let (line, raw) = self.section(raw);
        let allow = raw
            .allow
            .iter()
            .filter_map(|name| self.package_rule(name.span(), &None, name, &None))
            .collect();
        NamesConfig {
            level: raw.level.unwrap_or(Level::Warn),
            typosquat: raw.typosquat.unwrap_or(true),
            check_exists: raw.check_exists.unwrap_or(true),
            allow,
            line,
        }
    }

    fn trust(&mut self, raw: Option<Spanned<RawTrust>>) -> TrustConfig {
        let (line, raw) = self.section(raw);
        let store = raw.store.and_then(|store| {
            let path = store.get_ref().trim();
            if path.is_empty() {
                self.error(
                    store.span(),
                    "`store` is empty".into(),
                    Some("name the cargo-vet store directory, e.g. \"supply-chain\"".into()),
                );
                return None;
            }
            Some(path.to_owned())
        });
        TrustConfig {
            level: raw.level,
            violation: raw.violation,
            store,
            criteria: self.criteria_names(raw.criteria),
            dev_criteria: self.criteria_names(raw.dev_criteria),
            line,
        }
    }

    fn provenance(&mut self, raw: Option<Spanned<RawProvenance>>) -> ProvenanceConfig {
        let (section_line, raw) = self.section(raw);
        let no_downgrade_line = raw
            .no_downgrade
            .as_ref()
            .map_or(section_line, |flag| Some(self.line(&flag.span())));
        ProvenanceConfig {
            level: raw.level.unwrap_or(Level::Deny),
            require: self.package_rules(raw.require),
            no_downgrade: raw.no_downgrade.is_some_and(Spanned::into_inner),
            no_downgrade_line,
        }
    }

    /// A criteria list; its names are checked against the store when the store is read.
    fn criteria_names(&mut self, raw: Option<Spanned<RawNameList>>) -> Vec<String> {
        let Some(raw) = raw else { return Vec::new() };
        let span = raw.span();
        let names = match raw.into_inner() {
            RawNameList::One(name) => vec![name],
            RawNameList::Many(names) => names,
        };
        let names: Vec<String> = names.iter().map(|n| n.trim().to_owned()).collect();
        if names.is_empty() || names.iter().any(String::is_empty) {
            self.error(
                span,
                "criteria names must not be empty".into(),
                Some("write a criteria name such as \"safe-to-deploy\", or a list of them".into()),
            );
            return Vec::new();
        }
        names
    }
}

/// Turns toml's "unknown field `levle`, expected one of `level`, `deny`" into a
/// "did you mean" hint.
fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match closest(unknown, candidates.iter().copied()) {
        Some(near) => Some(format!("did you mean `{near}`?")),
        None if !candidates.is_empty() => Some(format!(
            "the keys allowed here are {}",
            candidates.join(", ")
        )),
        None => None,
    }
}
