"""CBS StatLine as a source: the real ``cbsodata`` client behind a cache, parsing, herindelingen, plausibility.

Bron: CBS (StatLine open data, CC BY 4.0).
"""
