//! The store files as serde reads them, with the byte span of every entry
//! (`toml::Spanned`) so that problems and evidence can name the line. Unknown keys are
//! refused: a key tollgate does not understand could narrow what an entry certifies (a
//! future "only on this platform", say), and ignoring it would trust more than the auditor
//! said. [`crate::store`] turns these into the typed model and checks what serde cannot.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{SeqAccess, Visitor};
use toml::Spanned;

pub(crate) type Text = Spanned<String>;
pub(crate) type Key = Spanned<String>;

/// A string or a list of strings, as cargo-vet writes `who`, `criteria`, `implies`, `url`.
#[derive(Debug, Default)]
pub(crate) struct OneOrMany(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor;

        impl<'de> Visitor<'de> for OneOrManyVisitor {
            type Value = OneOrMany;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![value.to_owned()]))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
        }

        deserializer.deserialize_any(OneOrManyVisitor)
    }
}

/// `audits.toml`, and each peer's entry in `imports.lock`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAuditsFile {
    #[serde(default)]
    pub(crate) criteria: BTreeMap<Key, Spanned<RawCriterion>>,
    #[serde(default, rename = "wildcard-audits")]
    pub(crate) wildcard_audits: BTreeMap<Key, Vec<Spanned<RawGrant>>>,
    #[serde(default)]
    pub(crate) audits: BTreeMap<Key, Vec<Spanned<RawAudit>>>,
    #[serde(default)]
    pub(crate) trusted: BTreeMap<Key, Vec<Spanned<RawGrant>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawCriterion {
    pub(crate) description: Option<String>,
    pub(crate) description_url: Option<String>,
    #[serde(default)]
    pub(crate) implies: Option<Spanned<OneOrMany>>,
    #[serde(default, rename = "aggregated-from")]
    pub(crate) _aggregated_from: Option<OneOrMany>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawAudit {
    #[serde(default)]
    pub(crate) who: Option<OneOrMany>,
    pub(crate) criteria: Spanned<OneOrMany>,
    pub(crate) version: Option<Text>,
    pub(crate) delta: Option<Text>,
    pub(crate) violation: Option<Text>,
    pub(crate) notes: Option<String>,
    pub(crate) importable: Option<bool>,
    #[serde(default)]
    pub(crate) aggregated_from: Option<OneOrMany>,
}

/// A `[[wildcard-audits.NAME]]` or `[[trusted.NAME]]` entry (one shape: the loader refuses
/// `who` and `renew` in a trusted entry, which cargo-vet does not define there).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawGrant {
    #[serde(default)]
    pub(crate) who: Option<OneOrMany>,
    pub(crate) criteria: Spanned<OneOrMany>,
    pub(crate) user_id: Option<Spanned<u64>>,
    pub(crate) trusted_publisher: Option<Text>,
    pub(crate) start: Text,
    pub(crate) end: Text,
    /// Only asks `cargo vet renew` to extend the entry; no part in evaluation.
    pub(crate) renew: Option<bool>,
    pub(crate) notes: Option<String>,
    #[serde(default, rename = "aggregated-from")]
    pub(crate) _aggregated_from: Option<OneOrMany>,
}

/// `config.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawConfig {
    pub(crate) cargo_vet: Option<RawCargoVet>,
    /// Only chooses what `cargo vet certify` proposes; no part in evaluation.
    #[serde(rename = "default-criteria")]
    pub(crate) _default_criteria: Option<Text>,
    #[serde(default)]
    pub(crate) imports: BTreeMap<Key, Spanned<RawImport>>,
    #[serde(default)]
    pub(crate) policy: BTreeMap<Key, Spanned<RawPolicy>>,
    /// `unaudited` is the table's name in stores written before cargo-vet 0.4.
    #[serde(default, alias = "unaudited")]
    pub(crate) exemptions: BTreeMap<Key, Vec<Spanned<RawExemption>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCargoVet {
    pub(crate) version: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawImport {
    pub(crate) url: Spanned<OneOrMany>,
    #[serde(default)]
    pub(crate) exclude: Vec<Text>,
    #[serde(default)]
    pub(crate) criteria_map: BTreeMap<Key, Spanned<OneOrMany>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawPolicy {
    pub(crate) audit_as_crates_io: Option<bool>,
    pub(crate) criteria: Option<Spanned<OneOrMany>>,
    pub(crate) dev_criteria: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    pub(crate) dependency_criteria: BTreeMap<Key, Spanned<OneOrMany>>,
    #[serde(rename = "notes")]
    pub(crate) _notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExemption {
    pub(crate) version: Text,
    #[serde(default)]
    pub(crate) criteria: Option<Spanned<OneOrMany>>,
    pub(crate) suggest: Option<bool>,
    pub(crate) notes: Option<String>,
}

/// `imports.lock`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawImportsLock {
    #[serde(default)]
    pub(crate) unpublished: BTreeMap<Key, Vec<Spanned<RawUnpublished>>>,
    #[serde(default)]
    pub(crate) publisher: BTreeMap<Key, Vec<Spanned<RawPublisher>>>,
    #[serde(default)]
    pub(crate) audits: BTreeMap<Key, RawAuditsFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUnpublished {
    pub(crate) version: Text,
    pub(crate) audited_as: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawPublisher {
    pub(crate) version: Text,
    pub(crate) when: Text,
    pub(crate) user_id: Option<Spanned<u64>>,
    pub(crate) user_login: Option<String>,
    pub(crate) user_name: Option<String>,
    pub(crate) trusted_publisher: Option<Text>,
}
