"""The one grammar for numbers that staff type or upload (admin forms, CSV import; documented
in docs/progress-csv.md):

- plain decimal digits, an optional sign, an optional decimal point, optional thousands
  commas (every group of three: 1,234,567.5);
- full-width digits and signs (what Chinese input methods type: １２３．５) read as ASCII;
- nothing else: no exponents (1e5), no digits of other scripts (٥٥), no underscores, no
  spaces inside, no NaN or infinity;
- within the limits of the database field the value lands in: a value with more digits
  before the point, or more decimals, than the field holds is refused, never rounded.

`Decimal()` alone accepts all of those and has no size limit (Decimal("1e999999999") parses;
quantising or printing it then fails), so the text is checked before it becomes a Decimal.

Numbers read back from the database (an indicator's yearly values are decimal strings in
JSON; the bundle's numbers are JSON) go through `stored_number` / `stored_decimal`: the one
reader of a stored number, whatever wrote it.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%")
NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?|[+-]?\.(\d+)", re.ASCII)


def field_limits(field):
    """(digits before the point, decimals) of a DecimalField."""
    return field.max_digits - field.decimal_places, field.decimal_places


def parse_number(text, limits, *, percent=False):
    """The Decimal a cell or form field holds (None when empty), or ValidationError.

    `limits`: (digits before the point, decimals), e.g. field_limits(Model._meta.get_field(
    "percent")). `percent`: a trailing % (or ％) is allowed and dropped."""
    raw = (text or "").strip()
    if not raw:
        return None
    normal = raw.translate(FULL_WIDTH)
    if percent and normal.endswith("%"):
        normal = normal[:-1].rstrip()
    match = NUMBER.fullmatch(normal)
    if match is None:
        raise ValidationError(
            _("“%(value)s” is not a number: use digits, a decimal point and thousands commas."),
            code="invalid",
            params={"value": raw[:40]},
        )
    digits, places = limits
    decimals = match.group(1) or match.group(2) or ""
    whole = normal.split(".")[0].lstrip("+-").replace(",", "").lstrip("0")
    if len(whole) > digits:
        raise ValidationError(
            _("“%(value)s” is too large: at most %(digits)s digits before the decimal point."),
            code="max_whole_digits",
            params={"value": raw[:40], "digits": digits},
        )
    if len(decimals.rstrip("0")) > places:
        raise ValidationError(
            _("“%(value)s” has too many decimals: at most %(places)s."),
            code="max_decimal_places",
            params={"value": raw[:40], "places": places},
        )
    return Decimal(normal.replace(",", ""))


def format_number(value):
    """55.0 → "55", 55.50 → "55.5", None → "" (how files and forms write a number back)."""
    if value in (None, ""):
        return ""
    return format(Decimal(str(value)).normalize(), "f")


def stored_number(value):
    """A stored number (a decimal string, int, float or Decimal) as a Decimal; None when
    empty. A value that is no number the grammar allows (none is imported now; an older
    import stored `1e999999999`) is returned as the text it is: written as it is, it cannot
    make a file or a page print a billion digits."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite() or not -30 <= number.adjusted() <= 30:
        return str(value)
    return number


def stored_decimal(value):
    """stored_number for arithmetic: a Decimal, or None (empty, or no number)."""
    number = stored_number(value)
    return None if isinstance(number, str) else number


class NumberField(forms.DecimalField):
    """A form's field for a model's DecimalField (the admin's), read with this grammar
    within that field's limits (Django's own takes 5e1 and ٥٥ and refuses 1,234)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_number(
            str(value), (self.max_digits - self.decimal_places, self.decimal_places)
        )
