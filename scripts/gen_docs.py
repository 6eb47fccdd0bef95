"""Generate jobctl's man pages and shell completion scripts from the Typer app.

    .venv/bin/python scripts/gen_docs.py            # (re)write man/ and completions/
    .venv/bin/python scripts/gen_docs.py --check    # exit 1 listing stale files, write nothing

The command tree is walked at run time (``typer.main.get_command(app)``), so new commands and
options appear in the pages without touching this script. Output is byte-for-byte deterministic:
no dates, no paths, the version comes from ``jobctl.__version__``.

Pages written: ``man/jobctl.1`` (global options, command list, exit status, environment, files)
and ``man/jobctl-<name>.1`` for each top-level command or command group (a group's page covers
all of its subcommands). Completions: ``completions/jobctl.bash``, ``completions/_jobctl`` (zsh)
and ``completions/jobctl.fish``, taken from Typer's own completion scripts.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # document the working tree, not some other installed copy
    sys.path.insert(0, str(ROOT))

import typer  # noqa: E402
from typer import _click  # noqa: E402  (typer vendors click; this is the package it uses)
from typer.completion import get_completion_script  # noqa: E402

import jobctl  # noqa: E402
from jobctl.cli.app import app  # noqa: E402
from jobctl.cli.exit_codes import EXIT_CODES_HELP, ExitCode  # noqa: E402

PROG = "jobctl"
COMPLETE_VAR = "_JOBCTL_COMPLETE"
GENERATOR = "scripts/gen_docs.py"
MANUAL = "jobctl manual"

EXAMPLE_RE = re.compile(r"^\s*Examples?:\s*(?P<text>\S.*?)\s*$")

# Environment variables read by the library rather than declared on an option. Variables declared
# on options (envvar=...) are added automatically with a pointer to their option.
ENVIRONMENT = {
    "JOBCTL_REDIS_URL": "Redis URL used when --url is not given (redis://, rediss:// or "
    "unix://).",
    "REDIS_URL": "Redis URL used when neither --url nor JOBCTL_REDIS_URL is set.",
    "JOBCTL_NAMESPACE": "Key namespace used when --namespace is not given (default jobctl).",
    "JOBCTL_EMBEDDED": "Set to 0, false, no or off to never start the embedded Redis server "
    "when no Redis is configured or answering on localhost.",
    "JOBCTL_REDIS_SERVER": "Path or name of the redis-server (or valkey-server) binary used "
    "for the embedded server.",
    "JOBCTL_STATE_DIR": "Directory of the embedded server's socket, data, pid file and log "
    "(default $XDG_STATE_HOME/jobctl, else ~/.local/state/jobctl).",
    "JOBCTL_SECRET_KEY": "When set, job payloads are signed with this key (HMAC-SHA256) and "
    "workers refuse payloads whose signature does not match.",
}

FILES = [
    ("./jobctl.toml", "Project configuration: url and namespace keys. Read first, so a project "
     "overrides the user's settings."),
    ("~/.config/jobctl/config.toml", "User configuration, same keys "
     "($XDG_CONFIG_HOME/jobctl/config.toml when XDG_CONFIG_HOME is set)."),
    ("~/.local/state/jobctl", "State of the per-user embedded Redis server: socket, data, pid "
     "file and log ($XDG_STATE_HOME/jobctl, or JOBCTL_STATE_DIR)."),
]

COMPLETION_HEADERS = {
    "bash": "# bash completion for jobctl. Install as\n"
    "# /usr/share/bash-completion/completions/jobctl or source it from ~/.bashrc.\n",
    "zsh": "# zsh completion for jobctl. Install as _jobctl in a directory on $fpath.\n",
    "fish": "# fish completion for jobctl. Install as ~/.config/fish/completions/jobctl.fish.\n",
}
COMPLETION_FILES = {"bash": "jobctl.bash", "zsh": "_jobctl", "fish": "jobctl.fish"}


# --------------------------------------------------------------------------- roff escaping

_OPTION_LIKE = re.compile(r"(?<![\w.])-{1,2}(?:[A-Za-z0-9][\w-]*)?")


def _chars(text: str, *, code: bool) -> str:
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\e")
        elif ch == "-" and code:
            out.append("\\-")
        elif ch == "~":
            out.append("\\(ti")
        elif ch == "^":
            out.append("\\(ha")
        elif code and ch == "'":
            out.append("\\(aq")
        elif code and ch == "`":
            out.append("\\(ga")
        elif ord(ch) > 126 or (ord(ch) < 32 and ch != "\t"):
            out.append(f"\\[u{ord(ch):04X}]")
        else:
            out.append(ch)
    return "".join(out)


def code(text: str) -> str:
    """Escape something to be typed (options, commands, examples): every hyphen is a minus."""
    return _chars(text, code=True)


def prose(text: str) -> str:
    """Escape running text: hyphens inside words stay hyphens, option-like tokens get ``\\-``."""
    out, last = [], 0
    for match in _OPTION_LIKE.finditer(text):
        out.append(_chars(text[last : match.start()], code=False))
        out.append(code(match.group()))
        last = match.end()
    out.append(_chars(text[last:], code=False))
    return "".join(out)


def line(text: str) -> str:
    """A text line of roff input: never taken for a request, never starting with a space."""
    text = text.strip()
    return "\\&" + text if text.startswith((".", "'")) else text


def arg(text: str) -> str:
    """A quoted macro argument."""
    return '"' + text.replace('"', "\\(dq") + '"'


def bold(text: str) -> str:
    return f"\\fB{code(text)}\\fR"


def italic(text: str) -> str:
    return f"\\fI{code(text)}\\fR"


# --------------------------------------------------------------------------- the command tree


@dataclass
class Node:
    """One command of the tree with the context Typer would give it."""

    path: tuple[str, ...]  # ("jobctl", "job", "result")
    command: Any
    ctx: Any

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def is_group(self) -> bool:
        return isinstance(getattr(self.command, "commands", None), dict)

    def children(self) -> list[Node]:
        if not self.is_group:
            return []
        found = []
        for name in self.command.list_commands(self.ctx):
            sub = self.command.get_command(self.ctx, name)
            if sub is None or getattr(sub, "hidden", False):
                continue
            found.append(Node((*self.path, name), sub, _context(sub, name, self.ctx)))
        return found

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children():
            yield from child.walk()

    def params(self) -> list[Any]:
        """Documented parameters: not hidden, not the help option."""
        help_names = set(self.ctx.help_option_names)
        return [
            p for p in self.command.params
            if not getattr(p, "hidden", False) and not help_names.intersection(p.opts)
        ]

    def arguments(self) -> list[Any]:
        return [p for p in self.params() if p.param_type_name == "argument"]

    def options(self) -> list[Any]:
        return [p for p in self.params() if p.param_type_name != "argument"]


def _context(command: Any, name: str, parent: Any = None) -> Any:
    """The context Typer would build for ``command`` (with its context_settings), unparsed."""
    settings = dict(getattr(command, "context_settings", None) or {})
    return _click.Context(command, info_name=name, parent=parent, **settings)


def root_node() -> Node:
    # Typer's own test switch changes the completion options; never document that variant.
    os.environ.pop("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", None)
    command = typer.main.get_command(app)
    return Node((PROG,), command, _context(command, PROG))


def help_text(node: Node) -> str:
    text = inspect.cleandoc(node.command.help or "")
    return text.split("\f", 1)[0].strip()


def examples(node: Node) -> list[str]:
    return [m.group("text") for m in map(EXAMPLE_RE.match, help_text(node).splitlines()) if m]


def paragraphs(node: Node) -> list[str]:
    """The help text without its Example lines (and without the exit-code summary)."""
    kept = [ln for ln in help_text(node).splitlines() if not EXAMPLE_RE.match(ln)]
    result = []
    for block in re.split(r"\n\s*\n", "\n".join(kept)):
        if block.strip() and _squash(block) != _squash(EXIT_CODES_HELP):
            result.append(block.strip("\n"))
    return result


def _squash(text: str) -> str:
    return " ".join(text.split())


def summary(node: Node) -> str:
    """One line for NAME and command lists: the short help, else the first paragraph."""
    text = node.command.short_help or next(iter(paragraphs(node)), "")
    text = _squash(text.replace("\b", ""))
    prefix = f"{node.path[-1]}:"
    if text.lower().startswith(prefix):
        text = text[len(prefix) :].strip()
    return text.rstrip(".")


# --------------------------------------------------------------------------- parameters


def _metavar(param: Any, ctx: Any) -> str:
    if param.param_type_name == "argument":
        name = param.metavar or param.name.upper()
        return name + ("..." if param.nargs == -1 else "")
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    if param.metavar:
        return str(param.metavar)
    label = str(param.display_type_rich(ctx) or "").removesuffix("...").strip("<>")
    label = re.sub(r"^list\[(.*)\]$", r"\1", label)
    if "|" in label:  # choices are typed as shown
        return label
    names = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "bool": "BOOLEAN"}
    parts = [re.sub(r" range$", "", part.strip()) for part in label.split(",")]
    return " ".join(names.get(part, part.upper()) for part in parts) or "VALUE"


def _default(param: Any) -> str:
    show = getattr(param, "show_default", True)
    if isinstance(show, str):
        return show
    value = param.default
    if not show or value is None or callable(value) or getattr(param, "count", False):
        return ""
    if getattr(param, "is_bool_flag", False):
        secondary = getattr(param, "secondary_opts", [])
        if not secondary:
            return ""
        return (param.opts if value else secondary)[0]
    if isinstance(value, (list, tuple)):
        return ", ".join(_scalar(v) for v in value)
    return _scalar(value)


def _scalar(value: Any) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def _range(param: Any) -> str:
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if getattr(param, "count", False) and low == 0 and high is None:
        return ""
    if low is not None and high is not None:
        return f"from {low} to {high}"
    if low is not None:
        return f"at least {low}"
    if high is not None:
        return f"at most {high}"
    return ""


def _envvars(param: Any) -> list[str]:
    envvar = getattr(param, "envvar", None)
    if not envvar:
        return []
    return [envvar] if isinstance(envvar, str) else [str(v) for v in envvar]


def param_tag(param: Any, ctx: Any) -> str:
    """The ``.TP`` tag of a parameter: flags in bold, the value in italics."""
    metavar = _metavar(param, ctx)
    if param.param_type_name == "argument":
        return italic(metavar)
    groups = [param.opts] + ([param.secondary_opts] if param.secondary_opts else [])
    shown = []
    for opts in groups:
        flags = ", ".join(bold(o) for o in sorted(opts, key=lambda o: (o.startswith("--"), o)))
        shown.append(f"{flags} {italic(metavar)}" if metavar else flags)
    return " / ".join(shown)


def param_body(param: Any) -> str:
    """Help text followed by the facts --help shows in brackets, as sentences."""
    help_ = _squash(param.help or "")
    if help_ and help_[-1] not in ".!?)":
        help_ += "."
    facts = []
    if param.required and not (param.param_type_name == "argument" and param.nargs == -1):
        facts.append("Required.")
    if param.param_type_name == "argument" and param.nargs == -1:
        facts.append("One or more." if param.required else "Zero or more.")
    elif getattr(param, "multiple", False) and "repeat" not in help_.lower():
        facts.append("May be given more than once.")
    if bounds := _range(param):
        facts.append(f"Value {bounds}.")
    if default := _default(param):
        facts.append(f"Default: {default}.")
    if envvars := _envvars(param):
        facts.append(f"Environment: {', '.join(envvars)}.")
    text = prose(help_)
    extra = " ".join(code(f) for f in facts)
    return f"{text} {extra}".strip()


# --------------------------------------------------------------------------- exit codes


def exit_codes() -> list[tuple[int, str]]:
    """Every ExitCode with its meaning, taken from EXIT_CODES_HELP (the text of --help)."""
    body = EXIT_CODES_HELP.split(":", 1)[-1].strip().rstrip(".")
    meanings = {}
    for part in body.split(";"):
        found = re.match(r"\s*(\d+)\s+(.+)", part)
        if found:
            meanings[int(found.group(1))] = found.group(2).strip()
    result = []
    for member in sorted(ExitCode, key=int):
        meaning = meanings.get(int(member))
        if meaning is None:
            print(f"{GENERATOR}: warning: ExitCode.{member.name} is not described in "
                  "EXIT_CODES_HELP", file=sys.stderr)
            meaning = member.name.lower().replace("_", " ")
        result.append((int(member), meaning))
    return result


# --------------------------------------------------------------------------- pages


class Page:
    def __init__(self, name: str, title: str) -> None:
        self.lines = [
            f'.\\" {name}.1: generated by {GENERATOR} from the Typer app; do not edit.',
            f".TH {arg(code(title.upper()))} 1 {arg('')} {arg('jobctl ' + jobctl.__version__)}"
            f" {arg(MANUAL)}",
            ".nh",  # no hyphenation: options and values must be copied as printed
            ".ad l",
        ]

    def section(self, title: str) -> None:
        self.lines.append(f".SH {title}")

    def subsection(self, title: str) -> None:
        self.lines.append(f".SS {arg(code(title))}")

    def para(self, text: str) -> None:
        self.lines += [".PP", line(text)]

    def item(self, tag: str, body: str) -> None:
        self.lines += [".TP", line(tag), line(body) if body else "\\&"]

    def help_paragraphs(self, blocks: Iterable[str]) -> None:
        for block in blocks:
            if block.startswith("\b"):  # click's "do not rewrap" marker
                self.lines += [".PP", ".nf"]
                raw = block[1:].strip("\n").splitlines()
                self.lines += ["\\&" + prose(ln.rstrip()) for ln in raw]  # keep indents
                self.lines.append(".fi")
            elif all(re.match(r"\s*[-*] ", ln) for ln in block.splitlines()):
                for entry in block.splitlines():
                    self.lines += [".IP \\(bu 2", line(prose(entry.strip()[2:]))]
            else:
                self.para(prose(_squash(block)))

    def code_block(self, texts: Iterable[str]) -> None:
        self.lines += [".PP", ".RS 4", ".nf"]
        self.lines += [line(code(t)) for t in texts]
        self.lines += [".fi", ".RE"]

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def synopsis(node: Node) -> str:
    parts = [bold(PROG), f"[{italic('GLOBAL OPTIONS')}]"]
    if len(node.path) > 1:
        parts.append(bold(" ".join(node.path[1:])))
    if node.options() and len(node.path) > 1:  # the root's options are the global ones
        parts.append(f"[{italic('OPTIONS')}]")
    for param in node.arguments():
        name = italic(_metavar(param, node.ctx).removesuffix("..."))
        name = name if param.required else f"[{name}]"
        parts.append(name + ("..." if param.nargs == -1 else ""))
    if node.is_group:
        parts.append(f"{italic('COMMAND')} [{italic('ARGS')}]...")
    return " ".join(parts)


def page_name(node: Node) -> str:
    return "-".join(node.path)


def exit_status_short(page: Page, node: Node) -> None:
    page.section("EXIT STATUS")
    codes = "; ".join(f"{number} {meaning}" for number, meaning in exit_codes())
    page.para(f"{bold(node.name)} exits with the codes of {bold(PROG)}(1): {prose(codes)}.")


def parameter_items(page: Page, node: Node, params: list[Any] | None = None) -> None:
    for param in node.arguments() + node.options() if params is None else params:
        page.item(param_tag(param, node.ctx), param_body(param))


def options_sections(page: Page, top: Node, nodes: list[Node]) -> None:
    """A single command gets ARGUMENTS and OPTIONS; a group one subsection per command."""
    if not top.is_group:
        if top.arguments():
            page.section("ARGUMENTS")
            parameter_items(page, top, top.arguments())
        page.section("OPTIONS")
        parameter_items(page, top, top.options())
        if not top.options():
            page.para("None besides the global options.")
        return
    page.section("OPTIONS")
    documented = [n for n in nodes if n.params()]
    if not documented:
        page.para("None besides the global options.")
    for node in documented:
        page.subsection(node.name)
        parameter_items(page, node)


def command_page(top: Node) -> str:
    """The page of one top-level command, or of a group and every command under it."""
    page = Page(page_name(top), page_name(top))
    nodes = list(top.walk())
    page.section("NAME")
    page.lines.append(line(f"{code(page_name(top))} \\- {prose(summary(top))}"))
    page.section("SYNOPSIS")
    for node in nodes:
        if node is top or not node.is_group:
            page.para(synopsis(node))
    page.section("DESCRIPTION")
    page.help_paragraphs(paragraphs(top))
    page.para(f"The global options ({code('--url')}, {code('--json')}, ...) are described in "
              f"{bold(PROG)}(1).")
    subcommands = [n for n in nodes if n is not top]
    if subcommands:
        page.section("COMMANDS")
        for node in subcommands:
            page.subsection(node.name)
            page.para(synopsis(node))
            page.help_paragraphs(paragraphs(node))
    options_sections(page, top, nodes)
    found = [(node, text) for node in nodes for text in examples(node)]
    if found:
        page.section("EXAMPLES")
        page.code_block(text for _, text in found)
    exit_status_short(page, top)
    page.section("SEE ALSO")
    page.lines.append(f".BR {PROG} (1)")
    return page.text()


def main_page(root: Node) -> str:
    page = Page(PROG, PROG)
    page.section("NAME")
    page.lines.append(line(f"{PROG} \\- {prose(summary(root))}"))
    page.section("SYNOPSIS")
    page.para(synopsis(root))
    page.section("DESCRIPTION")
    page.help_paragraphs(paragraphs(root))
    page.para(f"Each command has its own page, {bold(PROG + '-')}{italic('COMMAND')}(1), and "
              f"its own {code('--help')}.")
    page.section("GLOBAL OPTIONS")
    parameter_items(page, root)
    help_option = root.command.get_help_option(root.ctx)
    if help_option is not None:
        flags = ", ".join(bold(o) for o in sorted(help_option.opts, key=len))
        page.item(flags, f"Show the help of {PROG} or of any command, and exit.")
    page.section("COMMANDS")
    for node in list(root.walk())[1:]:
        see = f" See {bold(page_name(_top_of(root, node)))}(1)."
        page.item(bold(" ".join(node.path[1:])), prose(summary(node)) + "." + see)
    page.section("EXIT STATUS")
    for number, meaning in exit_codes():
        page.item(bold(str(number)), prose(meaning[:1].upper() + meaning[1:]) + ".")
    page.section("ENVIRONMENT")
    for name, text in sorted(environment(root).items()):
        page.item(bold(name), prose(text))
    page.section("FILES")
    for path, text in FILES:
        page.item(italic(path), prose(text))
    page.section("SEE ALSO")
    tops = sorted(page_name(n) for n in root.children())
    page.lines.append(",\n".join(f".BR {code(name)} (1)" for name in tops))
    return page.text()


def _top_of(root: Node, node: Node) -> Node:
    return next(n for n in root.children() if n.path[1] == node.path[1])


def environment(root: Node) -> dict[str, str]:
    found = dict(ENVIRONMENT)
    for node in root.walk():
        for param in node.options():
            for name in _envvars(param):
                if name not in found:
                    where = "" if node is root else " of " + node.name
                    found[name] = f"Default for {param.opts[0]}{where}."
    return found


# --------------------------------------------------------------------------- completions


def completion(shell: str) -> str:
    script = get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell)
    header = COMPLETION_HEADERS[shell] + f"# Generated by {GENERATOR} from Typer; do not edit.\n"
    first, _, rest = script.partition("\n")
    if first.startswith("#compdef"):  # zsh needs it on the first line
        return f"{first}\n{header}{rest.lstrip(chr(10))}\n"
    return f"{header}{script}\n"


# --------------------------------------------------------------------------- files


def generate() -> dict[str, str]:
    """Every generated file: relative path -> content."""
    root = root_node()
    files = {f"man/{PROG}.1": main_page(root)}
    for top in root.children():
        files[f"man/{page_name(top)}.1"] = command_page(top)
    for shell, name in COMPLETION_FILES.items():
        files[f"completions/{name}"] = completion(shell)
    machine_specific(files)
    return dict(sorted(files.items()))


def machine_specific(files: dict[str, str]) -> None:
    """Refuse output that mentions this machine (home, checkout, interpreter)."""
    markers = {str(ROOT), sys.prefix, str(Path.home())} - {"", "/"}
    for name, text in files.items():
        for marker in markers:
            if marker in text:
                raise SystemExit(f"{GENERATOR}: {name} contains the machine path {marker!r}")


def obsolete(out: Path, files: dict[str, str]) -> list[str]:
    """Generated pages on disk for commands that no longer exist."""
    pages = (out / "man").glob(f"{PROG}*.1")
    return sorted(f"man/{p.name}" for p in pages if f"man/{p.name}" not in files)


def stale(out: Path, files: dict[str, str]) -> list[str]:
    changed = [
        name for name, text in files.items()
        if not (out / name).is_file() or (out / name).read_bytes() != text.encode()
    ]
    return changed + obsolete(out, files)


def write(out: Path, files: dict[str, str]) -> list[str]:
    written = []
    for name, text in files.items():
        target = out / name
        if target.is_file() and target.read_bytes() == text.encode():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode())
        written.append(name)
    for name in obsolete(out, files):
        (out / name).unlink()
        written.append(f"{name} (removed)")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 listing the files that are out of date")
    parser.add_argument("--out", type=Path, default=ROOT,
                        help="directory holding man/ and completions/ (default: the project)")
    options = parser.parse_args(argv)
    files = generate()
    if options.check:
        outdated = stale(options.out, files)
        for name in outdated:
            print(f"stale: {name}")
        if outdated:
            print(f"run '.venv/bin/python {GENERATOR}' (or 'make docs') and commit the result",
                  file=sys.stderr)
        return 1 if outdated else 0
    for name in write(options.out, files):
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
