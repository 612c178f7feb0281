//! Escape case: a secret in the environment. Its own test binary with a single test, so
//! setting a variable in the test process cannot race with other threads reading it.

mod common;

use common::{Lab, assert_blocked};

#[test]
#[allow(unsafe_code)]
fn secret_environment_variable_is_removed() {
    // SAFETY: the only test in this binary, so no other thread reads the environment.
    unsafe { std::env::set_var("TOLLGATE_TEST_NPM_TOKEN", "planted-token") };
    let lab = Lab::new();
    let script = "test -n \"$TOLLGATE_TEST_NPM_TOKEN\" && echo \"$TOLLGATE_TEST_NPM_TOKEN\"";
    let plain = std::process::Command::new("/bin/bash")
        .args(["-c", script])
        .output()
        .expect("outside");
    assert!(
        plain.status.success(),
        "the variable must be visible outside"
    );
    assert_blocked(&lab, script);
}
