"""`python -m cli` is the same as the `sluice` command."""

from cli.commands import app

app(prog_name="sluice")
