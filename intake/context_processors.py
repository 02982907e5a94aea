from intake.roles import roles_of


def roles(request):
    """The signed-in user's roles, for the header and the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": []}
    return {"user_roles": roles_of(user)}
