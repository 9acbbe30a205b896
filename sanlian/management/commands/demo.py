"""`sanlian demo`: a demo province, city and county with named accounts and filled registers,
in an empty database.

The tree comes from `sanlian.demo.tree.build_demo_tree`, the registers of both counties from
`sanlian.demo.registers.build_demo_registers`; the tree, the registers, their bulk-load audit events
and the accounts are created in one transaction. A database that already has org units is never
touched: the command then only prints the demo accounts it finds.
"""

import os
import secrets
import time
import unicodedata
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Role, RoleKind
from accounts.services import do_create_user, do_grant_role
from campaigns import rollups
from orgs.bulk import count_summary, refresh_statistics
from orgs.models import OrgUnit
from sanlian.demo.assessment_parts import DemoUnits
from sanlian.demo.assessments import build_demo_assessments
from sanlian.demo.plans import build_demo_plans
from sanlian.demo.registers import build_demo_registers, refresh_register_statistics
from sanlian.demo.tree import (  # noqa: F401  (re-exported for callers of the command module)
    DEFAULT_SEED,
    MAIN_COUNTY,
    SECOND_COUNTY,
    DemoTree,
    build_demo_tree,
)

PASSWORD_ENV = "SANLIAN_DEMO_PASSWORD"
CREDENTIALS_FILE = "demo-credentials.txt"


class DemoAccount(NamedTuple):
    username: str
    full_name: str
    role: str
    unit: str  # attribute of DemoTree
    superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount("admin", "赵立新", RoleKind.ADMINISTRATOR, "province", superuser=True),
    DemoAccount("city", "钱文华", RoleKind.CITY_REVIEWER, "city"),
    DemoAccount("county", "孙建国", RoleKind.COUNTY_OFFICER, "county"),
    DemoAccount("township1", "李秀英", RoleKind.TOWNSHIP_OFFICER, "township1"),
    DemoAccount("township2", "周志强", RoleKind.TOWNSHIP_OFFICER, "township2"),
    DemoAccount("village1", "吴桂兰", RoleKind.VILLAGE_OPERATOR, "village1"),
    DemoAccount("leader", "郑国栋", RoleKind.LEADER, "county"),
]
DEMO_USERNAMES = [account.username for account in DEMO_ACCOUNTS]


def create_demo_accounts(tree: DemoTree, password: str) -> list:
    users = []
    for account in DEMO_ACCOUNTS:
        user = do_create_user(
            None,
            username=account.username,
            password=password,
            full_name=account.full_name,
            is_staff=account.superuser,
            is_superuser=account.superuser,
        )
        do_grant_role(None, user, getattr(tree, account.unit), account.role)
        users.append(user)
    return users


def build_demo_campaign(tree: DemoTree, users: list, seed: int) -> dict:
    """The assessment rounds of the demo county (sanlian.demo.assessments), its campaign frame
    (sanlian.demo.plans), then its roll-ups: the rounds' history is written in bulk, which sends
    no title signals."""
    units = DemoUnits(
        city=tree.city,
        county=tree.county,
        township1=tree.township1,
        township2=tree.township2,
        village1=tree.village1,
    )
    counts = build_demo_assessments(units, {u.username: u for u in users}, seed=seed)
    build_demo_plans(tree.county, users, seed=seed)
    rollups.refresh_subtree(tree.county)
    return counts


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / CREDENTIALS_FILE


