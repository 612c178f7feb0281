//! Inputs that crashed or hung a parser under `cargo fuzz` (kept in `tests/fuzz-regressions/`), plus
//! hand-written hostile inputs: every parser must return (Ok or Err) on each, never panic.

use std::path::Path;

use tollgate_lockfile::parse_str;
use tollgate_model::LockfileFormat;

const ALL_FORMATS: [LockfileFormat; 13] = [
    LockfileFormat::PackageLock,
    LockfileFormat::NpmShrinkwrap,
    LockfileFormat::YarnClassic,
    LockfileFormat::YarnBerry,
    LockfileFormat::PnpmLock,
    LockfileFormat::BunLock,
    LockfileFormat::UvLock,
    LockfileFormat::PoetryLock,
    LockfileFormat::PdmLock,
    LockfileFormat::PipfileLock,
    LockfileFormat::Pylock,
    LockfileFormat::Requirements,
    LockfileFormat::CargoLock,
];

fn parse_with_every_format(label: &str, text: &str) {
    for format in ALL_FORMATS {
        // The assertion is that this returns at all: a panic fails the test with `label`.
        let result =
            std::panic::catch_unwind(|| parse_str(label, text, format).map(|l| l.packages.len()));
        assert!(result.is_ok(), "{format} parser panicked on {label}");
    }
}

#[test]
fn fuzz_found_inputs_do_not_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut seen = 0;
    for target in std::fs::read_dir(&dir)
        .expect("tests/fuzz-regressions exists")
        .flatten()
    {
        let Ok(inputs) = std::fs::read_dir(target.path()) else {
            continue;
        };
        for input in inputs.flatten() {
            let bytes = std::fs::read(input.path()).expect("readable regression input");
            parse_with_every_format(
                &input.path().display().to_string(),
                &String::from_utf8_lossy(&bytes),
            );
            seen += 1;
        }
    }
    eprintln!("{seen} fuzz regression inputs parsed");
}

#[test]
fn hostile_inputs_do_not_panic() {
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_toml = format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_yaml = "- ".repeat(50_000);
    let inputs = [
        "",
        "\u{feff}",
        "\0\0\0\0",
        "{",
        "null",
        "[]",
        "{\"lockfileVersion\": 99}",
        "{\"lockfileVersion\": \"3\", \"packages\": 7}",
        "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"version\": {}}}}",
        "version = 99\n",
        "[[package]]\nname = 1\n",
        "[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [\"a 1 (\"]\n",
        "lockfileVersion: '9.0'\npackages:\n  '@':\n    resolution: {integrity: x}\n",
        "lockfileVersion: 5.4\npackages:\n  /:\n  //:\n",
        "__metadata:\n  version: 8\n\"a@npm:\":\n  version: \n",
        "a@:\n  version \"\n",
        "-r -r -r\n--hash\n\\\n",
        "a==1 \\\n",
        &deep_json,
        &deep_toml,
        &deep_yaml,
    ];
    for (i, input) in inputs.iter().enumerate() {
        parse_with_every_format(&format!("hostile input #{i}"), input);
    }
}
