from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from sso.provider import role_map


@register()
def role_map_names_roles(app_configs, **kwargs):
    try:
        role_map()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="sso.E001")]
    return []
