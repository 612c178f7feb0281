fn main() {
    println!("cargo:rerun-if-changed=csrc/hello.c");
    let mut build = cc::Build::new();
    build.file("csrc/hello.c");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        build.define("LAB_LINUX", None);
    }
    build.compile("labhello");
}
