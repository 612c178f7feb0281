//! Escape case: poisoning cargo's registry source cache. A build script that appends to
//! another crate's sources in `$CARGO_HOME/registry/src` changes what the user's next plain
//! `cargo build` compiles. With `Cache::CargoBuild` (the execute phase of `tollgate install
//! cargo`, after `cargo fetch` unpacked every source) the sources are read-only. Its own test
//! binary with a single test, so that setting `CARGO_HOME` cannot race with other threads.
//! The same test checks that a token in `$CARGO_HOME/config.toml` is not shown.

mod common;

use common::{Lab, assert_failed_inside};
use tollgate_sandbox::Cache;

#[test]
#[allow(unsafe_code)]
fn registry_sources_are_read_only_for_the_build() {
    let lab = Lab::new();
    let cargo_home = lab.home.path().join(".cargo");
    let source = cargo_home.join("registry/src/index.crates.io-0/victim-1.0.0/src/lib.rs");
    std::fs::create_dir_all(source.parent().expect("parent")).expect("mkdir");
    std::fs::write(&source, "pub fn f() {}\n").expect("source");
    std::fs::write(cargo_home.join(".package-cache"), "").expect("lock file");
    // SAFETY: the only test in this binary, so no other thread reads the environment.
    unsafe { std::env::set_var("CARGO_HOME", &cargo_home) };
    let script = format!(
        "echo 'compile_error!(\"poisoned\");' >> {}",
        source.display()
    );
    let plain = lab.outside(&script);
    assert!(plain.status.success(), "{plain:?}");
    std::fs::write(&source, "pub fn f() {}\n").expect("restore");
    let mut policy = lab.policy();
    policy.caches = vec![Cache::CargoBuild];
    let inside = lab.inside_with(policy.clone(), &script, None);
    assert_failed_inside(&inside, &script);
    assert_eq!(
        std::fs::read_to_string(&source).expect("read"),
        "pub fn f() {}\n",
        "ESCAPE: the registry source was changed"
    );
    // cargo's lock file stays writable (cargo takes its lock on it).
    let lock = format!("echo x >> {}", cargo_home.join(".package-cache").display());
    let inside = lab.inside_with(policy, &lock, None);
    assert!(inside.status.success(), "{inside:?}");

    // A token in ~/.cargo/config.toml: the view shows a copy without it.
    let config = cargo_home.join("config.toml");
    std::fs::write(
        &config,
        "[build]\njobs = 3\n[registry]\ntoken = \"planted-cargo-token\"\n",
    )
    .expect("config");
    let script = format!("cat {}", config.display());
    let plain = lab.outside(&script);
    assert!(String::from_utf8_lossy(&plain.stdout).contains("planted-cargo-token"));
    let inside = lab.inside(&script);
    assert!(inside.status.success(), "{inside:?}");
    let shown = String::from_utf8_lossy(&inside.stdout);
    assert!(
        !shown.contains("planted-"),
        "ESCAPE: token readable: {shown}"
    );
    assert!(
        shown.contains("jobs = 3"),
        "the rest of the config is kept: {shown}"
    );
}
