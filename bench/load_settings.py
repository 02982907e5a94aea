"""The app's settings with the bench URLs (the bare form-save view beside the app's pages),
for the load scenario's baseline (LOAD_TARGET=bare)."""

from amps_screen.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
