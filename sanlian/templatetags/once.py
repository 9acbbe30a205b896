"""`{% once_token %}`: a form's one-time token (sanlian/idempotency.py)."""

import uuid

from django import template
from django.utils.html import format_html

from sanlian.idempotency import FORM_FIELD

register = template.Library()


@register.simple_tag
def once_token() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, uuid.uuid4().hex)
