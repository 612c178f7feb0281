//! Unit tests of the typosquat engine.

use super::hash::{Deletions, hash_chars};
use super::text::{separators_removed, skeleton, word_set_hash};
use super::*;

fn list() -> PopularNames {
    PopularNames::parse(
        "[crates.io]\nrust_decimal\nproc-macro2\nserde\ntokio\n[PyPI]\nrequests\npython-dateutil\nurllib3\nbeautifulsoup4\n[npm]\nlodash\ncross-env\nexpress\n@babel/core\n",
    )
}

fn target(list: &PopularNames, ecosystem: Ecosystem, name: &str) -> Option<(String, Technique)> {
    list.squat_target(ecosystem, name)
        .map(|m| (m.target, m.technique))
}

#[test]
fn advisory_examples_are_found() {
    let list = list();
    // RUSTSEC-2021-0125 style cases named in the issue.
    assert_eq!(
        target(&list, Ecosystem::CratesIo, "rustdecimal"),
        Some(("rust_decimal".into(), Technique::Separators))
    );
    assert_eq!(
        target(&list, Ecosystem::CratesIo, "proc-macro1"),
        Some(("proc-macro2".into(), Technique::Edit(1)))
    );
    assert_eq!(
        target(&list, Ecosystem::Npm, "crossenv"),
        Some(("cross-env".into(), Technique::Separators))
    );
}

#[test]
fn each_technique() {
    let list = list();
    let t = |e, n| target(&list, e, n).map(|(_, t)| t);
    // Targets are compared in canonical form: `rust_decimal` is `rust-decimal`.
    assert_eq!(
        t(Ecosystem::CratesIo, "rust_decmal"),
        Some(Technique::Omitted)
    );
    assert_eq!(
        t(Ecosystem::CratesIo, "rust_deccimal"),
        Some(Technique::Repeated)
    );
    assert_eq!(t(Ecosystem::PyPI, "reqeusts"), Some(Technique::Swapped));
    assert_eq!(t(Ecosystem::PyPI, "reqests"), Some(Technique::Omitted));
    assert_eq!(t(Ecosystem::PyPI, "requestss"), Some(Technique::Repeated));
    assert_eq!(t(Ecosystem::PyPI, "urlib3"), Some(Technique::Omitted));
    assert_eq!(t(Ecosystem::Npm, "l0dash"), Some(Technique::Homoglyph));
    assert_eq!(
        t(Ecosystem::PyPI, "python-requests"),
        Some(Technique::Affix)
    );
    assert_eq!(t(Ecosystem::Npm, "lodash-js"), Some(Technique::Affix));
    assert_eq!(t(Ecosystem::Npm, "@babe1/core"), Some(Technique::Homoglyph));
    // Same scope, same owner: not a squat.
    assert_eq!(t(Ecosystem::Npm, "@babel/cores"), None);
    assert_eq!(
        t(Ecosystem::PyPI, "beautifulsoup"),
        Some(Technique::Omitted)
    );
}

/// The cases of PyPI's own typosquatting check, taken as facts: pypi/warehouse
/// `tests/unit/packaging/test_typosnyper.py`, with that test's six-name corpus.
#[test]
fn warehouse_test_cases() {
    let list = PopularNames::parse(
        "[PyPI]\nnumpy\nrequests\nsphinx\nbeautifulsoup4\njinja2\npython-dateutil\n",
    );
    let cases = [
        ("numpy", None),
        ("NuMpy", None),
        ("nuumpy", Some("numpy")),
        ("reequests", Some("requests")),
        ("sphnx", Some("sphinx")),
        ("python-dteutil", Some("python-dateutil")),
        ("pythondateutil", Some("python-dateutil")),
        ("jinj2a", Some("jinja2")),
        ("dateutil-python", Some("python-dateutil")),
        ("numpi", Some("numpy")),
        ("requestz", Some("requests")),
        ("python-dateutil", None),
    ];
    for (name, expected) in cases {
        let found = list.squat_target(Ecosystem::PyPI, name).map(|m| m.target);
        assert_eq!(found.as_deref(), expected, "{name}");
    }
}

