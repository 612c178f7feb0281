int lab_hello(void) { return 42; }
