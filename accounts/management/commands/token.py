"""`sanlian token create USERNAME [--name NAME]`, `sanlian token revoke PREFIX`,
`sanlian token list USERNAME`: API tokens from the command line, through accounts.services."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ApiToken, hash_token
from accounts.services import do_create_token, do_revoke_token


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(BaseCommand):
    help = "Create, revoke and list API tokens. The raw token is printed once, at creation."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
        create = commands.add_parser("create", help=gettext_lazy("Create a token for a user."))
        create.add_argument("username")
        create.add_argument("--name", default="api", help=gettext_lazy("What the token is for."))
        revoke = commands.add_parser(
            "revoke", help=gettext_lazy("Revoke a token by its prefix (or the whole token).")
        )
        revoke.add_argument("prefix")
        listing = commands.add_parser("list", help=gettext_lazy("List a user's tokens."))
        listing.add_argument("username")

    def handle(self, *args, **options):
        getattr(self, f"_{options['subcommand']}")(options)

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named “%(name)s”.") % {"name": username})
        return user

    def _create(self, options):
        user = self._user(options["username"])
        if not user.is_active:
            raise CommandError(
                _("The account “%(name)s” is inactive; a token for it would not work.")
                % {"name": user.get_username()}
            )
        token, raw = do_create_token(None, user, options["name"])
        self.stderr.write(
            _("Token “%(name)s” (%(prefix)s…) for %(user)s. Store it now: it is not shown again.")
            % {"name": token.name, "prefix": token.key_prefix, "user": user.get_username()}
        )
        self.stdout.write(raw)

    def _revoke(self, options):
        text = options["prefix"].strip()
        tokens = ApiToken.objects.select_related("user")
        if len(text) > ApiToken._meta.get_field("key_prefix").max_length:
            matches = list(tokens.filter(key_hash=hash_token(text)))
        else:
            matches = list(tokens.filter(key_prefix=text))
        if not matches:
            raise CommandError(_("No token starts with “%(prefix)s”.") % {"prefix": text})
        if len(matches) > 1:
            raise CommandError(
                _("%(count)d tokens start with “%(prefix)s”; give the whole token.")
                % {"count": len(matches), "prefix": text}
            )
        token = matches[0]
        if token.revoked_at is not None:
            raise CommandError(
                _("Token %(prefix)s… was already revoked on %(when)s.")
                % {"prefix": token.key_prefix, "when": _when(token.revoked_at)}
            )
        do_revoke_token(None, token)
        self.stdout.write(
            _("Revoked token “%(name)s” (%(prefix)s…) of %(user)s.")
            % {"name": token.name, "prefix": token.key_prefix, "user": token.user.get_username()}
        )

    def _list(self, options):
        user = self._user(options["username"])
        tokens = ApiToken.objects.filter(user=user).order_by("created_at", "pk")
        if not tokens:
            self.stdout.write(_("%(user)s has no tokens.") % {"user": user.get_username()})
            return
        header = (_("prefix"), _("name"), _("created"), _("last used"), _("revoked"))
        self.stdout.write("\t".join(header))
        for token in tokens:
            row = (
                token.key_prefix,
                token.name,
                _when(token.created_at),
                _when(token.last_used_at),
                _when(token.revoked_at),
            )
            self.stdout.write("\t".join(row))
