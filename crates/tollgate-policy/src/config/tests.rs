//! Validation tests of `tollgate.toml`.

use super::*;
use crate::error::ConfigError;

fn problems(text: &str) -> Vec<ConfigError> {
    Config::parse("tollgate.toml", text).unwrap_err().errors
}

#[test]
fn starter_and_empty_policies_validate() {
    let starter = Config::parse("tollgate.toml", STARTER).unwrap();
    assert_eq!(starter.cooldown.minimum_release_age_days, Some(7));
    assert!(starter.licenses.allow.iter().any(|id| id == "MIT"));
    let empty = Config::parse("tollgate.toml", "").unwrap();
    assert_eq!(empty.bans.level, Level::Deny);
    assert_eq!(empty.names.level, Level::Warn);
    assert!(empty.sources.require_git_commit);
}

#[test]
fn unknown_key_points_at_it_with_a_suggestion() {
    let errors = problems("[bans]\nlevle = \"deny\"\n");
    let [error] = errors.as_slice() else {
        panic!("{errors:?}")
    };
    assert_eq!((error.line, error.column), (Some(2), Some(1)));
    assert!(error.message.contains("levle"), "{}", error.message);
    assert_eq!(error.hint.as_deref(), Some("did you mean `level`?"));
}

#[test]
fn unknown_section_is_refused() {
    let errors = problems("[licence]\nallow = []\n");
    assert_eq!(errors[0].line, Some(1));
    assert_eq!(errors[0].hint.as_deref(), Some("did you mean `licenses`?"));
}

#[test]
fn bad_version_ranges_per_ecosystem() {
    let text = "[bans]\ndeny = [\n  { ecosystem = \"PyPI\", name = \"a\", version = \"=>1.0\" },\n  { ecosystem = \"npm\", name = \"b\", version = \"^1.x.q\" },\n  { ecosystem = \"cargo\", name = \"c\", version = \">=1.0\" },\n]\n";
    let errors = problems(text);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!((errors[0].line, errors[0].column), (Some(3), Some(47)));
    assert!(errors[0].message.contains("bad PyPI version range"));
    assert!(errors[0].hint.as_deref().unwrap().contains(">=1.2,<2"));
    assert_eq!(errors[1].line, Some(4));
}

#[test]
fn range_without_ecosystem_is_refused() {
    let errors = problems("[bans]\ndeny = [{ name = \"a\", version = \"1.0\" }]\n");
    assert!(errors[0].message.contains("needs an `ecosystem`"));
}

#[test]
fn invalid_spdx_ids_and_expressions() {
    let text = "[licenses]\nallow = [\"MIT\", \"Apache2\"]\nclarify = [{ name = \"x\", expression = \"MIT OR OR BSD\" }]\n";
    let errors = problems(text);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!((errors[0].line, errors[0].column), (Some(2), Some(17)));
    assert_eq!(
        errors[0].hint.as_deref(),
        Some("did you mean `Apache-2.0`?")
    );
    assert_eq!(errors[1].line, Some(3));
    assert!(errors[1].message.contains("not a valid SPDX expression"));
}

#[test]
fn ignore_entries_take_an_optional_date() {
    let ok = Config::parse(
        "t",
        "[advisories]\nmax-db-age = \"36h\"\nignore = [{ id = \"GHSA-1\", reason = \"unused\", expires = \"2026-06-30\" }]\n",
    )
    .unwrap();
    assert_eq!(
        ok.advisories.ignore[0].expires,
        Some(jiff::civil::date(2026, 6, 30))
    );
    assert_eq!(ok.advisories.ignore[0].line, 3);
    assert_eq!(
        ok.advisories.max_db_age,
        Some(jiff::SignedDuration::from_hours(36))
    );
    let forever = Config::parse(
        "t",
        "[advisories]\nignore = [{ id = \"A\", reason = \"r\" }]\n",
    )
    .unwrap();
    assert_eq!(forever.advisories.ignore[0].expires, None);
    let errors = problems(
        "[advisories]\nignore = [{ id = \"A\", reason = \"r\", expires = \"next year\" }]\n",
    );
    assert!(errors[0].message.contains("not a date"));
}

#[test]
fn bad_level_and_ecosystem() {
    let errors = problems("[names]\nlevel = \"block\"\n");
    assert!(errors[0].message.contains("block"), "{errors:?}");
    let errors = problems("[bans]\ndeny = [{ ecosystem = \"nmp\", name = \"a\" }]\n");
    assert_eq!(errors[0].hint.as_deref(), Some("did you mean `npm`?"));
}

#[test]
fn trust_section_keeps_unset_levels_undecided() {
    let empty = Config::parse("t", "").unwrap();
    assert_eq!(empty.trust.level, None);
    assert!(empty.trust.criteria.is_empty());
    let config = Config::parse(
        "t",
        "[trust]\nlevel = \"deny\"\nstore = \"audits\"\ncriteria = \"crypto-reviewed\"\ndev-criteria = [\"safe-to-run\"]\n",
    )
    .unwrap();
    assert_eq!(config.trust.level, Some(Level::Deny));
    assert_eq!(config.trust.violation, None);
    assert_eq!(config.trust.store.as_deref(), Some("audits"));
    assert_eq!(config.trust.criteria, ["crypto-reviewed"]);
    assert_eq!(config.trust.dev_criteria, ["safe-to-run"]);
    assert_eq!(config.trust.line, Some(1));
    let errors = problems("[trust]\ncriteria = []\nstore = \" \"\n");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].line, Some(2));
    assert!(errors[1].message.contains("`store` is empty"));
}

#[test]
fn rules_match_with_registry_name_rules() {
    let config = Config::parse(
        "t",
        "[bans]\ndeny = [{ ecosystem = \"PyPI\", name = \"Typing_Extensions\", version = \"<5\" }, { name = \"@evil/*\" }]\n",
    )
    .unwrap();
    let pkg = tollgate_model::Package::new(Ecosystem::PyPI, "typing-extensions", "4.12.2");
    assert!(config.bans.deny[0].rule.matches(&pkg));
    let newer = tollgate_model::Package::new(Ecosystem::PyPI, "typing-extensions", "5.0");
    assert!(!config.bans.deny[0].rule.matches(&newer));
    let scoped = tollgate_model::Package::new(Ecosystem::Npm, "@evil/pkg", "1.0.0");
    assert!(config.bans.deny[1].rule.matches(&scoped));
}

#[test]
fn provenance_section_validates() {
    let config = Config::parse(
        "tollgate.toml",
        "[provenance]\nno-downgrade = true\nrequire = [{ ecosystem = \"npm\", name = \"@myorg/*\" }]\n",
    )
    .unwrap();
    assert!(config.provenance.no_downgrade);
    assert_eq!(config.provenance.no_downgrade_line, Some(2));
    assert_eq!(config.provenance.level, Level::Deny);
    assert_eq!(config.provenance.require.len(), 1);
    assert!(config.provenance.enabled());
    assert!(!Config::default().provenance.enabled());
    let errors = problems(
        "[provenance]\nno-downgrade = 1\nrequire = [{ ecosystem = \"maven\", name = \"x\" }]\n",
    );
    assert!(!errors.is_empty());
    let errors = problems("[provenance]\nno-downgrad = true\n");
    assert_eq!(
        errors[0].hint.as_deref(),
        Some("did you mean `no-downgrade`?")
    );
}
