"""divobench: the data backbone of a benchmark for Dutch gemeenten in the social domain."""

import warnings

# Single-run backfills and the month roll-up mapping are Dagster beta features this pipeline relies on deliberately.
warnings.filterwarnings("ignore", message=r".* is currently in (beta|preview)")
