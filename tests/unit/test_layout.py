"""The test tree itself: pytest imports test files by basename (rootdir mode), so two
files with one name in different folders stop the whole run at collection."""

from collections import Counter
from pathlib import Path


def test_every_test_file_has_a_unique_basename():
    files = Path(__file__).parents[1].rglob("test_*.py")
    repeated = [name for name, n in Counter(f.name for f in files).items() if n > 1]
    assert repeated == []
