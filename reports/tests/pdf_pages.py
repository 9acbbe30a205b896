"""Page sizes and counts read back with poppler's pdfinfo (installed with pdftotext), which
reads the PDF's page tree instead of searching its compressed streams."""

import re
import shutil
import subprocess


def page_info(pdf: bytes) -> tuple[int, set[tuple[int, int]]]:
    """The number of pages and the set of their sizes, in whole points."""
    result = subprocess.run(
        [shutil.which("pdfinfo"), "-f", "1", "-l", "9999", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    out = result.stdout.decode()
    pages = int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    sizes = {
        (round(float(w)), round(float(h)))
        for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)
    }
    return pages, sizes