/// typomania's word-swap and version cases (rustfoundation/typomania
/// `src/checks/{swapped,version}.rs` tests), with their names as the corpus.
#[test]
fn typomania_test_cases() {
    let list = PopularNames::parse("[crates.io]\nabc-def\nabc\n");
    let t = |name| {
        list.squat_target(Ecosystem::CratesIo, name)
            .map(|m| m.technique)
    };
    assert_eq!(t("def-abc"), Some(Technique::SwappedWords));
    assert_eq!(t("def_abc"), Some(Technique::SwappedWords));
    assert_eq!(t("abc234"), Some(Technique::Version));
    assert_eq!(t("abc-234"), Some(Technique::Version));
    assert_eq!(t("abc0"), Some(Technique::Version));
}

#[test]
fn popular_and_unrelated_names_are_not_flagged() {
    let list = list();
    for name in ["requests", "Requests", "python_dateutil", "urllib3"] {
        assert_eq!(target(&list, Ecosystem::PyPI, name), None, "{name}");
    }
    // Names under four characters get no edit-distance matching; ecosystems do not mix.
    assert_eq!(target(&list, Ecosystem::CratesIo, "srd"), None);
    assert_eq!(
        target(&list, Ecosystem::CratesIo, "serd"),
        Some(("serde".into(), Technique::Omitted))
    );
    assert_eq!(target(&list, Ecosystem::Npm, "rustdecimal"), None);
    assert_eq!(target(&list, Ecosystem::PyPI, "flask"), None);
}

#[test]
fn shipped_list_never_flags_its_own_names() {
    let shipped = PopularNames::shipped();
    for ecosystem in Ecosystem::ALL {
        assert!(shipped.len(ecosystem) > 1000, "{ecosystem}");
    }
    assert!(shipped.contains(Ecosystem::Npm, "lodash"));
    assert!(shipped.contains(Ecosystem::PyPI, "Typing_Extensions"));
    assert!(shipped.contains(Ecosystem::CratesIo, "serde_json"));
}

#[test]
fn parse_finds_sections_only_at_line_starts() {
    let list = PopularNames::parse(
        "# a [comment]\n  [npm]  \r\nfoo\r\n# [PyPI] is below\n[unknown]\nbar\n[PyPI]\nbaz\n",
    );
    assert_eq!(list.len(Ecosystem::Npm), 1);
    assert!(list.contains(Ecosystem::Npm, "foo"));
    assert!(!list.contains(Ecosystem::Npm, "bar"));
    assert!(list.contains(Ecosystem::PyPI, "baz"));
    assert_eq!(list.len(Ecosystem::CratesIo), 0);
}

/// The skeleton as it was first defined, with strings: the iterator must agree.
#[test]
fn skeleton_is_the_string_replacements() {
    let by_strings = |name: &str| {
        let folded: String = separators_removed(name)
            .chars()
            .map(|c| match c {
                '0' => 'o',
                '1' | 'i' | '|' => 'l',
                '5' => 's',
                c => c,
            })
            .collect();
        folded.replace("rn", "m").replace("vv", "w")
    };
    for name in [
        "rnrn", "rrn", "rnn", "vvv", "vvvv", "vrnv", "r-n", "v.v", "ivv1rn", "0l5|", "r", "v", "",
        "-_.", "wörn", "ärn-vv",
    ] {
        assert_eq!(
            skeleton(name).collect::<String>(),
            by_strings(name),
            "{name}"
        );
    }
}

/// Every string left by deleting up to `depth` characters of `word`, built.
fn deleted(word: &str, depth: usize) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = vec![word.to_owned()];
    for i in 0..chars.len() {
        let mut one = chars.clone();
        one.remove(i);
        out.push(one.iter().collect());
        if depth == 2 {
            for j in i..one.len() {
                let mut two = one.clone();
                two.remove(j);
                out.push(two.iter().collect());
            }
        }
    }
    out
}

#[test]
fn deletion_hashes_are_the_hashes_of_the_deleted_strings() {
    for word in [
        "",
        "a",
        "ab",
        "zzz",
        "serde",
        "aabbb",
        "mississippi",
        "lodash.merge",
        "rеquests",
        "@babel/core",
    ] {
        let mut hashes = Deletions::default();
        hashes.load(word);
        assert_eq!(hashes.whole(), hash_chars(word.chars()), "{word}");
        for depth in [1, 2] {
            let mut found = Vec::new();
            hashes.for_each(depth, |hash| found.push(hash));
            found.sort_unstable();
            found.dedup();
            let mut expected: Vec<u64> = deleted(word, depth)
                .iter()
                .map(|string| hash_chars(string.chars()))
                .collect();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(found, expected, "{word} depth {depth}");
        }
    }
}

