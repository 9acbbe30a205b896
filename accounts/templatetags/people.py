from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """A user as pages name them: the full name, else the username; "—" for none (a record whose
    user was deleted keeps a null, and a filter argument like `user.username` fails on it)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
