"""
``peerpath api-token``: create, list and revoke a user's API tokens.

    peerpath api-token create coord@school.org --name "SIS sync"
    peerpath api-token list coord@school.org
    peerpath api-token revoke coord@school.org PREFIX

``create`` prints the token once; only its hash is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.api import selectors
from peerpath.api.services import api_token_create, api_token_revoke
from peerpath.core.models import User


class Command(BaseCommand):
    help = "Create, list or revoke a user's API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token and print it once.")
        create.add_argument("email")
        create.add_argument("--name", required=True, help="What the token is for.")
        listing = actions.add_parser("list", help="List a user's tokens (never their secrets).")
        listing.add_argument("email")
        revoke = actions.add_parser("revoke", help="Revoke a token at once.")
        revoke.add_argument("email")
        revoke.add_argument(
            "token", help="The token's prefix (8 characters after pp_) or the whole token."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {options['email']}.")
        action = options["action"]
        if action == "create":
            try:
                issued = api_token_create(actor=None, user=user, name=options["name"])
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            self.stderr.write(f"Token “{issued.token.name}” for {user.email}; copy it now:")
            self.stdout.write(issued.key)
        elif action == "list":
            for token in selectors.api_token_list(user):
                state = (
                    f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
                )
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"pp_{token.prefix}_…\t{token.name}\tcreated {token.created_at:%Y-%m-%d}"
                    f"\tlast used {used}\t{state}"
                )
        else:
            given = options["token"].strip()
            prefix = given.split("_")[1] if given.startswith("pp_") else given
            found = selectors.api_token_list(user).filter(prefix=prefix).first()
            if found is None:
                raise CommandError(f"{user.email} has no token starting pp_{prefix}_.")
            api_token_revoke(actor=None, token=found)
            self.stdout.write(f"Revoked “{found.name}” (pp_{found.prefix}_…).")
