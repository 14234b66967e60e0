from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.models import ROLE_LABELS

ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]


class UserForm(FlaskForm):
    email = StringField("E-mail", validators=[DataRequired("Angiv en e-mail."), Length(max=255)])
    name = StringField("Navn", validators=[Optional(), Length(max=120)])
    role = SelectField("Rolle", choices=ROLE_CHOICES)
    active = BooleanField("Aktiv", default=True)
    password = PasswordField(
        "Adgangskode",
        validators=[Optional()],
        description=(
            "Mindst 10 tegn og 5 forskellige tegn; ikke en almindelig adgangskode, brugerens"
            " e-mail, en gentaget tegnfølge eller tegn i træk (fx 1234 eller asdf)."
        ),
    )
