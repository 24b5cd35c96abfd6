"""``jsna ingest --job WHO`` with the fake embedder, as the staff page's rebuild job runs it: the app tests start it
in place of the real command (the settings come from the environment, as the app's do).

    python tests/job_driver.py WHO
"""

from __future__ import annotations

import sys

from conftest import FakeEmbedder

from assistant import cli, embed

embed.load_embedder = lambda settings: FakeEmbedder()  # type: ignore[assignment,misc]
cli.main(["ingest", "--job", sys.argv[1]])
