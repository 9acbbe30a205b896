"""Small helpers shared by the forms of every app."""

from django.core.exceptions import ValidationError


def add_validation_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to its field, or above the form."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)
