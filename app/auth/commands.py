"""`flask users ...`: create, unlock and disable accounts; demo accounts and their TOTP codes for development."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from app.audit.actor import Actor
from app.auth import accounts, totp
from app.auth.roles import Role, mfa_required
from app.models.base import utcnow
from app.offices import Office
from app.totp_keys import UnreadableSecret

users_cli = AppGroup("users", help="Manage user accounts.")

DEMO_AGENCY_POLICE = "Demo Police Department"
DEMO_AGENCY_OFM = "Office of Foreign Missions"
# Fixed so `make run` prints the same thing every time; refused in production (see _refuse_in_production).
# The secrets are 160-bit base32 strings like any other; only their publication here makes them demo-only.
DEMO_ACCOUNTS = (
    # role, email, agency, password, TOTP secret (used when the role must have a second factor)
    (
        Role.OFFICER,
        "officer@demo-pd.example",
        DEMO_AGENCY_POLICE,
        "patrol night shift river",
        "JBQWY3DPEHPK3PXPOFFICERDEMOKEY23",
    ),
    (
        Role.DISPATCHER,
        "dispatcher@demo-pd.example",
        DEMO_AGENCY_POLICE,
        "console radio amber lamp",
        "JBQWY3DPEHPK3PXPDISPATCHDEMOKEY2",
    ),
    (
        Role.REVIEWER,
        "reviewer@ofm.example",
        DEMO_AGENCY_OFM,
        "queue notes harbour desk",
        "JBQWY3DPEHPK3PXPREVIEWERDEMOKEY2",
    ),
    (Role.ADMIN, "admin@ofm.example", DEMO_AGENCY_OFM, "ledger keys marble tower", "JBQWY3DPEHPK3PXPADMINDEMOKEY2345"),
)


def _refuse_in_production(what: str) -> None:
    if current_app.config["ENVOY_ENV"] == "production":
        raise click.ClickException(f"{what} is for development only; refused because ENVOY_ENV=production")


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@users_cli.command("agency")
@click.argument("name")
@click.option("--state", help="Two-letter state code: the incident form's default state for its officers.")
@click.option("--time-zone", "time_zone", help="IANA time zone, e.g. America/Chicago: the form's clock.")
def agency_command(name: str, state: str | None, time_zone: str | None) -> None:
    """Set where an agency works (its officers' incident form starts on this state and clock)."""
    try:
        agency = accounts.set_agency_location(name, state, time_zone, actor=Actor.cli())
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{agency.name}: state {agency.state or '-'}, time zone {agency.time_zone or '-'}")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", required=True, help="Agency name; created if it does not exist.")
@click.option("--temporary", is_flag=True, help="The user must choose their own password at first sign-in.")
@click.option(
    "--office",
    type=click.Choice([o.value for o in Office]),
    help="A reviewer's home OFM office: their review queue opens on it (headquarters: all offices).",
)
def create_command(email: str, role: str, agency: str, temporary: bool, office: str | None) -> None:
    """Create an account; the password is read from standard input (or prompted for twice on a terminal)."""
    password = _read_password()
    if office and role != Role.REVIEWER:
        raise click.ClickException("--office is for reviewers only; nothing was changed")
    try:
        user = accounts.create_user(
            email, role, agency, password, temporary_password=temporary, office=office, actor=Actor.cli()
        )
    except accounts.AccountError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException("account not created; nothing was changed") from None
    office_note = f", office {user.office.value}" if user.office else ""
    click.echo(f"created {user.email} ({user.role.value}, {user.agency.name}{office_note})")
    if mfa_required(user.role, current_app.config["MFA_REQUIRED_ROLES"]):
        click.echo("they set up a second factor (a passkey, or an authenticator app) at their first sign-in")


def _user_id(email: str) -> int:
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"no account with email {email.strip().lower()}")
    return user.id


@users_cli.command("unlock")
@click.argument("email")
def unlock_command(email: str) -> None:
    """Unlock an account locked after too many failed sign-ins."""
    user = accounts.unlock_user(_user_id(email), actor=Actor.cli())
    click.echo(f"unlocked {user.email}")


@users_cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account and end all of its sessions now."""
    user = accounts.disable_user(_user_id(email), actor=Actor.cli())
    click.echo(f"disabled {user.email}; all of its sessions have ended")


@users_cli.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Let a disabled account sign in again (its 90-day idle clock restarts)."""
    try:
        user = accounts.enable_user(_user_id(email), actor=Actor.cli())
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"enabled {user.email}")


