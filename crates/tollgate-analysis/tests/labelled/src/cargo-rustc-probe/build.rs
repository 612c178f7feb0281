use std::env;
use std::process::Command;

fn main() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(rustc).arg("--version").output();
    let minor = output
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| v.split('.').nth(1).and_then(|m| m.parse::<u32>().ok()))
        .unwrap_or(0);
    println!("cargo:rustc-check-cfg=cfg(lab_new_rustc)");
    if minor >= 80 {
        println!("cargo:rustc-cfg=lab_new_rustc");
    }
}
