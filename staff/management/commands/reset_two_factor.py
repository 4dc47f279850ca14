"""Reset a user's two-factor sign-in (lost phone) when no superuser can sign in to do it."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from staff.twofactor import reset_devices


class Command(BaseCommand):
    help = "Remove a user's authenticator and backup codes; they enrol again at next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as error:
            raise CommandError(f"No user {username!r}.") from error
        reset_devices(user, detail="manage.py reset_two_factor")
        self.stdout.write(f"{username}: two-factor sign-in reset; enrols again at next sign-in.")
