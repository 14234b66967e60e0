from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = StringField("E-mail", validators=[DataRequired("Angiv din e-mail."), Length(max=255)])
    password = PasswordField("Adgangskode", validators=[DataRequired("Angiv din adgangskode.")])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Nuværende adgangskode", validators=[DataRequired()])
    new = PasswordField("Ny adgangskode", validators=[DataRequired()])
    repeat = PasswordField("Gentag ny adgangskode", validators=[DataRequired()])
