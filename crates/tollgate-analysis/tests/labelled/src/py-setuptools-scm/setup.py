# Benign: the classic setuptools-scm shim; the version comes from git metadata.
from setuptools import setup

setup(use_scm_version=True)
