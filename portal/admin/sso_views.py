"""Administration: a party's identity provider for single sign-on (portal/accounts/sso.py).

Its own page beside the party's form (/admin/parter/<id>/inloggning). The client secret is
write-only: the page never shows it, an empty field keeps the stored one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from portal.accounts import sso
from portal.accounts.models import IdentityProvider, Role
from portal.admin.forms import strip
from portal.admin.views import _form_page, _history, _save, bp
from portal.extensions import db
from portal.permissions import roles_required
from portal.reference.models import Party

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class IdentityProviderForm(FlaskForm):
    issuer = StringField(
        _l("Utfärdare (issuer)"),
        filters=[strip],
        validators=[DataRequired(_l("Fyll i utfärdarens adress.")), Length(max=255)],
        description=_l(
            "Leverantörens adress, till exempel https://login.eskilstuna.se. Portalen hämtar "
            "resten från /.well-known/openid-configuration under den."
        ),
    )
    client_id = StringField(
        _l("Klient-id"),
        filters=[strip],
        validators=[DataRequired(_l("Fyll i klient-id.")), Length(max=255)],
    )
    client_secret = PasswordField(
        _l("Klienthemlighet"),
        validators=[Length(max=500)],
        render_kw={"autocomplete": "new-password"},
        description=_l("Visas aldrig igen. Lämna tomt för att behålla den som är sparad."),
    )
    email_claim = StringField(
        _l("Anspråk med e-postadressen"),
        filters=[strip],
        default="email",
        validators=[
            DataRequired(_l("Fyll i namnet på anspråket, oftast email.")),
            Length(max=60),
            Regexp(r"^[A-Za-z0-9_.:/-]+$", message=_l("Bara bokstäver a–z, siffror och _.:/-.")),
        ],
        description=_l("Det anspråk i ID-token som bär personens e-postadress, oftast email."),
    )
    enabled = BooleanField(
        _l("Påslagen"),
        description=_l("Inloggningsknappen för parten visas på inloggningssidan."),
    )

    def __init__(self, *args, has_secret: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret

    def validate_issuer(self, field) -> None:
        parts = urlsplit(field.data or "")
        secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
        if not secure or not parts.hostname or parts.query or parts.fragment:
            raise ValidationError(_l("Skriv en adress som börjar med https://."))

    def validate_client_secret(self, field) -> None:
        if not field.data and not self.has_secret:
            raise ValidationError(_l("Fyll i klienthemligheten."))


@bp.route("/parter/<int:party_id>/inloggning", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def party_sso(party_id: int):
    party = db.get_or_404(Party, party_id)
    row = db.session.scalar(select(IdentityProvider).where(IdentityProvider.party_id == party.id))
    has_secret = bool(row and row.client_secret)
    form = IdentityProviderForm(obj=row if request.method == "GET" else None, has_secret=has_secret)
    done = _save(
        form,
        lambda: sso.save_provider(
            party,
            issuer=form.issuer.data,
            client_id=form.client_id.data,
            client_secret=form.client_secret.data or "",
            email_claim=form.email_claim.data,
            enabled=form.enabled.data,
            actor=current_user,
        ),
        lambda _row: _("Inloggningen via %(name)s är sparad.", name=party.name),
        "admin.parties",
    )
    if done:
        return done
    return _form_page(
        "admin/party_sso.html",
        form,
        party=party,
        has_secret=has_secret,
        redirect_uri=sso.redirect_uri(),
        from_config=sso.configured_from_environment().get(party.id),
        history=_history(party),
    )


def party_sso_summary(party: Party) -> str:
    """The state of the party's single sign-on, for its form page."""
    provider = sso.configured().get(party.id)
    if provider is None:
        return _("Ingen inloggning via organisationen.")
    if not provider.enabled:
        return _("Inloggning via organisationen finns men är avstängd.")
    return _("Inloggning via organisationen är påslagen (%(issuer)s).", issuer=provider.issuer)


bp.add_app_template_global(party_sso_summary)
