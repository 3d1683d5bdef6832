"""Whether the tests run in CI, where nothing may be skipped for want of a tool or data.

Any value of the CI variable but empty, 0, false or no counts (runners set CI=true,
some CI=1)."""
import os

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
