#!/usr/bin/env python
"""Write the built-in mediation document templates (DOCX) from their source.

    PYTHONPATH=src .venv/bin/python scripts/build-mediation-templates.py

The layout lives in src/gridgov/mediation/documents/builtin.py; the files it writes under
src/gridgov/mediation/documents/templates_docx/ are committed, and a test checks that they are
exactly what this script writes (the output is byte-for-byte reproducible).
"""

from __future__ import annotations

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")


def main() -> int:
    django.setup()
    from gridgov.mediation.documents.builtin import build_all

    for path in build_all():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
