# Benign: a C extension whose compiler flags come from the environment, and a git
# revision probe, as in many scientific packages.
import os
import subprocess
from setuptools import Extension, setup

extra = os.environ.get("LAB_CFLAGS", "").split()
try:
    revision = subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip()
except Exception:
    revision = "unknown"

setup(
    name="lab-c-extension",
    version="0.1.0",
    ext_modules=[Extension("labc", ["src/labc.c"], extra_compile_args=extra,
                           define_macros=[("LAB_REVISION", '"%s"' % revision)])],
)