@users_cli.command("disable-idle")
def disable_idle_command() -> None:
    """Disable every account unused for 90 days (CJIS AC-2(3)); run it daily. Sign-in checks the same rule."""
    disabled = accounts.disable_idle_accounts()
    for email in disabled:
        click.echo(f"disabled {email}: unused for 90 days")
    click.echo(f"{len(disabled)} idle account(s) disabled")


@users_cli.command("rotate-totp-key")
def rotate_totp_key_command() -> None:
    """Seal every TOTP secret again under the newest key in TOTP_KEYS; then older keys can leave the ring."""
    try:
        key_id, count = accounts.reseal_totp_secrets(actor=Actor.cli())
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{count} TOTP secret(s) now sealed with key {key_id}; older keys can be removed from TOTP_KEYS")


@users_cli.command("demo")
def demo_command() -> None:
    """Create the demo accounts if missing (development only) and print how to sign in with them."""
    _refuse_in_production("users demo")
    configured = current_app.config["MFA_REQUIRED_ROLES"]
    rows = []
    for role, email, agency, password, secret in DEMO_ACCOUNTS:
        needs_code = mfa_required(role, configured)
        user = accounts.find_user(email)
        if user is None:
            user = accounts.create_user(
                email,
                role.value,
                agency,
                password,
                totp_secret=secret if needs_code else None,
                # The demo reviewer works at headquarters, so their queue opens on every office.
                office=Office.HEADQUARTERS if role is Role.REVIEWER else None,
                actor=Actor.cli(),
            )
        rows.append((user, password, needs_code))
    base_url = current_app.config["BASE_URL"]
    click.echo("")
    click.echo(f"Demo accounts (development only) - sign in at {base_url}/login")
    click.echo(f"  {'role':<11} {'email':<28} password")
    for user, password, _needs_code in rows:
        click.echo(f"  {user.role.value:<11} {user.email:<28} {password}")
    for user, _password, needs_code in rows:
        if needs_code and user.totp_secret is None:
            click.echo(f"  {user.email} sets up a passkey or an authenticator app at its first sign-in")
        if user.is_disabled and user.disabled_reason == "idle":
            click.echo(f"  {user.email} was unused for 90 days: flask --app wsgi users enable {user.email}")
        elif user.is_disabled:
            click.echo(f"  {user.email} is disabled")
        elif user.is_locked or user.is_locked_for_unknown_devices:
            click.echo(f"  {user.email} is locked: flask --app wsgi users unlock {user.email}")
    with_codes = [user for user, _password, needs_code in rows if needs_code and user.totp_secret is not None]
    if with_codes:
        click.echo("")
        click.echo("These accounts also need a second factor. The first time, a 6-digit code: add the key to an")
        click.echo("authenticator app (FreeOTP, Google or Microsoft Authenticator...), or print the current code with")
        click.echo("the command shown.")
        for user in with_codes:
            secret = user.totp_secret or ""
            click.echo(f"  {user.email}")
            click.echo(f"    key:  {secret}")
            click.echo(f"    uri:  {totp.provisioning_uri(secret, user.email)}")
            click.echo(f"    code: flask --app wsgi users totp {user.email}")
        click.echo("")
        click.echo(f"Once signed in, add a passkey at {base_url}/account/passkeys: next time, one touch of the")
        click.echo("fingerprint, face or PIN signs in. Passkeys need a host name, not an IP address: serve on")
        click.echo("localhost (make run HOST=localhost) or on https.")
    click.echo("")


@users_cli.command("totp")
@click.argument("email")
def totp_command(email: str) -> None:
    """Print an account's current TOTP code (development only)."""
    _refuse_in_production("users totp")
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"no account with email {email.strip().lower()}")
    if user.totp_secret is None:
        raise click.ClickException(f"{user.email} has no authenticator app set up")
    if isinstance(user.totp_secret, UnreadableSecret):
        raise click.ClickException(f"{user.email}'s TOTP secret opens with no key in the ring")
    moment = utcnow()
    seconds_left = totp.STEP_SECONDS - int(moment.timestamp()) % totp.STEP_SECONDS
    click.echo(f"{totp.current_code(user.totp_secret, moment)}  (valid for {seconds_left} more seconds)")
