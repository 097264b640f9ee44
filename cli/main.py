"""Entry point: the ``tvc`` click group, global options, and the one place errors become exit codes.

Every ``StoreError`` is a user's problem, told in one line on stderr with exit 1;
anything else is our bug (exit 2). ``-v`` adds the traceback to either.
"""

from __future__ import annotations

import os
import sys
import traceback
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

import click

from cli.app import App
from cli.commands.branch import branch
from cli.commands.checkout import checkout
from cli.commands.clone import clone
from cli.commands.commit import commit
from cli.commands.diff import diff
from cli.commands.du import du
from cli.commands.fetch import fetch
from cli.commands.fsck import fsck
from cli.commands.gc import gc
from cli.commands.init import init
from cli.commands.log import log
from cli.commands.pull import pull
from cli.commands.push import push
from cli.commands.remote import remote
from cli.commands.show import show
from cli.commands.status import status
from cli.commands.tag import tag
from store.errors import StoreError

EXIT_ERROR = 1
EXIT_INTERNAL = 2
EXIT_INTERRUPTED = 130
#: click's own control flow, which must pass through untouched (usage errors keep exit 2).
_CLICK_FLOW = (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort)


def _fail(ctx: click.Context, message: str, code: int) -> NoReturn:
    app = ctx.find_object(App)
    if app is not None and app.verbose:
        click.echo(traceback.format_exc().rstrip(), err=True)
    click.echo("tvc: " + " ".join(message.splitlines()), err=True)  # one line, whatever the message holds
    ctx.exit(code)


class TvcGroup(click.Group):
    """A group that turns exceptions from any subcommand into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _CLICK_FLOW:
            raise
        except StoreError as exc:
            _fail(ctx, f"error: {exc}", EXIT_ERROR)
        except OSError as exc:  # the user's file system said no (permissions, disk full): not our bug
            _fail(ctx, f"error: {exc}", EXIT_ERROR)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted", EXIT_INTERRUPTED)
        except Exception as exc:
            _fail(ctx, f"internal error: {type(exc).__name__}: {exc} (run with -v for details)", EXIT_INTERNAL)


@click.group(cls=TvcGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks with errors.")
@click.option(
    "-C",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Run as if tvc was started in DIR.",
    metavar="DIR",
)
@click.pass_context
def main(ctx: click.Context, verbose: bool, directory: Path | None) -> None:
    """tvc: content-addressed, versioned storage for machine-learning models."""
    ctx.obj = App(verbose=verbose)
    if directory is not None:
        ctx.call_on_close(partial(os.chdir, os.getcwd()))  # so an in-process caller keeps its cwd
        os.chdir(directory)


for _command in (init, commit, log, show, diff, checkout, branch, tag, status, du, fsck, gc, push, fetch, pull, clone, remote):
    main.add_command(_command)


def run() -> NoReturn:
    """Console-script entry point (``tvc = "cli.main:run"``)."""
    sys.exit(main.main(prog_name="tvc"))


if __name__ == "__main__":
    run()
