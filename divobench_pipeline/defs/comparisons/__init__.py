"""Benchmark comparisons: reference groups, group values, vergelijkbare gemeenten, public export, lineage."""
