#include <Python.h>
static struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "labc", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_labc(void) { return PyModule_Create(&m); }
