//! Escape case: a secret in the environment (also behind an `LC_` prefix). Its own test binary with a single test, so
//! setting a variable in the test process cannot race with other threads reading it.

mod common;

use common::{Lab, assert_blocked};

#[test]
#[allow(unsafe_code)]
fn secret_environment_variable_is_removed() {
    // SAFETY: the only test in this binary, so no other thread reads the environment.
    unsafe {
        std::env::set_var("TOLLGATE_TEST_NPM_TOKEN", "planted-token");
        // ssh's `SendEnv LC_*` habit: an LC_ name that is no locale category.
        std::env::set_var("LC_TOLLGATE_SECRET", "planted-lc");
    }
    let lab = Lab::new();
    for name in ["TOLLGATE_TEST_NPM_TOKEN", "LC_TOLLGATE_SECRET"] {
        let script = format!("test -n \"${name}\" && echo \"${name}\"");
        check(&lab, &script);
    }
}

fn check(lab: &Lab, script: &str) {
    let plain = std::process::Command::new("/bin/bash")
        .args(["-c", script])
        .output()
        .expect("outside");
    assert!(
        plain.status.success(),
        "the variable must be visible outside"
    );
    assert_blocked(lab, script);
}
