"""``python -m audioedit ...``: the ``audioedit`` command without its console script (a checkout
or worktree that is not the installed one)."""

from audioedit.cli import main

main()
