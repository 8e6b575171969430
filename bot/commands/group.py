"""`financebot group list|add|remove [GROUP] [EMAIL]`: who is in which permission group.

``list`` prints every group with its members (``list GROUP``: that group's members); ``add``
makes the person with EMAIL (case-insensitive) a member, creating a custom GROUP that does not
exist yet; ``remove`` takes them out. Adding a member twice or removing a non-member changes
nothing, says so and exits 0. Every change is audit-logged as ``cli:<OS user>``.

The CLI is how the first admin is made and how operators repair access, so unlike the web it
may remove the last admin; it then warns that nobody can manage groups on the web.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.terminal_table import print_table
from core.db import DatabaseError, open_database
from core.errors import CommandError, RequestRefused
from core.settings import Settings
from models.groups import (
    GroupListing,
    add_member,
    group_listing,
    list_groups,
    person_by_email,
    remove_member,
)
from models.permissions import ADMIN_GROUP


def cli_actor() -> str:
    """Who the audit log names: the OS user who ran the command."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment or password database
        user = "unknown user"
    return f"cli:{user}"


def checked_arguments(args: argparse.Namespace) -> None:
    if args.action == "list" and args.email:
        raise CommandError("group list takes at most a GROUP, not an e-mail")
    if args.action in ("add", "remove") and not (args.group and args.email):
        raise CommandError(f"group {args.action} needs a GROUP and an EMAIL")


def print_groups(groups: list[GroupListing]) -> None:
    rows = []
    for group in groups:
        if not group.members:
            rows.append([group.name, "(no members)", "", ""])
        rows += [
            [group.name, m.name, m.email, "archived" if m.archived else ""] for m in group.members
        ]
    print_table("Groups and their members", ["group", "name", "email", "note"], rows)


def print_members(group: GroupListing) -> None:
    if not group.members:
        print(f"{group.name} has no members")
        return
    rows = [[m.name, m.email, "archived" if m.archived else ""] for m in group.members]
    print_table(f"Members of {group.name}", ["name", "email", "note"], rows)


async def change_membership(args: argparse.Namespace) -> None:
    person = await person_by_email(args.email)
    if args.action == "add":
        change = await add_member(args.group, person, actor=cli_actor(), create_group=True)
        if change.group_created:
            print(f"Created the group {args.group.strip()}.")
        print(change.message)
        return
    change = await remove_member(args.group, person, actor=cli_actor())
    print(change.message)
    if change.changed and args.group.strip() == ADMIN_GROUP:
        admins = await group_listing(ADMIN_GROUP)
        if not admins.active_members:
            print(
                f"warning: {ADMIN_GROUP} has no active member now; nobody can manage groups on "
                f"the web until one is added (financebot group add {ADMIN_GROUP} EMAIL)",
                file=sys.stderr,
            )


async def run(settings: Settings, args: argparse.Namespace) -> int:
    checked_arguments(args)
    try:
        async with open_database(settings.database_url, migrate=True):
            if args.action != "list":
                await change_membership(args)
            elif args.group:
                print_members(await group_listing(args.group))
            else:
                print_groups(await list_groups())
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    except RequestRefused as exc:
        raise CommandError(exc.message) from exc
    return 0
