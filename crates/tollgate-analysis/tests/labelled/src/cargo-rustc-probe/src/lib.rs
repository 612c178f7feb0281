pub fn probe() -> bool { cfg!(lab_new_rustc) }
