"""`python main.py user …`: the first administrator and account chores from the command line.

Registered in main.py (the composition root) as `user`; also runs on its own as
`python -m web.cli_users …` (database from FANGAN_DB_URL). Passwords are read from stdin or a
hidden prompt, never from the command line (which other users of the machine can see).
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import click
import typer

from engine.cli import check_db_url
from engine.clock import system_clock
from engine.db import make_engine, migrate
from engine.errors import FanganError
from engine.plan import PlanError, load_plan
from engine.settings import Settings
from web.accounts import Accounts
from web.models import User

users_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Console and API accounts."
)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]


def _accounts(ctx: typer.Context) -> Accounts:
    root = ctx.find_root().obj
    settings: Settings = getattr(root, "settings", None) or Settings()
    check_db_url(settings.db_url)
    db = make_engine(settings.db_url)
    migrate(db)
    return Accounts(db, load_plan(settings.plan), system_clock)


def _password(from_stdin: bool) -> str:
    """From stdin's first line (scripts); on a terminal, a hidden prompt asked twice, so a
    person who typed --password-stdin is not left waiting at a silent cursor."""
    if from_stdin and not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    return password


Street = Annotated[
    str | None,
    typer.Option(
        help="The street code of a street office's account (required for one; `codes` lists them)."
    ),
]


def _user(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "unit": user.unit,
        "street": user.street,
        "is_admin": user.is_admin,
        "active": user.active,
    }


def _emit(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


@users_app.command("create-admin")
def create_admin(
    ctx: typer.Context,
    username: Annotated[str, typer.Option(help="Login name.")],
    name: Annotated[str, typer.Option("--name", help="The person's name (shown on the timeline).")],
    unit: Annotated[str, typer.Option(help="Their unit's actor code.")] = "district_housing_bureau",
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an administrator (the first one after installation); they manage the others."""
    accounts = _accounts(ctx)
    _emit(
        _user(accounts.create_user(username, name, unit, _password(password_stdin), is_admin=True))
    )


@users_app.command("create")
def create(
    ctx: typer.Context,
    username: Annotated[str, typer.Option(help="Login name.")],
    name: Annotated[str, typer.Option("--name", help="The person's name.")],
    unit: Annotated[str, typer.Option(help="Their unit's actor code.")],
    street: Street = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an ordinary user (`add` is the same command). A street office's account names
    its street and sees that street's incidents only."""
    accounts = _accounts(ctx)
    _emit(
        _user(accounts.create_user(username, name, unit, _password(password_stdin), street=street))
    )


users_app.command("add", help="Same as `create`.")(create)


def _find(accounts: Accounts, username: str) -> User:
    user = next((u for u in accounts.list_users() if u.username == username), None)
    if user is None or user.id is None:
        raise typer.BadParameter(f"no user '{username}'", param_hint="--username")
    return user


@users_app.command("modify")
def modify(
    ctx: typer.Context,
    username: Annotated[str, typer.Option(help="Whose account.")],
    name: Annotated[str | None, typer.Option("--name", help="A new display name.")] = None,
    unit: Annotated[str | None, typer.Option(help="A new unit (actor code).")] = None,
    street: Annotated[
        str | None,
        typer.Option(help="A new street (a street office's account); '' takes it away."),
    ] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Enable or disable the account.")
    ] = None,
) -> None:
    """Change an account; a new unit, street or status ends its open sessions. The unit and
    street are checked together: a street office's account keeps a known street."""
    accounts = _accounts(ctx)
    user = _find(accounts, username)
    assert user.id is not None
    _emit(
        _user(
            accounts.update_user(
                user.id, display_name=name, unit=unit, street=street, active=active
            )
        )
    )


@users_app.command("list")
def list_users(ctx: typer.Context) -> None:
    _emit([_user(u) for u in _accounts(ctx).list_users()])


@users_app.command("token")
def token(
    ctx: typer.Context,
    username: Annotated[str, typer.Option(help="Whose token.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "cli",
) -> None:
    """Issue an API bearer token; it is printed once and only its hash is kept."""
    accounts = _accounts(ctx)
    user = _find(accounts, username)
    assert user.id is not None
    issued, plain = accounts.issue_token(user.id, label)
    _emit({"id": issued.id, "username": username, "name": issued.name, "token": plain})


def main() -> None:
    """Standalone entry point with the CLI contract's error shape (JSON line, exit code 2)."""
    from engine.cli import fail

    command = typer.main.get_command(users_app)
    try:
        command.main(prog_name="python -m web.cli_users", standalone_mode=False)
    except FanganError as exc:
        fail(exc.code, exc.message)
    except PlanError as exc:
        fail("invalid_config", str(exc))
    except click.ClickException as exc:
        fail("usage", exc.format_message())
    except click.exceptions.Abort:
        fail("aborted", "aborted")


if __name__ == "__main__":
    main()