/// Real collisions: a Thue-Morse word of 1,024 letters and its complement have the same
/// hash under any polynomial hash with an odd base that wraps at 2^64 (their
/// difference is the product of `1 - BASE^(2^i)` for `i` < 10, a multiple of 2^64).
/// Every table then offers the wrong name, and it must never be reported.
#[test]
fn colliding_hashes_never_report_a_name() {
    let thue_morse: String = (0..1024u32)
        .map(|i| if i.count_ones() % 2 == 0 { 'a' } else { 'b' })
        .collect();
    let complement: String = thue_morse
        .chars()
        .map(|c| if c == 'a' { 'b' } else { 'a' })
        .collect();
    let with_word = |word: &str| format!("{word}-x");
    // The premise: the two collide in every table.
    assert_eq!(
        hash_chars(thue_morse.chars()),
        hash_chars(complement.chars())
    );
    assert_eq!(
        hash_chars(skeleton(&thue_morse)),
        hash_chars(skeleton(&complement))
    );
    assert_eq!(
        word_set_hash(&with_word(&thue_morse)),
        word_set_hash(&with_word(&complement))
    );

    let text = format!("[crates.io]\n{thue_morse}\nx-{thue_morse}\n");
    let list = PopularNames::parse(Box::leak(text.into_boxed_str()));
    assert!(!list.contains(Ecosystem::CratesIo, &complement));
    for name in [complement.clone(), with_word(&complement)] {
        assert_eq!(list.squat_target(Ecosystem::CratesIo, &name), None);
    }

    // With both listed, the collision does not hide the right name behind the more
    // popular wrong one.
    let text = format!("[crates.io]\n{thue_morse}\n{complement}\n");
    let list = PopularNames::parse(Box::leak(text.into_boxed_str()));
    assert!(list.contains(Ecosystem::CratesIo, &complement));
    let (front, back) = complement.split_at(512);
    assert_eq!(
        target(&list, Ecosystem::CratesIo, &format!("{front}-{back}")),
        Some((complement.clone(), Technique::Separators))
    );
}

/// The technique classes issue 12 names, each against a small list in popularity order.
#[test]
fn issue_12_technique_classes() {
    let list = PopularNames::parse(
        "[PyPI]\nrequests\nnumpy\npandas\ndjango\nflask\nurllib3\npython-dateutil\nhttpx\nselenium\npymongo\nscrapy\nweb3\nmatplotlib\n[npm]\ncall-bind\nwalker\nmssql\n",
    );
    let t = |e, n| list.squat_target(e, n).map(|m| (m.target, m.technique));
    let pypi = |n| t(Ecosystem::PyPI, n).map(|(target, _)| target);
    for (name, target) in [
        ("Djnago", "django"),
        ("flaks", "flask"),
        ("pandas2", "pandas"),
        ("numpy-lite", "numpy"),
        ("requests-latest", "requests"),
        ("reqeusts-new", "requests"),
        ("urllib3s", "urllib3"),
        ("dateutil-python", "python-dateutil"),
        ("pythondateutil", "python-dateutil"),
        ("rnatplotlib", "matplotlib"),
        ("reqeosts", "requests"),
        ("selemiumm", "selenium"),
        ("httpxv2", "httpx"),
        ("request91", "requests"),
        ("pyscrapy", "scrapy"),
        ("python-mongo", "pymongo"),
        ("web3-pyu", "web3"),
    ] {
        assert_eq!(pypi(name).as_deref(), Some(target), "{name}");
    }
    assert_eq!(
        t(Ecosystem::PyPI, "numpy-lite").map(|(_, t)| t),
        Some(Technique::AddedWord)
    );
    // `-dev` is a real projects' suffix (`textual-dev`), and a run-together near miss is
    // another project (`treelite` is not `rtree`).
    assert_eq!(pypi("requests-dev"), None);
    assert_eq!(
        t(Ecosystem::Npm, "nodemssql"),
        Some(("mssql".into(), Technique::Affix))
    );
    // Two edits across a word boundary or at the first letter join different packages.
    assert_eq!(t(Ecosystem::Npm, "call-bound"), None);
    assert_eq!(t(Ecosystem::Npm, "caller"), None);
    // A listed name is never a squat of another, whatever it resembles; on PyPI,
    // `python_dateutil` is the same project as `python-dateutil` (PEP 503).
    assert_eq!(pypi("python-dateutil"), None);
    assert_eq!(pypi("python_dateutil"), None);
}