def save_generated_password(password: str) -> Path:
    """Keep a generated password where only this user can read it, for the next `sanlian demo`."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("# Password of the demo accounts made by `sanlian demo` (development only).\n")
        file.write(f"{PASSWORD_ENV}={password}\n")
    return path


def saved_password() -> str:
    path = credentials_path()
    if not path.exists():
        return ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{PASSWORD_ENV}="):
            return line.split("=", 1)[1].strip()
    return ""


def known_password(user) -> str:
    """The password of the demo accounts if it is the environment's or the saved one."""
    for candidate in (os.environ.get(PASSWORD_ENV, ""), saved_password()):
        if candidate and user.check_password(candidate):
            return candidate
    return ""


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    @property
    def help(self):  # read when the parser is built, so that it follows the active language
        return _(
            "Build the demo province, city and counties with demo accounts, in a database that "
            "has no org units yet; otherwise only print the demo accounts. The password comes "
            "from SANLIAN_DEMO_PASSWORD or is generated and kept in the var directory."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=_("Seed of the random names and figures (default %(default)s)."),
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help=_("Build the demo even when SANLIAN_ENV is production."),
        )
        parser.add_argument(
            "--no-registers",
            dest="registers",
            action="store_false",
            help=_("Build the tree and the accounts only, with empty registers."),
        )

    def handle(self, *args, seed: int, allow_production: bool, registers: bool = True, **options):
        if OrgUnit.objects.exists():
            self.stdout.write(_("The database already has org units, so no demo tree was built."))
            self.print_accounts()
            return
        if settings.PRODUCTION and not allow_production:
            raise CommandError(
                _("This is a production install; the demo would add accounts with known names.")
            )
        User = get_user_model()
        taken = list(
            User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
        )
        if taken:
            raise CommandError(
                _("These usernames already exist: %(names)s. The demo needs them.")
                % {"names": ", ".join(sorted(taken))}
            )
        password = os.environ.get(PASSWORD_ENV, "")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        started = time.perf_counter()
        register_counts = None
        try:
            with transaction.atomic():
                tree = build_demo_tree(seed)
                users = create_demo_accounts(tree, password)
                tree_seconds = time.perf_counter() - started
                if registers:
                    register_counts = build_demo_registers(tree.county, seed=seed)
                    registers_seconds = time.perf_counter() - started - tree_seconds
                    second_counts = build_demo_registers(tree.second_county, seed=seed + 1)
                    build_demo_campaign(tree, users, seed)
        except IntegrityError:
            if not OrgUnit.objects.exists():
                raise
            # Another process built the demo at the same moment; show what it made.
            self.stdout.write(_("Another process has just built the demo tree."))
            self.print_accounts()
            return
        refresh_statistics()
        if register_counts is not None:
            refresh_register_statistics()
        counts = count_summary(tree.counts)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Built the demo tree (seed %(seed)d) in %(seconds).1f s: %(county)d "
                    "counties, %(township)d townships, %(village)d villages, %(group)d groups."
                )
                % {"seed": seed, "seconds": tree_seconds, **counts}
            )
        )
        if register_counts is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Filled the registers of %(county)s in %(seconds).1f s: %(members)d "
                        "members, %(posts)d posts, %(trainings)d trainings, %(activities)d "
                        "service activities."
                    )
                    % {
                        "county": tree.county.name,
                        "seconds": registers_seconds,
                        **register_counts,
                    }
                )
            )
            self.stdout.write(
                _(
                    "Filled the registers of %(county)s too: %(members)d members, %(posts)d "
                    "posts, %(trainings)d trainings, %(activities)d service activities."
                )
                % {"county": tree.second_county.name, **second_counts}
            )
        if generated:
            path = save_generated_password(password)
            self.stdout.write(_("The generated password is kept in %(path)s.") % {"path": path})
        self.print_accounts(password)

    def print_accounts(self, password: str | None = None):
        User = get_user_model()
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
        if not users:
            self.stdout.write(
                _(
                    "There are no demo accounts: `sanlian demo` creates them only in a database "
                    "without org units."
                )
            )
            return
        roles = {}
        for role in Role.objects.filter(user__in=users.values()).select_related("unit", "user"):
            roles.setdefault(role.user.username, []).append(role)
        header = [_("Username"), _("Name"), _("Role"), _("Unit")]
        rows = []
        for account in DEMO_ACCOUNTS:
            user = users.get(account.username)
            if user is None:
                continue
            held = roles.get(user.username) or [None]
            for role in held:
                rows.append(
                    [
                        user.username,
                        user.first_name,
                        str(role.get_kind_display()) if role else "—",
                        role.unit.name if role else "—",
                    ]
                )
        widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, ["-" * w for w in widths], *rows]:
            cells = (_pad(str(c), w) for c, w in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
        if password is None:
            password = known_password(users.get("admin") or next(iter(users.values())))
        if password:
            self.stdout.write(
                _("Password of every demo account: %(password)s") % {"password": password}
            )
        else:
            self.stdout.write(
                _(
                    "The demo password is neither SANLIAN_DEMO_PASSWORD nor the saved one; it has "
                    "been changed."
                )
            )
