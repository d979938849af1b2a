"""What every part of the command line shares: the consoles, how an error ends a command, the
progress bar."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console

from audioedit.errors import UserInputError
from audioedit.options import EditOptions, checked

BANK_HELP = "'starter', a Scaper-layout folder (foreground/<label>/, background/<label>/), or the dev corpus folder"
RAY_HELP = "run on Ray: 'local', 'auto' or a cluster address (pip install 'audioedit[scale]')"
console = Console()
err = Console(stderr=True)


def fail(exc: Exception) -> None:
    code = 2 if isinstance(exc, UserInputError) else 1
    err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def progress_bar(description: str):
    """A rich progress bar and the ``progress(done, total)`` callback that drives it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=err)
    task = bar.add_task(description, total=None)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


def edit_option(name: str, *flags: str) -> Any:
    """The typer option for the ``EditOptions`` field ``name``: its default and its description as help."""
    field = EditOptions.model_fields[name]
    return typer.Option(field.default, *flags, help=field.description)


def edit_options(**values: Any) -> EditOptions:
    """The command's edit options, checked (a bad value ends the command with exit code 2)."""
    try:
        return checked(EditOptions, values)
    except UserInputError as exc:
        fail(exc)
