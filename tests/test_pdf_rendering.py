"""Rendering a PDF: WeasyPrint loads its C libraries without searching for them with the compiler."""

from __future__ import annotations

import subprocess
import sys

# In a fresh interpreter (the test process may have loaded WeasyPrint): every process started is recorded.
RENDER_RECORDING_PROCESSES = """
import ctypes.util
import subprocess

launched = []


class Recorded(subprocess.Popen):
    def __init__(self, args, *more, **options):
        launched.append(args)
        super().__init__(args, *more, **options)


subprocess.Popen = Recorded
search = ctypes.util.find_library

from wijkzicht.web.render import render_pdf

pdf = render_pdf("<p>Voortgang en vastlopers</p>")
print(pdf[:5], launched, ctypes.util.find_library is search)
"""


def test_a_pdf_renders_without_starting_a_process_and_leaves_the_library_search_as_it_was() -> None:
    ran = subprocess.run(
        [sys.executable, "-c", RENDER_RECORDING_PROCESSES], capture_output=True, text=True, check=True
    )
    assert ran.stdout.splitlines() == ["b'%PDF-' [] True"]
