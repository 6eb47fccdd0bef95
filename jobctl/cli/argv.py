"""Letting global options stand after the subcommand too (``jobctl jobs --url X``).

Click only accepts a group's options before the subcommand; operators type them anywhere.
Before parsing, global options found after the subcommand are moved to the front, unless the
subcommand has an option of the same name (then it is the subcommand's) or the token is the
value of the option before it.
"""

from __future__ import annotations

from typing import Any

GLOBAL_WITH_VALUE = {"--url", "-u", "--namespace", "--serializer"}
GLOBAL_FLAGS = {"--json", "--no-color", "--verbose", "-v", "--quiet", "-q"}


def _option_names(command: Any) -> tuple[set[str], set[str]]:
    """(options of ``command`` that take a value, flags of ``command``)."""
    with_value: set[str] = set()
    flags: set[str] = set()
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") != "option":
            continue
        names = set(param.opts) | set(param.secondary_opts)
        (flags if param.is_flag or param.count else with_value).update(names)
    return with_value, flags


def hoist_global_options(root: Any, args: list[str]) -> list[str]:
    """Return ``args`` with global options moved before the first subcommand."""
    root_with_value, _ = _option_names(root)
    index = 0
    while index < len(args) and args[index].startswith("-"):
        index += 2 if args[index] in root_with_value else 1
    command: Any = root
    while index < len(args) and hasattr(command, "commands") and args[index] in command.commands:
        command = command.commands[args[index]]
        index += 1
    if command is root:
        return args
    own_with_value, own_flags = _option_names(command)
    own = own_with_value | own_flags
    front, rest = list(args[:index]), []
    position = index
    while position < len(args):
        token = args[position]
        name = token.split("=", 1)[0]
        if token == "--":
            rest += args[position:]
            break
        if name in own:
            rest.append(token)
            if token in own_with_value and position + 1 < len(args):
                rest.append(args[position + 1])
                position += 1
        elif name in GLOBAL_WITH_VALUE:
            front.insert(0, token)
            if "=" not in token and position + 1 < len(args):
                front.insert(1, args[position + 1])
                position += 1
        elif token in GLOBAL_FLAGS:
            front.insert(0, token)
        else:
            rest.append(token)
        position += 1
    return front + rest
