"""The ``jobctl`` command: global options, the command tree, and error handling in one place.

Every command module registers here; heavy modules (the dashboard) are imported inside their
command only, so ``jobctl --help`` and shell completion stay fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated

import typer
from typer import exceptions as typer_errors
from typer._click.exceptions import NoArgsIsHelpError

from jobctl.cli import enqueue as enqueue_cmd
from jobctl.cli import info as info_cmd
from jobctl.cli import job as job_cmd
from jobctl.cli import jobs as jobs_cmd
from jobctl.cli import queues as queues_cmd
from jobctl.cli import server as server_cmd
from jobctl.cli import top as top_cmd
from jobctl.cli import worker as worker_cmd
from jobctl.cli import workers as workers_cmd
from jobctl.cli.argv import hoist_global_options
from jobctl.cli.exit_codes import EXIT_CODES_HELP, ExitCode, exit_code_for
from jobctl.cli.output import Output
from jobctl.cli.state import CliState

app = typer.Typer(
    name="jobctl",
    help="jobctl: a background-job queue for Python on Redis.\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from jobctl import __version__

        typer.echo(f"jobctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            "-u",
            # No envvar=: jobctl.connection.resolve_url reads JOBCTL_REDIS_URL itself, so an
            # invalid URL is reported with where it came from.
            help="Redis URL: redis://, rediss:// or unix://. Default: $JOBCTL_REDIS_URL, else "
            "$REDIS_URL, else url in ./jobctl.toml or ~/.config/jobctl/config.toml.",
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            envvar="JOBCTL_NAMESPACE",
            show_envvar=True,
            help="Key namespace (default jobctl).",
        ),
    ] = None,
    serializer: Annotated[
        str | None, typer.Option("--serializer", help="pickle (default) or json.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print less.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks on errors.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Global options apply to every command."""
    if serializer not in (None, "pickle", "json"):
        raise typer.BadParameter("--serializer must be pickle or json")
    ctx.obj = CliState(
        url=url,
        namespace=namespace,
        serializer=serializer,
        output=Output(json_mode=json_output, quiet=quiet, color=not no_color, verbose=verbose),
    )


for command in (
    enqueue_cmd.enqueue,
    worker_cmd.worker,
    info_cmd.info,
    queues_cmd.queues,
    jobs_cmd.jobs,
    jobs_cmd.requeue,
    jobs_cmd.purge,
    workers_cmd.workers,
    workers_cmd.worker_stop,
    workers_cmd.worker_kill_horse,
    workers_cmd.suspend,
    workers_cmd.resume,
    info_cmd.check,
    top_cmd.top,
):
    app.command(name=command.__name__.replace("_", "-"))(command)
app.add_typer(queues_cmd.app, name="queue")
app.add_typer(job_cmd.app, name="job")
app.add_typer(server_cmd.app, name="server")


def _report(exc: BaseException, state: CliState | None, verbose: bool) -> int:
    """Print one line for an error (a traceback with -v) and return its exit code."""
    from redis.exceptions import RedisError

    from jobctl.connection import translate_redis_error
    from jobctl.display import escape

    # Only Redis and socket errors are about the server; anything else keeps its own message.
    if state is not None and state.url_used and isinstance(exc, RedisError | OSError):
        exc = translate_redis_error(exc, state.url_used)
    message = str(exc) or type(exc).__name__
    sys.stderr.write(f"jobctl: error: {escape(message.splitlines()[0]) if message else ''}\n")
    if verbose:
        traceback.print_exception(exc)
    return int(exit_code_for(exc))


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app and turn every failure into an exit code."""
    try:
        code = _run(argv)
        sys.stdout.flush()  # here, not at interpreter exit where a closed pipe makes noise
    except BrokenPipeError:
        # Later writes (and the final flush) must not fail again: send them nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = int(ExitCode.OUTPUT_CLOSED)  # the reader went away (jobctl jobs | head)
    sys.exit(code)


def _run(argv: list[str] | None) -> int | str | None:
    """The exit status of one command (SystemExit's code); BrokenPipeError passes through."""
    try:
        _dispatch(argv)
    except SystemExit as exc:
        return exc.code
    return 0


def _dispatch(argv: list[str] | None) -> None:
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args or "--verbose" in args
    command = typer.main.get_command(app)
    # Shell completion (TAB) calls us with _JOBCTL_COMPLETE set: answer it and exit.
    command._main_shell_completion({}, "jobctl", None)
    ctx_holder: dict[str, CliState] = {}
    try:
        with command.make_context("jobctl", hoist_global_options(command, list(args))) as ctx:
            try:
                command.invoke(ctx)
            finally:
                if isinstance(ctx.obj, CliState):
                    ctx_holder["state"] = ctx.obj
    except typer_errors.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer_errors.Abort, KeyboardInterrupt):
        sys.stderr.write("jobctl: interrupted\n")
        sys.exit(int(ExitCode.INTERRUPTED))
    except NoArgsIsHelpError as exc:
        sys.stdout.write(exc.ctx.get_help() + "\n" if exc.ctx else "")
        sys.exit(0)
    except typer_errors.TyperException as exc:
        failed_ctx = getattr(exc, "ctx", None)
        hint = f" (see '{failed_ctx.command_path} --help')" if failed_ctx is not None else ""
        sys.stderr.write(f"jobctl: error: {exc.format_message()}{hint}\n")
        sys.exit(int(ExitCode.USAGE))
    except BrokenPipeError:
        raise  # stdout was closed: main() ends quietly
    except Exception as exc:
        sys.exit(_report(exc, ctx_holder.get("state"), verbose))
    sys.exit(0)
