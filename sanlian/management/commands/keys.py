"""`sanlian keys generate | fingerprint`: the installation's keys (sanlian.keys)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanlian.keys import fingerprint, generate_pii_key, generate_secret_key, recorded_fingerprint


def write_private(path: Path, text: str) -> None:
    """Creates the file readable by its owner only, from the first byte; never overwrites."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


class Command(BaseCommand):
    help = "Generate the installation's keys, or show the personal-information key's fingerprint."
    # `generate` must work before the installation can pass its own checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        generate = actions.add_parser("generate", help=gettext_lazy("Generate new keys."))
        generate.add_argument(
            "--output",
            type=Path,
            help=gettext_lazy("Write them to this new file (mode 0600) instead of printing them."),
        )
        actions.add_parser("fingerprint", help=gettext_lazy("Show the keys' fingerprints."))
        rotate = actions.add_parser(
            "rotate",
            help=gettext_lazy("Re-encrypt personal information under SANLIAN_PII_KEY."),
        )
        rotate.add_argument(
            "--old-key-file",
            type=Path,
            required=True,
            help=gettext_lazy("The file holding the key the data is encrypted with now."),
        )
        rotate.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        if options["action"] == "generate":
            self.generate(options["output"])
        elif options["action"] == "rotate":
            self.rotate(options["old_key_file"], options["batch_size"])
        else:
            self.fingerprint()

    def rotate(self, old_key_file: Path, batch_size: int) -> None:
        from sanlian.keys import KeyMismatch
        from sanlian.rotation import pending_members, rotate_pii_key

        try:
            old_key = old_key_file.read_text(encoding="utf-8").strip()
            old_key = old_key.removeprefix("SANLIAN_PII_KEY=")
        except OSError as error:
            raise CommandError(str(error)) from error
        total = pending_members(settings.PII_KEY).count()

        def progress(done: int) -> None:
            self.stdout.write(
                _("%(done)d of %(total)d members converted.") % {"done": done, "total": total}
            )

        try:
            report = rotate_pii_key(None, old_key, batch_size=batch_size, progress=progress)
        except KeyMismatch as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Key rotated: %(old)s → %(new)s, %(count)d members converted. Start the "
                    "application with the new key; keep the old key sealed as long as backups "
                    "made before the rotation are kept."
                )
                % {
                    "old": report.old_fingerprint,
                    "new": report.new_fingerprint,
                    "count": report.converted,
                }
            )
        )

    def generate(self, output: Path | None) -> None:
        pii_key = generate_pii_key()
        lines = f"SANLIAN_SECRET_KEY={generate_secret_key()}\nSANLIAN_PII_KEY={pii_key}\n"
        if output is None:
            self.stdout.write(lines, ending="")
        else:
            try:
                write_private(output, lines)
            except FileExistsError as error:
                raise CommandError(
                    _("%(path)s exists; it was left unchanged.") % {"path": output}
                ) from error
            self.stdout.write(_("Keys written to %(path)s (mode 0600).") % {"path": output})
        self.stderr.write(
            _(
                "Fingerprint of the new personal-information key: %(fingerprint)s. Keep two sealed "
                "copies of the key apart from the backups (docs/deploy.zh.md)."
            )
            % {"fingerprint": fingerprint(pii_key)}
        )

    def fingerprint(self) -> None:
        recorded = recorded_fingerprint()
        self.stdout.write(
            _("Configured key: %(fingerprint)s") % {"fingerprint": fingerprint(settings.PII_KEY)}
        )
        self.stdout.write(
            _("Recorded by the database: %(fingerprint)s")
            % {"fingerprint": recorded or _("(none yet: recorded at the first migrate)")}
        )
