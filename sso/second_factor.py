"""The provider's second factor as a django-otp device, so `user.is_verified()` (and the
two-factor middleware) treat a session signed in with it as verified."""

from django_otp.plugins.otp_static.models import StaticDevice

PROVIDER_DEVICE_NAME = "Identity provider (second factor)"


def provider_device(user) -> StaticDevice:
    """A device with no codes: nothing can be verified with it, it only marks sessions that
    the provider verified. Deleting it in the admin ends those sessions' verification."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=PROVIDER_DEVICE_NAME)
    return device
