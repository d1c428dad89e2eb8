"""The plugin system: pluggy with the project name ``laurel``."""

import pluggy

PROJECT = "laurel"
ENTRY_POINT_GROUP = "laurel"

hookimpl = pluggy.HookimplMarker(PROJECT)
