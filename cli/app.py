"""The thin app object every command receives: global options and the repository, opened once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import click

from cli.progress import progress_for
from store.api import Repo
from store.progress import Progress


@dataclass
class App:
    verbose: bool = False
    _repo: Repo | None = field(default=None, repr=False)

    @property
    def repo(self) -> Repo:
        """The repository around the working directory; opened lazily so ``init`` needs none."""
        if self._repo is None:
            self._repo = Repo(".")
        return self._repo

    @contextmanager
    def progress(self, quiet: bool = False) -> Iterator[Progress]:
        with progress_for(quiet) as progress:
            yield progress


pass_app = click.make_pass_decorator(App, ensure=True)
