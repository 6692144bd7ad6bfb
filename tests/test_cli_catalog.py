"""Every command the CLI names by module path exists: the root group and ``load`` import
their modules lazily (``cli/root.py`` GROUPS/COMMANDS, ``cli/load.py`` CSV_LOADERS),
so a renamed module or class must fail here, not the first time a user runs it."""

from __future__ import annotations

import pytest
import typer

from cli import load as load_cli
from cli import root as cli
from loaders.base import CsvLoader


@pytest.mark.parametrize("name", sorted({*cli.GROUPS, *cli.COMMANDS}))
def test_every_root_command_builds_from_its_module(name: str) -> None:
    built = cli._build(name)
    assert built is not None and built.name == name
    if name in cli.GROUPS:
        assert isinstance(built, typer.core.TyperGroup) and built.commands


@pytest.mark.parametrize("name", sorted(load_cli.CSV_LOADERS))
def test_every_csv_loader_named_by_load_is_a_loader(name: str) -> None:
    assert issubclass(load_cli.loader_class(name), CsvLoader)


def test_an_unknown_command_is_none_not_an_import() -> None:
    assert cli._build("no-such-command") is None
