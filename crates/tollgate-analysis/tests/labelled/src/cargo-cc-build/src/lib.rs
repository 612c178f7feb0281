extern "C" { fn lab_hello() -> i32; } pub fn hello() -> i32 { unsafe { lab_hello() } }
