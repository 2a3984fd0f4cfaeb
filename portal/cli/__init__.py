"""Command line: `python -m portal COMMAND` (see ../shared/CONTRACTS.md).

Exit status: 0 done; 1 the operation failed; 2 bad input or usage (one-line reason on stderr).
Each domain keeps its commands in `portal/<domain>/cli.py` and exposes them as `commands`.
"""

from __future__ import annotations

import importlib

import click

# One line per domain that contributes commands; each module exposes `commands: list[click.Command]`.
COMMAND_MODULES = [
    "portal.cli.core",
    "portal.bench.cli",
    "portal.cli.backup",
    "portal.cli.security",
    "portal.identity.cli",
    "portal.eligibility.cli",
    "portal.unit.cli",
    "portal.declaration.cli",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Pre-registration portal for the physician qualification exam."""


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).commands:
        main.add_command(_command)
