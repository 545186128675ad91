"""divobench: the data backbone of a benchmark for Dutch gemeenten in the social domain."""
